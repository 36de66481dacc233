//! Certificates' content (証明書の記載内容): which items a 住民票の写し, a 記載事項証明書 or
//! a 除票の写し prints, for whom, and what the law lets each requester see.
//!
//! This module decides *what* is printed, as text; drawing it on paper is the `kikan-cert`
//! crate's work, and recording the issue is the store's.

use crate::DomainError;
use crate::person::{Honseki, Person, PersonId, PersonStatus};
use crate::wareki::format_wareki;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The fee of one copy (手数料), in yen, unless the municipality's ordinance says otherwise.
pub const FEE_PER_COPY: u32 = 300;
/// The most copies one request may ask for.
pub const MAX_COPIES: u32 = 20;

/// The four certificates of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// 住民票の写し.
    ResidentCopy,
    /// 住民票記載事項証明書: chosen items only.
    ResidentItems,
    /// 除票の写し.
    RemovedCopy,
    /// 除票記載事項証明書.
    RemovedItems,
    /// 転出証明書 (4.1.3.0.3): for the persons of one 転出届 (`crate::transfer`).
    MoveOut,
    /// 転出証明書に準ずる証明書: for a 転出 recorded by 職権 (notified more than 14 days
    /// after the move, 4.1.3.0.1).
    MoveOutQuasi,
    /// 住民票コード通知票 (4.3.3): recorded in the issuance register when made (1.3.8).
    CodeNotice,
    /// 住民票コード変更通知票.
    CodeChangeNotice,
    /// 住民票コード修正通知票.
    CodeCorrectionNotice,
    /// 住民基本台帳の一部の写し（閲覧用） (9.5).
    InspectionCopy,
}

impl CertificateKind {
    pub const ALL: [CertificateKind; 10] = [
        CertificateKind::ResidentCopy,
        CertificateKind::ResidentItems,
        CertificateKind::RemovedCopy,
        CertificateKind::RemovedItems,
        CertificateKind::MoveOut,
        CertificateKind::MoveOutQuasi,
        CertificateKind::CodeNotice,
        CertificateKind::CodeChangeNotice,
        CertificateKind::CodeCorrectionNotice,
        CertificateKind::InspectionCopy,
    ];

    /// The title printed at the head of the certificate.
    pub fn title(self) -> &'static str {
        match self {
            CertificateKind::ResidentCopy => "住民票の写し",
            CertificateKind::ResidentItems => "住民票記載事項証明書",
            CertificateKind::RemovedCopy => "除票の写し",
            CertificateKind::RemovedItems => "除票記載事項証明書",
            CertificateKind::MoveOut => "転出証明書",
            CertificateKind::MoveOutQuasi => "転出証明書に準ずる証明書",
            CertificateKind::CodeNotice => "住民票コード通知票",
            CertificateKind::CodeChangeNotice => "住民票コード変更通知票",
            CertificateKind::CodeCorrectionNotice => "住民票コード修正通知票",
            CertificateKind::InspectionCopy => "住民基本台帳の一部の写し（閲覧用）",
        }
    }

    /// The code used in the API and the issuance register.
    pub fn code(self) -> &'static str {
        match self {
            CertificateKind::ResidentCopy => "resident_copy",
            CertificateKind::ResidentItems => "resident_items",
            CertificateKind::RemovedCopy => "removed_copy",
            CertificateKind::RemovedItems => "removed_items",
            CertificateKind::MoveOut => "move_out",
            CertificateKind::MoveOutQuasi => "move_out_quasi",
            CertificateKind::CodeNotice => "code_notice",
            CertificateKind::CodeChangeNotice => "code_change_notice",
            CertificateKind::CodeCorrectionNotice => "code_correction_notice",
            CertificateKind::InspectionCopy => "inspection_copy",
        }
    }

    /// A document the issuance register records (1.3.8) but the certificate request does
    /// not make: a 住民票コード通知票 or a 閲覧用 一部の写し, made where it belongs and not
    /// re-printed from the register.
    pub fn register_only(self) -> bool {
        matches!(
            self,
            CertificateKind::CodeNotice
                | CertificateKind::CodeChangeNotice
                | CertificateKind::CodeCorrectionNotice
                | CertificateKind::InspectionCopy
        )
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == t || k.title() == t)
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "証明書の種類",
                value: t.to_string(),
            })
    }

    /// Is this a certificate of removed records (除票)?
    pub fn of_removed(self) -> bool {
        matches!(
            self,
            CertificateKind::RemovedCopy | CertificateKind::RemovedItems
        )
    }

    /// Is this a 転出証明書 (or the 準ずる証明書)?
    pub fn of_move_out(self) -> bool {
        matches!(
            self,
            CertificateKind::MoveOut | CertificateKind::MoveOutQuasi
        )
    }

    /// Does it certify chosen items only (記載事項証明書)?
    pub fn items_only(self) -> bool {
        matches!(
            self,
            CertificateKind::ResidentItems | CertificateKind::RemovedItems
        )
    }
}

