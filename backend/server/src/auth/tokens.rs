//! API token secrets: random, prefixed so they are recognisable, stored as SHA-256.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API token secret starts with this, which tells it apart from a JWT.
pub const API_TOKEN_PREFIX: &str = "lj_";

/// A new secret: 32 random bytes, URL-safe base64, prefixed.
pub fn new_api_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{API_TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What is stored: the secret's SHA-256 in hex (the secret has 256 bits of entropy, so a
/// fast hash suffices).
pub fn hash_api_token(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
