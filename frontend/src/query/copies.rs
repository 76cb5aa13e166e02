//! The Zenodo copies view's filters, sort and page as they live in the URL
//! (`/zenodo?identifier=…&state=error&sort=size`).

use longjobs_openapi::{CopySort, CopyState, CopyType, SortOrder};

use super::{Params, UrlBuilder, UrlQuery, listing_fields};

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
    /// Unfinished copies only, or all (`show`); when absent, unfinished ones unless the
    /// view is one dataset's (`identifier`), whose whole chain shows.
    pub show: Option<Show>,
}

/// Which copies the list shows when no state is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Not finished and not given up on: the work still to do.
    Unfinished,
    All,
}

impl Show {
    pub fn as_str(self) -> &'static str {
        match self {
            Show::Unfinished => "unfinished",
            Show::All => "all",
        }
    }

    fn parse(s: &str) -> Option<Show> {
        [Show::Unfinished, Show::All]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

impl UrlQuery for CopiesQuery {
    fn from_params(p: &Params) -> Self {
        let (sort, order) = p.sort();
        CopiesQuery {
            identifier: p.text("identifier"),
            resource_id: p.text("resource").and_then(|r| r.parse().ok()),
            states: p.members("state"),
            copy_types: p.members("type"),
            sort,
            order,
            cursor: p.text("cursor"),
            show: p.text("show").as_deref().and_then(Show::parse),
        }
    }

    fn url(&self) -> String {
        UrlBuilder::new("/zenodo")
            .text("identifier", self.identifier.as_ref())
            .raw("resource", self.resource_id)
            .members("state", &self.states)
            .members("type", &self.copy_types)
            .raw("show", self.show.map(Show::as_str))
            .paging(self)
            .finish()
    }
}

listing_fields!(CopiesQuery, CopySort);

impl CopiesQuery {
    /// Whether only unfinished copies are listed: no state chosen, and `show` says so (or
    /// is absent outside one dataset's view).
    pub fn unfinished_only(&self) -> bool {
        self.states.is_empty()
            && match self.show {
                Some(show) => show == Show::Unfinished,
                None => self.identifier.is_none(),
            }
    }

    /// The states the API is asked for: those chosen, or every unfinished one.
    pub fn api_states(&self) -> Vec<CopyState> {
        if self.unfinished_only() {
            CopyState::ALL
                .into_iter()
                .filter(|s| !s.is_settled())
                .collect()
        } else {
            self.states.clone()
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
