//! The one fetch helper every API call goes through: same origin, bearer token from the
//! session, JSON in and out, problem+json errors turned into [`ApiError`], and a 401 on an
//! authenticated call ends the session (the shell then shows the login page).

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
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call(Method::Get, path, None::<&()>).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    call(Method::Post, path, Some(body)).await
}

/// A POST without a body (actions such as `/api/jobs/{id}/retry`).
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    call(Method::Post, path, None::<&()>).await
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    call(Method::Patch, path, Some(body)).await
}

pub async fn delete(path: &str) -> Result<(), ApiError> {
    call(Method::Delete, path, None::<&()>).await
}

/// Sends one request and decodes the answer: `T` from a 2xx body (an empty body reads as
/// JSON `null`, so `()` fits a 204), else an [`ApiError`] from the problem+json body.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let token = session::token();
    let body = body
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ApiError::decode(0, format!("cannot encode the request: {e}")))?;
    let (status, status_text, text) = send(method, path, body, token.as_deref())
        .await
        .map_err(|e| ApiError::network(js_message(&e)))?;
    if (200..300).contains(&status) {
        let text = if text.trim().is_empty() {
            "null"
        } else {
            &text
        };
        return serde_json::from_str(text)
            .map_err(|e| ApiError::decode(status, format!("cannot read the answer: {e}")));
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
