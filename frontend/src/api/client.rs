//! The one fetch helper every API call goes through: same origin, bearer token from the
//! session, JSON in and out, problem+json errors turned into [`ApiError`], and a 401 on an
//! authenticated call ends the session (the shell then shows the login page).

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use super::ApiError;
use crate::session;

/// HTTP methods the API uses.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A GET whose answer is a `T`, as the api modules describe it; [`crate::poll::use_polled`]
/// sends it, again whenever its inputs change and on a timer.
pub struct Get<T> {
    pub path: String,
    answer: PhantomData<fn() -> T>,
}

impl<T> Get<T> {
    pub fn new(path: impl Into<String>) -> Self {
        Get {
            path: path.into(),
            answer: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> Get<T> {
    /// Sends it once.
    pub async fn send(&self) -> Result<T, ApiError> {
        let (status, text) = get_text(&self.path).await?;
        decode((status, &text))
    }
}

/// The status and body of a 2xx answer to `GET path`, else the error.
pub async fn get_text(path: &str) -> Result<(u16, String), ApiError> {
    exchange(Method::Get, path, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = encode_body(body)?;
    let (status, text) = exchange(Method::Post, path, Some(body)).await?;
    decode((status, &text))
}

/// A POST without a body (actions such as `/api/jobs/{id}/retry`).
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let (status, text) = exchange(Method::Post, path, None).await?;
    decode((status, &text))
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = encode_body(body)?;
    let (status, text) = exchange(Method::Patch, path, Some(body)).await?;
    decode((status, &text))
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = encode_body(body)?;
    let (status, text) = exchange(Method::Put, path, Some(body)).await?;
    decode((status, &text))
}

pub async fn delete(path: &str) -> Result<(), ApiError> {
    let (status, text) = exchange(Method::Delete, path, None).await?;
    decode((status, &text))
}

fn encode_body<B: Serialize>(body: &B) -> Result<String, ApiError> {
    serde_json::to_string(body)
        .map_err(|e| ApiError::decode(0, format!("cannot encode the request: {e}")))
}

/// `T` from a 2xx answer's body (an empty body reads as JSON `null`, so `()` fits a 204).
/// The only part of a call that depends on its type: the rest is shared by every call.
pub fn decode<T: DeserializeOwned>((status, text): (u16, &str)) -> Result<T, ApiError> {
    serde_json::from_str(or_null(text)).map_err(|e| unreadable(status, e))
}

fn or_null(text: &str) -> &str {
    if text.trim().is_empty() { "null" } else { text }
}

/// Kept out of line so the typed decoders share it.
#[inline(never)]
fn unreadable(status: u16, e: serde_json::Error) -> ApiError {
    ApiError::decode(status, format!("cannot read the answer: {e}"))
}

/// Sends one request and answers the status and body of a 2xx answer, else an [`ApiError`]
/// from the problem+json body. Not generic, so every typed call shares this one copy.
async fn exchange(
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<(u16, String), ApiError> {
    let token = session::token();
    let (status, status_text, text) = send(method, path, body, token.as_deref())
        .await
        .map_err(|e| ApiError::network(js_message(&e)))?;
    if (200..300).contains(&status) {
        return Ok((status, text));
    }
    if status == 401 && token.is_some() {
        session::expire();
    }
    Err(ApiError::from_answer(status, &status_text, &text))
}

async fn send(
    method: Method,
    path: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<(u16, String, String), JsValue> {
    let headers = Headers::new()?;
    headers.set("Accept", "application/json, application/problem+json")?;
    if let Some(t) = token {
        headers.set("Authorization", &format!("Bearer {t}"))?;
    }
    let init = RequestInit::new();
    init.set_method(method.as_str());
    if let Some(b) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), response.status_text(), text))
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the request failed".into())
}

/// Percent-encodes one query-string value.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