/// The two layouts the standard fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// 世帯連記式: the members of one household on one sheet, up to four a page.
    Household,
    /// 個人票: one person a page.
    Individual,
}

impl Layout {
    pub fn label(self) -> &'static str {
        match self {
            Layout::Household => "世帯連記式",
            Layout::Individual => "個人票",
        }
    }
    /// How many persons one A4 page holds.
    pub fn per_page(self) -> usize {
        match self {
            Layout::Household => 4,
            Layout::Individual => 1,
        }
    }
}

/// An item of the record that a certificate may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    Name,
    Furigana,
    BirthDate,
    Sex,
    Head,
    Relationship,
    Address,
    AddressSince,
    BecameResident,
    /// 前住所: the address before the latest 転居 in the municipality.
    PreviousAddress,
    /// 転入前住所: the last address outside the municipality.
    MovedInFrom,
    Honseki,
    JuminhyoCode,
    IndividualNumber,
    /// 国籍・地域.
    Nationality,
    /// 法第30条の45に規定する区分.
    Category,
    /// 在留資格, 在留期間等 and its 満了日.
    ResidenceDetails,
    /// 在留カード等番号.
    CardNumber,
    /// 通称.
    Alias,
    /// 通称の記載及び削除に関する事項 (住基法施行令30条の26): when and by which
    /// municipality each 通称 was recorded and deleted; printed on a 別紙 (5.1).
    AliasHistory,
    /// 消除 (除票 only): the date and reason of removal.
    Removal,
    /// The 法第7条 items other businesses keep (選挙人名簿, 国民健康保険, 後期高齢者医療,
    /// 介護保険, 国民年金, 児童手当): printed only when asked for.
    BusinessItems,
    /// 備考 (1.1.14, the 統合記載欄's C類型; the 事実上の世帯主 of 4.1.4.3): printed where
    /// the record has one.
    Remarks,
    /// 異動履歴 (1.1.14, the 統合記載欄's A類型) with the 留意事項 of each 異動 (B類型):
    /// printed only when asked for.
    History,
    /// The 異動履歴 of a 特別な事由 (特別養子縁組, its 解消, 性別の変更; 1.1.4, j40): left
    /// out of the 異動履歴 by default; asked for, printed within it (本人・同一世帯 only).
    SpecialHistory,
}

impl Item {
    pub const ALL: [Item; 25] = [
        Item::Name,
        Item::Furigana,
        Item::BirthDate,
        Item::Sex,
        Item::Head,
        Item::Relationship,
        Item::Address,
        Item::AddressSince,
        Item::BecameResident,
        Item::PreviousAddress,
        Item::MovedInFrom,
        Item::Honseki,
        Item::JuminhyoCode,
        Item::IndividualNumber,
        Item::Nationality,
        Item::Category,
        Item::ResidenceDetails,
        Item::CardNumber,
        Item::Alias,
        Item::AliasHistory,
        Item::Removal,
        Item::BusinessItems,
        Item::Remarks,
        Item::History,
        Item::SpecialHistory,
    ];

