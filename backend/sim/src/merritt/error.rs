//! Merritt's error answers (`{"exc:exception": {...}}`, the JSON form of its XML errors).

use poem::error::ResponseError;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Body, Response};
use serde_json::json;

/// Realm named in `WWW-Authenticate` when basic auth is missing.
const REALM: &str = "Basic realm=\"merritt\"";

/// An error answer of the simulated Merritt.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {description}")]
pub struct MerrittError {
    pub status: StatusCode,
    pub description: String,
}

impl MerrittError {
    /// 400 with `description`.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            description: description.into(),
        }
    }

    /// 500: the simulator itself failed.
    pub fn internal(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            description: description.into(),
        }
    }

    /// 401: basic auth missing or wrong.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            description: "Authentication required".to_owned(),
        }
    }
}

impl ResponseError for MerrittError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        let label = match self.status {
            StatusCode::UNAUTHORIZED => "UNAUTHORIZED",
            StatusCode::INTERNAL_SERVER_ERROR => "INTERNAL_ERROR",
            _ => "REQUEST_INVALID",
        };
        let body = json!({"exc:exception": {
            "exc:statusCode": self.status.as_u16(),
            "exc:status": label,
            "exc:statusDescription": self.description,
            "exc:error": self.description,
        }});
        let mut response = Response::builder()
            .status(self.status)
            .content_type("application/json")
            .body(Body::from(body.to_string()));
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM));
        }
        response
    }
}
