//! The ledger (異動履歴): every change to the registry is one immutable entry.
//!
//! An entry carries everything needed to apply it again (new identifiers included), so
//! that the projections can be rebuilt from the ledger alone. Its serialised form is
//! kikan's documented export format for changes (docs/formats.md).

use crate::DomainError;
use crate::codes::{IndividualNumber, JuminhyoCode, LocalGovCode};
use crate::lists::{
    ChangeReason, ForeignCategory, ForeignRemovalReason, NationalityChangeKind, Relationship,
    RemakeKind, ResidenceStatus, Sex, StandardReason,
};
use crate::names::{Furigana, PersonName};
use crate::person::{Address, ForeignDetails, Honseki, HouseholdId, LocalBody, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// 届出期間: a notification more than 14 days after the event is late (住基法22条ほか).
pub const NOTIFICATION_PERIOD_DAYS: i64 = 14;

/// A 除票 stays in the 住民記録 database this many years after its removal before the
/// yearly batch moves it to the 除票用データベース (9.3).
pub const ARCHIVE_AFTER_YEARS: u32 = 5;

/// The items of a person entering the registry (転入, 出生, 職権記載).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonData {
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
    pub relationship: Relationship,
    pub honseki: Option<Honseki>,
    pub foreign: Option<ForeignDetails>,
    /// 再転入者 (4.1.1.2, j600): `id` is the 宛名番号 of this person's 除票, which the
    /// record takes up again (its history continues).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub returning: bool,
    /// 転入届と出生届が同時に出された場合 (4.1.0.1): a child born since the household's
    /// 転出 (not on its 転出証明書), whose 出生届 comes with the 転入届. Recorded by the
    /// 転入 (異動事由 国内転入 or 国外転入等, not 出生); born after the 転入日 (and on or
    /// before the 届出日), resident from the day of birth; named in no 転入通知 (the
    /// municipality left never held them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_birth: bool,
    /// A 再転入者 back from abroad in the municipality they emigrated from, on the first
    /// 転入 since: the 旧氏 and 通称 their 除票 kept take effect again (1.1.7).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_former_names: bool,
    /// 外国人住民となった年月日 as the 転出証明書 gives it (1.1.2): a foreign resident
    /// moving in keeps the day they first became one, not the 転入日. None: the 異動日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_resident_since: Option<NaiveDate>,
    /// The 外国人住民となった年月日 as written when it is 不詳 (1.1.8): `foreign_resident_since`
    /// is then its sortable date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_resident_since_text: Option<String>,
    /// 旧氏 (1.1.7) and its フリガナ, as the 転出証明書 gives it (4.1.1.1): recorded with
    /// the 転入 (a Japanese resident only). A 再転入者 keeping their former names takes
    /// the 除票's instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<(PersonName, Option<Furigana>)>,
}

/// A member's relationship to the (new) head of household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRelationship {
    pub person: PersonId,
    pub relationship: Relationship,
}

/// Who heads a household after its head leaves (death, move-out, removal), and how
/// the members who stay relate to the new head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub relationships: Vec<MemberRelationship>,
}

/// Where the persons of a 転入 go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum MoveInHousehold {
    /// A new household; the person with 続柄 世帯主 heads it.
    New { id: HouseholdId },
    /// An existing household at the same address.
    Existing { id: HouseholdId },
}

/// How a 転入 came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveInKind {
    /// 転入: from another municipality in Japan.
    Domestic,
    /// 国外からの転入.
    FromAbroad,
    /// 職権記載: recorded by the mayor's authority.
    ExOfficio,
    /// 法第30条の46転入 (4.5.1, j910): a 中長期在留者, 特別永住者, 一時庇護許可者 or 仮滞在
    /// 許可者 entering Japan settles here; as a 国外からの転入, the 転入前住所 may be blank.
    Article46,
    /// 法第30条の47届出 (4.5.2, j920): a person living here becomes one of those four
    /// (a change of status from 短期滞在, say); recorded like a 国外からの転入.
    Article47,
}

impl MoveInKind {
    /// 法第30条の46・47: the foreign residents these are for (法第30条の45 の区分).
    pub fn foreign_only(self) -> bool {
        matches!(self, MoveInKind::Article46 | MoveInKind::Article47)
    }
}

/// Where the movers of a 転居 end up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum RelocationTarget {
    /// The whole household moves.
    WholeHousehold,
    /// Some members move and form a new household.
    NewHousehold {
        id: HouseholdId,
        relationships: Vec<MemberRelationship>,
    },
    /// Some members move into an existing household at the new address.
    JoinHousehold {
        id: HouseholdId,
        relationships: Vec<MemberRelationship>,
    },
}

/// 特別永住者証明書 (入管特例法; 4.5.7, j970): what a 特別永住者 files at the counter, passed
/// on to 出入国在留管理庁 as a 市町村伝達, and the new certificate handed over, notified
/// as a 市町村通知 (its number written on the 住民票).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpecialPermanentKind {
    /// 記載事項変更届出 (特例法11条): 氏名, 国籍・地域 … changed.
    #[serde(rename = "記載事項変更届出")]
    Particulars,
    /// 有効期間更新申請 (特例法12条).
    #[serde(rename = "有効期間更新申請")]
    Renewal,
    /// 紛失等による再交付申請 (特例法13条).
    #[serde(rename = "紛失等による再交付申請")]
    LossReissue,
    /// 汚損等による再交付申請 (特例法14条).
    #[serde(rename = "汚損等による再交付申請")]
    DamageReissue,
    /// 特別永住者証明書の交付: the new certificate handed over, with its number.
    #[serde(rename = "交付")]
    Delivery,
}

impl SpecialPermanentKind {
    pub const ALL: [SpecialPermanentKind; 5] = [
        SpecialPermanentKind::Particulars,
        SpecialPermanentKind::Renewal,
        SpecialPermanentKind::LossReissue,
        SpecialPermanentKind::DamageReissue,
        SpecialPermanentKind::Delivery,
    ];
    pub fn label(self) -> &'static str {
        match self {
            SpecialPermanentKind::Particulars => "記載事項変更届出",
            SpecialPermanentKind::Renewal => "有効期間更新申請",
            SpecialPermanentKind::LossReissue => "紛失等による再交付申請",
            SpecialPermanentKind::DamageReissue => "汚損等による再交付申請",
            SpecialPermanentKind::Delivery => "特別永住者証明書の交付",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.label() == t || (t == "交付" && *k == SpecialPermanentKind::Delivery))
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "特別永住者証明書の申請等",
                value: t.to_string(),
            })
    }
}

