//! Drafts: 窓口 enters a 異動 (checked against the register at once, recorded
//! nowhere), 審査 examines it and commits it to the ledger or rejects it.

use crate::AppState;
use crate::auth::Principal;
use crate::dto::{ChangeRequest, ChangeResult};
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use crate::routes::{change_result, prepare_entry};
use crate::support::Protection;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use kikan_app::drafts::{self as app, DraftError, Intake};
use kikan_app::record::entry_warnings;
use kikan_store::drafts::Draft;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    pub id: i64,
    /// pending, committed or rejected.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    /// The kind of change requested (move_in, relocation …).
    pub kind: String,
    /// The request as entered (every 個人番号 left out).
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// The ledger entry it became.
    pub seq: Option<i64>,
    /// What 審査 should know before committing (late notification, 支援措置).
    pub warnings: Vec<String>,
    /// A person of the change is under a 支援措置 in force.
    pub support_measure: bool,
    /// The request is withheld from this reader (it may tell where a protected person
    /// lives or moves to); only the kind is shown.
    pub withheld: bool,
    /// 入力場所 (1.3.1): the code of the place it was entered at, when a terminal was named.
    pub place: Option<String>,
}

fn parse_request(text: &str) -> R<ChangeRequest> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("リクエストの形式が正しくありません({e})")))
}

impl From<DraftError> for ApiError {
    fn from(e: DraftError) -> Self {
        match e {
            DraftError::NotFound => ApiError::not_found("下書き"),
            DraftError::Decided(_) => ApiError::new(StatusCode::CONFLICT, e.code(), e.to_string()),
            DraftError::Store(s) => s.into(),
        }
    }
}

