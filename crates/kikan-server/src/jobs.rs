//! 日次処理 (9.1): the daily work run by the server, its run history, a run on request,
//! and the 転入通知未着者一覧 (4.1.3.1.4) it leaves for staff.

use crate::auth::Principal;
use crate::dto::PersonView;
use crate::error::ApiError;
use crate::routes::audit;
use crate::support::Protection;
use crate::{AppState, dto};
use axum::Json;
use axum::extract::{Path, State};
use axum::{Extension, http::StatusCode};
use kikan_app::daily;
use kikan_store::jobs::JobRun;
use serde::{Deserialize, Serialize};
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
            // 通信ログ (10.2): day files past each municipality's 保管期間 go.
            crate::commlog::upkeep(&state, today).await;
            let tenants = match state.store.tenants().await {
                Ok(t) => t,
                Err(e) => {
                    state
                        .comm_log
                        .note(
                            crate::commlog::Peer::Database,
                            None,
                            "日次処理(団体の一覧)",
                            &e.to_string(),
                        )
                        .await;
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
                    Ok(run) if run.ok => {
                        tracing::info!(tenant = %t.code, detail = %run.detail, "daily work done")
                    }
                    Ok(run) => {
                        tracing::warn!(tenant = %t.code, detail = %run.detail, "daily work failed");
                        raise(&state, t.code, run).await;
                    }
                    Err(e) => tracing::warn!(tenant = %t.code, error = %e, "daily work unrecorded"),
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
    /// 処理端末名称: the server's host, `cli:<user>` or the staff member.
    pub by: String,
    /// The parameters it ran with.
    #[schema(value_type = serde_json::Value)]
    pub params: Option<serde_json::Value>,
    /// The error's stable code, when it failed.
    pub error_code: Option<String>,
    /// Whether it wrote a file (`GET …/jobs/runs/{id}/output`).
    pub has_output: bool,
    /// The schedule that started it (none: by hand).
    pub schedule: Option<i64>,
    /// 処理時間 in milliseconds.
    pub duration_ms: i64,
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
            params: r.params.clone(),
            error_code: r.error_code.clone(),
            has_output: r.output.is_some(),
            schedule: r.schedule,
            duration_ms: (r.finished_at - r.started_at).num_milliseconds(),
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
    crate::commlog::prune_tenant(&state, p.tenant, state.clock.today()).await;
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

/// Runs a job on a thread of its own at the lowest priority (9.1: a large batch leaves
/// the counter's requests unaffected), recorded as [`kikan_app::jobs::run`] does.
async fn run_in_background(
    state: &AppState,
    tenant: kikan_domain::LocalGovCode,
    job: kikan_app::jobs::Job,
    params: serde_json::Value,
    on: chrono::NaiveDate,
    by: String,
    schedule: Option<i64>,
) -> Result<JobRun, kikan_store::StoreError> {
    let store = state.store.clone();
    let dir = state.batch_dir.clone();
    let cs = state.cs.as_ref().map(|l| l.link.clone());
    kikan_app::background::at_low_priority(tokio::runtime::Handle::current(), async move {
        let start = kikan_app::jobs::Start {
            by: &by,
            schedule,
            dir: &dir,
            cs: cs.as_deref(),
        };
        kikan_app::jobs::run(&*store, tenant, job, params, on, start).await
    })
    .await
    .unwrap_or_else(|| {
        Err(kikan_store::StoreError::Database(
            "the batch thread stopped".into(),
        ))
    })
}

/// Hands a failed run to the notification command, off the runtime's threads.
async fn raise(state: &AppState, tenant: kikan_domain::LocalGovCode, run: JobRun) {
    let command = state.alert_command.clone();
    let _ = tokio::task::spawn_blocking(move || {
        kikan_app::jobs::alert(command.as_deref(), tenant, &run)
    })
    .await;
}

fn host() -> String {
    format!(
        "server:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "kikan".into())
    )
}

/// Japan's local time now (the schedules are set in it).
pub fn japan_now() -> chrono::NaiveDateTime {
    (chrono::Utc::now() + chrono::Duration::hours(9)).naive_utc()
}

/// Runs every schedule due at `now` (Japan's local time) in every municipality: the
/// latest slot of each since it was set, claimed first so that no slot runs twice.
/// Returns the runs made.
pub async fn run_due(state: &AppState, now: chrono::NaiveDateTime) -> Vec<JobRun> {
    let mut done = Vec::new();
    let tenants = match state.store.tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "scheduler: tenants unreadable");
            return done;
        }
    };
    let by = host();
    for t in tenants {
        let schedules = match state.store.job_schedules(t.code).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(tenant = %t.code, error = %e, "scheduler: schedules unreadable");
                continue;
            }
        };
        for s in schedules.into_iter().filter(|s| s.active) {
            let set = (s.set_at + chrono::Duration::hours(9)).naive_utc();
            let Some(slot) = s.schedule.due(set, now) else {
                continue;
            };
            let key = slot.format("%Y-%m-%dT%H:%M").to_string();
            match state.store.claim_job_slot(t.code, s.id, &key).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(tenant = %t.code, error = %e, "scheduler: slot unclaimed");
                    continue;
                }
            }
            let Ok(job) = kikan_app::jobs::Job::parse(&s.job) else {
                continue;
            };
            match run_in_background(
                state,
                t.code,
                job,
                s.params.clone(),
                slot.date(),
                by.clone(),
                Some(s.id),
            )
            .await
            {
                Ok(run) => {
                    if !run.ok {
                        raise(state, t.code, run.clone()).await;
                    }
                    done.push(run);
                }
                Err(e) => tracing::warn!(tenant = %t.code, error = %e, "scheduler: run unrecorded"),
            }
        }
    }
    done
}

