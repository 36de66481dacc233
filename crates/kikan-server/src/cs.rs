//! 住基ネット (CS) 連携 (7.1.1.1–7.1.1.2, 7.1.2.4, 4.3.1): the items the ledger gives
//! the CS, sent by the server on its own (unless paused: 手動連携) or on 審査's
//! 「送信」; the error list, 再送信 with a changed 異動事由, 手入力による補完; the
//! 住基ネット統一文字 conversion table; the 整合性確認; the 稼働状況; and the
//! 住民票コード空きコード taken from the CS.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use kikan_app::cs::{self, CodePool, CsError, CsLink, Delivery, Settings};
use kikan_domain::cs::{CsItem, CsState, Difference};
use kikan_domain::{DomainError, LocalGovCode, PersonId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// The server's link to the CS, and what it last saw of it (稼働状況).
pub struct Link {
    pub link: Arc<dyn CsLink>,
    /// Which side it is: the simulator, or the address of the CS adapter.
    pub name: String,
    contacts: Mutex<HashMap<LocalGovCode, Contact>>,
}

impl Link {
    pub fn new(link: Arc<dyn CsLink>, name: impl Into<String>) -> Self {
        Link {
            link,
            name: name.into(),
            contacts: Mutex::default(),
        }
    }

    fn note(&self, tenant: LocalGovCode, outcome: Result<(), String>) {
        if let Ok(mut c) = self.contacts.lock() {
            let e = c.entry(tenant).or_default();
            let now = Utc::now();
            match outcome {
                Ok(()) => {
                    e.last_ok = Some(now);
                    e.failures = 0;
                }
                Err(why) => {
                    e.last_failure = Some((now, why));
                    e.failures += 1;
                }
            }
        }
    }

    /// Notes a run that reached the CS, or the failure that stopped it.
    fn note_run(&self, tenant: LocalGovCode, failure: &Option<String>) {
        self.note(
            tenant,
            match failure {
                Some(f) => Err(f.clone()),
                None => Ok(()),
            },
        );
    }

    fn contact(&self, tenant: LocalGovCode) -> Contact {
        self.contacts
            .lock()
            .ok()
            .and_then(|c| c.get(&tenant).cloned())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default)]
struct Contact {
    last_ok: Option<DateTime<Utc>>,
    last_failure: Option<(DateTime<Utc>, String)>,
    failures: u32,
}

fn link(state: &AppState) -> R<&Arc<Link>> {
    state.cs.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "E-CS-006",
            "住基ネット(CS)との連携が設定されていません(KIKAN_CS)",
        )
    })
}

fn cs_error(state: &AppState, tenant: LocalGovCode, e: CsError) -> ApiError {
    match e {
        CsError::Store(e) => e.into(),
        CsError::Link(e) => {
            if let Some(l) = &state.cs {
                l.note(tenant, Err(e.0.clone()));
            }
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "E-CS-007", e.to_string())
                .talking_to(crate::commlog::Peer::Cs, &e.0)
        }
    }
}

/// What the 通信ログ names as the work when the CS did not answer.
const SENDING: &str = "住基ネット送信";
const RECEIVING: &str = "住基ネット受信";

/// The CS did not answer `what` for `tenant`: the 通信ログ (10.2) keeps it.
async fn cs_unreachable(state: &AppState, tenant: LocalGovCode, what: &str, why: &str) {
    state
        .comm_log
        .note(crate::commlog::Peer::Cs, Some(tenant), what, why)
        .await;
}

/// The server's own actor for what it sends unasked.
fn server_actor(tenant: LocalGovCode) -> kikan_app::Actor {
    kikan_app::Actor::system(
        tenant,
        "住基ネット連携",
        "住基ネット(CS)への本人確認情報の送信",
    )
}

/// Sends what is due for every municipality, every `every` (KIKAN_CS_INTERVAL seconds),
/// unless paused; a municipality whose CS could not be reached is tried again after
/// a wait that doubles up to five minutes.
pub fn spawn_sender(state: AppState, every: Duration) {
    tokio::spawn(async move {
        let mut next_try: HashMap<LocalGovCode, tokio::time::Instant> = HashMap::new();
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Some(l) = state.cs.clone() else { return };
            let tenants = match state.store.tenants().await {
                Ok(t) => t,
                Err(e) => {
                    state
                        .comm_log
                        .note(
                            crate::commlog::Peer::Database,
                            None,
                            "住基ネット送信(団体の一覧)",
                            &e.to_string(),
                        )
                        .await;
                    continue;
                }
            };
            for t in tenants {
                let now = tokio::time::Instant::now();
                if next_try.get(&t.code).is_some_and(|at| *at > now) {
                    continue;
                }
                let today = state.clock.today();
                // What other municipalities sent: kept, acknowledged, 転入通知 applied.
                match cs::receive(&*state.store, &*l.link, &server_actor(t.code), today).await {
                    Ok(r) if r.failure.is_some() => {
                        let why = r.failure.unwrap_or_default();
                        cs_unreachable(&state, t.code, RECEIVING, &why).await;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(tenant = %t.code, error = %e, "cs: receive failed"),
                }
                match cs::deliver(&*state.store, &*l.link, &server_actor(t.code), today, false)
                    .await
                {
                    Ok(d) => match d.failure {
                        Some(why) => {
                            l.note(t.code, Err(why.clone()));
                            let n = l.contact(t.code).failures.min(5);
                            let wait = (every * 2u32.pow(n)).min(Duration::from_secs(300));
                            next_try.insert(t.code, now + wait);
                            cs_unreachable(&state, t.code, SENDING, &why).await;
                        }
                        None => {
                            let answered = !d.accepted.is_empty() || !d.refused.is_empty();
                            if answered {
                                l.note(t.code, Ok(()));
                            }
                            next_try.remove(&t.code);
                        }
                    },
                    Err(e) => tracing::warn!(tenant = %t.code, error = %e, "cs: delivery failed"),
                }
            }
        }
    });
}

