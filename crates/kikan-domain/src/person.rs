//! A resident's record (住民票) and a household (世帯), as the projections hold them.

use crate::DomainError;
use crate::codes::{IndividualNumber, JuminhyoCode, PostalCode};
use crate::lists::{ForeignCategory, Relationship, RemovalReason, ResidenceStatus, Sex};
use crate::names::{Furigana, PersonName};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

const MAX_ADDRESS_CHARS: usize = 200;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}", self.0) }
        }
    };
}
id_type!(
    /// The system's own identifier of a person (宛名番号 within one municipality).
    PersonId
);
id_type!(
    /// The system's own identifier of a household (世帯番号).
    HouseholdId
);

fn text(field: &'static str, s: &str, required: bool) -> Result<Option<String>, DomainError> {
    let t = s.trim_matches(|c: char| c == ' ' || c == '　');
    if t.is_empty() {
        return if required {
            Err(DomainError::Missing { field })
        } else {
            Ok(None)
        };
    }
    if t.chars().count() > MAX_ADDRESS_CHARS {
        return Err(DomainError::TooLong {
            field,
            max: MAX_ADDRESS_CHARS,
        });
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(DomainError::InvalidCharacter {
            field,
            ch: format!("U+{:04X}", c as u32),
        });
    }
    Ok(Some(t.to_string()))
}

/// 住所: the place (都道府県・市区町村・町字), the 番地, and the 方書 (building and room).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub postal_code: Option<PostalCode>,
    pub place: String,
    pub banchi: String,
    pub katagaki: Option<String>,
    /// 住所コード (1.3.3) of the 町字, when the address was taken from the 住所辞書.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::address::AddressCode>,
}

impl Address {
    /// The address shown in place of a protected person's (支援措置).
    pub fn withheld() -> Self {
        Address {
            postal_code: None,
            place: WITHHELD.into(),
            banchi: String::new(),
            katagaki: None,
            code: None,
        }
    }

    pub fn parse(
        postal_code: Option<&str>,
        place: &str,
        banchi: &str,
        katagaki: Option<&str>,
    ) -> Result<Self, DomainError> {
        let postal_code = match postal_code.map(str::trim) {
            Some(p) if !p.is_empty() => Some(PostalCode::parse(p)?),
            _ => None,
        };
        let place = text("住所", place, true)?.unwrap_or_default();
        let banchi = text("番地", banchi, false)?.unwrap_or_default();
        let katagaki = match katagaki {
            Some(k) => text("方書", k, false)?,
            None => None,
        };
        Ok(Address {
            postal_code,
            place,
            banchi,
            katagaki,
            code: None,
        })
    }

    /// The address with its 住所コード (empty: none).
    pub fn coded(mut self, code: Option<&str>) -> Result<Self, DomainError> {
        self.code = match code.map(str::trim) {
            Some(c) if !c.is_empty() => Some(crate::address::AddressCode::parse(c)?),
            _ => None,
        };
        Ok(self)
    }

    /// The address on one line, as printed.
    pub fn line(&self) -> String {
        let mut s = format!("{}{}", self.place, self.banchi);
        if let Some(k) = &self.katagaki {
            s.push('　');
            s.push_str(k);
        }
        s
    }

    /// Do two addresses name the same dwelling? (The postal code does not count.)
    pub fn same_dwelling(&self, other: &Address) -> bool {
        self.place == other.place && self.banchi == other.banchi && self.katagaki == other.katagaki
    }
}

/// 本籍 and 筆頭者: Japanese residents only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Honseki {
    pub domicile: String,
    pub head_name: String,
}

/// 本籍・筆頭者 as 「なし」 (no 本籍: a 無籍者) or 「不明」 (not known) (1.1.12, j120):
/// the column reads that word, with no 筆頭者.
pub const HONSEKI_NONE: &str = "なし";
pub const HONSEKI_UNKNOWN: &str = "不明";

