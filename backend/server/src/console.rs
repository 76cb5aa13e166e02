//! The built console's static files: precompressed variants chosen by `Accept-Encoding`,
//! caching by name (content-hashed assets forever, everything else revalidated), `HEAD`, and
//! `index.html` for client-side routes.

use std::path::{Path, PathBuf};

use poem::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use poem::{Body, Response};
use sha2::{Digest, Sha256};

/// `Cache-Control` of a content-hashed file (`name-<hex>.ext`): its URL changes with its
/// bytes, so a browser may keep it for a year without asking again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else, `index.html` first: always revalidated (cheaply, by
/// `ETag`), so a new build is seen on the next load.
pub const REVALIDATE: &str = "no-cache";

/// Extensions of files the console is made of: a request for a missing one is a 404, not
/// `index.html` (which a browser would try to run as a script or style).
const ASSET_EXTENSIONS: &[&str] = &[
    "js", "mjs", "wasm", "css", "map", "json", "ico", "png", "svg", "br", "gz", "txt",
];

/// A compressed variant of a file, stored beside it as `<file>.br` or `<file>.gz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
        }
    }
}

/// The answer for `path` from the console in `dir`, or `None` when the console has nothing
/// to say (another handler's 404 stands). Only GET and HEAD are answered.
pub async fn serve(
    dir: &Path,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let rel = path.trim_start_matches('/');
    let safe = !rel
        .split('/')
        .any(|seg| seg == ".." || seg.starts_with('.'));
    let candidate = dir.join(rel);
    let file = if safe && !rel.is_empty() && candidate.is_file() {
        candidate
    } else if safe && looks_like_asset(rel) {
        return None;
    } else {
        dir.join("index.html")
    };
    let name = file.file_name()?.to_str()?.to_string();
    let immutable = is_content_hashed(&name);
    let (served, encoding) = choose_variant(&file, headers.get(header::ACCEPT_ENCODING)).await;
    let bytes = tokio::fs::read(&served).await.ok()?;

    let mut resp = Response::builder()
        .content_type(content_type(&file))
        .header(header::VARY, "Accept-Encoding")
        .header(
            header::CACHE_CONTROL,
            if immutable { IMMUTABLE } else { REVALIDATE },
        );
    if let Some(e) = encoding {
        resp = resp.header(header::CONTENT_ENCODING, e.token());
    }
    if name == "index.html" {
        // The page's own boot script is allowed by its hash, nothing else inline.
        let page = tokio::fs::read_to_string(&file).await.ok()?;
        resp = resp.header(CSP, page_policy(&page));
    }
    if !immutable {
        let etag = etag(&bytes, encoding);
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        resp = resp.header(header::ETAG, etag);
        if fresh {
            return Some(resp.status(StatusCode::NOT_MODIFIED).body(Body::empty()));
        }
    }
    if method == Method::HEAD {
        return Some(
            resp.header(header::CONTENT_LENGTH, bytes.len())
                .body(Body::empty()),
        );
    }
    Some(resp.body(bytes))
}

/// The `Content-Security-Policy` header's name.
pub const CSP: &str = "Content-Security-Policy";

/// The policy of every answer that sets none of its own: scripts only from this origin (and
/// WebAssembly compiled from them), no inline script.
pub const DEFAULT_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'";

/// The policy of the console's page: [`DEFAULT_POLICY`] plus the hash of each inline script
/// the page carries (its boot script), so that one runs and no injected one would.
pub fn page_policy(page: &str) -> String {
    let hashes: Vec<String> = inline_scripts(page)
        .into_iter()
        .map(|code| {
            use base64::Engine as _;
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(code.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    if hashes.is_empty() {
        return DEFAULT_POLICY.to_string();
    }
    DEFAULT_POLICY.replacen(
        "'wasm-unsafe-eval';",
        &format!("'wasm-unsafe-eval' {};", hashes.join(" ")),
        1,
    )
}

/// The text of each `<script>` element without a `src` attribute, exactly as written.
fn inline_scripts(page: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(&body[..close]);
        }
        rest = &body[close..];
    }
    out
}

/// `file`, or its precompressed variant that the client accepts (brotli before gzip at
/// equal preference), with the encoding to declare.
async fn choose_variant(file: &Path, accept: Option<&HeaderValue>) -> (PathBuf, Option<Encoding>) {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return (file.to_path_buf(), None);
    };
    let mut options: Vec<(f32, Encoding)> = [Encoding::Brotli, Encoding::Gzip]
        .into_iter()
        .filter_map(|e| {
            let q = quality(accept, e);
            (q > 0.0).then_some((q, e))
        })
        .collect();
    // Stable: brotli stays ahead of gzip when both have the same quality.
    options.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, e) in options {
        let mut name = file.as_os_str().to_owned();
        name.push(".");
        name.push(e.suffix());
        let variant = PathBuf::from(name);
        if tokio::fs::metadata(&variant)
            .await
            .is_ok_and(|m| m.is_file())
        {
            return (variant, Some(e));
        }
    }
    (file.to_path_buf(), None)
}

