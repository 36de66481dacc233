//! 住基ネット (CS) 連携 (7.1.1.1–7.1.1.2, j1090–j1100; 4.3.1, j870): the items the
//! ledger gives ([`kikan_domain::cs`]), delivered to the CS through a [`CsLink`] in the
//! ledger's order, one person's items never overtaking each other; retried while the CS
//! cannot be reached; the CS's refusals listed for staff, who may supplement an item,
//! change its 異動事由 and send it again; the 整合性確認 against the CS's copy; and the
//! 住民票コード空きコード taken from the CS and drawn at random.
//!
//! The ledger is the outbox: an entry and the facts its items are made of are one
//! transaction, and the items are made from it by a reader that moves a head, so no
//! change reaches the register without its item, whatever stops when.

pub mod sim;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::cs::{
    CharMap, CsAnswer, CsItem, CsKind, CsMessage, CsState, Difference, Identity, Inbound,
    InboundState, PER_ENTRY, SUPPLEMENTED, SendingSetting, WireIdentity, items_of, message,
    persons_concerned,
};
use kikan_domain::ledger::Transfer as EntryTransfer;
use kikan_domain::suppress::{Process, Subject};
use kikan_domain::{DomainError, JuminhyoCode, LocalGovCode, Person, PersonId};
use kikan_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Entries read at a time.
const PAGE: u32 = 500;

/// The CS could not be reached, or answered what kikan cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("住基ネット(CS)に接続できません: {0}")]
pub struct LinkError(pub String);

/// The other side: a real CS adapter, the HTTP client of kikan's documented boundary
/// ([`http::HttpLink`]), or the simulator ([`sim::Simulator`]).
#[async_trait]
pub trait CsLink: Send + Sync {
    /// Delivers one message. The same message number again must change nothing.
    async fn deliver(&self, m: &CsMessage) -> Result<CsAnswer, LinkError>;
    /// The CS's copy of the municipality's 本人確認情報 (整合性確認).
    async fn identities(&self, municipality: &str) -> Result<Vec<WireIdentity>, LinkError>;
    /// Up to `n` 住民票コード空きコード for the municipality (4.3.1).
    async fn free_codes(&self, municipality: &str, n: u32) -> Result<Vec<String>, LinkError>;
    /// The messages other municipalities sent this one (転出証明書情報, 転入通知) not yet
    /// acknowledged, each with its delivery number; the same one may come again until
    /// acknowledged.
    async fn receive(&self, municipality: &str) -> Result<Vec<Received>, LinkError>;
    /// Acknowledges deliveries: kept by the receiver, they are not sent again.
    async fn ack(&self, municipality: &str, deliveries: &[u64]) -> Result<(), LinkError>;
}

/// A message received through the CS, with its delivery number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub delivery: u64,
    pub message: CsMessage,
}

/// A store or a link failure.
#[derive(Debug, thiserror::Error)]
pub enum CsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Link(#[from] LinkError),
}

impl From<DomainError> for CsError {
    fn from(e: DomainError) -> Self {
        CsError::Store(e.into())
    }
}

/// The link's settings for one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    /// 手動連携: automatic delivery paused (staff send when they choose).
    #[serde(default)]
    pub manual: bool,
    /// Who paused it, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub manual_since: Option<DateTime<Utc>>,
    /// 住民票コード空きコード: the alert when fewer remain (4.3.1).
    #[serde(default = "default_alert")]
    pub code_alert_below: u64,
    /// Codes come from the CS's 空きコード only (set by the first taking of codes);
    /// before that, a municipality not yet linked draws valid codes at random.
    #[serde(default)]
    pub codes_from_cs: bool,
    /// 宛名連携 (7.2.3): the change feed's timing — 0 (or none) リアルタイム, each change
    /// visible once recorded; 1–10 準リアルタイム, the changes published every that many
    /// minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_interval_minutes: Option<u32>,
    /// 住基ネット共同利用 (7.1.1.1): the CS server this municipality shares with others,
    /// named as the CS names its inbox. What it receives is sorted to the members on this
    /// server (the municipalities set to the same group), each keeping its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_group: Option<String>,
}

fn default_alert() -> u64 {
    100
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            manual: false,
            manual_by: None,
            manual_since: None,
            code_alert_below: default_alert(),
            codes_from_cs: false,
            feed_interval_minutes: None,
            shared_group: None,
        }
    }
}

pub async fn settings(store: &dyn Store, tenant: LocalGovCode) -> Result<Settings, StoreError> {
    match store.cs_settings(tenant).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())),
        None => Ok(Settings::default()),
    }
}

pub async fn put_settings(
    store: &dyn Store,
    tenant: LocalGovCode,
    s: &Settings,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(s).map_err(|e| StoreError::Database(e.to_string()))?;
    store.put_cs_settings(tenant, &json).await
}

/// The conversion table to 住基ネット統一文字.
pub async fn char_map(store: &dyn Store, tenant: LocalGovCode) -> Result<CharMap, StoreError> {
    Ok(CharMap {
        entries: store.cs_chars(tenant).await?.into_iter().collect(),
    })
}

/// Makes the items of every entry recorded since the last reading. Another reader
/// first is no error: its items stand.
pub async fn scan(store: &dyn Store, tenant: LocalGovCode) -> Result<(), StoreError> {
    // 管内本籍 (戸籍附票記載事項通知): a 本籍 naming this municipality (read once there
    // is something to read).
    let mut here: Option<String> = None;
    loop {
        let head = store.cs_head(tenant).await?;
        let entries = store.ledger(tenant, head, PAGE).await?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            return Ok(());
        };
        if here.is_none() {
            here = Some(store.registered_tenant(tenant).await?.name);
        }
        let here = here.as_deref().unwrap_or_default();
        let concerned: Vec<Vec<PersonId>> = entries.iter().map(persons_concerned).collect();
        let all: BTreeSet<PersonId> = concerned.iter().flatten().copied().collect();
        let mut versions = HashMap::new();
        for id in all {
            versions.insert(id, store.person_versions(tenant, id).await?);
        }
        let mut items = Vec::new();
        for (entry, ids) in entries.iter().zip(&concerned) {
            let pairs: Vec<(Option<&Person>, &Person)> = ids
                .iter()
                .filter_map(|id| {
                    let vs = versions.get(id)?;
                    let after = vs.iter().rev().find(|v| v.seq <= entry.seq)?;
                    if after.seq != entry.seq {
                        // The entry did not change this record.
                        return None;
                    }
                    let before = vs.iter().rev().find(|v| v.seq < entry.seq);
                    Some((before.map(|v| &v.person), &after.person))
                })
                .collect();
            items.extend(items_of(
                entry,
                &pairs,
                crate::clock::japan_day(entry.recorded_at),
                here,
            ));
        }
        match store.add_cs_items(tenant, last, &items).await {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
        // A 特例転入 recorded: the 転出証明書情報 it was made from is done.
        for e in &entries {
            if let Some(EntryTransfer::MoveInNotice {
                certificate: Some(key),
                ..
            }) = &e.transfer
            {
                settle_certificates(store, tenant, key, e.seq).await?;
            }
        }
    }
}

/// Marks the 転出証明書情報 of a household (the one named and those sent with it)
/// done by entry `seq`.
async fn settle_certificates(
    store: &dyn Store,
    tenant: LocalGovCode,
    key: &str,
    seq: i64,
) -> Result<(), StoreError> {
    let new = store.cs_inbound(tenant, &["new"]).await?;
    let Some(named) = new.iter().find(|i| i.key == key) else {
        return Ok(());
    };
    for i in household_of(&new, named) {
        let done = Inbound {
            state: InboundState::Done {
                seq,
                at: Utc::now(),
            },
            ..i.clone()
        };
        settle(store, tenant, done).await?;
    }
    Ok(())
}

