//! Drafts: a 異動 entered by 窓口, waiting for 審査 to examine and commit it (or
//! reject it). The request is kept as the clerk submitted it (JSON of the API's
//! `ChangeRequest`), for the examiner to read, beside the change as it was parsed and
//! checked at intake (`intake`, see `kikan_app::drafts`); nothing reaches the ledger
//! until an examiner commits it.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: i64,
    /// pending, committed or rejected.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The request as submitted (the 個人番号 in it is sealed at rest like everywhere).
    pub request: String,
    /// The parsed change (JSON of `kikan_app::drafts::Intake`), sealed at rest too;
    /// None for drafts entered before it was kept.
    pub intake: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// The ledger entry it became, once committed.
    pub seq: Option<i64>,
}

/// An examiner's decision on a pending draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftDecision {
    pub status: &'static str,
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub seq: Option<i64>,
}
