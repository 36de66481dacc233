//! Recording a change: the slice it touches loaded, the versions the clerk saw checked,
//! the domain rules applied, and all of it committed with its audit record or nothing.

use crate::Actor;
use kikan_domain::suppress::{Process, Subject};
use kikan_domain::{
    DomainError, Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId, Registry,
};
use kikan_security::AuditEvent;
use kikan_store::{Store, StoreError};
use std::collections::BTreeSet;

/// What a recorded change produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub entry: LedgerEntry,
    pub persons: Vec<PersonId>,
    pub households: Vec<HouseholdId>,
    /// Alerts of 抑止 (alert level, or temporarily released) on what it touched.
    pub alerts: Vec<String>,
}

/// Loads the slice of the registry a change needs: the named persons and households,
/// the persons' households, and every member of those households.
pub async fn load_slice(
    store: &dyn Store,
    tenant: LocalGovCode,
    persons: &[PersonId],
    households: &[HouseholdId],
) -> Result<Registry, StoreError> {
    let mut reg = Registry::new();
    let mut hids: BTreeSet<HouseholdId> = households.iter().copied().collect();
    for p in store.persons(tenant, persons).await? {
        hids.insert(p.household_id);
        reg.insert_person(p);
    }
    let hids: Vec<HouseholdId> = hids.into_iter().collect();
    let mut missing = BTreeSet::new();
    for h in store.households(tenant, &hids).await? {
        missing.extend(
            h.members
                .iter()
                .copied()
                .filter(|m| reg.person(*m).is_none()),
        );
        reg.insert_household(h);
    }
    let missing: Vec<PersonId> = missing.into_iter().collect();
    for p in store.persons(tenant, &missing).await? {
        reg.insert_person(p);
    }
    Ok(reg)
}

/// Loads the slice a change touches, checks the versions the clerk saw and applies
/// the domain rules, without writing anything.
async fn apply_on_slice(
    store: &dyn Store,
    tenant: LocalGovCode,
    entry: &LedgerEntry,
    expect: &[(HouseholdId, u64)],
) -> Result<(Registry, kikan_domain::Touched, Vec<HouseholdId>), StoreError> {
    let (pids, hids) = entry.change.references();
    let hids: Vec<HouseholdId> = hids
        .into_iter()
        .chain(expect.iter().map(|(h, _)| *h))
        .collect();
    let mut reg = load_slice(store, tenant, &pids, &hids).await?;
    for (hid, version) in expect {
        let h = reg
            .household(*hid)
            .ok_or_else(|| DomainError::HouseholdNotFound(hid.to_string()))?;
        if h.version != *version {
            return Err(DomainError::Conflict {
                expected: *version,
                actual: h.version,
            }
            .into());
        }
    }
    // The households the named persons live in before the change (a household's
    // suppression holds a member leaving it too).
    let mut before: Vec<HouseholdId> = pids
        .iter()
        .filter_map(|p| reg.person(*p).map(|p| p.household_id))
        .collect();
    before.extend(hids);
    let touched = reg.apply(entry)?;
    Ok((reg, touched, before))
}

/// 抑止 of 異動入力 on what a change touched (each person, their households before and
/// after, the households changed): refused by an error-level suppression in force or by
/// another staff member's lock (排他制御), or the alerts to show and the subjects `who`
/// holds locks of (released once the change is recorded).
async fn suppression_alerts(
    store: &dyn Store,
    tenant: LocalGovCode,
    who: &str,
    reg: &Registry,
    touched: &kikan_domain::Touched,
    before: &[HouseholdId],
) -> Result<(Vec<String>, Vec<Subject>), StoreError> {
    let persons: Vec<&Person> = touched
        .persons
        .iter()
        .filter_map(|id| reg.person(*id))
        .collect();
    let households: Vec<HouseholdId> = touched.households.iter().chain(before).copied().collect();
    let subjects = crate::suppress::subjects(&persons, &households);
    // 排他制御 (10.3): a record someone else is entering a change of waits for them.
    let locks = store.locks_for(tenant, &subjects).await?;
    let now = chrono::Utc::now();
    if let Some(l) = kikan_domain::suppress::locked_out(&locks, who, now) {
        return Err(DomainError::Locked {
            message: l.message(),
        }
        .into());
    }
    let own: Vec<Subject> = locks
        .iter()
        .filter(|l| l.holder == who)
        .map(|l| l.subject)
        .collect();
    let held = store.suppressions_for(tenant, &subjects).await?;
    let alerts = crate::suppress::judge(&held, Process::Change, &subjects, crate::japan_today())
        .map_err(|(_, e)| e)?;
    Ok((alerts, own))
}