impl Honseki {
    /// A 本籍 and its 筆頭者; or 「なし」 or 「不明」 for the whole column, with the
    /// 筆頭者 left empty (refused when given: E-IDO-066).
    pub fn parse(domicile: &str, head_name: &str) -> Result<Self, DomainError> {
        let domicile = text("本籍", domicile, true)?.unwrap_or_default();
        if domicile == HONSEKI_NONE || domicile == HONSEKI_UNKNOWN {
            if let Some(head) = text("筆頭者", head_name, false)? {
                return Err(DomainError::HonsekiWordWithHead {
                    word: domicile,
                    head,
                });
            }
            return Ok(Honseki {
                domicile,
                head_name: String::new(),
            });
        }
        Ok(Honseki {
            domicile,
            head_name: text("筆頭者", head_name, true)?.unwrap_or_default(),
        })
    }

    /// The places its 本籍 might begin with, as 都道府県 and 市区町村 written together
    /// (「東京都保谷市」, 「京都府京都市中京区」, 「北海道虻田郡倶知安町」): every beginning
    /// that ends with 市, 区, 町 or 村 within its first 20 characters. One of them is a
    /// municipality of today when the 本籍 lies in one (4.0.6).
    pub fn municipality_prefixes(&self) -> Vec<String> {
        if self.is_word() {
            return vec![];
        }
        let mut out = Vec::new();
        let mut prefix = String::new();
        for c in self.domicile.chars().take(20) {
            prefix.push(c);
            if matches!(c, '市' | '区' | '町' | '村') {
                out.push(prefix.clone());
            }
        }
        out
    }

    /// 「なし」 or 「不明」 rather than a 本籍.
    pub fn is_word(&self) -> bool {
        self.domicile == HONSEKI_NONE || self.domicile == HONSEKI_UNKNOWN
    }

    /// The column as printed and shown: the 本籍 and 筆頭者, or the one word.
    pub fn line(&self) -> String {
        if self.is_word() {
            self.domicile.clone()
        } else {
            format!("{}　筆頭者 {}", self.domicile, self.head_name)
        }
    }
}

/// 旧氏: a former surname recorded on request (住基法施行令30条の13), printed beside the
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormerSurname {
    pub surname: PersonName,
    pub furigana: Option<Furigana>,
    pub recorded_on: NaiveDate,
}

/// 通称: a registered alias of a foreign resident (住基法施行令30条の16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    pub name: PersonName,
    pub furigana: Option<Furigana>,
    pub recorded_on: NaiveDate,
    /// 通称を記載した市区町村 and its code (1.1.2): this municipality, or the one whose
    /// 転出証明書 carried the 通称 to a 転入. None on records from before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<LocalBody>,
}

/// A past alias, kept for the 通称の履歴.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastAlias {
    pub alias: Alias,
    pub deleted_on: NaiveDate,
    /// 通称を削除した市区町村 and its code (1.1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<LocalBody>,
}

/// A municipality as a record names it: its 全国地方公共団体コード (6 digits, with the
/// check digit) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalBody {
    pub code: String,
    pub name: String,
}

impl LocalBody {
    /// A 全国地方公共団体コード (its check digit verified) and a name; `item` names the
    /// name's field in errors.
    pub fn parse(code: &str, name: &str, item: &'static str) -> Result<Self, DomainError> {
        Ok(LocalBody {
            code: crate::codes::LocalGovCode::parse(code)?.to_string(),
            name: text(item, name, true)?.unwrap_or_default(),
        })
    }

    /// 横浜市（141003）.
    pub fn line(&self) -> String {
        format!("{}（{}）", self.name, self.code)
    }
}

/// The last day a registration under the 外国人登録法 could be made: the law was repealed
/// on 2012-07-09 (平成24年7月9日).
pub fn old_law_last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2012, 7, 8).unwrap_or(NaiveDate::MIN)
}

