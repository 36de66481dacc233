//! The 法第7条 items other businesses keep (1.1.1, 7.2.2): set by the system that owns each
//! business (or by 審査), kept as an append-only series per person and business, the
//! latest being what the record shows and a certificate prints when asked.

use chrono::{DateTime, Utc};
use kikan_domain::business::{BusinessItems, BusinessRecord};
use kikan_domain::{DomainError, LocalGovCode, PersonId};
use kikan_store::{Store, StoreError};

/// Records a new value of one business's items for a person on the register (A or B).
/// Two values set at once for the same business: the second is a conflict.
pub async fn set(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    items: BusinessItems,
    set_by: &str,
    at: DateTime<Utc>,
) -> Result<BusinessRecord, StoreError> {
    items.validate()?;
    let found = store.persons(tenant, &[person]).await?;
    let record = found
        .first()
        .ok_or_else(|| DomainError::PersonNotFound(person.to_string()))?;
    // 外国人住民 have no 選挙権: the 選挙人名簿 is no item of their record (1.1.2).
    if record.foreign.is_some() && items.business() == kikan_domain::business::Business::Elector {
        return Err(DomainError::BusinessItems {
            business: items.business().label(),
            reason: "外国人住民の住民票には記載しません".into(),
        }
        .into());
    }
    let business = items.business();
    let before = store.business_records(tenant, &[person]).await?;
    let revision = before
        .iter()
        .filter(|r| r.items.business() == business)
        .map(|r| r.revision)
        .max()
        .unwrap_or(0)
        + 1;
    let r = BusinessRecord {
        person,
        revision,
        items,
        set_by: set_by.into(),
        at,
    };
    store.add_business_record(tenant, &r).await?;
    Ok(r)
}
