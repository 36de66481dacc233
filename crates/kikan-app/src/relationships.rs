//! 続柄 stored before kikan followed 1.1.11 (j110): 孫, 祖父, おじ, 妻(未届) … Each is
//! listed with the standard's forms it may stand for; where there is one (孫 is 子の子),
//! [`migrate`] records it as a 職権修正 of the 続柄, audited; where only the family knows
//! (祖父 is 父の父 or 母の父), the person stays on the list for staff to correct.

use crate::Actor;
use crate::record::{change_event, record_audited};
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::{
    Change, Correction, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId, Relationship,
};
use kikan_store::{Store, StoreError};

/// Rows read per page.
const PAGE: u32 = 20_000;

/// A resident whose 続柄 is in a form the standard does not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyForm {
    pub person: PersonId,
    pub household: HouseholdId,
    pub name: String,
    pub stored: String,
    /// The standard's forms it may stand for; one when it is a plain rewriting.
    pub forms: Vec<&'static str>,
}

/// Every resident on the register today whose 続柄 is in a form of before 1.1.11.
pub async fn legacy(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
) -> Result<Vec<LegacyForm>, StoreError> {
    let t = tenant.to_string();
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let mut out = vec![];
    let mut after = None;
    loop {
        let page = store
            .residents_as_of_json(tenant, today, after, PAGE)
            .await?;
        for (_, json) in &page {
            let plain = store.sealer().unseal(&t, json)?;
            let p: Person = serde_json::from_str(&plain).map_err(corrupt)?;
            if let Relationship::Legacy(l) = p.relationship {
                out.push(LegacyForm {
                    person: p.id,
                    household: p.household_id,
                    name: p.name.full(),
                    stored: l.label().into(),
                    forms: l.standard_forms().to_vec(),
                });
            }
        }
        match page.last() {
            Some(&(last, _)) if page.len() == PAGE as usize => after = Some(last),
            _ => break,
        }
    }
    Ok(out)
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Corrected to the one standard form, one ledger entry each.
    pub corrected: Vec<LegacyForm>,
    /// Left for staff: more than one standard form fits.
    pub left: Vec<LegacyForm>,
}

/// Records a 職権修正 of the 続柄 for every stored form with exactly one standard
/// form, in `actor`'s name and audited; lists the others.
pub async fn migrate(
    store: &dyn Store,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Migrated, StoreError> {
    let mut done = Migrated {
        corrected: vec![],
        left: vec![],
    };
    for row in legacy(store, actor.tenant, today).await? {
        let [form] = row.forms.as_slice() else {
            done.left.push(row);
            continue;
        };
        let old = Relationship::parse_stored(&row.stored)?;
        let new = Relationship::parse(form)?;
        let entry = LedgerEntry::at_intake(
            Change::Correction {
                person: row.person,
                correction: Correction::Relationship { old, new },
                kind: kikan_domain::CorrectionKind::ExOfficio,
            },
            today,
            today,
            now,
            actor.name.clone(),
            None,
            today,
        )?;
        let event = change_event(
            actor,
            &entry,
            Some(format!(
                "続柄の表記を標準仕様に合わせる({} → {form})",
                row.stored
            )),
        );
        record_audited(store, actor.tenant, entry, &[], Some(event), None).await?;
        done.corrected.push(row);
    }
    Ok(done)
}
