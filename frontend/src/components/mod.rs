//! Pieces the pages share, one component per file.

mod confirm_dialog;
mod copies_filters;
mod copy_state_badge;
mod error_notice;
mod job_timeline;
mod jobs_filters;
mod maintenance_banner;
mod nav_link;
mod page_header;
mod shell;
mod sort_header;
mod stat_card;
mod state_badge;
mod state_chip;
mod submission_state_badge;
mod throughput_chart;
mod time_cell;

pub use confirm_dialog::ConfirmDialog;
pub use copies_filters::CopiesFilters;
pub use copy_state_badge::CopyStateBadge;
pub use error_notice::ErrorNotice;
pub use job_timeline::JobTimeline;
pub use jobs_filters::JobsFilters;
pub use maintenance_banner::MaintenanceBanner;
pub use nav_link::NavLink;
pub use page_header::PageHeader;
pub use shell::Shell;
pub use sort_header::SortHeader;
pub use stat_card::StatCard;
pub use state_badge::StateBadge;
pub use state_chip::{StateChip, toggle_member};
pub use submission_state_badge::SubmissionStateBadge;
pub use throughput_chart::ThroughputChart;
pub use time_cell::TimeCell;
