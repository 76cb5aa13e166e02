//! The admin API under `/admin`: fault knobs, reset and a view of all state, in JSON.
//!
//! - `GET /admin/faults`: the [`FaultPlan`] in force, counters showing what is left.
//! - `PUT /admin/faults`: replace the plan as a whole (400 with the reason when invalid).
//! - `POST /admin/reset`: forget all depositions, submissions, counters and faults (204);
//!   the start-up faults and seed come back.
//! - `GET /admin/state`: a [`StateSnapshot`](crate::state::StateSnapshot).
//!
//! Admin requests are neither counted nor faulted.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Response, Route, get, handler, post};
use serde::Serialize;

use crate::faults::FaultPlan;
use crate::state::Sim;

/// The routes under `/admin`.
pub fn routes() -> Route {
    Route::new()
        .at("/faults", get(get_faults).put(put_faults))
        .at("/reset", post(reset))
        .at("/state", get(state))
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => Response::builder()
            .status(status)
            .content_type("application/json")
            .body(body),
        Err(error) => problem(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

fn problem(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({"status": status.as_u16(), "message": message}),
    )
}

#[handler]
fn get_faults(Data(sim): Data<&Arc<Sim>>) -> Response {
    json(StatusCode::OK, &sim.faults())
}

#[handler]
async fn put_faults(body: Body, Data(sim): Data<&Arc<Sim>>) -> Response {
    let bytes = match body.into_bytes().await {
        Ok(bytes) => bytes,
        Err(error) => return problem(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let plan: FaultPlan = match serde_json::from_slice(&bytes) {
        Ok(plan) => plan,
        Err(error) => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("invalid fault plan: {error}"),
            );
        }
    };
    if let Err(error) = plan.validate() {
        return problem(StatusCode::BAD_REQUEST, &error.to_string());
    }
    sim.set_faults(plan);
    json(StatusCode::OK, &sim.faults())
}

#[handler]
fn reset(Data(sim): Data<&Arc<Sim>>) -> StatusCode {
    sim.reset();
    StatusCode::NO_CONTENT
}

#[handler]
fn state(Data(sim): Data<&Arc<Sim>>) -> Response {
    json(StatusCode::OK, &sim.snapshot())
}
