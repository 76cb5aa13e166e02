//! The service layer: the rules behind the API (what an action does, what it refuses, what
//! it audits), called by the handlers, which only check the caller, convert and answer.

pub mod audit; // recording operator actions, refusals included
pub mod control; // queue limits, kind pauses, quiet / stop a worker
pub mod counts; // job counts by queue and state, cached when counting is slow
pub mod datasets; // one identifier: its Zenodo copies and Merritt submissions together
pub mod error; // ServiceError: a refusal with its reason, or the database's failure
pub mod history; // the history of finished jobs over 1 h, 24 h, 7 d or 30 d
pub mod jobs; // enqueue with its audit, retry / cancel / discard one job or many
pub mod live; // what changed, for the live stream: one ticker per server, a broadcast
pub mod maintenance; // drain, status (with its alerts) and restart
pub mod merritt; // the Merritt queue's status and alerts, submit, give up, resend, restart
pub mod periodic; // periodic jobs: list, run now, pause, resume
pub mod users; // create, change, delete users, keeping an admin
pub mod zenodo; // request, resend, reset stalled, give up, daily-retry choice of copies

pub use error::{ServiceError, ServiceResult};
