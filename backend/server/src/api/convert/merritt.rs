//! Merritt submissions between the replication crate's types and the wire types: states,
//! submissions with their history.

use longjobs_openapi as wire;
use longjobs_replication::merritt::{StateEntry, Submission, SubmissionState};

use super::utc;

pub fn sub_state_out(s: SubmissionState) -> wire::SubmissionState {
    match s {
        SubmissionState::Enqueued => wire::SubmissionState::Enqueued,
        SubmissionState::Processing => wire::SubmissionState::Processing,
        SubmissionState::ProvisionalComplete => wire::SubmissionState::ProvisionalComplete,
        SubmissionState::Completed => wire::SubmissionState::Completed,
        SubmissionState::Errored => wire::SubmissionState::Errored,
        SubmissionState::RejectedShuttingDown => wire::SubmissionState::RejectedShuttingDown,
        SubmissionState::GivenUp => wire::SubmissionState::GivenUp,
    }
}

pub fn sub_state_in(s: wire::SubmissionState) -> SubmissionState {
    match s {
        wire::SubmissionState::Enqueued => SubmissionState::Enqueued,
        wire::SubmissionState::Processing => SubmissionState::Processing,
        wire::SubmissionState::ProvisionalComplete => SubmissionState::ProvisionalComplete,
        wire::SubmissionState::Completed => SubmissionState::Completed,
        wire::SubmissionState::Errored => SubmissionState::Errored,
        wire::SubmissionState::RejectedShuttingDown => SubmissionState::RejectedShuttingDown,
        wire::SubmissionState::GivenUp => SubmissionState::GivenUp,
    }
}

pub fn sub_out(s: &Submission, history: Vec<StateEntry>) -> wire::Submission {
    wire::Submission {
        id: s.id,
        resource_id: s.resource_id,
        identifier: s.identifier.clone(),
        state: sub_state_out(s.state),
        host: s.host.clone(),
        ark: s.ark.clone(),
        job_id: s.job_id,
        last_error: s.last_error.clone(),
        created_at: utc(s.created_at),
        updated_at: utc(s.updated_at),
        history: history
            .into_iter()
            .map(|h| wire::SubmissionStateEntry {
                state: sub_state_out(h.state),
                host: h.host,
                note: h.note,
                at: utc(h.at),
            })
            .collect(),
    }
}
