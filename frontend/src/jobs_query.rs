//! The jobs view's filters, sort and page as they live in the URL (`/jobs?queue=…&state=…`),
//! so a view can be shared and survives a reload.

use leptos_router::params::ParamsMap;
use longjobs_openapi::{JobFilter, JobSort, JobState, SortOrder, Text};

use crate::api::encode;

/// What the jobs page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobsQuery {
    pub queue: Option<String>,
    pub kind: Option<String>,
    pub states: Vec<JobState>,
    /// Text contained in the payload or the last error (`q`).
    pub text: Option<String>,
    pub sort: JobSort,
    pub order: SortOrder,
    /// Where the page starts: a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl JobsQuery {
    pub fn from_params(p: &ParamsMap) -> Self {
        let non_empty = |k: &str| {
            p.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let states = p
            .get_all("state")
            .unwrap_or_default()
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(parse_state)
            .fold(Vec::new(), |mut acc, s| {
                if !acc.contains(&s) {
                    acc.push(s);
                }
                acc
            });
        JobsQuery {
            queue: non_empty("queue"),
            kind: non_empty("kind"),
            states,
            text: non_empty("q"),
            sort: p
                .get("sort")
                .as_deref()
                .and_then(parse_sort)
                .unwrap_or_default(),
            order: match p.get("order").as_deref() {
                Some("asc") => SortOrder::Asc,
                _ => SortOrder::Desc,
            },
            cursor: non_empty("cursor"),
        }
    }

    /// The URL of this view: `/jobs` plus only the parameters that differ from the defaults.
    pub fn url(&self) -> String {
        let mut params = Vec::new();
        if let Some(q) = &self.queue {
            params.push(format!("queue={}", encode(q)));
        }
        if let Some(k) = &self.kind {
            params.push(format!("kind={}", encode(k)));
        }
        for s in JobState::ALL.iter().filter(|s| self.states.contains(s)) {
            params.push(format!("state={}", s.as_str()));
        }
        if let Some(t) = &self.text {
            params.push(format!("q={}", encode(t)));
        }
        if self.sort != JobSort::default() {
            params.push(format!("sort={}", self.sort.as_str()));
        }
        if self.order != SortOrder::default() {
            params.push(format!("order={}", self.order.as_str()));
        }
        if let Some(c) = &self.cursor {
            params.push(format!("cursor={}", encode(c)));
        }
        if params.is_empty() {
            "/jobs".into()
        } else {
            format!("/jobs?{}", params.join("&"))
        }
    }

    /// The same view from its first page.
    pub fn first_page(&self) -> Self {
        JobsQuery {
            cursor: None,
            ..self.clone()
        }
    }

    /// The filter of a bulk action on "all matching" jobs.
    pub fn filter(&self) -> JobFilter {
        JobFilter {
            queue: self.queue.clone().map(Text),
            kind: self.kind.clone().map(Text),
            states: self.states.clone(),
            text: self.text.clone().map(Text),
            ..JobFilter::default()
        }
    }
}

pub fn parse_state(s: &str) -> Option<JobState> {
    JobState::ALL.into_iter().find(|st| st.as_str() == s)
}

fn parse_sort(s: &str) -> Option<JobSort> {
    [
        JobSort::Id,
        JobSort::CreatedAt,
        JobSort::RunAt,
        JobSort::Priority,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

/// Names of sort keys and directions as the API spells them.
pub trait WireName {
    fn as_str(&self) -> &'static str;
}

impl WireName for JobSort {
    fn as_str(&self) -> &'static str {
        match self {
            JobSort::Id => "id",
            JobSort::CreatedAt => "created_at",
            JobSort::RunAt => "run_at",
            JobSort::Priority => "priority",
        }
    }
}

impl WireName for SortOrder {
    fn as_str(&self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}
