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
    /// The role now: the user's, or for an API token the lower of its own and its
    /// creator's.
    pub role: Role,
    /// The person behind the call: the user, or the API token's creator.
    pub user_id: i64,
    /// That person's username.
    pub user: String,
    /// The API token used, if any.
    pub token_id: Option<i64>,
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

/// Resolves a bearer token to a principal, reading the current user from the database so
/// deleted and disabled users, signed-out or re-passworded logins and revoked tokens stop
/// working at once. An API token works only while its creator exists and is enabled, with
/// at most the creator's current role.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if token.starts_with(API_TOKEN_PREFIX) {
        let hash = hash_api_token(token);
        let found = state
            .db
            .run(move |c| api_tokens::find_usable(c, &hash, clock::now()))
            .await?;
        return found
            .map(|(t, creator)| Principal {
                name: format!("token:{}", t.name),
                role: t.role.min(creator.role),
                user_id: creator.id,
                user: creator.username,
                token_id: Some(t.id),
            })
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the API token is unknown or revoked, or its creator is deleted or disabled",
                )
            });
    }
    let claims = verify(&state.auth.jwt_secret, token).map_err(ApiError::unauthorized)?;
    let Ok(id) = claims.sub.parse::<i64>() else {
        return Err(ApiError::unauthorized(
            "the token is from an older version of longjobs; sign in again",
        ));
    };
    let user = state.db.run(move |c| users::find_by_id(c, id)).await?;
    match user {
        Some(u) if u.disabled => Err(ApiError::unauthorized("the user is disabled")),
        Some(u) if u.token_version != claims.ver => Err(ApiError::unauthorized(
            "the token was ended (sign-out, password change or disable); sign in again",
        )),
        Some(u) => Ok(Principal {
            name: u.username.clone(),
            role: u.role,
            user_id: u.id,
            user: u.username,
            token_id: None,
        }),
        None => Err(ApiError::unauthorized("the user no longer exists")),
    }
}
