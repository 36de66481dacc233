//! バッチ処理の実行結果 (9.1, j1280): one record per run of a job, with its outcome, so
//! that staff see what the daily work did and a failed run is re-run.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One run of a job for one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRun {
    pub id: i64,
    /// The job (`daily`: the work due on a date).
    pub job: String,
    /// The date it did the work of.
    pub on: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Whether it did all its work.
    pub ok: bool,
    /// What it did, or why it failed (Japanese, for staff).
    pub detail: String,
    /// Where it ran (host, or `cli:<user>`).
    pub by: String,
}
