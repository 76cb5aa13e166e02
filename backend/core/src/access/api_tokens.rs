//! API tokens for scripts: created by an admin, shown once, stored as a hash, revocable.
//!
//! A token belongs to the user who made it (by id): it works only while that user exists
//! and is enabled, and never with more than that user's current role.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::Role;
use super::users::{self, User};
use crate::db::DbConn;
use crate::schema::api_tokens;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_by_id: Option<i64>,
}

pub fn create(
    conn: &mut DbConn,
    name: &str,
    token_hash: &str,
    role: Role,
    created_by: &str,
    created_by_id: i64,
    now: NaiveDateTime,
) -> QueryResult<ApiToken> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::role.eq(role),
            api_tokens::created_by.eq(created_by),
            api_tokens::created_by_id.eq(created_by_id),
            api_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .select(ApiToken::as_select())
        .first(conn)
}

/// The unrevoked token with this hash and its creator, marking it used — `None` when
/// there is no such token, it is revoked, or its creator is gone or disabled.
pub fn find_usable(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(ApiToken, User)>> {
    let found = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?;
    let Some(token) = found else {
        return Ok(None);
    };
    let creator = match token.created_by_id {
        Some(id) => users::find_by_id(conn, id)?,
        None => None,
    };
    let Some(creator) = creator.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    diesel::update(api_tokens::table.find(token.id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(Some((token, creator)))
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(conn)
}

/// Revokes a token; `None` when there is no such token, the token otherwise (already
/// revoked tokens keep their first revocation time).
pub fn revoke(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<Option<ApiToken>> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(conn)
        .optional()
}