/// Checks a change as [`record`] would, and records nothing (a draft's examination).
/// Returns the alerts, and the subjects the entry's operator holds locks of.
pub async fn dry_run(
    store: &dyn Store,
    tenant: LocalGovCode,
    entry: &LedgerEntry,
    expect: &[(HouseholdId, u64)],
) -> Result<(Vec<String>, Vec<Subject>), StoreError> {
    store.registered_tenant(tenant).await?;
    let mut change = entry.change.clone();
    crate::addresses::complete_addresses(store, tenant, &mut change, entry.effective_on).await?;
    let mut alerts = check_newcomers(store, tenant, &entry.change).await?;
    let (reg, touched, before) = apply_on_slice(store, tenant, entry, expect).await?;
    alerts.extend(touched.notices.iter().map(|n| n.message()));
    let (held, own) =
        suppression_alerts(store, tenant, &entry.operator, &reg, &touched, &before).await?;
    alerts.extend(held);
    Ok((alerts, own))
}

/// What a change would write, recording nothing (the 確認用帳票 of a draft, 4.0.9): each
/// person it touches as the change leaves them, with their record before it (None: new
/// to the register), in the order the change names them.
pub async fn preview(
    store: &dyn Store,
    tenant: LocalGovCode,
    entry: &LedgerEntry,
    expect: &[(HouseholdId, u64)],
) -> Result<Vec<(Person, Option<Person>)>, StoreError> {
    let (reg, touched, _) = apply_on_slice(store, tenant, entry, expect).await?;
    let before = store.persons(tenant, &touched.persons).await?;
    let order = entry.change.persons_named();
    let mut out: Vec<(Person, Option<Person>)> = touched
        .persons
        .iter()
        .filter_map(|id| reg.person(*id).cloned())
        .map(|after| {
            let was = before.iter().find(|b| b.id == after.id).cloned();
            (after, was)
        })
        .collect();
    out.sort_by_key(|(p, _)| {
        order
            .iter()
            .position(|id| *id == p.id)
            .unwrap_or(usize::MAX)
    });
    Ok(out)
}

/// Records one change: loads what it touches, checks the versions the clerk saw
/// (`expect`), applies the domain rules and commits all of it or nothing.
pub async fn record(
    store: &dyn Store,
    tenant: LocalGovCode,
    entry: LedgerEntry,
    expect: &[(HouseholdId, u64)],
) -> Result<Recorded, StoreError> {
    record_audited(store, tenant, entry, expect, None, None).await
}

/// [`record`], with the audit event committed in the same transaction; the event's
/// residents are filled in with every person the change touched. With a draft, its
/// decision is recorded in the same transaction (see [`Store::commit`]).
pub async fn record_audited(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut entry: LedgerEntry,
    expect: &[(HouseholdId, u64)],
    audit: Option<AuditEvent>,
    draft: Option<(i64, &kikan_store::drafts::DraftDecision)>,
) -> Result<Recorded, StoreError> {
    let this = store.registered_tenant(tenant).await?;
    // 通称を記載・削除した市区町村 (1.1.2): this one.
    if let kikan_domain::Change::AliasRecord { municipality, .. }
    | kikan_domain::Change::AliasDeletion { municipality, .. } = &mut entry.change
    {
        *municipality = Some(kikan_domain::LocalBody {
            code: this.code.to_string(),
            name: this.name,
        });
    }
    let on = entry.effective_on;
    crate::addresses::complete_addresses(store, tenant, &mut entry.change, on).await?;
    let newcomers = check_newcomers(store, tenant, &entry.change).await?;
    let (reg, touched, before) = apply_on_slice(store, tenant, &entry, expect).await?;
    let (mut alerts, own_locks) =
        match suppression_alerts(store, tenant, &entry.operator, &reg, &touched, &before).await {
            Ok(held) => held,
            Err(e) => {
                // The refusal is audited in the name of whoever asked.
                if let Some(mut event) = audit {
                    event.action = "suppress.refused".into();
                    event.outcome = kikan_security::Outcome::Denied;
                    event.persons = touched.persons.iter().map(|p| p.0).collect();
                    event.detail = match &e {
                        StoreError::Domain(DomainError::Locked { .. }) => {
                            format!("異動入力を排他制御により拒否({})", entry.reason().label())
                        }
                        _ => format!("異動入力を抑止により拒否({})", entry.reason().label()),
                    };
                    store.append_audit(tenant, &[event]).await?;
                }
                return Err(e);
            }
        };
    // What the rules allowed but staff must hear of (a household left without a head, a
    // newcomer who may be a 再転入者 …).
    alerts.extend(touched.notices.iter().map(|n| n.message()));
    alerts.extend(newcomers);
    let persons: Vec<&Person> = touched
        .persons
        .iter()
        .filter_map(|id| reg.person(*id))
        .collect();
    let households: Vec<&Household> = touched
        .households
        .iter()
        .filter_map(|id| reg.household(*id))
        .collect();
    let audit: Vec<AuditEvent> = audit
        .into_iter()
        .map(|mut e| {
            e.persons = touched.persons.iter().map(|p| p.0).collect();
            e
        })
        .collect();
    entry.seq = store
        .commit(tenant, &entry, &persons, &households, &audit, draft)
        .await?;
    if !own_locks.is_empty() {
        // The work the locks were taken for is done.
        store
            .release_locks(tenant, Some(&entry.operator), &own_locks)
            .await?;
    }
    tracing::debug!(tenant = %tenant, seq = entry.seq, reason = entry.reason().label(), "recorded");
    Ok(Recorded {
        entry,
        persons: touched.persons,
        households: touched.households,
        alerts,
    })
}

