//! メモ (1.1.15, j150) and 備考 (1.1.14, j140, the 統合記載欄's C類型; 4.1.4.3, j740, the
//! 事実上の世帯主): notes on a person, with who wrote each revision and when, and the
//! history of edits and deletions. A メモ is never printed; a 備考 is, in the 統合記載欄.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use kikan_app::memos;
use kikan_domain::PersonId;
use kikan_domain::memo::{Memo, MemoRevision, NoteKind};
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

/// A new 備考: free text, or the 事実上の世帯主's name (written 「事実上の世帯主　氏名」).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RemarkIn {
    pub text: Option<String>,
    /// 事実上の世帯主 (4.1.4.3): a head of household outside the law (a diplomat, the head
    /// of a children's home …).
    pub de_facto_head: Option<String>,
}

/// An edit (with `text`) or a deletion (without) of a memo, after the revision the
/// staff member saw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemoRevisionIn {
    pub revision: u32,
    pub text: Option<String>,
}

async fn list_of(
    state: &AppState,
    p: &Principal,
    id: PersonId,
    kind: NoteKind,
) -> R<Vec<MemoView>> {
    p.purpose()?;
    let found = memos::memos_of(&*state.store, p.tenant, id).await;
    let persons = if found.is_ok() { vec![id.0] } else { vec![] };
    let (action, what) = match kind {
        NoteKind::Memo => ("memo.read", "メモの参照"),
        NoteKind::Remark => ("remark.read", "備考の参照"),
    };
    audit(state, p, action, persons, what).await?;
    Ok(found?
        .iter()
        .filter(|m| m.kind() == kind)
        .map(MemoView::from)
        .collect())
}

async fn write_of(
    state: &AppState,
    p: &Principal,
    id: PersonId,
    kind: NoteKind,
    text: &str,
) -> R<MemoView> {
    let r = memos::write(
        &*state.store,
        p.tenant,
        id,
        kind,
        text,
        &p.actor,
        Utc::now(),
    )
    .await
    .map_err(|e| ApiError::from(e).at("text"))?;
    let action = match kind {
        NoteKind::Memo => "memo.write",
        NoteKind::Remark => "remark.write",
    };
    audit(
        state,
        p,
        action,
        vec![id.0],
        format!("{}の記載(番号{})", kind.label(), r.memo_id),
    )
    .await?;
    Ok(MemoView::from(&Memo {
        id: r.memo_id,
        person: id,
        revisions: vec![r],
    }))
}

async fn revise_of(
    state: &AppState,
    p: &Principal,
    (id, memo_id): (PersonId, i64),
    kind: NoteKind,
    input: MemoRevisionIn,
) -> R<MemoView> {
    let r = memos::revise(
        &*state.store,
        p.tenant,
        id,
        kind,
        memo_id,
        input.revision,
        input.text.as_deref(),
        &p.actor,
        Utc::now(),
    )
    .await?;
    let what = if r.text.is_some() { "修正" } else { "削除" };
    let action = match kind {
        NoteKind::Memo => "memo.write",
        NoteKind::Remark => "remark.write",
    };
    audit(
        state,
        p,
        action,
        vec![id.0],
        format!("{}の{what}(番号{memo_id})", kind.label()),
    )
    .await?;
    let all = memos::memos_of(&*state.store, p.tenant, id).await?;
    let memo = all
        .iter()
        .find(|m| m.id == memo_id)
        .ok_or_else(|| ApiError::not_found(kind.label()))?;
    Ok(MemoView::from(memo))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/memos", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = Vec<MemoView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<MemoView>>> {
    Ok(Json(
        list_of(&state, &p, PersonId(path.1), NoteKind::Memo).await?,
    ))
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
    Ok(Json(
        write_of(&state, &p, PersonId(path.1), NoteKind::Memo, &input.text).await?,
    ))
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
    let key = (PersonId(path.1), path.2);
    Ok(Json(
        revise_of(&state, &p, key, NoteKind::Memo, input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/remarks", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The 備考 (統合記載欄 C類型), deleted ones with their history", body = Vec<MemoView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_remarks(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<MemoView>>> {
    Ok(Json(
        list_of(&state, &p, PersonId(path.1), NoteKind::Remark).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/remarks", tag = "residents", request_body = RemarkIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Written; printed in the 統合記載欄 of the 写し", body = MemoView), (status = 404, body = ErrorBody), (status = 422, description = "Empty (E-MEMO-001), too long (E-MEMO-002) or with a control character (E-NAME-001)", body = ErrorBody)))]
pub async fn write_remark(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<RemarkIn>,
) -> R<Json<MemoView>> {
    let text = match (&input.de_facto_head, &input.text) {
        (Some(head), _) => kikan_domain::memo::de_facto_head(head)
            .map_err(|e| ApiError::from(e).at("de_facto_head"))?,
        (None, Some(t)) => t.clone(),
        (None, None) => String::new(),
    };
    Ok(Json(
        write_of(&state, &p, PersonId(path.1), NoteKind::Remark, &text).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/remarks/{memo_id}", tag = "residents", request_body = MemoRevisionIn,
    params(("tenant" = String, Path), ("id" = i64, Path), ("memo_id" = i64, Path)),
    responses((status = 200, description = "Edited, or deleted when no text was given", body = MemoView), (status = 404, description = "No such person or 備考, or it is deleted (E-MEMO-003)", body = ErrorBody), (status = 409, description = "Someone changed it after the revision given (E-MEMO-004)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revise_remark(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64, i64)>,
    Json(input): Json<MemoRevisionIn>,
) -> R<Json<MemoView>> {
    let key = (PersonId(path.1), path.2);
    Ok(Json(
        revise_of(&state, &p, key, NoteKind::Remark, input).await?,
    ))
}
