//! Authentication: JWTs for people, hashed API tokens for scripts, roles, login limits.

mod client;
mod config;
pub mod hashing;
mod jwt;
mod password;
mod principal;
mod rate_limit;
pub mod rules;
mod tokens;

pub use client::{client_address, parse_trusted_proxies};
pub use config::{AuthConfig, DEFAULT_TOKEN_TTL, JWT_AUDIENCE};
pub use jwt::{Claims, issue, verify};
pub use password::{hash_password, verify_password};
pub use principal::{BearerAuth, Principal, authenticate};
pub use rate_limit::{Backoff, LoginLimiter};
pub use tokens::{API_TOKEN_PREFIX, hash_api_token, new_api_token};
