//! The letters the registry sends (通知書・照会書, `kikan_domain::letters`): who they
//! concern and the dates they state, read from the store. Drawing them is kikan-cert's;
//! auditing the read is the caller's, as for any read of personal data.

use chrono::NaiveDate;
use kikan_domain::letters::{self, Letter, Sender};
use kikan_domain::notices::{self, CodeNotice, Written};
use kikan_domain::{
    DomainError, Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId,
};
use kikan_store::{Store, StoreError};

/// How many of a household's latest entries are looked through for the day its head
/// changed; a household with more has its head since before them.
const LOOK_BACK: usize = 200;

/// The municipality as the letters name it.
pub async fn sender(store: &dyn Store, tenant: LocalGovCode) -> Result<Sender, StoreError> {
    let t = store.registered_tenant(tenant).await?;
    Ok(Sender {
        municipality: t.name,
        mayor: t.mayor,
    })
}

/// The 異動日 from which the household has had its present head (or none): the latest
/// entry before which the head was another (or the household did not exist).
pub async fn head_since(
    store: &dyn Store,
    tenant: LocalGovCode,
    household: &Household,
) -> Result<NaiveDate, StoreError> {
    let entries = store.entries_for(tenant, None, Some(household.id)).await?;
    let mut since = None;
    for e in entries.iter().rev().take(LOOK_BACK) {
        since = Some(e.effective_on);
        let before = match e.effective_on.pred_opt() {
            Some(day) => store.household_as_of(tenant, household.id, day).await?,
            None => None,
        };
        match before {
            Some((h, _)) if h.head == household.head => continue,
            _ => break,
        }
    }
    since
        .ok_or_else(|| StoreError::Domain(DomainError::HouseholdNotFound(household.id.to_string())))
}

/// A household on the register and its members as they stand, for a household letter.
pub async fn household(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: HouseholdId,
) -> Result<(Household, Vec<Person>), StoreError> {
    let h = store
        .households(tenant, &[id])
        .await?
        .pop()
        .filter(|h| h.dissolved_on.is_none())
        .ok_or_else(|| StoreError::Domain(DomainError::HouseholdNotFound(id.to_string())))?;
    let members = store.persons(tenant, &h.members).await?;
    Ok((h, members))
}

/// Draws up the household letter for `h` with `members` as the reader may see them.
pub async fn household_letter(
    store: &dyn Store,
    tenant: LocalGovCode,
    h: &Household,
    members: &[Person],
    today: NaiveDate,
) -> Result<Letter, StoreError> {
    let from = sender(store, tenant).await?;
    let since = head_since(store, tenant, h).await?;
    Ok(if h.head.is_some() {
        letters::head_change_notice(&from, h, members, since, today)?
    } else {
        letters::head_change_request(&from, h, members, since, today)?
    })
}

/// A person (or 除票) by 宛名番号, for a letter about them (PersonNotFound when none).
pub async fn person(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: PersonId,
) -> Result<Person, StoreError> {
    store
        .persons(tenant, &[id])
        .await?
        .pop()
        .ok_or_else(|| StoreError::Domain(DomainError::PersonNotFound(id.to_string())))
}

/// Ledger entry `seq` and the persons it wrote (as written, as before), in the order the
/// entry names them, for the notices made from an entry (`kikan_domain::notices`).
pub async fn entry_written(
    store: &dyn Store,
    tenant: LocalGovCode,
    seq: i64,
) -> Result<(LedgerEntry, Vec<Written>), StoreError> {
    let entry =
        store
            .entry(tenant, seq)
            .await?
            .ok_or_else(|| DomainError::LetterNotApplicable {
                letter: "通知書",
                reason: format!("台帳番号 {seq} は台帳にありません"),
            })?;
    let mut persons = store.around_entry(tenant, seq).await?.persons;
    let order = entry.change.persons_named();
    persons.sort_by_key(|(p, _)| {
        order
            .iter()
            .position(|id| *id == p.id)
            .unwrap_or(usize::MAX)
    });
    Ok((entry, persons))
}

/// The 住民票コード notice a person's record calls for now (4.3.3) and its date.
pub async fn code_notice_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: &Person,
) -> Result<(CodeNotice, NaiveDate), StoreError> {
    let entries = store.entries_for(tenant, Some(person.id), None).await?;
    notices::code_notice_of(person, &entries).ok_or_else(|| {
        StoreError::Domain(DomainError::LetterNotApplicable {
            letter: "住民票コード通知票",
            reason: "住民票コードを記載した異動がありません".into(),
        })
    })
}
