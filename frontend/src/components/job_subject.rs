//! The copy or submission a replication job works on, read from its payload.

use leptos::prelude::*;
use serde_json::Value;

/// The page and name of what a job of `kind` works on: `zenodo.*` jobs name a copy
/// (`copy_id`), `merritt.*` jobs a submission (`submission_id`).
pub fn job_subject(kind: &str, payload: &Value) -> Option<(String, String)> {
    let id = |key: &str| payload.get(key).and_then(Value::as_i64);
    if kind.starts_with("zenodo.") {
        id("copy_id").map(|n| (format!("/zenodo/copies/{n}"), format!("Zenodo copy #{n}")))
    } else if kind.starts_with("merritt.") {
        id("submission_id").map(|n| {
            (
                format!("/merritt/submissions/{n}"),
                format!("Merritt submission #{n}"),
            )
        })
    } else {
        None
    }
}

/// A "Works on" line of the job's facts linking to its copy or submission, when it has one.
#[component]
pub fn JobSubject(kind: String, payload: Value) -> impl IntoView {
    job_subject(&kind, &payload).map(|(href, name)| {
        view! {
            <dt>"Works on"</dt>
            <dd><a href=href data-testid="job-subject">{name}</a></dd>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_copy_job_links_to_its_copy_and_a_merritt_job_to_its_submission() {
        let copy = job_subject("zenodo.copy", &json!({ "copy_id": 12 }));
        assert_eq!(
            copy,
            Some(("/zenodo/copies/12".into(), "Zenodo copy #12".into()))
        );
        let check = job_subject("merritt.check", &json!({ "submission_id": 4 }));
        assert_eq!(
            check,
            Some((
                "/merritt/submissions/4".into(),
                "Merritt submission #4".into()
            ))
        );
        assert_eq!(job_subject("noop", &json!({ "copy_id": 12 })), None);
        assert_eq!(job_subject("zenodo.retry_errors", &json!({})), None);
    }
}
