//! Views whose filters, sort and page live in the URL (so a view can be shared and survives
//! a reload): the [`UrlQuery`] and [`Listing`] traits, reading and writing query strings,
//! and [`use_url_query`].

mod copies;
mod dashboard;
mod jobs;
mod submissions;

pub use copies::{CopiesQuery, Show};
pub use dashboard::{ChartRange, DashboardQuery};
pub use jobs::JobsQuery;
pub use submissions::SubmissionsQuery;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use longjobs_openapi::{
    CopySort, CopyState, CopyType, JobSort, JobState, SortOrder, SubmissionSort, SubmissionState,
};

use crate::api::encode;

/// A value the URL and the API spell by name (states, copy types, sort keys and orders).
pub trait Wire: Copy + PartialEq + Send + Sync + 'static {
    const ALL: &'static [Self];
    fn wire(self) -> &'static str;
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.wire() == name)
    }
}

macro_rules! wire_by_as_str {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const ALL: &'static [Self] = &<$t>::ALL;
            fn wire(self) -> &'static str {
                self.as_str()
            }
        }
    )*};
}
wire_by_as_str!(
    JobState,
    CopyState,
    CopyType,
    SubmissionState,
    CopySort,
    SubmissionSort
);

impl Wire for JobSort {
    const ALL: &'static [Self] = &[
        JobSort::Id,
        JobSort::CreatedAt,
        JobSort::RunAt,
        JobSort::Priority,
    ];
    fn wire(self) -> &'static str {
        match self {
            JobSort::Id => "id",
            JobSort::CreatedAt => "created_at",
            JobSort::RunAt => "run_at",
            JobSort::Priority => "priority",
        }
    }
}

impl Wire for SortOrder {
    const ALL: &'static [Self] = &[SortOrder::Asc, SortOrder::Desc];
    fn wire(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// A view's state as its URL carries it.
pub trait UrlQuery: Clone + PartialEq + Default + Send + Sync + 'static {
    fn from_params(p: &Params) -> Self;
    /// The URL of this view: its path plus only the parameters that differ from the defaults.
    fn url(&self) -> String;
}

/// A listing's query: filters, then a sort key, an order and a keyset cursor.
pub trait Listing: UrlQuery {
    type Sort: Wire + Default;
    fn sort(&self) -> (Self::Sort, SortOrder);
    /// Where the page starts: a previous page's `next_cursor` (same sort and order).
    fn cursor(&self) -> Option<&String>;
    /// The same filters, sorted so, from `cursor`.
    fn with(&self, sort: Self::Sort, order: SortOrder, cursor: Option<String>) -> Self;

    /// The same view from `cursor`.
    fn at(&self, cursor: Option<String>) -> Self {
        let (sort, order) = self.sort();
        self.with(sort, order, cursor)
    }
    /// The same view from its first page.
    fn first_page(&self) -> Self {
        self.at(None)
    }
    /// No filters, the same sort: what "Clear filters" shows.
    fn cleared(&self) -> Self {
        let (sort, order) = self.sort();
        Self::default().with(sort, order, None)
    }
    /// Sorted by `key` from the first page: descending, or ascending when it is already
    /// descending by `key` (a column header's click).
    fn sorted_by(&self, key: Self::Sort) -> Self {
        let order = match self.sort() {
            (sort, SortOrder::Desc) if sort == key => SortOrder::Asc,
            _ => SortOrder::Desc,
        };
        self.with(key, order, None)
    }
}

/// Implements [`Listing`] for a query whose `sort`, `order` and `cursor` fields hold them.
macro_rules! listing_fields {
    ($query:ty, $sort:ty) => {
        impl $crate::query::Listing for $query {
            type Sort = $sort;
            fn sort(&self) -> ($sort, SortOrder) {
                (self.sort, self.order)
            }
            fn cursor(&self) -> Option<&String> {
                self.cursor.as_ref()
            }
            fn with(&self, sort: $sort, order: SortOrder, cursor: Option<String>) -> Self {
                Self {
                    sort,
                    order,
                    cursor,
                    ..self.clone()
                }
            }
        }
    };
}
use listing_fields;

/// A query string, read leniently: blank values count as absent, unknown names are ignored.
pub struct Params<'a>(pub &'a ParamsMap);

impl Params<'_> {
    /// The value of `key`, trimmed, unless blank.
    pub fn text(&self, key: &str) -> Option<String> {
        self.0.get(key).as_deref().and_then(non_blank)
    }

    /// The known names given for `key` (repeated or comma-separated), each once, in the
    /// URL's order.
    pub fn members<T: Wire>(&self, key: &str) -> Vec<T> {
        let mut found = Vec::new();
        for value in self.0.get_all(key).unwrap_or_default() {
            for v in value.split(',').filter_map(T::parse) {
                if !found.contains(&v) {
                    found.push(v);
                }
            }
        }
        found
    }

    /// `sort` by name (else the default) and `order` (descending unless `asc`).
    pub fn sort<T: Wire + Default>(&self) -> (T, SortOrder) {
        let sort = self
            .text("sort")
            .and_then(|s| T::parse(&s))
            .unwrap_or_default();
        let order = match self.0.get("order").as_deref() {
            Some("asc") => SortOrder::Asc,
            _ => SortOrder::Desc,
        };
        (sort, order)
    }
}

/// `text` trimmed, unless blank.
pub fn non_blank(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|s| !s.is_empty())
}

/// Writes a view's URL, parameter by parameter.
pub struct UrlBuilder {
    path: &'static str,
    params: Vec<String>,
}

impl UrlBuilder {
    pub fn new(path: &'static str) -> Self {
        UrlBuilder {
            path,
            params: Vec::new(),
        }
    }

    /// `key=value`, percent-encoded, when there is a value.
    pub fn text(mut self, key: &str, value: Option<&String>) -> Self {
        if let Some(v) = value {
            self.params.push(format!("{key}={}", encode(v)));
        }
        self
    }

    /// `key=name` for each of `chosen`, in the order the API lists them.
    pub fn members<T: Wire>(mut self, key: &str, chosen: &[T]) -> Self {
        for v in T::ALL.iter().filter(|v| chosen.contains(v)) {
            self.params.push(format!("{key}={}", v.wire()));
        }
        self
    }

    /// `key=value` as given (numbers, names), when there is a value.
    pub fn raw(mut self, key: &str, value: Option<impl std::fmt::Display>) -> Self {
        if let Some(v) = value {
            self.params.push(format!("{key}={v}"));
        }
        self
    }

    /// `sort`, `order` and `cursor`, each unless the default.
    pub fn paging<Q: Listing>(self, query: &Q) -> Self {
        let (sort, order) = query.sort();
        self.raw("sort", (sort != Q::Sort::default()).then(|| sort.wire()))
            .raw(
                "order",
                (order != SortOrder::default()).then(|| order.wire()),
            )
            .text("cursor", query.cursor())
    }

    pub fn finish(self) -> String {
        if self.params.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, self.params.join("&"))
        }
    }
}

/// The current view's query, read from the URL, and the callback that shows another (in
/// the URL, keeping the scroll position).
pub fn use_url_query<Q: UrlQuery>() -> (Memo<Q>, Callback<Q>) {
    let params = use_query_map();
    let navigate = use_navigate();
    let query = Memo::new(move |_| params.with(|p| Q::from_params(&Params(p))));
    let go = Callback::new(move |q: Q| {
        navigate(
            &q.url(),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    });
    (query, go)
}

/// The `:id` of the route (a job, copy or submission page), when it is a number.
pub fn use_id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok())))
}