/// The audit event of a recorded change, in the actor's name; without a stated
/// purpose, the purpose is the notification's processing.
pub fn change_event(actor: &Actor, entry: &LedgerEntry, detail: Option<String>) -> AuditEvent {
    let mut event = actor.event(
        "change.record",
        vec![],
        detail.unwrap_or_else(|| entry.reason().label().into()),
    );
    if event.purpose.is_none() {
        event.purpose = Some("住民異動届の処理".into());
    }
    event.with_my_number(entry.change.carries_individual_number())
}

/// The warning for a notification made after its period.
pub const LATE: &str = "届出期間(14日)を過ぎた届出です。届出期間経過の記録を確認してください";
/// The warning for a change concerning a person under a 支援措置.
pub const PROTECTED: &str = "支援措置の対象者が含まれています。住所等の取扱いに注意してください";

/// The warnings of the entry itself: a late notification, persons under a 支援措置.
pub async fn entry_warnings(
    store: &dyn Store,
    tenant: LocalGovCode,
    entry: &LedgerEntry,
    today: chrono::NaiveDate,
) -> Result<Vec<String>, StoreError> {
    let persons = entry.change.references().0;
    let protected = store
        .support_for(tenant, &persons)
        .await?
        .iter()
        .any(|m| m.in_force(today));
    Ok(warnings_for(entry, protected))
}

/// [`entry_warnings`] where the caller already knows whether a person the change
/// concerns is protected (a list that loaded the measures once).
pub fn warnings_for(entry: &LedgerEntry, protected: bool) -> Vec<String> {
    let mut out = vec![];
    if entry.late {
        out.push(LATE.to_string());
    }
    if protected {
        out.push(PROTECTED.to_string());
    }
    out
}

/// A 転入通知 (転出確定) at intake (1.1.5, 4.1.3.1.1): the 転入日 entered as its 異動日
/// becomes the 転出年月日（確定）; the entry takes effect on the earlier of it and the
/// 転出予定日 for persons still on the register, or on the day the notice came for a
/// 除票 already removed on its planned date (which the notice completes). Other changes
/// are left as they are.
pub async fn settle_move_in_notice(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &mut kikan_domain::Change,
    effective_on: &mut chrono::NaiveDate,
    notified_on: chrono::NaiveDate,
) -> Result<(), StoreError> {
    let kikan_domain::Change::MoveOutConfirmed {
        persons, moved_on, ..
    } = change
    else {
        return Ok(());
    };
    let entered = *effective_on;
    *moved_on = Some(entered);
    let found = store.persons(tenant, persons).await?;
    if found.iter().any(Person::is_removed) {
        // A 除票 removed on its planned date: the notice takes effect when it came, or
        // on the 転入日 when that is earlier than the removal (which it moves back).
        let removed_on = found
            .iter()
            .filter_map(|p| match &p.status {
                kikan_domain::PersonStatus::Removed {
                    on,
                    moved_out: Some(m),
                    ..
                } if m.notice.is_none() => Some(*on),
                _ => None,
            })
            .min();
        *effective_on = match removed_on {
            // A 転入日 after the notice's own date: left for the entry to refuse.
            _ if entered > notified_on => entered,
            Some(on) if entered < on => entered,
            _ => notified_on,
        };
        return Ok(());
    }
    let planned = found
        .iter()
        .filter_map(|p| match &p.status {
            kikan_domain::PersonStatus::MovingOut { planned_on, .. } => Some(*planned_on),
            _ => None,
        })
        .min();
    if let Some(planned) = planned {
        *effective_on = entered.min(planned);
    }
    Ok(())
}

