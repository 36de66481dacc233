//! 住基ネット (CS) 連携 (7.1.1.1–7.1.1.2, j1090–j1100): what the registry sends the
//! municipality's コミュニケーションサーバ.
//!
//! - 本人確認情報 (住基法30条の6): 住民票コード, 氏名 and its 振り仮名, 旧氏, 生年月日,
//!   性別, 住所, 個人番号, and whether the record stands or was removed. Every ledger
//!   entry that changes them for someone gives one item for that person, in the
//!   ledger's order (the 異動's time order holds); an entry that changes none of them
//!   (a 世帯主変更, a 方書 or 本籍 correction) gives none.
//! - Texts cross in 住基ネット統一文字 (codes written `J+XXXX`): a character of JIS X
//!   0208 (the JIS 第1・第2水準 and the non-kanji) is its own UCS code; every other
//!   character — an ideographic variation sequence, an MJ character beyond JIS X 0208 —
//!   needs the municipality's conversion table ([`CharMap`]), loaded from the columns of
//!   the MJ文字情報一覧表. What the table cannot map is listed and the item waits.
//! - The boundary is kikan's own, documented in docs/integration.md: the
//!   「既存住基システム改造仕様書」's 電文仕様 is not public, and a real CS adapter maps these
//!   typed messages to it.

use crate::DomainError;
use crate::ledger::{Change, LedgerEntry};
use crate::names::is_variation_selector;
use crate::person::{Person, PersonId, PersonStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 性別 as the 住基ネット codes it: 1 男, 2 女.
fn sex_code(s: crate::lists::Sex) -> u8 {
    match s {
        crate::lists::Sex::Male => 1,
        crate::lists::Sex::Female => 2,
    }
}

/// 本人確認情報 as kikan holds it (Unicode text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// 住民票コード (11 digits).
    pub code: String,
    /// The 住民票コード before this item changed it (住民票コードの変更).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_code: Option<String>,
    /// 氏名: 氏 and 名 apart by a full-width space.
    pub name: String,
    /// 氏名の振り仮名 (katakana).
    pub furigana: String,
    /// 旧氏 (1.1.7), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<String>,
    /// 旧氏の振り仮名 (katakana, 1.1.18), when recorded: sent with the 旧氏 as the
    /// network's 本人確認情報 carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname_furigana: Option<String>,
    /// 生年月日 (the internal date) and, when 不詳, the text as recorded.
    pub birth_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date_text: Option<String>,
    /// 性別: 1 男, 2 女.
    pub sex: u8,
    /// 住所 (方書 is not 本人確認情報).
    pub address: String,
    /// 個人番号 (12 digits), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_number: Option<String>,
    /// 消除: the day the record was removed from the register, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_on: Option<NaiveDate>,
}

impl Identity {
    /// The 本人確認情報 of a record; None for one with no 住民票コード (it is not known
    /// to the CS until it has one).
    pub fn of(p: &Person) -> Option<Identity> {
        let code = p.juminhyo_code.as_ref()?.to_string();
        let removed_on = match &p.status {
            PersonStatus::Removed { on, .. } => Some(*on),
            _ => None,
        };
        Some(Identity {
            code,
            previous_code: None,
            name: p.name.full(),
            furigana: p.furigana.full(),
            former_surname: p.former_surname.as_ref().map(|f| f.surname.full()),
            former_surname_furigana: p
                .former_surname
                .as_ref()
                .and_then(|f| f.furigana.as_ref())
                .map(|k| k.full()),
            birth_date: p.birth_date,
            birth_date_text: p.birth_date_text.clone(),
            sex: sex_code(p.sex),
            address: format!("{}{}", p.address.place, p.address.banchi),
            individual_number: p.individual_number.as_ref().map(|n| n.as_str().to_string()),
            removed_on,
        })
    }

    /// The same facts, leaving aside how the item came (its previous code).
    fn same_facts(&self, other: &Identity) -> bool {
        Identity {
            previous_code: None,
            ..self.clone()
        } == Identity {
            previous_code: None,
            ..other.clone()
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CsState {
    /// 未送信: waiting for its day, its turn, or the CS.
    Pending,
    /// 文字変換待ち: characters with no 住基ネット統一文字 in the conversion table.
    Held { chars: Vec<String> },
    /// 送信済み: the CS took it.
    Accepted { at: DateTime<Utc> },
    /// エラー: the CS refused it, with its code and message.
    Refused {
        at: DateTime<Utc>,
        code: String,
        message: String,
    },
    /// 取消し: staff withdrew it (it will not be sent).
    Withdrawn { at: DateTime<Utc>, by: String },
}

impl CsState {
    /// The state's name as stored and asked for.
    pub fn name(&self) -> &'static str {
        match self {
            CsState::Pending => "pending",
            CsState::Held { .. } => "held",
            CsState::Accepted { .. } => "accepted",
            CsState::Refused { .. } => "refused",
            CsState::Withdrawn { .. } => "withdrawn",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            CsState::Pending => "未送信",
            CsState::Held { .. } => "文字変換待ち",
            CsState::Accepted { .. } => "送信済み",
            CsState::Refused { .. } => "エラー",
            CsState::Withdrawn { .. } => "送信取消し",
        }
    }

    /// Still to be sent (it holds back the person's later items).
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            CsState::Pending | CsState::Held { .. } | CsState::Refused { .. }
        )
    }
}

/// The states a caller may ask for.
pub const STATES: [&str; 5] = ["pending", "held", "accepted", "refused", "withdrawn"];

