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
    }
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
    let mut out = Vec::with_capacity(drafts.len());
    for (d, i) in drafts.iter().zip(&intakes) {
        let mut v = view(d);
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
    let d = app::pending(&*state.store, p.tenant, path.1).await?;
    let intake = intake(&state, &p, &d).await?;
    crate::places::check_ward(&state, &p, &intake.entry.change).await?;
    let recorded = app::commit(&*state.store, &p.actor(), &d, intake).await?;
    state.metrics.change(p.tenant, &recorded.entry);
    Ok((StatusCode::CREATED, Json(change_result(&recorded))))
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