/// The request as entered, without its 個人番号: read into its typed form, every
/// number removed (`ChangeRequest::without_individual_numbers`), written back.
fn shown_request(text: &str) -> serde_json::Value {
    match serde_json::from_str::<ChangeRequest>(text) {
        Ok(req) => serde_json::to_value(req.without_individual_numbers()).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

fn view(d: &Draft) -> DraftView {
    let request = shown_request(&d.request);
    let kind = request["change"]["type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    DraftView {
        id: d.id,
        status: d.status.clone(),
        created_by: d.created_by.clone(),
        created_at: d.created_at.to_rfc3339(),
        kind,
        request,
        decided_by: d.decided_by.clone(),
        decided_at: d.decided_at.map(|t| t.to_rfc3339()),
        note: d.note.clone(),
        seq: d.seq,
        warnings: vec![],
        support_measure: false,
        withheld: false,
        place: None,
    }
}

/// The place code of a `terminal@place` recorded on an entry.
fn place_of(i: &Intake) -> Option<String> {
    i.entry
        .terminal
        .as_deref()
        .and_then(|t| t.split_once('@'))
        .map(|(_, place)| place.to_string())
}

/// The change a draft keeps, or (for a draft entered before intakes were kept) its
/// request parsed again.
async fn intake(state: &AppState, p: &Principal, d: &Draft) -> R<Intake> {
    if let Some(intake) = app::intake_of(d)? {
        return Ok(intake);
    }
    let req = parse_request(&d.request)?;
    let (entry, expect) = prepare_entry(state, p.tenant, &p.actor, &req).await?;
    Ok(Intake { entry, expect })
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/drafts", tag = "changes", request_body = ChangeRequest,
    params(("tenant" = String, Path)),
    responses((status = 201, description = "Checked against the register and kept for examination", body = DraftView),
              (status = 422, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(body): Json<serde_json::Value>,
) -> R<(StatusCode, Json<DraftView>)> {
    Ok((StatusCode::CREATED, Json(enter(&state, &p, &body).await?)))
}

/// Enters a change request as a draft (the API's, or one read from a CSV file, 10.8).
pub async fn enter(state: &AppState, p: &Principal, body: &serde_json::Value) -> R<DraftView> {
    let text = body.to_string();
    let req = parse_request(&text)?;
    // The same checks as a commit, now, so that the counter hears of a mistake at once.
    let (mut entry, expect) = prepare_entry(state, p.tenant, &p.actor, &req).await?;
    crate::places::check_ward(state, p, &entry.change).await?;
    // 入力場所・入力端末: where the draft was entered.
    entry.terminal = p.terminal.clone();
    let intake = Intake { entry, expect };
    let (draft, alerts) = app::add(&*state.store, &p.actor(), text, &intake).await?;
    let mut out = view(&draft);
    // The check just made gave its alerts: nothing is loaded or looked up again.
    let mut w = entry_warnings(&*state.store, p.tenant, &intake.entry, state.clock.today()).await?;
    w.extend(alerts);
    w.extend(crate::certificates::print_warnings(state, &intake.entry).await);
    out.warnings = w;
    Ok(out)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// pending (default), committed, rejected or all.
    pub status: Option<String>,
    /// 入力場所 (4.0.8): only the drafts entered at this place (its code).
    pub place: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/drafts", tag = "changes",
    params(("tenant" = String, Path), ListParams), responses((status = 200, body = Vec<DraftView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ListParams>,
) -> R<Json<Vec<DraftView>>> {
    let status = match q.status.as_deref() {
        None | Some("pending") => Some("pending"),
        Some("all") => None,
        Some(s @ ("committed" | "rejected")) => Some(s),
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "E-CODE-005",
                format!(
                    "状態「{other}」は登録されていない区分です(pending, committed, rejected, all)"
                ),
            )
            .at("status"));
        }
    };
    // The list shows what clerks entered: personal data, so a purpose is stated.
    p.purpose()?;
    let drafts = state.store.drafts(p.tenant, status).await?;
    let mut intakes = Vec::with_capacity(drafts.len());
    for d in &drafts {
        intakes.push(intake(&state, &p, d).await.ok());
    }
    let persons: Vec<kikan_domain::PersonId> = intakes
        .iter()
        .flatten()
        .flat_map(|i| i.entry.change.references().0)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let shield = Protection::of(&state, &p, &persons).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "draft.list",
                persons.iter().map(|x| x.0).collect(),
                format!("下書きの一覧({})", status.unwrap_or("all")),
            )],
        )
        .await?;
    let place = q.place.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut out = Vec::with_capacity(drafts.len());
    for (d, i) in drafts.iter().zip(&intakes) {
        let mut v = view(d);
        v.place = i.as_ref().and_then(place_of);
        if place.is_some() && v.place.as_deref() != place {
            continue;
        }
        if let Some(i) = i {
            let concerned = i.entry.change.references().0;
            let protected = concerned.iter().any(|id| shield.is_protected(*id));
            if protected {
                v.support_measure = true;
                if shield.withholds() {
                    // Where a protected person lives or moves to stays with 審査.
                    v.request = serde_json::json!({"withheld": kikan_domain::person::WITHHELD});
                    v.withheld = true;
                }
            }
            if d.status == "pending" {
                // The measures were loaded once for the whole list (`shield`).
                v.warnings = kikan_app::record::warnings_for(&i.entry, protected);
                v.warnings
                    .extend(crate::certificates::print_warnings(&state, &i.entry).await);
            }
        }
        out.push(v);
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/drafts/{id}/commit", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 201, body = ChangeResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn commit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<(StatusCode, Json<ChangeResult>)> {
    Ok((
        StatusCode::CREATED,
        Json(commit_one(&state, &p, path.1).await?),
    ))
}

/// 本登録 of one pending draft.
async fn commit_one(state: &AppState, p: &Principal, id: i64) -> R<ChangeResult> {
    let d = app::pending(&*state.store, p.tenant, id).await?;
    let intake = intake(state, p, &d).await?;
    crate::places::check_ward(state, p, &intake.entry.change).await?;
    let recorded = app::commit(&*state.store, &p.actor(), &d, intake).await?;
    state.metrics.change(p.tenant, &recorded.entry);
    Ok(change_result(&recorded))
}

/// The most drafts one 一括本登録 commits when it names none (全部本登録's 上限), unless
/// the request sets a lower limit.
pub const COMMIT_ALL_LIMIT: usize = 100;

/// 一括本登録 (4.0.8): the drafts named, or all pending ones (of a place).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommitManyIn {
    /// The drafts chosen (選択異動者); none: all pending ones.
    #[serde(default)]
    pub ids: Vec<i64>,
    /// 入力場所: all pending drafts entered at this place (its code).
    pub place: Option<String>,
    /// 件数の上限 of an all-pending commit (1 to 100; 100 unless set).
    pub limit: Option<usize>,
}