/// 区間異動 (1.1.13, 4.0.2, 4.1.0.1): in a 指定都市, a 転居 from one 行政区 to another.
/// Each ward keeps its own register (法第38条), so the movers leave the old ward's as a
/// 除票 (区間転出) and enter the new ward's (区間転入) in a household with a new 世帯番号,
/// keeping their 宛名番号. Decided at intake from the wards the municipality registered
/// (its 区役所, 1.3.1) and kept on the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardMove {
    /// 異動元区 and 異動先区, by name (中区, 西区 …).
    pub from: String,
    pub to: String,
}

/// An item corrected by 職権修正, with the value it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "item")]
pub enum Correction {
    Name {
        old: PersonName,
        new: PersonName,
    },
    Furigana {
        old: Furigana,
        new: Furigana,
    },
    BirthDate {
        old: NaiveDate,
        new: NaiveDate,
        /// The dates as recorded when 不詳 (1.1.8).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_text: Option<String>,
    },
    Sex {
        old: Sex,
        new: Sex,
    },
    Honseki {
        old: Option<Honseki>,
        new: Option<Honseki>,
    },
    Relationship {
        old: Relationship,
        new: Relationship,
    },
    JuminhyoCode {
        old: Option<JuminhyoCode>,
        new: Option<JuminhyoCode>,
    },
    IndividualNumber {
        old: Option<IndividualNumber>,
        new: Option<IndividualNumber>,
    },
    Nationality {
        old: String,
        new: String,
    },
    /// 住所 (方書 and 郵便番号 with it). A household shares its address: the household and
    /// every current member are corrected together.
    Address {
        old: Address,
        new: Address,
    },
    /// 転入前住所.
    /// 転出先住所 of a 除票: as the 転入通知 confirmed it (or as planned while none came),
    /// corrected on a 転入通知 sent again or where what was received needs it (4.1.3.1.2).
    /// The 転出届's 転出先住所（予定） is never changed.
    Destination {
        old: Option<Address>,
        new: Option<Address>,
    },
    PreviousAddress {
        old: Option<Address>,
        new: Option<Address>,
    },
    /// 住民となった年月日.
    BecameResidentOn {
        old: NaiveDate,
        new: NaiveDate,
        /// The dates as recorded when 不詳 (1.1.8).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_text: Option<String>,
    },
    /// 住所を定めた年月日.
    AddressSince {
        old: NaiveDate,
        new: NaiveDate,
        /// The dates as recorded when 不詳 (1.1.8).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_text: Option<String>,
    },
    /// 届出の年月日 of the 転入.
    NotifiedOn {
        old: NaiveDate,
        new: NaiveDate,
    },
    /// 法第30条の45に規定する区分 and its items (在留資格, 在留期間, 満了日, カード番号).
    Residence {
        old: Residence,
        new: Residence,
    },
}

/// A foreign resident's 30条45 items and the other items of 1.1.2 (氏名（漢字）,
/// 旧外登法による登録年月日, 住居地の届出の有無, 上陸許可証による転入の旨), corrected
/// together so that they stay consistent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Residence {
    pub category: ForeignCategory,
    pub status: Option<ResidenceStatus>,
    pub period: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub card_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kanji_name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kanji_furigana: Option<Furigana>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_law_registered_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_law_registered_text: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub residence_notified: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub landing_permit: bool,
}

impl Residence {
    pub fn of(f: &ForeignDetails) -> Self {
        Residence {
            category: f.category,
            status: f.status,
            period: f.period.clone(),
            expires_on: f.expires_on,
            card_number: f.card_number.clone(),
            kanji_name: f.kanji_name.clone(),
            kanji_furigana: f.kanji_furigana.clone(),
            old_law_registered_on: f.old_law_registered_on,
            old_law_registered_text: f.old_law_registered_text.clone(),
            residence_notified: f.residence_notified,
            landing_permit: f.landing_permit,
        }
    }

    /// `f` with these items in place of its own (the 国籍・地域 and 通称 stay).
    pub fn applied_to(&self, f: &ForeignDetails) -> ForeignDetails {
        ForeignDetails {
            category: self.category,
            status: self.status,
            period: self.period.clone(),
            expires_on: self.expires_on,
            card_number: self.card_number.clone(),
            kanji_name: self.kanji_name.clone(),
            kanji_furigana: self.kanji_furigana.clone(),
            old_law_registered_on: self.old_law_registered_on,
            old_law_registered_text: self.old_law_registered_text.clone(),
            residence_notified: self.residence_notified,
            landing_permit: self.landing_permit,
            ..f.clone()
        }
    }
}

/// Which 修正 a correction is (1.2.2; 4.2.3.1–4.2.3.3): 職権修正, 軽微な修正 (規則11条3項2号:
/// names and addresses only) or 誤記修正 (a mistake in the record).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CorrectionKind {
    #[default]
    #[serde(rename = "職権修正")]
    ExOfficio,
    #[serde(rename = "軽微な修正")]
    Minor,
    #[serde(rename = "誤記修正")]
    Clerical,
}

impl CorrectionKind {
    pub fn is_default(&self) -> bool {
        *self == CorrectionKind::ExOfficio
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "職権修正" => Ok(CorrectionKind::ExOfficio),
            "軽微な修正" => Ok(CorrectionKind::Minor),
            "誤記修正" => Ok(CorrectionKind::Clerical),
            other => Err(DomainError::UnknownCode {
                kind: "修正の種類",
                value: other.into(),
            }),
        }
    }
}

