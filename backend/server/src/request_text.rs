//! Refuses a request whose path or query does not decode to text the database can hold:
//! bytes that are not UTF-8 once percent-decoded, or a NUL character (PostgreSQL refuses
//! U+0000 in text). Without this, the first became a filter that silently matched nothing
//! and the second a database error (500) on PostgreSQL only.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};

/// Middleware: 400 for a path or query that is not clean text.
pub async fn refuse_undecodable<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let uri = req.uri();
    for (part, raw) in [("path", uri.path()), ("query", uri.query().unwrap_or(""))] {
        if let Some(why) = undecodable(raw) {
            return Err(poem::Error::from_string(
                format!("the {part} of the URL {why}"),
                StatusCode::BAD_REQUEST,
            ));
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Why `raw` (percent-encoded) is not clean text, or `None` when it is.
fn undecodable(raw: &str) -> Option<&'static str> {
    let bytes = percent_decode(raw.as_bytes());
    if std::str::from_utf8(&bytes).is_err() {
        Some("is not UTF-8 once percent-decoded")
    } else if bytes.contains(&0) {
        Some("contains a NUL character (%00)")
    } else {
        None
    }
}

fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::undecodable;

    #[test]
    fn only_clean_utf8_without_nul_passes() {
        assert_eq!(undecodable("/api/jobs"), None);
        assert_eq!(undecodable("queue=%C3%A4%F0%9F%98%80&q=50%25"), None);
        assert_eq!(undecodable("q=100%"), None, "a lone % is a literal");
        assert!(undecodable("queue=%FF%FE").is_some());
        assert!(undecodable("/api/users/%C0%AF").is_some());
        assert!(undecodable("actor=%00").is_some());
    }
}
