//! Authentication settings: the JWT secret and how long a login lasts.

use std::time::Duration;

use super::LoginLimiter;

/// How long a login token is valid.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// The audience (and issuer) every token must name.
pub const JWT_AUDIENCE: &str = "longjobs";

pub struct AuthConfig {
    pub jwt_secret: Vec<u8>,
    pub token_ttl: Duration,
    pub limiter: LoginLimiter,
}

impl AuthConfig {
    pub fn new(jwt_secret: Vec<u8>, token_ttl: Duration) -> Self {
        AuthConfig {
            jwt_secret,
            token_ttl,
            limiter: LoginLimiter::default(),
        }
    }
}
