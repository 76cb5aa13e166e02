//! The jobs view's filters, sort and page as they live in the URL (`/jobs?queue=…&state=…`).

use longjobs_openapi::{JobFilter, JobSort, JobState, SortOrder, Text};

use super::{Listing, Params, UrlBuilder, UrlQuery, listing_fields};

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

impl UrlQuery for JobsQuery {
    fn from_params(p: &Params) -> Self {
        let (sort, order) = p.sort();
        JobsQuery {
            queue: p.text("queue"),
            kind: p.text("kind"),
            states: p.members("state"),
            text: p.text("q"),
            sort,
            order,
            cursor: p.text("cursor"),
        }
    }

    fn url(&self) -> String {
        UrlBuilder::new("/jobs")
            .text("queue", self.queue.as_ref())
            .text("kind", self.kind.as_ref())
            .members("state", &self.states)
            .text("q", self.text.as_ref())
            .paging(self)
            .finish()
    }
}

listing_fields!(JobsQuery, JobSort);

impl JobsQuery {
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

    /// The filters alone (no sort, no page): what the match count depends on.
    pub fn filters_only(&self) -> Self {
        self.with(JobSort::default(), SortOrder::default(), None)
    }
}
