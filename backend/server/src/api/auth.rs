//! `POST /api/auth/login`, `POST /api/auth/logout` and `GET /api/auth/me`.

use longjobs_core::access::users;
use longjobs_core::clock;
use longjobs_openapi::{LoginRequest, LoginResponse, Me};
use poem::web::RemoteAddr;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::convert::role_out;
use crate::auth::{BearerAuth, client_address, issue, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct AuthApi {
    pub state: AppState,
}

/// Signs a login token for a user (also used by the command line's bootstrap).
pub fn issue_login(state: &AppState, user: &users::User) -> ApiResult<LoginResponse> {
    let (token, expires_at) = issue(
        &state.auth.jwt_secret,
        user.id,
        &user.username,
        user.token_version,
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

#[derive(ApiResponse)]
pub enum SignedOut {
    /// Every login token of the caller has stopped working.
    #[oai(status = 204)]
    SignedOut,
}

#[OpenApi(tag = "Tag::Auth")]
impl AuthApi {
    /// Sign in.
    ///
    /// Exchanges a username and password for a login token (a JWT valid for a limited
    /// time). Failures back off: after a few for one username, or more for one client
    /// address, further attempts answer 429 for a while that doubles with each failure
    /// (at most 30 s per username, 5 minutes per address). The answer is never cached.
    #[oai(path = "/api/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        req: &poem::Request,
        remote: &RemoteAddr,
        body: Json<LoginRequest>,
    ) -> ApiResult<Json<LoginResponse>> {
        let LoginRequest { username, password } = body.0;
        let (username, password) = (username.0, password.0);
        // The client's IP (not its port: every connection has a new one), or the address
        // a trusted proxy forwarded for.
        let client = client_address(
            remote.as_socket_addr().map(|a| a.ip()),
            req.header("x-forwarded-for"),
            &self.state.auth.trusted_proxies,
        );
        if let Err(wait) = self.state.auth.limiter.check(&username, &client) {
            return Err(ApiError::too_many(format!(
                "too many failed sign-ins; try again in {wait} s"
            )));
        }
        let lookup = username.clone();
        let user = self.state.db.run(move |c| users::find(c, &lookup)).await?;
        // Verify against a dummy hash when the user is missing, so timing tells nothing.
        let hash = match &user {
            Some(u) if !u.disabled => u.password_hash.clone(),
            _ => DUMMY_HASH.clone(),
        };
        let pw = password.clone();
        let matched = self
            .state
            .auth
            .hashing
            .run(move || verify_password(&pw, &hash))
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        match user {
            Some(u) if matched && !u.disabled => {
                self.state.auth.limiter.succeeded(&username);
                tracing::info!(user = %u.username, "signed in");
                Ok(Json(issue_login(&self.state, &u)?))
            }
            _ => {
                self.state.auth.limiter.failed(&username, &client);
                tracing::warn!(user = %username, client = %client, "failed sign-in");
                Err(ApiError::unauthorized("invalid username or password"))
            }
        }
    }

    /// Sign out.
    ///
    /// Ends every login token of the caller (on every device): they answer 401 from now
    /// on. An API token is ended by revoking it instead (`POST /api/tokens/{id}/revoke`).
    #[oai(path = "/api/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: BearerAuth) -> ApiResult<SignedOut> {
        if auth.0.token_id.is_some() {
            return Err(ApiError::bad_request(
                "this is an API token: an admin revokes it with POST /api/tokens/{id}/revoke",
            ));
        }
        let id = auth.0.user_id;
        self.state
            .db
            .run(move |c| users::end_logins(c, id, clock::now()))
            .await?;
        tracing::info!(user = %auth.0.name, "signed out");
        Ok(SignedOut::SignedOut)
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
