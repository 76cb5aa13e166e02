//! What a digest says: one e-mail (subject and text) or one webhook body (JSON) listing
//! every event collected since the last one.

use std::collections::BTreeMap;

use longjobs_core::outbox::Event;
use serde_json::{Value, json};

/// `[longjobs] <the event>` for one event; `[longjobs] N events: …` with counts by kind
/// for more.
pub fn email_subject(events: &[&Event]) -> String {
    match events {
        [one] => format!("[longjobs] {}", one.subject),
        _ => format!("[longjobs] {} events: {}", events.len(), counts(events)),
    }
}

/// One paragraph per event, oldest first: time, kind, subject and its fields.
pub fn email_body(events: &[&Event]) -> String {
    let mut out = format!(
        "longjobs recorded {} event{} ({}).\n",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        counts(events)
    );
    for e in events {
        out.push_str(&format!(
            "\n#{} {} UTC  {}\n  {}\n",
            e.id,
            e.created_at.format("%Y-%m-%d %H:%M:%S"),
            e.kind,
            e.subject
        ));
        if let Value::Object(fields) = e.detail_json() {
            for (k, v) in fields {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.push_str(&format!("  {k}: {v}\n"));
            }
        }
    }
    out
}

/// The webhook's JSON: `{"source": "longjobs", "count": N, "events": [...]}`.
pub fn webhook_body(events: &[&Event]) -> Value {
    json!({
        "source": "longjobs",
        "count": events.len(),
        "events": events.iter().map(|e| json!({
            "id": e.id,
            "kind": e.kind,
            "subject": e.subject,
            "created_at": e.created_at.and_utc().to_rfc3339(),
            "detail": e.detail_json(),
        })).collect::<Vec<_>>(),
    })
}

/// `2 copy_error, 1 worker_gone` (kinds in name order).
fn counts(events: &[&Event]) -> String {
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for e in events {
        *by_kind.entry(e.kind.as_str()).or_default() += 1;
    }
    by_kind
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use longjobs_core::outbox::EventKind;

    fn event(id: i64, kind: EventKind, subject: &str) -> Event {
        Event {
            id,
            kind,
            subject: subject.into(),
            detail: r#"{"copy_id": 7, "error": "Zenodo answered 400"}"#.into(),
            created_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap(),
            email_sent_at: None,
            webhook_sent_at: None,
        }
    }

    #[test]
    fn one_event_is_its_own_subject_and_many_are_counted_by_kind() {
        let a = event(1, EventKind::CopyError, "copy #7 failed");
        let b = event(2, EventKind::CopyError, "copy #8 failed");
        let c = event(3, EventKind::WorkerGone, "worker w1 is gone");
        assert_eq!(email_subject(&[&a]), "[longjobs] copy #7 failed");
        assert_eq!(
            email_subject(&[&a, &b, &c]),
            "[longjobs] 3 events: 2 copy_error, 1 worker_gone"
        );
        let body = email_body(&[&a, &c]);
        assert!(
            body.contains("#1 2026-11-28 12:00:00 UTC  copy_error"),
            "{body}"
        );
        assert!(body.contains("  error: Zenodo answered 400"), "{body}");
        let hook = webhook_body(&[&a, &b]);
        assert_eq!(hook["count"], 2);
        assert_eq!(hook["events"][1]["detail"]["copy_id"], 7);
        assert_eq!(hook["events"][0]["kind"], "copy_error");
    }
}