/// The items of a foreign resident's record (住基法30条の45).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignDetails {
    /// 国籍・地域.
    pub nationality: String,
    pub category: ForeignCategory,
    pub status: Option<ResidenceStatus>,
    /// 在留期間, as the card writes it (e.g. 3年).
    pub period: Option<String>,
    /// 在留期間の満了の日.
    pub expires_on: Option<NaiveDate>,
    /// 在留カード or 特別永住者証明書 number.
    pub card_number: Option<String>,
    pub alias: Option<Alias>,
    pub past_aliases: Vec<PastAlias>,
    /// 氏名（漢字）: the name in kanji where the person holds one (1.1.2), beside the
    /// alphabet name that [`Person::name`] keeps; with its reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kanji_name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kanji_furigana: Option<Furigana>,
    /// 旧外登法による登録年月日: the date of the first registration under the former
    /// 外国人登録法 (up to 2012-07-08); its text where the date is 不詳 (1.1.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_law_registered_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_law_registered_text: Option<String>,
    /// 住居地の届出の有無: the 転入 was also the 住居地の届出 of 入管法19条の7 (or 19条の8,
    /// 19条の9) — sent on to 出入国在留管理庁.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub residence_notified: bool,
    /// 上陸許可証による転入の旨: moved in showing the 旅券's 上陸許可 (its card to follow,
    /// 入管法19条の6) rather than a 在留カード.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub landing_permit: bool,
}

/// Is `s` a 在留カード or 特別永住者証明書 number in form: two capital letters, eight digits,
/// two capital letters?
pub fn is_card_number(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..10].iter().all(u8::is_ascii_digit)
        && b[10..].iter().all(u8::is_ascii_uppercase)
}

/// A 在留カード等番号 (`kind` names which card in the error), or E-CODE for anything else.
pub fn check_card_number(kind: &'static str, s: &str) -> Result<(), DomainError> {
    if is_card_number(s) {
        Ok(())
    } else {
        Err(DomainError::UnknownCode {
            kind,
            value: s.to_string(),
        })
    }
}

impl ForeignDetails {
    /// The 国籍・地域 and category, with none of the other items.
    pub fn new(nationality: String, category: ForeignCategory) -> Self {
        ForeignDetails {
            nationality,
            category,
            status: None,
            period: None,
            expires_on: None,
            card_number: None,
            alias: None,
            past_aliases: vec![],
            kanji_name: None,
            kanji_furigana: None,
            old_law_registered_on: None,
            old_law_registered_text: None,
            residence_notified: false,
            landing_permit: false,
        }
    }

