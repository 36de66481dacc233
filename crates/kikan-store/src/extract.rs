//! 基準日抽出: every resident on the register on a date, written as JSON Lines.
//!
//! One line per person, in person-id order: the stored snapshot as documented in
//! `docs/formats.md` (it carries the 世帯番号 `household_id` and the 続柄). The
//! snapshots pass through without being decoded, so the extraction streams at the
//! speed of the engine's scan, in pages, with flat memory.

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
    };
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
            for (_, json) in &page {
                out.write_all(json.as_bytes()).map_err(io)?;
                out.write_all(b"\n").map_err(io)?;
                done.bytes += json.len() as u64 + 1;
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
