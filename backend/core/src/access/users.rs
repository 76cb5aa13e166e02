//! Users: stored with an argon2 hash (computed by the caller) and a role.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::Role;
use crate::db::DbConn;
use crate::schema::users;
use crate::with_conn;

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
}

/// Creates a user. A taken username is a `UniqueViolation` error.
pub fn create(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<User> {
    with_conn!(conn, |c| {
        diesel::insert_into(users::table)
            .values((
                users::username.eq(username),
                users::password_hash.eq(password_hash),
                users::role.eq(role),
                users::disabled.eq(false),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(c)?;
        users::table
            .filter(users::username.eq(username))
            .select(User::as_select())
            .first(c)
    })
}

pub fn find(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    with_conn!(conn, |c| users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(c)
        .optional())
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    with_conn!(conn, |c| users::table
        .order(users::username.asc())
        .select(User::as_select())
        .load(c))
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    with_conn!(conn, |c| users::table.count().get_result(c))
}

/// Changes a user's role, password hash and/or disabled flag. Returns the user, or
/// `None` when there is no such user.
pub fn update(
    conn: &mut DbConn,
    username: &str,
    role: Option<Role>,
    password_hash: Option<&str>,
    disabled: Option<bool>,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    with_conn!(conn, |c| c.transaction(|c| {
        let target = users::table.filter(users::username.eq(username));
        if let Some(role) = role {
            diesel::update(target)
                .set(users::role.eq(role))
                .execute(c)?;
        }
        if let Some(hash) = password_hash {
            diesel::update(target)
                .set(users::password_hash.eq(hash))
                .execute(c)?;
        }
        if let Some(disabled) = disabled {
            diesel::update(target)
                .set(users::disabled.eq(disabled))
                .execute(c)?;
        }
        diesel::update(target)
            .set(users::updated_at.eq(now))
            .execute(c)?;
        target.select(User::as_select()).first(c).optional()
    }))
}

/// Deletes a user; returns whether one was deleted. Their tokens stop working at once
/// because every request checks that the user still exists.
pub fn delete(conn: &mut DbConn, username: &str) -> QueryResult<bool> {
    with_conn!(conn, |c| diesel::delete(
        users::table.filter(users::username.eq(username))
    )
    .execute(c))
    .map(|n| n > 0)
}
