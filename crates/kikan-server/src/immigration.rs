//! 出入国在留管理庁長官通知 (4.5.6, j960): 審査 reads a notice file, lists the notices
//! still to be processed with their 処理結果確認票 (the items before and after), and
//! applies each (a ledger entry by 職権) or sets it aside with a reason.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::{audit, change_result};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kikan_app::immigration;
use kikan_domain::immigration::{ImmigrationNotice, NoticeAction, NoticeState};
use kikan_domain::{ForeignDetails, Person};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// A notice with its 処理結果確認票.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImmigrationNoticeView {
    pub id: i64,
    /// 通知日 (YYYY-MM-DD).
    pub notified_on: String,
    pub card_number: String,
    /// 在留資格等の変更 or 消除 (with its reason).
    pub action: String,
    /// pending (未処理), applied (反映済み) or rejected (処理しない).
    pub state: String,
    /// The ledger entry that applied it; the staff member; the reason it was set aside.
    pub seq: Option<i64>,
    pub by: Option<String>,
    pub reason: Option<String>,
    /// The file and line it came from.
    pub source: String,
    /// The resident holding the card (none: nobody here holds it).
    pub person_id: Option<i64>,
    pub name: Option<String>,
    /// 処理結果確認票: the items now, and as the notice makes them.
    pub before: Option<String>,
    pub after: Option<String>,
}

fn residence_line(f: Option<&ForeignDetails>) -> String {
    let Some(f) = f else {
        return String::new();
    };
    format!(
        "在留資格 {}　在留期間 {}　満了日 {}　在留カード等番号 {}",
        f.status.map(|s| s.label()).unwrap_or("-"),
        f.period.as_deref().unwrap_or("-"),
        f.expires_on
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into()),
        f.card_number.as_deref().unwrap_or("-"),
    )
}

fn view(n: &ImmigrationNotice, p: Option<&Person>) -> ImmigrationNoticeView {
    let (state, seq, by, reason) = match &n.state {
        NoticeState::Pending => ("pending", None, None, None),
        NoticeState::Applied { seq, by } => ("applied", Some(*seq), Some(by.clone()), None),
        NoticeState::Rejected { reason, by } => {
            ("rejected", None, Some(by.clone()), Some(reason.clone()))
        }
    };
    let action = match &n.action {
        NoticeAction::Change { .. } => "在留資格等の変更".to_string(),
        NoticeAction::Removal { reason } => format!("消除({})", reason.label()),
    };
    let (before, after) = match p {
        Some(p) if state == "pending" => {
            let before = residence_line(p.foreign.as_ref());
            let after = match immigration::change_of(n, p) {
                kikan_domain::Change::ResidenceStatusChange {
                    status,
                    period,
                    expires_on,
                    card_number,
                    ..
                } => residence_line(
                    p.foreign
                        .as_ref()
                        .map(|f| ForeignDetails {
                            status,
                            period,
                            expires_on,
                            card_number,
                            ..f.clone()
                        })
                        .as_ref(),
                ),
                _ => action.clone(),
            };
            (Some(before), Some(after))
        }
        _ => (None, None),
    };
    ImmigrationNoticeView {
        id: n.id,
        notified_on: n.notified_on.to_string(),
        card_number: n.card_number.clone(),
        action,
        state: state.into(),
        seq,
        by,
        reason,
        source: n.source.clone(),
        person_id: p.map(|p| p.id.0),
        name: p.map(|p| p.name.full()),
        before,
        after,
    }
}

/// A notice file, as read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoticeFileIn {
    /// The file's name (kept with each notice).
    pub name: String,
    /// UTF-8 CSV: the header `通知日,在留カード等番号,通知の種類,在留資格,在留期間,満了日,
    /// 新しい在留カード等番号,消除事由`, then a line per notice (docs/formats.md).
    pub csv: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NoticeQuery {
    /// true: every notice, processed ones included; otherwise those still to process.
    pub all: Option<bool>,
}

