//! One dataset (an identifier): its Zenodo copies and Merritt submissions together.

use longjobs_openapi::Dataset;

use super::client::{Get, encode};

/// `GET /api/dataset?identifier=…`; 404 when the identifier has no copy and no submission.
pub fn get(identifier: &str) -> Get<Dataset> {
    Get::new(format!("/api/dataset?identifier={}", encode(identifier)))
}