impl Correction {
    /// The Japanese name of the corrected item.
    pub fn item_label(&self) -> &'static str {
        match self {
            Correction::Name { .. } => "氏名",
            Correction::Furigana { .. } => "振り仮名",
            Correction::BirthDate { .. } => "生年月日",
            Correction::Sex { .. } => "性別",
            Correction::Honseki { .. } => "本籍・筆頭者",
            Correction::Relationship { .. } => "続柄",
            Correction::JuminhyoCode { .. } => "住民票コード",
            Correction::IndividualNumber { .. } => "個人番号",
            Correction::Nationality { .. } => "国籍・地域",
            Correction::Address { .. } => "住所",
            Correction::PreviousAddress { .. } => "転入前住所",
            Correction::Destination { .. } => "転出先住所",
            Correction::BecameResidentOn { .. } => "住民となった年月日",
            Correction::AddressSince { .. } => "住所を定めた年月日",
            Correction::NotifiedOn { .. } => "届出の年月日",
            Correction::Residence { .. } => "法第30条の45に規定する区分",
        }
    }
}

/// One 異動 with its fully resolved content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Change {
    /// 転入 / 国外からの転入 / 職権記載.
    MoveIn {
        kind: MoveInKind,
        household: MoveInHousehold,
        persons: Vec<PersonData>,
        address: Address,
        /// 転入前住所 (the address before moving in).
        previous_address: Option<Address>,
        /// 未届転入 (4.1.1.4): `previous_address` is the latest address never notified.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unnotified: bool,
        /// 最終登録住所地 (4.1.1.4, 4.2.1.1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_registered: Option<Address>,
        /// 転入前の世帯主の氏名 (4.0.10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_head: Option<String>,
    },
    /// 転居: moving within the municipality.
    Relocation {
        persons: Vec<PersonId>,
        address: Address,
        target: RelocationTarget,
        /// 区間異動: the wards, when the 転居 crosses from one to another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ward_move: Option<WardMove>,
    },
    /// 転出 (国外転出 when `abroad`): planned, or immediate for a move abroad that has
    /// already happened.
    MoveOut {
        persons: Vec<PersonId>,
        destination: Address,
        planned_on: NaiveDate,
        abroad: bool,
        succession: Option<Succession>,
        /// 転出先の世帯主の氏名 (4.0.10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination_head: Option<String>,
    },
    /// 転出確定: the new municipality's 転入通知 arrived (or a move abroad fell due).
    /// Its 異動日 is the removal's: the earlier of the 転入日 and the 転出予定日 (1.1.5),
    /// or the day the notice came for a 除票 removed on its planned date, which the
    /// notice completes.
    MoveOutConfirmed {
        persons: Vec<PersonId>,
        destination: Address,
        notice_from: Option<LocalGovCode>,
        succession: Option<Succession>,
        /// 転出年月日（確定）: the 転入日 the notice gives (the 異動日 when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        moved_on: Option<NaiveDate>,
    },
    /// 転出 taking effect on its planned date (1.1.5, j50): the persons of a 転出届
    /// whose 転出予定日 came before any 転入通知 leave the register on that date; the
    /// 転入通知, when it comes, completes their 除票. Recorded by the daily work.
    MoveOutDue { persons: Vec<PersonId> },
    /// 世帯分離: members leave to form a new household at the same address.
    HouseholdSplit {
        persons: Vec<PersonId>,
        new_household: HouseholdId,
        relationships: Vec<MemberRelationship>,
    },
    /// 世帯合併: a household joins another at the same address.
    HouseholdMerge {
        absorbed: HouseholdId,
        into: HouseholdId,
        relationships: Vec<MemberRelationship>,
    },
    /// 世帯主変更: a new head; every member's 続柄 is re-expressed.
    HeadChange {
        household: HouseholdId,
        relationships: Vec<MemberRelationship>,
    },
    /// 世帯構成変更: members move to another existing household at the same address.
    CompositionChange {
        persons: Vec<PersonId>,
        into: HouseholdId,
        relationships: Vec<MemberRelationship>,
    },
    /// 出生.
    Birth {
        person: Box<PersonData>,
        household: HouseholdId,
    },
    /// 死亡.
    Death {
        person: PersonId,
        succession: Option<Succession>,
    },
    /// 職権消除.
    ExOfficioRemoval {
        person: PersonId,
        succession: Option<Succession>,
    },
    /// 職権修正, 軽微な修正 or 誤記修正: the old value stays in the ledger.
    Correction {
        person: PersonId,
        correction: Correction,
        #[serde(default, skip_serializing_if = "CorrectionKind::is_default")]
        kind: CorrectionKind,
    },
    /// 在留資格・在留期間等の変更 (法30条の50 notice).
    ResidenceStatusChange {
        person: PersonId,
        status: Option<ResidenceStatus>,
        period: Option<String>,
        expires_on: Option<NaiveDate>,
        card_number: Option<String>,
    },
    /// Removal on a 法30条の50 notice (出国, 在留期間満了 …).
    ForeignRemoval {
        person: PersonId,
        reason: ForeignRemovalReason,
        succession: Option<Succession>,
    },
    /// 通称記載.
    AliasRecord {
        person: PersonId,
        alias: PersonName,
        furigana: Option<Furigana>,
        /// 通称を記載した市区町村: this municipality (set by the application layer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        municipality: Option<LocalBody>,
    },
    /// 通称削除.
    AliasDeletion {
        person: PersonId,
        /// 通称を削除した市区町村: this municipality (set by the application layer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        municipality: Option<LocalBody>,
    },
    /// 旧氏の記載 (1.1.7, j70), on a 請求 (the entry's `notified_on` is the 請求日).
    FormerSurnameRecord {
        person: PersonId,
        surname: PersonName,
        furigana: Option<Furigana>,
    },
    /// 旧氏の変更: another 旧氏 in place of the one recorded.
    FormerSurnameChange {
        person: PersonId,
        surname: PersonName,
        furigana: Option<Furigana>,
    },
    /// 旧氏の削除.
    FormerSurnameDeletion { person: PersonId },
    /// 帰化, 国籍取得 (a foreign resident's record becomes a Japanese one) or 国籍喪失 (a
    /// Japanese resident's becomes a foreign one) (4.5.3–4.5.5, j930–j950). The person
    /// stays the same: 宛名番号, 住所, 生年月日, 性別, 続柄, 住所を定めた年月日, 住民票コード,
    /// 個人番号, 転入前住所 and the history are carried; the 外国人住民となった年月日 becomes
    /// the 住民となった年月日 (帰化等), or the later of the 国籍喪失 date and the
    /// 住民となった年月日 becomes the 外国人住民となった年月日 (国籍喪失). The entry stands
    /// for the standard's two reasons: 職権消除 of the old record and 職権記載 of the new.
    NationalityChange {
        person: PersonId,
        kind: NationalityChangeKind,
        /// The name on the new record (a 帰化 usually brings a Japanese one).
        name: PersonName,
        furigana: Furigana,
        /// 本籍・筆頭者 of the Japanese record (帰化, 国籍取得).
        honseki: Option<Honseki>,
        /// The 30条の45 items of the foreign record (国籍喪失).
        foreign: Option<ForeignDetails>,
    },
    /// 改製 or 再製 (1.1.4, j40; 1.2.2, j210) of the 住民票 of `persons`, by 職権, on
    /// the entry's date: no item changes; the record keeps the date (改製年月日,
    /// 再製年月日). The entry stands for the standard's two reasons: 改製（消除）of the
    /// old 住民票 and 改製（記載）of the new (likewise 再製). There is no 満欄 and so
    /// never an automatic 改製.
    Remake {
        persons: Vec<PersonId>,
        kind: RemakeKind,
    },
    /// 除票用データベースへの移行 (9.3, j1300; 1.1.5, j50): the 除票 of `persons`, each
    /// removed at least [`ARCHIVE_AFTER_YEARS`] years before the entry's date, leave the
    /// 住民記録 database for the 除票用データベース. No item changes; the records are
    /// marked with the day (`archived_on`) and the store keeps them apart from then on.
    Archive { persons: Vec<PersonId> },
    /// A 除票 brought back from the 除票用データベース to the 住民記録 database (4.6.0.1),
    /// so that an entry of it can be cancelled or its items corrected.
    ArchiveReturn { persons: Vec<PersonId> },
    /// 特別永住者証明書の申請等 (4.5.7): an application or 届出 of a 特別永住者 taken at the
    /// counter (no item of the 住民票 changes), or the new certificate handed over (its
    /// number, `card_number`, becomes the 住民票's 特別永住者証明書番号). Not a 異動 of
    /// the 住民票: kept in the ledger for the 市町村伝達・市町村通知 it gives, in order.
    SpecialPermanentCertificate {
        person: PersonId,
        kind: SpecialPermanentKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        card_number: Option<String>,
    },
    /// 異動の取消し (4.6, j980): the records an entry wrote are put back as they were
    /// before it, as a new entry; those it brought in leave the register. Refused when a
    /// later entry changed one of them.
    Cancellation {
        /// The ledger number of the entry cancelled.
        cancelled: i64,
        kind: CancellationKind,
        persons: Vec<RestorePerson>,
        households: Vec<RestoreHousehold>,
    },
}

