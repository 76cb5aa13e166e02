//! Zenodo's limits, checked when a copy is asked for, so a bad request is a 4xx, not a failed job.

use super::model::{CopyRequest, CopyType};

/// Most files in one deposition.
pub const MAX_FILES: usize = 100;
/// Largest total size of one deposition: 50 GB.
pub const MAX_TOTAL_BYTES: i64 = 50_000_000_000;

/// Every problem found, each naming its field. Every copy type takes an empty file list
/// (nothing to submit: the copy finishes without a deposition).
pub fn validate(_copy_type: CopyType, req: &CopyRequest) -> Result<(), Vec<String>> {
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
            metadata_rules(m, chrono::Utc::now().date_naive(), &mut problems);
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

/// `upload_type` values (Zenodo REST API, "Deposit metadata": `upload_type`).
pub const UPLOAD_TYPES: &[&str] = &[
    "publication",
    "poster",
    "presentation",
    "dataset",
    "image",
    "video",
    "software",
    "lesson",
    "physicalobject",
    "other",
];
/// `publication_type` values (Zenodo REST API, "Deposit metadata": `publication_type`).
pub const PUBLICATION_TYPES: &[&str] = &[
    "annotationcollection",
    "book",
    "section",
    "conferencepaper",
    "datamanagementplan",
    "article",
    "patent",
    "preprint",
    "deliverable",
    "milestone",
    "proposal",
    "report",
    "softwaredocumentation",
    "taxonomictreatment",
    "technicalnote",
    "thesis",
    "workingpaper",
    "other",
];
/// `image_type` values (Zenodo REST API, "Deposit metadata": `image_type`).
pub const IMAGE_TYPES: &[&str] = &["figure", "plot", "drawing", "diagram", "photo", "other"];
/// `access_right` values (Zenodo REST API, "Deposit metadata": `access_right`).
pub const ACCESS_RIGHTS: &[&str] = &["open", "embargoed", "restricted", "closed"];

fn text<'a>(m: &'a serde_json::Map<String, serde_json::Value>, field: &str) -> Option<&'a str> {
    m.get(field)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The rules of Zenodo REST API documentation, section "Deposit metadata"
/// (https://developers.zenodo.org/#deposit-metadata), that a publish would refuse:
/// - `upload_type` is one of [`UPLOAD_TYPES`]; `publication` requires `publication_type`
///   ([`PUBLICATION_TYPES`]), `image` requires `image_type` ([`IMAGE_TYPES`]);
/// - `access_right` (default `open`) is one of [`ACCESS_RIGHTS`]; `embargoed` requires
///   `embargo_date` (YYYY-MM-DD) after `today`; `restricted` requires
///   `access_conditions`; an explicit `open` or `embargoed` requires `license` (without
///   `access_right` Zenodo applies its defaults: open, cc-zero for datasets, cc-by else).
pub fn metadata_rules(
    m: &serde_json::Map<String, serde_json::Value>,
    today: chrono::NaiveDate,
    problems: &mut Vec<String>,
) {
    if let Some(kind) = text(m, "upload_type") {
        if !UPLOAD_TYPES.contains(&kind) {
            problems.push(format!(
                "metadata.upload_type {kind:?} is not one of Zenodo's: {}",
                UPLOAD_TYPES.join(", ")
            ));
        }
        for (when, field, allowed) in [
            ("publication", "publication_type", PUBLICATION_TYPES),
            ("image", "image_type", IMAGE_TYPES),
        ] {
            if kind != when {
                continue;
            }
            match text(m, field) {
                None => problems.push(format!(
                    "metadata.{field} is required when upload_type is {when} (one of {})",
                    allowed.join(", ")
                )),
                Some(v) if !allowed.contains(&v) => problems.push(format!(
                    "metadata.{field} {v:?} is not one of Zenodo's: {}",
                    allowed.join(", ")
                )),
                Some(_) => {}
            }
        }
    }
    let access = match m.get("access_right") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => match v.as_str().map(str::trim) {
            Some(a) if ACCESS_RIGHTS.contains(&a) => Some(a),
            _ => {
                problems.push(format!(
                    "metadata.access_right must be one of {}",
                    ACCESS_RIGHTS.join(", ")
                ));
                return;
            }
        },
    };
    match access {
        Some("embargoed") => match text(m, "embargo_date") {
            None => problems.push(
                "metadata.embargo_date (YYYY-MM-DD) is required when access_right is embargoed"
                    .to_string(),
            ),
            Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Err(_) => problems.push(format!(
                    "metadata.embargo_date {d:?} is not a date (YYYY-MM-DD)"
                )),
                Ok(date) if date <= today => problems.push(format!(
                    "metadata.embargo_date {d} must be in the future (Zenodo opens the files on that date)"
                )),
                Ok(_) => {}
            },
        },
        Some("restricted") if text(m, "access_conditions").is_none() => problems.push(
            "metadata.access_conditions is required when access_right is restricted".to_string(),
        ),
        _ => {}
    }
    if matches!(access, Some("open" | "embargoed")) && text(m, "license").is_none() {
        problems.push(format!(
            "metadata.license is required when access_right is {}",
            access.unwrap_or_default()
        ));
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
        for (extra, needle) in [
            (
                json!({ "upload_type": "publication" }),
                "metadata.publication_type is required",
            ),
            (
                json!({ "upload_type": "image" }),
                "metadata.image_type is required",
            ),
            (
                json!({ "upload_type": "image", "image_type": "selfie" }),
                "metadata.image_type \"selfie\"",
            ),
            (
                json!({ "upload_type": "paper" }),
                "metadata.upload_type \"paper\"",
            ),
            (
                json!({ "access_right": "embargoed", "license": "cc-by" }),
                "metadata.embargo_date (YYYY-MM-DD) is required",
            ),
            (
                json!({ "access_right": "embargoed", "license": "cc-by", "embargo_date": "2001-01-01" }),
                "must be in the future",
            ),
            (
                json!({ "access_right": "restricted" }),
                "metadata.access_conditions is required",
            ),
            (
                json!({ "access_right": "open" }),
                "metadata.license is required",
            ),
            (
                json!({ "access_right": "public" }),
                "metadata.access_right must be one of",
            ),
            (
                json!({ "creators": [{ "name": "A" }, { "affiliation": "B" }] }),
                "metadata.creators",
            ),
        ] {
            let mut m = meta.clone();
            for (k, v) in extra.as_object().unwrap() {
                m[k] = v.clone();
            }
            let errs = validate(
                CopyType::Data,
                &CopyRequest {
                    metadata: m,
                    files: vec![file("a", 1)],
                },
            )
            .unwrap_err();
            assert!(errs.join("; ").contains(needle), "{needle}: {errs:?}");
        }
        for extra in [
            json!({ "upload_type": "publication", "publication_type": "article" }),
            json!({ "access_right": "embargoed", "license": "cc-by", "embargo_date": "2999-01-01" }),
            json!({ "access_right": "restricted", "access_conditions": "ask" }),
            json!({ "access_right": "closed" }),
        ] {
            let mut m = meta.clone();
            for (k, v) in extra.as_object().unwrap() {
                m[k] = v.clone();
            }
            assert!(
                validate(
                    CopyType::Data,
                    &CopyRequest {
                        metadata: m,
                        files: vec![file("a", 1)]
                    }
                )
                .is_ok(),
                "{extra}"
            );
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
