//! Drafts: 窓口 enters a 異動, which is checked against the register at once and
//! recorded nowhere; 審査 examines it and commits it to the ledger, or rejects it.
//!
//! A draft keeps the change as it was parsed and checked at intake ([`Intake`]: the
//! ledger entry with its new ids, and the household versions the clerk saw), so the
//! examiner commits exactly what was checked, without parsing the request again.
//! Committing a draft and recording its decision are one transaction (see
//! `Store::commit`): of two examiners committing one draft, in any number of server
//! processes, one lands and the other gets [`DraftError::Decided`] or a conflict.

use crate::Actor;
use crate::ids::new_id;
use crate::record::{self, Recorded};
use chrono::Utc;
use kikan_domain::{HouseholdId, LedgerEntry, LocalGovCode};
use kikan_store::drafts::{Draft, DraftDecision};
use kikan_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A change as parsed and checked at intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub entry: LedgerEntry,
    /// The household versions the clerk saw (a commit fails if they moved on).
    pub expect: Vec<(HouseholdId, u64)>,
}

#[derive(Debug, Error)]
pub enum DraftError {
    #[error("下書きが見つかりません")]
    NotFound,
    /// The draft was committed or rejected already.
    #[error("この下書きは既に処理されています(状態: {0})")]
    Decided(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DraftError {
    pub fn code(&self) -> &'static str {
        match self {
            DraftError::NotFound => "E-HTTP-404",
            DraftError::Decided(_) => "E-DRAFT-001",
            DraftError::Store(e) => e.code(),
        }
    }
}

impl From<kikan_domain::DomainError> for DraftError {
    fn from(e: kikan_domain::DomainError) -> Self {
        DraftError::Store(e.into())
    }
}

/// Enters a draft: checks the change as a commit would, keeps it with the request as
/// submitted (`request`, JSON), and audits the entry. Nothing reaches the ledger.
/// Returns the draft and the alerts the check raised (再転入者 or double records,
/// a household left without a head, 抑止 at alert level).
pub async fn add(
    store: &dyn Store,
    actor: &Actor,
    request: String,
    intake: &Intake,
) -> Result<(Draft, Vec<String>), StoreError> {
    let (alerts, own_locks) =
        match record::dry_run(store, actor.tenant, &intake.entry, &intake.expect).await {
            Ok(checked) => checked,
            Err(e) => {
                if let StoreError::Domain(
                    kikan_domain::DomainError::Suppressed { .. }
                    | kikan_domain::DomainError::Locked { .. },
                ) = &e
                {
                    let mut event = actor.event(
                        "suppress.refused",
                        intake
                            .entry
                            .change
                            .references()
                            .0
                            .iter()
                            .map(|x| x.0)
                            .collect(),
                        format!(
                            "異動入力(下書き)を{}により拒否({})",
                            if matches!(
                                e,
                                StoreError::Domain(kikan_domain::DomainError::Locked { .. })
                            ) {
                                "排他制御"
                            } else {
                                "抑止"
                            },
                            intake.entry.reason().label()
                        ),
                    );
                    event.outcome = kikan_security::Outcome::Denied;
                    store.append_audit(actor.tenant, &[event]).await?;
                }
                return Err(e);
            }
        };
    let draft = Draft {
        id: new_id(),
        status: "pending".into(),
        created_by: actor.name.clone(),
        created_at: Utc::now(),
        request,
        intake: Some(encode(intake)?),
        decided_by: None,
        decided_at: None,
        note: None,
        seq: None,
    };
    store.add_draft(actor.tenant, &draft).await?;
    if !own_locks.is_empty() {
        // Entered: the examiner takes it from here.
        store
            .release_locks(actor.tenant, Some(&actor.name), &own_locks)
            .await?;
    }
    let persons = intake.entry.change.references().0;
    let event = actor
        .event(
            "draft.add",
            persons.iter().map(|x| x.0).collect(),
            format!("下書き {}: {}", draft.id, intake.entry.reason().label()),
        )
        .with_my_number(intake.entry.change.carries_individual_number());
    store.append_audit(actor.tenant, &[event]).await?;
    Ok((draft, alerts))
}

fn encode(intake: &Intake) -> Result<String, StoreError> {
    serde_json::to_string(intake).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The change a draft keeps (None for a draft entered before intakes were kept: its
/// request must be parsed again).
pub fn intake_of(d: &Draft) -> Result<Option<Intake>, StoreError> {
    d.intake
        .as_deref()
        .map(|i| serde_json::from_str(i).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// A draft still waiting for its examination.
pub async fn pending(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
) -> Result<Draft, DraftError> {
    let d = store.draft(tenant, id).await?.ok_or(DraftError::NotFound)?;
    if d.status != "pending" {
        return Err(DraftError::Decided(d.status));
    }
    Ok(d)
}

/// Commits a pending draft as the examiner's: the change recorded with its audit
/// record and the draft's decision, in one transaction.
pub async fn commit(
    store: &dyn Store,
    actor: &Actor,
    d: &Draft,
    intake: Intake,
) -> Result<Recorded, DraftError> {
    let Intake { mut entry, expect } = intake;
    entry.operator = actor.name.clone();
    entry.recorded_at = Utc::now();
    let event = record::change_event(
        actor,
        &entry,
        Some(format!(
            "{}(下書き {} 入力: {} を審査して確定)",
            entry.reason().label(),
            d.id,
            d.created_by
        )),
    );
    let decision = DraftDecision {
        status: "committed",
        by: actor.name.clone(),
        at: Utc::now(),
        note: None,
        seq: None,
    };
    let recorded = record::record_audited(
        store,
        actor.tenant,
        entry,
        &expect,
        Some(event),
        Some((d.id, &decision)),
    )
    .await?;
    Ok(recorded)
}

/// Rejects a pending draft with the examiner's reason; returns it as decided.
pub async fn reject(
    store: &dyn Store,
    actor: &Actor,
    mut d: Draft,
    note: &str,
) -> Result<Draft, DraftError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(kikan_domain::DomainError::Missing {
            field: "差戻しの理由",
        }
        .into());
    }
    let decision = DraftDecision {
        status: "rejected",
        by: actor.name.clone(),
        at: Utc::now(),
        note: Some(note.to_string()),
        seq: None,
    };
    store.decide_draft(actor.tenant, d.id, &decision).await?;
    let event = actor.event("draft.reject", vec![], format!("下書き {} を差戻し", d.id));
    store.append_audit(actor.tenant, &[event]).await?;
    d.status = "rejected".into();
    d.decided_by = Some(decision.by);
    d.decided_at = Some(decision.at);
    d.note = decision.note;
    Ok(d)
}