/// The quality `Accept-Encoding` gives `encoding` (RFC 9110 §12.5.3): its own entry, else
/// `*`'s, else 0. A malformed `q` counts as 0 (not acceptable), never as a preference.
fn quality(accept: &str, encoding: Encoding) -> f32 {
    let mut star = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().unwrap_or(0.0))
            })
            .unwrap_or(1.0);
        let matches =
            token == encoding.token() || (encoding == Encoding::Gzip && token == "x-gzip");
        if matches {
            return q;
        }
        if token == "*" {
            star = Some(q);
        }
    }
    star.unwrap_or(0.0)
}

/// True for `name-<hex>.ext` names that scripts/build-console gives the files whose bytes
/// decide their URL (at least 8 lowercase hex digits after the last `-`).
pub fn is_content_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() >= 8
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn looks_like_asset(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| ASSET_EXTENSIONS.contains(&ext))
}

/// A strong validator of the bytes sent (each encoding has its own, as RFC 9110 requires).
fn etag(bytes: &[u8], encoding: Option<Encoding>) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match encoding {
        Some(e) => format!("\"{hex}-{}\"", e.suffix()),
        None => format!("\"{hex}\""),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_its_own_inline_scripts_by_hash_and_nothing_else_inline() {
        let page = "<head><script type=\"module\" src=\"/a.js\"></script></head>\n\
                    <body><script type=\"module\">\n  boot();\n</script></body>";
        let policy = page_policy(page);
        // sha256 of "\n  boot();\n", base64.
        use base64::Engine as _;
        use sha2::Digest as _;
        let want = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(b"\n  boot();\n"));
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-{want}';"
            )),
            "{policy}"
        );
        assert!(!policy.contains("script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline'"));
        assert_eq!(
            inline_scripts(page).len(),
            1,
            "the src= script is not hashed"
        );
        assert_eq!(page_policy("<p>no scripts</p>"), DEFAULT_POLICY);
        assert!(
            !DEFAULT_POLICY
                .split(';')
                .any(|d| d.contains("script-src") && d.contains("unsafe-inline"))
        );
    }

    #[test]
    fn hashed_names_are_told_from_plain_ones() {
        assert!(is_content_hashed(
            "longjobs_console_bg-0123456789abcdef.wasm"
        ));
        assert!(is_content_hashed("style-deadbeef.css"));
        assert!(!is_content_hashed("index.html"));
        assert!(!is_content_hashed("longjobs_console_bg.wasm"));
        assert!(!is_content_hashed("style-DEADBEEF.css"));
        assert!(!is_content_hashed("read-me.txt"));
    }

    #[test]
    fn accept_encoding_qualities_follow_the_rfc() {
        assert_eq!(quality("gzip, deflate, br", Encoding::Brotli), 1.0);
        assert_eq!(quality("gzip;q=0.5, br;q=0", Encoding::Brotli), 0.0);
        assert_eq!(quality("gzip;q=0.5, br;q=0", Encoding::Gzip), 0.5);
        assert_eq!(quality("*", Encoding::Gzip), 1.0);
        assert_eq!(quality("*;q=0, gzip", Encoding::Brotli), 0.0);
        assert_eq!(quality("identity", Encoding::Gzip), 0.0);
        assert_eq!(quality("x-gzip", Encoding::Gzip), 1.0);
        assert_eq!(quality("br;q=banana", Encoding::Brotli), 0.0);
    }
}
