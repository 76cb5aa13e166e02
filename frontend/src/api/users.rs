//! Users and API tokens (admin only).

use longjobs_openapi::{
    CreateToken, CreateUser, CreatedToken, Role, TokenInfo, UpdateUser, UserInfo,
};

use super::ApiError;
use super::client::{self, Get, encode};

pub fn list() -> Get<Vec<UserInfo>> {
    Get::new("/api/users")
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

pub fn tokens() -> Get<Vec<TokenInfo>> {
    Get::new("/api/tokens")
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