/// The kinds of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CsKind {
    /// 本人確認情報の更新 (記載・修正・消除).
    #[serde(rename = "本人確認情報")]
    Identity,
    /// 転出証明書情報 of a 特例転出 (4.1.3.0.4), for the municipality moved to.
    #[serde(rename = "転出証明書情報")]
    MoveOutCertificate,
    /// 転入通知 (住基法9条1項), for the municipality moved from (4.1.3.1.1).
    #[serde(rename = "転入通知")]
    MoveInNotice,
    /// 個人番号の生成要求 (7.1.2.1): a person brought in without one.
    #[serde(rename = "個人番号生成要求")]
    NumberRequest,
    /// 個人番号の変更要求 (7.1.2.1): on the person's 変更請求 or by 職権.
    #[serde(rename = "個人番号変更要求")]
    NumberChange,
    /// 符号の取得要求 (7.1.2.2).
    #[serde(rename = "符号取得要求")]
    SymbolRequest,
    /// 利用者証明用電子証明書のシリアル番号の取得 (7.1.2.4).
    #[serde(rename = "シリアル番号取得要求")]
    SerialRequest,
    /// カードの発行状況 (7.1.1.3), from the CS.
    #[serde(rename = "カード発行状況")]
    CardStatus,
    /// 送付先情報 (7.1.1.4): where the 個人番号カード and the 番号通知書類 go
    /// (`transfer.other_address`: the address, or the 居所 set instead).
    #[serde(rename = "送付先情報")]
    SendingAddress,
    /// 更新対象者 (7.1.1.4), from the CS: persons whose 送付先情報 it asks for.
    #[serde(rename = "更新対象者")]
    UpdateTarget,
    /// 戸籍附票記載事項通知 (住基法19条; 7.1.1.1, 7.2.4): a 記載, a change of address or
    /// a 国外転出 of a person with a 本籍, for the 本籍地 — this municipality's
    /// 戸籍附票システム when the 本籍 is here (`transfer.domicile_here`), else the 本籍地
    /// through the CS.
    #[serde(rename = "戸籍附票記載事項通知")]
    FuhyoNotice,
    /// 証明書発行の抑止設定・解除 (3.1): the suppressions of a person's certificates, set
    /// or released, for the CS to refuse a 広域交付 or コンビニ交付 meanwhile
    /// ([`HoldNotice`]). A temporary release (一時解除) is never sent.
    #[serde(rename = "交付抑止情報")]
    IssuanceHold,
    /// 広域交付住民票の交付要求 (7.1.1.1), from the 交付市区町村 through the CS: a person
    /// asks another municipality's counter for their 住民票 ([`WideAsk`]).
    #[serde(rename = "広域交付住民票交付要求")]
    WideAreaRequest,
    /// 広域交付住民票情報 (7.1.1.1): the answer to a 交付要求, for the 交付市区町村's CS
    /// ([`WideArea`]).
    #[serde(rename = "広域交付住民票情報")]
    WideAreaCertificate,
}

impl CsKind {
    pub fn label(self) -> &'static str {
        match self {
            CsKind::Identity => "本人確認情報",
            CsKind::MoveOutCertificate => "転出証明書情報",
            CsKind::MoveInNotice => "転入通知",
            CsKind::NumberRequest => "個人番号生成要求",
            CsKind::NumberChange => "個人番号変更要求",
            CsKind::SymbolRequest => "符号取得要求",
            CsKind::SerialRequest => "シリアル番号取得要求",
            CsKind::CardStatus => "カード発行状況",
            CsKind::SendingAddress => "送付先情報",
            CsKind::UpdateTarget => "更新対象者",
            CsKind::FuhyoNotice => "戸籍附票記載事項通知",
            CsKind::IssuanceHold => "交付抑止情報",
            CsKind::WideAreaRequest => "広域交付住民票交付要求",
            CsKind::WideAreaCertificate => "広域交付住民票情報",
        }
    }

    /// A request the CS answers with a value (a 個人番号, a 符号).
    pub fn is_request(self) -> bool {
        matches!(
            self,
            CsKind::NumberRequest
                | CsKind::NumberChange
                | CsKind::SymbolRequest
                | CsKind::SerialRequest
        )
    }
}

/// What a 転出証明書情報 or 転入通知 carries beside the person's 本人確認情報; texts as
/// kikan holds them (`String`) or as sent ([`JukiText`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Transfer<T> {
    /// 世帯主の氏名 and 続柄.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_name: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<T>,
    /// 本籍 and 筆頭者.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honseki: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honseki_head: Option<T>,
    /// 転出先 (転出証明書情報) or 転入前住所 (転入通知).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_address: Option<T>,
    /// 転出予定年月日 (転出証明書情報) or 転入年月日 (転入通知).
    pub moved_on: NaiveDate,
    /// 住所を定めた年月日 (転出証明書情報) and 届出年月日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_since: Option<NaiveDate>,
    pub notified_on: NaiveDate,
    /// The 世帯 the persons moved as, so the receiver keeps them together: the
    /// sender's 世帯番号.
    pub household: i64,
    /// A 戸籍附票記載事項通知's 本籍 is in this municipality (管内本籍).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domicile_here: Option<bool>,
    /// A 送付先情報's 印刷区分, as staff set it (the 電文仕様's code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_category: Option<String>,
    /// A 送付先情報 of a person with 特別な事情 (the documents go only where set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_circumstances: Option<bool>,
}

/// 送付先情報 (7.1.1.1, 7.1.1.4) as staff set it for a person: a 居所 other than the
/// address, the 印刷区分 and whether the person has 特別な事情.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendingSetting {
    /// The 居所 (None: the address).
    #[serde(default)]
    pub address: Option<crate::Address>,
    /// 印刷区分: 1–8 ASCII letters or digits, the 電文仕様's code, passed on as set.
    #[serde(default)]
    pub print_category: Option<String>,
    /// 特別な事情がある者.
    #[serde(default)]
    pub special_circumstances: bool,
}

impl SendingSetting {
    /// Checks the 印刷区分's form.
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(c) = &self.print_category
            && !((1..=8).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(DomainError::Invalid {
                field: "印刷区分",
                reason: "英数字1〜8文字のコードにしてください".into(),
            });
        }
        Ok(())
    }

    /// Nothing set: the address, no 印刷区分, no 特別な事情.
    pub fn is_empty(&self) -> bool {
        *self == SendingSetting::default()
    }
}

/// 交付抑止情報 (3.1): one suppression of a person's certificates, as set or released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldNotice {
    /// The suppression (one person may have several).
    pub suppression: i64,
    /// error (refused) or alert (allowed, with the alert shown).
    pub level: String,
    pub starts_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    /// 解除: holds no more from this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_on: Option<NaiveDate>,
}

impl HoldNotice {
    /// Whether it holds on `on`: an end date does not end it, a release does.
    pub fn holds_on(&self, on: NaiveDate) -> bool {
        self.starts_on <= on && self.released_on.is_none_or(|r| on < r)
    }
}

/// 交付抑止情報 (3.1) of a person: each of `held` (the suppressions of the person and of
/// their household) that holds certificates, set or released, oldest first. A temporary
/// release is not there: it is the suppression's own business.
pub fn hold_notices(held: &[crate::suppress::Suppression]) -> Vec<HoldNotice> {
    let mut out: Vec<HoldNotice> = held
        .iter()
        .filter(|s| s.processes.contains(&crate::suppress::Process::Certificate))
        .map(|s| HoldNotice {
            suppression: s.id.0,
            level: s.level.code().into(),
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            released_on: s.released_on,
        })
        .collect();
    out.sort_by_key(|h| h.suppression);
    out
}