/// One item for the CS.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsItemView {
    /// 送信番号.
    pub id: i64,
    /// The ledger entry it came from.
    pub seq: i64,
    /// 本人確認情報.
    pub kind: String,
    pub reason: String,
    pub effective_on: String,
    pub due_on: String,
    pub person_id: i64,
    pub juminhyo_code: String,
    pub name: String,
    pub address: String,
    /// 消除 (YYYY-MM-DD) when the item removes the record.
    pub removed_on: Option<String>,
    /// pending, held, accepted, refused or withdrawn; its label.
    pub state: String,
    pub state_label: String,
    /// When the CS took it (送信日時).
    pub accepted_at: Option<String>,
    /// The CS's refusal.
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// Characters with no 住基ネット統一文字 (文字変換待ち).
    pub chars: Vec<String>,
    /// Tries that did not reach the CS, and the last failure.
    pub attempts: u32,
    pub last_failure: Option<String>,
    /// 手入力による補完: item → text.
    pub supplement: BTreeMap<String, String>,
    /// The item this one sends again.
    pub resends: Option<i64>,
    /// A request answered (the 個人番号 generated is recorded on the person, never
    /// shown here; a 符号 or a シリアル番号 is shown).
    pub answered: bool,
    pub symbol: Option<String>,
    /// The municipality a 転出証明書情報, 転入通知 or 広域交付住民票情報 is for.
    pub to: Option<String>,
    /// What a 交付抑止情報 or 広域交付住民票情報 carries, in words (抑止中 2件 …).
    pub detail: Option<String>,
}

fn view(i: &CsItem) -> CsItemView {
    let (error_code, error) = match &i.state {
        CsState::Refused { code, message, .. } => (Some(code.clone()), Some(message.clone())),
        _ => (None, None),
    };
    CsItemView {
        id: i.id,
        seq: i.entry_seq,
        kind: i.kind.label().into(),
        reason: i.reason.clone(),
        effective_on: i.effective_on.to_string(),
        due_on: i.due_on.to_string(),
        person_id: i.person.0,
        juminhyo_code: i.identity.code.clone(),
        name: i.identity.name.clone(),
        address: i.identity.address.clone(),
        removed_on: i.identity.removed_on.map(|d| d.to_string()),
        state: i.state.name().into(),
        state_label: i.state.label().into(),
        accepted_at: match &i.state {
            CsState::Accepted { at } => Some(at.to_rfc3339()),
            _ => None,
        },
        error_code,
        error,
        chars: match &i.state {
            CsState::Held { chars } => chars.clone(),
            _ => vec![],
        },
        attempts: i.attempts,
        last_failure: i.last_failure.clone(),
        supplement: i.supplement.clone(),
        resends: i.resends,
        answered: i.answer.is_some(),
        symbol: match i.kind {
            kikan_domain::cs::CsKind::SymbolRequest | kikan_domain::cs::CsKind::SerialRequest => {
                i.answer.clone()
            }
            _ => None,
        },
        to: i.to.clone(),
        detail: cs::detail(i),
    }
}