/// スケジュール管理による起動: looks for due schedules every minute.
pub fn spawn_scheduler(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            run_due(&state, japan_now()).await;
        }
    });
}

/// A job as the batch screen offers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub job: &'static str,
    pub label: &'static str,
    /// 前回のパラメータ: the parameters of its latest run, to start from.
    #[schema(value_type = serde_json::Value)]
    pub last_params: Option<serde_json::Value>,
    pub last_run: Option<JobRunView>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/jobs", tag = "operations",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "バッチ処理 (9.1): the jobs (daily, statistics, euc, inspection, cs_reconcile), each with its latest run and that run's parameters (前回のパラメータ)", body = Vec<JobView>)))]
pub async fn catalogue(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<JobView>>> {
    let mut out = Vec::new();
    for job in kikan_app::jobs::Job::ALL {
        let last = state.store.job_runs(p.tenant, job.code(), 1).await?;
        let last = last.first();
        out.push(JobView {
            job: job.code(),
            label: job.label(),
            last_params: last.and_then(|r| r.params.clone()),
            last_run: last.map(JobRunView::from),
        });
    }
    Ok(Json(out))
}

/// A run asked for by hand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RunIn {
    #[schema(value_type = serde_json::Value)]
    #[serde(default)]
    pub params: serde_json::Value,
}

