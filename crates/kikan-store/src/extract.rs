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

use crate::{Store, StoreError};
use chrono::NaiveDate;
use kikan_domain::LocalGovCode;
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

/// What a withheld address reads as in an extraction.
pub const WITHHELD: &str = "(支援措置のため表示しません)";

/// The line of a protected person: addresses withheld, the marker set.
fn withhold(json: &str) -> Result<String, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let mut v: serde_json::Value = serde_json::from_str(json).map_err(corrupt)?;
    let blank =
        serde_json::json!({"postal_code": null, "place": WITHHELD, "banchi": "", "katagaki": null});
    if let Some(o) = v.as_object_mut() {
        o.insert("address".into(), blank.clone());
        o.insert("moved_in".into(), serde_json::Value::Null);
        o.insert("previous_address_in_city".into(), serde_json::Value::Null);
        o.insert("support_measure".into(), serde_json::Value::Bool(true));
        if let Some(status) = o.get_mut("status").and_then(|s| s.as_object_mut())
            && status.contains_key("destination")
        {
            status.insert("destination".into(), blank);
        }
    }
    serde_json::to_string(&v).map_err(corrupt)
}

/// Writes every resident on the register of `tenant` on `on` to `out`, one JSON
/// object per line. The next page is fetched while the current one is written.
pub async fn residents_as_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    on: NaiveDate,
    out: &mut (dyn Write + Send),
) -> Result<Extracted, StoreError> {
    let io = |e: std::io::Error| StoreError::Database(format!("書き出しに失敗しました: {e}"));
    let mut done = Extracted {
        residents: 0,
        bytes: 0,
        withheld: 0,
    };
    let today = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let protected: std::collections::BTreeSet<kikan_domain::PersonId> = store
        .support_measures(tenant)
        .await?
        .iter()
        .filter(|m| m.in_force(on) || m.in_force(today))
        .flat_map(|m| m.protected().collect::<Vec<_>>())
        .collect();
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
                let line = if protected.contains(id) {
                    done.withheld += 1;
                    std::borrow::Cow::Owned(withhold(json)?)
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
