//! Login tokens: HS256 JWTs naming the user's id and token version, with audience, issuer
//! and expiry checked.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use super::JWT_AUDIENCE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id (immutable and never reused, unlike the name), as a string.
    pub sub: String,
    /// The username at login, for people reading the token (not trusted).
    pub name: String,
    /// The user's token version at login: the token works while it is still current.
    pub ver: i64,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs a token for the user with this id, name and token version, valid for `ttl`;
/// returns it with its expiry.
pub fn issue(
    secret: &[u8],
    user_id: i64,
    username: &str,
    token_version: i64,
    ttl: Duration,
) -> Result<(String, DateTime<Utc>), jsonwebtoken::errors::Error> {
    let now = Utc::now();
    let exp = now + chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::hours(12));
    let claims = Claims {
        sub: user_id.to_string(),
        name: username.to_string(),
        ver: token_version,
        aud: JWT_AUDIENCE.to_string(),
        iss: JWT_AUDIENCE.to_string(),
        iat: now.timestamp(),
        exp: exp.timestamp(),
    };
    let key = EncodingKey::from_secret(secret)?;
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)?;
    Ok((token, exp))
}

/// Checks signature (HS256 only: `alg: none` and other algorithms are refused), expiry,
/// audience and issuer. The error says which check failed.
pub fn verify(secret: &[u8], token: &str) -> Result<Claims, String> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_audience(&[JWT_AUDIENCE]);
    v.set_issuer(&[JWT_AUDIENCE]);
    v.leeway = 5;
    v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let key = DecodingKey::from_secret(secret).map_err(|e| format!("bad signing key: {e}"))?;
    jsonwebtoken::decode::<Claims>(token, &key, &v)
        .map(|d| d.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => "the token has expired; sign in again".to_string(),
            ErrorKind::InvalidSignature => "the token's signature is not valid".to_string(),
            ErrorKind::InvalidAudience => "the token is not for this service".to_string(),
            ErrorKind::InvalidIssuer => "the token was not issued by this service".to_string(),
            ErrorKind::InvalidAlgorithm => "the token's algorithm is not accepted".to_string(),
            _ => format!("the token is not valid: {e}"),
        })
}