fn persons(items: &[CsItem]) -> Vec<i64> {
    let mut ids: Vec<i64> = items.iter().map(|i| i.person.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ItemsQuery {
    /// Comma-separated states: pending (未送信), held (文字変換待ち), accepted (送信済み),
    /// refused (エラー), withdrawn (送信取消し); all without.
    pub state: Option<String>,
    /// Only this person's items (送信履歴).
    pub person_id: Option<i64>,
    /// Only items of this kind (本人確認情報, 送付先情報, 転出証明書情報 …).
    pub kind: Option<String>,
    /// `csv`: the list as CSV (一覧表).
    pub format: Option<String>,
    /// Only the persons whose address lies in this 行政区 (a 指定都市's ward, its name or
    /// code): the 一覧表 split by ward.
    pub ward: Option<String>,
}

/// The states asked for (comma-separated), each one of `known`; none: all.
fn states<'a>(asked: Option<&str>, known: &[&'a str], kind: &'static str) -> R<Vec<&'a str>> {
    let mut out = Vec::new();
    for s in asked.unwrap_or_default().split(',') {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        match known.iter().find(|x| **x == s) {
            Some(x) => out.push(*x),
            None => {
                return Err(ApiError::from(DomainError::UnknownCode {
                    kind,
                    value: s.to_string(),
                })
                .at("state"));
            }
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/cs/items", tag = "changes",
    params(("tenant" = String, Path), ItemsQuery),
    responses((status = 200, description = "The items for the CS (the ledger read first), in the ledger's order; with format=csv the 一覧表 as CSV (UTF-8 with BOM)", body = Vec<CsItemView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 422, description = "An unknown state (E-CODE-005)", body = ErrorBody)))]
pub async fn items(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ItemsQuery>,
) -> R<Response> {
    p.purpose()?;
    let wanted = states(q.state.as_deref(), &kikan_domain::cs::STATES, "送信状態")?;
    let mut items = cs::list(&*state.store, p.tenant, &wanted, q.person_id.map(PersonId)).await?;
    if let Some(k) = q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        items.retain(|i| i.kind.label() == k);
    }
    crate::suppress::keep_ward(&state, &p, q.ward.as_deref(), &mut items, |i| {
        i.identity.address.clone()
    })
    .await?;
    let csv = q.format.as_deref() == Some("csv");
    audit(
        &state,
        &p,
        "cs.list",
        persons(&items),
        format!(
            "住基ネット(CS)送信データの{}({}件)",
            if csv { "一覧表" } else { "照会" },
            items.len()
        ),
    )
    .await?;
    if csv {
        return Ok(crate::routes::csv_response(
            cs::list_csv(&items),
            "cs-items.csv",
        ));
    }
    let body = serde_json::to_vec(&items.iter().map(view).collect::<Vec<_>>())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(res)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/send", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Everything due sent now, also while paused (手動連携): what the CS took, refused, what waits for a character or an earlier item; `failure` when the CS could not be reached", body = Delivery), (status = 503, description = "No CS link configured (E-CS-006)", body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Delivery>> {
    let l = link(&state)?;
    let d = cs::deliver(
        &*state.store,
        &*l.link,
        &p.actor(),
        state.clock.today(),
        true,
    )
    .await?;
    l.note_run(p.tenant, &d.failure);
    if let Some(why) = &d.failure {
        cs_unreachable(&state, p.tenant, SENDING, why).await;
    }
    Ok(Json(d))
}

/// 再送信.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResendIn {
    /// The 異動事由 to send with, in place of the item's.
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/items/{id}/resend", tag = "changes", request_body = ResendIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "A refused item back to be sent in its place; a sent one (the person's latest) as a new item", body = CsItemView), (status = 404, description = "No such item sent or refused (E-CS-003)", body = ErrorBody), (status = 409, description = "The person has a later item: send that one (E-CS-004)", body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<ResendIn>,
) -> R<Json<CsItemView>> {
    let item = cs::resend(&*state.store, p.tenant, path.1, input.reason.as_deref()).await?;
    audit(
        &state,
        &p,
        "cs.resend",
        vec![item.person.0],
        format!(
            "住基ネット(CS)への再送信: 送信番号{} → {}(異動事由 {})",
            path.1, item.id, item.reason
        ),
    )
    .await?;
    Ok(Json(view(&item)))
}

/// 手入力による補完.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SupplementIn {
    /// 氏名, 振り仮名, 旧氏 or 住所 → the text to send (`[J+XXXX]` for a character by
    /// its 住基ネット統一文字 code; empty: the record's again).
    pub fields: BTreeMap<String, String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/items/{id}/supplement", tag = "changes", request_body = SupplementIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The item with its supplement, to be sent (未送信)", body = CsItemView), (status = 404, description = "No such item still to be sent (E-CS-003)", body = ErrorBody), (status = 422, description = "An item that cannot be supplemented (E-CS-005) or a bad code (E-CS-002)", body = ErrorBody)))]
