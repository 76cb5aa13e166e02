//! API tokens (admin): list, create (the secret is shown once), revoke.

use longjobs_core::access::{Role, api_tokens};
use longjobs_core::clock;
use longjobs_openapi as wire;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::audit::record;
use super::convert::{role_in, role_out, utc};
use crate::auth::{BearerAuth, hash_api_token, new_api_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct TokensApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum Created {
    /// The token was created; its secret is in this answer only.
    #[oai(status = 201)]
    Created(Json<wire::CreatedToken>),
}

fn token_out(t: &api_tokens::ApiToken) -> wire::TokenInfo {
    wire::TokenInfo {
        id: t.id,
        name: t.name.clone(),
        role: role_out(t.role),
        created_by: t.created_by.clone(),
        created_at: utc(t.created_at),
        last_used_at: t.last_used_at.map(utc),
        revoked_at: t.revoked_at.map(utc),
    }
}

#[OpenApi(tag = "Tag::Tokens")]
impl TokensApi {
    /// List API tokens.
    ///
    /// Every token with its role, creator and last use; never the secrets.
    #[oai(path = "/api/tokens", method = "get", operation_id = "listTokens")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::TokenInfo>>> {
        auth.0.require(Role::Admin)?;
        let all = self.state.db.run(api_tokens::list).await?;
        Ok(Json(all.iter().map(token_out).collect()))
    }

    /// Create an API token.
    ///
    /// For scripts: use the returned secret as `Authorization: Bearer <secret>`. Only a
    /// hash is stored, so the secret cannot be shown again. The token belongs to the user
    /// who made it (for a token made with a token: that token's creator): it never acts
    /// with more than that user's current role, and is revoked when that user is deleted
    /// or disabled.
    #[oai(path = "/api/tokens", method = "post", operation_id = "createToken")]
    async fn create(&self, auth: BearerAuth, body: Json<wire::CreateToken>) -> ApiResult<Created> {
        auth.0.require(Role::Admin)?;
        let wire::CreateToken { name, role } = body.0;
        let name = name.0;
        let secret = new_api_token();
        let hash = hash_api_token(&secret);
        let (n, by, by_id) = (name.clone(), auth.0.name.clone(), auth.0.user_id);
        let token = self
            .state
            .db
            .run(move |c| api_tokens::create(c, &n, &hash, role_in(role), &by, by_id, clock::now()))
            .await?;
        record(
            &self.state,
            &auth.0,
            "tokens.create",
            &format!("token {} ({name})", token.id),
            "done",
            Some(format!("role {}", token.role)),
        )
        .await?;
        Ok(Created::Created(Json(wire::CreatedToken {
            token: token_out(&token),
            secret,
        })))
    }

    /// Revoke an API token.
    ///
    /// The token stops working at once. Revoking a revoked token changes nothing.
    #[oai(
        path = "/api/tokens/:id/revoke",
        method = "post",
        operation_id = "revokeToken"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::TokenInfo>> {
        auth.0.require(Role::Admin)?;
        let token_id = id.0;
        let token = self
            .state
            .db
            .run(move |c| api_tokens::revoke(c, token_id, clock::now()))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("there is no token {token_id}")))?;
        record(
            &self.state,
            &auth.0,
            "tokens.revoke",
            &format!("token {token_id} ({})", token.name),
            "done",
            None,
        )
        .await?;
        Ok(Json(token_out(&token)))
    }
}
