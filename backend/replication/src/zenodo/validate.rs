//! Zenodo's limits, checked when a copy is asked for, so a bad request is a 4xx, not a failed job.

use super::model::{CopyRequest, CopyType};

/// Most files in one deposition.
pub const MAX_FILES: usize = 100;
/// Largest total size of one deposition: 50 GB.
pub const MAX_TOTAL_BYTES: i64 = 50_000_000_000;

/// Every problem found, each naming its field.
pub fn validate(copy_type: CopyType, req: &CopyRequest) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let meta = req.metadata.as_object();
    match meta {
        None => problems.push("metadata must be an object".to_string()),
        Some(m) => {
            for field in ["title", "upload_type", "description"] {
                let present = m
                    .get(field)
                    .and_then(|v| v.as_str())
                    .is_some_and(|s| !s.trim().is_empty());
                if !present {
                    problems.push(format!("metadata.{field} is required"));
                }
            }
            let creators_ok = m
                .get("creators")
                .and_then(|c| c.as_array())
                .is_some_and(|c| {
                    !c.is_empty()
                        && c.iter().all(|p| {
                            p.get("name")
                                .and_then(|n| n.as_str())
                                .is_some_and(|n| !n.is_empty())
                        })
                });
            if !creators_ok {
                problems.push(
                    "metadata.creators must be a non-empty list of {\"name\": …}".to_string(),
                );
            }
        }
    }
    if req.files.len() > MAX_FILES {
        problems.push(format!(
            "files: {} files; Zenodo takes at most {MAX_FILES}",
            req.files.len()
        ));
    }
    if copy_type.publishes() && req.files.is_empty() {
        problems.push("files: a published copy needs at least one file".to_string());
    }
    let mut names = std::collections::HashSet::new();
    let mut total: i64 = 0;
    for (i, f) in req.files.iter().enumerate() {
        if let Some(p) = super::file_name::problem(&f.name) {
            problems.push(format!("files[{i}].name {p}"));
        }
        if !names.insert(f.name.as_str()) {
            problems.push(format!("files[{i}].name {:?} appears twice", f.name));
        }
        if f.size <= 0 {
            problems.push(format!(
                "files[{i}] ({}) is empty; Zenodo refuses zero-length files",
                f.name
            ));
        }
        if f.md5.len() != 32 || !f.md5.chars().all(|c| c.is_ascii_hexdigit()) {
            problems.push(format!("files[{i}].md5 must be 32 hex digits"));
        }
        if !crate::source::is_http_url(&f.url) {
            problems.push(format!("files[{i}].url must be an http(s) URL"));
        }
        total = total.saturating_add(f.size.max(0));
    }
    if total > MAX_TOTAL_BYTES {
        problems.push(format!(
            "files total {total} bytes; Zenodo takes at most {MAX_TOTAL_BYTES} (50 GB)"
        ));
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
    use crate::zenodo::model::ManifestFile;
    use serde_json::json;

    fn file(name: &str, size: i64) -> ManifestFile {
        ManifestFile {
            name: name.into(),
            size,
            md5: "0".repeat(32),
            url: "http://x/f".into(),
        }
    }

    #[test]
    fn zenodo_limits_are_checked_up_front() {
        let meta = json!({ "title": "t", "upload_type": "dataset", "description": "d", "creators": [{ "name": "A" }] });
        assert!(
            validate(
                CopyType::Data,
                &CopyRequest {
                    metadata: meta.clone(),
                    files: vec![file("a", 1)]
                }
            )
            .is_ok()
        );
        let errs = validate(
            CopyType::Data,
            &CopyRequest {
                metadata: json!({}),
                files: vec![file("a", 0), file("a", 1)],
            },
        )
        .unwrap_err();
        let all = errs.join("; ");
        for needle in [
            "metadata.title",
            "metadata.creators",
            "zero-length",
            "appears twice",
        ] {
            assert!(all.contains(needle), "{all}");
        }
        let many: Vec<_> = (0..101).map(|i| file(&format!("f{i}"), 1)).collect();
        assert!(
            validate(
                CopyType::Data,
                &CopyRequest {
                    metadata: meta.clone(),
                    files: many
                }
            )
            .unwrap_err()[0]
                .contains("at most 100")
        );
        let big = vec![file("a", 30_000_000_000), file("b", 30_000_000_000)];
        assert!(
            validate(
                CopyType::Data,
                &CopyRequest {
                    metadata: meta,
                    files: big
                }
            )
            .unwrap_err()[0]
                .contains("50 GB")
        );
    }
}