pub async fn supplement(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<SupplementIn>,
) -> R<Json<CsItemView>> {
    let item = cs::supplement(&*state.store, p.tenant, path.1, &input.fields)
        .await
        .map_err(|e| ApiError::from(e).at("fields"))?;
    audit(
        &state,
        &p,
        "cs.supplement",
        vec![item.person.0],
        format!(
            "住基ネット(CS)送信データの補完: 送信番号{}({})",
            item.id,
            input.fields.keys().cloned().collect::<Vec<_>>().join("・")
        ),
    )
    .await?;
    Ok(Json(view(&item)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/items/{id}/withdraw", tag = "changes",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The item withdrawn (送信取消し): not sent, no longer holding the person's later items", body = CsItemView), (status = 404, description = "No such item still to be sent (E-CS-003)", body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<Json<CsItemView>> {
    let item = cs::withdraw(&*state.store, p.tenant, path.1, &p.actor).await?;
    audit(
        &state,
        &p,
        "cs.withdraw",
        vec![item.person.0],
        format!("住基ネット(CS)送信データの送信取消し: 送信番号{}", item.id),
    )
    .await?;
    Ok(Json(view(&item)))
}

/// 稼働状況 and the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsStatus {
    /// A link is configured; which side it is.
    pub configured: bool,
    pub link: Option<String>,
    /// The last time the CS answered, and the last failure to reach it.
    pub last_ok: Option<String>,
    pub last_failure_at: Option<String>,
    pub last_failure: Option<String>,
    /// Failures in a row since it last answered.
    pub failures: u32,
    /// Items by state.
    pub pending: u64,
    pub held: u64,
    pub refused: u64,
    pub settings: Settings,
    pub codes: CodePool,
    /// Characters items wait for (文字変換待ち) → the items.
    pub waiting_chars: BTreeMap<String, Vec<i64>>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/cs/status", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "住基ネットの稼働状況 (the last answer and failure), the items by state, the settings and the 住民票コード空きコード", body = CsStatus)))]
pub async fn status(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<CsStatus>> {
    let open = cs::list(
        &*state.store,
        p.tenant,
        &["pending", "held", "refused"],
        None,
    )
    .await?;
    let count = |s: &str| open.iter().filter(|i| i.state.name() == s).count() as u64;
    let contact = state.cs.as_ref().map(|l| l.contact(p.tenant));
    let failure = contact.as_ref().and_then(|c| c.last_failure.clone());
    Ok(Json(CsStatus {
        configured: state.cs.is_some(),
        link: state.cs.as_ref().map(|l| l.name.clone()),
        last_ok: contact
            .as_ref()
            .and_then(|c| c.last_ok)
            .map(|t| t.to_rfc3339()),
        last_failure_at: failure.as_ref().map(|(t, _)| t.to_rfc3339()),
        last_failure: failure.map(|(_, w)| w),
        failures: contact.map(|c| c.failures).unwrap_or_default(),
        pending: count("pending"),
        held: count("held"),
        refused: count("refused"),
        settings: cs::settings(&*state.store, p.tenant).await?,
        codes: cs::code_pool(&*state.store, p.tenant).await?,
        waiting_chars: cs::waiting_chars(&open),
    }))
}

/// The link's settings.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SettingsIn {
    /// 手動連携: pause automatic delivery (true) or resume it (false).
    pub manual: Option<bool>,
    /// 宛名連携's change feed (7.2.3): 0 リアルタイム, 1–10 準リアルタイム (minutes).
    pub feed_interval_minutes: Option<u32>,
    /// The 住民票コード空きコード alert level.
    pub code_alert_below: Option<u64>,
    /// 住基ネット共同利用: the shared CS server's group (as the CS names its inbox);
    /// an empty text: not shared.
    pub shared_group: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/cs/settings", tag = "changes", request_body = SettingsIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The settings as stored", body = Settings), (status = 422, description = "A feed interval beyond 10 minutes (E-INPUT-003)", body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<SettingsIn>,
) -> R<Json<Settings>> {
    let mut s = cs::settings(&*state.store, p.tenant).await?;
    if let Some(m) = input.manual
        && m != s.manual
    {
        s.manual = m;
        s.manual_by = m.then(|| p.actor.clone());
        s.manual_since = m.then(Utc::now);
    }
    if let Some(n) = input.code_alert_below {
        s.code_alert_below = n;
    }
    if let Some(g) = input.shared_group.as_deref().map(str::trim) {
        if g.len() > 32
            || !g
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::from(DomainError::Invalid {
                field: "共同利用のグループ",
                reason: "英数字・ハイフン・下線の32文字以内で指定してください".into(),
            })
            .at("shared_group"));
        }
        s.shared_group = (!g.is_empty()).then(|| g.to_string());
    }
    if let Some(m) = input.feed_interval_minutes {
        if m > 10 {
            return Err(ApiError::from(DomainError::Invalid {
                field: "異動差分の提供間隔",
                reason: "0(リアルタイム)か1〜10分で指定してください".into(),
            })
            .at("feed_interval_minutes"));
        }
        s.feed_interval_minutes = (m > 0).then_some(m);
    }
    cs::put_settings(&*state.store, p.tenant, &s).await?;
    audit(
        &state,
        &p,
        "cs.settings",
        vec![],
        format!(
            "住基ネット連携の設定: {}、空きコードのアラート {}件未満{}",
            if s.manual {
                "手動連携"
            } else {
                "自動送信"
            },
            s.code_alert_below,
            s.shared_group
                .as_ref()
                .map(|g| format!("、共同利用 {g}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    Ok(Json(s))
}

/// A conversion table to load.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CharsIn {
    pub name: String,
    /// CSV (UTF-8) in the MJ文字情報一覧表's columns: 住基ネット統一文字コード and
    /// 実装したMoji_JohoコレクションIVS and/or 実装したUCS / 対応するUCS.
    pub csv: String,
}

/// The table loaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CharsOut {
    /// Entries in the file, and entries the table now holds.
    pub loaded: usize,
    pub total: usize,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/chars", tag = "changes", request_body = CharsIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "住基ネット統一文字との変換表 loaded (entries added or replaced); held items are tried again at the next send", body = CharsOut), (status = 422, description = "A line that cannot be read, named (E-CS-001): nothing loaded", body = ErrorBody)))]
pub async fn put_chars(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<CharsIn>,
) -> R<Json<CharsOut>> {
    let map =
        kikan_domain::cs::read_char_map(&input.csv).map_err(|e| ApiError::from(e).at("csv"))?;
    let entries: Vec<(String, u16)> = map.entries.into_iter().collect();
    for chunk in entries.chunks(5_000) {
        state.store.put_cs_chars(p.tenant, chunk).await?;
    }
    let total = state.store.cs_chars(p.tenant).await?.len();
    audit(
        &state,
        &p,
        "cs.chars",
        vec![],
        format!(
            "住基ネット統一文字の変換表の取込み: {}({}件)",
            input.name.trim(),
            entries.len()
        ),
    )
    .await?;
    Ok(Json(CharsOut {
        loaded: entries.len(),
        total,
    }))
}

/// One entry of the conversion table.
#[derive(Debug, Serialize, ToSchema)]
pub struct CharView {
    pub chars: String,
    /// J+XXXX.
    pub code: String,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/cs/chars", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The municipality's conversion table to 住基ネット統一文字 (characters of JIS X 0208 outside it are their own UCS code)", body = Vec<CharView>)))]
pub async fn chars(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<CharView>>> {
    Ok(Json(
        state
            .store
            .cs_chars(p.tenant)
            .await?
            .into_iter()
            .map(|(chars, code)| CharView {
                chars,
                code: format!("J+{code:04X}"),
            })
            .collect(),
    ))
}

/// One difference the 整合性確認 found.
#[derive(Debug, Serialize, ToSchema)]
pub struct DifferenceView {
    pub juminhyo_code: String,
    /// The person in the register (none: the CS holds a record the register lacks).
    pub person_id: Option<i64>,
    /// 「CSにない」, 「住民記録にない」, or the items that differ (氏名, 振り仮名, 旧氏,
    /// 生年月日, 性別, 住所, 個人番号, 消除).
    pub items: Vec<String>,
    /// An item of the person is still to be sent (未送信あり).
    pub unsent: bool,
}

impl From<&Difference> for DifferenceView {
    fn from(d: &Difference) -> Self {
        DifferenceView {
            juminhyo_code: d.code.clone(),
            person_id: d.person.map(|p| p.0),
            items: d.items.clone(),
            unsent: d.unsent,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/reconcile", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "整合性確認: every record with a 住民票コード against the CS's copy; the differences by item (「CSにない」, 「住民記録にない」), each marked when an item is still to be sent", body = Vec<DifferenceView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 503, description = "No CS link (E-CS-006) or the CS unreachable (E-CS-007)", body = ErrorBody)))]
pub async fn reconcile(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<DifferenceView>>> {
    p.purpose()?;
    let l = link(&state)?;
    let diff = cs::reconcile(&*state.store, &*l.link, p.tenant)
        .await
        .map_err(|e| cs_error(&state, p.tenant, e))?;
    l.note(p.tenant, Ok(()));
    audit(
        &state,
        &p,
        "cs.reconcile",
        diff.iter().filter_map(|d| d.person.map(|p| p.0)).collect(),
        format!("住基ネット(CS)との整合性確認: 相違{}件", diff.len()),
    )
    .await?;
    Ok(Json(diff.iter().map(DifferenceView::from).collect()))
}

/// 空きコードの取得.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodesIn {
    /// How many to ask for (1–10,000).
    pub count: u32,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/codes", tag = "changes", request_body = CodesIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "住民票コード空きコード taken from the CS into the pool (those held already passed over); the pool after", body = CodePool), (status = 422, description = "A count outside 1–10,000 (E-INPUT-003)", body = ErrorBody), (status = 503, description = "No CS link (E-CS-006) or the CS unreachable (E-CS-007)", body = ErrorBody)))]
pub async fn fetch_codes(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<CodesIn>,
) -> R<Json<CodePool>> {
    if !(1..=10_000).contains(&input.count) {
        return Err(ApiError::from(DomainError::Invalid {
            field: "件数",
            reason: "1〜10000で指定してください".into(),
        })
        .at("count"));
    }
    let l = link(&state)?;
    let added = cs::fetch_codes(&*state.store, &*l.link, p.tenant, input.count)
        .await
        .map_err(|e| cs_error(&state, p.tenant, e))?;
    l.note(p.tenant, Ok(()));
    audit(
        &state,
        &p,
        "cs.codes",
        vec![],
        format!("住民票コード空きコードの取込み: {added}件"),
    )
    .await?;
    Ok(Json(cs::code_pool(&*state.store, p.tenant).await?))
}

/// A message received through the CS.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundView {
    /// The sender and its number (`131016:5000`).
    pub key: String,
    /// 転出証明書情報 or 転入通知.
    pub kind: String,
    /// The municipality that sent it.
    pub from: String,
    pub received_at: String,
    /// new, done, failed or superseded; its label (未処理, 処理済み, 取込エラー,
    /// 再送により置換).
    pub state: String,
    pub state_label: String,
    pub error: Option<String>,
    /// The entry made from it.
    pub seq: Option<i64>,
    pub juminhyo_code: String,
    /// 氏名 and 住所 as this municipality's table gives them back (`[J+XXXX]`: a code
    /// it does not know).
    pub name: String,
    pub address: String,
    /// 転出先 (転出証明書情報) or 転入前住所 (転入通知), and the 転出予定日 or 転入日.
    pub other_address: Option<String>,
    pub moved_on: Option<String>,
}

fn inbound_view(i: &kikan_domain::cs::Inbound, map: &kikan_domain::cs::CharMap) -> InboundView {
    use kikan_domain::cs::InboundState;
    let (id, t) = kikan_domain::cs::received_texts(&i.message, map);
    InboundView {
        key: i.key.clone(),
        kind: i.message.kind.label().into(),
        from: i.message.municipality.clone(),
        received_at: i.received_at.to_rfc3339(),
        state: i.state.name().into(),
        state_label: i.state.label().into(),
        error: match &i.state {
            InboundState::Failed { error, .. } => Some(error.clone()),
            _ => None,
        },
        seq: match &i.state {
            InboundState::Done { seq, .. } => Some(*seq),
            _ => None,
        },
        juminhyo_code: id.code,
        name: id.name,
        address: id.address,
        other_address: t.as_ref().and_then(|t| t.other_address.clone()),
        moved_on: t.map(|t| t.moved_on.to_string()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxQuery {
    /// Comma-separated: new (未処理), done, failed (取込エラー), superseded; all without.
    pub state: Option<String>,
    /// `csv`: the 一覧表 as CSV (UTF-8 with BOM).
    pub format: Option<String>,
    /// Only what concerns an address in this 行政区 (a 指定都市's ward, its name or code):
    /// a 転出証明書情報's 転出先 here, a 転入通知's 転入前住所 here, else the address the CS
    /// holds for the person.
    pub ward: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/cs/inbox", tag = "changes",
    params(("tenant" = String, Path), InboxQuery),
    responses((status = 200, description = "The 転出証明書情報 and 転入通知 received through the CS, with what became of them (the 取込エラー一覧 with state=failed); with format=csv the 一覧表 as CSV (UTF-8 with BOM)", body = Vec<InboundView>), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 422, description = "An unknown state (E-CODE-005)", body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<InboxQuery>,
) -> R<Response> {
    p.purpose()?;
    let states = states(
        q.state.as_deref(),
        &["new", "done", "failed", "superseded"],
        "受信状態",
    )?;
    let items = state.store.cs_inbound(p.tenant, &states).await?;
    let map = cs::char_map(&*state.store, p.tenant).await?;
    let mut views: Vec<InboundView> = items.iter().map(|i| inbound_view(i, &map)).collect();
    crate::suppress::keep_ward(&state, &p, q.ward.as_deref(), &mut views, |v| {
        v.other_address.clone().unwrap_or_else(|| v.address.clone())
    })
    .await?;
    audit(
        &state,
        &p,
        "cs.inbox",
        vec![],
        format!(
            "住基ネット(CS)から受信した転出証明書情報・転入通知の照会({}件: {})",
            views.len(),
            views
                .iter()
                .map(|v| v.juminhyo_code.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    )
    .await?;
    if q.format.as_deref() == Some("csv") {
        let cell = kikan_domain::csv::cell;
        let mut out = String::from(
            "\u{feff}受信番号,電文,送信元,住民票コード,氏名,住所,転出先・転入前住所,異動年月日,状態,エラー\n",
        );
        for v in &views {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                v.key,
                v.kind,
                v.from,
                v.juminhyo_code,
                cell(&v.name),
                cell(&v.address),
                cell(v.other_address.as_deref().unwrap_or_default()),
                v.moved_on.as_deref().unwrap_or_default(),
                v.state_label,
                cell(v.error.as_deref().unwrap_or_default())
            ));
        }
        return Ok(crate::routes::csv_response(out, "cs-inbox.csv"));
    }
    Ok(axum::response::IntoResponse::into_response(Json(views)))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/cs/inbox/{key}/move-in", tag = "changes",
    params(("tenant" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "特例転入 (4.1.1.3): a 転入 request filled in from the 転出証明書情報 received (the household sent with it together): 氏名, 振り仮名, 生年月日, 性別, 続柄, 本籍・筆頭者, 住民票コード, 転入前住所 and `cs.certificate`; a 再転入者 (a 除票 here with the same 住民票コード, 4.1.1.2) is marked with `returning_person_id` and keeps the 除票's 氏名; staff add the new address and correct what needs it, then POST it to …/changes (the 個人番号 is taken from the 転出証明書情報 there, never shown)", body = serde_json::Value), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 422, description = "No such 転出証明書情報 still to be used (E-CS-009)", body = ErrorBody)))]
pub async fn move_in_request(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<serde_json::Value>> {
    p.purpose()?;
    let key = path.1;
    let new = state.store.cs_inbound(p.tenant, &["new"]).await?;
    let named = new
        .iter()
        .find(|i| i.key == key && i.message.kind == kikan_domain::cs::CsKind::MoveOutCertificate)
        .ok_or_else(|| ApiError::from(DomainError::CsInboundNotFound { key: key.clone() }))?;
    let map = cs::char_map(&*state.store, p.tenant).await?;
    let mut persons = Vec::new();
    let mut previous = None;
    let mut codes = Vec::new();
    for i in cs::household_of(&new, named) {
        let (id, t) = kikan_domain::cs::received_texts(&i.message, &map);
        let split = |s: &str| {
            let (a, b) = s.split_once('　').unwrap_or((s, ""));
            serde_json::json!({"family": a, "given": b})
        };
        previous.get_or_insert_with(|| id.address.clone());
        codes.push(id.code.clone());
        // 再転入者 (4.1.1.2): a 除票 here with the same 住民票コード is taken up again,
        // its 氏名 kept (this municipality's own characters); the rest from the
        // 転出証明書情報.
        let former = cs::with_code(&*state.store, p.tenant, &id.code, true)
            .await?
            .into_iter()
            .find(|r| r.is_removed());
        let name = match &former {
            Some(r) => serde_json::json!({"family": r.name.family(), "given": r.name.given()}),
            None => split(&id.name),
        };
        persons.push(serde_json::json!({
            "returning_person_id": former.as_ref().map(|r| r.id.0),
            "name": name,
            "furigana": split(&id.furigana),
            "birth_date": id.birth_date.to_string(),
            "sex": if id.sex == 1 { "男" } else { "女" },
            "relationship": t.as_ref().and_then(|t| t.relationship.clone()),
            "honseki": t.as_ref().and_then(|t| t.honseki.clone()).map(|d| serde_json::json!({
                "domicile": d,
                "head_name": t.as_ref().and_then(|t| t.honseki_head.clone()).unwrap_or_default(),
            })),
            "juminhyo_code": id.code,
        }));
    }
    audit(
        &state,
        &p,
        "cs.move_in_request",
        vec![],
        format!(
            "特例転入の入力(転出証明書情報 {key}、住民票コード {})",
            codes.join(" ")
        ),
    )
    .await?;
    Ok(Json(serde_json::json!({
        "notified_on": state.clock.today().to_string(),
        "change": {
            "type": "move_in",
            "kind": "転入",
            "persons": persons,
            "address": null,
            "previous_address": {"place": previous.unwrap_or_default(), "banchi": ""},
        },
        "cs": {"certificate": key},
    })))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/receive", tag = "changes",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "What other municipalities sent, taken in now (as the server does by itself): kept once each, acknowledged; the 転入通知 applied (転出確定) or listed as 取込エラー", body = cs::Receipt), (status = 503, description = "No CS link configured (E-CS-006)", body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<cs::Receipt>> {
    let l = link(&state)?;
    let r = cs::receive(&*state.store, &*l.link, &p.actor(), state.clock.today()).await?;
    l.note_run(p.tenant, &r.failure);
    if let Some(why) = &r.failure {
        cs_unreachable(&state, p.tenant, RECEIVING, why).await;
    }
    Ok(Json(r))
}

/// Staff's corrections of a received 転入通知 as they take it in (4.1.3.1.2).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoticeFixIn {
    /// The 転出者 (宛名番号), where the notice's 住民票コード found none.
    pub person_id: Option<i64>,
    /// The 転出先住所 as it should read (文字化け, an overflow); the notice's otherwise.
    pub destination: Option<crate::dto::AddressIn>,
    /// 転出年月日（確定） (和暦 or 西暦); the notice's 転入日 otherwise.
    pub moved_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/inbox/{key}/apply", tag = "changes", request_body = NoticeFixIn,
    params(("tenant" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "CSから受信した転入通知の受理 by staff (4.1.3.1.2): a 未処理 or 取込エラー 転入通知 taken in with their corrections — the 転出確定, or for a 除票 a notice completed already (a notice sent again) the correction of its 転出先住所 — and marked 処理済み", body = InboundView),
        (status = 404, description = "No such person (E-IDO-001)", body = ErrorBody),
        (status = 422, description = "No such 転入通知 still to take in (E-CS-009), an impossible date, or a change the record refuses (the notice stays as it was)", body = ErrorBody)))]
pub async fn apply_notice(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Json(input): Json<NoticeFixIn>,
) -> R<Json<InboundView>> {
    let fix = cs::NoticeFix {
        person: input.person_id.map(PersonId),
        destination: input
            .destination
            .as_ref()
            .map(|a| a.parse("destination"))
            .transpose()?,
        moved_on: input
            .moved_on
            .as_deref()
            .map(|d| crate::dto::date_in(d, "moved_on"))
            .transpose()?,
    };
    let taken = cs::take_notice(
        &*state.store,
        &p.actor(),
        state.clock.today(),
        &path.1,
        &fix,
    )
    .await?;
    let map = cs::char_map(&*state.store, p.tenant).await?;
    Ok(Json(inbound_view(&taken, &map)))
}

/// A request to the centre about a person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CsRequestIn {
    /// `number_change` (個人番号の変更要求: on the person's 変更請求 or by 職権), `symbol`
    /// (符号の取得要求) or `certificate_serial` (利用者証明用電子証明書のシリアル番号, kept
    /// with the person's card items).
    pub kind: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/persons/{id}/requests", tag = "changes", request_body = CsRequestIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 201, description = "The request queued for the CS behind the person's earlier items; its answer is taken in when sent (a 個人番号 recorded on the person by 職権, a 符号 kept with the item)", body = CsItemView), (status = 404, description = "No such person (E-IDO-001)", body = ErrorBody), (status = 422, description = "An unknown kind, or a person without a 住民票コード or (for a change) a 個人番号 (E-INPUT-003)", body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<CsRequestIn>,
) -> R<(StatusCode, Json<CsItemView>)> {
    let kind = match input.kind.trim() {
        "number_change" => kikan_domain::cs::CsKind::NumberChange,
        "symbol" => kikan_domain::cs::CsKind::SymbolRequest,
        "certificate_serial" => kikan_domain::cs::CsKind::SerialRequest,
        other => {
            return Err(ApiError::from(DomainError::Invalid {
                field: "要求",
                reason: format!(
                    "「{other}」は要求の種類ではありません(number_change, symbol, certificate_serial)"
                ),
            })
            .at("kind"));
        }
    };
    let item = cs::request(
        &*state.store,
        p.tenant,
        PersonId(path.1),
        kind,
        state.clock.today(),
    )
    .await?;
    audit(
        &state,
        &p,
        "cs.request",
        vec![item.person.0],
        format!("住基ネット(CS)への{}: 送信番号{}", kind.label(), item.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(&item))))
}

/// A 送付先 other than the address (7.1.1.4).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendingAddressIn {
    /// The 居所 (null: the address again).
    pub address: Option<crate::dto::AddressIn>,
    /// 印刷区分 (7.1.1.1): the 電文仕様's code, 1–8 ASCII letters or digits.
    #[serde(default)]
    pub print_category: Option<String>,
    /// 特別な事情がある者 (7.1.1.1).
    #[serde(default)]
    pub special_circumstances: bool,
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/cs/persons/{id}/sending-address", tag = "changes", request_body = SendingAddressIn,
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "送付先 set (a 居所 other than the address, the 印刷区分, 特別な事情) or cleared; the person's 送付先情報 queued for the CS", body = CsItemView), (status = 404, description = "No such person (E-IDO-001)", body = ErrorBody), (status = 422, description = "An address that cannot be read (E-INPUT-*)", body = ErrorBody)))]
pub async fn sending_address(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<SendingAddressIn>,
) -> R<Json<CsItemView>> {
    let address = input
        .address
        .as_ref()
        .map(|a| a.parse("address"))
        .transpose()?;
    let setting = kikan_domain::cs::SendingSetting {
        address,
        print_category: input
            .print_category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from),
        special_circumstances: input.special_circumstances,
    };
    let item = cs::set_sending_address(
        &*state.store,
        p.tenant,
        PersonId(path.1),
        &setting,
        state.clock.today(),
    )
    .await
    .map_err(|e| ApiError::from(e).at("print_category"))?;
    let mut detail = match &setting.address {
        Some(_) => "送付先(居所)の設定".to_string(),
        None => "送付先(住所)の設定".to_string(),
    };
    if let Some(c) = &setting.print_category {
        detail.push_str(&format!("、印刷区分 {c}"));
    }
    if setting.special_circumstances {
        detail.push_str("、特別な事情あり");
    }
    audit(&state, &p, "cs.sending_address", vec![path.1], detail).await?;
    Ok(Json(view(&item)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// The cursor: the last entry number already read (0: from the start).
    pub after: Option<i64>,
    /// Entries at most (1–1,000; 100 without).
    pub limit: Option<u32>,
}

/// A page of the published ledger: the entries after the cursor up to the last
/// publication (リアルタイム, or every N minutes), and the persons they changed.
pub(crate) struct Published {
    pub entries: Vec<kikan_domain::LedgerEntry>,
    pub ids: Vec<PersonId>,
    pub after: i64,
    pub next: i64,
    pub interval: Option<u32>,
}

impl Published {
    /// What the audit log says of the page.
    pub fn detail(&self, what: &str) -> String {
        format!(
            "{what}: 異動 {} 件(番号 {}〜{})",
            self.entries.len(),
            self.after + 1,
            self.next
        )
    }
}

/// The page of the change feed a cursor asks for (a purpose stated).
pub(crate) async fn published(state: &AppState, p: &Principal, q: &FeedQuery) -> R<Published> {
    p.purpose()?;
    let after = q.after.unwrap_or(0).max(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    let interval = cs::settings(&*state.store, p.tenant)
        .await?
        .feed_interval_minutes;
    let horizon = cs::feed_horizon(Utc::now(), interval);
    let entries: Vec<_> = state
        .store
        .ledger(p.tenant, after, limit)
        .await?
        .into_iter()
        .take_while(|e| e.recorded_at <= horizon)
        .collect();
    let mut ids: Vec<PersonId> = entries
        .iter()
        .flat_map(kikan_domain::cs::persons_concerned)
        .collect();
    ids.sort();
    ids.dedup();
    let next = entries.last().map(|e| e.seq).unwrap_or(after);
    Ok(Published {
        entries,
        ids,
        after,
        next,
        interval,
    })
}

/// Person views as a caller may see them, marked with their 支援措置 and 抑止 (looked up
/// once for a page).
pub(crate) struct Views {
    shield: crate::support::Protection,
    held: Vec<kikan_domain::suppress::Suppression>,
    today: chrono::NaiveDate,
}

impl Views {
    pub async fn load(
        state: &AppState,
        p: &Principal,
        records: &[kikan_domain::Person],
    ) -> R<Views> {
        let ids: Vec<PersonId> = records.iter().map(|r| r.id).collect();
        let refs: Vec<&kikan_domain::Person> = records.iter().collect();
        let subjects = kikan_app::suppress::subjects(&refs, &[]);
        Ok(Views {
            shield: crate::support::Protection::of(state, p, &ids).await?,
            held: state.store.suppressions_for(p.tenant, &subjects).await?,
            today: state.clock.today(),
        })
    }

    pub fn of(&self, persons: &[&kikan_domain::Person]) -> Vec<crate::dto::PersonView> {
        let mut views: Vec<_> = persons.iter().map(|r| self.shield.person(r)).collect();
        crate::suppress::mark_with(&mut views, persons, &self.held, self.today);
        views
    }
}

/// One change in the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEntry {
    /// The entry's number: the cursor after it.
    pub seq: i64,
    /// 異動事由, 異動日, and when it was recorded.
    pub reason: String,
    pub effective_on: String,
    pub recorded_at: String,
    /// The records of the persons it changed, as they stand now (支援措置 and 抑止
    /// marked, addresses withheld where they must be, the caller's hidden items left out;
    /// names in 文字情報基盤 characters, their IVS kept).
    pub persons: Vec<crate::dto::PersonView>,
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feed {
    pub changes: Vec<FeedEntry>,
    /// The cursor to ask with next (the last number given, or `after` again).
    pub next: i64,
    /// リアルタイム, or the minutes between publications (準リアルタイム).
    pub interval_minutes: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/feed/changes", tag = "residents",
    params(("tenant" = String, Path), FeedQuery),
    responses((status = 200, description = "宛名連携 (7.2.3)'s 異動差分: the changes after the cursor, in the ledger's order, each with the records it changed as they stand; リアルタイム or every N minutes (準リアルタイム) as the municipality set it. The 全件 is `GET …/residents`", body = Feed), (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody)))]
pub async fn feed(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<FeedQuery>,
) -> R<Json<Feed>> {
    let page = published(&state, &p, &q).await?;
    let records = state.store.persons(p.tenant, &page.ids).await?;
    let views = Views::load(&state, &p, &records).await?;
    audit(
        &state,
        &p,
        "feed.changes",
        page.ids.iter().map(|i| i.0).collect(),
        page.detail("宛名連携(異動差分)"),
    )
    .await?;
    let Published {
        entries: published,
        next,
        interval,
        ..
    } = page;
    let changes = published
        .iter()
        .map(|e| FeedEntry {
            seq: e.seq,
            reason: e.reason().label().into(),
            effective_on: e.effective_on.to_string(),
            recorded_at: e.recorded_at.to_rfc3339(),
            persons: views.of(&kikan_domain::cs::persons_concerned(e)
                .iter()
                .filter_map(|id| records.iter().find(|r| r.id == *id))
                .collect::<Vec<_>>()),
        })
        .collect();
    Ok(Json(Feed {
        changes,
        next,
        interval_minutes: interval,
    }))
}

/// The persons whose 交付抑止情報 to send again.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HoldsIn {
    pub person_ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/cs/holds", tag = "changes", request_body = HoldsIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "交付抑止情報 (3.1) queued for each person named who has a 住民票コード and is on the register: the whole state of the suppressions of their certificates, after a 整合性確認 found the CS's copy different (a member who joined a held household since)", body = Vec<CsItemView>),
        (status = 422, description = "No person named (E-INPUT-001)", body = ErrorBody)))]
pub async fn send_holds(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<HoldsIn>,
) -> R<Json<Vec<CsItemView>>> {
    if input.person_ids.is_empty() {
        return Err(ApiError::from(DomainError::Missing { field: "対象者" }).at("person_ids"));
    }
    let ids: Vec<PersonId> = input.person_ids.iter().copied().map(PersonId).collect();
    let items = cs::send_holds(&*state.store, p.tenant, &ids, state.clock.today()).await?;
    audit(
        &state,
        &p,
        "cs.holds",
        persons(&items),
        format!("住基ネット(CS)への交付抑止情報({}件)", items.len()),
    )
    .await?;
    Ok(Json(items.iter().map(view).collect()))
}
