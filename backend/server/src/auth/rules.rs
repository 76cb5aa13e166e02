//! What a username, a password and the JWT secret must be — one set of rules for the API,
//! start-up (`LONGJOBS_ADMIN_PASSWORD`, `LONGJOBS_JWT_SECRET`) and `create-user`.

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1000;
/// Shortest JWT secret accepted, in characters.
pub const MIN_JWT_SECRET_CHARS: usize = 32;
/// Fewest distinct characters a JWT secret must have (hex has 16).
pub const MIN_JWT_SECRET_DISTINCT: usize = 10;

/// 1 to 100 letters, digits, `.`, `_`, `-` or `@`.
pub fn check_username(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 100
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(format!(
            "username {name:?} must be 1 to 100 letters, digits, '.', '_', '-' or '@'"
        ));
    }
    Ok(())
}

/// 12 to 1000 characters, no NUL (as the API's schema and text checks ask).
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(format!(
            "the password must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters, not {n}"
        ));
    }
    if password.contains('\0') {
        return Err("the password must not contain a NUL character".into());
    }
    Ok(())
}

/// At least 32 characters, no white space at either end, at least 10 distinct characters
/// (so neither 32 spaces nor one letter repeated passes).
pub fn check_jwt_secret(secret: &str) -> Result<(), String> {
    let n = secret.chars().count();
    if n < MIN_JWT_SECRET_CHARS {
        return Err(format!(
            "LONGJOBS_JWT_SECRET must have at least {MIN_JWT_SECRET_CHARS} characters, not {n}"
        ));
    }
    if secret.trim() != secret {
        return Err("LONGJOBS_JWT_SECRET must not start or end with white space".into());
    }
    let distinct = secret
        .chars()
        .collect::<std::collections::HashSet<_>>()
        .len();
    if distinct < MIN_JWT_SECRET_DISTINCT {
        return Err(format!(
            "LONGJOBS_JWT_SECRET has only {distinct} distinct characters; use at least \
             {MIN_JWT_SECRET_CHARS} random ones (e.g. `openssl rand -hex 32`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_secrets_passwords_and_names_are_refused() {
        assert!(check_jwt_secret(&" ".repeat(32)).is_err());
        assert!(check_jwt_secret(&"a".repeat(40)).is_err());
        assert!(check_jwt_secret("short").is_err());
        assert!(check_jwt_secret(" 0123456789abcdef0123456789abcdef").is_err());
        assert!(check_jwt_secret("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_password("a").is_err());
        assert!(check_password(&"x".repeat(1001)).is_err());
        assert!(check_password("twelve chars").is_ok());
        assert!(check_password("twelve\0chars").is_err());
        assert!(check_username("bad name").is_err());
        assert!(check_username("").is_err());
        assert!(check_username("ada.l@x_y-z").is_ok());
    }
}
