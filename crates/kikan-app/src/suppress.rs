//! 抑止 (3.1, j410) where the work happens: a 異動, a certificate or a read of a record
//! asks [`enforce`] first. An error-level suppression in force (and not temporarily
//! released) refuses it with `E-SUPPRESS-00n`, the refusal audited; alert-level ones
//! (and error-level ones temporarily released) come back as alerts to show.

use crate::Actor;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::suppress::{Process, Subject, Verdict, decide};
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

/// How the suppressions of `subjects` decide `process` now.
pub async fn verdict(
    store: &dyn Store,
    tenant: LocalGovCode,
    process: Process,
    subjects: &[Subject],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Verdict, StoreError> {
    let held = store.suppressions_for(tenant, subjects).await?;
    Ok(decide(&held, process, subjects, today, now))
}

/// Refuses `process` when an error-level suppression holds it (the refusal audited,
/// naming `persons`), or returns the alerts to show.
pub async fn enforce(
    store: &dyn Store,
    actor: &Actor,
    process: Process,
    subjects: &[Subject],
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    let v = verdict(store, actor.tenant, process, subjects, today, Utc::now()).await?;
    if let Some((id, message)) = v.refused.first() {
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
        return Err(DomainError::Suppressed {
            process,
            message: message.clone(),
        }
        .into());
    }
    Ok(v.alerts)
}
