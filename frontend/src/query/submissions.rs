//! The Merritt queue's state filter as it lives in the URL (`/merritt?state=errored`).

use longjobs_openapi::SubmissionState;

use super::{Params, UrlBuilder, UrlQuery, Wire};

/// Which submissions the Merritt page lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubmissionsQuery {
    /// Read in the API's order of states; written in the order they were checked.
    pub states: Vec<SubmissionState>,
}

impl UrlQuery for SubmissionsQuery {
    fn from_params(p: &Params) -> Self {
        let wanted: Vec<SubmissionState> = p.members("state");
        SubmissionsQuery {
            states: SubmissionState::ALL
                .into_iter()
                .filter(|s| wanted.contains(s))
                .collect(),
        }
    }

    fn url(&self) -> String {
        self.states
            .iter()
            .fold(UrlBuilder::new("/merritt"), |url, s| {
                url.raw("state", Some(s.wire()))
            })
            .finish()
    }
}
