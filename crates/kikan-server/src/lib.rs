//! kikan-server: the HTTP API (JSON; OpenAPI 3.1 at `/openapi.json`).
//!
//! **Architecture invariant:** the server is thin. It parses requests into domain
//! values (`dto`), calls the registry service or the store, and renders views. Only
//! this crate knows HTTP and the API's JSON shapes.

pub mod dto;
pub mod error;
pub mod routes;

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;
use kikan_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Today's date in Japan (the registry's calendar); replaceable in tests.
    pub today: Arc<dyn Fn() -> NaiveDate + Send + Sync>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState {
            store,
            today: Arc::new(japan_today),
        }
    }
}

/// Today in Japan Standard Time (UTC+9, no daylight saving).
pub fn japan_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kikan", description = "住民記録システム API: the resident registry of a municipality.", license(name = "Apache-2.0")),
    paths(
        routes::health, routes::list_tenants, routes::add_tenant, routes::record_change,
        routes::get_person, routes::person_history, routes::get_household, routes::household_history,
        routes::search, routes::residents, routes::ledger, routes::check,
    ),
    tags(
        (name = "tenants", description = "Municipalities (団体)"),
        (name = "changes", description = "異動 and the ledger"),
        (name = "residents", description = "住民票, 世帯, search and extraction"),
    )
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let t = "/api/v1/tenants/{tenant}";
    Router::new()
        .route("/health", get(routes::health))
        .route("/openapi.json", get(openapi))
        .route(
            "/api/v1/tenants",
            get(routes::list_tenants).post(routes::add_tenant),
        )
        .route(&format!("{t}/changes"), post(routes::record_change))
        .route(&format!("{t}/persons/{{id}}"), get(routes::get_person))
        .route(
            &format!("{t}/persons/{{id}}/history"),
            get(routes::person_history),
        )
        .route(
            &format!("{t}/households/{{id}}"),
            get(routes::get_household),
        )
        .route(
            &format!("{t}/households/{{id}}/history"),
            get(routes::household_history),
        )
        .route(&format!("{t}/search"), get(routes::search))
        .route(&format!("{t}/residents"), get(routes::residents))
        .route(&format!("{t}/ledger"), get(routes::ledger))
        .route(&format!("{t}/check"), post(routes::check))
        .layer(RequestBodyLimitLayer::new(1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the application on `listener` until ctrl-c.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
