//! A simulator of the CS, for the tests and the demonstration: it keeps each
//! municipality's 本人確認情報 as the messages left it, takes each message number once,
//! refuses a message older than one it applied for the same person, hands out
//! 住民票コード空きコード, and fails on request (unreachable, reply lost, refusal) so
//! that kikan's delivery can be shown to lose nothing and apply nothing twice.

use super::{CsLink, LinkError, Received};
use async_trait::async_trait;
use kikan_domain::cs::{CsAnswer, CsKind, CsMessage, HoldNotice, WideAsk, WireIdentity};
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
    /// The network hands the next message it routes to its receiver twice.
    Duplicate,
    /// The network holds the next message it routes until [`Simulator::release`].
    Delay,
    /// The message is applied, and its answer comes only after this many milliseconds:
    /// a sender stopped meanwhile (killed mid-exchange) never hears it and sends again.
    SlowReply { millis: u64 },
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
    /// Messages routed to each municipality (转出証明書情報, 転入通知), by delivery
    /// number, until acknowledged.
    pub inbox: BTreeMap<String, BTreeMap<u64, CsMessage>>,
    /// Messages the network holds back (a delay), in order.
    pub delayed: Vec<CsMessage>,
    pub next_delivery: u64,
    /// Faults of the network (routing), apart from the CS's own.
    pub route_faults: VecDeque<Fault>,
    /// The answers given to requests, by municipality and message number (the same
    /// again for the same number), and the 個人番号 changes made per 住民票コード.
    pub answers: BTreeMap<String, BTreeMap<i64, String>>,
    pub number_changes: BTreeMap<String, u64>,
    /// 住基ネット共同利用: the municipalities sharing one CS server, by member: their
    /// messages go to the group's one inbox.
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
    /// 交付抑止 (3.1), by municipality then 住民票コード: the suppressions of the person's
    /// certificates as last sent.
    #[serde(default)]
    pub holds: BTreeMap<String, BTreeMap<String, Vec<HoldNotice>>>,
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

    /// The state, for a call of the boundary: unreachable while down.
    fn up(&self) -> Result<std::sync::MutexGuard<'_, SimState>, LinkError> {
        let s = self
            .state
            .lock()
            .map_err(|_| LinkError("simulator poisoned".into()))?;
        if s.down {
            return Err(LinkError("CSが停止しています(シミュレータ)".into()));
        }
        Ok(s)
    }

    /// Queues a fault for the next delivery.
    pub fn inject(&self, f: Fault) {
        if let Ok(mut s) = self.state.lock() {
            s.faults.push_back(f);
        }
    }

    /// Queues a fault of the network: the next message routed is duplicated or held.
    pub fn inject_route(&self, f: Fault) {
        if let Ok(mut s) = self.state.lock() {
            s.route_faults.push_back(f);
        }
    }

    /// The カード管理システム reports a person's card (7.1.1.3): a message for the
    /// municipality holding the record of `code`; false when it holds none.
    pub fn report_card(
        &self,
        municipality: &str,
        code: &str,
        card: kikan_domain::cs::CardReport,
    ) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        report_card(&mut s, municipality, code, card)
    }

    /// The CS asks for a person's 送付先情報 (更新対象者, 7.1.1.4).
    pub fn ask_sending(&self, municipality: &str, code: &str) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        ask_sending(&mut s, municipality, code)
    }

    /// 広域交付 (7.1.1.1): the counter of `from` asks `to` for the 住民票 of its record of
    /// `code`. The CS refuses at once a person whose certificates an error-level
    /// 交付抑止 holds today; else the request goes to `to` (its answer comes back to
    /// `from`'s inbox). The request's number, or why there is none.
    pub fn ask_wide(
        &self,
        from: &str,
        to: &str,
        code: &str,
        ask: WideAsk,
        today: chrono::NaiveDate,
    ) -> Result<i64, String> {
        let mut s = self
            .state
            .lock()
            .map_err(|_| "simulator poisoned".to_string())?;
        let Some(mut m) = about(&s, from, to, code, CsKind::WideAreaRequest, today) else {
            return Err(format!(
                "住民票コード{code}の本人確認情報が{to}にありません"
            ));
        };
        let held = s
            .holds
            .get(to)
            .and_then(|m| m.get(code))
            .is_some_and(|h| h.iter().any(|h| h.level == "error" && h.holds_on(today)));
        if held {
            return Err(format!("住民票コード{code}は交付抑止の対象です"));
        }
        m.ask = Some(ask);
        let id = m.id;
        put(&mut s, m);
        Ok(id)
    }

    /// 住基ネット共同利用: `members` share one CS server, whose inbox is `group`'s.
    pub fn share(&self, group: &str, members: &[&str]) {
        if let Ok(mut s) = self.state.lock() {
            for m in members {
                s.groups.insert(m.to_string(), group.to_string());
            }
        }
    }

    /// Lets the messages held back go on to their receivers.
    pub fn release(&self) {
        if let Ok(mut s) = self.state.lock() {
            release(&mut s);
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

/// 更新対象者 (7.1.1.4): the CS asks `municipality` for the 送付先情報 of the record of
/// `code`; false when it holds none.
pub fn ask_sending(s: &mut SimState, municipality: &str, code: &str) -> bool {
    from_cs(s, municipality, code, CsKind::UpdateTarget, None)
}

/// A card report for `municipality`'s record of `code`, as a message from the CS.
pub fn report_card(
    s: &mut SimState,
    municipality: &str,
    code: &str,
    card: kikan_domain::cs::CardReport,
) -> bool {
    from_cs(s, municipality, code, CsKind::CardStatus, Some(card))
}

/// A message of `kind` from the CS itself about `municipality`'s record of `code`;
/// false when it holds none.
fn from_cs(
    s: &mut SimState,
    municipality: &str,
    code: &str,
    kind: CsKind,
    card: Option<kikan_domain::cs::CardReport>,
) -> bool {
    let today = chrono::Utc::now().date_naive();
    let Some(mut m) = about(s, "J-LIS", municipality, code, kind, today) else {
        return false;
    };
    m.card = card;
    put(s, m);
    true
}

/// A message of `kind` from `sender` to `to` about `to`'s record of `code`, numbered as
/// the next delivery; None when the CS holds no such record.
fn about(
    s: &SimState,
    sender: &str,
    to: &str,
    code: &str,
    kind: CsKind,
    on: chrono::NaiveDate,
) -> Option<CsMessage> {
    let (identity, _) = s.records.get(to).and_then(|m| m.get(code)).cloned()?;
    Some(CsMessage {
        municipality: sender.to_string(),
        id: s.next_delivery as i64 + 1,
        kind,
        reason: kind.label().into(),
        effective_on: on,
        identity,
        to: Some(to.to_string()),
        transfer: None,
        card: None,
        holds: None,
        ask: None,
        wide: None,
    })
}

/// Lets the held messages go on to their receivers.
pub fn release(s: &mut SimState) {
    for m in std::mem::take(&mut s.delayed) {
        put(s, m);
    }
}

fn put(s: &mut SimState, m: CsMessage) {
    let Some(to) = m.to.clone() else { return };
    s.next_delivery += 1;
    let n = s.next_delivery;
    let inbox = s.groups.get(&to).cloned().unwrap_or(to);
    s.inbox.entry(inbox).or_default().insert(n, m);
}

/// Routes a message to its receiver, through the network's faults.
fn route(s: &mut SimState, m: &CsMessage) {
    match s.route_faults.pop_front() {
        Some(Fault::Delay) => s.delayed.push(m.clone()),
        Some(Fault::Duplicate) => {
            put(s, m.clone());
            put(s, m.clone());
        }
        _ => put(s, m.clone()),
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
        if let Some(value) = s.answers.get(&m.municipality).and_then(|a| a.get(&m.id)) {
            return CsAnswer::Issued {
                value: value.clone(),
            };
        }
        return CsAnswer::Accepted;
    }
    let id = &m.identity;
    if kikan_domain::JuminhyoCode::parse(&id.code).is_err() || id.name.0.is_empty() {
        return refuse(
            INVALID,
            format!("住民票コード{}の電文の内容が不正です", id.code),
        );
    }
    if m.kind.is_request() {
        let value = answer(s, m);
        take(s, m);
        s.answers
            .entry(m.municipality.clone())
            .or_default()
            .insert(m.id, value.clone());
        return CsAnswer::Issued { value };
    }
    if m.kind == CsKind::IssuanceHold {
        // 交付抑止情報: the person's whole state, replacing what was sent before.
        let holds = m.holds.clone().unwrap_or_default();
        let by_code = s.holds.entry(m.municipality.clone()).or_default();
        if holds.is_empty() {
            by_code.remove(&id.code);
        } else {
            by_code.insert(id.code.clone(), holds);
        }
        take(s, m);
        return CsAnswer::Accepted;
    }
    if matches!(m.kind, CsKind::SendingAddress | CsKind::FuhyoNotice) {
        // 送付先情報 (for the カード管理システム) and 戸籍附票記載事項通知 (for the 本籍地):
        // kept as sent.
        take(s, m);
        return CsAnswer::Accepted;
    }
    if m.kind != CsKind::Identity {
        // 転出証明書情報・転入通知: for another municipality, through the network.
        if m.to.is_none() {
            return refuse(INVALID, "宛先の市区町村がありません".into());
        }
        take(s, m);
        route(s, m);
        return CsAnswer::Accepted;
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
    take(s, m);
    CsAnswer::Accepted
}

/// A message number taken (the same number again changes nothing), the message kept as
/// applied.
fn take(s: &mut SimState, m: &CsMessage) {
    s.taken
        .entry(m.municipality.clone())
        .or_default()
        .insert(m.id);
    s.applied.push(m.clone());
}

/// The centre's answer to a request: a 個人番号 made from the 住民票コード (another one
/// for each change), or a 符号.
fn answer(s: &mut SimState, m: &CsMessage) -> String {
    let code: u64 = m.identity.code.parse().unwrap_or_default();
    match m.kind {
        CsKind::SymbolRequest => format!("SYM{:016X}", code.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        CsKind::SerialRequest => format!("{:016X}", code.wrapping_mul(0x2545_F491_4F6C_DD1D)),
        kind => {
            let changes = s.number_changes.entry(m.identity.code.clone()).or_default();
            if kind == CsKind::NumberChange {
                *changes += 1;
            }
            let body = (code.wrapping_mul(7) + 3 + *changes * 1_000_003) % 100_000_000_000;
            let body = format!("{body:011}");
            let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
            let sum: u32 = (1..=11)
                .map(|n| digits[11 - n] * if n <= 6 { n as u32 + 1 } else { n as u32 - 5 })
                .sum();
            let r = sum % 11;
            format!("{body}{}", if r <= 1 { 0 } else { 11 - r })
        }
    }
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

impl Simulator {
    /// A delivery as the CS takes it, through the next fault; and how long its answer
    /// is held back (a slow reply).
    #[allow(clippy::type_complexity)]
    fn take(&self, m: &CsMessage) -> Result<(Result<CsAnswer, LinkError>, Option<u64>), LinkError> {
        let mut s = self.up()?;
        Ok(match s.faults.pop_front() {
            Some(Fault::Unreachable) => {
                (Err(LinkError("接続できません(シミュレータ)".into())), None)
            }
            Some(Fault::ReplyLost) => {
                apply(&mut s, m);
                (
                    Err(LinkError("応答がありません(シミュレータ)".into())),
                    None,
                )
            }
            Some(Fault::Refuse { code, message }) => {
                (Ok(CsAnswer::Refused { code, message }), None)
            }
            Some(Fault::SlowReply { millis }) => (Ok(apply(&mut s, m)), Some(millis)),
            // Faults of the network: for the routing, not the CS.
            Some(f @ (Fault::Duplicate | Fault::Delay)) => {
                s.route_faults.push_front(f);
                (Ok(apply(&mut s, m)), None)
            }
            None => (Ok(apply(&mut s, m)), None),
        })
    }
}

#[async_trait]
impl CsLink for Simulator {
    async fn deliver(&self, m: &CsMessage) -> Result<CsAnswer, LinkError> {
        let (answer, wait) = self.take(m)?;
        if let Some(millis) = wait {
            tokio::time::sleep(std::time::Duration::from_millis(millis.min(60_000))).await;
        }
        answer
    }

    async fn identities(&self, municipality: &str) -> Result<Vec<WireIdentity>, LinkError> {
        let s = self.up()?;
        let holds = s.holds.get(municipality);
        Ok(s.records
            .get(municipality)
            .map(|m| {
                m.values()
                    .map(|(r, _)| {
                        let mut r = r.clone();
                        if r.removed_on.is_none() {
                            r.holds = holds
                                .and_then(|h| h.get(&r.code))
                                .map(|h| {
                                    h.iter()
                                        .filter(|h| h.released_on.is_none())
                                        .map(|h| h.suppression)
                                        .collect()
                                })
                                .unwrap_or_default();
                        }
                        r
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn free_codes(&self, municipality: &str, n: u32) -> Result<Vec<String>, LinkError> {
        let mut s = self.up()?;
        Ok(codes(&mut s, municipality, n.min(10_000)))
    }

    async fn receive(&self, municipality: &str) -> Result<Vec<Received>, LinkError> {
        let s = self.up()?;
        Ok(s.inbox
            .get(municipality)
            .map(|m| {
                m.iter()
                    .map(|(d, m)| Received {
                        delivery: *d,
                        message: m.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn ack(&self, municipality: &str, deliveries: &[u64]) -> Result<(), LinkError> {
        let mut s = self.up()?;
        if let Some(m) = s.inbox.get_mut(municipality) {
            for d in deliveries {
                m.remove(d);
            }
        }
        Ok(())
    }
}
