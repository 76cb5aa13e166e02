//! One dataset (an identifier): its Zenodo copies and its Merritt submissions together.

use longjobs_core::access::Role;
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::merritt::sub_out;
use super::zenodo::copies_out;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::datasets;
use crate::state::AppState;

pub struct DatasetsApi {
    pub state: AppState,
}

/// Longest identifier accepted, in characters (the columns hold 255).
const MAX_IDENTIFIER: usize = 255;

#[OpenApi(tag = "Tag::Datasets")]
impl DatasetsApi {
    /// One dataset: its Zenodo copies and Merritt submissions.
    ///
    /// Every copy and every submission whose identifier (DOI) is exactly `identifier`,
    /// oldest first (at most 500 of each), with what each copy waits on and each
    /// submission's history. 404 when the identifier has neither. The identifier is a query
    /// parameter, not a path segment, because DOIs hold slashes.
    #[oai(path = "/api/dataset", method = "get", operation_id = "getDataset")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// The dataset's identifier, e.g. `doi:10.5061/dryad.abc123` (1 to 255 characters).
        identifier: Query<String>,
    ) -> ApiResult<Json<wire::Dataset>> {
        auth.0.require(Role::Viewer)?;
        let identifier = identifier.0.trim().to_string();
        if identifier.is_empty() || identifier.chars().count() > MAX_IDENTIFIER {
            return Err(ApiError::bad_request(format!(
                "identifier must be 1 to {MAX_IDENTIFIER} characters"
            )));
        }
        let found = datasets::get(&self.state.db, identifier.clone()).await?;
        Ok(Json(wire::Dataset {
            identifier,
            copies: copies_out(found.copies),
            submissions: found
                .submissions
                .rows
                .into_iter()
                .map(|(s, h)| sub_out(&s, h))
                .collect(),
        }))
    }
}
