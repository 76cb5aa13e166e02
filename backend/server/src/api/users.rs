//! Users (admin): list, create, change, delete.

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use longjobs_openapi as wire;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::audit::record;
use super::convert::{role_in, role_out, utc};
use crate::auth::{BearerAuth, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct UsersApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum Created {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<wire::UserInfo>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// The user was deleted; their login tokens stop working at once.
    #[oai(status = 204)]
    Deleted,
}

pub fn user_out(u: &users::User) -> wire::UserInfo {
    wire::UserInfo {
        username: u.username.clone(),
        role: role_out(u.role),
        disabled: u.disabled,
        created_at: utc(u.created_at),
        updated_at: utc(u.updated_at),
    }
}

/// Checks a username's characters (length is checked by the schema).
pub fn check_username(name: &str) -> ApiResult<()> {
    crate::auth::rules::check_username(name).map_err(ApiError::bad_request)
}

async fn hash(state: &AppState, password: String) -> ApiResult<String> {
    state
        .auth
        .hashing
        .run(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?
        .map_err(ApiError::internal)
}

#[OpenApi(tag = "Tag::Users")]
impl UsersApi {
    /// List users.
    #[oai(path = "/api/users", method = "get", operation_id = "listUsers")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::UserInfo>>> {
        auth.0.require(Role::Admin)?;
        let all = self.state.db.run(users::list).await?;
        Ok(Json(all.iter().map(user_out).collect()))
    }

    /// Create a user.
    ///
    /// The password must have at least 12 characters; it is stored as an argon2 hash.
    #[oai(path = "/api/users", method = "post", operation_id = "createUser")]
    async fn create(&self, auth: BearerAuth, body: Json<wire::CreateUser>) -> ApiResult<Created> {
        auth.0.require(Role::Admin)?;
        let wire::CreateUser {
            username,
            password,
            role,
        } = body.0;
        let (username, password) = (username.0, password.0);
        check_username(&username)?;
        let hashed = hash(&self.state, password).await?;
        let name = username.clone();
        let res = self
            .state
            .db
            .run(move |c| users::create(c, &name, &hashed, role_in(role), clock::now()))
            .await;
        let user = match res {
            Ok(u) => u,
            Err(longjobs_core::DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => {
                return Err(ApiError::conflict(format!(
                    "user {username:?} already exists"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        record(
            &self.state,
            &auth.0,
            "users.create",
            &format!("user {username}"),
            "done",
            Some(format!("role {}", user.role)),
        )
        .await?;
        Ok(Created::Created(Json(user_out(&user))))
    }

    /// Change a user.
    ///
    /// Sets a new role, password or disabled flag; absent fields stay as they are. A new
    /// password or disabling ends the user's login tokens; disabling revokes the API
    /// tokens they made. The last enabled admin cannot be demoted or disabled, and no one
    /// demotes or disables themself (409).
    #[oai(
        path = "/api/users/:username",
        method = "patch",
        operation_id = "updateUser"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        username: Path<String>,
        body: Json<wire::UpdateUser>,
    ) -> ApiResult<Json<wire::UserInfo>> {
        auth.0.require(Role::Admin)?;
        let wire::UpdateUser {
            role,
            password,
            disabled,
        } = body.0;
        if username.0 == auth.0.user
            && (disabled == Some(true) || role.is_some_and(|r| role_in(r) != Role::Admin))
        {
            return Err(ApiError::conflict(
                "you cannot demote or disable yourself (nor through an API token you made); \
                 another admin can",
            ));
        }
        let hashed = match password {
            Some(p) => Some(hash(&self.state, p.0).await?),
            None => None,
        };
        let name = username.0.clone();
        let change = self
            .state
            .db
            .run(move |c| {
                users::update(
                    c,
                    &name,
                    role.map(role_in),
                    hashed.as_deref(),
                    disabled,
                    clock::now(),
                )
            })
            .await?;
        let user = match change {
            users::Change::Done(u) => u,
            users::Change::NotFound => {
                return Err(ApiError::not_found(format!(
                    "there is no user {:?}",
                    username.0
                )));
            }
            users::Change::LastAdmin => {
                return Err(ApiError::conflict(format!(
                    "{:?} is the last enabled admin: make another admin first",
                    username.0
                )));
            }
        };
        record(
            &self.state,
            &auth.0,
            "users.update",
            &format!("user {}", username.0),
            "done",
            None,
        )
        .await?;
        Ok(Json(user_out(&user)))
    }

    /// Delete a user.
    ///
    /// An admin cannot delete themself (not even through an API token they made), nor the
    /// last enabled admin (409). The user's login tokens stop working and the API tokens
    /// they made are revoked.
    #[oai(
        path = "/api/users/:username",
        method = "delete",
        operation_id = "deleteUser"
    )]
    async fn delete(&self, auth: BearerAuth, username: Path<String>) -> ApiResult<Deleted> {
        auth.0.require(Role::Admin)?;
        if username.0 == auth.0.user {
            return Err(ApiError::conflict(if auth.0.token_id.is_some() {
                "you cannot delete yourself (this API token is yours)"
            } else {
                "you cannot delete yourself"
            }));
        }
        let name = username.0.clone();
        let change = self
            .state
            .db
            .run(move |c| users::delete(c, &name, clock::now()))
            .await?;
        match change {
            users::Change::Done(_) => {}
            users::Change::NotFound => {
                return Err(ApiError::not_found(format!(
                    "there is no user {:?}",
                    username.0
                )));
            }
            users::Change::LastAdmin => {
                return Err(ApiError::conflict(format!(
                    "{:?} is the last enabled admin: make another admin first",
                    username.0
                )));
            }
        }
        record(
            &self.state,
            &auth.0,
            "users.delete",
            &format!("user {}", username.0),
            "done",
            None,
        )
        .await?;
        Ok(Deleted::Deleted)
    }
}
