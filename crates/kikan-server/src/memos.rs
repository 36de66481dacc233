//! メモ (1.1.15, j150): staff notes on a person, with who wrote each revision and when,
//! and the history of edits and deletions. Never printed: certificates are drawn from the
//! record, which does not hold them.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use kikan_app::memos;
use kikan_domain::PersonId;
use kikan_domain::memo::{Memo, MemoRevision};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// One revision of a memo.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemoRevisionView {
    pub revision: u32,
    /// The text; absent for the revision that deleted the memo.
    pub text: Option<String>,
    /// The staff member's user ID.
    pub author: String,
    pub at: DateTime<Utc>,
}

impl From<&MemoRevision> for MemoRevisionView {
    fn from(r: &MemoRevision) -> Self {
        MemoRevisionView {
            revision: r.revision,
            text: r.text.clone(),
            author: r.author.clone(),
            at: r.at,
        }
    }
}

/// A memo as it stands, with its history (oldest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct MemoView {
    pub id: i64,
    pub person_id: i64,
    pub deleted: bool,
    /// The latest revision: an edit or a deletion names it (`revision`).
    pub current: Option<MemoRevisionView>,
    pub history: Vec<MemoRevisionView>,
}

impl From<&Memo> for MemoView {
    fn from(m: &Memo) -> Self {
        MemoView {
            id: m.id,
            person_id: m.person.0,
            deleted: m.is_deleted(),
            current: m.current().map(MemoRevisionView::from),
            history: m.revisions.iter().map(MemoRevisionView::from).collect(),
        }
    }
}

/// A new memo.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemoIn {
    /// Any subject, up to 2,000 characters.
    pub text: String,
}

/// An edit (with `text`) or a deletion (without) of a memo, after the revision the
/// staff member saw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemoRevisionIn {
    pub revision: u32,
    pub text: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/memos", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = Vec<MemoView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<MemoView>>> {
    p.purpose()?;
    let id = PersonId(path.1);
    let found = memos::memos_of(&*state.store, p.tenant, id).await;
    let persons = if found.is_ok() { vec![id.0] } else { vec![] };
    audit(&state, &p, "memo.read", persons, "メモの参照").await?;
    Ok(Json(found?.iter().map(MemoView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/memos", tag = "residents", request_body = MemoIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = MemoView), (status = 404, body = ErrorBody), (status = 422, description = "Empty (E-MEMO-001), too long (E-MEMO-002) or with a control character (E-NAME-001)", body = ErrorBody)))]
pub async fn write(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<MemoIn>,
) -> R<Json<MemoView>> {
    let id = PersonId(path.1);
    let r = memos::write(
        &*state.store,
        p.tenant,
        id,
        &input.text,
        &p.actor,
        Utc::now(),
    )
    .await
    .map_err(|e| ApiError::from(e).at("text"))?;
    audit(
        &state,
        &p,
        "memo.write",
        vec![id.0],
        format!("メモの記載(番号{})", r.memo_id),
    )
    .await?;
    Ok(Json(MemoView::from(&Memo {
        id: r.memo_id,
        person: id,
        revisions: vec![r],
    })))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/memos/{memo_id}", tag = "residents", request_body = MemoRevisionIn,
    params(("tenant" = String, Path), ("id" = i64, Path), ("memo_id" = i64, Path)),
    responses((status = 200, description = "Edited, or deleted when no text was given; the memo with its history", body = MemoView), (status = 404, description = "No such person or memo, or the memo is deleted (E-MEMO-003)", body = ErrorBody), (status = 409, description = "Someone changed the memo after the revision given (E-MEMO-004)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revise(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64, i64)>,
    Json(input): Json<MemoRevisionIn>,
) -> R<Json<MemoView>> {
    let (id, memo_id) = (PersonId(path.1), path.2);
    let r = memos::revise(
        &*state.store,
        p.tenant,
        id,
        memo_id,
        input.revision,
        input.text.as_deref(),
        &p.actor,
        Utc::now(),
    )
    .await?;
    let what = if r.text.is_some() { "修正" } else { "削除" };
    audit(
        &state,
        &p,
        "memo.write",
        vec![id.0],
        format!("メモの{what}(番号{memo_id})"),
    )
    .await?;
    let all = memos::memos_of(&*state.store, p.tenant, id).await?;
    let memo = all
        .iter()
        .find(|m| m.id == memo_id)
        .ok_or_else(|| ApiError::not_found("メモ"))?;
    Ok(Json(MemoView::from(memo)))
}