    /// The label printed beside the value.
    pub fn label(self) -> &'static str {
        match self {
            Item::Name => "氏名",
            Item::Furigana => "氏名の振り仮名",
            Item::BirthDate => "生年月日",
            Item::Sex => "性別",
            Item::Head => "世帯主",
            Item::Relationship => "続柄",
            Item::Address => "住所",
            Item::AddressSince => "住所を定めた年月日",
            Item::BecameResident => "住民となった年月日",
            Item::PreviousAddress => "前住所",
            Item::MovedInFrom => "転入前住所",
            Item::Honseki => "本籍・筆頭者",
            Item::JuminhyoCode => "住民票コード",
            Item::IndividualNumber => "個人番号",
            Item::Nationality => "国籍・地域",
            Item::Category => "法第30条の45に規定する区分",
            Item::ResidenceDetails => "在留資格等",
            Item::CardNumber => "在留カード等番号",
            Item::Alias => "通称",
            Item::AliasHistory => "通称の記載及び削除に関する事項",
            Item::Removal => "消除",
            Item::BusinessItems => "法第7条の業務事項",
            Item::Remarks => "備考",
            Item::History => "異動履歴",
            Item::SpecialHistory => "特別な事由の異動履歴",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Item::Name => "name",
            Item::Furigana => "furigana",
            Item::BirthDate => "birth_date",
            Item::Sex => "sex",
            Item::Head => "head",
            Item::Relationship => "relationship",
            Item::Address => "address",
            Item::AddressSince => "address_since",
            Item::BecameResident => "became_resident",
            Item::PreviousAddress => "previous_address",
            Item::MovedInFrom => "moved_in_from",
            Item::Honseki => "honseki",
            Item::JuminhyoCode => "juminhyo_code",
            Item::IndividualNumber => "individual_number",
            Item::Nationality => "nationality",
            Item::Category => "category",
            Item::ResidenceDetails => "residence_details",
            Item::CardNumber => "card_number",
            Item::Alias => "alias",
            Item::AliasHistory => "alias_history",
            Item::Removal => "removal",
            Item::BusinessItems => "business_items",
            Item::Remarks => "remarks",
            Item::History => "history",
            Item::SpecialHistory => "special_history",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|i| i.code() == t || i.label() == t)
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "証明書の記載事項",
                value: t.to_string(),
            })
    }

    /// Items a 写し omits unless asked for (and allowed).
    pub fn omitted_by_default(self) -> bool {
        matches!(
            self,
            Item::Honseki
                | Item::Relationship
                | Item::JuminhyoCode
                | Item::IndividualNumber
                | Item::ResidenceDetails
                | Item::CardNumber
                | Item::AliasHistory
                | Item::BusinessItems
                | Item::History
                | Item::SpecialHistory
        )
    }

    /// Items a 写し prints unless the requester asks to leave them out (5.1: 世帯主, and a
    /// foreign resident's 国籍・地域, 30条の45の区分 and 通称).
    pub fn omittable(self) -> bool {
        matches!(
            self,
            Item::Head | Item::Nationality | Item::Category | Item::Alias
        )
    }

    /// Does any of `subjects` have something this item prints? (An item left out is named
    /// on the paper as 省略 only then.)
    fn concerns(self, subjects: &[Subject]) -> bool {
        let foreign = || subjects.iter().filter_map(|s| s.person.foreign.as_ref());
        match self {
            Item::Honseki => subjects.iter().any(|s| s.person.foreign.is_none()),
            Item::Nationality | Item::Category | Item::ResidenceDetails | Item::CardNumber => {
                subjects.iter().any(|s| s.person.foreign.is_some())
            }
            Item::Alias => foreign().any(|f| f.alias.is_some()),
            Item::AliasHistory => {
                foreign().any(|f| f.alias.is_some() || !f.past_aliases.is_empty())
            }
            // The 法第7条 items other businesses keep: where some are recorded.
            Item::BusinessItems => subjects.iter().any(|s| !s.business.is_empty()),
            // The 異動履歴 is asked for where wanted; never named as left out.
            Item::History | Item::SpecialHistory => false,
            _ => true,
        }
    }
}

/// Who asks for the certificate (請求者の区分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequesterKind {
    /// 本人.
    Himself,
    /// 同一世帯の者.
    SameHousehold,
    /// 第三者 with a legitimate interest (住基法12条の3第1項).
    ThirdParty,
    /// 弁護士, 司法書士 … for their duties (職務上請求, 12条の3第2項).
    Professional,
}

impl RequesterKind {
    pub const ALL: [RequesterKind; 4] = [
        RequesterKind::Himself,
        RequesterKind::SameHousehold,
        RequesterKind::ThirdParty,
        RequesterKind::Professional,
    ];
    pub fn label(self) -> &'static str {
        match self {
            RequesterKind::Himself => "本人",
            RequesterKind::SameHousehold => "同一世帯",
            RequesterKind::ThirdParty => "第三者",
            RequesterKind::Professional => "弁護士等職務上請求",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            RequesterKind::Himself => "self",
            RequesterKind::SameHousehold => "same_household",
            RequesterKind::ThirdParty => "third_party",
            RequesterKind::Professional => "professional",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == t || k.label() == t)
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "請求者の区分",
                value: t.to_string(),
            })
    }
    /// May this requester see the 住民票コード and 個人番号? Only the person and their
    /// household (住基法12条; third-party requests under 12条の3 never print them).
    pub fn may_see_numbers(self) -> bool {
        matches!(self, RequesterKind::Himself | RequesterKind::SameHousehold)
    }
}

/// The requester, as the counter recorded them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequesterInfo {
    pub kind: Option<RequesterKind>,
    /// Their own record, when they are a resident (本人, 同一世帯).
    pub person_id: Option<PersonId>,
    pub name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub address: Option<String>,
    /// 請求の事由: required from third parties and professionals.
    pub reason: Option<String>,
    /// 資格と登録番号 of a professional (弁護士 第12345号 …).
    pub qualification: Option<String>,
}

