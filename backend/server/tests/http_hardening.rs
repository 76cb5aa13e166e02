//! What every answer carries for browsers: CORS closed unless origins are configured (and
//! then only for them), and the security headers on the console, the API, its errors, the
//! spec and Swagger UI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::Role;
use longjobs_core::testing::TestDb;
use longjobs_server::HttpOptions;
use poem::http::{HeaderMap, Method, StatusCode};

mod common;
use common::TestServer;

const ALLOWED: &str = "https://console.example.org";
const OTHER: &str = "https://evil.example.net";

async fn request(
    s: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap) {
    let mut req = s.client.request(method, path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await;
    (resp.0.status(), resp.0.headers().clone())
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn preflight(origin: &str) -> Vec<(&str, &str)> {
    vec![
        ("Origin", origin),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization, content-type",
        ),
    ]
}

#[tokio::test]
async fn cors_is_closed_when_no_origin_is_configured() {
    let s = TestServer::new(TestDb::sqlite().await.unwrap()).await;
    let token = s.user("vera", Role::Viewer).await;
    let bearer = format!("Bearer {token}");
    for origin in [ALLOWED, OTHER, "null"] {
        let (st, h) = request(&s, Method::OPTIONS, "/api/jobs", &preflight(origin)).await;
        assert!(
            st.is_client_error(),
            "a preflight from {origin} answered {st}"
        );
        assert_eq!(header(&h, "access-control-allow-origin"), None, "{origin}");
        assert_eq!(header(&h, "access-control-allow-methods"), None, "{origin}");
        let (st, h) = request(
            &s,
            Method::GET,
            "/api/jobs",
            &[("Origin", origin), ("Authorization", &bearer)],
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(header(&h, "access-control-allow-origin"), None, "{origin}");
    }
}

#[tokio::test]
async fn cors_opens_only_for_the_configured_origins_and_never_with_credentials() {
    let opts = HttpOptions {
        cors_origins: vec![ALLOWED.to_string()],
        ..Default::default()
    };
    let s = TestServer::with_options(TestDb::sqlite().await.unwrap(), opts).await;
    let token = s.user("vera", Role::Viewer).await;
    let bearer = format!("Bearer {token}");

    let (st, h) = request(&s, Method::OPTIONS, "/api/jobs", &preflight(ALLOWED)).await;
    assert!(
        st.is_success(),
        "the allowed origin's preflight answered {st}"
    );
    assert_eq!(header(&h, "access-control-allow-origin"), Some(ALLOWED));
    assert_ne!(header(&h, "access-control-allow-credentials"), Some("true"));
    let (_, h) = request(
        &s,
        Method::GET,
        "/api/jobs",
        &[("Origin", ALLOWED), ("Authorization", &bearer)],
    )
    .await;
    assert_eq!(header(&h, "access-control-allow-origin"), Some(ALLOWED));

    for origin in [
        OTHER,
        "null",
        "https://console.example.org.evil.example.net",
    ] {
        let (_, h) = request(&s, Method::OPTIONS, "/api/jobs", &preflight(origin)).await;
        assert_eq!(header(&h, "access-control-allow-origin"), None, "{origin}");
        let (_, h) = request(
            &s,
            Method::GET,
            "/api/jobs",
            &[("Origin", origin), ("Authorization", &bearer)],
        )
        .await;
        assert_eq!(header(&h, "access-control-allow-origin"), None, "{origin}");
    }
}

#[tokio::test]
async fn security_headers_are_on_every_kind_of_answer() {
    let dir = tempfile_dir();
    std::fs::write(dir.join("index.html"), "<html>console</html>").unwrap();
    let opts = HttpOptions {
        console_dir: Some(dir.clone()),
        ..Default::default()
    };
    let s = TestServer::with_options(TestDb::sqlite().await.unwrap(), opts).await;
    let token = s.user("vera", Role::Viewer).await;
    let bearer = format!("Bearer {token}");
    let cases: Vec<Case> = vec![
        (Method::GET, "/", vec![], 200),
        (Method::GET, "/jobs/7", vec![], 200),
        (Method::GET, "/docs/", vec![], 200),
        (Method::GET, "/api/openapi.json", vec![], 200),
        (Method::GET, "/healthz", vec![], 200),
        (
            Method::GET,
            "/api/jobs",
            vec![("Authorization", &bearer)],
            200,
        ),
        (Method::GET, "/api/jobs", vec![], 401),
        (
            Method::GET,
            "/api/jobs/-1",
            vec![("Authorization", &bearer)],
            400,
        ),
        (Method::GET, "/api/nothing-here", vec![], 404),
        (Method::TRACE, "/api/jobs", vec![], 405),
    ];
    for (method, path, headers, status) in cases {
        let (st, h) = request(&s, method.clone(), path, &headers).await;
        assert_eq!(st.as_u16(), status, "{method} {path}");
        let what = format!("{method} {path}");
        assert_eq!(
            header(&h, "x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(header(&h, "x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(header(&h, "referrer-policy"), Some("no-referrer"), "{what}");
        let csp = header(&h, "content-security-policy").unwrap_or_default();
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "connect-src 'self'",
        ] {
            assert!(
                csp.contains(directive),
                "{what}: CSP {csp:?} lacks {directive}"
            );
        }
        assert!(!csp.contains('*'), "{what}: CSP {csp:?} allows any source");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A request (method, path, headers) and the status it gets.
type Case<'a> = (Method, &'a str, Vec<(&'a str, &'a str)>, u16);

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("longjobs-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
