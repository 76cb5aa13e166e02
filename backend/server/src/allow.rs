//! `Allow` on every 405 answer, as RFC 9110 requires: the methods the spec lists for the
//! path (`GET` for the routes outside the spec: the document, Swagger UI, the console).

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// Path templates of the spec with the methods each answers, e.g. `/api/jobs/{id}` → `GET`.
#[derive(Debug, Default)]
pub struct AllowedMethods {
    routes: Vec<(Vec<Segment>, String)>,
}

#[derive(Debug, PartialEq)]
enum Segment {
    Literal(String),
    Param,
}

impl AllowedMethods {
    pub fn from_spec(spec: &str) -> Self {
        let doc: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let routes = doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, item)| {
                        let mut methods: Vec<String> = item
                            .as_object()
                            .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                            .unwrap_or_default();
                        methods.sort();
                        (segments(path), methods.join(", "))
                    })
                    .collect()
            })
            .unwrap_or_default();
        AllowedMethods { routes }
    }

    /// The methods for `path`; a template whose literal segments match most wins, as the
    /// router prefers literal segments (`/api/jobs/count` over `/api/jobs/{id}`).
    pub fn for_path(&self, path: &str) -> &str {
        let want: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|(tpl, _)| {
                tpl.len() == want.len()
                    && tpl.iter().zip(&want).all(|(t, w)| match t {
                        Segment::Literal(l) => l == w,
                        Segment::Param => !w.is_empty(),
                    })
            })
            .max_by_key(|(tpl, _)| {
                tpl.iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map_or("GET", |(_, methods)| methods.as_str())
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

/// Middleware: adds `Allow` to 405 answers.
pub async fn add_allow<E: Endpoint>(
    next: Arc<E>,
    req: Request,
    allowed: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let path = req.uri().path().to_string();
    let mut resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Ok(v) = HeaderValue::from_str(allowed.for_path(&path))
    {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_methods_of_the_best_matching_template_are_allowed() {
        let spec = r#"{"paths": {
            "/api/jobs": {"get": {}, "post": {}},
            "/api/jobs/{id}": {"get": {}},
            "/api/jobs/actions": {"post": {}},
            "/api/jobs/{id}/retry": {"post": {}}
        }}"#;
        let a = AllowedMethods::from_spec(spec);
        assert_eq!(a.for_path("/api/jobs"), "GET, POST");
        assert_eq!(a.for_path("/api/jobs/7"), "GET");
        assert_eq!(a.for_path("/api/jobs/actions"), "POST");
        assert_eq!(a.for_path("/api/jobs/7/retry"), "POST");
        assert_eq!(a.for_path("/api/openapi.json"), "GET");
    }
}
