//! `longjobs merritt`: submissions to the Merritt preservation repository — status, list,
//! show, resend, restart what a drain held, give up.

use clap::Subcommand;
use longjobs_openapi as wire;

use crate::client::Client;
use crate::output::{Output, time};
use crate::table::{cut, render};

#[derive(Subcommand, Debug)]
pub enum MerrittCmd {
    /// The Merritt queue at a glance, with its alerts.
    Status,
    /// List submissions, newest first.
    List {
        /// A state (enqueued, processing, provisional_complete, completed, errored,
        /// rejected_shutting_down); repeat for several.
        #[arg(long)]
        state: Vec<String>,
        /// Only submissions whose identifier, DOI or ARK contains this (any case).
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show one submission with its state history.
    Show { id: i64 },
    /// Send submissions again (errored, held, or stuck without a live job).
    Resend {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Put held and interrupted submissions back in the work queue.
    Restart,
    /// Stop trying a submission for good (kept in its history and the audit log).
    GiveUp {
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

pub async fn run(api: &Client, out: &Output, cmd: MerrittCmd) -> anyhow::Result<()> {
    match cmd {
        MerrittCmd::Status => {
            let s: wire::MerrittStatus = api.get("/api/merritt/status", &[]).await?;
            out.show(&s, || status_text(&s))
        }
        MerrittCmd::List {
            state,
            search,
            limit,
        } => {
            let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
            query.extend(state.into_iter().map(|s| ("state", s)));
            query.extend(search.map(|q| ("q", q)));
            let page: wire::SubmissionPage = api.get("/api/merritt/submissions", &query).await?;
            out.show(&page.submissions, || list_text(&page.submissions))
        }
        MerrittCmd::GiveUp { id, reason } => {
            let s: wire::Submission = api
                .post(
                    &format!("/api/merritt/submissions/{id}/give-up"),
                    &wire::GiveUpSubmission {
                        reason: reason.into(),
                    },
                )
                .await?;
            out.show(&s, || {
                format!("submission {}: {}\n", s.id, s.state.as_str())
            })
        }
        MerrittCmd::Show { id } => {
            let s: wire::Submission = api
                .get(&format!("/api/merritt/submissions/{id}"), &[])
                .await?;
            out.show(&s, || detail_text(&s))
        }
        MerrittCmd::Resend { ids } => {
            let r: wire::Requeued = api
                .post(
                    "/api/merritt/submissions/resend",
                    &wire::ResendSubmissions { ids },
                )
                .await?;
            out.show(&r, || format!("requeued submissions {:?}\n", r.requeued))
        }
        MerrittCmd::Restart => {
            let r: wire::Requeued = api
                .post("/api/merritt/submissions/restart", &serde_json::Map::new())
                .await?;
            out.show(&r, || format!("requeued submissions {:?}\n", r.requeued))
        }
    }
}

fn status_text(s: &wire::MerrittStatus) -> String {
    let mut text = match (&s.held_since, &s.held_by) {
        (Some(since), Some(by)) => format!(
            "held since {} by {by}\n",
            since.format("%Y-%m-%d %H:%M UTC")
        ),
        _ if s.held => "held\n".to_string(),
        _ => "not held\n".to_string(),
    };
    for (label, n) in [
        ("enqueued", s.enqueued),
        ("processing", s.processing),
        ("provisional_complete", s.provisional_complete),
        ("rejected_shutting_down", s.rejected_shutting_down),
        ("errored", s.errored),
        ("completed (24 h)", s.completed_last_24h),
        ("in flight", s.queue_length),
    ] {
        text.push_str(&format!("{label:<23} {n}\n"));
    }
    for a in &s.alerts {
        text.push_str(&format!("ALERT: {a}\n"));
    }
    text
}

fn list_text(subs: &[wire::Submission]) -> String {
    render(
        &[
            "ID",
            "IDENTIFIER",
            "RESOURCE",
            "STATE",
            "HOST",
            "ARK",
            "UPDATED",
            "LAST ERROR",
        ],
        &subs
            .iter()
            .map(|s| {
                vec![
                    s.id.to_string(),
                    s.identifier.clone(),
                    s.resource_id.to_string(),
                    s.state.as_str().to_string(),
                    s.host.clone(),
                    s.ark.clone().unwrap_or_default(),
                    time(&s.updated_at),
                    cut(s.last_error.as_deref().unwrap_or(""), 50),
                ]
            })
            .collect::<Vec<_>>(),
    )
}

fn detail_text(s: &wire::Submission) -> String {
    let mut text = format!(
        "submission {}  {}  {} (resource {})\n",
        s.id,
        s.state.as_str(),
        s.identifier,
        s.resource_id
    );
    for (label, v) in [
        ("ark", s.ark.clone()),
        ("job", s.job_id.map(|j| j.to_string())),
        ("last error", s.last_error.clone()),
    ] {
        if let Some(v) = v {
            text.push_str(&format!("{label}: {v}\n"));
        }
    }
    text.push_str("history:\n");
    for h in &s.history {
        text.push_str(&format!(
            "  {}  {:<22} {}  {}\n",
            time(&h.at),
            h.state.as_str(),
            h.host,
            h.note.as_deref().unwrap_or("")
        ));
    }
    text
}