/// The 転出証明書情報 sent with `named` for the same household (the same sender, the
/// same 世帯 there), `named` first.
pub fn household_of<'a>(all: &'a [Inbound], named: &'a Inbound) -> Vec<&'a Inbound> {
    let household = |i: &Inbound| i.message.transfer.as_ref().map(|t| t.household);
    let mut out = vec![named];
    out.extend(all.iter().filter(|i| {
        i.key != named.key
            && i.message.kind == CsKind::MoveOutCertificate
            && i.message.municipality == named.message.municipality
            && household(i) == household(named)
            && i.message.transfer.as_ref().map(|t| t.moved_on)
                == named.message.transfer.as_ref().map(|t| t.moved_on)
    }));
    out
}

/// The items after a reading of the ledger: with `states` only those in them, with
/// `person` only theirs.
pub async fn list(
    store: &dyn Store,
    tenant: LocalGovCode,
    states: &[&str],
    person: Option<PersonId>,
) -> Result<Vec<CsItem>, StoreError> {
    scan(store, tenant).await?;
    store.cs_items(tenant, states, person).await
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Items the CS took, refused, and items held for want of a character.
    pub accepted: Vec<i64>,
    pub refused: Vec<i64>,
    pub held: Vec<i64>,
    /// Items still waiting (their day, or an earlier item of the same person).
    pub waiting: u64,
    /// Automatic delivery is paused (手動連携) and nothing was sent.
    pub paused: bool,
    /// The CS could not be reached: the run stopped here, to be tried again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Delivers what is due by `today`, in number order; a person's item waits while an
/// earlier one of theirs is refused, held or not due. A paused link (手動連携) sends
/// only when `forced` (staff's 「送信」). The CS unreachable stops the run: the item
/// counts the try and stays to be sent. What reached the CS is audited as `by` sending
/// it (the persons named).
pub async fn deliver(
    store: &dyn Store,
    link: &dyn CsLink,
    by: &crate::Actor,
    today: NaiveDate,
    forced: bool,
) -> Result<Delivery, StoreError> {
    let tenant = by.tenant;
    let mut sent_to: BTreeSet<PersonId> = BTreeSet::new();
    let out = deliver_items(store, link, by, today, forced, &mut sent_to).await;
    if !sent_to.is_empty() {
        let detail = match &out {
            Ok(d) => format!(
                "住基ネット(CS)への送信: 送信済み{}件、エラー{}件{}",
                d.accepted.len(),
                d.refused.len(),
                d.failure
                    .as_deref()
                    .map(|f| format!("、中断({f})"))
                    .unwrap_or_default()
            ),
            Err(e) => format!("住基ネット(CS)への送信: 中断({e})"),
        };
        store
            .append_audit(
                tenant,
                &[by.event("cs.deliver", sent_to.iter().map(|p| p.0).collect(), detail)],
            )
            .await?;
    }
    out
}

async fn deliver_items(
    store: &dyn Store,
    link: &dyn CsLink,
    by: &crate::Actor,
    today: NaiveDate,
    forced: bool,
    sent_to: &mut BTreeSet<PersonId>,
) -> Result<Delivery, StoreError> {
    let tenant = by.tenant;
    let mut out = Delivery::default();
    if settings(store, tenant).await?.manual && !forced {
        out.paused = true;
        return Ok(out);
    }
    scan(store, tenant).await?;
    let map = char_map(store, tenant).await?;
    let municipality = tenant.to_string();
    let mut blocked: BTreeSet<PersonId> = BTreeSet::new();
    for item in store
        .cs_items(tenant, &["pending", "held", "refused"], None)
        .await?
    {
        if blocked.contains(&item.person)
            || matches!(item.state, CsState::Refused { .. })
            || item.due_on > today
        {
            blocked.insert(item.person);
            out.waiting += 1;
            continue;
        }
        let was = item.state.name();
        let item = with_sending_address(store, tenant, item).await?;
        let m = match message(&municipality, &item, &map) {
            Ok(m) => m,
            Err(chars) => {
                blocked.insert(item.person);
                out.held.push(item.id);
                let held = CsState::Held { chars };
                if item.state != held {
                    store
                        .update_cs_items(
                            tenant,
                            &[(
                                CsItem {
                                    state: held,
                                    ..item
                                },
                                was,
                            )],
                        )
                        .await?;
                }
                continue;
            }
        };
        let now = Utc::now();
        // Whatever the answer, the message may have reached the CS.
        sent_to.insert(item.person);
        let next = match link.deliver(&m).await {
            Ok(CsAnswer::Accepted) => {
                out.accepted.push(item.id);
                CsItem {
                    state: CsState::Accepted { at: now },
                    ..item
                }
            }
            Ok(CsAnswer::Issued { value }) => {
                match take_in(store, by, today, &item, &value).await {
                    Ok(()) => {
                        out.accepted.push(item.id);
                        CsItem {
                            answer: Some(value),
                            state: CsState::Accepted { at: now },
                            ..item
                        }
                    }
                    // The record is being entered by a clerk: the same answer comes again
                    // for the same number next time.
                    Err(StoreError::Domain(DomainError::Locked { .. })) => {
                        blocked.insert(item.person);
                        out.waiting += 1;
                        continue;
                    }
                    Err(StoreError::Domain(e)) => {
                        blocked.insert(item.person);
                        out.refused.push(item.id);
                        CsItem {
                            answer: Some(value),
                            state: CsState::Refused {
                                at: now,
                                code: e.code().to_string(),
                                message: format!("回答を取り込めません: {e}"),
                            },
                            ..item
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(CsAnswer::Refused { code, message }) => {
                blocked.insert(item.person);
                out.refused.push(item.id);
                CsItem {
                    state: CsState::Refused {
                        at: now,
                        code,
                        message,
                    },
                    ..item
                }
            }
            Err(LinkError(why)) => {
                let tried = CsItem {
                    attempts: item.attempts + 1,
                    last_failure: Some(why.clone()),
                    ..item
                };
                store.update_cs_items(tenant, &[(tried, was)]).await?;
                out.failure = Some(why);
                return Ok(out);
            }
        };
        match store.update_cs_items(tenant, &[(next, was)]).await {
            Ok(()) => {}
            // Another server delivers meanwhile: it goes on from here.
            Err(StoreError::Conflict) => return Ok(out),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Reads a stored 送付先 setting (a bare address, as first kept, is the 居所 alone).
pub(crate) fn sending_setting(json: &str) -> Result<SendingSetting, StoreError> {
    serde_json::from_str::<SendingSetting>(json)
        .or_else(|_| {
            serde_json::from_str::<kikan_domain::Address>(json).map(|a| SendingSetting {
                address: Some(a),
                ..Default::default()
            })
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A 送付先情報 goes to the 居所 set for the person, when one is (7.1.1.4), with the
/// 印刷区分 and 特別な事情 staff set (7.1.1.1).
async fn with_sending_address(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut item: CsItem,
) -> Result<CsItem, StoreError> {
    if item.kind != CsKind::SendingAddress {
        return Ok(item);
    }
    if let Some((_, json)) = store
        .sending_addresses(tenant, &[item.person])
        .await?
        .into_iter()
        .next()
    {
        let s = sending_setting(&json)?;
        if let Some(t) = item.transfer.as_mut() {
            if let Some(a) = &s.address {
                t.other_address = Some(a.line());
            }
            t.print_category = s.print_category;
            t.special_circumstances = s.special_circumstances.then_some(true);
        }
    }
    Ok(item)
}

/// 送付先 (7.1.1.4, 7.1.1.1): sets a 居所 other than the address as where the person's
/// card and 番号通知書類 go (none: the address again), the 印刷区分 and whether the person
/// has 特別な事情, and queues the person's 送付先情報 (sent once so set).
pub async fn set_sending_address(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    setting: &SendingSetting,
    today: NaiveDate,
) -> Result<CsItem, StoreError> {
    setting.validate()?;
    let json = (!setting.is_empty())
        .then(|| serde_json::to_string(setting))
        .transpose()
        .map_err(|e| StoreError::Database(e.to_string()))?;
    if store.persons(tenant, &[person]).await?.is_empty() {
        return Err(DomainError::PersonNotFound(person.to_string()).into());
    }
    store
        .put_sending_address(tenant, person, json.as_deref())
        .await?;
    queue(store, tenant, person, CsKind::SendingAddress, today).await
}

/// The persons a suppression concerns now: its person, or its household's members.
pub async fn persons_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    subject: Subject,
) -> Result<Vec<PersonId>, StoreError> {
    Ok(match subject {
        Subject::Person(p) => vec![p],
        Subject::Household(h) => store
            .households(tenant, &[h])
            .await?
            .into_iter()
            .flat_map(|h| h.members)
            .collect(),
    })
}

/// 交付抑止情報 (3.1): queues, for each of `persons` who has a 住民票コード and is on
/// the register, the whole state of the suppressions of their certificates (theirs and
/// their household's, set or released). Called when such a suppression is set or
/// released (never on a 一時解除), and by staff after a 整合性確認 found the CS's copy
/// different (a member who joined a held household since).
pub async fn send_holds(
    store: &dyn Store,
    tenant: LocalGovCode,
    persons: &[PersonId],
    today: NaiveDate,
) -> Result<Vec<CsItem>, StoreError> {
    let mut out = Vec::new();
    for p in store.persons(tenant, persons).await? {
        if p.is_removed() || p.juminhyo_code.is_none() {
            continue;
        }
        let subjects = [Subject::Person(p.id), Subject::Household(p.household_id)];
        let held = store.suppressions_for(tenant, &subjects).await?;
        let holds = kikan_domain::cs::hold_notices(&held);
        let item = queue_with(store, tenant, p.id, CsKind::IssuanceHold, today, |i| {
            i.holds = Some(holds)
        })
        .await?;
        out.push(item);
    }
    Ok(out)
}

/// The 交付抑止 each person has here, for the 整合性確認: the suppressions of their
/// certificates (theirs and their household's) set and not released.
async fn holds_here(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<BTreeMap<PersonId, Vec<i64>>, StoreError> {
    let mut out: BTreeMap<PersonId, Vec<i64>> = BTreeMap::new();
    for s in store.suppressions(tenant).await? {
        if s.released_on.is_some() || !s.processes.contains(&Process::Certificate) {
            continue;
        }
        for p in persons_of(store, tenant, s.subject).await? {
            out.entry(p).or_default().push(s.id.0);
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    Ok(out)
}

/// 生成された個人番号の取込 (7.1.2.1): a generated or changed 個人番号 recorded on the
/// person by 職権 (a ledger entry, audited as `by`). A 符号 is kept with its item.
async fn take_in(
    store: &dyn Store,
    by: &crate::Actor,
    today: NaiveDate,
    item: &CsItem,
    value: &str,
) -> Result<(), StoreError> {
    if item.kind == CsKind::SerialRequest {
        // 利用者証明用電子証明書のシリアル番号 (7.1.2.4): kept with the card's items.
        return set_card(store, by, item.person, |c| {
            c.certificate_serial = Some(value.to_string())
        })
        .await;
    }
    if !matches!(item.kind, CsKind::NumberRequest | CsKind::NumberChange) {
        return Ok(());
    }
    let number = kikan_domain::IndividualNumber::parse(value)?;
    let person = store
        .persons(by.tenant, &[item.person])
        .await?
        .pop()
        .ok_or_else(|| DomainError::PersonNotFound(item.person.to_string()))?;
    if person.individual_number.as_ref() == Some(&number) {
        // Taken in before (the same answer again).
        return Ok(());
    }
    let entry = kikan_domain::LedgerEntry::at_intake(
        kikan_domain::Change::Correction {
            person: person.id,
            correction: kikan_domain::ledger::Correction::IndividualNumber {
                old: person.individual_number.clone(),
                new: Some(number),
            },
            kind: kikan_domain::ledger::CorrectionKind::ExOfficio,
        },
        today,
        today,
        Utc::now(),
        by.name.clone(),
        None,
        today,
    )?
    .with_basis(kikan_domain::Basis::ExOfficio);
    let event = crate::record::change_event(by, &entry, None);
    crate::record::record_audited(store, by.tenant, entry, &[], Some(event), None).await?;
    Ok(())
}

/// The card's items of a person as last set, changed by `f` and set again (by `by`).
async fn set_card(
    store: &dyn Store,
    by: &crate::Actor,
    person: PersonId,
    f: impl FnOnce(&mut kikan_domain::business::CardItems),
) -> Result<(), StoreError> {
    use kikan_domain::business::BusinessItems;
    let records = store.business_records(by.tenant, &[person]).await?;
    let mut c = kikan_domain::business::latest(&records)
        .into_iter()
        .find_map(|r| match &r.items {
            BusinessItems::Card(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap_or_default();
    f(&mut c);
    crate::business::set(
        store,
        by.tenant,
        person,
        BusinessItems::Card(c),
        &by.name,
        Utc::now(),
    )
    .await?;
    Ok(())
}

/// A request to the centre about a person, asked by staff (or a system): 個人番号の
/// 変更要求 (on the person's 変更請求 or by 職権), 符号の取得要求 or the 利用者証明用
/// 電子証明書のシリアル番号. Sent with the next delivery, after the person's earlier items.
pub async fn request(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    kind: CsKind,
    today: NaiveDate,
) -> Result<CsItem, StoreError> {
    if !matches!(
        kind,
        CsKind::NumberChange | CsKind::SymbolRequest | CsKind::SerialRequest
    ) {
        return Err(DomainError::Invalid {
            field: "要求",
            reason:
                "個人番号変更要求・符号取得要求・シリアル番号取得要求のいずれかを指定してください"
                    .into(),
        }
        .into());
    }
    queue(store, tenant, person, kind, today).await
}

/// Queues an item of `kind` about a person after the items made so far.
async fn queue(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    kind: CsKind,
    today: NaiveDate,
) -> Result<CsItem, StoreError> {
    queue_with(store, tenant, person, kind, today, |_| {}).await
}

/// [`queue`], the item completed by `f` before it is kept.
async fn queue_with(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    kind: CsKind,
    today: NaiveDate,
    f: impl FnOnce(&mut CsItem),
) -> Result<CsItem, StoreError> {
    scan(store, tenant).await?;
    let p = store
        .persons(tenant, &[person])
        .await?
        .pop()
        .ok_or_else(|| DomainError::PersonNotFound(person.to_string()))?;
    let identity = Identity::of(&p).ok_or(DomainError::Invalid {
        field: "住民票コード",
        reason: "住民票コードのない人の要求はできません".into(),
    })?;
    if kind == CsKind::NumberChange && p.individual_number.is_none() {
        return Err(DomainError::Invalid {
            field: "個人番号",
            reason: "個人番号のない人は変更要求ではなく生成要求になります".into(),
        }
        .into());
    }
    let (head, next) = next_number(store, tenant).await?;
    let transfer = (kind == CsKind::SendingAddress).then(|| kikan_domain::cs::sending(&p, today));
    let mut item = CsItem::new(next, head, person, kind, identity, today, today);
    item.transfer = transfer;
    f(&mut item);
    store
        .add_cs_items(tenant, head, std::slice::from_ref(&item))
        .await?;
    Ok(item)
}

/// An item still to be sent (pending, held or refused) or, for a resend, one sent.
async fn item(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    states: &[&str],
) -> Result<CsItem, StoreError> {
    scan(store, tenant).await?;
    store
        .cs_items(tenant, states, None)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| DomainError::CsItemNotFound { id }.into())
}

/// 再送信, with the 異動事由 changed when `reason` is given. A refused item goes back to
/// be sent in its place (the CS took nothing under its number, and the person's later
/// items stay behind it). A sent one is sent again as a new item (the CS takes a number
/// once), and only while it is the person's latest: older content must not overwrite
/// newer at the CS.
pub async fn resend(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    reason: Option<&str>,
) -> Result<CsItem, StoreError> {
    let old = item(store, tenant, id, &["accepted", "refused"]).await?;
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => r.to_string(),
        None => old.reason.clone(),
    };
    if let CsState::Refused { .. } = old.state {
        let again = CsItem {
            reason,
            state: CsState::Pending,
            ..old
        };
        store
            .update_cs_items(tenant, &[(again.clone(), "refused")])
            .await?;
        return Ok(again);
    }
    let theirs = store.cs_items(tenant, &[], Some(old.person)).await?;
    if let Some(later) = theirs
        .iter()
        .find(|i| i.id > old.id && !matches!(i.state, CsState::Withdrawn { .. }))
    {
        return Err(DomainError::CsResendStale {
            id,
            later: later.id,
        }
        .into());
    }
    let (head, next) = next_number(store, tenant).await?;
    let again = CsItem {
        id: next,
        reason,
        resends: Some(old.id),
        answer: None,
        attempts: 0,
        last_failure: None,
        state: CsState::Pending,
        ..old
    };
    store
        .add_cs_items(tenant, head, std::slice::from_ref(&again))
        .await?;
    Ok(again)
}

/// The reader's head and the number of an item made after it (a resend, a request):
/// the next free one after the last entry's items. The numbers up to the next entry's
/// are used up: a conflict until it comes.
async fn next_number(store: &dyn Store, tenant: LocalGovCode) -> Result<(i64, i64), StoreError> {
    let head = store.cs_head(tenant).await?;
    let next = store.cs_last_item(tenant).await?.max(head * PER_ENTRY) + 1;
    if next >= (head + 1) * PER_ENTRY {
        return Err(StoreError::Conflict);
    }
    Ok((head, next))
}

/// 手入力による補完: texts staff give for this item in place of the record's (氏名,
/// 振り仮名, 旧氏, 住所; `[J+XXXX]` for a character Unicode lacks). An empty text takes
/// the supplement back. A refused item goes back to be sent.
pub async fn supplement(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    fields: &BTreeMap<String, String>,
) -> Result<CsItem, StoreError> {
    let old = item(store, tenant, id, &["pending", "held", "refused"]).await?;
    let mut new = old.clone();
    for (k, v) in fields {
        if !SUPPLEMENTED.contains(&k.as_str()) {
            return Err(DomainError::CsSupplementField { field: k.clone() }.into());
        }
        if v.trim().is_empty() {
            new.supplement.remove(k);
        } else {
            // Codes written by hand must be codes.
            for part in v.split('[').skip(1) {
                if let Some((code, _)) = part.split_once(']') {
                    kikan_domain::cs::parse_code(code)?;
                }
            }
            new.supplement.insert(k.clone(), v.trim().to_string());
        }
    }
    new.state = CsState::Pending;
    store
        .update_cs_items(tenant, &[(new.clone(), old.state.name())])
        .await?;
    Ok(new)
}

/// 送信取消し: an item staff decide not to send (it no longer holds back the person's
/// later items).
pub async fn withdraw(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
    by: &str,
) -> Result<CsItem, StoreError> {
    let old = item(store, tenant, id, &["pending", "held", "refused"]).await?;
    let was = old.state.name();
    let new = CsItem {
        state: CsState::Withdrawn {
            at: Utc::now(),
            by: by.to_string(),
        },
        ..old
    };
    store.update_cs_items(tenant, &[(new.clone(), was)]).await?;
    Ok(new)
}

/// 整合性確認: every record with a 住民票コード (residents and 除票) against the CS's
/// copy; a difference is marked when an item of the person is still to be sent.
pub async fn reconcile(
    store: &dyn Store,
    link: &dyn CsLink,
    tenant: LocalGovCode,
) -> Result<Vec<Difference>, CsError> {
    scan(store, tenant).await?;
    let theirs = link.identities(&tenant.to_string()).await?;
    let open: BTreeSet<PersonId> = store
        .cs_items(tenant, &["pending", "held", "refused"], None)
        .await?
        .into_iter()
        .map(|i| i.person)
        .collect();
    let mut ours = Vec::new();
    let mut removed = BTreeSet::new();
    let mut after = None;
    loop {
        let page = store.person_rows(tenant, after, PAGE).await?;
        let Some((_, last)) = page.last() else { break };
        after = Some(last.id);
        for (_, p) in &page {
            if let Some(id) = Identity::of(p) {
                if id.removed_on.is_some() {
                    removed.insert(p.id);
                }
                ours.push((p.id, id, open.contains(&p.id)));
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    let map = char_map(store, tenant).await?;
    // A 除票's certificates are not the CS's to refuse.
    let mut holds = holds_here(store, tenant).await?;
    holds.retain(|p, _| !removed.contains(p));
    Ok(kikan_domain::cs::compare(&ours, &holds, &theirs, &map))
}

/// What a 交付抑止情報 or 広域交付住民票情報 carries, in words, for lists.
pub fn detail(i: &CsItem) -> Option<String> {
    if let Some(h) = &i.holds {
        let held = h.iter().filter(|h| h.released_on.is_none()).count();
        return Some(format!("抑止中 {held}件、解除 {}件", h.len() - held));
    }
    let w = i.wide.as_ref()?;
    Some(match &w.refusal {
        Some(why) => format!("交付不可({why}) 要求 {}", w.request),
        None => format!("{}人 要求 {}", w.members.len(), w.request),
    })
}

/// The characters items wait for (文字変換待ち), each with the items that need it.
pub fn waiting_chars(items: &[CsItem]) -> BTreeMap<String, Vec<i64>> {
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in items {
        if let CsState::Held { chars } = &i.state {
            for c in chars {
                out.entry(c.clone()).or_default().push(i.id);
            }
        }
    }
    out
}

/// The list of items as CSV (UTF-8 with BOM): 一覧表 of what was sent and its outcome.
pub fn list_csv(items: &[CsItem]) -> String {
    let cell = kikan_domain::csv::cell;
    let mut out = String::from(
        "\u{feff}送信番号,電文,異動事由,異動年月日,宛名番号,住民票コード,氏名,住所,宛先,内容,状態,結果,再送元\n",
    );
    for i in items {
        let result = match &i.state {
            CsState::Refused { code, message, .. } => format!("{code} {message}"),
            CsState::Held { chars } => format!("変換できない文字: {}", chars.join(" ")),
            CsState::Accepted { at } => format!("{}", at.format("%Y-%m-%d %H:%M:%S")),
            CsState::Withdrawn { by, .. } => format!("{by}が取消し"),
            CsState::Pending => i.last_failure.clone().unwrap_or_default(),
        };
        out.push_str(
            &[
                i.id.to_string(),
                i.kind.label().to_string(),
                cell(&i.reason),
                i.effective_on.to_string(),
                i.person.0.to_string(),
                i.identity.code.clone(),
                cell(&i.identity.name),
                cell(&i.identity.address),
                i.to.clone().unwrap_or_default(),
                cell(&detail(i).unwrap_or_default()),
                i.state.label().to_string(),
                cell(&result),
                i.resends.map(|r| r.to_string()).unwrap_or_default(),
            ]
            .join(","),
        );
        out.push('\n');
    }
    out
}

// ---- 住民票コード (4.3.1) ----

/// Takes up to `n` 住民票コード空きコード from the CS into the pool; the number added.
pub async fn fetch_codes(
    store: &dyn Store,
    link: &dyn CsLink,
    tenant: LocalGovCode,
    n: u32,
) -> Result<u64, CsError> {
    let codes = link.free_codes(&tenant.to_string(), n).await?;
    for c in &codes {
        JuminhyoCode::parse(c)?;
    }
    let added = store.add_free_codes(tenant, &codes).await?;
    let mut s = settings(store, tenant).await?;
    if !s.codes_from_cs {
        s.codes_from_cs = true;
        put_settings(store, tenant, &s).await?;
    }
    Ok(added)
}

/// Gives each person the change brings in without a 住民票コード one: drawn at random
/// from the CS's 空きコード once the municipality takes them (none left refuses the
/// change, E-CS-008), else a valid code at random (a municipality not yet linked).
pub async fn assign_codes(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &mut kikan_domain::Change,
    basis: kikan_domain::ledger::Basis,
) -> Result<(), StoreError> {
    // 住民票コードの変更請求 (住基法30条の4, 4.3.1): the new code drawn like a new person's
    // when the request names none.
    if let kikan_domain::Change::Correction {
        person,
        correction:
            kikan_domain::ledger::Correction::JuminhyoCode {
                new: new @ None, ..
            },
        ..
    } = change
        && basis == kikan_domain::ledger::Basis::Request
    {
        let from_cs = settings(store, tenant).await?.codes_from_cs;
        *new = Some(new_code(store, tenant, *person, from_cs).await?);
        return Ok(());
    }
    let mut persons = change.new_persons_mut();
    if persons.iter().all(|p| p.juminhyo_code.is_some()) {
        return Ok(());
    }
    let from_cs = settings(store, tenant).await?.codes_from_cs;
    let mut taken: Vec<String> = Vec::new();
    for p in persons.iter_mut().filter(|p| p.juminhyo_code.is_none()) {
        match new_code(store, tenant, p.id, from_cs).await {
            Ok(c) => {
                taken.push(c.to_string());
                p.juminhyo_code = Some(c);
            }
            Err(e) => {
                // Put back what this change took before failing.
                for c in &taken {
                    store.release_free_code(tenant, c).await?;
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// A new 住民票コード for `person`: drawn at random from the CS's 空きコード where the
/// municipality takes them from the CS (`from_cs`; none left: `E-CS-008`), else made at
/// random.
async fn new_code(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
    from_cs: bool,
) -> Result<JuminhyoCode, StoreError> {
    if from_cs {
        return draw_code(store, tenant, person)
            .await?
            .ok_or_else(|| DomainError::NoFreeCode.into());
    }
    let body = format!("{:010}", rand::random::<u64>() % 10_000_000_000);
    Ok(JuminhyoCode::from_body(&body)?)
}

/// A code for `person`, drawn at random from the pool; None when the pool is empty.
pub async fn draw_code(
    store: &dyn Store,
    tenant: LocalGovCode,
    person: PersonId,
) -> Result<Option<JuminhyoCode>, StoreError> {
    for _ in 0..5 {
        let n = store.free_code_count(tenant).await?;
        if n == 0 {
            return Ok(None);
        }
        let nth = rand::random::<u64>() % n;
        if let Some(code) = store.take_free_code(tenant, nth, person).await? {
            return Ok(Some(JuminhyoCode::parse(&code)?));
        }
    }
    // Others drew the same places meanwhile each time.
    Err(StoreError::Conflict)
}

/// The pool: codes left, and whether that is below the municipality's alert level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodePool {
    pub free: u64,
    pub alert_below: u64,
    pub alert: bool,
}

pub async fn code_pool(store: &dyn Store, tenant: LocalGovCode) -> Result<CodePool, StoreError> {
    let free = store.free_code_count(tenant).await?;
    let alert_below = settings(store, tenant).await?.code_alert_below;
    Ok(CodePool {
        free,
        alert_below,
        alert: free < alert_below,
    })
}

// ---- 特例転出・特例転入・転入通知 (4.1.3.0.4, 4.1.1.3, 4.1.3.1.1) ----

/// What a change request asks to send another municipality through the CS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferIn {
    /// On a 転出: 特例転入を利用した転出 to this municipality (its 全国地方公共団体コード):
    /// the 転出証明書情報 goes to the CS instead of a printed 転出証明書.
    #[serde(default)]
    pub special_move_out_to: Option<String>,
    /// On a 転入: the municipality moved from, which the 転入通知 goes to.
    #[serde(default)]
    pub notice_to: Option<String>,
    /// On a 特例転入: the 転出証明書情報 received (its key, `sender:number`) the 転入 is
    /// made from; its 住民票コード and 個人番号 are taken from it, and the 転入通知 goes
    /// to its sender.
    #[serde(default)]
    pub certificate: Option<String>,
}

/// The transfer a request asks for, checked; for a 特例転入 the persons take their
/// 個人番号 (and 住民票コード, where the request left it out) from the 転出証明書情報,
/// matched by 住民票コード or, failing that, by 氏名 and 生年月日.
pub async fn transfer_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    t: Option<&TransferIn>,
    change: &mut kikan_domain::Change,
) -> Result<Option<EntryTransfer>, StoreError> {
    let Some(t) = t else {
        return notice_to_previous_address(store, tenant, change).await;
    };
    let code = |s: &str| LocalGovCode::parse(s.trim());
    if let Some(to) = t
        .special_move_out_to
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        let to = code(to)?;
        if to == tenant {
            return Err(DomainError::Invalid {
                field: "特例転出の転出先",
                reason: "自らの市区町村には特例転出できません".into(),
            }
            .into());
        }
        return Ok(Some(EntryTransfer::SpecialMoveOut { to }));
    }
    if let Some(key) = t.certificate.as_deref().filter(|s| !s.trim().is_empty()) {
        // The 特例転入 recorded so far have used theirs.
        scan(store, tenant).await?;
        let new = store.cs_inbound(tenant, &["new"]).await?;
        let named = new
            .iter()
            .find(|i| i.key == key && i.message.kind == CsKind::MoveOutCertificate)
            .ok_or_else(|| DomainError::CsInboundNotFound {
                key: key.to_string(),
            })?;
        let map = char_map(store, tenant).await?;
        let group: Vec<Identity> = household_of(&new, named)
            .into_iter()
            .map(|i| kikan_domain::cs::received_texts(&i.message, &map).0)
            .collect();
        let mut matched = 0;
        for p in change.new_persons_mut() {
            let by_code = p
                .juminhyo_code
                .as_ref()
                .and_then(|c| group.iter().find(|g| g.code == c.to_string()));
            let found = by_code.or_else(|| {
                group
                    .iter()
                    .find(|g| g.name == p.name.full() && g.birth_date == p.birth_date)
            });
            if let Some(g) = found {
                matched += 1;
                if p.juminhyo_code.is_none() {
                    p.juminhyo_code = Some(JuminhyoCode::parse(&g.code)?);
                }
                if p.individual_number.is_none()
                    && let Some(n) = &g.individual_number
                {
                    p.individual_number = Some(kikan_domain::IndividualNumber::parse(n)?);
                }
            }
        }
        if matched == 0 {
            return Err(DomainError::CsInboundNotFound {
                key: key.to_string(),
            }
            .into());
        }
        return Ok(Some(EntryTransfer::MoveInNotice {
            to: code(&named.message.municipality)?,
            certificate: Some(key.to_string()),
        }));
    }
    if let Some(to) = t.notice_to.as_deref().filter(|s| !s.trim().is_empty()) {
        return Ok(Some(EntryTransfer::MoveInNotice {
            to: code(to)?,
            certificate: None,
        }));
    }
    notice_to_previous_address(store, tenant, change).await
}

/// The 指定都市: a ward's (行政区's) 転入通知 goes to its city.
const DESIGNATED_CITIES: [u32; 20] = [
    1100, 4100, 11100, 12100, 14100, 14130, 14150, 15100, 22100, 22130, 23100, 26100, 27100, 27140,
    28100, 33100, 34100, 40100, 40130, 43100,
];

/// The municipality the 住基ネット knows for a postal line's 5-digit code: a ward of a
/// 指定都市 is its city (東京都's 特別区 are municipalities themselves).
fn municipality_of(city_code: &str) -> Option<LocalGovCode> {
    let n: u32 = city_code.parse().ok()?;
    let city = DESIGNATED_CITIES
        .iter()
        .copied()
        .filter(|c| *c < n && n < c + 30)
        .max()
        .unwrap_or(n);
    LocalGovCode::from_five(&format!("{city:05}")).ok()
}

/// 9条1項 転入通知 (7.1.1.1): a 転入 that names no municipality sends its 転入通知 to the
/// one of its 転入前住所 (for a 未届転入, of the 最終住民登録地 where given), as the postal
/// code file tells it (its lines carry the 全国地方公共団体コード). None when the file does
/// not tell, or tells this municipality: staff name it (`notice_to`).
async fn notice_to_previous_address(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &kikan_domain::Change,
) -> Result<Option<EntryTransfer>, StoreError> {
    let kikan_domain::Change::MoveIn {
        kind: kikan_domain::ledger::MoveInKind::Domestic,
        previous_address: Some(previous),
        last_registered,
        ..
    } = change
    else {
        return Ok(None);
    };
    let from = last_registered.as_ref().unwrap_or(previous);
    let lines =
        crate::addresses::postal_lines_of(store, tenant, &format!("{}{}", from.place, from.banchi))
            .await?;
    // The longest 市区町村 the address begins with: the shortest rest.
    let shortest = lines.iter().map(|(_, rest)| rest.len()).min();
    let found: BTreeSet<LocalGovCode> = lines
        .iter()
        .filter(|(_, rest)| Some(rest.len()) == shortest)
        .filter_map(|(e, _)| municipality_of(&e.city_code))
        .collect();
    Ok(match (found.len(), found.into_iter().next()) {
        (1, Some(to)) if to != tenant => Some(EntryTransfer::MoveInNotice {
            to,
            certificate: None,
        }),
        _ => None,
    })
}

/// The municipalities on this server that share the CS server `group` (共同利用).
async fn members_of(store: &dyn Store, group: &str) -> Result<Vec<LocalGovCode>, StoreError> {
    let mut out = Vec::new();
    for t in store.tenants().await? {
        if settings(store, t.code).await?.shared_group.as_deref() == Some(group) {
            out.push(t.code);
        }
    }
    Ok(out)
}

/// What one receiving run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// Messages newly kept (those received again are passed over).
    pub kept: u64,
    /// 共同利用: messages for the other members, kept for them.
    #[serde(default)]
    pub distributed: u64,
    /// 転入通知 applied by themselves (their keys), and those that could not be.
    pub applied: Vec<String>,
    pub failed: Vec<String>,
    /// The CS could not be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Takes in what other municipalities sent (kept once each, then acknowledged), and
/// applies the 転入通知 among them by themselves (4.1.3.1.2): the person who moved out
/// is found by 住民票コード and their 転出 confirmed (転出確定) with the 転入日 and the
/// new address, by `by`, audited. Of several 転入通知 for the same person the latest is
/// applied, the others marked 再送により置換; one that cannot be applied is 取込エラー
/// with its reason, for staff.
pub async fn receive(
    store: &dyn Store,
    link: &dyn CsLink,
    by: &crate::Actor,
    today: NaiveDate,
) -> Result<Receipt, StoreError> {
    let tenant = by.tenant;
    let mut out = Receipt::default();
    let me = tenant.to_string();
    // 住基ネット共同利用: the shared CS's inbox, sorted to the members on this server.
    let group = settings(store, tenant).await?.shared_group;
    let inbox = group.clone().unwrap_or_else(|| me.clone());
    match link.receive(&inbox).await {
        Err(LinkError(why)) => out.failure = Some(why),
        Ok(got) => {
            let now = Utc::now();
            let members = match &group {
                Some(g) => members_of(store, g).await?,
                None => vec![tenant],
            };
            for m in &members {
                let code = m.to_string();
                let items: Vec<Inbound> = got
                    .iter()
                    .filter(|r| r.message.to.as_deref() == Some(code.as_str()))
                    .map(|r| Inbound {
                        key: r.message.key(),
                        received_at: now,
                        message: r.message.clone(),
                        state: InboundState::New,
                    })
                    .collect();
                let kept = store.add_cs_inbound(*m, &items).await?;
                if *m == tenant {
                    out.kept = kept;
                } else if kept > 0 {
                    out.distributed += kept;
                    let event = crate::Actor::system(
                        *m,
                        "住基ネット共同利用",
                        "受信した電文の構成団体への振り分け",
                    )
                    .event(
                        "cs.distribute",
                        vec![],
                        format!("{me} が受信した電文 {kept} 件を振り分け"),
                    );
                    store.append_audit(*m, &[event]).await?;
                }
            }
            // Shared: what is for a municipality not on this server stays at the CS.
            let codes: Vec<String> = members.iter().map(ToString::to_string).collect();
            let deliveries: Vec<u64> = got
                .iter()
                .filter(|r| {
                    group.is_none() || r.message.to.as_ref().is_some_and(|t| codes.contains(t))
                })
                .map(|r| r.delivery)
                .collect();
            if !deliveries.is_empty()
                && let Err(LinkError(why)) = link.ack(&inbox, &deliveries).await
            {
                // Received again next time, and kept once.
                out.failure = Some(why);
            }
        }
    }
    apply_notices(store, by, today, &mut out).await?;
    apply_reports(store, by, today, &mut out).await?;
    Ok(out)
}

/// What the CS reported or asked about persons, found by 住民票コード, in the order
/// received: カードの発行状況 (7.1.1.3) set on the person's card items; 更新対象者
/// (7.1.1.4) answered with a 送付先情報 made from the register (and the 居所 set).
async fn apply_reports(
    store: &dyn Store,
    by: &crate::Actor,
    today: NaiveDate,
    out: &mut Receipt,
) -> Result<(), StoreError> {
    let tenant = by.tenant;
    let reports: Vec<Inbound> = store
        .cs_inbound(tenant, &["new"])
        .await?
        .into_iter()
        .filter(|i| {
            matches!(
                i.message.kind,
                CsKind::CardStatus | CsKind::UpdateTarget | CsKind::WideAreaRequest
            )
        })
        .collect();
    for r in reports {
        if r.message.kind == CsKind::WideAreaRequest {
            let state = match answer_wide(store, by, today, &r).await? {
                Some(item) => {
                    out.applied.push(r.key.clone());
                    InboundState::Done {
                        seq: item.entry_seq,
                        at: Utc::now(),
                    }
                }
                None => {
                    out.failed.push(r.key.clone());
                    InboundState::Failed {
                        at: Utc::now(),
                        error: format!(
                            "住民票コード{}の住民が見つかりません",
                            r.message.identity.code
                        ),
                    }
                }
            };
            settle(store, tenant, Inbound { state, ..r }).await?;
            continue;
        }
        let code = &r.message.identity.code;
        let card = r.message.card.clone();
        let found = person_by_code(store, tenant, code, card.is_some()).await?;
        let state = match (found, card) {
            (Some(p), Some(card)) => {
                set_card(store, by, p.id, move |c| {
                    c.holds = card.holds;
                    c.kind = Some(card.kind);
                    c.status = Some(card.status);
                    c.expires_on = card.expires_on;
                    c.signature_serial = card.signature_serial;
                })
                .await?;
                InboundState::Done {
                    seq: 0,
                    at: Utc::now(),
                }
            }
            (Some(p), None) => {
                let item = queue(store, tenant, p.id, CsKind::SendingAddress, today).await?;
                InboundState::Done {
                    seq: item.entry_seq,
                    at: Utc::now(),
                }
            }
            (None, _) => InboundState::Failed {
                at: Utc::now(),
                error: format!("住民票コード{code}の住民が見つかりません"),
            },
        };
        match state {
            InboundState::Done { .. } => out.applied.push(r.key.clone()),
            _ => out.failed.push(r.key.clone()),
        }
        settle(store, tenant, Inbound { state, ..r }).await?;
    }
    Ok(())
}

/// 広域交付 (7.1.1.1): answers a 交付要求 with the 広域交付住民票情報 for the 交付市区町村
/// (the request's sender), queued behind the person's earlier items: the person's items,
/// or their household's, as asked — or, where an error-level 抑止 holds the certificates
/// of anyone concerned, the refusal (the reason not told: it may be a 支援措置). The
/// persons' data read for it is audited as `by` issuing it. None when no resident here
/// has the request's 住民票コード (staff see it as 取込エラー).
async fn answer_wide(
    store: &dyn Store,
    by: &crate::Actor,
    today: NaiveDate,
    r: &Inbound,
) -> Result<Option<CsItem>, StoreError> {
    let tenant = by.tenant;
    let Some(p) = person_by_code(store, tenant, &r.message.identity.code, false).await? else {
        return Ok(None);
    };
    let ask = r.message.ask.clone().unwrap_or_default();
    let household = store.households(tenant, &[p.household_id]).await?.pop();
    let members: Vec<Person> = match (&household, ask.whole_household) {
        (Some(h), true) => store.persons(tenant, &h.members).await?,
        _ => vec![p.clone()],
    };
    let head = match household.as_ref().and_then(|h| h.head) {
        Some(h) if h == p.id => Some(p.clone()),
        Some(h) => store.persons(tenant, &[h]).await?.pop(),
        None => None,
    };
    let refs: Vec<&Person> = members.iter().collect();
    let subjects = crate::suppress::subjects(&refs, &[]);
    let held = store.suppressions_for(tenant, &subjects).await?;
    let names: Vec<i64> = members.iter().map(|m| m.id.0).collect();
    let (wide, detail) = match crate::suppress::enforce_held(
        store,
        by,
        Process::Certificate,
        &subjects,
        &held,
        today,
    )
    .await
    {
        Ok(alerts) => (
            kikan_domain::cs::WideArea {
                request: r.key.clone(),
                refusal: None,
                members: members
                    .iter()
                    .map(|m| kikan_domain::cs::WideMember::<String>::of(m, head.as_ref(), &ask))
                    .collect(),
            },
            format!(
                "広域交付住民票情報を{}へ送信({}人){}",
                r.message.municipality,
                members.len(),
                if alerts.is_empty() {
                    String::new()
                } else {
                    format!("。アラート: {}", alerts.join(" / "))
                }
            ),
        ),
        Err(StoreError::Domain(DomainError::Suppressed { .. })) => (
            kikan_domain::cs::WideArea {
                request: r.key.clone(),
                refusal: Some("交付できません(住所地市区町村にお問い合わせください)".into()),
                members: vec![],
            },
            format!(
                "広域交付住民票の交付要求({})を抑止により拒否",
                r.message.municipality
            ),
        ),
        Err(e) => return Err(e),
    };
    let from = r.message.municipality.clone();
    let item = queue_with(
        store,
        tenant,
        p.id,
        CsKind::WideAreaCertificate,
        today,
        |i| {
            i.to = Some(from);
            i.wide = Some(wide);
        },
    )
    .await?;
    store
        .append_audit(tenant, &[by.event("cs.wide_area", names, detail)])
        .await?;
    Ok(Some(item))
}

/// The record of a 住民票コード (with `removed`, a 除票 too).
async fn person_by_code(
    store: &dyn Store,
    tenant: LocalGovCode,
    code: &str,
    removed: bool,
) -> Result<Option<Person>, StoreError> {
    Ok(with_code(store, tenant, code, removed)
        .await?
        .into_iter()
        .next())
}

/// Writes what became of a received message (another reader first is no error).
async fn settle(store: &dyn Store, tenant: LocalGovCode, i: Inbound) -> Result<(), StoreError> {
    match store.update_cs_inbound(tenant, &i, "new").await {
        Ok(()) | Err(StoreError::Conflict) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn apply_notices(
    store: &dyn Store,
    by: &crate::Actor,
    today: NaiveDate,
    out: &mut Receipt,
) -> Result<(), StoreError> {
    let tenant = by.tenant;
    let mut notices: Vec<Inbound> = store
        .cs_inbound(tenant, &["new"])
        .await?
        .into_iter()
        .filter(|i| i.message.kind == CsKind::MoveInNotice)
        .collect();
    notices.sort_by_key(|i| (i.message.identity.code.clone(), i.message.id));
    let map = char_map(store, tenant).await?;
    let mut i = 0;
    while i < notices.len() {
        let code = notices[i].message.identity.code.clone();
        let mut j = i;
        while j + 1 < notices.len() && notices[j + 1].message.identity.code == code {
            j += 1;
        }
        let latest = notices[j].clone();
        for older in &notices[i..j] {
            let s = Inbound {
                state: InboundState::Superseded {
                    by: latest.key.clone(),
                },
                ..older.clone()
            };
            settle(store, tenant, s).await?;
        }
        let state = match apply_notice(store, by, today, &latest, &map, None).await {
            Ok(seq) => {
                out.applied.push(latest.key.clone());
                InboundState::Done {
                    seq,
                    at: Utc::now(),
                }
            }
            Err(StoreError::Domain(e)) => {
                out.failed.push(latest.key.clone());
                InboundState::Failed {
                    at: Utc::now(),
                    error: format!("{}: {e}", e.code()),
                }
            }
            Err(e) => return Err(e),
        };
        let done = Inbound { state, ..latest };
        settle(store, tenant, done).await?;
        i = j + 1;
    }
    Ok(())
}

/// The records here with this 住民票コード (with `removed`, 除票 too).
pub async fn with_code(
    store: &dyn Store,
    tenant: LocalGovCode,
    code: &str,
    removed: bool,
) -> Result<Vec<kikan_domain::Person>, StoreError> {
    store
        .search(
            tenant,
            &kikan_store::SearchKeys {
                juminhyo_code: Some(code.to_string()),
                include_removed: removed,
                limit: 5,
                ..Default::default()
            },
        )
        .await
}

/// What staff give when they take in a received 転入通知 themselves (4.1.3.1.2): each
/// corrects what the notice said, or what could not be applied by itself.
#[derive(Debug, Clone, Default)]
pub struct NoticeFix {
    /// The 転出者, where the notice's 住民票コード found none.
    pub person: Option<PersonId>,
    /// The 転出先住所 as it should read (文字化け, an overflow).
    pub destination: Option<kikan_domain::Address>,
    /// 転出年月日（確定）: the 転入日.
    pub moved_on: Option<NaiveDate>,
}

/// Takes in a received 転入通知 (未処理, or 取込エラー) with staff's corrections: the
/// 転出確定 of the 転出者, or, for one whose 除票 a notice completed already (a notice
/// sent again), the correction of its 転出先住所. The notice is then 処理済み (returned so).
/// A domain error leaves it as it was.
pub async fn take_notice(
    store: &dyn Store,
    by: &crate::Actor,
    today: NaiveDate,
    key: &str,
    fix: &NoticeFix,
) -> Result<Inbound, StoreError> {
    let tenant = by.tenant;
    let n = store
        .cs_inbound(tenant, &["new", "failed"])
        .await?
        .into_iter()
        .find(|i| i.key == key && i.message.kind == CsKind::MoveInNotice)
        .ok_or_else(|| DomainError::CsInboundNotFound {
            key: key.to_string(),
        })?;
    let map = char_map(store, tenant).await?;
    let seq = apply_notice(store, by, today, &n, &map, Some(fix)).await?;
    let before = n.state.name();
    let done = Inbound {
        state: InboundState::Done {
            seq,
            at: Utc::now(),
        },
        ..n
    };
    store.update_cs_inbound(tenant, &done, before).await?;
    Ok(done)
}

/// 転入通知の受理: the 転出確定 of the person the notice names. By itself (`fix` None) a
/// notice for a 除票 another notice completed already is refused (取込エラー: staff take
/// it in as a correction); with staff's `fix` it corrects the 転出先住所. A 転出先住所
/// without a 郵便番号 takes it from the postal code file where that gives one.
async fn apply_notice(
    store: &dyn Store,
    by: &crate::Actor,
    today: NaiveDate,
    n: &Inbound,
    map: &CharMap,
    fix: Option<&NoticeFix>,
) -> Result<i64, StoreError> {
    let tenant = by.tenant;
    let (id, transfer) = kikan_domain::cs::received_texts(&n.message, map);
    let person = match fix.and_then(|f| f.person) {
        Some(pid) => store
            .persons(tenant, &[pid])
            .await?
            .pop()
            .ok_or_else(|| DomainError::PersonNotFound(pid.to_string()))?,
        None => with_code(store, tenant, &id.code, true)
            .await?
            .into_iter()
            .find(|p| {
                matches!(
                    p.status,
                    kikan_domain::PersonStatus::MovingOut { .. }
                        | kikan_domain::PersonStatus::Removed { .. }
                )
            })
            .ok_or_else(|| DomainError::Invalid {
                field: "転入通知",
                reason: format!("住民票コード{}の転出者が見つかりません", id.code),
            })?,
    };
    let mut destination = match fix.and_then(|f| f.destination.clone()) {
        Some(d) => d,
        None => kikan_domain::Address::parse(None, &id.address, "", None)?,
    };
    if destination.postal_code.is_none() {
        let text = format!("{}{}", destination.place, destination.banchi);
        destination.postal_code = crate::addresses::postal_code_of(store, tenant, &text).await?;
    }
    let (confirmed, current) = match &person.status {
        kikan_domain::PersonStatus::Removed {
            destination,
            moved_out,
            notice,
            ..
        } => (
            notice.is_some() || moved_out.as_ref().is_some_and(|m| m.notice.is_some()),
            destination.clone(),
        ),
        kikan_domain::PersonStatus::MovingOut { .. } => (false, None),
        _ => {
            return Err(DomainError::Invalid {
                field: "転入通知",
                reason: format!("{}さんは転出者ではありません", person.name.full()),
            }
            .into());
        }
    };
    let (change, effective_on, basis) = if confirmed {
        if fix.is_none() {
            return Err(DomainError::Invalid {
                field: "転入通知",
                reason:
                    "この転出者の転入通知は取込済みです(再送分は内容を確認して反映してください)"
                        .into(),
            }
            .into());
        }
        // A notice sent again: its 転出先住所 corrects the 除票's.
        let change = kikan_domain::Change::Correction {
            person: person.id,
            correction: kikan_domain::ledger::Correction::Destination {
                old: current,
                new: Some(destination),
            },
            kind: Default::default(),
        };
        (change, today, kikan_domain::ledger::Basis::ExOfficio)
    } else {
        let from = LocalGovCode::parse(&n.message.municipality)?;
        let moved_on = fix.and_then(|f| f.moved_on);
        let mut change = kikan_domain::Change::MoveOutConfirmed {
            persons: vec![person.id],
            destination,
            notice_from: Some(from),
            succession: None,
            moved_on,
        };
        let mut effective_on = moved_on
            .or(transfer.as_ref().map(|t| t.moved_on))
            .unwrap_or(today);
        crate::record::settle_move_in_notice(store, tenant, &mut change, &mut effective_on, today)
            .await?;
        (
            change,
            effective_on,
            kikan_domain::ledger::Basis::Notification,
        )
    };
    let entry = kikan_domain::LedgerEntry::at_intake(
        change,
        effective_on,
        today,
        Utc::now(),
        by.name.clone(),
        None,
        today,
    )?
    .with_basis(basis);
    let event = crate::record::change_event(by, &entry, None);
    let r = crate::record::record_audited(store, tenant, entry, &[], Some(event), None).await?;
    Ok(r.entry.seq)
}

// ---- 宛名連携 (7.2.3) ----

/// The last moment whose changes the feed publishes: now (リアルタイム), or the latest
/// boundary of `interval` minutes (準リアルタイム).
pub fn feed_horizon(now: DateTime<Utc>, interval: Option<u32>) -> DateTime<Utc> {
    match interval.filter(|m| *m > 0) {
        None => now,
        Some(m) => {
            let step = i64::from(m) * 60;
            let t = now.timestamp();
            DateTime::from_timestamp(t - t.rem_euclid(step), 0).unwrap_or(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_publishes_up_to_the_last_boundary() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        let now = at("2026-12-03T03:17:42.5Z");
        assert_eq!(feed_horizon(now, None), now);
        assert_eq!(feed_horizon(now, Some(0)), now);
        assert_eq!(feed_horizon(now, Some(10)), at("2026-12-03T03:10:00Z"));
        assert_eq!(feed_horizon(now, Some(5)), at("2026-12-03T03:15:00Z"));
        assert_eq!(feed_horizon(now, Some(1)), at("2026-12-03T03:17:00Z"));
    }
}
