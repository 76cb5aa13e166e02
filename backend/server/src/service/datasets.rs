//! One dataset (an identifier): its Zenodo copies and its Merritt submissions together.

use longjobs_core::Db;
use longjobs_replication::merritt::store::{SubmissionFilter, SubmissionSort};
use longjobs_replication::zenodo::store::{CopyFilter, CopySort};

use super::{ServiceError, ServiceResult, merritt, zenodo};

/// Most copies, and most submissions, a dataset's page lists.
pub const MAX_ROWS: i64 = 500;

/// A dataset's copies (with what each waits on and its retry) and submissions (with their
/// histories), oldest first.
pub struct Dataset {
    pub copies: zenodo::Listed,
    pub submissions: merritt::Listed,
}

/// The copies and submissions of `identifier`; not found when it has neither.
pub async fn get(db: &Db, identifier: String) -> ServiceResult<Dataset> {
    let copies = zenodo::list(
        db,
        CopyFilter {
            identifier: Some(identifier.clone()),
            states: Vec::new(),
            copy_types: Vec::new(),
            resource_id: None,
            limit: MAX_ROWS,
            before_id: None,
        },
        CopySort::Id,
        false,
        None,
    )
    .await?;
    let submissions = merritt::list(
        db,
        SubmissionFilter {
            identifier: Some(identifier.clone()),
            limit: MAX_ROWS,
            ..SubmissionFilter::default()
        },
        SubmissionSort::Id,
        false,
        None,
    )
    .await?;
    if copies.page.copies.is_empty() && submissions.rows.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "no Zenodo copy and no Merritt submission has the identifier {identifier:?}"
        )));
    }
    Ok(Dataset {
        copies,
        submissions,
    })
}