/// An EUC job runs with the items hidden from whoever set it, and their purpose when
/// the parameters name none.
fn own_params(
    p: &Principal,
    job: kikan_app::jobs::Job,
    mut params: serde_json::Value,
) -> serde_json::Value {
    if job == kikan_app::jobs::Job::Euc
        && let Some(o) = params.as_object_mut()
    {
        let hidden: Vec<&str> = p.hidden.iter().map(|i| i.code()).collect();
        o.insert("hidden".into(), serde_json::json!(hidden));
        if o.get("purpose")
            .and_then(|v| v.as_str())
            .is_none_or(|s| s.trim().is_empty())
            && let Some(purpose) = &p.purpose
        {
            o.insert("purpose".into(), serde_json::json!(purpose));
        }
    }
    params
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/jobs/{job}/run", tag = "operations",
    request_body = RunIn, params(("tenant" = String, Path), ("job" = String, Path)),
    responses((status = 201, description = "Runs a job now with these parameters (the previous run's, changed where staff changed them; the changed ones are named in the record); a failed run is recorded with its error's code and raises the alert", body = JobRunView),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn run_job(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Json(input): Json<RunIn>,
) -> R<(StatusCode, Json<JobRunView>)> {
    let job = path.1;
    let job = kikan_app::jobs::Job::parse(&job).map_err(|e| ApiError::from(e).at("job"))?;
    let params = own_params(&p, job, input.params);
    let today = state.clock.today();
    kikan_app::jobs::check(job, &params, today).map_err(|e| ApiError::from(e).at("params"))?;
    audit(
        &state,
        &p,
        "job.run",
        vec![],
        format!("バッチ処理の実行: {}", job.label()),
    )
    .await?;
    // 処理端末名称: the staff member, at the registered terminal when the request named one.
    let by = match &p.terminal {
        Some(t) => format!("{} ({t})", p.actor().name),
        None => p.actor().name,
    };
    let run = run_in_background(&state, p.tenant, job, params, today, by, None).await?;
    if !run.ok {
        raise(&state, p.tenant, run.clone()).await;
    }
    Ok((StatusCode::CREATED, Json(JobRunView::from(&run))))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/jobs/{job}/runs", tag = "operations",
    params(("tenant" = String, Path), ("job" = String, Path)),
    responses((status = 200, description = "実行結果: a job's latest 100 runs, newest first (処理内容, 結果, 処理時間, 処理端末, the error's code)", body = Vec<JobRunView>),
              (status = 422, description = "No such job (E-CODE-005)", body = crate::error::ErrorBody)))]
pub async fn job_runs(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<Vec<JobRunView>>> {
    let job = path.1;
    let job = kikan_app::jobs::Job::parse(&job).map_err(|e| ApiError::from(e).at("job"))?;
    let runs = state.store.job_runs(p.tenant, job.code(), 100).await?;
    Ok(Json(runs.iter().map(JobRunView::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/jobs/runs/{id}/output", tag = "operations",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The file a run wrote (統計 CSV or XLSX, EUC CSV/XML); a purpose is required and the read is audited", content_type = "application/octet-stream"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn output(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<axum::response::Response> {
    let id = path.1;
    p.purpose()?;
    let run = state.store.job_run(p.tenant, id).await?;
    let Some((run, file)) = run.and_then(|r| r.output.clone().map(|f| (r, f))) else {
        return Err(ApiError::not_found("実行結果の出力"));
    };
    // The name was made by kikan; a path in it is refused all the same.
    if file.contains('/') || file.contains("..") {
        return Err(ApiError::not_found("実行結果の出力"));
    }
    let path = kikan_app::jobs::tenant_dir(&state.batch_dir, p.tenant).join(&file);
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::not_found("実行結果の出力"))?;
    audit(
        &state,
        &p,
        "job.output",
        vec![],
        format!("バッチ処理の出力の参照: {} {file}", run.job),
    )
    .await?;
    let ctype = if file.ends_with(".xml") {
        "application/xml; charset=utf-8"
    } else if file.ends_with(".xlsx") {
        crate::routes::XLSX
    } else if file.ends_with("-sjis.csv") {
        "text/csv; charset=shift_jis"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(crate::routes::file_response(bytes, ctype, &file))
}

/// A schedule as the screen shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    pub id: i64,
    pub job: String,
    #[schema(value_type = Object)]
    pub schedule: kikan_domain::schedule::Schedule,
    /// 毎週水曜日 02:00 …
    pub label: String,
    /// The next time it starts (Japan's local time), if it will.
    pub next: Option<chrono::NaiveDateTime>,
    #[schema(value_type = serde_json::Value)]
    pub params: serde_json::Value,
    pub active: bool,
    pub set_by: String,
    pub set_at: chrono::DateTime<chrono::Utc>,
}

fn schedule_view(s: &kikan_store::jobs::JobSchedule, now: chrono::NaiveDateTime) -> ScheduleView {
    ScheduleView {
        id: s.id,
        job: s.job.clone(),
        schedule: s.schedule,
        label: s.schedule.label(),
        next: if s.active { s.schedule.next(now) } else { None },
        params: s.params.clone(),
        active: s.active,
        set_by: s.set_by.clone(),
        set_at: s.set_at,
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/jobs/schedules", tag = "operations",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "スケジュール管理 (9.1): every schedule with its next start", body = Vec<ScheduleView>)))]
pub async fn schedules(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<ScheduleView>>> {
    let now = japan_now();
    let all = state.store.job_schedules(p.tenant).await?;
    Ok(Json(all.iter().map(|s| schedule_view(s, now)).collect()))
}

/// A schedule to add (no `id`) or to change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleIn {
    pub id: Option<i64>,
    pub job: String,
    /// `{"kind": "once", "at": "2026-12-24T10:00:00"}`, `{"kind": "daily", "time": "02:00:00"}`,
    /// `{"kind": "weekly", "weekday": 2, "time": …}` (0 = 月曜日), `{"kind": "monthly", "day": 25, "time": …}`,
    /// `{"kind": "month_end", "time": …}`.
    #[schema(value_type = Object)]
    pub schedule: kikan_domain::schedule::Schedule,
    #[schema(value_type = serde_json::Value)]
    #[serde(default)]
    pub params: serde_json::Value,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/jobs/schedules", tag = "operations",
    request_body = ScheduleIn, params(("tenant" = String, Path)),
    responses((status = 201, description = "Adds or changes a schedule (its parameters are checked now); audited", body = ScheduleView),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_schedule(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<ScheduleIn>,
) -> R<(StatusCode, Json<ScheduleView>)> {
    let job = kikan_app::jobs::Job::parse(&input.job).map_err(|e| ApiError::from(e).at("job"))?;
    input
        .schedule
        .validate()
        .map_err(|e| ApiError::from(e).at("schedule"))?;
    let params = own_params(&p, job, input.params);
    kikan_app::jobs::check(job, &params, state.clock.today())
        .map_err(|e| ApiError::from(e).at("params"))?;
    let id = match input.id {
        Some(id) => {
            let all = state.store.job_schedules(p.tenant).await?;
            if !all.iter().any(|s| s.id == id) {
                return Err(ApiError::not_found("スケジュール"));
            }
            id
        }
        None => kikan_app::ids::new_id(),
    };
    let s = kikan_store::jobs::JobSchedule {
        id,
        job: job.code().into(),
        schedule: input.schedule,
        params,
        active: input.active,
        set_by: p.actor().name,
        set_at: chrono::Utc::now(),
    };
    state.store.put_job_schedule(p.tenant, &s).await?;
    audit(
        &state,
        &p,
        "job.schedule",
        vec![],
        format!(
            "バッチ処理のスケジュール: {} {}{}",
            job.label(),
            s.schedule.label(),
            if s.active { "" } else { "(停止)" }
        ),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(schedule_view(&s, japan_now()))))
}
