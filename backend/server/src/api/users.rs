//! Users (admin): list, create, change, delete.

use longjobs_core::access::Role;
use longjobs_core::access::users::User;
use longjobs_openapi as wire;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::convert::{role_in, role_out, utc};
use crate::auth::{BearerAuth, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::service::users::{self, UserChange};
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

pub fn user_out(u: &User) -> wire::UserInfo {
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
        let all = users::list(&self.state.db).await?;
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
        let user = users::create(&self.state.db, &auth.0, username, hashed, role_in(role)).await?;
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
        let hashed = match password {
            Some(p) => Some(hash(&self.state, p.0).await?),
            None => None,
        };
        let change = UserChange {
            role: role.map(role_in),
            password_hash: hashed,
            disabled,
        };
        let user = users::update(&self.state.db, &auth.0, username.0, change).await?;
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
        users::delete(&self.state.db, &auth.0, username.0).await?;
        Ok(Deleted::Deleted)
    }
}
