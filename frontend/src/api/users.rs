//! Users and API tokens (admin only).

use longjobs_openapi::{
    CreateToken, CreateUser, CreatedToken, Role, TokenInfo, UpdateUser, UserInfo,
};

use super::ApiError;
use super::client::{self, encode};

pub async fn list() -> Result<Vec<UserInfo>, ApiError> {
    client::get("/api/users").await
}

pub async fn create(username: &str, password: &str, role: Role) -> Result<UserInfo, ApiError> {
    let body = CreateUser {
        username: username.into(),
        password: password.into(),
        role,
    };
    client::post("/api/users", &body).await
}

pub async fn update(username: &str, change: UpdateUser) -> Result<UserInfo, ApiError> {
    client::patch(&format!("/api/users/{}", encode(username)), &change).await
}

pub async fn delete(username: &str) -> Result<(), ApiError> {
    client::delete(&format!("/api/users/{}", encode(username))).await
}

pub async fn tokens() -> Result<Vec<TokenInfo>, ApiError> {
    client::get("/api/tokens").await
}

pub async fn create_token(name: &str, role: Role) -> Result<CreatedToken, ApiError> {
    let body = CreateToken {
        name: name.into(),
        role,
    };
    client::post("/api/tokens", &body).await
}

pub async fn revoke_token(id: i64) -> Result<TokenInfo, ApiError> {
    client::post_empty(&format!("/api/tokens/{id}/revoke")).await
}
