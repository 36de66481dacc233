//! 出入国在留管理庁長官通知 (4.5.6, j960): read a notice file, list the notices still to be
//! processed (whatever their date) with their 処理結果確認票, and apply each as a
//! 在留資格等変更 or a 法第30条の50による消除 recorded by 職権, or set it aside.

use crate::Actor;
use crate::record::{Recorded, change_event, record_audited};
use chrono::{NaiveDate, Utc};
use kikan_domain::immigration::{
    ImmigrationNotice, NOTICE_HEADER, NoticeAction, NoticeState, parse_line,
};
use kikan_domain::{Basis, Change, DomainError, LedgerEntry, LocalGovCode, Person};
use kikan_store::{SearchKeys, Store, StoreError, card_key};

/// Reads a notice file (UTF-8 CSV with [`NOTICE_HEADER`]); a bad line refuses the whole
/// file, naming the line, and nothing is stored.
pub async fn import(
    store: &dyn Store,
    tenant: LocalGovCode,
    name: &str,
    text: &str,
) -> Result<Vec<ImmigrationNotice>, StoreError> {
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    if lines.next().map(str::trim) != Some(NOTICE_HEADER) {
        return Err(DomainError::NoticeLine {
            line: 1,
            reason: format!("見出しは「{NOTICE_HEADER}」にしてください"),
        }
        .into());
    }
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (notified_on, card_number, action) = parse_line(line, i + 2)?;
        out.push(ImmigrationNotice {
            id: crate::ids::new_id(),
            notified_on,
            card_number,
            action,
            state: NoticeState::Pending,
            source: format!("{}:{}", name.trim(), i + 2),
        });
    }
    store.add_notices(tenant, &out).await?;
    Ok(out)
}

/// The resident a notice concerns: the one on the register holding its card.
pub async fn subject(
    store: &dyn Store,
    tenant: LocalGovCode,
    n: &ImmigrationNotice,
) -> Result<Option<Person>, StoreError> {
    let keys = SearchKeys {
        card_number: Some(card_key(&n.card_number)),
        limit: 2,
        ..Default::default()
    };
    Ok(store.search(tenant, &keys).await?.into_iter().next())
}

/// The change a notice makes to its resident.
pub fn change_of(n: &ImmigrationNotice, p: &Person) -> Change {
    match &n.action {
        NoticeAction::Change {
            status,
            period,
            expires_on,
            card_number,
        } => {
            let f = p.foreign.as_ref();
            Change::ResidenceStatusChange {
                person: p.id,
                status: status.or_else(|| f.and_then(|f| f.status)),
                period: period.clone().or_else(|| f.and_then(|f| f.period.clone())),
                expires_on: expires_on.or_else(|| f.and_then(|f| f.expires_on)),
                card_number: card_number
                    .clone()
                    .or_else(|| f.and_then(|f| f.card_number.clone())),
            }
        }
        NoticeAction::Removal { reason } => Change::ForeignRemoval {
            person: p.id,
            reason: *reason,
            succession: None,
        },
    }
}

/// Applies a pending notice by 職権 (its 通知日 is the 異動日 and the 通知日), and marks
/// it applied with the entry's number. Refused when it is not pending (E-NOTICE-002) or
/// no resident holds its card (E-NOTICE-003).
pub async fn apply(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    actor: &Actor,
    today: NaiveDate,
) -> Result<(Recorded, ImmigrationNotice), StoreError> {
    let mut n = pending(store, tenant, id).await?;
    let p = subject(store, tenant, &n)
        .await?
        .ok_or_else(|| DomainError::NoticeSubjectUnknown {
            card: n.card_number.clone(),
        })?;
    let mut entry = LedgerEntry::at_intake(
        change_of(&n, &p),
        n.notified_on,
        n.notified_on,
        Utc::now(),
        actor.name.clone(),
        None,
        today,
    )?
    .with_basis(Basis::ExOfficio);
    entry.terminal = actor.terminal.clone();
    let event = change_event(actor, &entry, Some(format!("入管通知の反映({})", n.source)));
    let recorded = record_audited(store, tenant, entry, &[], Some(event), None).await?;
    n.state = NoticeState::Applied {
        seq: recorded.entry.seq,
        by: actor.name.clone(),
    };
    if !store.settle_notice(tenant, &n).await? {
        return Err(DomainError::NoticeNotPending { id }.into());
    }
    Ok((recorded, n))
}

/// Sets a pending notice aside with a reason (処理しない).
pub async fn reject(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    reason: &str,
    by: &str,
) -> Result<ImmigrationNotice, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::Missing {
            field: "処理しない理由",
        }
        .into());
    }
    let mut n = pending(store, tenant, id).await?;
    n.state = NoticeState::Rejected {
        reason: reason.into(),
        by: by.into(),
    };
    if !store.settle_notice(tenant, &n).await? {
        return Err(DomainError::NoticeNotPending { id }.into());
    }
    Ok(n)
}

async fn pending(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
) -> Result<ImmigrationNotice, StoreError> {
    store
        .notice(tenant, id)
        .await?
        .filter(|n| n.state == NoticeState::Pending)
        .ok_or_else(|| DomainError::NoticeNotPending { id }.into())
}
