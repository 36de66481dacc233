//! 本籍入力補助 (4.0.6, j510): for a 再転入者, the 本籍 their own history holds, offered as
//! candidates — never one whose municipality no longer exists (市町村合併). A municipality
//! of today is one the postal code file names (its 都道府県 and 市区町村 written together);
//! without that file nothing can be checked, and nothing is offered.

use kikan_domain::person::Honseki;
use kikan_domain::{LocalGovCode, PersonId};
use kikan_store::{Store, StoreError};
use std::collections::BTreeSet;

/// What a 再転入者's history offers as 本籍.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Candidates {
    /// The 本籍 (with their 筆頭者) of the person's records, newest first, each once, whose
    /// municipality exists today.
    pub offered: Vec<Honseki>,
    /// Those left out: their municipality is not one of today.
    pub left_out: Vec<Honseki>,
    /// Whether the postal code file was there to check against (false: nothing offered).
    pub checked: bool,
}

/// The 本籍 candidates from the history of `person` (all versions of their record).
pub async fn candidates(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
) -> Result<Candidates, StoreError> {
    let versions = store.person_versions(tenant, person).await?;
    let mut seen = BTreeSet::new();
    let history: Vec<Honseki> = versions
        .iter()
        .rev()
        .filter_map(|v| v.person.honseki.clone())
        .filter(|h| !h.is_word())
        .filter(|h| seen.insert((h.domicile.clone(), h.head_name.clone())))
        .collect();
    if history.is_empty() {
        return Ok(Candidates {
            checked: true,
            ..Candidates::default()
        });
    }
    if store.postal_entry_count(tenant).await? == 0 {
        return Ok(Candidates {
            left_out: history,
            ..Candidates::default()
        });
    }
    let prefixes: BTreeSet<String> = history
        .iter()
        .flat_map(|h| h.municipality_prefixes())
        .collect();
    let prefixes: Vec<String> = prefixes.into_iter().collect();
    let today: BTreeSet<String> = store
        .postal_entries_at(tenant, &prefixes)
        .await?
        .into_iter()
        .map(|e| format!("{}{}", e.pref, e.city))
        .collect();
    let (offered, left_out) = history
        .into_iter()
        .partition(|h| h.municipality_prefixes().iter().any(|p| today.contains(p)));
    Ok(Candidates {
        offered,
        left_out,
        checked: true,
    })
}
