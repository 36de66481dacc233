//! 日次処理 (9.1): the daily work run by the server, its run history, a run on request,
//! and the 転入通知未着者一覧 (4.1.3.1.4) it leaves for staff.

use crate::auth::Principal;
use crate::dto::PersonView;
use crate::error::ApiError;
use crate::routes::audit;
use crate::support::Protection;
use crate::{AppState, dto};
use axum::Json;
use axum::extract::State;
use axum::{Extension, http::StatusCode};
use kikan_app::daily;
use kikan_store::jobs::JobRun;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// Runs the daily work for every municipality once a day: at start, then hourly for any
/// whose run of today has not ended well (a failed run is retried; one that ended is
/// not repeated).
pub fn spawn_daily(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        let by = format!(
            "server:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "kikan".into())
        );
        loop {
            tick.tick().await;
            let today = state.clock.today();
            let tenants = match state.store.tenants().await {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "daily work: tenants unreadable");
                    continue;
                }
            };
            for t in tenants {
                match daily::done_today(&*state.store, t.code, today).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(tenant = %t.code, error = %e, "daily work: run history unreadable");
                        continue;
                    }
                }
                match daily::run(&*state.store, t.code, today, &by).await {
                    Ok(run) => {
                        tracing::info!(tenant = %t.code, detail = %run.detail, "daily work done")
                    }
                    Err(e) => tracing::warn!(tenant = %t.code, error = %e, "daily work failed"),
                }
            }
        }
    });
}

/// One run of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobRunView {
    pub id: i64,
    pub job: String,
    /// The date whose work it did.
    pub on: dto::DateView,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    /// 正常終了 (true) or 異常終了.
    pub ok: bool,
    pub detail: String,
    pub by: String,
}

impl From<&JobRun> for JobRunView {
    fn from(r: &JobRun) -> Self {
        JobRunView {
            id: r.id,
            job: r.job.clone(),
            on: dto::date_view(r.on),
            started_at: r.started_at,
            finished_at: r.finished_at,
            ok: r.ok,
            detail: r.detail.clone(),
            by: r.by.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/jobs/daily", tag = "operations",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The daily work's latest runs, newest first", body = Vec<JobRunView>)))]
pub async fn runs(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<JobRunView>>> {
    let runs = state.store.job_runs(p.tenant, daily::JOB, 100).await?;
    Ok(Json(runs.iter().map(JobRunView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/jobs/daily", tag = "operations",
    params(("tenant" = String, Path)),
    responses((status = 201, description = "Run now (again after a failure); nothing is applied twice", body = JobRunView),
              (status = 500, body = crate::error::ErrorBody)))]
pub async fn run_now(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<(StatusCode, Json<JobRunView>)> {
    audit(&state, &p, "job.run", vec![], "日次処理の実行").await?;
    let run = daily::run(
        &*state.store,
        p.tenant,
        state.clock.today(),
        &p.actor().name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(JobRunView::from(&run))))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/move-outs/awaiting-notice", tag = "residents",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "転入通知未着者一覧 (4.1.3.1.4): 除票 of a 転出 removed on its planned date whose 転入通知 has not come", body = Vec<PersonView>)))]
pub async fn awaiting_notice(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<PersonView>>> {
    p.purpose()?;
    let found = daily::awaiting_notice(&*state.store, p.tenant).await?;
    let ids: Vec<kikan_domain::PersonId> = found.iter().map(|x| x.id).collect();
    audit(
        &state,
        &p,
        "move_out.awaiting_notice",
        ids.iter().map(|x| x.0).collect(),
        "転入通知未着者一覧の参照",
    )
    .await?;
    let shield = Protection::of(&state, &p, &ids).await?;
    Ok(Json(found.iter().map(|x| shield.person(x)).collect()))
}
