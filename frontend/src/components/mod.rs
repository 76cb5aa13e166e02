//! Pieces the pages share, one component per file.

mod confirm_dialog;
mod error_notice;
mod jobs_filters;
mod nav_link;
mod page_header;
mod shell;
mod stat_card;
mod state_badge;
mod throughput_chart;
mod time_cell;

pub use confirm_dialog::ConfirmDialog;
pub use error_notice::ErrorNotice;
pub use jobs_filters::JobsFilters;
pub use nav_link::NavLink;
pub use page_header::PageHeader;
pub use shell::Shell;
pub use stat_card::StatCard;
pub use state_badge::StateBadge;
pub use throughput_chart::ThroughputChart;
pub use time_cell::TimeCell;
