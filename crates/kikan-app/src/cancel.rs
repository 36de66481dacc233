//! 異動の取消し (4.6, j980; 4.6.1.1, j990): an entry undone by a new entry that puts back
//! every record it wrote as it was before it — a 除票 returns to the register (増), a
//! person it brought in leaves it (減), an item comes back (修正) — by 職権 or on a 申出.
//! Refused when a later entry changed one of those records (cancel the later one first).

use kikan_domain::ledger::{CancellationKind, RestoreHousehold, RestorePerson};
use kikan_domain::{
    Change, DomainError, Household, HouseholdId, LocalGovCode, Person, PersonId, Relationship,
};
use kikan_store::{Store, StoreError};
use std::collections::BTreeMap;

/// The cancellation of ledger entry `seq`, ready to record.
pub async fn cancellation(
    store: &dyn Store,
    tenant: LocalGovCode,
    seq: i64,
) -> Result<Change, StoreError> {
    cancellation_for(store, tenant, seq, &[]).await
}

/// The cancellation of ledger entry `seq` for some of the persons it concerned (4.6.0.1:
/// 全部又は一部; none named: all). Each person named goes back to their state before the
/// entry; a household is put back only as far as they are concerned: they leave the
/// household the entry put them in, and return to their former household where it
/// still is at their former address, else form a new household there (4.6.0.1).
pub async fn cancellation_for(
    store: &dyn Store,
    tenant: LocalGovCode,
    seq: i64,
    only: &[PersonId],
) -> Result<Change, StoreError> {
    let not = |reason| DomainError::NotCancellable {
        seq: seq.to_string(),
        reason,
    };
    let entry = store
        .entry(tenant, seq)
        .await?
        .ok_or_else(|| not("台帳にない番号です"))?;
    if matches!(entry.change, Change::Cancellation { .. }) {
        return Err(not("取消しの異動です").into());
    }
    let around = store.around_entry(tenant, seq).await?;
    if around.persons.is_empty() && around.households.is_empty() {
        return Err(not("この異動が記録した住民・世帯がありません").into());
    }
    let mut around = around;
    let partial = !only.is_empty()
        && around
            .persons
            .iter()
            .any(|(after, _)| !only.contains(&after.id));
    if let Some(stray) = only
        .iter()
        .find(|id| !around.persons.iter().any(|(after, _)| after.id == **id))
    {
        return Err(DomainError::PersonNotInEntry {
            seq: seq.to_string(),
            id: stray.to_string(),
        }
        .into());
    }
    if partial {
        around.persons.retain(|(after, _)| only.contains(&after.id));
        around.households = partial_households(store, tenant, seq, &mut around.persons).await?;
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

/// For a cancellation of some of an entry's persons (`persons`: each as the entry left
/// it and as it was before), the households they leave and return to, each as it is now
/// (`after`: its version now, or 0 for a new one) and as it is to be (`before`). A
/// person whose former household is gone or has moved forms a new household at their
/// former address (its 世帯番号 the next serial); one who was its head heads it again.
async fn partial_households(
    store: &dyn Store,
    tenant: LocalGovCode,
    seq: i64,
    persons: &mut [(Person, Option<Person>)],
) -> Result<Vec<(Household, Option<Household>)>, StoreError> {
    let mut ids: Vec<HouseholdId> = vec![];
    for (after, before) in persons.iter() {
        ids.push(after.household_id);
        if let Some(b) = before {
            ids.push(b.household_id);
        }
    }
    ids.sort();
    ids.dedup();
    // Each household as it stands, and as it is to be.
    let mut now: BTreeMap<HouseholdId, Household> = store
        .households(tenant, &ids)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let mut target = now.clone();
    // Former households that cannot be returned to: the new one for each.
    let mut replacements: BTreeMap<HouseholdId, HouseholdId> = BTreeMap::new();
    for (after, before) in persons.iter_mut() {
        if let Some(h) = target.get_mut(&after.household_id) {
            h.members.retain(|m| *m != after.id);
            if h.head == Some(after.id) {
                h.head = None;
            }
        }
        let Some(b) = before.as_mut().filter(|b| !b.is_removed()) else {
            continue;
        };
        let back = target
            .get(&b.household_id)
            .filter(|h| h.dissolved_on.is_none() && h.address.same_dwelling(&b.address))
            .map(|h| h.id);
        let into = match back {
            Some(id) => id,
            None => match replacements.get(&b.household_id) {
                Some(id) => *id,
                None => {
                    let id = crate::ids::household_number(store, tenant).await?;
                    replacements.insert(b.household_id, id);
                    let fresh = Household {
                        id,
                        head: None,
                        address: b.address.clone(),
                        members: vec![],
                        dissolved_on: None,
                        version: 0,
                    };
                    now.insert(id, fresh.clone());
                    target.insert(id, fresh);
                    id
                }
            },
        };
        b.household_id = into;
        let h = target
            .get_mut(&into)
            .ok_or_else(|| DomainError::HouseholdNotFound(into.to_string()))?;
        if !h.members.contains(&b.id) {
            h.members.push(b.id);
        }
        if b.relationship == Relationship::Head {
            match h.head {
                None => h.head = Some(b.id),
                Some(other) if other != b.id => {
                    // The household has a head since: the one coming back cannot head it.
                    return Err(DomainError::NotCancellable {
                        seq: seq.to_string(),
                        reason: "元の世帯には別の世帯主がいます。世帯主変更を先に行うか、全員を取り消してください",
                    }
                    .into());
                }
                Some(_) => {}
            }
        }
    }
    // One alone in a household formed for them heads it.
    for id in replacements.values() {
        let Some(h) = target.get_mut(id) else {
            continue;
        };
        if let ([only], None) = (h.members.as_slice(), h.head) {
            let only = *only;
            h.head = Some(only);
            if let Some(b) = persons
                .iter_mut()
                .filter_map(|(_, b)| b.as_mut())
                .find(|b| b.id == only)
            {
                b.relationship = Relationship::Head;
            }
        }
    }
    Ok(target
        .into_iter()
        .filter_map(|(id, t)| {
            let n = now.remove(&id)?;
            (n != t).then_some((n, Some(t)))
        })
        .collect())
}
