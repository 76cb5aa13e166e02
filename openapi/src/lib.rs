//! The longjobs API contract: wire types shared by the server (with OpenAPI derives behind
//! the `server` feature) and the console (plain serde), plus the committed `openapi.json`.

pub mod auth;
pub mod control;
pub mod enums;
pub mod health;
pub mod jobs;
pub mod live;
pub mod maintenance;
pub mod merritt;
pub mod ops;
pub mod periodic;
pub mod problem;
pub mod replication;
pub mod text;

pub use auth::*;
pub use control::*;
pub use enums::*;
pub use health::{Health, Readiness};
pub use jobs::*;
pub use live::*;
pub use maintenance::*;
pub use merritt::*;
pub use ops::*;
pub use periodic::*;
pub use problem::Problem;
pub use replication::*;
pub use text::Text;
