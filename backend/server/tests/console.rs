//! The server serves the built console at `/`, with client-side routes falling back to
//! `index.html`, without shadowing the API, the docs or files outside the console.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::testing::TestDb;
use longjobs_server::HttpOptions;
use poem::http::Method;

mod common;

#[tokio::test]
async fn the_console_is_served_beside_the_api_with_a_client_route_fallback() {
    let dir = tempfile_dir();
    std::fs::write(dir.join("index.html"), "<html>console</html>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let opts = HttpOptions {
        console_dir: Some(dir.clone()),
        ..Default::default()
    };
    let s = common::TestServer::with_options(TestDb::sqlite().await.unwrap(), opts).await;

    for (path, body, ctype) in [
        ("/", "<html>console</html>", "text/html; charset=utf-8"),
        (
            "/jobs/42",
            "<html>console</html>",
            "text/html; charset=utf-8",
        ),
        ("/app.js", "console.log(1)", "text/javascript"),
        (
            "/../Cargo.toml",
            "<html>console</html>",
            "text/html; charset=utf-8",
        ),
    ] {
        let (st, v, ct) = s.call(Method::GET, path, None, None).await;
        assert_eq!(st, 200, "{path}");
        assert_eq!(v.as_str(), Some(body), "{path}");
        assert_eq!(ct.as_deref(), Some(ctype), "{path}");
    }
    let api = s.call(Method::GET, "/api/nothing-here", None, None).await;
    common::assert_problem(&api, 404, "not found");
    let (st, _, _) = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(st, 200);
    let resp = s.client.get("/").send().await;
    let csp = resp
        .0
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(
        resp.0
            .headers()
            .get("x-content-type-options")
            .map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("longjobs-console-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