/// 異動の取消し（増）(a removal undone), （減）(an arrival undone) or （修正）.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancellationKind {
    #[serde(rename = "増")]
    Increase,
    #[serde(rename = "減")]
    Decrease,
    #[serde(rename = "修正")]
    Correction,
}

/// A person an entry wrote: its version right after the entry (any other now means a
/// later change) and its record before (None: the entry brought it in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestorePerson {
    pub id: PersonId,
    pub after_version: u64,
    pub before: Option<Box<crate::person::Person>>,
}

/// A household an entry wrote, as [`RestorePerson`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreHousehold {
    pub id: HouseholdId,
    pub after_version: u64,
    pub before: Option<crate::person::Household>,
}

impl Change {
    /// Every 個人番号 field the change carries. The match names each kind of change, so
    /// a new kind that carries a number cannot be added without being listed here; the
    /// views that must not show a number, and the tests of sealing at rest, go by it.
    pub fn individual_numbers_mut(&mut self) -> Vec<&mut Option<IndividualNumber>> {
        match self {
            Change::MoveIn { persons, .. } => persons
                .iter_mut()
                .map(|p| &mut p.individual_number)
                .collect(),
            Change::Birth { person, .. } => vec![&mut person.individual_number],
            Change::Cancellation { persons, .. } => persons
                .iter_mut()
                .filter_map(|p| p.before.as_mut())
                .map(|p| &mut p.individual_number)
                .collect(),
            Change::Correction { correction, .. } => match correction {
                Correction::IndividualNumber { old, new } => vec![old, new],
                Correction::Name { .. }
                | Correction::Furigana { .. }
                | Correction::BirthDate { .. }
                | Correction::Sex { .. }
                | Correction::Honseki { .. }
                | Correction::Relationship { .. }
                | Correction::JuminhyoCode { .. }
                | Correction::Nationality { .. }
                | Correction::Address { .. }
                | Correction::PreviousAddress { .. }
                | Correction::Destination { .. }
                | Correction::BecameResidentOn { .. }
                | Correction::AddressSince { .. }
                | Correction::NotifiedOn { .. }
                | Correction::Residence { .. } => vec![],
            },
            Change::Relocation { .. }
            | Change::MoveOut { .. }
            | Change::MoveOutConfirmed { .. }
            | Change::MoveOutDue { .. }
            | Change::HouseholdSplit { .. }
            | Change::HouseholdMerge { .. }
            | Change::HeadChange { .. }
            | Change::CompositionChange { .. }
            | Change::Death { .. }
            | Change::ExOfficioRemoval { .. }
            | Change::ResidenceStatusChange { .. }
            | Change::ForeignRemoval { .. }
            | Change::AliasRecord { .. }
            | Change::AliasDeletion { .. }
            | Change::FormerSurnameRecord { .. }
            | Change::FormerSurnameChange { .. }
            | Change::FormerSurnameDeletion { .. }
            | Change::NationalityChange { .. }
            | Change::Remake { .. }
            | Change::Archive { .. }
            | Change::ArchiveReturn { .. }
            | Change::SpecialPermanentCertificate { .. } => vec![],
        }
    }

    /// The identifiers this change gives to new persons (転入, 出生) and households
    /// (転入 to a new household, 転居 or 世帯分離 into one), to be numbered before it is
    /// recorded (1.1.13).
    /// The persons this change brings into the registry (転入, 出生, 職権記載), to be
    /// given their numbers; a 再転入者 is among them (their 除票 may lack a code).
    pub fn new_persons_mut(&mut self) -> Vec<&mut PersonData> {
        match self {
            Change::MoveIn { persons, .. } => persons.iter_mut().collect(),
            Change::Birth { person, .. } => vec![&mut **person],
            _ => vec![],
        }
    }

