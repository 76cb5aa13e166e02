//! One page per route.

mod admin;
mod audit;
mod dashboard;
mod dataset;
mod job;
mod jobs;
mod login;
mod maintenance;
mod merritt;
mod merritt_submission;
mod not_found;
mod periodic;
mod queues;
mod workers;
mod zenodo;
mod zenodo_copy;

pub use admin::AdminPage;
pub use audit::AuditPage;
pub use dashboard::DashboardPage;
pub use dataset::{DatasetLink, DatasetPage, dataset_href};
pub use job::JobPage;
pub use jobs::JobsPage;
pub use login::LoginPage;
pub use maintenance::MaintenancePage;
pub use merritt::MerrittPage;
pub use merritt_submission::MerrittSubmissionPage;
pub use not_found::NotFoundPage;
pub use periodic::PeriodicPage;
pub use queues::QueuesPage;
pub use workers::WorkersPage;
pub use zenodo::ZenodoPage;
pub use zenodo_copy::ZenodoCopyPage;
