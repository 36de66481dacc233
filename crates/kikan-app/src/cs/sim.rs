//! A simulator of the CS, for the tests and the demonstration: it keeps each
//! municipality's 本人確認情報 as the messages left it, takes each message number once,
//! refuses a message older than one it applied for the same person, hands out
//! 住民票コード空きコード, and fails on request (unreachable, reply lost, refusal) so
//! that kikan's delivery can be shown to lose nothing and apply nothing twice.

use super::{CsLink, LinkError};
use async_trait::async_trait;
use kikan_domain::cs::{CsAnswer, CsMessage, WireIdentity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Mutex;

/// A fault the next delivery meets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// The CS cannot be reached: nothing applied.
    Unreachable,
    /// The message is applied but its answer never arrives.
    ReplyLost,
    /// The CS refuses the message.
    Refuse { code: String, message: String },
}

/// What the simulator holds; kept as JSON by the simulator server between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SimState {
    /// By municipality, then 住民票コード: the record and the number of the message
    /// that last changed it.
    pub records: BTreeMap<String, BTreeMap<String, (WireIdentity, i64)>>,
    /// The message numbers taken, by municipality.
    pub taken: BTreeMap<String, BTreeSet<i64>>,
    /// Every message that changed something, in the order applied.
    pub applied: Vec<CsMessage>,
    /// Deliveries of a number already taken (answered 「受付済み」, nothing changed).
    pub duplicates: u64,
    /// Faults the next deliveries meet, in order.
    pub faults: VecDeque<Fault>,
    /// The next free code's body, by municipality.
    pub next_code: BTreeMap<String, u64>,
    /// Down: every call is unreachable until it is up again.
    pub down: bool,
}

#[derive(Debug, Default)]
pub struct Simulator {
    pub state: Mutex<SimState>,
}

/// The simulator's refusal codes.
pub const ORDER: &str = "S-ORDER";
pub const UNKNOWN: &str = "S-UNKNOWN";
pub const INVALID: &str = "S-INVALID";

impl Simulator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_state(s: SimState) -> Self {
        Simulator {
            state: Mutex::new(s),
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, SimState>, LinkError> {
        self.state
            .lock()
            .map_err(|_| LinkError("simulator poisoned".into()))
    }

    /// Queues a fault for the next delivery.
    pub fn inject(&self, f: Fault) {
        if let Ok(mut s) = self.state.lock() {
            s.faults.push_back(f);
        }
    }

    pub fn set_down(&self, down: bool) {
        if let Ok(mut s) = self.state.lock() {
            s.down = down;
        }
    }

    /// A copy of what it holds.
    pub fn snapshot(&self) -> SimState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Changes a record behind kikan's back (for the 整合性確認 to find).
    pub fn tamper(&self, municipality: &str, code: &str, f: impl FnOnce(&mut WireIdentity)) {
        if let Ok(mut s) = self.state.lock()
            && let Some((r, _)) = s
                .records
                .get_mut(municipality)
                .and_then(|m| m.get_mut(code))
        {
            f(r);
        }
    }
}

/// Applies a message to the state: the CS's side of the boundary.
pub fn apply(s: &mut SimState, m: &CsMessage) -> CsAnswer {
    let refuse = |code: &str, message: String| CsAnswer::Refused {
        code: code.to_string(),
        message,
    };
    if s.taken
        .get(&m.municipality)
        .is_some_and(|t| t.contains(&m.id))
    {
        s.duplicates += 1;
        return CsAnswer::Accepted;
    }
    let id = &m.identity;
    if kikan_domain::JuminhyoCode::parse(&id.code).is_err() || id.name.0.is_empty() {
        return refuse(
            INVALID,
            format!("住民票コード{}の電文の内容が不正です", id.code),
        );
    }
    let records = s.records.entry(m.municipality.clone()).or_default();
    let key = id.previous_code.as_deref().unwrap_or(&id.code);
    if let Some((_, last)) = records.get(key)
        && *last > m.id
    {
        return refuse(
            ORDER,
            format!("住民票コード{}に後の電文({last})が反映済みです", id.code),
        );
    }
    if id.previous_code.is_some() && !records.contains_key(key) {
        return refuse(UNKNOWN, format!("変更前の住民票コード{key}がありません"));
    }
    if let Some(prev) = &id.previous_code {
        records.remove(prev);
    }
    let mut kept = id.clone();
    kept.previous_code = None;
    records.insert(id.code.clone(), (kept, m.id));
    s.taken
        .entry(m.municipality.clone())
        .or_default()
        .insert(m.id);
    s.applied.push(m.clone());
    CsAnswer::Accepted
}

/// A valid 住民票コード body from a counter (10 digits, then its check digit).
pub fn codes(s: &mut SimState, municipality: &str, n: u32) -> Vec<String> {
    let next = s
        .next_code
        .entry(municipality.to_string())
        .or_insert_with(|| {
            // Apart per municipality, as codes are allotted to each.
            let seed: u64 = municipality.bytes().map(u64::from).sum();
            8_000_000_000 + seed * 1_000_000
        });
    let mut out = Vec::new();
    while out.len() < n as usize {
        let body = format!("{:010}", *next % 10_000_000_000);
        *next += 1;
        if let Ok(c) = kikan_domain::JuminhyoCode::from_body(&body) {
            out.push(c.to_string());
        }
    }
    out
}

#[async_trait]
impl CsLink for Simulator {
    async fn deliver(&self, m: &CsMessage) -> Result<CsAnswer, LinkError> {
        let mut s = self.lock()?;
        if s.down {
            return Err(LinkError("CSが停止しています(シミュレータ)".into()));
        }
        match s.faults.pop_front() {
            Some(Fault::Unreachable) => Err(LinkError("接続できません(シミュレータ)".into())),
            Some(Fault::ReplyLost) => {
                apply(&mut s, m);
                Err(LinkError("応答がありません(シミュレータ)".into()))
            }
            Some(Fault::Refuse { code, message }) => Ok(CsAnswer::Refused { code, message }),
            None => Ok(apply(&mut s, m)),
        }
    }

    async fn identities(&self, municipality: &str) -> Result<Vec<WireIdentity>, LinkError> {
        let s = self.lock()?;
        if s.down {
            return Err(LinkError("CSが停止しています(シミュレータ)".into()));
        }
        Ok(s.records
            .get(municipality)
            .map(|m| m.values().map(|(r, _)| r.clone()).collect())
            .unwrap_or_default())
    }

    async fn free_codes(&self, municipality: &str, n: u32) -> Result<Vec<String>, LinkError> {
        let mut s = self.lock()?;
        if s.down {
            return Err(LinkError("CSが停止しています(シミュレータ)".into()));
        }
        Ok(codes(&mut s, municipality, n.min(10_000)))
    }
}
