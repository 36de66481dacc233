//! バッチ処理 (9.1, j1280): the run history (one record per run of a job, with its
//! outcome, so that staff see what the work did and a failed run is re-run) and the
//! schedules that start jobs by themselves.

use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::schedule::Schedule;
use serde::{Deserialize, Serialize};

/// One run of a job for one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRun {
    pub id: i64,
    /// The job (`daily`: the work due on a date; `statistics`, `euc` …).
    pub job: String,
    /// The date it did the work of.
    pub on: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Whether it did all its work.
    pub ok: bool,
    /// What it did, or why it failed (Japanese, for staff).
    pub detail: String,
    /// Where it ran (処理端末名称: `server:<host>`, `cli:<user>`, or the staff member).
    pub by: String,
    /// The parameters it ran with (前回のパラメータ: the next run starts from them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Value>,
    /// The stable code of the error a failed run ended with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The file it wrote, relative to the municipality's batch directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The schedule that started it (None: started by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<i64>,
}

/// A job started by itself (スケジュール管理による起動).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSchedule {
    pub id: i64,
    pub job: String,
    pub schedule: Schedule,
    /// The parameters each run takes.
    pub params: serde_json::Value,
    /// A paused schedule starts nothing.
    pub active: bool,
    /// Who set it, and when.
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}