/// A request for a certificate, as entered at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRequest {
    pub kind: CertificateKind,
    pub layout: Layout,
    /// The persons printed, in order.
    pub persons: Vec<PersonId>,
    /// Every current member of the household was asked for (世帯全員).
    pub whole_household: bool,
    /// For a 写し: the optional items asked for. For a 記載事項証明書: the items certified.
    pub items: Vec<Item>,
    /// For a 写し: items printed by default that the requester asked to leave out
    /// ([`Item::omittable`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omit: Vec<Item>,
    pub requester: RequesterInfo,
    /// 使用目的.
    pub purpose: String,
    /// 本人確認: the document the requester showed (運転免許証, マイナンバーカード …).
    pub identity_check: String,
    pub copies: u32,
    /// 手数料の免除: the reason, when no fee is charged (公用 …).
    pub fee_exempt: Option<String>,
    /// 公用 (5.7): a request of a public office; 「公用」 is printed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub official: bool,
    /// The 認証者 asked for (5.6); None: the one of the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certifier: Option<crate::certifier::CertifierRole>,
    /// The seal asked for, or none (公印省略); None: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<crate::certifier::SealChoice>,
    /// A registered fixed phrase to print (「公印省略」「この印は黒色です」…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<String>,
    /// The 除票 of the 異動元区 of a 区間異動 (4.0.2), by the ledger number of that
    /// 区間異動: the record as it stood in the old ward, closed by it (a 除票 certificate
    /// of one person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_removal: Option<i64>,
}

impl CertificateRequest {
    /// A request of one copy for `persons`, with nothing else said: no optional item, no
    /// requester, purpose or 本人確認 yet (the counter fills them in).
    pub fn new(kind: CertificateKind, layout: Layout, persons: Vec<PersonId>) -> Self {
        CertificateRequest {
            ward_removal: None,
            kind,
            layout,
            persons,
            whole_household: false,
            items: vec![],
            omit: vec![],
            requester: RequesterInfo::default(),
            purpose: String::new(),
            identity_check: String::new(),
            copies: 1,
            fee_exempt: None,
            official: false,
            certifier: None,
            seal: None,
            phrase: None,
        }
    }

    /// The fee charged, in yen.
    pub fn fee(&self) -> u32 {
        // A 転出証明書 is part of the 転出届: no fee.
        if self.kind.of_move_out()
            || self
                .fee_exempt
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty())
        {
            0
        } else {
            FEE_PER_COPY * self.copies
        }
    }
}

/// A person to print, with the name of the head of their household.
#[derive(Debug, Clone)]
pub struct Subject {
    pub person: Person,
    /// 世帯主の氏名 (for a 除票: of the household the person left).
    pub head_name: Option<String>,
    /// The current 法第7条 items of other businesses, as (business, line), printed when
    /// asked for ([`Item::BusinessItems`]).
    pub business: Vec<(String, String)>,
    /// The 備考 in force (統合記載欄 C類型), oldest first.
    pub remarks: Vec<String>,
    /// The 異動履歴 with its 留意事項 (統合記載欄 A and B類型) as printed, oldest first;
    /// read only when asked for ([`Item::History`]).
    pub history: Vec<String>,
    /// 特別養子縁組 (1.1.5): the 除票's 転出先住所 is printed blank.
    pub blank_destination: bool,
}

/// One printed line: a label and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
    /// Spans the whole row (addresses and other long values).
    pub wide: bool,
}

/// One person's part of the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub person_id: PersonId,
    pub fields: Vec<Field>,
}

/// Everything printed on a certificate but its serial, verification code and pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateContent {
    pub kind: CertificateKind,
    pub layout: Layout,
    pub title: String,
    /// 世帯連記式: the household's address and head, printed once above the members.
    pub header: Vec<Field>,
    pub entries: Vec<Entry>,
    /// 別紙 (5.1): each printed person's 通称の記載及び削除に関する事項, when asked for,
    /// on pages after the persons; the 認証文 is printed on the last of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annex: Vec<Entry>,
    /// The items printed (for the issuance register).
    pub items: Vec<Item>,
    /// The optional items left out, named on the certificate as 省略.
    pub omitted: Vec<Item>,
    /// 認証文.
    pub certification: String,
    pub issued_on: NaiveDate,
    /// The issue date in 和暦, as printed.
    pub issued_on_text: String,
    pub municipality: String,
    /// The 認証者's title and name as printed (神奈川県横浜市長　氏名).
    pub mayor: String,
    /// The seal printed (5.6).
    #[serde(default)]
    pub seal: SealPrint,
    /// The fixed phrase printed by the seal (「公印省略」…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<String>,
    /// 「公用」 printed (5.7).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub official: bool,
    /// A 再交付 (4.1.3.0.3): the 交付番号 of the first issue, whose content it prints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reissue_of: Option<i64>,
    /// 文字溢れ (5.8): the values too long for their box even at the smallest size,
    /// printed as far as they fit or left blank, as the municipality set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overflow: Vec<Overflow>,
}

/// A value that did not fit its box (5.8, 10.7: the 文字超過リスト).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overflow {
    /// The item (住所, 氏名 …).
    pub label: String,
    /// The whole value, as recorded.
    pub value: String,
    /// What was printed: as much as fits, or nothing.
    pub printed: String,
}