/// What a 広域交付住民票の交付要求 asks for: the person named by the message's
/// 本人確認情報, or their whole household, and the items to include beyond the
/// 住民票's own (住基法12条の4: never the 本籍・筆頭者).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WideAsk {
    /// 世帯全員 (else the person alone).
    #[serde(default)]
    pub whole_household: bool,
    /// 世帯主の氏名及び続柄.
    #[serde(default)]
    pub head_and_relationship: bool,
    /// 住民票コード.
    #[serde(default)]
    pub juminhyo_code: bool,
    /// 個人番号.
    #[serde(default)]
    pub individual_number: bool,
}

/// 広域交付住民票情報 (7.1.1.1): the answer to a 交付要求 — the persons' items, or the
/// refusal (a 抑止, no such resident); texts as kikan holds them (`String`) or as sent
/// ([`JukiText`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WideArea<T> {
    /// The 交付要求 answered ([`CsMessage::key`]).
    pub request: String,
    /// 交付不可 and why; then no persons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<WideMember<T>>,
}

/// One person on a 広域交付住民票.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WideMember<T> {
    pub name: T,
    pub furigana: T,
    pub birth_date: NaiveDate,
    /// A 不詳 birth date as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date_text: Option<String>,
    /// 1 男, 2 女.
    pub sex: u8,
    pub address: T,
    /// 住民となった年月日, 住所を定めた年月日 and its 届出日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_since: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_since: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_on: Option<NaiveDate>,
    /// 従前の住所.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_name: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub juminhyo_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_number: Option<String>,
}

impl WideMember<String> {
    /// A person's items on a 広域交付住民票 as `ask` asks (the 本籍・筆頭者 never: 住基法
    /// 12条の4), `head` the 世帯主 (for the 世帯主の氏名).
    pub fn of(p: &Person, head: Option<&Person>, ask: &WideAsk) -> WideMember<String> {
        let previous = p.previous_address_in_city.as_ref().or(p
            .moved_in
            .as_ref()
            .and_then(|m| m.previous_address.as_ref()));
        WideMember {
            name: p.name.full(),
            furigana: p.furigana.full(),
            birth_date: p.birth_date,
            birth_date_text: p.birth_date_text.clone(),
            sex: sex_code(p.sex),
            address: p.address.line(),
            resident_since: Some(p.became_resident_on),
            address_since: Some(p.address_since),
            notified_on: p.moved_in.as_ref().map(|m| m.notified_on),
            previous_address: previous.map(|a| a.line()),
            head_name: ask
                .head_and_relationship
                .then(|| head.map(|h| h.name.full()))
                .flatten(),
            relationship: ask.head_and_relationship.then(|| p.relationship.label()),
            juminhyo_code: ask
                .juminhyo_code
                .then(|| p.juminhyo_code.as_ref().map(ToString::to_string))
                .flatten(),
            individual_number: ask
                .individual_number
                .then(|| p.individual_number.as_ref().map(|n| n.as_str().to_string()))
                .flatten(),
        }
    }
}

impl<T> WideArea<T> {
    /// The same answer with every text converted by `f`.
    pub fn map<U, E>(&self, mut f: impl FnMut(&T) -> Result<U, E>) -> Result<WideArea<U>, E> {
        let mut members = Vec::with_capacity(self.members.len());
        for m in &self.members {
            let mut opt = |o: &Option<T>| o.as_ref().map(&mut f).transpose();
            let head_name = opt(&m.head_name)?;
            let relationship = opt(&m.relationship)?;
            let previous_address = opt(&m.previous_address)?;
            members.push(WideMember {
                name: f(&m.name)?,
                furigana: f(&m.furigana)?,
                birth_date: m.birth_date,
                birth_date_text: m.birth_date_text.clone(),
                sex: m.sex,
                address: f(&m.address)?,
                resident_since: m.resident_since,
                address_since: m.address_since,
                notified_on: m.notified_on,
                previous_address,
                head_name,
                relationship,
                juminhyo_code: m.juminhyo_code.clone(),
                individual_number: m.individual_number.clone(),
            });
        }
        Ok(WideArea {
            request: self.request.clone(),
            refusal: self.refusal.clone(),
            members,
        })
    }
}

impl<T> Transfer<T> {
    fn map<U, E>(&self, mut f: impl FnMut(&T) -> Result<U, E>) -> Result<Transfer<U>, E> {
        let mut opt = |o: &Option<T>| o.as_ref().map(&mut f).transpose();
        Ok(Transfer {
            head_name: opt(&self.head_name)?,
            relationship: opt(&self.relationship)?,
            honseki: opt(&self.honseki)?,
            honseki_head: opt(&self.honseki_head)?,
            other_address: opt(&self.other_address)?,
            moved_on: self.moved_on,
            address_since: self.address_since,
            notified_on: self.notified_on,
            household: self.household,
            domicile_here: self.domicile_here,
            print_category: self.print_category.clone(),
            special_circumstances: self.special_circumstances,
        })
    }
}

/// One message for the CS, as kikan keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsItem {
    /// The entry's number × 1000 + the item's place in it (a resend: the next free
    /// number): unique, in the ledger's order.
    pub id: i64,
    pub entry_seq: i64,
    pub person: PersonId,
    pub kind: CsKind,
    /// 異動事由 as sent (staff may change it on a resend).
    pub reason: String,
    /// 異動年月日.
    pub effective_on: NaiveDate,
    /// Not sent before this day.
    pub due_on: NaiveDate,
    pub identity: Identity,
    /// The municipality a 転出証明書情報 or 転入通知 is for, and what it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer<String>>,
    /// 交付抑止情報: every suppression of the person's certificates, as set or released
    /// (the whole state, so a later item replaces an earlier one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<Vec<HoldNotice>>,
    /// 広域交付住民票情報: what the answer carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wide: Option<WideArea<String>>,
    /// 手入力による補完: texts given by staff in place of the record's, for this item.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub supplement: BTreeMap<String, String>,
    /// The item this one sends again (再送信), if it is a resend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resends: Option<i64>,
    /// What the CS answered a request with (the 個人番号 generated, the 符号), kept
    /// sealed with the item; views never show a 個人番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Tries that did not reach the CS, and the last such failure.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<String>,
    pub state: CsState,
}

/// Items per entry at most (the id's room); resends take the free numbers after them.
pub const PER_ENTRY: i64 = 1000;

