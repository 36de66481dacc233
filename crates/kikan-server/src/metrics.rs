//! What operators see: metrics in the Prometheus text format (`GET /metrics`, behind a
//! bearer token of its own, `KIKAN_METRICS_TOKEN`; without one the endpoint does not
//! exist) and readiness (`GET /ready`: does the database answer).
//!
//! The metrics are kept by the `metrics` crate in a recorder of this server's own
//! (`metrics-exporter-prometheus`), not a process-wide one, so that two servers in one
//! process keep their own counts:
//! - `kikan_http_requests_total{tenant,route,method,status}`: every answer, by the
//!   municipality it was for (`-` when none was registered) and the route's template;
//! - `kikan_http_request_duration_seconds{route,method}`: latency, as a histogram;
//! - `kikan_changes_total{tenant,reason}`: 異動 recorded, by 異動事由;
//! - `kikan_refusals_total{tenant,code}`: requests refused (401 and 403: no or another
//!   municipality's credential, a role not allowed, a 支援措置 refusal), by error code;
//! - `kikan_db_connections{state}` (busy, idle) and `kikan_commit_queue`: the database
//!   pool and the writes waiting to be durable, read at each scrape.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kikan_domain::{LedgerEntry, LocalGovCode};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latency buckets, in seconds: a counter screen is fast, a certificate takes longer.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The error code of a refused answer, left on the response for the metrics.
#[derive(Debug, Clone)]
pub struct ErrorCode(pub String);

/// This server's metrics.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// SHA-256 of the scrape token; None: the endpoint is off.
    token_hash: Option<String>,
}

impl Metrics {
    /// Metrics scraped with `token` (None: no endpoint; the counts are still kept).
    pub fn new(token: Option<&str>) -> Self {
        let builder = PrometheusBuilder::new();
        let recorder = match builder.set_buckets(BUCKETS) {
            Ok(b) => b.build_recorder(),
            Err(e) => {
                tracing::warn!(error = %e, "latency buckets refused; summaries instead");
                PrometheusBuilder::new().build_recorder()
            }
        };
        let handle = recorder.handle();
        Metrics(Arc::new(Inner {
            recorder,
            handle,
            token_hash: token
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(kikan_security::token::hash),
        }))
    }

    fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.0.recorder, f)
    }

    /// A recorded 異動.
    pub fn change(&self, tenant: LocalGovCode, entry: &LedgerEntry) {
        self.record(|| {
            metrics::counter!("kikan_changes_total",
                "tenant" => tenant.to_string(), "reason" => entry.reason().label())
            .increment(1)
        });
    }

    /// Drains the histograms' recent samples (run every few seconds).
    pub fn upkeep(&self) {
        self.0.handle.run_upkeep();
    }

    fn render(&self, gauges: kikan_store::StoreGauges) -> String {
        self.record(|| {
            let busy = gauges.connections.saturating_sub(gauges.idle);
            metrics::gauge!("kikan_db_connections", "state" => "busy").set(busy as f64);
            metrics::gauge!("kikan_db_connections", "state" => "idle").set(gauges.idle as f64);
            metrics::gauge!("kikan_commit_queue").set(gauges.commit_queue as f64);
        });
        self.0.handle.render()
    }
}

/// Keeps the histograms drained while the server runs.
pub fn spawn_upkeep(m: Metrics) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            m.upkeep();
        }
    });
}

/// The registered municipality a path names, for the tenant label.
async fn tenant_label(state: &AppState, path: &str) -> String {
    match path_tenant(path) {
        Some(c) if matches!(state.store.tenant(c).await, Ok(Some(_))) => c.to_string(),
        _ => "-".into(),
    }
}

/// The municipality a path under `/api/v1/tenants/` names, if its code is well formed.
fn path_tenant(path: &str) -> Option<LocalGovCode> {
    let code = path.strip_prefix("/api/v1/tenants/")?.split('/').next()?;
    LocalGovCode::parse(code).ok()
}

/// Middleware: counts and times every answer of a route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let Some(route) = route else {
        return res; // no route: nothing to label it by
    };
    // 通信ログ (10.2): a handler that failed to talk to another server said so.
    if let Some(f) = res.extensions().get::<crate::commlog::CommFailure>() {
        let operation = format!("{method} {route}");
        state
            .comm_log
            .note(f.peer, path_tenant(&path), &operation, &f.error)
            .await;
    }
    let secs = started.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    let tenant = tenant_label(&state, &path).await;
    let refused = matches!(status, 401 | 403).then(|| {
        res.extensions()
            .get::<ErrorCode>()
            .map(|c| c.0.clone())
            .unwrap_or_else(|| status.to_string())
    });
    state.metrics.record(|| {
        metrics::counter!("kikan_http_requests_total",
            "tenant" => tenant.clone(), "route" => route.clone(),
            "method" => method.clone(), "status" => status.to_string())
        .increment(1);
        metrics::histogram!("kikan_http_request_duration_seconds",
            "route" => route, "method" => method)
        .record(secs);
        if let Some(code) = refused {
            metrics::counter!("kikan_refusals_total", "tenant" => tenant, "code" => code)
                .increment(1);
        }
    });
    res
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    description = "Metrics in the Prometheus text format, for `Authorization: Bearer <KIKAN_METRICS_TOKEN>` (a token of its own, not a staff credential).",
    responses((status = 200, description = "Prometheus text format (version 0.0.4)", content_type = "text/plain"),
        (status = 401, description = "No or a wrong metrics token", body = ErrorBody),
        (status = 404, description = "No metrics token is configured (KIKAN_METRICS_TOKEN)", body = ErrorBody)))]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = &state.metrics.0.token_hash else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "E-HTTP-404",
            "メトリクスは無効です(KIKAN_METRICS_TOKEN で有効にします)",
        )
        .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| kikan_security::token::hash(t.trim()));
    if given.as_ref() != Some(expected) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E-AUTH-001",
            "メトリクスの取得には専用のトークンが必要です",
        )
        .into_response();
    }
    let body = state.metrics.render(state.store.gauges());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The readiness answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReadyView {
    pub ready: bool,
    /// sqlite or postgres.
    pub engine: String,
    /// Why not, when not ready.
    pub message: Option<String>,
}

#[utoipa::path(get, path = "/ready", tag = "operations",
    responses((status = 200, description = "The database answers", body = ReadyView),
        (status = 503, description = "The database does not answer (within 2 s)", body = ReadyView)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let engine = state.store.engine().to_string();
    let answer = tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await;
    let (status, message) = match answer {
        Ok(Ok(())) => (StatusCode::OK, None),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database failed");
            (StatusCode::SERVICE_UNAVAILABLE, Some(e.to_string()))
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("データベースが2秒以内に応答しません".to_string()),
        ),
    };
    let view = ReadyView {
        ready: status == StatusCode::OK,
        engine,
        message,
    };
    (status, axum::Json(view)).into_response()
}
