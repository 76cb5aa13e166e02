//! What a Merritt submission must be, checked when it is asked for, so that a bad request is
//! a 4xx and nothing reaches the manifest as structure.

use super::model::{SubmissionRequest, cell_problem};
use crate::source::is_http_url;

/// Every problem found, each naming its field.
pub fn validate(req: &SubmissionRequest) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for (i, f) in req.files.iter().enumerate() {
        if !is_http_url(&f.url) {
            problems.push(format!("files[{i}].url must be an http(s) URL"));
        }
        if let Some(p) = cell_problem(&f.url) {
            problems.push(format!("files[{i}].url {p}"));
        }
        if f.name.trim().is_empty() {
            problems.push(format!("files[{i}].name is empty"));
        }
        if let Some(p) = cell_problem(&f.name) {
            problems.push(format!("files[{i}].name {p}"));
        }
        if f.md5.len() != 32 || !f.md5.chars().all(|c| c.is_ascii_hexdigit()) {
            problems.push(format!("files[{i}].md5 must be 32 hex digits"));
        }
        if f.size < 0 {
            problems.push(format!("files[{i}].size must not be negative"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merritt::MerrittFile;

    #[test]
    fn line_breaks_and_bars_in_names_and_urls_are_refused_up_front() {
        let file = |url: &str, name: &str| MerrittFile {
            url: url.into(),
            size: 1,
            md5: "0123456789abcdef0123456789abcdef".into(),
            name: name.into(),
        };
        let req = SubmissionRequest {
            files: vec![
                file("https://f.example.org/a", "a.csv"),
                file(
                    "https://f.example.org/b",
                    "b\r\nhttps://x | md5 | 0 | 1 | | c",
                ),
                file("https://f.example.org/c|d", "c|d"),
                file("ftp://f.example.org/e", ""),
            ],
            profile: "p".into(),
            submitter: "s".into(),
        };
        let all = validate(&req).unwrap_err().join("; ");
        for needle in [
            "files[1].name must not contain line breaks",
            "files[2].url must not contain '|'",
            "files[2].name must not contain '|'",
            "files[3].url must be an http(s) URL",
            "files[3].name is empty",
        ] {
            assert!(all.contains(needle), "{needle}: {all}");
        }
        assert!(!all.contains("files[0]"), "{all}");
    }
}