/// What a certificate prints of a value too long for its box (5.8, set per municipality).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverflowMode {
    /// As far as it fits (限界まで出力).
    #[default]
    Limit,
    /// Blank (空白で出力).
    Blank,
}

impl OverflowMode {
    pub fn label(self) -> &'static str {
        match self {
            OverflowMode::Limit => "限界まで出力",
            OverflowMode::Blank => "空白で出力",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "limit" | "限界まで出力" => Ok(OverflowMode::Limit),
            "blank" | "空白で出力" => Ok(OverflowMode::Blank),
            other => Err(DomainError::UnknownCode {
                kind: "文字溢れ時の出力",
                value: other.to_string(),
            }),
        }
    }
}

/// The seal a certificate carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "seal", content = "id", rename_all = "snake_case")]
pub enum SealPrint {
    /// The drawn placeholder of a municipality that has registered no seal.
    #[default]
    Drawn,
    /// A registered 電子公印, by id.
    Image(i64),
    /// None: the seal is omitted (a phrase such as 「公印省略」 says so).
    Omitted,
}

impl CertificateContent {
    /// Every string printed from the record (for the glyph check and the tests).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.header
            .iter()
            .chain(
                self.entries
                    .iter()
                    .chain(&self.annex)
                    .flat_map(|e| e.fields.iter()),
            )
            .flat_map(|f| [f.label.as_str(), f.value.as_str()])
            .chain([
                self.title.as_str(),
                self.certification.as_str(),
                self.issued_on_text.as_str(),
                self.municipality.as_str(),
                self.mayor.as_str(),
            ])
    }
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn refuse(item: Item, reason: &str) -> DomainError {
    DomainError::CertificateItem {
        item: item.label(),
        reason: reason.to_string(),
    }
}