/// 再転入者 and double records at a 転入 (4.1.1.2, j600): a new person whose 個人番号 or
/// 住民票コード is a 除票's is refused until entered as that 再転入者 (their 宛名番号), or
/// is refused outright when it is a current resident's; one whose 氏名・性別・生年月日 match
/// a 除票 or a resident gets an alert. Returns the alerts.
pub async fn check_newcomers(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &kikan_domain::Change,
) -> Result<Vec<String>, StoreError> {
    let kikan_domain::Change::MoveIn { persons, .. } = change else {
        return Ok(vec![]);
    };
    let mut alerts = vec![];
    // Names a registered 外字 makes one (2.1.2) count as the same name; the registrations
    // are read once, and only when a name differs.
    let mut registered = None;
    for d in persons.iter().filter(|d| !d.returning) {
        let mut by_number = vec![];
        if let Some(n) = &d.individual_number {
            by_number.push((
                "個人番号",
                kikan_store::SearchKeys {
                    individual_number: Some(n.as_str().to_string()),
                    include_removed: true,
                    limit: 5,
                    ..Default::default()
                },
            ));
        }
        if let Some(c) = &d.juminhyo_code {
            by_number.push((
                "住民票コード",
                kikan_store::SearchKeys {
                    juminhyo_code: Some(c.to_string()),
                    include_removed: true,
                    limit: 5,
                    ..Default::default()
                },
            ));
        }
        if let Some(c) = d.foreign.as_ref().and_then(|f| f.card_number.as_deref()) {
            by_number.push((
                "在留カード等番号",
                kikan_store::SearchKeys {
                    card_number: Some(kikan_store::card_key(c)),
                    include_removed: true,
                    limit: 5,
                    ..Default::default()
                },
            ));
        }
        for (item, keys) in by_number {
            // A record with this very 宛名番号 is this entry recorded already (a draft
            // committed twice): the commit answers that as a conflict.
            if let Some(p) = store
                .search(tenant, &keys)
                .await?
                .into_iter()
                .find(|p| p.id != d.id)
            {
                let (name, id) = (p.name.full(), p.id.to_string());
                return Err(if p.is_removed() {
                    DomainError::ReturningResident { name, id, item }
                } else {
                    DomainError::AlreadyResident { name, id, item }
                }
                .into());
            }
        }
        // 3情報: the same name (as its search key), sex and birth date — looked up by the
        // birth date, whose few records are then compared (a common name would have the
        // lookup walk every record of that name).
        let keys = kikan_store::SearchKeys {
            birth_date: Some(d.birth_date),
            include_removed: true,
            limit: 1000,
            every_hit: true,
            ..Default::default()
        };
        for p in store.search(tenant, &keys).await? {
            if p.id == d.id || p.sex != d.sex {
                continue;
            }
            let (a, b) = (p.name.key(), d.name.key());
            if a != b {
                if registered.is_none() {
                    registered = Some(kikan_cert::settings::variant_groups(store, tenant).await?);
                }
                if registered
                    .as_ref()
                    .is_none_or(|g| g.canonical(&a) != g.canonical(&b))
                {
                    continue;
                }
            }
            alerts.push(if p.is_removed() {
                format!(
                    "{}さんは除票(宛名番号{})と氏名・性別・生年月日が一致します。再転入者であれば、その宛名番号を指定して入力してください",
                    d.name.full(),
                    p.id
                )
            } else {
                format!(
                    "{}さんは住民として記録されている人(宛名番号{})と氏名・性別・生年月日が一致します。二重に記録していないか確認してください",
                    d.name.full(),
                    p.id
                )
            });
        }
    }
    Ok(alerts)
}