/// The items an entry gives: for each person it concerns whose 本人確認情報 it changed,
/// one item with the information as the entry left it. `persons` pairs each person's
/// record before the entry (None: new to the registry) with the record after it.
pub fn items_of(
    entry: &LedgerEntry,
    persons: &[(Option<&Person>, &Person)],
    recorded_on: NaiveDate,
    municipality: &str,
) -> Vec<CsItem> {
    let reason = entry.reason().label().to_string();
    let mut out = Vec::new();
    for (before, after) in persons {
        let Some(mut now) = Identity::of(after) else {
            continue;
        };
        let was = before.and_then(Identity::of);
        if was.as_ref().is_some_and(|w| w.same_facts(&now)) {
            continue;
        }
        if let Some(w) = &was
            && w.code != now.code
        {
            now.previous_code = Some(w.code.clone());
        }
        let mut item = request_item(
            entry,
            out.len(),
            after.id,
            CsKind::Identity,
            now,
            recorded_on,
        );
        item.reason = reason.clone();
        out.push(item);
        if out.len() as i64 >= PER_ENTRY / 2 {
            break;
        }
    }
    // 戸籍附票記載事項通知 (住基法19条): a person with a 本籍 brought in, moved to another
    // address, or gone abroad.
    for (before, after) in persons {
        let Some(h) = &after.honseki else { continue };
        let abroad = matches!(
            &after.status,
            crate::person::PersonStatus::Removed {
                reason: crate::lists::RemovalReason::Emigrated,
                ..
            }
        ) && !before.is_some_and(|b| b.is_removed());
        let (new_address, other) = match before {
            None => (true, after.address.line()),
            Some(b) => (
                !b.address.same_dwelling(&after.address) && !after.is_removed(),
                after.address.line(),
            ),
        };
        let other = if abroad {
            match &after.status {
                crate::person::PersonStatus::Removed {
                    destination: Some(d),
                    ..
                } => d.line(),
                _ => "国外".to_string(),
            }
        } else {
            other
        };
        // 本籍 「なし」 or 「不明」: there is no 本籍地 to tell.
        if !(new_address || abroad) || h.domicile.is_empty() || h.head_name.is_empty() {
            continue;
        }
        let Some(identity) = Identity::of(after) else {
            continue;
        };
        let mut item = request_item(
            entry,
            out.len(),
            after.id,
            CsKind::FuhyoNotice,
            identity,
            recorded_on,
        );
        item.reason = entry.reason().label().to_string();
        item.transfer = Some(Transfer {
            head_name: None,
            relationship: None,
            honseki: Some(h.domicile.clone()),
            honseki_head: Some(h.head_name.clone()),
            other_address: Some(other),
            moved_on: entry.effective_on,
            address_since: Some(after.address_since),
            notified_on: entry.notified_on,
            household: after.household_id.0,
            domicile_here: Some(!municipality.is_empty() && h.domicile.contains(municipality)),
            print_category: None,
            special_circumstances: None,
        });
        out.push(item);
    }
    // 送付先情報 (7.1.1.4) for each person an entry brings in or moves to another address.
    {
        let moved: Vec<PersonId> = match &entry.change {
            Change::MoveIn { persons: new, .. } => new.iter().map(|p| p.id).collect(),
            Change::Birth { person, .. } => vec![person.id],
            Change::Relocation { persons: who, .. } => who.clone(),
            // A household's address corrected (住所一括変更's 軽微な修正 among them, 9.7).
            Change::Correction {
                correction: crate::ledger::Correction::Address { .. },
                ..
            } => persons
                .iter()
                .filter(|(b, a)| {
                    !a.is_removed() && b.is_some_and(|b| !b.address.same_dwelling(&a.address))
                })
                .map(|(_, a)| a.id)
                .collect(),
            _ => vec![],
        };
        for id in moved {
            if let Some((_, after)) = persons.iter().find(|(_, a)| a.id == id)
                && let Some(identity) = Identity::of(after)
            {
                let mut item = request_item(
                    entry,
                    out.len(),
                    after.id,
                    CsKind::SendingAddress,
                    identity,
                    recorded_on,
                );
                item.reason = entry.reason().label().to_string();
                item.transfer = Some(sending(after, entry.notified_on));
                out.push(item);
            }
        }
    }
    // 個人番号の生成要求 for each person brought in without one (出生, 国外からの転入 …).
    {
        let brought: Vec<PersonId> = match &entry.change {
            // A 転入 from another municipality brings the number it had (the
            // 転出証明書's); the others are new to the 住基ネット or come back to it.
            Change::MoveIn {
                persons: new, kind, ..
            } if *kind != crate::ledger::MoveInKind::Domestic => new.iter().map(|p| p.id).collect(),
            Change::Birth { person, .. } => vec![person.id],
            _ => vec![],
        };
        for id in brought {
            if let Some((_, after)) = persons.iter().find(|(_, a)| a.id == id)
                && after.individual_number.is_none()
                && let Some(identity) = Identity::of(after)
            {
                out.push(request_item(
                    entry,
                    out.len(),
                    after.id,
                    CsKind::NumberRequest,
                    identity,
                    recorded_on,
                ));
            }
        }
    }
    // 転出証明書情報 (特例転出) or 転入通知, one per person the entry moved.
    if let Some(t) = &entry.transfer {
        let (kind, to) = match t {
            crate::ledger::Transfer::SpecialMoveOut { to } => (CsKind::MoveOutCertificate, to),
            crate::ledger::Transfer::MoveInNotice { to, .. } => (CsKind::MoveInNotice, to),
        };
        let (moved, other, moved_on): (Vec<PersonId>, Option<String>, NaiveDate) =
            match &entry.change {
                Change::MoveOut {
                    persons,
                    destination,
                    planned_on,
                    ..
                } => (persons.clone(), Some(destination.line()), *planned_on),
                Change::MoveIn {
                    persons,
                    previous_address,
                    ..
                } => (
                    // A child whose 出生届 came with the 転入届 was never there (4.1.0.1).
                    persons
                        .iter()
                        .filter(|p| !p.with_birth)
                        .map(|p| p.id)
                        .collect(),
                    previous_address.as_ref().map(|a| a.line()),
                    entry.effective_on,
                ),
                _ => (vec![], None, entry.effective_on),
            };
        let head_name = persons
            .iter()
            .map(|(_, a)| *a)
            .find(|a| a.is_head())
            .map(|a| a.name.full());
        for id in moved {
            let Some((_, after)) = persons.iter().find(|(_, a)| a.id == id) else {
                continue;
            };
            let Some(identity) = Identity::of(after) else {
                continue;
            };
            let mut item = request_item(entry, out.len(), after.id, kind, identity, recorded_on);
            item.reason = entry.reason().label().to_string();
            item.to = Some(to.to_string());
            item.transfer = Some(Transfer {
                head_name: head_name.clone(),
                relationship: Some(after.relationship.label()),
                honseki: after.honseki.as_ref().map(|h| h.domicile.clone()),
                honseki_head: after.honseki.as_ref().map(|h| h.head_name.clone()),
                other_address: other.clone(),
                moved_on,
                address_since: Some(after.address_since),
                notified_on: entry.notified_on,
                household: after.household_id.0,
                domicile_here: None,
                print_category: None,
                special_circumstances: None,
            });
            out.push(item);
        }
    }
    out
}

