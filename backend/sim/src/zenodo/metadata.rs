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

/// Everything wrong with `metadata`, in field order; empty when it may be saved and published.
///
/// Required: `title`, `upload_type` (one of [`UPLOAD_TYPES`]; `publication` also needs
/// `publication_type`, `image` needs `image_type`), `description`, and `creators`, a non-empty
/// list whose entries each have a non-empty `name`.
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
    errors
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
