//! Who is calling: the bearer-token security scheme and its role checks.

use longjobs_core::access::{Role, api_tokens, users};
use longjobs_core::clock;
use poem::{IntoResponse, Request};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::{API_TOKEN_PREFIX, hash_api_token, verify};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The username, or `token:<name>` for an API token.
    pub name: String,
    pub role: Role,
}

impl Principal {
    /// Refuses with 403 unless the caller's role covers `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} has role {}; this needs {needed}",
                self.name, self.role
            )))
        }
    }
}

/// A login token (JWT from `POST /api/auth/login`) or an API token, as
/// `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "JWT or lj_ API token",
    checker = "check"
)]
pub struct BearerAuth(pub Principal);

async fn check(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let Some(state) = req.data::<AppState>() else {
        return Err(reject(ApiError::internal(
            "authentication is not configured",
        )));
    };
    authenticate(state, &bearer.token).await.map_err(reject)
}

fn reject(e: ApiError) -> poem::Error {
    poem::Error::from_response(e.into_response())
}

/// Resolves a bearer token to a principal, reading the current role from the database
/// so deleted users, disabled users and revoked tokens stop working at once.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if let Some(_secret) = token.strip_prefix(API_TOKEN_PREFIX) {
        let hash = hash_api_token(token);
        let found = state
            .db
            .run(move |c| api_tokens::find_active(c, &hash, clock::now()))
            .await?;
        return found
            .map(|t| Principal {
                name: format!("token:{}", t.name),
                role: t.role,
            })
            .ok_or_else(|| ApiError::unauthorized("the API token is unknown or revoked"));
    }
    let claims = verify(&state.auth.jwt_secret, token).map_err(ApiError::unauthorized)?;
    let username = claims.sub.clone();
    let user = state.db.run(move |c| users::find(c, &username)).await?;
    match user {
        Some(u) if !u.disabled => Ok(Principal {
            name: u.username,
            role: u.role,
        }),
        Some(_) => Err(ApiError::unauthorized("the user is disabled")),
        None => Err(ApiError::unauthorized("the user no longer exists")),
    }
}