/// What a 送付先情報 carries: the address with its 方書 (the 居所 set instead is put in
/// when sent), the 続柄, the day.
pub fn sending(p: &Person, on: NaiveDate) -> Transfer<String> {
    Transfer {
        head_name: None,
        relationship: Some(p.relationship.label()),
        honseki: None,
        honseki_head: None,
        other_address: Some(p.address.line()),
        moved_on: on,
        address_since: Some(p.address_since),
        notified_on: on,
        household: p.household_id.0,
        domicile_here: None,
        print_category: None,
        special_circumstances: None,
    }
}

impl CsItem {
    /// A new item of `kind` about a person, to be sent (its 異動事由 the kind's name
    /// until set).
    pub fn new(
        id: i64,
        entry_seq: i64,
        person: PersonId,
        kind: CsKind,
        identity: Identity,
        effective_on: NaiveDate,
        due_on: NaiveDate,
    ) -> CsItem {
        CsItem {
            id,
            entry_seq,
            person,
            kind,
            reason: kind.label().to_string(),
            effective_on,
            due_on,
            identity,
            to: None,
            transfer: None,
            supplement: BTreeMap::new(),
            resends: None,
            answer: None,
            attempts: 0,
            last_failure: None,
            holds: None,
            wide: None,
            state: CsState::Pending,
        }
    }
}

/// An item of `kind` about a person made from an entry, at `place` among its items.
pub fn request_item(
    entry: &LedgerEntry,
    place: usize,
    person: PersonId,
    kind: CsKind,
    identity: Identity,
    due_on: NaiveDate,
) -> CsItem {
    CsItem::new(
        entry.seq * PER_ENTRY + place as i64,
        entry.seq,
        person,
        kind,
        identity,
        entry.effective_on,
        due_on,
    )
}

/// The persons an entry concerns whose 本人確認情報 it may change.
pub fn persons_concerned(entry: &LedgerEntry) -> Vec<PersonId> {
    let mut ids = entry.change.persons_named();
    if let Change::MoveIn { persons, .. } = &entry.change {
        ids.extend(persons.iter().map(|d| d.id));
    }
    ids.sort();
    ids.dedup();
    ids
}

// ---- 住基ネット統一文字 ----

/// A text in 住基ネット統一文字: one code per character.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JukiText(pub Vec<u16>);

impl JukiText {
    /// `J+XXXX` codes, one per character, apart by spaces.
    pub fn codes(&self) -> String {
        self.0
            .iter()
            .map(|c| format!("J+{c:04X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads `J+XXXX` codes apart by spaces (E-CS-001 when one is not such a code).
    pub fn parse(s: &str) -> Result<JukiText, DomainError> {
        s.split_whitespace()
            .map(parse_code)
            .collect::<Result<Vec<u16>, _>>()
            .map(JukiText)
    }
}

impl Serialize for JukiText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.codes())
    }
}

impl<'de> Deserialize<'de> for JukiText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        JukiText::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Reads one `J+XXXX` code.
pub fn parse_code(s: &str) -> Result<u16, DomainError> {
    let bad = || DomainError::JukiCode {
        text: s.chars().take(20).collect(),
    };
    let hex = s
        .trim()
        .strip_prefix("J+")
        .or_else(|| s.trim().strip_prefix("j+"))
        .ok_or_else(bad)?;
    if hex.len() != 4 {
        return Err(bad());
    }
    u16::from_str_radix(hex, 16).map_err(|_| bad())
}

/// The municipality's conversion table to 住基ネット統一文字: a character, or a base
/// character with its variation selector, to its code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharMap {
    pub entries: BTreeMap<String, u16>,
}

/// A character of JIS X 0208 outside the table: its own UCS value is its code.
fn common_code(c: char) -> Option<u16> {
    let u = u32::from(c);
    if !(0x20..=0xFFFF).contains(&u) || u == 0x7F {
        return None;
    }
    if u < 0x7F {
        return Some(u as u16);
    }
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    // Single-byte forms beyond ASCII are the half-width katakana: not names' characters.
    (!unmappable && bytes.len() == 2).then_some(u as u16)
}

impl CharMap {
    /// Converts a text: each character (with its variation selector, if any) by the
    /// table first, else as a JIS X 0208 character; the characters neither can give are
    /// returned instead, each once, in the order met.
    pub fn convert(&self, text: &str) -> Result<JukiText, Vec<String>> {
        let mut codes = Vec::with_capacity(text.len());
        let mut missing: Vec<String> = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let seq: String = match chars.get(i + 1) {
                Some(&v) if is_variation_selector(v) => [c, v].iter().collect(),
                _ => c.to_string(),
            };
            i += seq.chars().count();
            let code = self.entries.get(&seq).copied().or_else(|| {
                // A sequence the table does not name is not its base character: the
                // glyph may differ, so it waits for the table.
                (seq.chars().count() == 1).then(|| common_code(c)).flatten()
            });
            match code {
                Some(code) => codes.push(code),
                None => {
                    if !missing.contains(&seq) {
                        missing.push(seq);
                    }
                }
            }
        }
        if missing.is_empty() {
            Ok(JukiText(codes))
        } else {
            Err(missing)
        }
    }

    /// The Unicode text of codes, as far as the table or JIS X 0208 gives it back;
    /// a code neither knows is shown as its `[J+XXXX]`.
    pub fn text_of(&self, t: &JukiText) -> String {
        let back: BTreeMap<u16, &str> =
            self.entries.iter().map(|(s, c)| (*c, s.as_str())).collect();
        t.0.iter()
            .map(|c| {
                if let Some(s) = back.get(c) {
                    return (*s).to_string();
                }
                match char::from_u32(u32::from(*c)) {
                    Some(ch) if common_code(ch) == Some(*c) => ch.to_string(),
                    _ => format!("[J+{c:04X}]"),
                }
            })
            .collect()
    }
}

