//! How an audit entry's target and detail read: targets link to their page, and id lists
//! (`requeued [4, 5]`) read as text (`requeued #4 and #5`).

use leptos::prelude::*;

use crate::format;

/// The page of an audit target (`job 12`, `copy 3`, `submission 7`, `queue reports`,
/// `periodic nightly`, `user ada`, `token 4 (ci)`).
pub fn target_href(target: &str) -> Option<String> {
    let (what, rest) = target.split_once(' ')?;
    let id = rest.parse::<i64>().ok();
    match what {
        "job" => id.map(|n| format!("/jobs/{n}")),
        "copy" => id.map(|n| format!("/zenodo/copies/{n}")),
        "submission" => id.map(|n| format!("/merritt/submissions/{n}")),
        "queue" => Some("/queues".to_owned()),
        "periodic" => Some("/periodic".to_owned()),
        "user" | "token" => Some("/admin".to_owned()),
        _ => None,
    }
}

/// `text` with each bracketed list of ids (`[4, 5]`) written out (`#4 and #5`).
pub fn readable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        let inner = &rest[open + 1..close];
        let ids: Option<Vec<i64>> = inner.split(',').map(|s| s.trim().parse().ok()).collect();
        out.push_str(&rest[..open]);
        match ids {
            Some(ids) => out.push_str(&format::id_list(&ids)),
            None if inner.trim().is_empty() => out.push_str("none"),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// An audit target: a link to its page when it has one.
#[component]
pub fn AuditTarget(target: String) -> impl IntoView {
    let text = readable(&target);
    match target_href(&target) {
        Some(href) => view! { <a href=href data-testid="audit-target">{text}</a> }.into_any(),
        None => text.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_targets_link_to_their_pages() {
        assert_eq!(target_href("job 12").as_deref(), Some("/jobs/12"));
        assert_eq!(target_href("copy 3").as_deref(), Some("/zenodo/copies/3"));
        assert_eq!(
            target_href("submission 7").as_deref(),
            Some("/merritt/submissions/7")
        );
        assert_eq!(target_href("queue reports").as_deref(), Some("/queues"));
        assert_eq!(target_href("token 4 (ci)").as_deref(), Some("/admin"));
        assert_eq!(target_href("job many"), None);
        assert_eq!(target_href("jobs"), None);
    }

    #[test]
    fn id_lists_in_audit_text_read_as_words() {
        assert_eq!(readable("requeued [4, 5, 6]"), "requeued #4, #5 and #6");
        assert_eq!(readable("requeued []"), "requeued none");
        assert_eq!(readable("matched 3"), "matched 3");
        assert_eq!(readable("note [a, b]"), "note [a, b]");
    }
}
