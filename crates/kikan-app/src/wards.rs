//! 指定都市の区間異動 (1.1.13, 4.0.2, 4.1.0.1): a 転居 from one 行政区 to another of a
//! designated city. Each ward keeps its own register (法第38条): the movers leave the old
//! ward's as a 除票 (区間転出) and enter the new ward's (区間転入) in a household with a new
//! 世帯番号, keeping their 宛名番号. kikan keeps one record per 宛名番号 for the whole
//! city; the old ward's 除票 is that record as it stood before the move, closed by it
//! ([`kikan_store::places::ward_removals`]).

use kikan_domain::{
    Change, HouseholdId, LocalGovCode, MemberRelationship, RelocationTarget, WardMove,
};
use kikan_store::{Store, StoreError};

/// Marks a 転居 that crosses wards as a 区間異動, decided at intake from the wards the
/// municipality registered (its 区役所, 1.3.1) and the household's address before the
/// move. A whole household's move becomes a move into a new household (numbered with the
/// others, 1.1.13) with the members' 続柄 as they are. Anything else is left as it is;
/// the domain rules judge the change afterwards.
pub async fn mark_ward_move(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &mut Change,
) -> Result<(), StoreError> {
    let Change::Relocation {
        persons,
        address,
        target,
        ward_move,
    } = change
    else {
        return Ok(());
    };
    let places = store.places(tenant).await?;
    let wards = kikan_store::places::wards(&places);
    if wards.is_empty() {
        return Ok(());
    }
    let Some(first) = persons.first() else {
        return Ok(());
    };
    let Some(mover) = store.persons(tenant, &[*first]).await?.pop() else {
        return Ok(());
    };
    let Some(household) = store.households(tenant, &[mover.household_id]).await?.pop() else {
        return Ok(());
    };
    let city = store.registered_tenant(tenant).await?.name;
    let ward = |a| kikan_store::places::ward_of_address(a, &city, &wards);
    let (Some(from), Some(to)) = (ward(&household.address), ward(address)) else {
        return Ok(());
    };
    let (Some(from), Some(to)) = (from.ward.clone(), to.ward.clone()) else {
        return Ok(());
    };
    if from == to {
        return Ok(());
    }
    if matches!(target, RelocationTarget::WholeHousehold) {
        let members = store.persons(tenant, &household.members).await?;
        *target = RelocationTarget::NewHousehold {
            // Numbered with the change's other new records.
            id: HouseholdId(0),
            relationships: household
                .members
                .iter()
                .filter_map(|id| members.iter().find(|m| m.id == *id))
                .map(|m| MemberRelationship {
                    person: m.id,
                    relationship: m.relationship,
                })
                .collect(),
        };
    }
    *ward_move = Some(WardMove { from, to });
    Ok(())
}