    /// What `period` and `expires_on` are for this category (法第30条の45の表): the
    /// 在留期間 of a 中長期在留者, the 上陸期間 of a 一時庇護許可者, the 仮滞在期間 of a
    /// 仮滞在許可者.
    pub fn period_label(&self) -> &'static str {
        match self.category {
            ForeignCategory::TemporaryRefuge => "上陸期間",
            ForeignCategory::ProvisionalStay => "仮滞在期間",
            _ => "在留期間",
        }
    }

    /// Checks the combination of category, status and dates.
    pub fn validate(&self) -> Result<(), DomainError> {
        text("国籍・地域", &self.nationality, true)?;
        if let Some(d) = self.old_law_registered_on
            && d > old_law_last_day()
        {
            return Err(DomainError::OldLawRegistrationTooLate { on: d });
        }
        if let Some(card) = &self.card_number {
            check_card_number("在留カード等番号", card)?;
        }
        // 空欄を許容しない (1.1.6, j60): the 在留カード or 特別永住者証明書 number — but for a
        // 転入 on a 上陸許可証, whose card is issued later (its 30条の50 notice gives it).
        if matches!(
            self.category,
            ForeignCategory::MidToLongTerm | ForeignCategory::SpecialPermanent
        ) && self.card_number.is_none()
            && !self.landing_permit
        {
            return Err(DomainError::Missing {
                field: if self.category == ForeignCategory::SpecialPermanent {
                    "特別永住者証明書の番号"
                } else {
                    "在留カードの番号"
                },
            });
        }
        match self.category {
            ForeignCategory::MidToLongTerm => {
                let status = self.status.ok_or(DomainError::Missing {
                    field: "在留資格"
                })?;
                if !status.allowed_for_mid_to_long_term() {
                    return Err(DomainError::StatusCategoryMismatch {
                        status: status.label().into(),
                        category: self.category.label().into(),
                    });
                }
                if status.has_expiry() && self.expires_on.is_none() {
                    return Err(DomainError::ExpiryRequired);
                }
            }
            ForeignCategory::SpecialPermanent => {
                if let Some(status) = self.status {
                    return Err(DomainError::StatusCategoryMismatch {
                        status: status.label().into(),
                        category: self.category.label().into(),
                    });
                }
            }
            // 上陸期間 and 仮滞在期間 (法第30条の45の表): no 在留資格, and the period's end.
            ForeignCategory::TemporaryRefuge | ForeignCategory::ProvisionalStay => {
                if let Some(status) = self.status {
                    return Err(DomainError::StatusCategoryMismatch {
                        status: status.label().into(),
                        category: self.category.label().into(),
                    });
                }
                if self.expires_on.is_none() {
                    return Err(DomainError::PeriodEndRequired {
                        item: self.period_label(),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Where a record stands: in A (active or moving out) or in B (除票).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum PersonStatus {
    /// 住民: on the current register.
    Active,
    /// 転出予定: notified a move-out; stays in A until the 転出確定.
    MovingOut {
        planned_on: NaiveDate,
        destination: Address,
        abroad: bool,
        /// The 世帯主 and 続柄 of those who stay, given with the 転出届 of the head; they
        /// take effect when the removal does (unless the 転出確定 gives its own).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        succession: Option<crate::ledger::Succession>,
        /// 転出先の世帯主の氏名, as the 転出届 gave it (4.0.10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination_head: Option<String>,
    },
    /// 除票: removed from A on `on`, for `reason`.
    Removed {
        on: NaiveDate,
        reason: RemovalReason,
        /// 消除日 as recorded when the 死亡・失踪 date is 不詳 (1.1.8).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_text: Option<String>,
        /// 転出先: as confirmed by the 転入通知 once it came, else as planned.
        destination: Option<Address>,
        /// For a 転出: what the 転出届 said, kept beside what the 転入通知 confirmed
        /// (4.1.3.1.1: the 予定 is never overwritten).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        moved_out: Option<Box<MoveOutRecord>>,
        /// For a 職権消除 (実態調査 …): the 転入通知 received afterwards (4.1.3.1.1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<Box<MoveInNotice>>,
    },
}

/// A 転出 as the 除票 keeps it (1.1.5, j50).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveOutRecord {
    /// 転出予定年月日 and 転出先住所（予定）.
    pub planned_on: NaiveDate,
    pub planned_destination: Address,
    /// The 転入通知, once received: None while it has not arrived (転入通知未着).
    pub notice: Option<MoveInNotice>,
    /// 転出先の世帯主の氏名, as the 転出届 gave it (4.0.10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_head: Option<String>,
}

/// 転入通知: what the new municipality notified (4.1.3.1.1, j680).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveInNotice {
    /// 転入通知年月日.
    pub notified_on: NaiveDate,
    /// 転出年月日（確定）: the 転入日 the notice gives.
    pub moved_on: NaiveDate,
    /// 転出先住所（確定）.
    pub destination: Address,
}

/// 転入の記録: the notification date and the address before moving in (従前の住所).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveInRecord {
    pub notified_on: NaiveDate,
    pub previous_address: Option<Address>,
    /// 未届転入 (4.1.1.4): the 転入前住所 is the latest address never notified, printed
    /// with （未届）.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unnotified: bool,
    /// 最終登録住所地 (4.1.1.4, 4.2.1.1): the last address where the person was
    /// registered, kept as data (not a 住民票 item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_registered: Option<Address>,
    /// 転入前の世帯主の氏名, as the 転入届 gave it (4.0.10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_head: Option<String>,
}

/// One resident's record as it stands (住民票, or 除票 once removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub juminhyo_code: Option<JuminhyoCode>,
    pub individual_number: Option<IndividualNumber>,
    pub name: PersonName,
    pub furigana: Furigana,
    /// 生年月日: the internal, sortable date.
    pub birth_date: NaiveDate,
    /// 生年月日 as the 戸籍 gives it when it is 不詳 or not a calendar day (1.1.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date_text: Option<String>,
    pub sex: Sex,
    pub household_id: HouseholdId,
    /// 世帯主の氏名 (1.2.1): the household's common data, kept on each member's record so
    /// that every version of it holds the 世帯主 of its time (a 世帯主変更 or a correction
    /// of the head's name gives each member a new version). None while the household has
    /// no 世帯主; a 除票 keeps the one of the household it left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_name: Option<String>,
    pub relationship: Relationship,
    pub address: Address,
    /// 住民となった年月日.
    pub became_resident_on: NaiveDate,
    /// 住民となった年月日 as recorded when it is 不詳 or not a calendar day (1.1.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub became_resident_text: Option<String>,
    /// 住所を定めた年月日.
    pub address_since: NaiveDate,
    /// 住所を定めた年月日 as recorded when it is 不詳 or not a calendar day (1.1.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_since_text: Option<String>,
    /// 転入: 届出の年月日 and 従前の住所; kept after later 転居.
    pub moved_in: Option<MoveInRecord>,
    /// 異動前住所: the address before the latest 転居 in the municipality.
    pub previous_address_in_city: Option<Address>,
    pub honseki: Option<Honseki>,
    pub foreign: Option<ForeignDetails>,
    /// 旧氏 (1.1.7) and its フリガナ, with the day it was recorded or last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<FormerSurname>,
    /// The day of the latest 帰化, 国籍取得 or 国籍喪失 (4.5.3–4.5.5): the record was of
    /// the other kind (日本人住民・外国人住民) before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality_changed_on: Option<NaiveDate>,
    /// 改製年月日 (1.1.4): the day of the latest 改製 of this 住民票; the 異動履歴 before
    /// it belongs to the 改製原住民票 and is not printed on the new one's copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remade_on: Option<NaiveDate>,
    /// 再製年月日 (1.2.2): the day the 住民票 was last made again (再製) after it was lost
    /// or damaged; its history stays as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reissued_on: Option<NaiveDate>,
    /// 除票用データベースへの移行 (9.3, 1.1.5): the day this 除票 left the 住民記録
    /// database for the 除票用データベース, where it is kept until 150 years after its
    /// removal; None while it is in the 住民記録 database (or back from the other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_on: Option<NaiveDate>,
    pub status: PersonStatus,
    /// The effective date of the latest change to this record.
    pub last_change_on: NaiveDate,
    /// Optimistic version: the number of ledger entries applied to this record.
    pub version: u64,
}

impl Person {
    pub fn is_removed(&self) -> bool {
        matches!(self.status, PersonStatus::Removed { .. })
    }
    pub fn is_head(&self) -> bool {
        self.relationship == Relationship::Head
    }

    /// 生年月日 as shown and printed (1.1.9): the 不詳 text as the 戸籍 gives it, else
    /// 西暦 for a foreign resident and 和暦 for a Japanese one.
    pub fn birth_date_shown(&self) -> Result<String, DomainError> {
        if let Some(t) = &self.birth_date_text {
            return Ok(t.clone());
        }
        if self.foreign.is_some() {
            return Ok(crate::wareki::format_seireki(self.birth_date));
        }
        crate::wareki::format_wareki(self.birth_date)
    }

    /// 住民となった年月日 as shown and printed: its 不詳 text, else 和暦.
    pub fn became_resident_shown(&self) -> Result<String, DomainError> {
        shown(self.became_resident_on, &self.became_resident_text)
    }

    /// 住所を定めた年月日 as shown and printed: its 不詳 text, else 和暦.
    pub fn address_since_shown(&self) -> Result<String, DomainError> {
        shown(self.address_since, &self.address_since_text)
    }

    /// 支援措置: every address of the record withheld (current, previous, before moving
    /// in, destination), for a reader who may not learn where the person lives.
    pub fn withhold_addresses(&mut self) {
        self.address = Address::withheld();
        self.moved_in = None;
        self.previous_address_in_city = None;
        match &mut self.status {
            PersonStatus::Active => {}
            PersonStatus::MovingOut {
                destination,
                destination_head,
                ..
            } => {
                *destination = Address::withheld();
                *destination_head = None;
            }
            PersonStatus::Removed {
                destination,
                moved_out,
                ..
            } => {
                if destination.is_some() {
                    *destination = Some(Address::withheld());
                }
                if let Some(m) = moved_out {
                    m.planned_destination = Address::withheld();
                    m.destination_head = None;
                    if let Some(n) = &mut m.notice {
                        n.destination = Address::withheld();
                    }
                }
            }
        }
    }

    /// The 個人番号 fields of the record (one), for code that must handle each of them.
    pub fn individual_numbers_mut(&mut self) -> Vec<&mut Option<IndividualNumber>> {
        vec![&mut self.individual_number]
    }
}

/// A date kept beside its 不詳 text, as shown: the text, else 和暦.
pub fn shown(date: NaiveDate, text: &Option<String>) -> Result<String, DomainError> {
    match text {
        Some(t) => Ok(t.clone()),
        None => crate::wareki::format_wareki(date),
    }
}

/// What a withheld address reads as (支援措置).
pub const WITHHELD: &str = "(支援措置のため表示しません)";

/// 世帯: a household at one address, with at most one head. A household may be
/// without a 世帯主 (1.1.10, j100): when its head leaves and two or more members stay,
/// until a 世帯主変更 names the new one (4.0.4, j490).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub id: HouseholdId,
    /// 世帯主; None while the household has none.
    pub head: Option<PersonId>,
    pub address: Address,
    /// Current members (not removed), in the order they joined.
    pub members: Vec<PersonId>,
    /// Set when the last member left.
    pub dissolved_on: Option<NaiveDate>,
    pub version: u64,
}

impl Household {
    /// Is `person` this household's head?
    pub fn is_head(&self, person: PersonId) -> bool {
        self.head == Some(person)
    }

    /// Where a member stands in the order the 住民票 lists the household (5.2): the
    /// head, then by birth.
    pub fn listing_key(&self, member: &Person) -> (bool, NaiveDate, PersonId) {
        (!self.is_head(member.id), member.birth_date, member.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_honseki_names_the_places_it_may_lie_in() {
        let h = |d: &str| {
            let head = if d == HONSEKI_NONE {
                ""
            } else {
                "戻井　一郎"
            };
            Honseki::parse(d, head).map(|h| h.municipality_prefixes())
        };
        assert_eq!(
            h("東京都保谷市東町一丁目1番地"),
            Ok(vec![
                "東京都保谷市".to_string(),
                "東京都保谷市東町".to_string()
            ])
        );
        assert_eq!(
            h("京都府京都市中京区寺町通1番地"),
            Ok(vec![
                "京都府京都市".to_string(),
                "京都府京都市中京区".to_string(),
                "京都府京都市中京区寺町".to_string()
            ])
        );
        assert_eq!(h("なし"), Ok(vec![]));
    }

    #[test]
    fn addresses_with_katagaki() {
        let a = Address::parse(
            Some("231-0005"),
            " 神奈川県横浜市中区本町一丁目 ",
            "1番地2",
            Some("本町ハイツ101号室"),
        );
        let a = a.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            a.line(),
            "神奈川県横浜市中区本町一丁目1番地2　本町ハイツ101号室"
        );
        let b = Address::parse(
            None,
            "神奈川県横浜市中区本町一丁目",
            "1番地2",
            Some("本町ハイツ101号室"),
        );
        assert!(b.is_ok_and(|b| b.same_dwelling(&a)));
        let c = Address::parse(
            None,
            "神奈川県横浜市中区本町一丁目",
            "1番地2",
            Some("本町ハイツ102号室"),
        );
        assert!(c.is_ok_and(|c| !c.same_dwelling(&a)));
        assert_eq!(
            Address::parse(None, "  ", "1", None).map_err(|e| e.code()),
            Err("E-INPUT-001")
        );
        assert_eq!(
            Address::parse(Some("12"), "横浜市", "1", None).map_err(|e| e.code()),
            Err("E-CODE-004")
        );
        assert_eq!(
            Address::parse(None, &"あ".repeat(201), "1", None).map_err(|e| e.code()),
            Err("E-INPUT-002")
        );
        assert_eq!(
            Address::parse(None, "横浜市\u{7}", "1", None).map_err(|e| e.code()),
            Err("E-NAME-001")
        );
        // An empty 方書 is no 方書.
        assert_eq!(
            Address::parse(None, "横浜市", "1", Some(" ")).map(|a| a.katagaki),
            Ok(None)
        );
    }

    #[test]
    fn honseki_may_read_none_or_unknown() {
        let h = Honseki::parse("なし", "");
        assert!(h.as_ref().is_ok_and(|h| h.is_word() && h.line() == "なし"));
        let h = Honseki::parse(" 不明 ", "　");
        assert!(h.as_ref().is_ok_and(|h| h.is_word() && h.line() == "不明"));
        assert_eq!(
            Honseki::parse("不明", "山田太郎").map_err(|e| e.code()),
            Err("E-IDO-066")
        );
        assert_eq!(
            Honseki::parse("東京都千代田区千代田1番", "").map_err(|e| e.code()),
            Err("E-INPUT-001")
        );
        let h = Honseki::parse("東京都千代田区千代田1番", "山田　太郎");
        assert!(h.is_ok_and(
            |h| !h.is_word() && h.line() == "東京都千代田区千代田1番　筆頭者 山田　太郎"
        ));
    }

    #[test]
    fn foreign_details_follow_the_category() {
        let mut f = ForeignDetails {
            status: Some(ResidenceStatus::Student),
            period: Some("2年".into()),
            expires_on: NaiveDate::from_ymd_opt(2028, 3, 31),
            card_number: Some("AB12345678CD".into()),
            ..ForeignDetails::new("ベトナム".into(), ForeignCategory::MidToLongTerm)
        };
        assert!(f.validate().is_ok());
        f.card_number = Some("AB1234CD".into());
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-CODE-005"));
        // Never blank (1.1.6), but on a 上陸許可証 (the card comes later).
        f.card_number = None;
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-INPUT-001"));
        f.landing_permit = true;
        assert!(f.validate().is_ok());
        f.landing_permit = false;
        f.card_number = Some("AB12345678CD".into());
        f.expires_on = None;
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-IDO-035"));
        f.status = Some(ResidenceStatus::PermanentResident);
        assert!(f.validate().is_ok());
        f.category = ForeignCategory::SpecialPermanent;
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-IDO-034"));
        f.status = None;
        assert!(f.validate().is_ok());
        // 上陸期間 and 仮滞在期間: no 在留資格, and the period's end is required.
        f.category = ForeignCategory::TemporaryRefuge;
        assert_eq!(f.period_label(), "上陸期間");
        f.expires_on = None;
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-IDO-068"));
        f.expires_on = NaiveDate::from_ymd_opt(2027, 1, 31);
        assert!(f.validate().is_ok());
        f.status = Some(ResidenceStatus::Student);
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-IDO-034"));
        f.status = None;
        f.category = ForeignCategory::ProvisionalStay;
        assert_eq!(f.period_label(), "仮滞在期間");
        // 旧外登法 was repealed on 2012-07-09.
        f.old_law_registered_on = NaiveDate::from_ymd_opt(2012, 7, 9);
        assert_eq!(f.validate().map_err(|e| e.code()), Err("E-IDO-069"));
        f.old_law_registered_on = NaiveDate::from_ymd_opt(1990, 4, 1);
        assert!(f.validate().is_ok());
    }

    #[test]
    fn a_local_body_has_a_six_digit_code() {
        let b = LocalBody::parse(" 141003 ", "横浜市", "通称を記載した市区町村");
        assert!(b.is_ok_and(|b| b.line() == "横浜市（141003）"));
        assert_eq!(
            LocalBody::parse("141004", "横浜市", "通称を記載した市区町村").map_err(|e| e.code()),
            Err("E-CODE-001")
        );
    }
}
