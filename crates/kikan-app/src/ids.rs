//! New identifiers for persons, households, drafts and accounts.

use kikan_domain::codes::serial_number;
use kikan_domain::{Change, HouseholdId, LocalGovCode, PersonId};
use kikan_store::{SerialKind, Store, StoreError};

/// Identifiers are random in 1..2⁵³ so that they stay exact in JSON numbers; a clash
/// (about one in 10¹⁵ per pair) fails the commit as a conflict instead of overwriting.
pub fn new_person_id() -> PersonId {
    PersonId(new_id())
}
pub fn new_household_id() -> HouseholdId {
    HouseholdId(new_id())
}
pub fn new_id() -> i64 {
    (rand::random::<u64>() % ((1u64 << 53) - 1) + 1) as i64
}

/// Gives the new persons and households of `change` their 宛名番号 and 世帯番号 (1.1.13,
/// j130): the municipality's next serials, each followed by its modulus-11 check digit.
/// A number already held by an earlier record (numbers were once drawn at random) is
/// passed over.
pub async fn number(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &mut Change,
) -> Result<(), StoreError> {
    let (persons, households) = change.new_ids_mut();
    let person_numbers = take(store, tenant, SerialKind::Persons, persons.len()).await?;
    for (slot, n) in persons.into_iter().zip(person_numbers) {
        *slot = PersonId(n);
    }
    let household_numbers = take(store, tenant, SerialKind::Households, households.len()).await?;
    for (slot, n) in households.into_iter().zip(household_numbers) {
        *slot = HouseholdId(n);
    }
    Ok(())
}

/// The next 世帯番号 (1.1.13), for a household formed other than by a change that names
/// its new households (an 異動の取消し that cannot return someone to theirs).
pub async fn household_number(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<HouseholdId, StoreError> {
    let n = take(store, tenant, SerialKind::Households, 1).await?;
    n.first()
        .copied()
        .map(HouseholdId)
        .ok_or_else(|| StoreError::Corrupt("no 世帯番号".into()))
}

/// `n` numbers of `kind` no record holds yet.
async fn take(
    store: &dyn Store,
    tenant: LocalGovCode,
    kind: SerialKind,
    n: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut out: Vec<i64> = Vec::with_capacity(n);
    while out.len() < n {
        let want = (n - out.len()) as i64;
        let last = store.reserve_serials(tenant, kind, want).await?;
        let numbers: Vec<i64> = (last - want + 1..=last).map(serial_number).collect();
        let held: std::collections::BTreeSet<i64> = match kind {
            SerialKind::Persons => {
                let ids: Vec<PersonId> = numbers.iter().copied().map(PersonId).collect();
                store
                    .persons(tenant, &ids)
                    .await?
                    .iter()
                    .map(|p| p.id.0)
                    .collect()
            }
            SerialKind::Households => {
                let ids: Vec<HouseholdId> = numbers.iter().copied().map(HouseholdId).collect();
                store
                    .households(tenant, &ids)
                    .await?
                    .iter()
                    .map(|h| h.id.0)
                    .collect()
            }
        };
        out.extend(numbers.into_iter().filter(|x| !held.contains(x)));
    }
    Ok(out)
}
