//! メモ (1.1.15, j150): staff notes on a person, written, edited and deleted as new
//! revisions (the history), each with its author's user ID and time. Memos are not
//! items of the record and no certificate reads them.

use chrono::{DateTime, Utc};
use kikan_domain::memo::{
    CautionLink, Memo, MemoRevision, NoteKind, caution_item, fold, memo_text,
};
use kikan_domain::{DomainError, LocalGovCode, PersonId};
use kikan_store::{Store, StoreError};

/// The メモ, 備考 and 留意事項 on a person (deleted ones included, with their history). The person
/// must be on the tenant's register (A or B).
pub async fn memos_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
) -> Result<Vec<Memo>, StoreError> {
    known(store, tenant, person).await?;
    Ok(fold(store.memo_revisions(tenant, &[person]).await?))
}

/// Writes a new メモ, 備考 or 留意事項 on a person. A 留意事項 (1.1.14, B類型) names
/// the 異動 it belongs to — an entry that changed this person — and the 異動項目 it
/// concerns (`link`); the others take none.
#[allow(clippy::too_many_arguments)]
pub async fn write(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    kind: NoteKind,
    link: Option<CautionLink>,
    text: &str,
    author: &str,
    at: DateTime<Utc>,
) -> Result<MemoRevision, StoreError> {
    let text = memo_text(text)?;
    known(store, tenant, person).await?;
    let link = match (kind, link) {
        (NoteKind::Caution, Some(l)) => {
            let item = caution_item(&l.item)?;
            let entries = store.entries_for(tenant, Some(person), None).await?;
            if !entries.iter().any(|e| e.seq == l.seq) {
                return Err(DomainError::Invalid {
                    field: "異動",
                    reason: format!("台帳番号{}はこの方の異動ではありません", l.seq),
                }
                .into());
            }
            Some(CautionLink {
                seq: l.seq,
                item: item.to_string(),
            })
        }
        (NoteKind::Caution, None) => return Err(DomainError::Missing { field: "異動" }.into()),
        (_, _) => None,
    };
    let r = MemoRevision {
        memo_id: crate::ids::new_id(),
        kind,
        link,
        revision: 1,
        person,
        text: Some(text),
        author: author.into(),
        at,
    };
    store.add_memo_revision(tenant, &r).await?;
    Ok(r)
}

/// Edits a メモ or 備考 (with `text`) or deletes it (without), after revision `seen`:
/// refused when someone changed it since (E-MEMO-004) or it is gone, or of the other
/// kind (E-MEMO-003).
#[allow(clippy::too_many_arguments)]
pub async fn revise(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    kind: NoteKind,
    memo_id: i64,
    seen: u32,
    text: Option<&str>,
    author: &str,
    at: DateTime<Utc>,
) -> Result<MemoRevision, StoreError> {
    let text = text.map(memo_text).transpose()?;
    let memos = memos_of(store, tenant, person).await?;
    let memo = memos
        .iter()
        .find(|m| m.id == memo_id && m.kind() == kind)
        .ok_or(DomainError::MemoNotFound { id: memo_id })?;
    let r = MemoRevision {
        memo_id,
        kind: memo.kind(),
        link: None,
        revision: memo.next_revision(seen)?,
        person,
        text,
        author: author.into(),
        at,
    };
    // Two edits from the same revision: the second finds the row taken.
    store
        .add_memo_revision(tenant, &r)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => StoreError::Domain(DomainError::MemoStale {
                id: memo_id,
                by: "他の職員".into(),
            }),
            other => other,
        })?;
    Ok(r)
}

async fn known(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
) -> Result<(), StoreError> {
    if store.persons(tenant, &[person]).await?.is_empty() {
        return Err(DomainError::PersonNotFound(person.to_string()).into());
    }
    Ok(())
}
