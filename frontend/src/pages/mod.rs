//! One page per route.

mod admin;
mod audit;
mod dashboard;
mod job;
mod jobs;
mod login;
mod not_found;
mod queues;
mod workers;

pub use admin::AdminPage;
pub use audit::AuditPage;
pub use dashboard::DashboardPage;
pub use job::JobPage;
pub use jobs::JobsPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use queues::QueuesPage;
pub use workers::WorkersPage;
