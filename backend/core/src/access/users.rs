//! Users: stored with an argon2 hash (computed by the caller), a role and a token version.
//!
//! Login tokens name the user's id (never reused) and the token version current when they
//! were issued; a password change, disable, delete or sign-out bumps the version, so every
//! token issued before stops working. The last enabled admin cannot be demoted, disabled
//! or deleted: the check and the change run in one transaction that locks the admins' rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::Role;
use crate::db::{DbConn, transaction};
use crate::schema::{api_tokens, users};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    #[serde(skip)]
    pub token_version: i64,
}

/// What a change or a deletion did.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Done; the user as it is now (as it was, for a deletion).
    Done(User),
    /// There is no such user.
    NotFound,
    /// Refused: it would leave no enabled admin.
    LastAdmin,
}

/// Creates a user. A taken username is a `UniqueViolation` error.
pub fn create(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::disabled.eq(false),
            users::created_at.eq(now),
            users::updated_at.eq(now),
            users::token_version.eq(0i64),
        ))
        .execute(conn)?;
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table
        .order(users::username.asc())
        .select(User::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// The ids of the enabled admins, their rows locked until the transaction ends (SQLite:
/// the caller's `BEGIN IMMEDIATE` already holds the write lock), so two concurrent
/// demotions cannot each see the other admin and leave none.
fn lock_enabled_admins(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    let admins = users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled.eq(false))
        .select(users::id);
    match conn {
        DbConn::Postgres(c) => admins.for_update().load(c),
        DbConn::Mysql(c) => admins.for_update().load(c),
        DbConn::Sqlite(c) => admins.load(c),
    }
}

/// Ends every API token the user made (creator gone or disabled: their tokens go too).
fn revoke_tokens_of(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::created_by_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Changes a user's role, password hash and/or disabled flag. A new password or
/// disabling ends the user's login tokens; disabling also revokes the API tokens they
/// made. Refused when it would leave no enabled admin.
pub fn update(
    conn: &mut DbConn,
    username: &str,
    role: Option<Role>,
    password_hash: Option<&str>,
    disabled: Option<bool>,
    now: NaiveDateTime,
) -> QueryResult<Change> {
    transaction(conn, |conn| {
        let admins = lock_enabled_admins(conn)?;
        let Some(user) = find(conn, username)? else {
            return Ok(Change::NotFound);
        };
        let stays_admin = role.unwrap_or(user.role) == Role::Admin && !disabled.unwrap_or(false);
        if admins.contains(&user.id) && !stays_admin && admins.len() <= 1 {
            return Ok(Change::LastAdmin);
        }
        let ends_logins = password_hash.is_some() || disabled == Some(true);
        let target = users::table.find(user.id);
        if let Some(role) = role {
            diesel::update(target)
                .set(users::role.eq(role))
                .execute(conn)?;
        }
        if let Some(hash) = password_hash {
            diesel::update(target)
                .set(users::password_hash.eq(hash))
                .execute(conn)?;
        }
        if let Some(disabled) = disabled {
            diesel::update(target)
                .set(users::disabled.eq(disabled))
                .execute(conn)?;
        }
        if ends_logins {
            diesel::update(target)
                .set(users::token_version.eq(users::token_version + 1))
                .execute(conn)?;
        }
        diesel::update(target)
            .set(users::updated_at.eq(now))
            .execute(conn)?;
        if disabled == Some(true) {
            revoke_tokens_of(conn, user.id, now)?;
        }
        Ok(find_by_id(conn, user.id)?.map_or(Change::NotFound, Change::Done))
    })
}

/// Ends every login token of the user (sign-out); false when there is no such user.
pub fn end_logins(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(users::table.find(id))
        .set((
            users::token_version.eq(users::token_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n > 0)
}

/// Deletes a user and revokes the API tokens they made. Their login tokens stop working
/// at once: they name the user's id, which is never given to anyone else. Refused for
/// the last enabled admin.
pub fn delete(conn: &mut DbConn, username: &str, now: NaiveDateTime) -> QueryResult<Change> {
    transaction(conn, |conn| {
        let admins = lock_enabled_admins(conn)?;
        let Some(user) = find(conn, username)? else {
            return Ok(Change::NotFound);
        };
        if admins.contains(&user.id) && admins.len() <= 1 {
            return Ok(Change::LastAdmin);
        }
        revoke_tokens_of(conn, user.id, now)?;
        diesel::delete(users::table.find(user.id)).execute(conn)?;
        Ok(Change::Done(user))
    })
}
