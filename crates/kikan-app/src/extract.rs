//! 基準日抽出: every resident on the register on a date, written as JSON Lines.
//!
//! One line per person, in person-id order: the stored snapshot as documented in
//! `docs/formats.md` (it carries the 世帯番号 `household_id` and the 続柄). The
//! snapshots pass through without being decoded, so the extraction streams at the
//! speed of the engine's scan, in pages, with flat memory.
//!
//! A person protected by a 支援措置 in force on the extraction date or today is
//! written with every address withheld and `"support_measure": true`: an extraction
//! leaves the registry, and must not carry where they live.

use crate::protect::Protection;
use chrono::NaiveDate;
use kikan_domain::{LocalGovCode, Person};
use kikan_store::{Store, StoreError};
use std::io::Write;

/// Rows fetched per page.
const PAGE: u32 = 20_000;

/// What an extraction wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extracted {
    pub residents: u64,
    pub bytes: u64,
    /// Residents written with their addresses withheld (支援措置).
    pub withheld: u64,
}

/// The line of a protected person: the record decoded, its addresses withheld by the
/// one rule ([`crate::protect`]), the marker set, the 個人番号 sealed again.
fn withhold(store: &dyn Store, tenant: &str, json: &str) -> Result<String, StoreError> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        person: &'a Person,
        support_measure: bool,
    }
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let plain = store.sealer().unseal(tenant, json)?;
    let mut person: Person = serde_json::from_str(&plain).map_err(corrupt)?;
    person.withhold_addresses();
    let line = serde_json::to_string(&Line {
        person: &person,
        support_measure: true,
    })
    .map_err(corrupt)?;
    Ok(store.sealer().seal(tenant, &line)?.0)
}

/// Writes every resident on the register of `tenant` on `on` to `out`, one JSON
/// object per line. The next page is fetched while the current one is written.
pub async fn residents_as_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    on: NaiveDate,
    today: NaiveDate,
    out: &mut (dyn Write + Send),
) -> Result<Extracted, StoreError> {
    let io = |e: std::io::Error| StoreError::Database(format!("書き出しに失敗しました: {e}"));
    let mut done = Extracted {
        residents: 0,
        bytes: 0,
        withheld: 0,
    };
    let protection = Protection::for_extraction(store, tenant, on, today).await?;
    let t = tenant.to_string();
    let mut page = store.residents_as_of_json(tenant, on, None, PAGE).await?;
    while let Some(&(last, _)) = page.last() {
        let full = page.len() == PAGE as usize;
        let next = async {
            if full {
                store
                    .residents_as_of_json(tenant, on, Some(last), PAGE)
                    .await
            } else {
                Ok(Vec::new())
            }
        };
        let write = async {
            for (id, json) in &page {
                let line = if protection.is_protected(*id) {
                    done.withheld += 1;
                    std::borrow::Cow::Owned(withhold(store, &t, json)?)
                } else {
                    std::borrow::Cow::Borrowed(json.as_str())
                };
                out.write_all(line.as_bytes()).map_err(io)?;
                out.write_all(b"\n").map_err(io)?;
                done.bytes += line.len() as u64 + 1;
            }
            done.residents += page.len() as u64;
            Ok::<(), StoreError>(())
        };
        let (next, written) = tokio::join!(next, write);
        written?;
        page = next?;
    }
    out.flush().map_err(io)?;
    Ok(done)
}