/// Reads a conversion table in the columns of the MJ文字情報一覧表 (saved as CSV, UTF-8):
/// a header naming 「住基ネット統一文字コード」 and one or more of
/// 「実装したMoji_JohoコレクションIVS」 (`8FBA_E0101`), 「実装したUCS」 and 「対応するUCS」
/// (`U+8FBA`). Each row with a 住基ネット統一文字コード gives its IVS sequence, and its
/// UCS character when that holds no other code; rows without one are passed over. A
/// value that cannot be read refuses the file, naming the line (E-CS-001).
pub fn read_char_map(csv_text: &str) -> Result<CharMap, DomainError> {
    let bad = |line: usize, why: String| DomainError::CharMapLine { line, why };
    let mut r = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let header = r
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect::<Vec<_>>();
    let col = |name: &str| header.iter().position(|h| h == name);
    let code_col = col("住基ネット統一文字コード")
        .ok_or_else(|| bad(1, "見出しに「住基ネット統一文字コード」がありません".into()))?;
    let ivs_col = col("実装したMoji_JohoコレクションIVS");
    let ucs_cols: Vec<usize> = ["実装したUCS", "対応するUCS"]
        .iter()
        .filter_map(|n| col(n))
        .collect();
    if ivs_col.is_none() && ucs_cols.is_empty() {
        return Err(bad(
            1,
            "見出しに「実装したMoji_JohoコレクションIVS」「実装したUCS」「対応するUCS」のいずれもありません"
                .into(),
        ));
    }
    let mut map = CharMap::default();
    let mut plain: Vec<(String, u16)> = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let cell = |c: usize| rec.get(c).map(str::trim).unwrap_or_default();
        if cell(code_col).is_empty() {
            continue;
        }
        let code = parse_code(cell(code_col)).map_err(|e| bad(line, e.to_string()))?;
        if let Some(c) = ivs_col
            && !cell(c).is_empty()
        {
            let seq = ivs(cell(c)).ok_or_else(|| {
                bad(
                    line,
                    format!("IVS「{}」を読めません(例: 8FBA_E0101)", cell(c)),
                )
            })?;
            map.entries.insert(seq, code);
        }
        if let Some(c) = ucs_cols.iter().map(|&c| cell(c)).find(|s| !s.is_empty()) {
            let ch =
                ucs(c).ok_or_else(|| bad(line, format!("UCS「{c}」を読めません(例: U+8FBA)")))?;
            plain.push((ch.to_string(), code));
        }
    }
    // A plain character takes a code only when no IVS row gave one to it alone: several
    // MJ glyphs share a UCS character, and the plain character is the one whose code is
    // that character's own (JIS X 0208), or the first listed.
    for (s, code) in plain {
        let own = s.chars().next().map(u32::from) == Some(u32::from(code));
        match map.entries.get(&s) {
            Some(_) if !own => {}
            _ => {
                map.entries.insert(s, code);
            }
        }
    }
    Ok(map)
}

fn ucs(s: &str) -> Option<char> {
    let hex = s.strip_prefix("U+").or_else(|| s.strip_prefix("u+"))?;
    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
}

fn ivs(s: &str) -> Option<String> {
    let (base, sel) = s.split_once('_')?;
    let base = char::from_u32(u32::from_str_radix(base, 16).ok()?)?;
    let sel = char::from_u32(u32::from_str_radix(sel, 16).ok()?)?;
    is_variation_selector(sel).then(|| [base, sel].iter().collect())
}

// ---- what crosses the boundary ----

/// 本人確認情報 in 住基ネット統一文字, as sent and as the CS holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireIdentity {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_code: Option<String>,
    pub name: JukiText,
    pub furigana: JukiText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<JukiText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname_furigana: Option<JukiText>,
    pub birth_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date_text: Option<String>,
    pub sex: u8,
    pub address: JukiText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_on: Option<NaiveDate>,
    /// The CS's copy only (整合性確認): the 交付抑止 it holds for the person (the
    /// suppressions set and not released).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<i64>,
}

/// One message as sent: the municipality, the item's number (the CS takes a number
/// once: the same message again changes nothing), its kind, 異動事由 and 異動年月日.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsMessage {
    pub municipality: String,
    pub id: i64,
    pub kind: CsKind,
    pub reason: String,
    pub effective_on: NaiveDate,
    pub identity: WireIdentity,
    /// The municipality a 転出証明書情報 or 転入通知 is for, and what it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer<JukiText>>,
    /// カードの発行状況 (from the CS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardReport>,
    /// 交付抑止情報 (3.1): the person's suppressions of certificates, set or released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<Vec<HoldNotice>>,
    /// What a 広域交付住民票の交付要求 asks for (received from the 交付市区町村).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask: Option<WideAsk>,
    /// 広域交付住民票情報 (sent to the 交付市区町村).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wide: Option<WideArea<JukiText>>,
}

/// What the CS reports of a person's card (7.1.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardReport {
    /// 保有: the person holds a valid card.
    pub holds: bool,
    /// 個人番号カード or 住基カード.
    pub kind: crate::business::CardKind,
    /// 発行状況 as the カード管理システム words it (交付済み, 一時停止, 廃止 …).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    /// 署名用電子証明書のシリアル番号 of the card (1.1.1, 1.1.2), where one was issued
    /// with it (none for a child under 15, or when declined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_serial: Option<String>,
}

impl CsMessage {
    /// The key a receiver keeps it under: the sender and its number.
    pub fn key(&self) -> String {
        format!("{}:{}", self.municipality, self.id)
    }
}

/// The texts of an item that staff may supplement (手入力による補完).
pub const SUPPLEMENTED: [&str; 4] = ["氏名", "振り仮名", "旧氏", "住所"];

/// The text of a field as sent: staff's supplement (`J+XXXX` codes may stand for
/// characters Unicode lacks, written `[J+XXXX]`) or the record's.
fn field(map: &CharMap, item: &CsItem, name: &str, value: &str) -> Result<JukiText, Vec<String>> {
    let Some(s) = item.supplement.get(name) else {
        return map.convert(value);
    };
    let mut codes = Vec::new();
    let mut missing = Vec::new();
    let mut rest = s.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[')
            && let Some((code, tail)) = after.split_once(']')
            && let Ok(c) = parse_code(code)
        {
            codes.push(c);
            rest = tail;
            continue;
        }
        let n = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| *c == '[')
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        match map.convert(&rest[..n]) {
            Ok(t) => codes.extend(t.0),
            Err(m) => missing.extend(m),
        }
        rest = &rest[n..];
    }
    if missing.is_empty() {
        Ok(JukiText(codes))
    } else {
        Err(missing)
    }
}

