//! Who may use longjobs: users, roles, API tokens and the audit log of their actions.

pub mod api_tokens;
pub mod audit;
mod role;
pub mod users;

pub use role::Role;
