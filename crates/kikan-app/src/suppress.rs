//! 抑止 (3.1, j410) where the work happens: a 異動, a certificate or a read of a record
//! asks [`enforce`] first. An error-level suppression in force (and not temporarily
//! released) refuses it with `E-SUPPRESS-00n`, the refusal audited; alert-level ones
//! (and error-level ones temporarily released) come back as alerts to show.

use crate::Actor;
use chrono::{NaiveDate, Utc};
use kikan_domain::suppress::{Process, Subject, Suppression, SuppressionId, decide};
use kikan_domain::{DomainError, HouseholdId, LocalGovCode, Person, PersonId};
use kikan_security::Outcome;
use kikan_store::{Store, StoreError};
use std::collections::BTreeSet;

/// The subjects a processing concerns: each person, and each household (a household's
/// suppression holds every member).
pub fn subjects(persons: &[&Person], households: &[HouseholdId]) -> Vec<Subject> {
    let mut out: BTreeSet<Subject> = persons
        .iter()
        .flat_map(|p| [Subject::Person(p.id), Subject::Household(p.household_id)])
        .collect();
    out.extend(households.iter().map(|h| Subject::Household(*h)));
    out.into_iter().collect()
}

/// How the suppressions `held` (those of `subjects`) decide `process` now: the alerts
/// to show, or the refusal (the suppression's id, and the error to answer with).
pub fn judge(
    held: &[Suppression],
    process: Process,
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<Vec<String>, (SuppressionId, StoreError)> {
    let v = decide(held, process, subjects, today, Utc::now());
    match v.refused.into_iter().next() {
        Some((id, message)) => Err((id, DomainError::Suppressed { process, message }.into())),
        None => Ok(v.alerts),
    }
}

/// Refuses `process` when an error-level suppression holds it (the refusal audited,
/// naming the persons among `subjects`), or returns the alerts to show.
pub async fn enforce(
    store: &dyn Store,
    actor: &Actor,
    process: Process,
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    let held = store.suppressions_for(actor.tenant, subjects).await?;
    enforce_held(store, actor, process, subjects, &held, today).await
}

/// [`enforce`] with the suppressions of `subjects` already loaded (`held`), for a caller
/// that shows them too.
pub async fn enforce_held(
    store: &dyn Store,
    actor: &Actor,
    process: Process,
    subjects: &[Subject],
    held: &[Suppression],
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    match judge(held, process, subjects, today) {
        Ok(alerts) => Ok(alerts),
        Err((id, err)) => {
            let persons: Vec<i64> = subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::Person(PersonId(p)) => Some(*p),
                    Subject::Household(_) => None,
                })
                .collect();
            let mut e = actor.event(
                "suppress.refused",
                persons,
                format!("{}を抑止により拒否(抑止 {id})", process.label()),
            );
            e.outcome = Outcome::Denied;
            store.append_audit(actor.tenant, &[e]).await?;
            Err(err)
        }
    }
}

/// 3.1: a suppression of certificates set or released goes to the CS as the
/// 交付抑止情報 of each person it concerns now (a temporary release never does: other
/// systems must not take it for a release). Nothing for a suppression of other work.
pub async fn feed_holds(
    store: &dyn Store,
    tenant: kikan_domain::LocalGovCode,
    s: &Suppression,
    today: NaiveDate,
) -> Result<Vec<kikan_domain::cs::CsItem>, StoreError> {
    if !s.processes.contains(&Process::Certificate) {
        return Ok(vec![]);
    }
    let persons = crate::cs::persons_of(store, tenant, s.subject).await?;
    crate::cs::send_holds(store, tenant, &persons, today).await
}

/// 抑止対象者一覧 (9.2) as CSV (UTF-8 with BOM, CRLF): each suppression in force on `on`,
/// with its subject (宛名番号 and name, or 世帯番号), 区分, the processes it holds, エラー or
/// アラート, its reason and dates; and how many it lists. The names are read as of `on`.
pub async fn list_csv(
    store: &dyn Store,
    tenant: LocalGovCode,
    on: NaiveDate,
) -> Result<(String, usize), StoreError> {
    use kikan_domain::csv::cell;
    let held: Vec<_> = store
        .suppressions(tenant)
        .await?
        .into_iter()
        .filter(|s| s.in_force(on))
        .collect();
    let ids: Vec<PersonId> = held
        .iter()
        .filter_map(|s| match s.subject {
            Subject::Person(id) => Some(id),
            Subject::Household(_) => None,
        })
        .collect();
    let persons = store.persons(tenant, &ids).await?;
    let mut out = String::from(
        "\u{feff}抑止番号,対象,宛名番号・世帯番号,氏名,区分,抑止する処理,エラー・アラート,理由,開始日,終了日\r\n",
    );
    for s in &held {
        let (kind, number, name) = match s.subject {
            Subject::Person(id) => (
                "個人",
                id.to_string(),
                persons
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.name.full())
                    .unwrap_or_default(),
            ),
            Subject::Household(h) => ("世帯", h.to_string(), String::new()),
        };
        let processes: Vec<&str> = s.processes.iter().map(|p| p.label()).collect();
        out.push_str(&format!(
            "{},{kind},{number},{},{},{},{},{},{},{}\r\n",
            s.id.0,
            cell(&name),
            s.category.label(),
            processes.join("・"),
            s.level.label(),
            cell(&s.reason),
            s.starts_on,
            s.ends_on.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    Ok((out, held.len()))
}
