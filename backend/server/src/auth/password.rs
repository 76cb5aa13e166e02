//! Password hashing with argon2id (PHC strings, random salt per password).

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Hashes a password for storage.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| format!("cannot make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// True when `password` matches the stored hash; a malformed hash never matches.
///
/// The argon2 working memory (19 MiB with the default parameters) is the calling thread's
/// own, allocated once and kept: allocating and freeing it on every check made glibc raise
/// its mmap threshold and keep each freed buffer, which grew the server by 19 MiB per
/// sign-in up to ~200 MB. The checks run on the few threads of
/// [`super::hashing::HashPool`], so this is a fixed amount per thread.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let expected = expected.as_bytes();
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = with_memory(params.block_count(), |memory| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
            .is_ok()
    });
    computed && constant_time_eq(&out, expected)
}

thread_local! {
    /// This thread's argon2 working memory, grown to the largest check it has run.
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, Block::default());
        }
        f(&mut m[..blocks])
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        // A hash made with other parameters is checked with those.
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 2, 1, None).unwrap(),
        )
        .hash_password(b"pw", &SaltString::encode_b64(b"0123456789abcdef").unwrap())
        .unwrap()
        .to_string();
        assert!(verify_password("pw", &other));
        assert!(!verify_password("pw2", &other));
    }
}
