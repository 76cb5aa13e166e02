//! File names as bucket keys: which names a copy may carry, and the bucket URL of a name —
//! always exactly one path segment, so that no name reaches another bucket (`..`,
//! backslashes, `%2e%2e`) or loses its tail to a query or fragment (`?`, `#`).

use reqwest::Url;

/// Longest file name, in bytes (Zenodo's bucket keys are limited to 255).
pub const MAX_NAME_BYTES: usize = 255;

/// Why `name` cannot be a file name of a copy, or `None` when it can.
pub fn problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name == "." || name == ".." {
        return Some(format!("{name:?} is not a file name"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "is {} bytes long; at most {MAX_NAME_BYTES} are accepted",
            name.len()
        ));
    }
    if name.contains(['/', '\\']) {
        return Some("must be a plain file name (no '/' or '\\')".into());
    }
    if name.chars().any(char::is_control) {
        return Some("must not contain control characters (line breaks, tabs, …)".into());
    }
    None
}

/// `{bucket}/{name}` with the name percent-encoded as one segment: everything but
/// letters, digits and `-._~` is encoded, so the URL parser has nothing to normalise.
pub fn bucket_file_url(bucket: &str, name: &str) -> Result<Url, String> {
    if let Some(p) = problem(name) {
        return Err(format!("file name {name:?} {p}"));
    }
    let mut base =
        Url::parse(bucket).map_err(|e| format!("the bucket link {bucket:?} is not a URL: {e}"))?;
    base.set_query(None);
    base.set_fragment(None);
    let joined = format!(
        "{}/{}",
        base.as_str().trim_end_matches('/'),
        encode_segment(name)
    );
    Url::parse(&joined).map_err(|e| format!("the bucket URL of {name:?} does not parse: {e}"))
}

fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKET: &str = "https://zenodo.org/api/files/0b1c-bucket";

    fn url(name: &str) -> String {
        bucket_file_url(BUCKET, name).unwrap().to_string()
    }

    #[test]
    fn a_name_stays_one_segment_of_its_own_bucket() {
        assert_eq!(url("data.csv"), format!("{BUCKET}/data.csv"));
        assert_eq!(url("a?x=1"), format!("{BUCKET}/a%3Fx%3D1"));
        assert_eq!(url("a#f"), format!("{BUCKET}/a%23f"));
        assert_eq!(url("%2e%2e"), format!("{BUCKET}/%252e%252e"));
        assert_eq!(url("..."), format!("{BUCKET}/..."));
        assert_eq!(url("día 1.csv"), format!("{BUCKET}/d%C3%ADa%201.csv"));
        let with_trailing_slash = bucket_file_url(&format!("{BUCKET}/"), "a").unwrap();
        assert_eq!(with_trailing_slash.as_str(), format!("{BUCKET}/a"));
    }

    #[test]
    fn names_that_leave_their_segment_are_refused() {
        for name in [
            "",
            ".",
            "..",
            "../other/x",
            "..\\other-bucket\\x",
            "a/b",
            "a\\b",
            "line\nbreak",
            "tab\there",
            "nul\0",
            "del\u{7f}",
            &"x".repeat(256),
        ] {
            assert!(problem(name).is_some(), "{name:?}");
            assert!(bucket_file_url(BUCKET, name).is_err(), "{name:?}");
        }
        assert!(problem(&"x".repeat(255)).is_none());
    }
}
