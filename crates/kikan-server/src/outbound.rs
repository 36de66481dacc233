//! 市町村通知・市町村伝達 (4.5.7, j970): 審査 lists what goes to 出入国在留管理庁 (the
//! items the ledger gave, by state), sends what is due as one batch file, reads the
//! 連携端末's results back and sends an item again.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Path, Query, State};
use kikan_app::outbound;
use kikan_domain::outbound::{OutboundItem, OutboundState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// One 市町村通知 or 市町村伝達.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboundItemView {
    /// 送信番号.
    pub id: i64,
    /// The ledger entry it came from.
    pub seq: i64,
    /// 市町村通知 or 市町村伝達.
    pub kind: String,
    /// 住基法・入管法, 入管法 or 住基法.
    pub class: String,
    /// 異動事由.
    pub reason: String,
    /// 異動日 and the day it may be sent from (YYYY-MM-DD).
    pub effective_on: String,
    pub due_on: String,
    pub person_id: i64,
    pub name: String,
    pub card_number: Option<String>,
    /// pending, sent, accepted or failed; its label (未送信, 送信済み, 処理済み, エラー).
    pub state: String,
    pub state_label: String,
    pub batch: Option<i64>,
    /// The 連携端末's error.
    pub error: Option<String>,
}

fn view(i: &OutboundItem) -> OutboundItemView {
    OutboundItemView {
        id: i.id,
        seq: i.entry_seq,
        kind: i.kind.label().into(),
        class: i.class.label().into(),
        reason: i.reason.clone(),
        effective_on: i.effective_on.to_string(),
        due_on: i.due_on.to_string(),
        person_id: i.person.0,
        name: i.name.clone(),
        card_number: i.card_number.clone(),
        state: i.state.name().into(),
        state_label: i.state.label().into(),
        batch: i.state.batch(),
        error: match &i.state {
            OutboundState::Failed { error, .. } => Some(error.clone()),
            _ => None,
        },
    }
}

fn persons(items: &[OutboundItem]) -> Vec<i64> {
    let mut ids: Vec<i64> = items.iter().map(|i| i.person.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// pending (未送信), sent (送信済み), accepted (処理済み) or failed (エラー); all without.
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/immigration-outbox", tag = "changes",
    params(("tenant" = String, Path), OutboxQuery),
    responses((status = 200, description = "The 市町村通知・市町村伝達 (the ledger read first), in the ledger's order", body = Vec<OutboundItemView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 422, description = "An unknown state (E-INPUT-003)", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<OutboxQuery>,
) -> R<Json<Vec<OutboundItemView>>> {
    p.purpose()?;
    let wanted = q.state.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = wanted
        && !["pending", "sent", "accepted", "failed"].contains(&s)
    {
        return Err(ApiError::from(kikan_domain::DomainError::UnknownCode {
            kind: "送信状態",
            value: s.to_string(),
        })
        .at("state"));
    }
    let items = outbound::list(&*state.store, p.tenant, wanted).await?;
    audit(
        &state,
        &p,
        "outbox.list",
        persons(&items),
        "市町村通知・市町村伝達の一覧",
    )
    .await?;
    Ok(Json(items.iter().map(view).collect()))
}

/// A batch sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxBatchView {
    /// The batch's number; 0 when nothing was due.
    pub batch: i64,
    pub items: Vec<OutboundItemView>,
    /// The file for the 連携端末 (UTF-8 CSV, docs/formats.md).
    pub file: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/immigration-outbox/send", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Every item due and not sent, as one batch and its file", body = OutboxBatchView), (status = 409, description = "Another send or reading first: try again", body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<OutboxBatchView>> {
    let sent = outbound::send(
        &*state.store,
        p.tenant,
        state.clock.today(),
        chrono::Utc::now(),
    )
    .await?;
    audit(
        &state,
        &p,
        "outbox.send",
        persons(&sent.items),
        format!(
            "市町村通知・市町村伝達の送信: 第{}回({}件)",
            sent.batch,
            sent.items.len()
        ),
    )
    .await?;
    Ok(Json(OutboxBatchView {
        batch: sent.batch,
        items: sent.items.iter().map(view).collect(),
        file: sent.file,
    }))
}

/// A results file from the 連携端末.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OutboxResultsIn {
    pub name: String,
    /// UTF-8 CSV: the header `送信番号,処理結果,エラー内容`, then a line per item with
    /// 処理結果 正常 or エラー.
    pub csv: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/immigration-outbox/results", tag = "changes", request_body = OutboxResultsIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The items with their results", body = Vec<OutboundItemView>), (status = 404, description = "An item not awaiting a result (E-OUTBOX-002): nothing changed", body = ErrorBody), (status = 422, description = "A line that cannot be read, named (E-OUTBOX-001): nothing changed", body = ErrorBody)))]
pub async fn results(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<OutboxResultsIn>,
) -> R<Json<Vec<OutboundItemView>>> {
    let items = outbound::results(&*state.store, p.tenant, &input.csv, chrono::Utc::now())
        .await
        .map_err(|e| ApiError::from(e).at("csv"))?;
    let failed = items
        .iter()
        .filter(|i| matches!(i.state, OutboundState::Failed { .. }))
        .count();
    audit(
        &state,
        &p,
        "outbox.results",
        persons(&items),
        format!(
            "市町村通知・市町村伝達の処理結果の取込み: {}({}件、エラー{}件)",
            input.name.trim(),
            items.len(),
            failed
        ),
    )
    .await?;
    Ok(Json(items.iter().map(view).collect()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/immigration-outbox/{id}/resend", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "To be sent again (未送信)", body = OutboundItemView), (status = 404, description = "No such item sent or refused (E-OUTBOX-002)", body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<OutboundItemView>> {
    let item = outbound::resend(&*state.store, p.tenant, path.1).await?;
    audit(
        &state,
        &p,
        "outbox.resend",
        vec![item.person.0],
        format!("市町村通知・市町村伝達の再送信: 送信番号{}", item.id),
    )
    .await?;
    Ok(Json(view(&item)))
}
