//! Authentication settings: the JWT secret and how long a login lasts.

use std::time::Duration;

use super::LoginLimiter;
use super::hashing::HashPool;

/// How long a login token is valid.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// The audience (and issuer) every token must name.
pub const JWT_AUDIENCE: &str = "longjobs";

pub struct AuthConfig {
    pub jwt_secret: Vec<u8>,
    pub token_ttl: Duration,
    pub limiter: LoginLimiter,
    /// Proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The threads that compute password hashes (each run takes about 19 MiB).
    pub hashing: HashPool,
}

impl AuthConfig {
    pub fn new(jwt_secret: Vec<u8>, token_ttl: Duration) -> Self {
        AuthConfig {
            jwt_secret,
            token_ttl,
            limiter: LoginLimiter::default(),
            trusted_proxies: Vec::new(),
            hashing: HashPool::default(),
        }
    }
}
