//! Validation of deposition metadata, with Zenodo's field paths and messages.

use serde_json::{Map, Value};

use super::error::FieldError;

/// `upload_type` values Zenodo accepts.
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

const MISSING: &str = "Missing data for required field.";
const EMPTY: &str = "Field may not be empty.";

/// `access_right` values (Zenodo REST API, "Deposit metadata": `access_right`).
pub const ACCESS_RIGHTS: &[&str] = &["open", "embargoed", "restricted", "closed"];

/// Everything wrong with `metadata`, in field order; empty when it may be saved and published.
///
/// The rules of Zenodo's REST API documentation, section "Deposit metadata"
/// (https://developers.zenodo.org/#deposit-metadata). Required: `title`, `upload_type`
/// (one of [`UPLOAD_TYPES`]; `publication` also needs `publication_type`, `image` needs
/// `image_type`), `description`, and `creators`, a non-empty list whose entries each have a
/// non-empty `name`. `access_right` (default `open`): `embargoed` needs an `embargo_date`
/// in the future, `restricted` needs `access_conditions`, and an explicit `open` or
/// `embargoed` needs a `license`.
pub fn validate(metadata: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    require_text(metadata, "title", &mut errors);
    match metadata.get("upload_type") {
        None | Some(Value::Null) => errors.push(FieldError::field("metadata.upload_type", MISSING)),
        Some(Value::String(kind)) if UPLOAD_TYPES.contains(&kind.as_str()) => {
            let subtype = match kind.as_str() {
                "publication" => Some("publication_type"),
                "image" => Some("image_type"),
                _ => None,
            };
            if let Some(subtype) = subtype {
                require_text(metadata, subtype, &mut errors);
            }
        }
        Some(_) => errors.push(FieldError::field(
            "metadata.upload_type",
            "Not a valid choice.",
        )),
    }
    require_text(metadata, "description", &mut errors);
    match metadata.get("creators") {
        None | Some(Value::Null) => errors.push(FieldError::field("metadata.creators", MISSING)),
        Some(Value::Array(creators)) if creators.is_empty() => errors.push(FieldError::field(
            "metadata.creators",
            "Shorter than minimum length 1.",
        )),
        Some(Value::Array(creators)) => {
            for (index, creator) in creators.iter().enumerate() {
                let name = creator.get("name").and_then(Value::as_str).map(str::trim);
                if name.is_none_or(str::is_empty) {
                    errors.push(FieldError::field(
                        format!("metadata.creators.{index}.name"),
                        "Name is required.",
                    ));
                }
            }
        }
        Some(_) => errors.push(FieldError::field("metadata.creators", "Not a valid list.")),
    }
    access_rules(metadata, &mut errors);
    errors
}

/// "Deposit metadata": `access_right`, `embargo_date`, `access_conditions` and `license`.
fn access_rules(metadata: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    let access = match metadata.get("access_right") {
        None | Some(Value::Null) => return,
        Some(Value::String(a)) if ACCESS_RIGHTS.contains(&a.as_str()) => a.as_str(),
        Some(_) => {
            errors.push(FieldError::field(
                "metadata.access_right",
                "Not a valid choice.",
            ));
            return;
        }
    };
    if access == "embargoed" {
        let date = metadata
            .get("embargo_date")
            .and_then(Value::as_str)
            .map(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d"));
        match date {
            None => errors.push(FieldError::field("metadata.embargo_date", MISSING)),
            Some(Err(_)) => errors.push(FieldError::field(
                "metadata.embargo_date",
                "Not a valid date.",
            )),
            Some(Ok(d)) if d <= chrono::Utc::now().date_naive() => errors.push(FieldError::field(
                "metadata.embargo_date",
                "Embargo date must be in the future.",
            )),
            Some(Ok(_)) => {}
        }
    }
    if access == "restricted" {
        require_text(metadata, "access_conditions", errors);
    }
    if matches!(access, "open" | "embargoed") {
        require_text(metadata, "license", errors);
    }
}

fn require_text(metadata: &Map<String, Value>, field: &str, errors: &mut Vec<FieldError>) {
    let path = format!("metadata.{field}");
    match metadata.get(field) {
        None | Some(Value::Null) => errors.push(FieldError::field(path, MISSING)),
        Some(Value::String(text)) if text.trim().is_empty() => {
            errors.push(FieldError::field(path, EMPTY));
        }
        Some(Value::String(_)) => {}
        Some(_) => errors.push(FieldError::field(path, "Not a valid string.")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(metadata: Value) -> Vec<String> {
        let Value::Object(map) = metadata else {
            panic!("metadata must be an object")
        };
        validate(&map)
            .into_iter()
            .filter_map(|error| error.field)
            .collect()
    }

    #[test]
    fn complete_metadata_passes() {
        let ok = json!({
            "title": "A dataset", "upload_type": "dataset", "description": "About it",
            "creators": [{"name": "Doe, Jane"}]
        });
        assert!(fields(ok).is_empty());
    }

    #[test]
    fn every_missing_required_field_is_named() {
        assert_eq!(
            fields(json!({})),
            [
                "metadata.title",
                "metadata.upload_type",
                "metadata.description",
                "metadata.creators"
            ]
        );
    }

    #[test]
    fn access_right_rules_follow_the_deposit_metadata_section() {
        let base = |extra: Value| {
            let mut m = json!({
                "title": "T", "upload_type": "dataset", "description": "D",
                "creators": [{"name": "Doe, Jane"}]
            });
            for (k, v) in extra.as_object().unwrap() {
                m[k] = v.clone();
            }
            fields(m)
        };
        assert_eq!(
            base(
                json!({"access_right": "embargoed", "license": "cc-by", "embargo_date": "2001-01-01"})
            ),
            ["metadata.embargo_date"]
        );
        assert_eq!(
            base(json!({"access_right": "restricted"})),
            ["metadata.access_conditions"]
        );
        assert_eq!(base(json!({"access_right": "open"})), ["metadata.license"]);
        assert!(base(json!({"access_right": "closed"})).is_empty());
    }

    #[test]
    fn creators_without_names_and_publications_without_a_type_are_refused() {
        let bad = json!({
            "title": "T", "upload_type": "publication", "description": "D",
            "creators": [{"name": "Doe, Jane"}, {"affiliation": "UC"}]
        });
        assert_eq!(
            fields(bad),
            ["metadata.publication_type", "metadata.creators.1.name"]
        );
    }
}
