//! The Zenodo copies view's filters, sort and page as they live in the URL
//! (`/zenodo?identifier=…&state=error&sort=size`), so a view can be shared and survives a
//! reload.

use leptos_router::params::ParamsMap;
use longjobs_openapi::{CopySort, CopyState, CopyType, SortOrder};

use crate::api::encode;

/// What the Zenodo copies page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CopiesQuery {
    /// Only copies of this dataset (`identifier`).
    pub identifier: Option<String>,
    /// Only this dataset version (`resource`).
    pub resource_id: Option<i64>,
    pub states: Vec<CopyState>,
    /// Only these copy types (`type`).
    pub copy_types: Vec<CopyType>,
    pub sort: CopySort,
    pub order: SortOrder,
    /// Where the page starts: a previous page's `next_cursor` (same sort and order).
    pub cursor: Option<String>,
}

impl CopiesQuery {
    pub fn from_params(p: &ParamsMap) -> Self {
        let non_empty = |k: &str| {
            p.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let all = |k: &str| {
            p.get_all(k)
                .unwrap_or_default()
                .iter()
                .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        let mut states = Vec::new();
        for s in all("state") {
            if let Some(st) = CopyState::ALL.into_iter().find(|x| x.as_str() == s)
                && !states.contains(&st)
            {
                states.push(st);
            }
        }
        let mut copy_types = Vec::new();
        for t in all("type") {
            if let Some(ct) = CopyType::ALL.into_iter().find(|x| x.as_str() == t)
                && !copy_types.contains(&ct)
            {
                copy_types.push(ct);
            }
        }
        CopiesQuery {
            identifier: non_empty("identifier"),
            resource_id: non_empty("resource").and_then(|r| r.parse().ok()),
            states,
            copy_types,
            sort: non_empty("sort")
                .and_then(|s| CopySort::ALL.into_iter().find(|k| k.as_str() == s))
                .unwrap_or_default(),
            order: match p.get("order").as_deref() {
                Some("asc") => SortOrder::Asc,
                _ => SortOrder::Desc,
            },
            cursor: non_empty("cursor"),
        }
    }

    /// The URL of this view: `/zenodo` plus only the parameters that differ from the defaults.
    pub fn url(&self) -> String {
        let mut params = Vec::new();
        if let Some(i) = &self.identifier {
            params.push(format!("identifier={}", encode(i)));
        }
        if let Some(r) = self.resource_id {
            params.push(format!("resource={r}"));
        }
        for s in CopyState::ALL.iter().filter(|s| self.states.contains(s)) {
            params.push(format!("state={}", s.as_str()));
        }
        for t in CopyType::ALL.iter().filter(|t| self.copy_types.contains(t)) {
            params.push(format!("type={}", t.as_str()));
        }
        if self.sort != CopySort::default() {
            params.push(format!("sort={}", self.sort.as_str()));
        }
        if self.order != SortOrder::default() {
            params.push("order=asc".to_string());
        }
        if let Some(c) = &self.cursor {
            params.push(format!("cursor={}", encode(c)));
        }
        if params.is_empty() {
            "/zenodo".into()
        } else {
            format!("/zenodo?{}", params.join("&"))
        }
    }

    /// The same view from its first page.
    pub fn first_page(&self) -> Self {
        CopiesQuery {
            cursor: None,
            ..self.clone()
        }
    }

    /// The view of one dataset's copies (the "Ident. ID" link).
    pub fn of_identifier(identifier: &str) -> String {
        CopiesQuery {
            identifier: Some(identifier.to_string()),
            ..CopiesQuery::default()
        }
        .url()
    }
}