/// Checks the request against the law and the records, and builds what is printed.
/// `subjects` are the persons of `req.persons`, in that order; `requester` is the
/// requester's own record when they named one.
pub fn build(
    req: &CertificateRequest,
    subjects: &[Subject],
    requester: Option<&Person>,
    municipality: &str,
    mayor: &str,
    today: NaiveDate,
) -> Result<CertificateContent, DomainError> {
    if subjects.is_empty() {
        return Err(DomainError::NoPersons);
    }
    if req.kind.register_only() {
        return Err(DomainError::UnknownCode {
            kind: "証明書の種類",
            value: req.kind.code().to_string(),
        });
    }
    if req.kind.of_move_out() {
        for (i, s) in subjects.iter().enumerate() {
            if subjects[..i].iter().any(|o| o.person.id == s.person.id) {
                return Err(DomainError::DuplicatePerson);
            }
        }
        let kind = req.requester.kind.ok_or(DomainError::Missing {
            field: "請求者の区分",
        })?;
        if !kind.may_see_numbers() {
            return Err(DomainError::CertificateRequester(
                "転出証明書は転出する本人又は同一世帯の方に交付します".into(),
            ));
        }
        if req.identity_check.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "本人確認書類",
            });
        }
        check_requester(req, kind, subjects, requester)?;
        return crate::transfer::build(req, subjects, municipality, mayor, today);
    }
    for (i, s) in subjects.iter().enumerate() {
        if subjects[..i].iter().any(|o| o.person.id == s.person.id) {
            return Err(DomainError::DuplicatePerson);
        }
        let removed = s.person.is_removed();
        if removed != req.kind.of_removed() {
            return Err(DomainError::CertificateRecord {
                name: s.person.name.full(),
                state: if removed { "除票" } else { "住民票" },
                kind: req.kind.title(),
            });
        }
    }
    if req.kind.of_removed() && req.layout == Layout::Household {
        return Err(DomainError::CertificateLayout(
            "除票の写し・除票記載事項証明書は個人票で交付します".into(),
        ));
    }
    if req.layout == Layout::Household {
        let h = subjects[0].person.household_id;
        if subjects.iter().any(|s| s.person.household_id != h) {
            return Err(DomainError::CertificateLayout(
                "世帯連記式には同じ世帯の人だけを記載できます".into(),
            ));
        }
    }
    if req.purpose.trim().is_empty() {
        return Err(DomainError::Missing {
            field: "使用目的"
        });
    }
    if req.identity_check.trim().is_empty() {
        return Err(DomainError::Missing {
            field: "本人確認書類",
        });
    }
    if req.copies == 0 || req.copies > MAX_COPIES {
        return Err(DomainError::Invalid {
            field: "通数",
            reason: format!("1から{MAX_COPIES}までで指定してください"),
        });
    }
    let kind = req.requester.kind.ok_or(DomainError::Missing {
        field: "請求者の区分",
    })?;
    check_requester(req, kind, subjects, requester)?;

    // The items printed.
    let mut items: Vec<Item> = if req.kind.items_only() {
        if req.items.iter().all(|i| *i == Item::Name) {
            return Err(DomainError::Missing {
                field: "証明する事項",
            });
        }
        let mut v = vec![Item::Name];
        v.extend(req.items.iter().copied().filter(|i| *i != Item::Name));
        v
    } else {
        let mut v: Vec<Item> = Item::ALL
            .into_iter()
            .filter(|i| !i.omitted_by_default())
            .collect();
        v.extend(req.items.iter().copied().filter(|i| i.omitted_by_default()));
        v
    };
    // 特別な事由 (1.1.4) are printed within the 異動履歴.
    if items.contains(&Item::SpecialHistory) {
        items.push(Item::History);
    }
    items.sort();
    items.dedup();
    // Items the requester asked to leave out (5.1): a 写し's only.
    for item in &req.omit {
        if req.kind.items_only() {
            return Err(refuse(
                *item,
                "記載事項証明書では証明する事項を選んでください(省略の指定はできません)",
            ));
        }
        if !item.omittable() {
            return Err(refuse(*item, "この事項は省略できません"));
        }
    }
    items.retain(|i| !req.omit.contains(i));
    if !req.kind.of_removed() {
        if req.kind.items_only() && items.contains(&Item::Removal) {
            return Err(refuse(Item::Removal, "住民票には消除の記載がありません"));
        }
        items.retain(|i| *i != Item::Removal);
    }
    for item in &items {
        match item {
            Item::IndividualNumber | Item::JuminhyoCode | Item::SpecialHistory
                if !kind.may_see_numbers() =>
            {
                return Err(refuse(
                    *item,
                    "本人又は同一世帯の方からの請求に限り記載できます",
                ));
            }
            _ => {}
        }
    }
    let omitted: Vec<Item> = if req.kind.items_only() {
        vec![]
    } else {
        // Name an item as left out only where somebody has it.
        Item::ALL
            .into_iter()
            .filter(|i| (i.omitted_by_default() || i.omittable()) && !items.contains(i))
            .filter(|i| i.concerns(subjects))
            .collect()
    };

    let mut header = vec![];
    if req.layout == Layout::Household {
        let p = &subjects[0].person;
        if items.contains(&Item::Address) {
            header.push(field("住所", p.address.line(), true));
        }
        if items.contains(&Item::Head) {
            header.push(field(
                "世帯主",
                subjects[0].head_name.clone().unwrap_or_default(),
                true,
            ));
        }
    }
    let mut entries = Vec::with_capacity(subjects.len());
    for s in subjects {
        entries.push(Entry {
            person_id: s.person.id,
            fields: fields_of(s, &items, req.layout)?,
        });
    }
    let mut annex = vec![];
    if items.contains(&Item::AliasHistory) {
        for s in subjects {
            let Some(f) = &s.person.foreign else { continue };
            let lines = alias_fields(f)?;
            if !lines.is_empty() {
                let mut fields = name_fields(&s.person);
                fields.extend(lines);
                annex.push(Entry {
                    person_id: s.person.id,
                    fields,
                });
            }
        }
    }
    let certification = certification(req.kind, req.whole_household).to_string();
    Ok(CertificateContent {
        kind: req.kind,
        layout: req.layout,
        title: req.kind.title().to_string(),
        header,
        entries,
        annex,
        items,
        omitted,
        certification,
        issued_on: today,
        issued_on_text: format_wareki(today)?,
        municipality: municipality.to_string(),
        mayor: mayor.to_string(),
        // The seal and phrase are the issuing layer's, from the registered ones.
        seal: SealPrint::Drawn,
        phrase: None,
        official: req.official,
        reissue_of: None,
        overflow: vec![],
    })
}

fn check_requester(
    req: &CertificateRequest,
    kind: RequesterKind,
    subjects: &[Subject],
    requester: Option<&Person>,
) -> Result<(), DomainError> {
    let r = &req.requester;
    let bad = |reason: &str| DomainError::CertificateRequester(reason.to_string());
    match kind {
        RequesterKind::Himself => {
            let me = requester.ok_or_else(|| bad("本人の住民記録を指定してください"))?;
            if subjects.len() != 1 || subjects[0].person.id != me.id {
                return Err(bad(
                    "本人請求で交付できるのは本人の証明書だけです(世帯員の分は同一世帯の請求として受け付けてください)",
                ));
            }
        }
        RequesterKind::SameHousehold => {
            let me = requester.ok_or_else(|| bad("請求者の住民記録を指定してください"))?;
            if subjects
                .iter()
                .any(|s| s.person.household_id != me.household_id)
            {
                return Err(bad("請求者と同じ世帯の人ではありません"));
            }
        }
        RequesterKind::ThirdParty => {
            if nonempty(&r.name).is_none() {
                return Err(DomainError::Missing {
                    field: "請求者の氏名",
                });
            }
            if nonempty(&r.reason).is_none() {
                return Err(DomainError::Missing {
                    field: "請求の事由",
                });
            }
        }
        RequesterKind::Professional => {
            if nonempty(&r.name).is_none() {
                return Err(DomainError::Missing {
                    field: "請求者の氏名",
                });
            }
            if nonempty(&r.qualification).is_none() {
                return Err(DomainError::Missing {
                    field: "資格・登録番号",
                });
            }
            if nonempty(&r.reason).is_none() {
                return Err(DomainError::Missing {
                    field: "業務の種類・依頼者",
                });
            }
        }
    }
    Ok(())
}