/// The message of an item, its texts converted; or the characters that could not be.
pub fn message(municipality: &str, item: &CsItem, map: &CharMap) -> Result<CsMessage, Vec<String>> {
    let id = &item.identity;
    let mut missing = Vec::new();
    let mut conv = |name: &str, value: &str| match field(map, item, name, value) {
        Ok(t) => t,
        Err(m) => {
            for c in m {
                if !missing.contains(&c) {
                    missing.push(c);
                }
            }
            JukiText::default()
        }
    };
    let name = conv("氏名", &id.name);
    let furigana = conv("振り仮名", &id.furigana);
    let former_surname = id.former_surname.as_deref().map(|f| conv("旧氏", f));
    let former_surname_furigana = id
        .former_surname_furigana
        .as_deref()
        .map(|f| conv("旧氏の振り仮名", f));
    let address = conv("住所", &id.address);
    let transfer = item
        .transfer
        .as_ref()
        .map(|t| t.map(|v| Ok::<_, ()>(conv("", v))))
        .transpose()
        .ok()
        .flatten();
    let wide = item
        .wide
        .as_ref()
        .map(|w| w.map(|v| Ok::<_, ()>(conv("", v))))
        .transpose()
        .ok()
        .flatten();
    if !missing.is_empty() {
        return Err(missing);
    }
    Ok(CsMessage {
        municipality: municipality.to_string(),
        id: item.id,
        kind: item.kind,
        reason: item.reason.clone(),
        effective_on: item.effective_on,
        identity: WireIdentity {
            code: id.code.clone(),
            previous_code: id.previous_code.clone(),
            name,
            furigana,
            former_surname,
            former_surname_furigana,
            birth_date: id.birth_date,
            birth_date_text: id.birth_date_text.clone(),
            sex: id.sex,
            address,
            individual_number: id.individual_number.clone(),
            removed_on: id.removed_on,
            holds: vec![],
        },
        to: item.to.clone(),
        transfer,
        card: None,
        holds: item.holds.clone(),
        ask: None,
        wide,
    })
}

/// A received message's texts back in Unicode, as far as the table gives them
/// (`[J+XXXX]` for a code it does not know: staff correct it).
pub fn received_texts(m: &CsMessage, map: &CharMap) -> (Identity, Option<Transfer<String>>) {
    let w = &m.identity;
    let id = Identity {
        code: w.code.clone(),
        previous_code: w.previous_code.clone(),
        name: map.text_of(&w.name),
        furigana: map.text_of(&w.furigana),
        former_surname: w.former_surname.as_ref().map(|t| map.text_of(t)),
        former_surname_furigana: w.former_surname_furigana.as_ref().map(|t| map.text_of(t)),
        birth_date: w.birth_date,
        birth_date_text: w.birth_date_text.clone(),
        sex: w.sex,
        address: map.text_of(&w.address),
        individual_number: w.individual_number.clone(),
        removed_on: w.removed_on,
    };
    let t = m
        .transfer
        .as_ref()
        .and_then(|t| t.map(|v| Ok::<_, ()>(map.text_of(v))).ok());
    (id, t)
}

/// A message another municipality sent through the CS, as kept by the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// The sender and its number ([`CsMessage::key`]): kept once.
    pub key: String,
    pub received_at: DateTime<Utc>,
    pub message: CsMessage,
    pub state: InboundState,
}

/// What became of a received message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InboundState {
    /// 未処理: a 転出証明書情報 waiting for its 特例転入, or a 転入通知 not yet applied.
    New,
    /// 処理済み: the ledger entry made from it (the 特例転入, or the 転出確定).
    Done { seq: i64, at: DateTime<Utc> },
    /// 取込エラー: it could not be applied by itself; staff see why.
    Failed { at: DateTime<Utc>, error: String },
    /// A later message about the same person took its place (再送分).
    Superseded { by: String },
}

impl InboundState {
    pub fn name(&self) -> &'static str {
        match self {
            InboundState::New => "new",
            InboundState::Done { .. } => "done",
            InboundState::Failed { .. } => "failed",
            InboundState::Superseded { .. } => "superseded",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            InboundState::New => "未処理",
            InboundState::Done { .. } => "処理済み",
            InboundState::Failed { .. } => "取込エラー",
            InboundState::Superseded { .. } => "再送により置換",
        }
    }
}

/// The CS's answer to one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CsAnswer {
    /// Taken (or taken before: the same number again).
    Accepted,
    /// A request answered: the 個人番号 generated or the 符号 (the same again for the same
    /// message number).
    Issued { value: String },
    /// Refused, with the CS's error code and message.
    Refused { code: String, message: String },
}

// ---- 整合性確認 ----

/// One difference between kikan's 本人確認情報 and the CS's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonId>,
    /// The items that differ: 「CSにない」, 「住民記録にない」, or the item names.
    pub items: Vec<String>,
    /// An item still to be sent explains the difference (未送信あり).
    pub unsent: bool,
}

