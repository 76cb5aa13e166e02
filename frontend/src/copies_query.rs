//! The Zenodo copies view's filters, sort and page as they live in the URL
//! (`/zenodo?identifier=…&state=error&sort=size`), so a view can be shared and survives a
//! reload.

use std::cmp::Ordering;

use leptos_router::params::ParamsMap;
use longjobs_openapi::{CopyState, CopyType, SortOrder, ZenodoCopy};

use crate::api::encode;

/// What the copies table is ordered by. The API answers newest first; the console sorts
/// the copies of the page it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopySort {
    #[default]
    Id,
    Identifier,
    ResourceId,
    State,
    Updated,
    Created,
    CopyType,
    Size,
    Retries,
}

impl CopySort {
    pub const ALL: [CopySort; 9] = [
        CopySort::Id,
        CopySort::Identifier,
        CopySort::ResourceId,
        CopySort::State,
        CopySort::Updated,
        CopySort::Created,
        CopySort::CopyType,
        CopySort::Size,
        CopySort::Retries,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CopySort::Id => "id",
            CopySort::Identifier => "identifier",
            CopySort::ResourceId => "resource",
            CopySort::State => "state",
            CopySort::Updated => "updated",
            CopySort::Created => "created",
            CopySort::CopyType => "type",
            CopySort::Size => "size",
            CopySort::Retries => "retries",
        }
    }

    /// `a` against `b` by this key, ties broken by id.
    fn compare(self, a: &ZenodoCopy, b: &ZenodoCopy) -> Ordering {
        let by = match self {
            CopySort::Id => Ordering::Equal,
            CopySort::Identifier => a.identifier.cmp(&b.identifier),
            CopySort::ResourceId => a.resource_id.cmp(&b.resource_id),
            CopySort::State => a.state.as_str().cmp(b.state.as_str()),
            CopySort::Updated => a.updated_at.cmp(&b.updated_at),
            CopySort::Created => a.created_at.cmp(&b.created_at),
            CopySort::CopyType => a.copy_type.as_str().cmp(b.copy_type.as_str()),
            CopySort::Size => a.size.cmp(&b.size),
            CopySort::Retries => a.retries.cmp(&b.retries),
        };
        by.then(a.id.cmp(&b.id))
    }
}

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
    /// Copies older than this id: a previous page's `next_before`.
    pub before: Option<i64>,
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
            before: non_empty("before").and_then(|b| b.parse().ok()),
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
        if let Some(b) = self.before {
            params.push(format!("before={b}"));
        }
        if params.is_empty() {
            "/zenodo".into()
        } else {
            format!("/zenodo?{}", params.join("&"))
        }
    }

    /// The same view from its newest page.
    pub fn first_page(&self) -> Self {
        CopiesQuery {
            before: None,
            ..self.clone()
        }
    }

    /// What the API is asked for: everything but the sort (which the console applies).
    pub fn fetch_key(&self) -> Self {
        CopiesQuery {
            sort: CopySort::default(),
            order: SortOrder::default(),
            ..self.clone()
        }
    }

    /// Sorts the copies of a page by this view's key and direction.
    pub fn sort_rows(&self, rows: &mut [ZenodoCopy]) {
        rows.sort_by(|a, b| {
            let o = self.sort.compare(a, b);
            if self.order == SortOrder::Desc {
                o.reverse()
            } else {
                o
            }
        });
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
