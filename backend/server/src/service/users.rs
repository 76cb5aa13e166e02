//! Users: create, change and delete — with the rules that keep an admin (no one demotes,
//! disables or deletes themself; the last enabled admin stays), audited.

use longjobs_core::access::Role;
use longjobs_core::access::users::{self, Change, User};
use longjobs_core::{Db, DbError, clock};

use super::audit::{self, Entry};
use super::{ServiceError, ServiceResult};
use crate::auth::Principal;

/// A change of a user; absent fields stay as they are.
pub struct UserChange {
    pub role: Option<Role>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
}

/// The user a change left, or why there is none.
fn changed(change: Change, username: &str) -> ServiceResult<User> {
    match change {
        Change::Done(u) => Ok(u),
        Change::NotFound => Err(ServiceError::NotFound(format!(
            "there is no user {username:?}"
        ))),
        Change::LastAdmin => Err(ServiceError::Conflict(format!(
            "{username:?} is the last enabled admin: make another admin first"
        ))),
    }
}

async fn audited(
    db: &Db,
    who: &Principal,
    action: &str,
    target: &str,
    detail: Option<String>,
) -> ServiceResult<()> {
    let entry = Entry {
        actor: &who.name,
        action,
        target,
        detail,
    };
    Ok(audit::record(db, entry, "done").await?)
}

/// Creates user `username` (a name taken is a conflict). Audited.
pub async fn create(
    db: &Db,
    who: &Principal,
    username: String,
    password_hash: String,
    role: Role,
) -> ServiceResult<User> {
    let name = username.clone();
    let user = match db
        .run(move |c| users::create(c, &name, &password_hash, role, clock::now()))
        .await
    {
        Ok(u) => u,
        Err(DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => {
            return Err(ServiceError::Conflict(format!(
                "user {username:?} already exists"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let detail = Some(format!("role {}", user.role));
    audited(db, who, "users.create", &format!("user {username}"), detail).await?;
    Ok(user)
}

/// Changes user `username`. Audited.
pub async fn update(
    db: &Db,
    who: &Principal,
    username: String,
    change: UserChange,
) -> ServiceResult<User> {
    if username == who.user
        && (change.disabled == Some(true) || change.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ServiceError::Conflict(
            "you cannot demote or disable yourself (nor through an API token you made); \
             another admin can"
                .into(),
        ));
    }
    let name = username.clone();
    let done = db
        .run(move |c| {
            users::update(
                c,
                &name,
                change.role,
                change.password_hash.as_deref(),
                change.disabled,
                clock::now(),
            )
        })
        .await?;
    let user = changed(done, &username)?;
    audited(db, who, "users.update", &format!("user {username}"), None).await?;
    Ok(user)
}

/// Deletes user `username`. Audited.
pub async fn delete(db: &Db, who: &Principal, username: String) -> ServiceResult<()> {
    if username == who.user {
        return Err(ServiceError::Conflict(
            if who.token_id.is_some() {
                "you cannot delete yourself (this API token is yours)"
            } else {
                "you cannot delete yourself"
            }
            .into(),
        ));
    }
    let name = username.clone();
    let done = db
        .run(move |c| users::delete(c, &name, clock::now()))
        .await?;
    changed(done, &username)?;
    audited(db, who, "users.delete", &format!("user {username}"), None).await
}

/// Every user.
pub async fn list(db: &Db) -> ServiceResult<Vec<User>> {
    Ok(db.run(users::list).await?)
}