    pub fn new_ids_mut(&mut self) -> (Vec<&mut PersonId>, Vec<&mut HouseholdId>) {
        match self {
            Change::MoveIn {
                persons, household, ..
            } => (
                // A 再転入者 keeps the 宛名番号 of their 除票.
                persons
                    .iter_mut()
                    .filter(|p| !p.returning)
                    .map(|p| &mut p.id)
                    .collect(),
                match household {
                    MoveInHousehold::New { id } => vec![id],
                    MoveInHousehold::Existing { .. } => vec![],
                },
            ),
            Change::Birth { person, .. } => (vec![&mut person.id], vec![]),
            Change::Relocation {
                target: RelocationTarget::NewHousehold { id, .. },
                ..
            } => (vec![], vec![id]),
            Change::HouseholdSplit { new_household, .. } => (vec![], vec![new_household]),
            Change::Relocation { .. }
            | Change::MoveOut { .. }
            | Change::MoveOutConfirmed { .. }
            | Change::MoveOutDue { .. }
            | Change::HouseholdMerge { .. }
            | Change::HeadChange { .. }
            | Change::CompositionChange { .. }
            | Change::Death { .. }
            | Change::ExOfficioRemoval { .. }
            | Change::Correction { .. }
            | Change::ResidenceStatusChange { .. }
            | Change::ForeignRemoval { .. }
            | Change::AliasRecord { .. }
            | Change::AliasDeletion { .. }
            | Change::FormerSurnameRecord { .. }
            | Change::FormerSurnameChange { .. }
            | Change::FormerSurnameDeletion { .. }
            | Change::NationalityChange { .. }
            | Change::Remake { .. }
            | Change::Archive { .. }
            | Change::ArchiveReturn { .. }
            | Change::SpecialPermanentCertificate { .. }
            | Change::Cancellation { .. } => (vec![], vec![]),
        }
    }

    /// Whether the change writes a 個人番号 (a 転入's or 出生's, a correction of one).
    pub fn carries_individual_number(&self) -> bool {
        self.clone()
            .individual_numbers_mut()
            .into_iter()
            .any(|n| n.is_some())
    }

    /// The change as a reader who may not see 個人番号 gets it: every number removed.
    pub fn without_individual_numbers(&self) -> Change {
        let mut c = self.clone();
        for n in c.individual_numbers_mut() {
            *n = None;
        }
        c
    }
    /// The 異動事由 of this change.
    pub fn reason(&self) -> ChangeReason {
        match self {
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                ..
            } => ChangeReason::MoveIn,
            Change::MoveIn {
                kind: MoveInKind::FromAbroad,
                ..
            } => ChangeReason::MoveInFromAbroad,
            Change::MoveIn {
                kind: MoveInKind::ExOfficio,
                ..
            } => ChangeReason::ExOfficioRecord,
            Change::MoveIn {
                kind: MoveInKind::Article46,
                ..
            } => ChangeReason::Article46,
            Change::MoveIn {
                kind: MoveInKind::Article47,
                ..
            } => ChangeReason::Article47,
            Change::Relocation {
                ward_move: Some(_), ..
            } => ChangeReason::WardMove,
            Change::Relocation { .. } => ChangeReason::Relocation,
            Change::MoveOut { abroad: true, .. } => ChangeReason::Emigration,
            Change::MoveOut { .. } => ChangeReason::MoveOut,
            Change::MoveOutConfirmed { .. } => ChangeReason::MoveOutConfirmed,
            Change::MoveOutDue { .. } => ChangeReason::MoveOutDue,
            Change::HouseholdSplit { .. } => ChangeReason::HouseholdSplit,
            Change::HouseholdMerge { .. } => ChangeReason::HouseholdMerge,
            Change::HeadChange { .. } => ChangeReason::HeadChange,
            Change::CompositionChange { .. } => ChangeReason::CompositionChange,
            Change::Birth { .. } => ChangeReason::Birth,
            Change::Death { .. } => ChangeReason::Death,
            Change::ExOfficioRemoval { .. } => ChangeReason::ExOfficioRemoval,
            Change::Correction { kind, .. } => match kind {
                CorrectionKind::ExOfficio => ChangeReason::ExOfficioCorrection,
                CorrectionKind::Minor => ChangeReason::MinorCorrection,
                CorrectionKind::Clerical => ChangeReason::ClericalCorrection,
            },
            Change::ResidenceStatusChange { .. } => ChangeReason::ResidenceStatusChange,
            Change::ForeignRemoval { .. } => ChangeReason::ForeignRemoval,
            Change::AliasRecord { .. } => ChangeReason::AliasRecord,
            Change::AliasDeletion { .. } => ChangeReason::AliasDeletion,
            Change::FormerSurnameRecord { .. } => ChangeReason::FormerSurnameRecord,
            Change::FormerSurnameChange { .. } => ChangeReason::FormerSurnameChange,
            Change::FormerSurnameDeletion { .. } => ChangeReason::FormerSurnameDeletion,
            Change::Remake { kind, .. } => match kind {
                RemakeKind::Remake => ChangeReason::Remake,
                RemakeKind::Reissue => ChangeReason::Reissue,
            },
            Change::Archive { .. } => ChangeReason::Archive,
            Change::ArchiveReturn { .. } => ChangeReason::ArchiveReturn,
            Change::SpecialPermanentCertificate { .. } => ChangeReason::SpecialPermanentCertificate,
            Change::NationalityChange { kind, .. } => match kind {
                NationalityChangeKind::Naturalisation => ChangeReason::Naturalisation,
                NationalityChangeKind::Acquisition => ChangeReason::NationalityAcquisition,
                NationalityChangeKind::Loss => ChangeReason::NationalityLoss,
            },
            Change::Cancellation { kind, .. } => match kind {
                CancellationKind::Increase => ChangeReason::CancellationIncrease,
                CancellationKind::Decrease => ChangeReason::CancellationDecrease,
                CancellationKind::Correction => ChangeReason::CancellationCorrection,
            },
        }
    }

    /// Is this a notification by the resident (届出), to which the 14-day period applies?
    pub fn is_notification(&self) -> bool {
        matches!(
            self,
            Change::MoveIn {
                kind: MoveInKind::Domestic
                    | MoveInKind::FromAbroad
                    | MoveInKind::Article46
                    | MoveInKind::Article47,
                ..
            } | Change::Relocation { .. }
                | Change::MoveOut { .. }
                | Change::HouseholdSplit { .. }
                | Change::HouseholdMerge { .. }
                | Change::HeadChange { .. }
                | Change::CompositionChange { .. }
        )
    }

    /// Every person the change names: the existing ones it references and the new ones
    /// it brings in (転入, 出生). HeadChange and merges name households only.
    pub fn persons_named(&self) -> Vec<PersonId> {
        let mut out = self.references().0;
        match self {
            Change::MoveIn { persons, .. } => out.extend(persons.iter().map(|p| p.id)),
            Change::Birth { person, .. } => out.push(person.id),
            _ => {}
        }
        out
    }

    /// The existing persons and households this change reads or writes; the store loads
    /// them (with every member of each household) before applying the change.
    pub fn references(&self) -> (Vec<PersonId>, Vec<HouseholdId>) {
        let succ = |s: &Option<Succession>| -> Vec<PersonId> {
            s.iter()
                .flat_map(|s| s.relationships.iter().map(|r| r.person))
                .collect()
        };
        match self {
            Change::MoveIn {
                household, persons, ..
            } => (
                // A 再転入者's 除票 is taken up again.
                persons
                    .iter()
                    .filter(|p| p.returning)
                    .map(|p| p.id)
                    .collect(),
                match household {
                    MoveInHousehold::Existing { id } => vec![*id],
                    MoveInHousehold::New { .. } => vec![],
                },
            ),
            Change::Relocation {
                persons, target, ..
            } => {
                let hs = match target {
                    RelocationTarget::JoinHousehold { id, .. } => vec![*id],
                    _ => vec![],
                };
                (persons.clone(), hs)
            }
            Change::MoveOut {
                persons,
                succession,
                ..
            }
            | Change::MoveOutConfirmed {
                persons,
                succession,
                ..
            } => (
                persons.iter().copied().chain(succ(succession)).collect(),
                vec![],
            ),
            Change::HouseholdSplit { persons, .. } => (persons.clone(), vec![]),
            Change::MoveOutDue { persons }
            | Change::Remake { persons, .. }
            | Change::Archive { persons }
            | Change::ArchiveReturn { persons } => (persons.clone(), vec![]),
            Change::SpecialPermanentCertificate { person, .. } => (vec![*person], vec![]),
            Change::HouseholdMerge { absorbed, into, .. } => (vec![], vec![*absorbed, *into]),
            Change::HeadChange { household, .. } => (vec![], vec![*household]),
            Change::CompositionChange { persons, into, .. } => (persons.clone(), vec![*into]),
            Change::Birth { household, .. } => (vec![], vec![*household]),
            Change::Death { person, succession }
            | Change::ExOfficioRemoval { person, succession }
            | Change::ForeignRemoval {
                person, succession, ..
            } => (
                std::iter::once(*person).chain(succ(succession)).collect(),
                vec![],
            ),
            Change::Correction { person, .. }
            | Change::ResidenceStatusChange { person, .. }
            | Change::AliasRecord { person, .. }
            | Change::AliasDeletion { person, .. }
            | Change::FormerSurnameRecord { person, .. }
            | Change::FormerSurnameChange { person, .. }
            | Change::FormerSurnameDeletion { person }
            | Change::NationalityChange { person, .. } => (vec![*person], vec![]),
            Change::Cancellation {
                persons,
                households,
                ..
            } => (
                persons.iter().map(|p| p.id).collect(),
                households.iter().map(|h| h.id).collect(),
            ),
        }
    }
}