/// Why a notice is set aside.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoticeRejectIn {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/immigration-notices", tag = "changes", request_body = NoticeFileIn,
    params(("tenant" = String, Path)),
    responses((status = 201, description = "Read; the notices, pending", body = Vec<ImmigrationNoticeView>), (status = 422, description = "A line that cannot be read, named (E-NOTICE-001): nothing stored", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<NoticeFileIn>,
) -> R<(StatusCode, Json<Vec<ImmigrationNoticeView>>)> {
    let read = immigration::import(&*state.store, p.tenant, &input.name, &input.csv)
        .await
        .map_err(|e| ApiError::from(e).at("csv"))?;
    audit(
        &state,
        &p,
        "notice.import",
        vec![],
        format!("入管通知の取込み: {}({}件)", input.name.trim(), read.len()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(read.iter().map(|n| view(n, None)).collect()),
    ))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/immigration-notices", tag = "changes",
    params(("tenant" = String, Path), NoticeQuery),
    responses((status = 200, description = "The notices (pending ones by default), each with its resident and 処理結果確認票", body = Vec<ImmigrationNoticeView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<NoticeQuery>,
) -> R<Json<Vec<ImmigrationNoticeView>>> {
    p.purpose()?;
    let notices = state
        .store
        .notices(p.tenant, !q.all.unwrap_or(false))
        .await?;
    let mut out = Vec::with_capacity(notices.len());
    let mut persons = Vec::new();
    // 4.5.6: a 区役所 that limits its 異動 to its ward lists its ward's residents only.
    let ward = crate::places::ward_limit(&state, &p).await?;
    let city = state.store.registered_tenant(p.tenant).await?.name;
    for n in &notices {
        let subject = immigration::subject(&*state.store, p.tenant, n).await?;
        if let (Some(w), Some(s)) = (&ward, &subject)
            && !crate::places::in_ward(&s.address, w, &city)
        {
            continue;
        }
        if let Some(s) = &subject {
            persons.push(s.id.0);
        }
        out.push(view(n, subject.as_ref()));
    }
    audit(&state, &p, "notice.list", persons, "入管通知の一覧").await?;
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/immigration-notices/{id}/apply", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 201, description = "Applied by 職権: the change recorded", body = crate::dto::ChangeResult), (status = 404, description = "Not pending (E-NOTICE-002) or nobody here holds the card (E-NOTICE-003)", body = ErrorBody), (status = 422, body = ErrorBody), (status = 423, description = "抑止 or another clerk's 排他 holds the resident", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<(StatusCode, Json<crate::dto::ChangeResult>)> {
    // 4.5.6: at a 区役所 limited to its ward, its ward's residents only.
    if let Some(n) = state
        .store
        .notices(p.tenant, true)
        .await?
        .into_iter()
        .find(|n| n.id == path.1)
        && let Some(s) = immigration::subject(&*state.store, p.tenant, &n).await?
    {
        let change = immigration::change_of(&n, &s);
        crate::places::check_ward(&state, &p, &change).await?;
    }
    let (recorded, _) = immigration::apply(
        &*state.store,
        p.tenant,
        path.1,
        &p.actor(),
        state.clock.today(),
    )
    .await?;
    state.metrics.change(p.tenant, &recorded.entry);
    Ok((StatusCode::CREATED, Json(change_result(&recorded))))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/immigration-notices/{id}/reject", tag = "changes", request_body = NoticeRejectIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Set aside (処理しない)", body = ImmigrationNoticeView), (status = 404, description = "Not pending (E-NOTICE-002)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<NoticeRejectIn>,
) -> R<Json<ImmigrationNoticeView>> {
    let n = immigration::reject(&*state.store, p.tenant, path.1, &input.reason, &p.actor).await?;
    audit(
        &state,
        &p,
        "notice.reject",
        vec![],
        format!("入管通知を処理しない: {}", input.reason.trim()),
    )
    .await?;
    Ok(Json(view(&n, None)))
}
