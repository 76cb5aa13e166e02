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

/// A console directory like scripts/build-console makes: index.html and a content-hashed
/// script, each with brotli and gzip variants (distinct bytes, so the test sees which one
/// was sent).
fn built_console(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("longjobs-console-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, body) in [
        ("index.html", "<html>console</html>"),
        ("index.html.br", "index-br"),
        ("index.html.gz", "index-gz"),
        ("app-0123456789abcdef.js", "console.log(1)"),
        ("app-0123456789abcdef.js.br", "app-br"),
        ("app-0123456789abcdef.js.gz", "app-gz"),
        ("plain.css", "body{}"),
    ] {
        std::fs::write(dir.join(file), body).unwrap();
    }
    dir
}

async fn server_for(dir: &std::path::Path) -> common::TestServer {
    let opts = HttpOptions {
        console_dir: Some(dir.to_path_buf()),
        ..Default::default()
    };
    common::TestServer::with_options(TestDb::sqlite().await.unwrap(), opts).await
}

fn header(resp: &poem::test::TestResponse, name: &str) -> Option<String> {
    resp.0
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test]
async fn static_files_are_sent_precompressed_in_the_encoding_the_browser_accepts() {
    let dir = built_console("encodings");
    let s = server_for(&dir).await;
    for (accept, body, encoding) in [
        (Some("gzip, deflate, br, zstd"), "app-br", Some("br")),
        (Some("gzip, deflate"), "app-gz", Some("gzip")),
        (Some("br;q=0, gzip;q=0.8"), "app-gz", Some("gzip")),
        (Some("gzip;q=0.5, br;q=0.9"), "app-br", Some("br")),
        (Some("*"), "app-br", Some("br")),
        (Some("identity"), "console.log(1)", None),
        (None, "console.log(1)", None),
    ] {
        let mut req = s.client.get("/app-0123456789abcdef.js");
        if let Some(a) = accept {
            req = req.header("Accept-Encoding", a);
        }
        let resp = req.send().await;
        assert_eq!(resp.0.status(), 200, "{accept:?}");
        assert_eq!(
            header(&resp, "content-encoding").as_deref(),
            encoding,
            "{accept:?}"
        );
        assert_eq!(
            header(&resp, "content-type").as_deref(),
            Some("text/javascript")
        );
        assert_eq!(
            header(&resp, "vary").as_deref(),
            Some("Accept-Encoding"),
            "{accept:?}"
        );
        assert_eq!(
            resp.0.into_body().into_string().await.unwrap(),
            body,
            "{accept:?}"
        );
    }
    // A file without variants goes out as it is, whatever the browser accepts.
    let resp = s
        .client
        .get("/plain.css")
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await;
    assert_eq!(header(&resp, "content-encoding"), None);
    assert_eq!(resp.0.into_body().into_string().await.unwrap(), "body{}");
    // A client route gets index.html, compressed too.
    let resp = s
        .client
        .get("/jobs/7")
        .header("Accept-Encoding", "gzip")
        .send()
        .await;
    assert_eq!(header(&resp, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(
        header(&resp, "content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(resp.0.into_body().into_string().await.unwrap(), "index-gz");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn hashed_files_are_cached_for_good_and_index_html_is_revalidated() {
    let dir = built_console("caching");
    let s = server_for(&dir).await;

    let asset = s.client.get("/app-0123456789abcdef.js").send().await;
    assert_eq!(
        header(&asset, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let plain = s.client.get("/plain.css").send().await;
    assert_eq!(header(&plain, "cache-control").as_deref(), Some("no-cache"));

    for path in ["/", "/index.html", "/zenodo"] {
        let resp = s.client.get(path).send().await;
        assert_eq!(
            header(&resp, "cache-control").as_deref(),
            Some("no-cache"),
            "{path}"
        );
        let etag = header(&resp, "etag").unwrap_or_else(|| panic!("no ETag on {path}"));
        // Revalidation: the same ETag is a 304 without a body; another one gets the page.
        let again = s
            .client
            .get(path)
            .header("If-None-Match", &etag)
            .send()
            .await;
        assert_eq!(again.0.status(), 304, "{path}");
        assert_eq!(again.0.into_body().into_string().await.unwrap(), "");
        let stale = s
            .client
            .get(path)
            .header("If-None-Match", "\"0000\"")
            .send()
            .await;
        assert_eq!(stale.0.status(), 200, "{path}");
        // The gzip variant has its own validator.
        let gz = s
            .client
            .get(path)
            .header("Accept-Encoding", "gzip")
            .send()
            .await;
        assert_ne!(header(&gz, "etag"), Some(etag), "{path}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn head_answers_with_the_headers_of_get_and_no_body() {
    let dir = built_console("head");
    let s = server_for(&dir).await;
    for (path, accept, length, encoding) in [
        ("/app-0123456789abcdef.js", "br", "6", Some("br")),
        ("/app-0123456789abcdef.js", "identity", "14", None),
        ("/", "gzip", "8", Some("gzip")),
        ("/jobs/3", "identity", "20", None),
    ] {
        let resp = s
            .client
            .request(Method::HEAD, path)
            .header("Accept-Encoding", accept)
            .send()
            .await;
        assert_eq!(resp.0.status(), 200, "HEAD {path}");
        assert_eq!(
            header(&resp, "content-length").as_deref(),
            Some(length),
            "HEAD {path}"
        );
        assert_eq!(
            header(&resp, "content-encoding").as_deref(),
            encoding,
            "HEAD {path}"
        );
        assert!(header(&resp, "cache-control").is_some(), "HEAD {path}");
        assert_eq!(
            resp.0.into_body().into_string().await.unwrap(),
            "",
            "HEAD {path}"
        );
    }
    // HEAD does not reach into the API's namespace.
    let resp = s
        .client
        .request(Method::HEAD, "/api/nothing-here")
        .send()
        .await;
    assert_eq!(resp.0.status(), 404);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_missing_script_or_style_is_a_404_not_the_index_page() {
    let dir = built_console("missing");
    let s = server_for(&dir).await;
    for path in [
        "/app-ffffffffffffffff.js",
        "/style-0123abcd.css",
        "/gone.wasm",
    ] {
        let (st, _, ct) = s.call(Method::GET, path, None, None).await;
        assert_eq!(st, 404, "{path}");
        assert_ne!(ct.as_deref(), Some("text/html; charset=utf-8"), "{path}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
