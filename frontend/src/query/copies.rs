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
        }
    }

    fn url(&self) -> String {
        UrlBuilder::new("/zenodo")
            .text("identifier", self.identifier.as_ref())
            .raw("resource", self.resource_id)
            .members("state", &self.states)
            .members("type", &self.copy_types)
            .paging(self)
            .finish()
    }
}

listing_fields!(CopiesQuery, CopySort);

impl CopiesQuery {
    /// The view of one dataset's copies (the "Ident. ID" link).
    pub fn of_identifier(identifier: &str) -> String {
        CopiesQuery {
            identifier: Some(identifier.to_string()),
            ..CopiesQuery::default()
        }
        .url()
    }
}
