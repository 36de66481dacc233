//! 除票用データベース (9.3, j1300; 1.1.5, j50): a 除票 stays in the 住民記録 database for
//! five years after its removal; then a batch, run at least once a year outside the busy
//! season (a `Yearly` schedule of the job `archive_removed`), moves it to the
//! 除票用データベース and deletes it from the 住民記録 database at the same time. There it is
//! kept until 150 years after its removal.
//!
//! The move is a ledger entry (除票用データベースへの移行) naming the 除票 it moves, so the
//! projections stay a fold of the ledger (`kikan check` replays it) and an export carries
//! it. The store keeps an archived record and all its versions in tables of their own:
//! searches, lists, statistics and the online work read the 住民記録 database; the 除票
//! search reads it first and the 除票用データベース after it (its hits after the others); a
//! record asked for by its 宛名番号 (its 異動履歴, a 除票の写し) is found in either.
//!
//! A 除票 in the 除票用データベース takes part in no change. To cancel an entry of it or
//! correct an item (4.6.0.1), staff bring it back first (除票用データベースからの復元), which
//! is also a ledger entry; the next yearly run moves it again.

use crate::Actor;
use crate::record::{Recorded, change_event, record_audited};
use chrono::{DateTime, Months, NaiveDate, Utc};
use kikan_domain::ledger::ARCHIVE_AFTER_YEARS;
use kikan_domain::{Change, DomainError, LedgerEntry, LocalGovCode, PersonId, PersonStatus};
use kikan_store::{Store, StoreError};

/// 除票 named by one entry of the move: a large move is many entries, each committed on
/// its own (an interrupted run leaves whole entries, and the next run moves the rest).
pub const PER_ENTRY: usize = 200;
/// 除票 read at a time while looking for those due.
const PAGE: u32 = 5000;

/// What a move did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Moved {
    /// 除票 moved.
    pub persons: usize,
    /// Ledger entries recorded.
    pub entries: usize,
    /// Entries not recorded because a clerk held one of their records (排他制御): left
    /// for the next run.
    pub held: usize,
}

/// A move's entry: by 職権, on `today`, in `actor`'s name.
fn entry_of(
    change: Change,
    today: NaiveDate,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<LedgerEntry, DomainError> {
    Ok(
        LedgerEntry::at_intake(change, today, today, now, actor.name.clone(), None, today)?
            .with_basis(kikan_domain::Basis::ExOfficio),
    )
}

/// The latest removal day of a 除票 due to move on `today`: five years before it.
pub fn due_removed_by(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(12 * ARCHIVE_AFTER_YEARS))
        .unwrap_or(NaiveDate::MIN)
}

/// The 除票 in the 住民記録 database removed on or before `due_removed_by(today)`, by id.
pub async fn due(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
) -> Result<Vec<PersonId>, StoreError> {
    let last = due_removed_by(today);
    let mut out = vec![];
    let mut after = None;
    loop {
        let page = store.removed_records(tenant, false, after, PAGE).await?;
        let Some(p) = page.last() else { break };
        after = Some(p.id);
        out.extend(
            page.iter()
                .filter(|p| p.archived_on.is_none())
                .filter(|p| matches!(p.status, PersonStatus::Removed { on, .. } if on <= last))
                .map(|p| p.id),
        );
    }
    Ok(out)
}

/// Moves every 除票 due on `today` to the 除票用データベース, [`PER_ENTRY`] an entry, each
/// entry audited in `actor`'s name. Running twice never moves anything twice: a moved
/// 除票 is no longer in the 住民記録 database.
pub async fn move_due(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Moved, StoreError> {
    let due = due(store, tenant, today).await?;
    let mut out = Moved::default();
    for chunk in due.chunks(PER_ENTRY) {
        let entry = entry_of(
            Change::Archive {
                persons: chunk.to_vec(),
            },
            today,
            now,
            actor,
        )?;
        let event = change_event(
            actor,
            &entry,
            Some(format!("除票用データベースへの移行 {}人", chunk.len())),
        );
        match record_audited(store, tenant, entry, &[], Some(event), None).await {
            Ok(r) => {
                out.persons += r.persons.len();
                out.entries += 1;
            }
            Err(StoreError::Domain(DomainError::Locked { .. })) => out.held += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Brings one 除票 back from the 除票用データベース to the 住民記録 database (4.6.0.1), so
/// that an entry of it can be cancelled or an item corrected.
pub async fn bring_back(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    today: NaiveDate,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Recorded, StoreError> {
    let entry = entry_of(
        Change::ArchiveReturn {
            persons: vec![person],
        },
        today,
        now,
        actor,
    )?;
    let event = change_event(actor, &entry, None);
    record_audited(store, tenant, entry, &[], Some(event), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_five_years_to_the_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(due_removed_by(d("2026-12-03")), d("2021-12-03"));
        assert_eq!(due_removed_by(d("2029-02-28")), d("2024-02-28"));
        assert_eq!(due_removed_by(d("2028-02-29")), d("2023-02-28"));
    }
}
