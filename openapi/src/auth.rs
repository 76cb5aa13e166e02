//! Signing in, users and API tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::Role;
use crate::text::Text;

/// Username and password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct LoginRequest {
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 100)))]
    pub username: Text,
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 1000)))]
    pub password: Text,
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct LoginResponse {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub username: String,
    pub role: Role,
}

/// Who the caller is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Me {
    /// The username, or `token:<name>` for an API token.
    pub name: String,
    pub role: Role,
}

/// A user as listed (never with a password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct UserInfo {
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CreateUser {
    /// Letters, digits, `.`, `_`, `-` and `@`; 1 to 100 characters.
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 100)))]
    pub username: Text,
    /// At least 12 characters.
    #[cfg_attr(feature = "server", oai(validator(min_length = 12, max_length = 1000)))]
    pub password: Text,
    pub role: Role,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct UpdateUser {
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub role: Option<Role>,
    #[cfg_attr(
        feature = "server",
        oai(default, validator(min_length = 12, max_length = 1000))
    )]
    #[serde(default)]
    pub password: Option<Text>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// An API token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CreateToken {
    /// What the token is for, e.g. `nightly-report`.
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 100)))]
    pub name: Text,
    pub role: Role,
}

/// A created token: the secret is shown this once and never again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CreatedToken {
    pub token: TokenInfo,
    /// Use as `Authorization: Bearer <secret>`.
    pub secret: String,
}