fn field(label: &str, value: String, wide: bool) -> Field {
    Field {
        label: label.to_string(),
        value,
        wide,
    }
}

fn fields_of(s: &Subject, items: &[Item], layout: Layout) -> Result<Vec<Field>, DomainError> {
    let p = &s.person;
    let mut out = vec![];
    for item in items {
        let label = item.label();
        match item {
            Item::Name => out.extend(name_fields(p)),
            Item::Furigana => out.push(field(label, p.furigana.full(), false)),
            Item::BirthDate => out.push(field(label, p.birth_date_shown()?, false)),
            Item::Sex => out.push(field(label, p.sex.label().to_string(), false)),
            Item::Head => {
                if layout == Layout::Individual {
                    out.push(field(label, s.head_name.clone().unwrap_or_default(), false));
                }
            }
            Item::Relationship => out.push(field(label, p.relationship.label(), false)),
            Item::Address => {
                if layout == Layout::Individual {
                    out.push(field(label, p.address.line(), true));
                }
            }
            Item::AddressSince => {
                let mut v = p.address_since_shown()?;
                if let Some(m) = &p.moved_in
                    && p.address_since == p.became_resident_on
                {
                    v.push_str(&format!("　{}届出", format_wareki(m.notified_on)?));
                }
                out.push(field(label, v, false));
            }
            Item::BecameResident => {
                // A foreign resident's record prints the 外国人住民となった年月日 (1.1.2;
                // after a 国籍喪失, the later of the loss and the 住民となった年月日).
                let label = if p.foreign.is_some() {
                    "外国人住民となった年月日"
                } else {
                    label
                };
                out.push(field(label, p.became_resident_shown()?, false));
            }
            Item::PreviousAddress => out.push(field(
                label,
                p.previous_address_in_city
                    .as_ref()
                    .map(|a| a.line())
                    .unwrap_or_default(),
                true,
            )),
            Item::MovedInFrom => out.push(field(
                label,
                p.moved_in
                    .as_ref()
                    .and_then(|m| {
                        // 未届転入 (4.1.1.4): the address is followed by （未届）.
                        let line = m.previous_address.as_ref()?.line();
                        Some(if m.unnotified {
                            format!("{line}（未届）")
                        } else {
                            line
                        })
                    })
                    .unwrap_or_default(),
                true,
            )),
            Item::Honseki => {
                if p.foreign.is_none() {
                    let v = p.honseki.as_ref().map(Honseki::line).unwrap_or_default();
                    out.push(field(label, v, true));
                }
            }
            Item::JuminhyoCode => out.push(field(
                label,
                p.juminhyo_code
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                false,
            )),
            Item::IndividualNumber => out.push(field(
                label,
                p.individual_number
                    .as_ref()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default(),
                false,
            )),
            Item::Nationality => {
                if let Some(f) = &p.foreign {
                    out.push(field(label, f.nationality.clone(), false));
                }
            }
            Item::Category => {
                if let Some(f) = &p.foreign {
                    out.push(field(label, f.category.label().into(), false));
                }
            }
            Item::ResidenceDetails => {
                if let Some(f) = &p.foreign {
                    out.push(field(label, residence_line(f), true));
                }
            }
            Item::CardNumber => {
                if let Some(card) = p.foreign.as_ref().and_then(|f| f.card_number.as_ref()) {
                    out.push(field(label, card.clone(), false));
                }
            }
            // Printed on the 別紙 ([`CertificateContent::annex`]).
            Item::AliasHistory => {}
            Item::Alias => {
                if let Some(a) = p.foreign.as_ref().and_then(|f| f.alias.as_ref()) {
                    out.push(field(label, a.name.full(), false));
                }
            }
            Item::Removal => {
                if let PersonStatus::Removed {
                    on,
                    reason,
                    on_text,
                    destination,
                    moved_out,
                    ..
                } = &p.status
                {
                    let mut v = format!(
                        "{}　{}",
                        crate::person::shown(*on, on_text)?,
                        reason.label()
                    );
                    if let Some(d) = destination.as_ref().filter(|_| !s.blank_destination) {
                        v.push_str(&format!("　転出先 {}", d.line()));
                    }
                    // The 予定 stays beside the 確定 (4.1.3.1.1); without a 転入通知 the
                    // destination is the planned one.
                    match moved_out {
                        _ if s.blank_destination => {}
                        Some(m) if m.notice.is_none() => v.push_str("(予定)"),
                        Some(m) if destination.as_ref() != Some(&m.planned_destination) => {
                            v.push_str(&format!("　転出先(予定) {}", m.planned_destination.line()))
                        }
                        _ => {}
                    }
                    out.push(field(label, v, true));
                }
            }
            Item::BusinessItems => {
                for (business, line) in &s.business {
                    out.push(field(business, line.clone(), true));
                }
            }
            Item::Remarks => {
                for r in &s.remarks {
                    out.push(field(label, r.clone(), true));
                }
            }
            Item::History => {
                for line in &s.history {
                    out.push(field(label, line.clone(), true));
                }
            }
            // Printed among the 異動履歴 (Subject::history holds them).
            Item::SpecialHistory => {}
        }
    }
    Ok(out)
}

