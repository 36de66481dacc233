//! Drafts: 窓口 enters a 異動 (checked against the register at once, recorded
//! nowhere), 審査 examines it and commits it to the ledger or rejects it.

use crate::AppState;
use crate::auth::Principal;
use crate::dto::{ChangeRequest, ChangeResult, redact_numbers};
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use crate::routes::{change_event, change_result, prepare_entry};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use kikan_store::drafts::{Draft, DraftDecision};
use kikan_store::service;
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
    /// The request as entered (the 個人番号 replaced).
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// The ledger entry it became.
    pub seq: Option<i64>,
    /// What 審査 should know before committing (late notification, 支援措置).
    pub warnings: Vec<String>,
}

fn parse_request(text: &str) -> R<ChangeRequest> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("リクエストの形式が正しくありません({e})")))
}

fn view(d: &Draft) -> DraftView {
    let mut request: serde_json::Value = serde_json::from_str(&d.request).unwrap_or_default();
    redact_numbers(&mut request);
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
    }
}

/// The domain's warnings about an entry, for the examiner: a late notification, and
/// persons under a 支援措置 in force.
async fn warnings(
    state: &AppState,
    p: &Principal,
    entry: &kikan_domain::LedgerEntry,
) -> R<Vec<String>> {
    let mut out = vec![];
    if entry.late {
        out.push(
            "届出期間(14日)を過ぎた届出です。届出期間経過の記録を確認してください".to_string(),
        );
    }
    let persons = entry.change.references().0;
    let today = (state.today)();
    let protected = state
        .store
        .support_for(p.tenant, &persons)
        .await?
        .iter()
        .any(|m| m.in_force(today));
    if protected {
        out.push("支援措置の対象者が含まれています。住所等の取扱いに注意してください".to_string());
    }
    out.extend(crate::certificates::print_warnings(state, entry).await);
    Ok(out)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/drafts", tag = "changes", request_body = ChangeRequest,
    params(("tenant" = String, Path)),
    responses((status = 201, description = "Checked against the register and kept for examination", body = DraftView),
              (status = 422, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(body): Json<serde_json::Value>,
) -> R<(StatusCode, Json<DraftView>)> {
    let text = body.to_string();
    let req = parse_request(&text)?;
    // The same checks as a commit, now, so that the counter hears of a mistake at once.
    let (entry, expect) = prepare_entry(&state, p.tenant, &p.actor, &req).await?;
    service::dry_run(&*state.store, p.tenant, &entry, &expect).await?;
    let draft = Draft {
        id: service::new_id(),
        status: "pending".into(),
        created_by: p.actor.clone(),
        created_at: Utc::now(),
        request: text,
        decided_by: None,
        decided_at: None,
        note: None,
        seq: None,
    };
    state.store.add_draft(p.tenant, &draft).await?;
    let warned = warnings(&state, &p, &entry).await?;
    let persons = entry.change.references().0.iter().map(|x| x.0).collect();
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "draft.add",
                persons,
                format!("下書き {}: {}", draft.id, entry.reason().label()),
            )],
        )
        .await?;
    let mut out = view(&draft);
    out.warnings = warned;
    Ok((StatusCode::CREATED, Json(out)))
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
    let drafts = state.store.drafts(p.tenant, status).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "draft.list",
                vec![],
                format!("下書きの一覧({})", status.unwrap_or("all")),
            )],
        )
        .await?;
    let mut out = Vec::with_capacity(drafts.len());
    for d in &drafts {
        let mut v = view(d);
        if d.status == "pending"
            && let Ok(req) = parse_request(&d.request)
            && let Ok((entry, _)) = prepare_entry(&state, p.tenant, &p.actor, &req).await
        {
            v.warnings = warnings(&state, &p, &entry).await?;
        }
        out.push(v);
    }
    Ok(Json(out))
}

async fn pending(state: &AppState, p: &Principal, id: i64) -> R<Draft> {
    let d = state
        .store
        .draft(p.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("下書き"))?;
    if d.status != "pending" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "E-DRAFT-001",
            format!("この下書きは既に処理されています(状態: {})", d.status),
        ));
    }
    Ok(d)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/drafts/{id}/commit", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 201, body = ChangeResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn commit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<(StatusCode, Json<ChangeResult>)> {
    let d = pending(&state, &p, path.1).await?;
    let req = parse_request(&d.request)?;
    let (entry, expect) = prepare_entry(&state, p.tenant, &p.actor, &req).await?;
    let event = change_event(
        &p,
        &entry,
        Some(format!(
            "{}(下書き {} 入力: {} を審査して確定)",
            entry.reason().label(),
            d.id,
            d.created_by
        )),
    );
    // The change and the draft's decision commit together: of two examiners (in any
    // number of server processes) committing one draft, one lands, the other conflicts.
    let decision = DraftDecision {
        status: "committed",
        by: p.actor.clone(),
        at: Utc::now(),
        note: None,
        seq: None,
    };
    let recorded = service::record_audited(
        &*state.store,
        p.tenant,
        entry,
        &expect,
        Some(event),
        Some((d.id, &decision)),
    )
    .await?;
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
    if input.note.trim().is_empty() {
        return Err(ApiError::from(kikan_domain::DomainError::Missing {
            field: "差戻しの理由",
        })
        .at("note"));
    }
    let mut d = pending(&state, &p, path.1).await?;
    let decision = DraftDecision {
        status: "rejected",
        by: p.actor.clone(),
        at: Utc::now(),
        note: Some(input.note.trim().to_string()),
        seq: None,
    };
    state.store.decide_draft(p.tenant, d.id, &decision).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event("draft.reject", vec![], format!("下書き {} を差戻し", d.id))],
        )
        .await?;
    d.status = "rejected".into();
    d.decided_by = Some(decision.by);
    d.decided_at = Some(decision.at);
    d.note = decision.note;
    Ok(Json(view(&d)))
}
