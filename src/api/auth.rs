//! Bearer-token authentication: who is calling. What they may do is decided in
//! `domain::access`, applied by the services.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::error::ApiError;
use crate::service::{Actor, auth};
use crate::state::AppState;

/// A bearer token issued by `zhaoshang token create`, `POST /api/v1/tokens`, or printed at
/// first start.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_bearer")]
pub struct BearerAuth(pub Actor);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Actor> {
    let state = req.data::<AppState>().expect("AppState is attached to the app");
    match auth::authenticate(&state.tokens, &state.token_uses, &state.reader, &bearer.token).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(ApiError::unauthorized(super::messages::Message::TokenUnknown.text()).into()),
        Err(err) => Err(ApiError::from(err).into()),
    }
}