/// 届出人: who made the notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifier {
    pub name: String,
    /// 本人, 世帯主, 世帯員, 代理人, or the office that sent a notice.
    pub capacity: String,
}

/// On what a change is recorded: a resident's 届出 (4.1), the mayor's authority (職権,
/// 4.2.0.2: any 届出's change may be made so when the 届出 is missing), or 職権 on a
/// resident's 申出 (4.2.0.5). The entry's `notified_on` is the 届出日, the 戸籍届出・通知日
/// or the 申出日 accordingly (the sections allow one item for the three).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    #[default]
    #[serde(rename = "届出")]
    Notification,
    #[serde(rename = "職権")]
    ExOfficio,
    #[serde(rename = "申出")]
    Request,
}

impl Basis {
    pub fn is_notification(&self) -> bool {
        *self == Basis::Notification
    }
    pub fn label(self) -> &'static str {
        match self {
            Basis::Notification => "届出",
            Basis::ExOfficio => "職権",
            Basis::Request => "申出による職権",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "届出" => Ok(Basis::Notification),
            "職権" => Ok(Basis::ExOfficio),
            "申出" | "申出による職権" => Ok(Basis::Request),
            other => Err(DomainError::UnknownCode {
                kind: "記載の根拠",
                value: other.into(),
            }),
        }
    }
}

/// One ledger entry: the change and its three times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The order of recording within the tenant; assigned by the store (0 before).
    pub seq: i64,
    /// 異動日: when the change took effect.
    pub effective_on: NaiveDate,
    /// 届出日 (or the date the notice arrived).
    pub notified_on: NaiveDate,
    /// 処理日時: when the system recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The staff member who recorded it.
    pub operator: String,
    pub notifier: Option<Notifier>,
    /// Notified after the legal period (accepted, and flagged).
    pub late: bool,
    pub change: Change,
    /// 入力場所・入力端末 (1.3.1): where it was entered, as `terminal@place`, when the
    /// request named a registered terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
    /// 届出, 職権 or 申出 (absent: 届出, or 職権 for a change that is never notified).
    #[serde(default, skip_serializing_if = "Basis::is_notification")]
    pub basis: Basis,
    /// 異動日 as recorded when it is 不詳 or not a calendar day (1.1.8): only for a
    /// 出生, 死亡 or 失踪 (職権消除), and a 転入 or 職権記載 whose date becomes the
    /// 住民となった年月日 and 住所を定めた年月日. `effective_on` is then its internal date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_text: Option<String>,
    /// What the entry sends another municipality through the CS (4.1.3.0.4, 4.1.1.3,
    /// 4.1.3.1.1): the 転出証明書情報 of a 特例転出, or the 転入通知 of a 転入.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
}

