//! 検索 (2.1): the staff's search for residents, as every screen that looks people up
//! asks it.

use kikan_domain::{LocalGovCode, Person};
use kikan_store::{SearchKeys, Store, StoreError};

/// Residents matching `keys`: a search by a name's characters widened to every spelling
/// the municipality's registered 外字 make one (2.1.2; the registrations are read only
/// for such a search), and — where 除票 are asked for and the limit leaves room — the
/// 除票用データベース (9.3) searched after the 住民記録 database with the same conditions,
/// its 除票 after the others (1.1.5).
pub async fn residents(
    store: &dyn Store,
    tenant: LocalGovCode,
    keys: SearchKeys,
) -> Result<Vec<Person>, StoreError> {
    let keys = if keys.by_name() {
        keys.widened(&kikan_cert::settings::variant_groups(store, tenant).await?)
    } else {
        keys
    };
    let mut hits = store.search(tenant, &keys).await?;
    let room = keys
        .limit
        .saturating_sub(u32::try_from(hits.len()).unwrap_or(u32::MAX));
    if keys.include_removed && !keys.archive && room > 0 {
        let archive = SearchKeys {
            archive: true,
            limit: room,
            ..keys
        };
        hits.extend(store.search(tenant, &archive).await?);
    }
    Ok(hits)
}
