//! `kikan gen`: a synthetic municipality of any size, loaded in bulk.

use crate::synth::Synth;
use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use kikan_domain::LocalGovCode;
use kikan_store::bulk::BulkRows;
use kikan_store::{Store, Tenant};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Entries per transaction.
const BATCH: usize = 5000;

/// What a generation produced.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Residents on register A at the end.
    pub residents: usize,
    pub households: usize,
    pub entries: usize,
    pub elapsed: Duration,
    /// Time spent inside the engine's inserts.
    pub insert_time: Duration,
}

async fn insert(store: Arc<dyn Store>, tenant: LocalGovCode, rows: BulkRows) -> Result<Duration> {
    let t = Instant::now();
    store.bulk_insert(tenant, &rows).await?;
    Ok(t.elapsed())
}

pub fn progress(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} ({{per_sec}}, 残り {{eta}})"
    ));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// The place name of every generated address.
pub const PLACE: &str = "神奈川県みほん市";

/// Generates `residents` residents (register A) with their histories into `tenant`,
/// which must not exist yet. The time spent inside the engine's inserts is measured
/// apart. `pipelined` generates the next batch while the last one is written; without
/// it, generation and inserts alternate, and the insert time alone is the raw-insert
/// ceiling of `kikan bench` (the same rows, no domain logic).
pub async fn generate(
    store: Arc<dyn Store>,
    tenant: Tenant,
    residents: usize,
    seed: u64,
    today: chrono::NaiveDate,
    show_progress: bool,
    pipelined: bool,
) -> Result<Generated> {
    if store.tenant(tenant.code).await?.is_some() {
        bail!(
            "団体 {} は既に存在します。新しいデータディレクトリか別の団体コードを指定してください",
            tenant.code
        );
    }
    store.add_tenant(&tenant).await?;
    let bar = if show_progress {
        progress(residents as u64, "人")
    } else {
        ProgressBar::hidden()
    };
    let mut synth = Synth::new(seed, PLACE, today);
    let mut out = Generated::default();
    let started = Instant::now();
    let mut rows = BulkRows::default();
    let mut pending: Option<tokio::task::JoinHandle<Result<Duration>>> = None;
    while out.residents < residents {
        let history = synth.household();
        if history.is_empty() {
            continue;
        }
        let active = rows.add_history(&history)?;
        out.residents += active;
        out.households += 1;
        out.entries += history.len();
        bar.inc(active as u64);
        if rows.entries() >= BATCH {
            if let Some(previous) = pending.take() {
                out.insert_time += previous.await??;
            }
            let batch = std::mem::take(&mut rows);
            let task = insert(store.clone(), tenant.code, batch);
            if pipelined {
                // The next batch is generated while this one is written.
                pending = Some(tokio::spawn(task));
            } else {
                out.insert_time += task.await?;
            }
        }
    }
    if let Some(previous) = pending.take() {
        out.insert_time += previous.await??;
    }
    out.insert_time += insert(store.clone(), tenant.code, rows).await?;
    store.refresh_statistics().await?;
    out.elapsed = started.elapsed();
    bar.finish_and_clear();
    Ok(out)
}
