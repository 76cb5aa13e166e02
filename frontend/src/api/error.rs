//! `ApiError`: what went wrong with a call, from a problem+json answer or the network.

use std::fmt;

use longjobs_openapi::Problem;

/// A failed API call. `status` is 0 when no answer arrived (network error).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub title: String,
    /// What exactly was wrong: the problem's `detail`, shown to the user as is.
    pub detail: String,
}

impl ApiError {
    /// No answer came back (offline, server down, CSP, …).
    pub fn network(detail: impl Into<String>) -> Self {
        ApiError {
            status: 0,
            title: "Network error".into(),
            detail: detail.into(),
        }
    }

    /// The answer came but was not what the contract promises.
    pub fn decode(status: u16, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            title: "Unexpected answer".into(),
            detail: detail.into(),
        }
    }

    /// Builds the error of a non-2xx answer from its body: problem+json when it is one,
    /// else the status text and whatever text came.
    pub fn from_answer(status: u16, status_text: &str, body: &str) -> Self {
        match serde_json::from_str::<Problem>(body) {
            Ok(p) => ApiError {
                status,
                title: p.title,
                detail: p.detail,
            },
            Err(_) => ApiError {
                status,
                title: if status_text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    status_text.to_string()
                },
                detail: if body.trim().is_empty() {
                    format!("the server answered {status}")
                } else {
                    body.chars().take(300).collect()
                },
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}
