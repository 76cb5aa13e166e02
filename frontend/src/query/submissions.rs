//! The Merritt queue's search, state filter, sort and page as they live in the URL
//! (`/merritt?q=dryad.8w9&state=errored&sort=size`).

use longjobs_openapi::{SortOrder, SubmissionSort, SubmissionState};

use super::{Params, UrlBuilder, UrlQuery, listing_fields};

/// Which submissions the Merritt page lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubmissionsQuery {
    /// Identifier (DOI) or ARK contains this (`q`).
    pub search: Option<String>,
    /// Read in the API's order of states; written in that order.
    pub states: Vec<SubmissionState>,
    pub sort: SubmissionSort,
    pub order: SortOrder,
    /// Where the page starts: a previous page's `next_cursor` (same sort and order).
    pub cursor: Option<String>,
}

impl UrlQuery for SubmissionsQuery {
    fn from_params(p: &Params) -> Self {
        let wanted: Vec<SubmissionState> = p.members("state");
        let (sort, order) = p.sort();
        SubmissionsQuery {
            search: p.text("q"),
            states: SubmissionState::ALL
                .into_iter()
                .filter(|s| wanted.contains(s))
                .collect(),
            sort,
            order,
            cursor: p.text("cursor"),
        }
    }

    fn url(&self) -> String {
        UrlBuilder::new("/merritt")
            .text("q", self.search.as_ref())
            .members("state", &self.states)
            .paging(self)
            .finish()
    }
}

listing_fields!(SubmissionsQuery, SubmissionSort);
