//! 異動の取消し (4.6, j980; 4.6.1.1, j990): an entry undone by a new entry that puts back
//! every record it wrote as it was before it — a 除票 returns to the register (増), a
//! person it brought in leaves it (減), an item comes back (修正) — by 職権 or on a 申出.
//! Refused when a later entry changed one of those records (cancel the later one first).

use kikan_domain::ledger::{CancellationKind, RestoreHousehold, RestorePerson};
use kikan_domain::{Change, DomainError, LocalGovCode};
use kikan_store::{Store, StoreError};

/// The cancellation of ledger entry `seq`, ready to record.
pub async fn cancellation(
    store: &dyn Store,
    tenant: LocalGovCode,
    seq: i64,
) -> Result<Change, StoreError> {
    let not = |reason| DomainError::NotCancellable {
        seq: seq.to_string(),
        reason,
    };
    let entry = store
        .ledger(tenant, seq - 1, 1)
        .await?
        .into_iter()
        .find(|e| e.seq == seq)
        .ok_or_else(|| not("台帳にない番号です"))?;
    if matches!(entry.change, Change::Cancellation { .. }) {
        return Err(not("取消しの異動です").into());
    }
    let around = store.around_entry(tenant, seq).await?;
    if around.persons.is_empty() && around.households.is_empty() {
        return Err(not("この異動が記録した住民・世帯がありません").into());
    }
    // Who came onto the register by the entry (転入, 出生, a 再転入者) leaves it again.
    let arrived = around.persons.iter().any(|(after, before)| {
        !after.is_removed() && before.as_ref().is_none_or(|b| b.is_removed())
    });
    let returns = around.persons.iter().any(|(after, before)| {
        after.is_removed() && before.as_ref().is_some_and(|b| !b.is_removed())
    });
    let kind = if arrived {
        CancellationKind::Decrease
    } else if returns {
        CancellationKind::Increase
    } else {
        CancellationKind::Correction
    };
    Ok(Change::Cancellation {
        cancelled: seq,
        kind,
        persons: around
            .persons
            .into_iter()
            .map(|(after, before)| RestorePerson {
                id: after.id,
                after_version: after.version,
                before: before.map(Box::new),
            })
            .collect(),
        households: around
            .households
            .into_iter()
            .map(|(after, before)| RestoreHousehold {
                id: after.id,
                after_version: after.version,
                before,
            })
            .collect(),
    })
}