/// A message to another municipality an entry gives (through the CS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Transfer {
    /// 特例転入を利用した転出 (4.1.3.0.4): no 転出証明書 is printed; its 転出証明書情報
    /// goes to the CS for the municipality `to`.
    SpecialMoveOut { to: LocalGovCode },
    /// A 転入 from another municipality: its 転入通知 (住基法9条1項) goes to `to`; a
    /// 特例転入 names the 転出証明書情報 it was made from (`certificate`, as received).
    MoveInNotice {
        to: LocalGovCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        certificate: Option<String>,
    },
}

impl LedgerEntry {
    /// Gives the entry its message to another municipality: a 特例転出 only with a
    /// 転出 within Japan, a 転入通知 only with a 転入 from another municipality.
    pub fn with_transfer(mut self, t: Option<Transfer>) -> Result<Self, DomainError> {
        let fits = match (&t, &self.change) {
            (None, _) => true,
            (Some(Transfer::SpecialMoveOut { .. }), Change::MoveOut { abroad, .. }) => !*abroad,
            (Some(Transfer::MoveInNotice { .. }), Change::MoveIn { kind, .. }) => {
                *kind == MoveInKind::Domestic
            }
            _ => false,
        };
        if !fits {
            return Err(DomainError::Invalid {
                field: "特例転出・転入通知",
                reason:
                    "特例転出は国内への転出に、転入通知は他の市区町村からの転入にだけ指定できます"
                        .into(),
            });
        }
        self.transfer = t;
        Ok(self)
    }

    /// Builds an entry at intake: checks the dates against `today` and the change's
    /// own date rules, and sets the late flag.
    pub fn at_intake(
        change: Change,
        effective_on: NaiveDate,
        notified_on: NaiveDate,
        recorded_at: DateTime<Utc>,
        operator: String,
        notifier: Option<Notifier>,
        today: NaiveDate,
    ) -> Result<Self, DomainError> {
        if notified_on > today {
            return Err(DomainError::FutureDate {
                what: "届出日",
                date: notified_on.to_string(),
            });
        }
        let effective_on = match &change {
            // A planned move-out takes effect (as 転出予定) on notification, or on the
            // move date when notified afterwards.
            Change::MoveOut { planned_on, .. } => (*planned_on).min(notified_on),
            _ => effective_on,
        };
        if effective_on > today {
            return Err(DomainError::FutureDate {
                what: "異動日",
                date: effective_on.to_string(),
            });
        }
        if effective_on > notified_on {
            return Err(DomainError::EffectiveAfterNotified {
                effective: effective_on.to_string(),
                notified: notified_on.to_string(),
            });
        }
        if let Change::Birth { person, .. } = &change
            && person.birth_date != effective_on
        {
            return Err(DomainError::BirthDateMismatch);
        }
        // A 転出届 more than 14 days after the move is not a 届出: the 転出 is recorded by
        // 職権 (4.1.3.0.1).
        let basis = match &change {
            Change::MoveOut { planned_on, .. }
                if (notified_on - *planned_on).num_days() > NOTIFICATION_PERIOD_DAYS =>
            {
                Basis::ExOfficio
            }
            _ => Basis::Notification,
        };
        let late = basis.is_notification()
            && change.is_notification()
            && (notified_on - effective_on).num_days() > NOTIFICATION_PERIOD_DAYS;
        if operator.trim().is_empty() {
            return Err(DomainError::Missing { field: "処理者" });
        }
        Ok(LedgerEntry {
            seq: 0,
            effective_on,
            notified_on,
            recorded_at,
            operator,
            notifier,
            late,
            change,
            terminal: None,
            basis,
            effective_text: None,
            transfer: None,
        })
    }

    /// Records the 異動日 as written when it is 不詳 or not a calendar day (1.1.8):
    /// refused for a change whose date the standard keeps to calendar days. An entry
    /// of unknown date is never flagged late: the day the period ran from is unknown.
    pub fn with_effective_text(mut self, text: Option<String>) -> Result<Self, DomainError> {
        let Some(text) = text else {
            return Ok(self);
        };
        let allowed = matches!(
            self.change,
            Change::MoveIn { .. }
                | Change::Birth { .. }
                | Change::Death { .. }
                | Change::ExOfficioRemoval { .. }
        );
        if !allowed {
            return Err(DomainError::UnknownDateNotAllowed {
                what: "異動日",
                text,
            });
        }
        self.late = false;
        self.effective_text = Some(text);
        Ok(self)
    }

    /// Records the entry by 職権 or on a 申出 instead of on a 届出: no 届出期間 applies.
    pub fn with_basis(mut self, basis: Basis) -> Self {
        if !basis.is_notification() {
            self.basis = basis;
            self.late = false;
        }
        self
    }

