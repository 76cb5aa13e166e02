//! The first admin: created on a brand-new database so the console can be used at once.

use longjobs_core::access::{Role, users};
use longjobs_core::{Db, clock};
use rand::Rng;

use crate::auth::hash_password;

/// Name of the admin created on a new database.
pub const FIRST_ADMIN: &str = "admin";

/// Creates user `admin` when there are no users at all; returns its password (to be
/// shown once) when it did. `password` is used when given, else a random one is made.
pub async fn ensure_first_admin(
    db: &Db,
    password: Option<String>,
) -> anyhow::Result<Option<String>> {
    if db.run(users::count).await? > 0 {
        return Ok(None);
    }
    let password = password.unwrap_or_else(random_password);
    let pw = password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await?
        .map_err(anyhow::Error::msg)?;
    let created = db
        .run(move |c| users::create(c, FIRST_ADMIN, &hash, Role::Admin, clock::now()))
        .await;
    match created {
        Ok(_) => Ok(Some(password)),
        // Another server created it at the same moment: theirs stands.
        Err(longjobs_core::DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// 20 characters from an unambiguous alphabet.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