/// A draft of an 一括本登録 that could not be committed (it stays pending).
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitFailure {
    pub id: i64,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitMany {
    /// (draft id, ledger number) of each committed, in the order they were entered.
    pub committed: Vec<CommittedDraft>,
    /// Those refused, with the reason; they stay pending.
    pub failed: Vec<CommitFailure>,
    /// Pending drafts of the selection left for a later run (beyond the limit).
    pub left: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommittedDraft {
    pub id: i64,
    pub seq: i64,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/drafts/commit", tag = "changes", request_body = CommitManyIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "一括本登録 (4.0.8): the drafts named, or all pending ones (of an 入力場所) up to the limit, committed one by one in the order they were entered; each refused one stays pending with its reason", body = CommitMany),
        (status = 422, body = ErrorBody)))]
pub async fn commit_many(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<CommitManyIn>,
) -> R<Json<CommitMany>> {
    let limit = input.limit.unwrap_or(COMMIT_ALL_LIMIT);
    if !(1..=COMMIT_ALL_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "件数の上限",
            format!("1〜{COMMIT_ALL_LIMIT}件で指定してください"),
            "limit",
        ));
    }
    if input.ids.len() > COMMIT_ALL_LIMIT {
        return Err(ApiError::invalid(
            "本登録する異動",
            format!("一度に本登録できるのは{COMMIT_ALL_LIMIT}件までです"),
            "ids",
        ));
    }
    let place = input
        .place
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    // In the order they were entered (受付順); a chosen one no longer pending comes last
    // and is answered with its reason.
    let pending = state.store.drafts(p.tenant, Some("pending")).await?;
    let wanted: std::collections::BTreeSet<i64> = input.ids.iter().copied().collect();
    let mut chosen = Vec::new();
    for d in &pending {
        let pick = if !input.ids.is_empty() {
            wanted.contains(&d.id)
        } else if place.is_some() {
            let at = intake(&state, &p, d).await.ok();
            at.as_ref().and_then(place_of).as_deref() == place
        } else {
            true
        };
        if pick {
            chosen.push(d.id);
        }
    }
    chosen.extend(
        wanted
            .iter()
            .filter(|id| !pending.iter().any(|d| d.id == **id)),
    );
    let left = chosen.len().saturating_sub(limit);
    chosen.truncate(limit);
    let mut out = CommitMany {
        committed: vec![],
        failed: vec![],
        left,
    };
    for id in chosen {
        match commit_one(&state, &p, id).await {
            Ok(r) => out.committed.push(CommittedDraft {
                id,
                seq: r.entry.seq,
            }),
            Err(e) => out.failed.push(CommitFailure {
                id,
                code: e.body.code,
                message: e.body.message,
            }),
        }
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectIn {
    /// Why (shown to the counter).
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/drafts/{id}/reject", tag = "changes", request_body = RejectIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = DraftView), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<RejectIn>,
) -> R<Json<DraftView>> {
    let d = app::pending(&*state.store, p.tenant, path.1).await?;
    let d = app::reject(&*state.store, &p.actor(), d, &input.note)
        .await
        .map_err(|e| ApiError::from(e).at("note"))?;
    Ok(Json(view(&d)))
}