    /// 届出, 職権 or 申出による職権, as staff read it: a change that is never notified
    /// (出生, 死亡, 職権記載・消除・修正 …) is 職権.
    pub fn basis_label(&self) -> &'static str {
        if self.basis.is_notification() && !self.change.is_notification() {
            Basis::ExOfficio.label()
        } else {
            self.basis.label()
        }
    }

    pub fn reason(&self) -> ChangeReason {
        self.change.reason()
    }

    /// The 異動事由 as the standard classifies them (1.2.2, j210): one, or two for a
    /// change of nationality (the old record's 職権消除 and the new one's 職権記載).
    pub fn standard_reasons(&self) -> Vec<StandardReason> {
        use StandardReason as S;
        let one = match &self.change {
            Change::MoveIn { kind, .. } => match kind {
                MoveInKind::Domestic => S::DomesticMoveIn,
                MoveInKind::FromAbroad | MoveInKind::Article46 | MoveInKind::Article47 => {
                    S::MoveInFromAbroad
                }
                MoveInKind::ExOfficio => S::ExOfficioRecord,
            },
            Change::Relocation { .. } => S::Relocation,
            Change::MoveOut { abroad: true, .. } => S::Emigration,
            Change::MoveOut { .. }
            | Change::MoveOutConfirmed { .. }
            | Change::MoveOutDue { .. } => S::DomesticMoveOut,
            Change::HouseholdSplit { .. } => S::HouseholdSplit,
            Change::HouseholdMerge { .. } => S::HouseholdMerge,
            Change::HeadChange { .. } => S::HeadChange,
            Change::CompositionChange { .. } => S::CompositionChange,
            Change::Birth { .. } => S::Birth,
            Change::Death { .. } => S::Death,
            Change::ExOfficioRemoval { .. } | Change::ForeignRemoval { .. } => S::ExOfficioRemoval,
            Change::Correction {
                correction: Correction::IndividualNumber { old, .. },
                ..
            } => match (self.basis, old) {
                (Basis::Request, _) => S::IndividualNumberRequest,
                (_, None) => S::IndividualNumberRecord,
                (_, Some(_)) => S::IndividualNumberCorrection,
            },
            Change::Correction {
                correction: Correction::JuminhyoCode { .. },
                ..
            } => match self.basis {
                Basis::Request => S::JuminhyoCodeRequest,
                _ => S::JuminhyoCodeRecord,
            },
            Change::Correction { kind, .. } => match kind {
                CorrectionKind::ExOfficio => S::ExOfficioCorrection,
                CorrectionKind::Minor => S::MinorCorrection,
                CorrectionKind::Clerical => S::ClericalCorrection,
            },
            Change::ResidenceStatusChange { .. } => S::ExOfficioCorrection,
            Change::AliasRecord { .. } => S::AliasRecord,
            Change::AliasDeletion { .. } => S::AliasDeletion,
            Change::FormerSurnameRecord { .. } => S::FormerSurnameRecord,
            Change::FormerSurnameChange { .. } => S::FormerSurnameChange,
            Change::FormerSurnameDeletion { .. } => S::FormerSurnameDeletion,
            Change::NationalityChange { kind, .. } => {
                return if kind.to_japanese() {
                    vec![S::RemovalNaturalisation, S::RecordNaturalisation]
                } else {
                    vec![S::RemovalNationalityLoss, S::RecordNationalityLoss]
                };
            }
            Change::Remake { kind, .. } => {
                return match kind {
                    RemakeKind::Remake => vec![S::RemovalRemake, S::RecordRemake],
                    RemakeKind::Reissue => vec![S::RemovalReissue, S::RecordReissue],
                };
            }
            // Not a 異動 of the 住民票: where its record is kept.
            Change::Archive { .. }
            | Change::ArchiveReturn { .. }
            | Change::SpecialPermanentCertificate { .. } => return vec![],
            Change::Cancellation { kind, .. } => match kind {
                CancellationKind::Increase => S::CancellationIncrease,
                CancellationKind::Decrease => S::CancellationDecrease,
                CancellationKind::Correction => S::CancellationCorrection,
            },
        };
        vec![one]
    }
}

/// An item a view as of a date shows that a correction recorded later replaced: the
/// ledger knows when a fact held and when it was corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterCorrection {
    /// The item (住所, 生年月日 …).
    pub item: &'static str,
    /// The correction's date.
    pub on: NaiveDate,
    /// 職権修正, 軽微な修正 or 誤記修正.
    pub reason: ChangeReason,
    pub seq: i64,
}

/// The corrections among `entries` (a person's, oldest first) that took effect after
/// `on`: what a view of the person as of `on` shows and was later corrected. An address
/// correction of the household counts for each member.
pub fn corrected_after(
    entries: &[LedgerEntry],
    person: PersonId,
    on: NaiveDate,
) -> Vec<LaterCorrection> {
    entries
        .iter()
        .filter(|e| e.effective_on > on)
        .filter_map(|e| match &e.change {
            Change::Correction {
                person: p,
                correction,
                ..
            } if *p == person || matches!(correction, Correction::Address { .. }) => {
                Some(LaterCorrection {
                    item: correction.item_label(),
                    on: e.effective_on,
                    reason: e.reason(),
                    seq: e.seq,
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{IndividualNumber, JuminhyoCode};

    fn entry(change: Change, basis: Basis) -> LedgerEntry {
        let d = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
        LedgerEntry {
            seq: 1,
            effective_on: d,
            notified_on: d,
            recorded_at: DateTime::<Utc>::default(),
            operator: "試験".into(),
            notifier: None,
            late: false,
            change,
            terminal: None,
            basis,
            effective_text: None,
            transfer: None,
        }
    }

    /// 1.2.2: the 個人番号 and 住民票コード corrections map to the standard's own reasons
    /// by what they do (first record, change on request, correction by 職権).
    #[test]
    fn number_corrections_have_the_standards_reasons() {
        use StandardReason as S;
        let n = |body: &str| IndividualNumber::from_body(body).ok();
        let code = |body: &str| JuminhyoCode::from_body(body).ok();
        let number = |old, new| Change::Correction {
            person: PersonId(1),
            correction: Correction::IndividualNumber { old, new },
            kind: CorrectionKind::ExOfficio,
        };
        let juminhyo = |old, new| Change::Correction {
            person: PersonId(1),
            correction: Correction::JuminhyoCode { old, new },
            kind: CorrectionKind::ExOfficio,
        };
        let cases = [
            (
                number(None, n("12345678901")),
                Basis::ExOfficio,
                S::IndividualNumberRecord,
            ),
            (
                number(n("12345678901"), n("10987654321")),
                Basis::ExOfficio,
                S::IndividualNumberCorrection,
            ),
            (
                number(n("12345678901"), n("10987654321")),
                Basis::Request,
                S::IndividualNumberRequest,
            ),
            (
                juminhyo(None, code("1234567890")),
                Basis::ExOfficio,
                S::JuminhyoCodeRecord,
            ),
            (
                juminhyo(code("1234567890"), code("0987654321")),
                Basis::Request,
                S::JuminhyoCodeRequest,
            ),
        ];
        for (change, basis, want) in cases {
            assert_eq!(entry(change, basis).standard_reasons(), vec![want]);
        }
        // Every reason of the standard's list is a distinct label.
        let labels: std::collections::BTreeSet<_> =
            StandardReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(labels.len(), StandardReason::ALL.len());
        assert_eq!(StandardReason::ALL.len(), 37);
    }
}
