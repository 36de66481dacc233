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
    CharMap, CsAnswer, CsItem, CsMessage, CsState, Difference, Identity, PER_ENTRY, SUPPLEMENTED,
    WireIdentity, items_of, message, persons_concerned,
};
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
    loop {
        let head = store.cs_head(tenant).await?;
        let entries = store.ledger(tenant, head, PAGE).await?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            return Ok(());
        };
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
            ));
        }
        match store.add_cs_items(tenant, last, &items).await {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
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
    let out = deliver_items(store, link, tenant, today, forced, &mut sent_to).await;
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
    tenant: LocalGovCode,
    today: NaiveDate,
    forced: bool,
    sent_to: &mut BTreeSet<PersonId>,
) -> Result<Delivery, StoreError> {
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
    let head = store.cs_head(tenant).await?;
    let all = store.cs_items(tenant, &[], None).await?;
    let next = all
        .iter()
        .map(|i| i.id)
        .max()
        .unwrap_or(0)
        .max(head * PER_ENTRY)
        + 1;
    if next >= (head + 1) * PER_ENTRY {
        // The numbers after the last entry's are used up until the next entry.
        return Err(StoreError::Conflict);
    }
    let again = CsItem {
        id: next,
        reason,
        resends: Some(old.id),
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
    let mut after = None;
    loop {
        let page = store.person_rows(tenant, after, PAGE).await?;
        let Some((_, last)) = page.last() else { break };
        after = Some(last.id);
        for (_, p) in &page {
            if let Some(id) = Identity::of(p) {
                ours.push((p.id, id, open.contains(&p.id)));
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    let map = char_map(store, tenant).await?;
    Ok(kikan_domain::cs::compare(&ours, &theirs, &map))
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
        "\u{feff}送信番号,電文,異動事由,異動年月日,宛名番号,住民票コード,氏名,住所,状態,結果,再送元\n",
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
) -> Result<(), StoreError> {
    let mut persons = change.new_persons_mut();
    if persons.iter().all(|p| p.juminhyo_code.is_some()) {
        return Ok(());
    }
    let from_cs = settings(store, tenant).await?.codes_from_cs;
    let mut taken: Vec<String> = Vec::new();
    for p in persons.iter_mut().filter(|p| p.juminhyo_code.is_none()) {
        let code = if from_cs {
            match draw_code(store, tenant, p.id).await {
                Ok(Some(c)) => {
                    taken.push(c.to_string());
                    c
                }
                other => {
                    // Put back what this change took before failing.
                    for c in &taken {
                        store.release_free_code(tenant, c).await?;
                    }
                    return Err(match other {
                        Err(e) => e,
                        _ => DomainError::NoFreeCode.into(),
                    });
                }
            }
        } else {
            let body = format!("{:010}", rand::random::<u64>() % 10_000_000_000);
            JuminhyoCode::from_body(&body)?
        };
        p.juminhyo_code = Some(code);
    }
    Ok(())
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
