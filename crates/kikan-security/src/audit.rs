//! The audit log: one event per access, in a hash chain.
//!
//! Each record stores its event as canonical JSON text and
//! `hash = SHA-256(tenant ‖ seq ‖ prev_hash ‖ event_json)`, where `prev_hash` is the
//! previous record's hash (64 zeros for the first). Editing a record changes its
//! hash; removing or reordering records breaks the next record's link; removing the
//! newest records is caught against the head the store keeps beside the chain.
//! [`verify`] walks a chain and names the first bad record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first record's `prev_hash`.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an access ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// Refused: no credentials, wrong tenant, role without the right, bad login.
    Denied,
}

/// One audited access: who, when, what, which residents, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// The staff login or the API token's name; `-` when nobody was authenticated.
    pub actor: String,
    /// The actor's role code, when known.
    pub role: Option<String>,
    /// A stable action code: `resident.search`, `person.read`, `change.record`,
    /// `login`, `access`, `export.residents`, `audit.read`, …
    pub action: String,
    /// The stated purpose (利用目的), as the staff gave it.
    pub purpose: Option<String>,
    /// The residents concerned (person ids), search hits included.
    pub persons: Vec<i64>,
    /// What was done, without personal data beyond what the staff typed as criteria.
    pub detail: String,
    pub outcome: Outcome,
    /// The client address, when known.
    pub client: Option<String>,
    /// 入力場所・入力端末 (1.3.1): the terminal the request named, as `terminal@place`.
    /// Absent from events before it was recorded (their hashed form is unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
    /// 個人番号へのアクセス有無 (10.2): the work read, wrote or printed a 個人番号. Absent
    /// (false) from other events, so events before it was recorded hash as they did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub my_number: bool,
}

/// The longest texts an audit event keeps (characters): what a caller sends (a login
/// name, a purpose header) is cut to these, so that no request, authenticated or not,
/// can grow the append-only log by more than a bounded record.
pub const MAX_ACTOR: usize = 64;
pub const MAX_PURPOSE: usize = 100;
pub const MAX_DETAIL: usize = 300;
pub const MAX_SHORT: usize = 64;

/// `text` cut to `max` characters, with `…` where it was cut, and without NUL (which
/// PostgreSQL's text cannot hold).
fn cut(text: &mut String, max: usize) {
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
    if let Some((i, _)) = text.char_indices().nth(max) {
        text.truncate(i);
        text.push('…');
    }
}

impl AuditEvent {
    /// The event, marked as touching a 個人番号 when `touched`.
    pub fn with_my_number(mut self, touched: bool) -> Self {
        self.my_number |= touched;
        self
    }

    /// The event with every text cut to its bound (see [`MAX_ACTOR`] …).
    pub fn bounded(mut self) -> Self {
        cut(&mut self.actor, MAX_ACTOR);
        if let Some(r) = &mut self.role {
            cut(r, MAX_SHORT);
        }
        cut(&mut self.action, MAX_SHORT);
        if let Some(p) = &mut self.purpose {
            cut(p, MAX_PURPOSE);
        }
        cut(&mut self.detail, MAX_DETAIL);
        if let Some(c) = &mut self.client {
            cut(c, MAX_SHORT);
        }
        if let Some(t) = &mut self.terminal {
            cut(t, MAX_SHORT);
        }
        self
    }

    /// The canonical text that is hashed and stored (field order is the struct's).
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A stored record of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    /// The event exactly as stored (canonical JSON).
    pub event_json: String,
    pub prev_hash: String,
    pub hash: String,
    /// The index columns the log's views search by (who, when, what, whom): outside
    /// the hash, so verification checks each against the hashed event.
    pub index: AuditIndex,
}

/// A record's index columns as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditIndex {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    /// The residents concerned (`audit_persons`), ascending, each once.
    pub persons: Vec<i64>,
}

impl AuditIndex {
    /// The columns an event is stored with.
    pub fn of(e: &AuditEvent) -> Self {
        let mut persons = e.persons.clone();
        persons.sort_unstable();
        persons.dedup();
        AuditIndex {
            at: e.at,
            actor: e.actor.clone(),
            action: e.action.clone(),
            persons,
        }
    }

    /// Whether these columns are the event's (times to the database's microsecond).
    fn matches(&self, e: &AuditEvent) -> bool {
        let same_time = (self.at - e.at)
            .num_microseconds()
            .is_some_and(|d| d.abs() <= 1);
        let want = AuditIndex::of(e);
        same_time
            && self.actor == want.actor
            && self.action == want.action
            && self.persons == want.persons
    }
}

impl AuditRecord {
    pub fn event(&self) -> Option<AuditEvent> {
        serde_json::from_str(&self.event_json).ok()
    }
}

/// The link of one record.
pub fn link(tenant: &str, seq: i64, prev_hash: &str, event_json: &str) -> String {
    chain_hash(&[tenant, &seq.to_string(), prev_hash, event_json])
}

/// SHA-256 (lowercase hex) over `parts`, each preceded by its length so that no two
/// lists of parts hash alike: the link of a record in a hash chain (the audit log's,
/// the 通信ログ's).
pub fn chain_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    crate::token::hex(&h.finalize())
}

