//! Signing in and asking who the caller is.

use longjobs_openapi::{LoginRequest, LoginResponse, Me};

use super::{ApiError, client};

pub async fn login(username: &str, password: &str) -> Result<LoginResponse, ApiError> {
    let body = LoginRequest {
        username: username.into(),
        password: password.into(),
    };
    client::post("/api/auth/login", &body).await
}

pub async fn me() -> Result<Me, ApiError> {
    client::Get::new("/api/auth/me").send().await
}

/// Ends every login token of the caller on the server (204).
pub async fn logout() -> Result<(), ApiError> {
    client::post_empty("/api/auth/logout").await
}
