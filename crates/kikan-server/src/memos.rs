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
    /// A 留意事項's 異動 (台帳番号) and 異動項目.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
}

impl From<&Memo> for MemoView {
    fn from(m: &Memo) -> Self {
        MemoView {
            id: m.id,
            person_id: m.person.0,
            deleted: m.is_deleted(),
            current: m.current().map(MemoRevisionView::from),
            history: m.revisions.iter().map(MemoRevisionView::from).collect(),
            seq: m.link().map(|l| l.seq),
            item: m.link().map(|l| l.item.clone()),
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
        NoteKind::Caution => ("caution.read", "留意事項の参照"),
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
    link: Option<kikan_domain::memo::CautionLink>,
    text: &str,
) -> R<MemoView> {
    let r = memos::write(
        &*state.store,
        p.tenant,
        id,
        kind,
        link,
        text,
        &p.actor,
        Utc::now(),
    )
    .await
    .map_err(|e| {
        // Each refusal at the field it concerns.
        let at = match &e {
            kikan_store::StoreError::Domain(
                kikan_domain::DomainError::Invalid { field, .. }
                | kikan_domain::DomainError::Missing { field },
            ) if *field == "異動" => "seq",
            kikan_store::StoreError::Domain(kikan_domain::DomainError::Invalid {
                field: "異動項目",
                ..
            }) => "item",
            _ => "text",
        };
        ApiError::from(e).at(at)
    })?;
    let action = match kind {
        NoteKind::Memo => "memo.write",
        NoteKind::Remark => "remark.write",
        NoteKind::Caution => "caution.write",
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
        NoteKind::Caution => "caution.write",
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
        write_of(
            &state,
            &p,
            PersonId(path.1),
            NoteKind::Memo,
            None,
            &input.text,
        )
        .await?,
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
        write_of(&state, &p, PersonId(path.1), NoteKind::Remark, None, &text).await?,
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

/// A new 留意事項 (統合記載欄 B類型): the 異動 it belongs to, the 異動項目 it concerns, and
/// its text, or one of the standard's wordings.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CautionIn {
    /// The 異動's 台帳番号 (an entry that changed this person).
    pub seq: i64,
    /// The 異動項目: 住所, 転入前住所, 転出先住所（予定）, 転出先住所（確定）, 氏名, 本籍 …
    pub item: String,
    pub text: Option<String>,
    /// `special_adoption` (「特別養子縁組」) or `special_adoption_ended`
    /// (「特別養子縁組解消」), the wording 1.1.14 requires, in place of `text`.
    pub wording: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/cautions", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The 留意事項 (統合記載欄 B類型) written on the person, each with its 異動 and 異動項目; deleted ones with their history", body = Vec<MemoView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_cautions(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<MemoView>>> {
    Ok(Json(
        list_of(&state, &p, PersonId(path.1), NoteKind::Caution).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/cautions", tag = "residents", request_body = CautionIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Written; printed under its 異動 in the 統合記載欄's 異動履歴", body = MemoView), (status = 404, body = ErrorBody),
        (status = 422, description = "No 異動 of this person with that 台帳番号, an 異動項目 a 留意事項 cannot be tied to, an unknown wording (E-INPUT-003); empty (E-MEMO-001) or too long (E-MEMO-002)", body = ErrorBody)))]
pub async fn write_caution(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<CautionIn>,
) -> R<Json<MemoView>> {
    use kikan_domain::memo::{SPECIAL_ADOPTION, SPECIAL_ADOPTION_ENDED};
    let text = match input.wording.as_deref().map(str::trim) {
        Some("special_adoption") | Some(SPECIAL_ADOPTION) => SPECIAL_ADOPTION.to_string(),
        Some("special_adoption_ended") | Some(SPECIAL_ADOPTION_ENDED) => {
            SPECIAL_ADOPTION_ENDED.to_string()
        }
        Some(other) if !other.is_empty() => {
            return Err(ApiError::from(kikan_domain::DomainError::Invalid {
                field: "文言",
                reason: format!(
                    "「{other}」は special_adoption か special_adoption_ended にしてください"
                ),
            })
            .at("wording"));
        }
        _ => input.text.clone().unwrap_or_default(),
    };
    let link = kikan_domain::memo::CautionLink {
        seq: input.seq,
        item: input.item.clone(),
    };
    Ok(Json(
        write_of(
            &state,
            &p,
            PersonId(path.1),
            NoteKind::Caution,
            Some(link),
            &text,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/cautions/{memo_id}", tag = "residents", request_body = MemoRevisionIn,
    params(("tenant" = String, Path), ("id" = i64, Path), ("memo_id" = i64, Path)),
    responses((status = 200, description = "Edited (its 異動 and 異動項目 stay), or deleted when no text was given", body = MemoView), (status = 404, description = "No such person or 留意事項, or it is deleted (E-MEMO-003)", body = ErrorBody), (status = 409, description = "Someone changed it after the revision given (E-MEMO-004)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revise_caution(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64, i64)>,
    Json(input): Json<MemoRevisionIn>,
) -> R<Json<MemoView>> {
    let key = (PersonId(path.1), path.2);
    Ok(Json(
        revise_of(&state, &p, key, NoteKind::Caution, input).await?,
    ))
}

/// One line of the 統合記載欄.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegratedLineView {
    /// A (異動履歴), B (留意事項) or C (備考).
    pub class: String,
    /// The 異動's 台帳番号 (A and B).
    pub seq: Option<i64>,
    /// A 留意事項's 異動項目.
    pub item: Option<String>,
    pub text: String,
    /// A 留意事項 nobody wrote (「未届転入」 of a 未届転入).
    pub automatic: bool,
    /// As a certificate prints it.
    pub printed: String,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/integrated", tag = "residents",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "統合記載欄 (1.1.14): the 異動履歴 made from the ledger (A類型; a 転出's carries the 除票固有の記載事項 of 1.1.5, its 転出予定年月日 and 転出先住所（予定）, the latter withheld from a reader a 支援措置 keeps from the address), the 留意事項 under the 異動 each belongs to (B類型; 「未届転入」 by itself on a 未届転入), then the 備考 (C類型)", body = Vec<IntegratedLineView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 423, description = "抑止 (3.1): an error-level suppression of 照会 (E-SUPPRESS-003)", body = ErrorBody)))]
pub async fn integrated(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<Vec<IntegratedLineView>>> {
    p.purpose()?;
    let id = PersonId(path.1);
    let person = kikan_app::letters::person(&*state.store, p.tenant, id).await?;
    crate::suppress::inquiry(&state, &p, &[&person]).await?;
    let entries = state.store.entries_for(p.tenant, Some(id), None).await?;
    let notes = memos::memos_of(&*state.store, p.tenant, id).await?;
    // 除票固有の記載事項 (1.1.5): the 転出先住所（予定） withheld from a reader a 支援措置
    // keeps from the person's whereabouts.
    let shield = crate::support::Protection::of(&state, &p, &[id]).await?;
    let withheld = shield.person(&person).address_withheld;
    let lines = kikan_domain::integrated::lines(&person, &entries, &notes, withheld)?;
    audit(
        &state,
        &p,
        "integrated.read",
        vec![id.0],
        "統合記載欄の参照",
    )
    .await?;
    Ok(Json(
        lines
            .iter()
            .map(|l| IntegratedLineView {
                class: match l.class {
                    kikan_domain::integrated::Class::History => "A",
                    kikan_domain::integrated::Class::Caution => "B",
                    kikan_domain::integrated::Class::Remark => "C",
                }
                .into(),
                seq: l.seq,
                item: l.item.clone(),
                text: l.text.clone(),
                automatic: l.automatic,
                printed: l.printed(),
            })
            .collect(),
    ))
}
