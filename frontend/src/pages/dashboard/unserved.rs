//! The dashboard's warning about work that will never run: due jobs in a queue no live
//! worker serves, or of a kind no live worker of their queue runs.

use leptos::prelude::*;
use longjobs_openapi::QueueInfo;

use crate::api;
use crate::format;

/// One line per unserved queue or kind, each linking to its jobs; nothing when every due
/// job has a worker (or waits on a pause).
#[component]
pub fn UnservedPanel(queues: Vec<QueueInfo>) -> impl IntoView {
    let mut lines = Vec::new();
    let mut total = 0;
    for q in queues.iter().filter(|q| q.unserved_jobs > 0) {
        let in_queue = format!("/jobs?queue={}", api::encode(&q.name));
        if !q.served {
            total += q.unserved_jobs;
            lines.push(view! {
                <li data-queue=q.name.clone()>
                    <a href=in_queue.clone()>{jobs(q.unserved_jobs)}</a>
                    {format!(" {} in queue {} that no worker serves.", wait(q.unserved_jobs), q.name)}
                </li>
            }
            .into_any());
        }
        for k in &q.unserved_kinds {
            total += k.jobs;
            lines.push(view! {
                <li data-queue=q.name.clone() data-kind=k.kind.clone()>
                    <a href=format!("{in_queue}&kind={}", api::encode(&k.kind))>
                        {format!("{} of kind {}", jobs(k.jobs), k.kind)}
                    </a>
                    {format!(" {} in queue {}: no worker of the queue runs that kind.", wait(k.jobs), q.name)}
                </li>
            }
            .into_any());
        }
    }
    (!lines.is_empty()).then(|| {
        view! {
            <div class="notice notice-warn" role="status" data-testid="unserved-panel" data-jobs=total>
                <strong>{format!("{} will not run until a worker takes them", jobs(total))}</strong>
                <ul class="alert-list unserved-list">{lines}</ul>
            </div>
        }
    })
}

fn jobs(n: i64) -> String {
    format!("{} {}", format::count(n), format::noun(n, "job", "jobs"))
}

fn wait(n: i64) -> &'static str {
    if n == 1 { "waits" } else { "wait" }
}