/// The name as a certificate prints it: 氏名, with the 旧氏 (1.1.7) where recorded and a
/// foreign resident's 氏名（漢字） beside the alphabet name (1.1.2).
pub(crate) fn name_fields(p: &Person) -> Vec<Field> {
    let mut out = vec![field(Item::Name.label(), p.name.full(), false)];
    if let Some(f) = &p.former_surname {
        out.push(field("旧氏", f.surname.full(), false));
    }
    if let Some(k) = p.foreign.as_ref().and_then(|f| f.kanji_name.as_ref()) {
        out.push(field("氏名（漢字）", k.full(), false));
    }
    out
}

/// 通称の記載及び削除に関する事項 (住基法施行令30条の26): the 通称 in force with the day
/// and the municipality that recorded it, then each deleted one with both days and both
/// municipalities, as a 転出証明書 and a 写し's 別紙 print them.
pub(crate) fn alias_fields(f: &crate::ForeignDetails) -> Result<Vec<Field>, DomainError> {
    let by = |b: &Option<crate::person::LocalBody>| {
        b.as_ref()
            .map(|b| format!("　{}({})", b.name, b.code))
            .unwrap_or_default()
    };
    let mut out = vec![];
    if let Some(a) = &f.alias {
        out.push(field(
            "通称",
            format!(
                "{}　{}記載{}",
                a.name.full(),
                format_wareki(a.recorded_on)?,
                by(&a.recorded_by)
            ),
            true,
        ));
    }
    for past in &f.past_aliases {
        out.push(field(
            "通称の履歴",
            format!(
                "{}　{}記載{}　{}削除{}",
                past.alias.name.full(),
                format_wareki(past.alias.recorded_on)?,
                by(&past.alias.recorded_by),
                format_wareki(past.deleted_on)?,
                by(&past.deleted_by)
            ),
            true,
        ));
    }
    Ok(out)
}

/// 在留資格 with the 在留期間 (or 上陸期間, 仮滞在期間, as the category has it) and its
/// 満了日, in 西暦, never 和暦 (1.1.9), as a certificate prints them.
pub(crate) fn residence_line(f: &crate::ForeignDetails) -> String {
    let mut v = f.status.map(|s| s.label().to_string()).unwrap_or_default();
    let period_label = f.period_label();
    if let Some(period) = &f.period {
        v.push_str(&format!("　{period_label} {period}"));
    }
    if let Some(e) = f.expires_on {
        let end = if f.status.is_some() {
            "満了日".to_string()
        } else {
            format!("{period_label}の満了日")
        };
        v.push_str(&format!("　{end} {}", crate::wareki::format_seireki(e)));
    }
    v.trim_start_matches('　').to_string()
}

/// The certification text (認証文) of each kind.
pub fn certification(kind: CertificateKind, whole_household: bool) -> &'static str {
    match kind {
        CertificateKind::ResidentCopy if whole_household => {
            "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
        }
        CertificateKind::ResidentCopy => "この写しは、住民票の原本と相違ないことを証明する。",
        CertificateKind::ResidentItems => "上記の事項は、住民票に記載されていることを証明する。",
        CertificateKind::RemovedCopy => "この写しは、除票の原本と相違ないことを証明する。",
        CertificateKind::RemovedItems => "上記の事項は、除票に記載されていることを証明する。",
        CertificateKind::MoveOut | CertificateKind::MoveOutQuasi => {
            crate::transfer::certification(kind)
        }
        // Not certificates: they certify nothing.
        CertificateKind::CodeNotice
        | CertificateKind::CodeChangeNotice
        | CertificateKind::CodeCorrectionNotice
        | CertificateKind::InspectionCopy => "",
    }
}
