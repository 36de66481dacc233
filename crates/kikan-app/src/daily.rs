//! 日次処理: what must happen on a date, run once a day (and again after a failure),
//! every run recorded with its outcome (9.1, j1280).
//!
//! Today's work: a 転出 takes effect by itself (1.1.5, j50). The persons of a 転出届
//! whose 転出予定日 has come without a 転入通知 leave the register on that date, as one
//! ledger entry per household and date (転出(予定日到来)); as-of views, extraction and
//! certificates then agree. The 転入通知, when it comes, completes their 除票. Running
//! twice never applies anything twice: a person once removed is no longer due.

use crate::Actor;
use crate::record::{Recorded, change_event, record_audited};
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::{Change, HouseholdId, LedgerEntry, LocalGovCode, PersonId, PersonStatus};
use kikan_store::jobs::JobRun;
use kikan_store::{Store, StoreError};
use std::collections::BTreeMap;

/// The job's name in the run history.
pub const JOB: &str = "daily";

/// Who the daily work records as: the installation itself.
pub fn actor(tenant: LocalGovCode) -> Actor {
    Actor {
        tenant,
        name: "system:日次処理".into(),
        role: None,
        purpose: Some("転出予定日到来による消除".into()),
        client: None,
        terminal: None,
    }
}

/// What the removals of a day did.
#[derive(Debug, Default)]
pub struct Removals {
    pub done: Vec<Recorded>,
    /// Households a clerk held (排他制御) while the work ran: left for the next run,
    /// which removes them on the same date.
    pub held: usize,
}

/// Removes every 転出予定 whose planned date is `today` or before: one entry per
/// household and date, on that date (or, for a record changed since, on its latest
/// change), audited. A household a clerk is entering a change of waits for the next run.
pub async fn remove_due_move_outs(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Removals, StoreError> {
    let due = store.moving_out_due(tenant, today).await?;
    let mut groups: BTreeMap<(NaiveDate, HouseholdId), (Vec<PersonId>, NaiveDate)> =
        BTreeMap::new();
    for p in &due {
        if let PersonStatus::MovingOut { planned_on, .. } = &p.status {
            let g = groups
                .entry((*planned_on, p.household_id))
                .or_insert((vec![], *planned_on));
            g.0.push(p.id);
            g.1 = g.1.max(p.last_change_on);
        }
    }
    let actor = actor(tenant);
    let mut out = Removals::default();
    for ((_, _), (persons, on)) in groups {
        let entry = LedgerEntry::at_intake(
            Change::MoveOutDue { persons },
            on,
            on,
            now,
            actor.name.clone(),
            None,
            today,
        )?;
        let event = change_event(&actor, &entry, None);
        match record_audited(store, tenant, entry, &[], Some(event), None).await {
            Ok(r) => out.done.push(r),
            Err(StoreError::Domain(kikan_domain::DomainError::Locked { .. })) => out.held += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The daily work of `today`: whether it finished, and what it did.
pub async fn work(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(bool, String), StoreError> {
    let removed = remove_due_move_outs(store, tenant, today, now).await?;
    // 10.3: the staff accounts' changes prepared for today (人事異動 …).
    let staff = crate::accounts::apply_schedules(store, tenant, today).await?;
    // A household held by a clerk leaves the run unfinished: the next one (the server
    // tries again within the hour) removes it on the same date.
    Ok((
        removed.held == 0,
        format!(
            "転出予定日到来による消除 {} 世帯 {} 人{}、職員の予定変更 {} 件",
            removed.done.len(),
            removed.done.iter().map(|r| r.persons.len()).sum::<usize>(),
            if removed.held > 0 {
                format!(
                    "(入力中で排他されているため次回に回した世帯 {})",
                    removed.held
                )
            } else {
                String::new()
            },
            staff.len()
        ),
    ))
}

/// Runs the daily work of `today` for `tenant` and records the run, failed or not
/// (a failed run is returned with `ok` false and its error's code).
pub async fn run(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
    by: &str,
) -> Result<JobRun, StoreError> {
    crate::jobs::run(
        store,
        tenant,
        crate::jobs::Job::Daily,
        serde_json::Value::Null,
        today,
        crate::jobs::Start {
            by,
            schedule: None,
            // The daily work writes no file.
            dir: std::path::Path::new("."),
            cs: None,
        },
    )
    .await
}

/// Has the daily work of `today` run to its end for `tenant`?
pub async fn done_today(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    Ok(store
        .job_runs(tenant, JOB, 24)
        .await?
        .iter()
        .any(|r| r.ok && r.on == today))
}

/// 転入通知未着 (4.1.3.1.4, j710): the 除票 of a 転出 whose 転入通知 has not come, and
/// those removed by 職権消除 with none since.
pub async fn awaiting_notice(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<Vec<kikan_domain::Person>, StoreError> {
    store.awaiting_move_in_notice(tenant).await
}