/// Compares kikan's records (with their persons and whether an item is still to be
/// sent) against the CS's copy. Texts are compared as sent, in 住基ネット統一文字; a
/// record whose text the table cannot convert differs in that item.
///
/// `holds` are the 交付抑止 (3.1) each person has here (the suppressions of their
/// certificates set and not released, in order): the CS's copy should hold the same.
pub fn compare(
    ours: &[(PersonId, Identity, bool)],
    holds: &BTreeMap<PersonId, Vec<i64>>,
    theirs: &[WireIdentity],
    map: &CharMap,
) -> Vec<Difference> {
    let mut at_cs: BTreeMap<&str, &WireIdentity> =
        theirs.iter().map(|w| (w.code.as_str(), w)).collect();
    let mut out = Vec::new();
    for (person, id, unsent) in ours {
        let items = match at_cs.remove(id.code.as_str()) {
            None => vec!["CSにない".to_string()],
            Some(w) => {
                let mut d = Vec::new();
                let text = |t: &str, w: &JukiText| map.convert(t).ok().as_ref() != Some(w);
                if text(&id.name, &w.name) {
                    d.push("氏名");
                }
                if text(&id.furigana, &w.furigana) {
                    d.push("振り仮名");
                }
                let differs = |a: &Option<String>, b: &Option<JukiText>| match (a, b) {
                    (None, None) => false,
                    (Some(a), Some(b)) => text(a, b),
                    _ => true,
                };
                if differs(&id.former_surname, &w.former_surname) {
                    d.push("旧氏");
                }
                if differs(&id.former_surname_furigana, &w.former_surname_furigana) {
                    d.push("旧氏の振り仮名");
                }
                if id.birth_date != w.birth_date || id.birth_date_text != w.birth_date_text {
                    d.push("生年月日");
                }
                if id.sex != w.sex {
                    d.push("性別");
                }
                if text(&id.address, &w.address) {
                    d.push("住所");
                }
                if id.individual_number != w.individual_number {
                    d.push("個人番号");
                }
                if id.removed_on != w.removed_on {
                    d.push("消除");
                }
                let mut held = w.holds.clone();
                held.sort_unstable();
                if holds.get(person).map_or(&[][..], Vec::as_slice) != held.as_slice() {
                    d.push("交付抑止");
                }
                d.into_iter().map(String::from).collect()
            }
        };
        if !items.is_empty() {
            out.push(Difference {
                code: id.code.clone(),
                person: Some(*person),
                items,
                unsent: *unsent,
            });
        }
    }
    for code in at_cs.into_keys() {
        out.push(Difference {
            code: code.to_string(),
            person: None,
            items: vec!["住民記録にない".into()],
            unsent: false,
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jis_characters_are_their_own_codes_and_others_wait_for_the_table() {
        let map = CharMap::default();
        assert_eq!(
            map.convert("葛飾　太郎").map(|t| t.codes()),
            Ok("J+845B J+98FE J+3000 J+592A J+90CE".into())
        );
        // 𠮷 (beyond the BMP) and 葛 with a variation selector are not JIS X 0208.
        assert_eq!(
            map.convert("𠮷田 葛\u{E0101}子 𠮷"),
            Err(vec!["𠮷".to_string(), "葛\u{E0101}".to_string()])
        );
        let mut map = CharMap::default();
        map.entries.insert("𠮷".into(), 0xB9D9);
        map.entries.insert("葛\u{E0101}".into(), 0xB9D5);
        let t = map.convert("𠮷田葛\u{E0101}").expect("test value");
        assert_eq!(t.codes(), "J+B9D9 J+7530 J+B9D5");
        assert_eq!(map.text_of(&t), "𠮷田葛\u{E0101}");
        assert_eq!(map.text_of(&JukiText(vec![0xAD01, 0x7530])), "[J+AD01]田");
        assert_eq!(
            JukiText::parse("J+B9D9 J+7530"),
            Ok(JukiText(vec![0xB9D9, 0x7530]))
        );
        assert!(JukiText::parse("J+B9D").is_err());
    }

    #[test]
    fn the_table_reads_the_mj_list_columns_and_refuses_a_bad_line() {
        let csv = "MJ文字図形名,対応するUCS,実装したUCS,実装したMoji_JohoコレクションIVS,住基ネット統一文字コード\n\
                   MJ000001,U+845B,U+845B,845B_E0100,J+845B\n\
                   MJ000002,U+845B,U+845B,845B_E0101,J+B9D5\n\
                   MJ000003,U+20BB7,U+20BB7,20BB7_E0100,J+B9D9\n\
                   MJ000004,U+4E00,U+4E00,4E00_E0100,\n";
        let map = read_char_map(csv).expect("test value");
        assert_eq!(map.entries.get("葛"), Some(&0x845B));
        assert_eq!(map.entries.get("葛\u{E0101}"), Some(&0xB9D5));
        assert_eq!(map.entries.get("𠮷"), Some(&0xB9D9));
        assert_eq!(map.entries.get("一\u{E0100}"), None);
        for (csv, line) in [
            ("対応するUCS\nU+845B\n", 1),
            (
                "住基ネット統一文字コード,対応するUCS\nJ+845B,U+845B\nJ+12,U+845B\n",
                3,
            ),
            (
                "住基ネット統一文字コード,実装したMoji_JohoコレクションIVS\nJ+845B,845B-E0100\n",
                2,
            ),
        ] {
            match read_char_map(csv) {
                Err(DomainError::CharMapLine { line: l, .. }) => assert_eq!(l, line, "{csv}"),
                other => panic!("{csv}: {other:?}"),
            }
        }
    }

    fn identity() -> Identity {
        Identity {
            code: "12345678901".into(),
            previous_code: None,
            name: "𠮷田　花子".into(),
            furigana: "ヨシダ　ハナコ".into(),
            former_surname: None,
            former_surname_furigana: None,
            birth_date: NaiveDate::from_ymd_opt(1990, 4, 1).expect("test value"),
            birth_date_text: None,
            sex: 2,
            address: "葛飾市本町一丁目1番地".into(),
            individual_number: None,
            removed_on: None,
        }
    }

    #[test]
    fn supplements_stand_in_for_the_record_and_may_give_codes() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).expect("test value");
        let mut item = CsItem::new(5000, 5, PersonId(1), CsKind::Identity, identity(), day, day);
        let map = CharMap::default();
        assert_eq!(message("131016", &item, &map), Err(vec!["𠮷".to_string()]));
        item.supplement
            .insert("氏名".into(), "[J+B9D9]田　花子".into());
        let m = message("131016", &item, &map).expect("test value");
        assert_eq!(
            m.identity.name.codes(),
            "J+B9D9 J+7530 J+3000 J+82B1 J+5B50"
        );
        assert_eq!(m.id, 5000);
    }

    #[test]
    fn differences_name_the_items_and_both_sides_missing_records() {
        let map = CharMap {
            entries: [("𠮷".to_string(), 0xB9D9)].into_iter().collect(),
        };
        let ours = identity();
        let item = CsItem::new(
            1,
            0,
            PersonId(1),
            CsKind::Identity,
            ours.clone(),
            ours.birth_date,
            ours.birth_date,
        );
        let same = message("131016", &item, &map).expect("test value").identity;
        assert!(
            compare(
                &[(PersonId(1), ours.clone(), false)],
                &BTreeMap::new(),
                std::slice::from_ref(&same),
                &map
            )
            .is_empty()
        );
        // 交付抑止: set here and not at the CS, then at the CS too.
        let held: BTreeMap<PersonId, Vec<i64>> = [(PersonId(1), vec![7])].into();
        let one = [(PersonId(1), ours.clone(), false)];
        assert_eq!(
            compare(&one, &held, std::slice::from_ref(&same), &map)[0].items,
            vec!["交付抑止"]
        );
        let mut holding = same.clone();
        holding.holds = vec![7];
        assert!(compare(&one, &held, &[holding], &map).is_empty());
        let mut moved = same.clone();
        moved.address = map.convert("葛飾市本町二丁目1番地").expect("test value");
        moved.sex = 1;
        let mut stray = same.clone();
        stray.code = "99999999999".into();
        let mut other = ours.clone();
        other.code = "11111111111".into();
        let d = compare(
            &[(PersonId(1), ours, true), (PersonId(2), other, false)],
            &BTreeMap::new(),
            &[moved, stray],
            &map,
        );
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].items, vec!["CSにない"]);
        assert_eq!(d[1].items, vec!["性別", "住所"]);
        assert!(d[1].unsent);
        assert_eq!(d[2].items, vec!["住民記録にない"]);
    }
}
