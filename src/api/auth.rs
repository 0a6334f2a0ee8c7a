//! Bearer-token authentication and the coarse role checks of the API.

use entity::enums::Role;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::error::ApiError;
use crate::AppState;
use crate::service::{Actor, auth};

/// A bearer token issued by `zhaoshang token create`, `POST /api/v1/tokens`, or printed at
/// first start.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_bearer")]
pub struct BearerAuth(pub Actor);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Actor> {
    let state = req.data::<AppState>().expect("AppState is attached to the app");
    match auth::authenticate(&state.db, &bearer.token).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(ApiError::unauthorized("the bearer token is unknown, revoked or expired").into()),
        Err(err) => Err(ApiError::from(err).into()),
    }
}

impl BearerAuth {
    /// Only administrators manage users and reference data.
    pub fn require_admin(&self) -> Result<&Actor, ApiError> {
        match self.0.role {
            Role::Admin => Ok(&self.0),
            _ => Err(ApiError::forbidden("only an administrator may do this")),
        }
    }

    /// Leaders read everything and write nothing.
    pub fn require_writer(&self) -> Result<&Actor, ApiError> {
        match self.0.role {
            Role::Leader => Err(ApiError::forbidden("leaders read but do not change data")),
            _ => Ok(&self.0),
        }
    }
}