/// The first problem found in a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("記録 {seq} が改ざんされています(内容とハッシュが一致しません)")]
    Altered { seq: i64 },
    #[error("記録 {seq} の前に欠落または並べ替えがあります(期待した番号 {expected})")]
    Missing { seq: i64, expected: i64 },
    #[error("記録 {seq} の前の記録へのつながりが切れています(削除・差し替え・並べ替え)")]
    Unlinked { seq: i64 },
    #[error("記録 {seq} の内容を読めません")]
    Unreadable { seq: i64 },
    #[error("最新の記録が失われています(先頭 {head_seq} に対し最後の記録は {last_seq})")]
    Truncated { head_seq: i64, last_seq: i64 },
    #[error("記録 {seq} の索引(日時・職員・操作・住民)が記録の内容と一致しません")]
    IndexAltered { seq: i64 },
    #[error("記録 {seq} が保存された先頭({head_seq})の後に追加されています")]
    PastHead { seq: i64, head_seq: i64 },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Altered { seq }
            | ChainBreak::Missing { seq, .. }
            | ChainBreak::Unlinked { seq }
            | ChainBreak::Unreadable { seq }
            | ChainBreak::IndexAltered { seq }
            | ChainBreak::PastHead { seq, .. } => *seq,
            ChainBreak::Truncated { last_seq, .. } => last_seq + 1,
        }
    }
}

/// Walks records in stored order (by seq) and checks every link; `head` is the
/// (seq, hash) the store recorded for the newest record. Returns how many were checked.
pub fn verify<I>(tenant: &str, records: I, head: Option<(i64, &str)>) -> Result<i64, ChainBreak>
where
    I: IntoIterator<Item = AuditRecord>,
{
    let mut verifier = Verifier::new(tenant);
    for r in records {
        verifier.next(&r)?;
    }
    verifier.finish(head)
}

/// The same check, fed one record at a time (for chains read in pages).
pub struct Verifier {
    tenant: String,
    last_seq: i64,
    last_hash: String,
}

impl Verifier {
    pub fn new(tenant: &str) -> Self {
        Verifier {
            tenant: tenant.to_string(),
            last_seq: 0,
            last_hash: GENESIS.to_string(),
        }
    }

    pub fn next(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if r.seq != expected {
            return Err(ChainBreak::Missing {
                seq: r.seq,
                expected,
            });
        }
        if r.prev_hash != self.last_hash {
            return Err(ChainBreak::Unlinked { seq: r.seq });
        }
        if link(&self.tenant, r.seq, &r.prev_hash, &r.event_json) != r.hash {
            return Err(ChainBreak::Altered { seq: r.seq });
        }
        let Some(event) = r.event() else {
            return Err(ChainBreak::Unreadable { seq: r.seq });
        };
        if !r.index.matches(&event) {
            return Err(ChainBreak::IndexAltered { seq: r.seq });
        }
        self.last_seq = r.seq;
        self.last_hash = r.hash.clone();
        Ok(())
    }

    pub fn finish(self, head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        if let Some((head_seq, head_hash)) = head
            && (head_seq != self.last_seq || head_hash != self.last_hash)
        {
            return Err(ChainBreak::Truncated {
                head_seq,
                last_seq: self.last_seq,
            });
        }
        Ok(self.last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            my_number: false,
            at: DateTime::from_timestamp(1_790_000_000 + n, 0).unwrap_or_default(),
            actor: "tanaka".into(),
            role: Some("reception".into()),
            action: "person.read".into(),
            purpose: Some("住民票の写しの交付".into()),
            persons: vec![n],
            detail: String::new(),
            outcome: Outcome::Ok,
            client: None,
            terminal: None,
        }
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let event_json = event(seq).canonical();
                let hash = link("141003", seq, &prev, &event_json);
                let r = AuditRecord {
                    seq,
                    event_json,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    index: AuditIndex::of(&event(seq)),
                };
                prev = hash;
                r
            })
            .collect()
    }

    fn head(c: &[AuditRecord]) -> Option<(i64, &str)> {
        c.last().map(|r| (r.seq, r.hash.as_str()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify("141003", c.clone(), head(&c)), Ok(5));
        // The same records under another tenant do not: the tenant is in every link.
        assert_eq!(
            verify("130001", c.clone(), head(&c)),
            Err(ChainBreak::Altered { seq: 1 })
        );
    }

    #[test]
    fn edits_deletions_swaps_and_truncation_are_named() {
        let c = chain(5);
        let h = head(&c).map(|(s, h)| (s, h.to_string()));
        let h = h.as_ref().map(|(s, h)| (*s, h.as_str()));

        let mut edited = c.clone();
        edited[2].event_json = edited[2].event_json.replace("tanaka", "suzuki");
        assert_eq!(
            verify("141003", edited, h),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(
            verify("141003", deleted, h),
            Err(ChainBreak::Missing {
                seq: 3,
                expected: 2
            })
        );

        // Swapped contents, numbers kept: the link to the previous record breaks.
        let mut swapped = c.clone();
        let (a, b) = (swapped[1].clone(), swapped[2].clone());
        swapped[1] = AuditRecord { seq: 2, ..b };
        swapped[2] = AuditRecord { seq: 3, ..a };
        assert_eq!(
            verify("141003", swapped, h),
            Err(ChainBreak::Unlinked { seq: 2 })
        );

        let mut truncated = c.clone();
        truncated.pop();
        assert_eq!(
            verify("141003", truncated, h),
            Err(ChainBreak::Truncated {
                head_seq: 5,
                last_seq: 4
            })
        );
    }
}
