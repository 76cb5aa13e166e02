//! `POST /api/auth/login` and `GET /api/auth/me`.

use longjobs_core::access::users;
use longjobs_openapi::{LoginRequest, LoginResponse, Me};
use poem::web::RemoteAddr;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::role_out;
use crate::auth::{BearerAuth, issue, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct AuthApi {
    pub state: AppState,
}

/// Signs a login token for a user (also used by the command line's bootstrap).
pub fn issue_login(state: &AppState, user: &users::User) -> ApiResult<LoginResponse> {
    let (token, expires_at) = issue(
        &state.auth.jwt_secret,
        &user.username,
        user.role.as_str(),
        state.auth.token_ttl,
    )
    .map_err(|e| ApiError::internal(format!("cannot sign a token: {e}")))?;
    Ok(LoginResponse {
        token,
        token_type: "Bearer".into(),
        expires_at,
        username: user.username.clone(),
        role: role_out(user.role),
    })
}

#[OpenApi(tag = "Tag::Auth")]
impl AuthApi {
    /// Sign in.
    ///
    /// Exchanges a username and password for a login token (a JWT valid for a limited
    /// time). Repeated failures for one username or one client answer 429 for a while.
    #[oai(path = "/api/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        remote: &RemoteAddr,
        body: Json<LoginRequest>,
    ) -> ApiResult<Json<LoginResponse>> {
        let LoginRequest { username, password } = body.0;
        let (username, password) = (username.0, password.0);
        // The client's IP (not its port: every connection has a new one).
        let client = match remote.as_socket_addr() {
            Some(a) => format!("ip:{}", a.ip()),
            None => format!("addr:{remote}"),
        };
        let name_key = format!("user:{username}");
        let keys = [name_key.as_str(), client.as_str()];
        if let Err(wait) = self.state.auth.limiter.check(&keys) {
            return Err(ApiError::too_many(format!(
                "too many failed sign-ins; try again in {wait} s"
            )));
        }
        let lookup = username.clone();
        let user = self.state.db.run(move |c| users::find(c, &lookup)).await?;
        // Verify against a dummy hash when the user is missing, so timing tells nothing.
        let ok = match &user {
            Some(u) if !u.disabled => {
                let (pw, hash) = (password.clone(), u.password_hash.clone());
                tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
                    .await
                    .unwrap_or(false)
            }
            _ => {
                let pw = password.clone();
                let _ =
                    tokio::task::spawn_blocking(move || verify_password(&pw, &DUMMY_HASH)).await;
                false
            }
        };
        match user {
            Some(u) if ok => {
                self.state.auth.limiter.succeeded(&keys);
                tracing::info!(user = %u.username, "signed in");
                Ok(Json(issue_login(&self.state, &u)?))
            }
            _ => {
                self.state.auth.limiter.failed(&keys);
                tracing::warn!(user = %username, client = %remote, "failed sign-in");
                Err(ApiError::unauthorized("invalid username or password"))
            }
        }
    }

    /// Who am I?
    ///
    /// The caller's name and role, as the server sees them now.
    #[oai(path = "/api/auth/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: BearerAuth) -> ApiResult<Json<Me>> {
        Ok(Json(Me {
            name: auth.0.name,
            role: role_out(auth.0.role),
        }))
    }
}

/// A real argon2 hash of a throwaway password, so refusals take as long as checks.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::auth::hash_password("longjobs-dummy-password").unwrap_or_default()
});
