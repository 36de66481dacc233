//! The API's request and response types, and their conversion to and from the domain.
//! Raw strings become domain values here and travel no further as strings.

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_app::ids::{new_household_id, new_person_id};
use kikan_app::protect::Shown;
use kikan_domain::ledger::Residence;
use kikan_domain::wareki::{format_wareki, parse_date};
use kikan_domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

fn at<T>(r: Result<T, DomainError>, field: &str) -> R<T> {
    r.map_err(|e| ApiError::from(e).at(field))
}

/// Reads a date in 和暦 (令和8年4月1日, R8.4.1) or 西暦 (2026-04-01).
pub fn date_in(s: &str, field: &str) -> R<NaiveDate> {
    at(parse_date(s), field)
}

/// A date where the standard allows a 不詳日 or a day not on the calendar (1.1.8): its
/// sortable date, and its text when it is one of those.
pub fn recorded_in(s: &str, field: &str) -> R<kikan_domain::dates::RecordedDate> {
    at(kikan_domain::dates::parse_recorded(s), field)
}

// ---------- inputs ----------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddressIn {
    /// 郵便番号 (231-0005).
    pub postal_code: Option<String>,
    /// 都道府県・市区町村・町字.
    pub place: String,
    /// 番地.
    #[serde(default)]
    pub banchi: String,
    /// 方書 (building and room).
    pub katagaki: Option<String>,
    /// 住所コード (11 digits) when the address was chosen from the 住所辞書: the
    /// address must then begin with that 町字 (E-ADDR-004).
    pub code: Option<String>,
}

impl AddressIn {
    pub fn parse(&self, field: &str) -> R<Address> {
        at(
            Address::parse(
                self.postal_code.as_deref(),
                &self.place,
                &self.banchi,
                self.katagaki.as_deref(),
            )
            .and_then(|a| a.coded(self.code.as_deref())),
            field,
        )
    }
}

fn opt_address(a: &Option<AddressIn>, field: &str) -> R<Option<Address>> {
    a.as_ref().map(|a| a.parse(field)).transpose()
}

/// A フリガナ (any kana form: stored as katakana) with its フリガナ確認フラグ (1.1.18).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KanaIn {
    /// 氏 (or the whole reading of a foreign resident's name).
    pub family: String,
    /// 名.
    #[serde(default)]
    pub given: String,
    /// フリガナ確認フラグ: the reading was confirmed with the person (absent: not).
    #[serde(default)]
    pub confirmed: bool,
}

/// A reading with its フリガナ確認フラグ; `f` names the field in errors.
fn kana(family: &str, given: &str, confirmed: bool, f: &str) -> R<Furigana> {
    Ok(at(Furigana::parse(family, given), f)?.confirmed_as(confirmed))
}

impl KanaIn {
    fn parse(&self, f: &str) -> R<Furigana> {
        kana(&self.family, &self.given, self.confirmed, f)
    }
    fn is_blank(&self) -> bool {
        self.family.trim().is_empty() && self.given.trim().is_empty()
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NameIn {
    /// 氏 (or the whole name of a foreign resident).
    pub family: String,
    /// 名.
    #[serde(default)]
    pub given: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HonsekiIn {
    /// 本籍, or 「なし」 or 「不明」 for the whole column (1.1.12).
    pub domicile: String,
    /// 筆頭者 (empty with 「なし」 or 「不明」).
    #[serde(default)]
    pub head_name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ForeignIn {
    /// 国籍・地域.
    pub nationality: String,
    /// 30条45規定区分 (中長期在留者, 特別永住者 …).
    pub category: String,
    /// 在留資格.
    pub status: Option<String>,
    /// 在留期間 (3年).
    pub period: Option<String>,
    /// 在留期間の満了日.
    pub expires_on: Option<String>,
    /// 在留カード等番号.
    pub card_number: Option<String>,
    #[serde(flatten)]
    pub more: ForeignMoreIn,
    /// 通称 carried by the 転出証明書 (a 転入), with the municipality that recorded it.
    pub alias: Option<AliasIn>,
    /// 外国人住民となった年月日 as the 転出証明書 gives it (a day, or a 不詳日 such as
    /// 平成24年頃: 1.1.8); without it, the 異動日.
    pub foreign_resident_since: Option<String>,
}

/// The foreign-resident items of 1.1.2 beside the 30条45 ones. An item left out stays as
/// it is (none, for a new record); an empty name or date clears it.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ForeignMoreIn {
    /// 氏名（漢字）, where held beside the alphabet name.
    pub kanji_name: Option<NameIn>,
    /// 氏名（漢字）の振り仮名.
    pub kanji_furigana: Option<KanaIn>,
    /// 旧外登法による登録年月日 (不詳 allowed; up to 平成24年7月8日).
    pub old_law_registered_on: Option<String>,
    /// 住居地の届出の有無: the 転入 was also the 入管法 住居地の届出.
    pub residence_notified: Option<bool>,
    /// 上陸許可証による転入の旨.
    pub landing_permit: Option<bool>,
}

impl ForeignMoreIn {
    /// Writes the items given into `fd`; `f` names the field in errors.
    fn apply(&self, fd: &mut ForeignDetails, f: &str) -> R<()> {
        let blank = |n: &NameIn| n.family.trim().is_empty() && n.given.trim().is_empty();
        if let Some(n) = &self.kanji_name {
            fd.kanji_name = if blank(n) {
                None
            } else {
                Some(at(
                    PersonName::parse(&n.family, &n.given),
                    &format!("{f}.kanji_name"),
                )?)
            };
        }
        if let Some(n) = &self.kanji_furigana {
            fd.kanji_furigana = if n.is_blank() {
                None
            } else {
                Some(n.parse(&format!("{f}.kanji_furigana"))?)
            };
        }
        if let Some(s) = &self.old_law_registered_on {
            let d = if s.trim().is_empty() {
                None
            } else {
                Some(recorded_in(s, &format!("{f}.old_law_registered_on"))?)
            };
            fd.old_law_registered_on = d.as_ref().map(|d| d.sort);
            fd.old_law_registered_text = d.and_then(|d| d.text);
        }
        if let Some(b) = self.residence_notified {
            fd.residence_notified = b;
        }
        if let Some(b) = self.landing_permit {
            fd.landing_permit = b;
        }
        Ok(())
    }
}

/// A 通称 as the 転出証明書 gives it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AliasIn {
    pub name: NameIn,
    pub furigana: Option<KanaIn>,
    /// 通称を記載した年月日.
    pub recorded_on: String,
    /// 通称を記載した市区町村: its 全国地方公共団体コード and name.
    pub municipality_code: String,
    pub municipality_name: String,
}

impl AliasIn {
    fn parse(&self, f: &str) -> R<Alias> {
        Ok(Alias {
            name: at(
                PersonName::parse(&self.name.family, &self.name.given),
                &format!("{f}.name"),
            )?,
            furigana: self
                .furigana
                .as_ref()
                .map(|n| n.parse(&format!("{f}.furigana")))
                .transpose()?,
            recorded_on: date_in(&self.recorded_on, &format!("{f}.recorded_on"))?,
            recorded_by: Some(at(
                LocalBody::parse(
                    &self.municipality_code,
                    &self.municipality_name,
                    "通称を記載した市区町村",
                ),
                &format!("{f}.municipality_code"),
            )?),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonIn {
    pub name: NameIn,
    /// 振り仮名 (any kana form), with its フリガナ確認フラグ.
    pub furigana: KanaIn,
    pub birth_date: String,
    /// 男 or 女.
    pub sex: String,
    /// 続柄 (世帯主, 妻, 子 …).
    pub relationship: String,
    pub juminhyo_code: Option<String>,
    pub individual_number: Option<String>,
    pub honseki: Option<HonsekiIn>,
    pub foreign: Option<ForeignIn>,
    /// 再転入者 (4.1.1.2): the 宛名番号 of this person's 除票, which the record takes up
    /// again. A 転入 whose 個人番号 or 住民票コード matches a 除票 must give it.
    pub returning_person_id: Option<i64>,
    /// A 再転入者 back from abroad where they emigrated from (国外からの転入): take up the
    /// 旧氏 and 通称 their 除票 kept (1.1.7).
    #[serde(default)]
    pub keep_former_names: bool,
    /// 転入届と出生届が同時 (4.1.0.1): a child born since the 転出, not on the 転出証明書,
    /// whose 出生届 comes with the 転入届; may be born after the 転入日 (by the 届出日).
    #[serde(default)]
    pub with_birth: bool,
    /// 旧氏 as the 転出証明書 gives it (4.1.1.1; Japanese residents only).
    #[serde(default)]
    pub former_surname: Option<FormerSurnameIn>,
}

/// A 旧氏 entered with a new person: the surname, its reading (any kana form) and its
/// フリガナ確認フラグ.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FormerSurnameIn {
    pub surname: String,
    pub furigana: Option<String>,
    #[serde(default)]
    pub furigana_confirmed: bool,
}

impl ForeignIn {
    /// The 30条の45 items, checked together; `f` names the field in errors.
    fn parse(&self, f: &str) -> R<ForeignDetails> {
        let mut fd = ForeignDetails {
            status: self
                .status
                .as_deref()
                .map(|s| at(ResidenceStatus::parse(s), &format!("{f}.status")))
                .transpose()?,
            period: self.period.clone(),
            expires_on: self
                .expires_on
                .as_deref()
                .map(|s| date_in(s, &format!("{f}.expires_on")))
                .transpose()?,
            card_number: self.card_number.clone(),
            alias: self
                .alias
                .as_ref()
                .map(|a| a.parse(&format!("{f}.alias")))
                .transpose()?,
            ..ForeignDetails::new(
                self.nationality.trim().to_string(),
                at(
                    ForeignCategory::parse(&self.category),
                    &format!("{f}.category"),
                )?,
            )
        };
        self.more.apply(&mut fd, f)?;
        at(fd.validate(), f)?;
        Ok(fd)
    }
}

impl PersonIn {
    fn parse(&self, f: &str) -> R<PersonData> {
        let foreign = self
            .foreign
            .as_ref()
            .map(|x| x.parse(&format!("{f}.foreign")))
            .transpose()?;
        let birth = recorded_in(&self.birth_date, &format!("{f}.birth_date"))?;
        // 外国人住民となった年月日: a day, or a 不詳日 kept with a date that sorts (1.1.8).
        let foreign_since = self
            .foreign
            .as_ref()
            .and_then(|x| x.foreign_resident_since.as_deref())
            .filter(|s| !s.trim().is_empty())
            .map(|s| recorded_in(s, &format!("{f}.foreign.foreign_resident_since")))
            .transpose()?;
        Ok(PersonData {
            id: self
                .returning_person_id
                .map_or_else(new_person_id, PersonId),
            returning: self.returning_person_id.is_some(),
            keep_former_names: self.keep_former_names,
            with_birth: self.with_birth,
            foreign_resident_since: foreign_since.as_ref().map(|d| d.sort),
            foreign_resident_since_text: foreign_since.and_then(|d| d.text),
            juminhyo_code: match self.juminhyo_code.as_deref() {
                Some(c) => Some(at(JuminhyoCode::parse(c), &format!("{f}.juminhyo_code"))?),
                // Given at intake: from the CS's 空きコード (4.3.1).
                None => None,
            },
            individual_number: self
                .individual_number
                .as_deref()
                .map(|n| {
                    at(
                        IndividualNumber::parse(n),
                        &format!("{f}.individual_number"),
                    )
                })
                .transpose()?,
            name: at(
                PersonName::parse(&self.name.family, &self.name.given),
                &format!("{f}.name"),
            )?,
            furigana: self.furigana.parse(&format!("{f}.furigana"))?,
            // 生年月日 may be 不詳 or not a calendar day (1.1.8): kept as written beside
            // its internal date.
            birth_date: birth.sort,
            birth_date_text: birth.text,
            sex: at(Sex::parse(&self.sex), &format!("{f}.sex"))?,
            relationship: at(
                Relationship::parse(&self.relationship),
                &format!("{f}.relationship"),
            )?,
            honseki: self
                .honseki
                .as_ref()
                .map(|h| {
                    at(
                        Honseki::parse(&h.domicile, &h.head_name),
                        &format!("{f}.honseki"),
                    )
                })
                .transpose()?,
            foreign,
            former_surname: self
                .former_surname
                .as_ref()
                .filter(|x| !x.surname.trim().is_empty())
                .map(|x| -> R<_> {
                    Ok((
                        at(
                            PersonName::parse(&x.surname, ""),
                            &format!("{f}.former_surname"),
                        )?,
                        x.furigana
                            .as_deref()
                            .filter(|k| !k.trim().is_empty())
                            .map(|k| {
                                kana(k, "", x.furigana_confirmed, &format!("{f}.former_surname"))
                            })
                            .transpose()?,
                    ))
                })
                .transpose()?,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RelIn {
    pub person_id: i64,
    /// 続柄 to the (new) head.
    pub relationship: String,
}

fn rels(v: &[RelIn], field: &str) -> R<Vec<MemberRelationship>> {
    v.iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(MemberRelationship {
                person: PersonId(r.person_id),
                relationship: at(
                    Relationship::parse(&r.relationship),
                    &format!("{field}[{i}].relationship"),
                )?,
            })
        })
        .collect()
}
fn succession(v: &Option<Vec<RelIn>>) -> R<Option<Succession>> {
    v.as_ref()
        .map(|v| {
            Ok(Succession {
                relationships: rels(v, "succession")?,
            })
        })
        .transpose()
}
fn ids(v: &[i64]) -> Vec<PersonId> {
    v.iter().copied().map(PersonId).collect()
}

/// A foreign resident's 30条45 items as corrected together.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResidenceIn {
    /// 30条45規定区分 (中長期在留者, 特別永住者 …).
    pub category: String,
    pub status: Option<String>,
    /// 在留期間, 上陸期間 or 仮滞在期間 as the category has it.
    pub period: Option<String>,
    /// The end of that period.
    pub expires_on: Option<String>,
    pub card_number: Option<String>,
    /// The other items of 1.1.2; an item left out stays as it is.
    #[serde(flatten)]
    pub more: ForeignMoreIn,
}

/// An item to correct and its new value; the old value is taken from the record as it
/// stands and kept in the ledger. `address` corrects the whole household's address
/// (方書 and 郵便番号 included).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum CorrectionIn {
    Name {
        new: NameIn,
    },
    /// A new reading, or the same one with its フリガナ確認フラグ changed.
    Furigana {
        new: KanaIn,
    },
    BirthDate {
        new: String,
    },
    Sex {
        new: String,
    },
    Honseki {
        new: Option<HonsekiIn>,
    },
    Relationship {
        new: String,
    },
    JuminhyoCode {
        new: Option<String>,
    },
    IndividualNumber {
        new: Option<String>,
    },
    Nationality {
        new: String,
    },
    Address {
        new: AddressIn,
    },
    PreviousAddress {
        new: Option<AddressIn>,
    },
    /// 転出先住所 of a 除票 (4.1.3.1.2).
    Destination {
        new: Option<AddressIn>,
    },
    BecameResidentOn {
        new: String,
    },
    AddressSince {
        new: String,
    },
    NotifiedOn {
        new: String,
    },
    Residence {
        new: ResidenceIn,
    },
}

/// One 異動, by type.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeIn {
    /// 転入 / 国外からの転入 / 職権記載. Without `household_id` the persons form a new
    /// household headed by the one whose 続柄 is 世帯主.
    MoveIn {
        /// 転入 (default), 国外からの転入, 職権記載, 法第30条の46転入 or 法第30条の47届出.
        kind: Option<String>,
        household_id: Option<i64>,
        persons: Vec<PersonIn>,
        address: AddressIn,
        previous_address: Option<AddressIn>,
        /// 未届転入 (4.1.1.4): `previous_address` is the latest address never notified.
        unnotified: Option<bool>,
        /// 最終登録住所地 (4.1.1.4, 4.2.1.1).
        last_registered_address: Option<AddressIn>,
        /// 転入前の世帯主の氏名 (4.0.10), as the 転入届 gives it.
        #[serde(default)]
        previous_head: Option<String>,
    },
    /// 転居. The whole household moves, or with `relationships` the movers form a new
    /// household, or with `join_household_id` they join one at the new address.
    Relocation {
        person_ids: Vec<i64>,
        address: AddressIn,
        join_household_id: Option<i64>,
        relationships: Option<Vec<RelIn>>,
    },
    /// 転出 (国外転出 with `abroad`). `effective_on` is not needed: the entry takes
    /// effect on the notification or on the move date, whichever is earlier.
    MoveOut {
        person_ids: Vec<i64>,
        destination: AddressIn,
        planned_on: String,
        #[serde(default)]
        abroad: bool,
        succession: Option<Vec<RelIn>>,
        /// 転出先の世帯主の氏名 (4.0.10), as the 転出届 gives it.
        #[serde(default)]
        destination_head: Option<String>,
    },
    /// 転出確定, on the new municipality's 転入通知.
    MoveOutConfirmed {
        person_ids: Vec<i64>,
        destination: AddressIn,
        /// 転入通知 sender's 団体コード.
        notice_from: Option<String>,
        succession: Option<Vec<RelIn>>,
    },
    /// 世帯分離.
    HouseholdSplit {
        person_ids: Vec<i64>,
        relationships: Vec<RelIn>,
    },
    /// 世帯合併.
    HouseholdMerge {
        absorbed_household_id: i64,
        into_household_id: i64,
        relationships: Vec<RelIn>,
    },
    /// 世帯主変更.
    HeadChange {
        household_id: i64,
        relationships: Vec<RelIn>,
    },
    /// 世帯構成変更.
    CompositionChange {
        person_ids: Vec<i64>,
        into_household_id: i64,
        relationships: Vec<RelIn>,
    },
    /// 出生. `quote_honseki_of`: 戸籍の表示の引用 (4.2.0.3) — the child's 本籍・筆頭者 taken
    /// from this member of the household (the child's own `honseki` left out).
    Birth {
        household_id: i64,
        person: PersonIn,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quote_honseki_of: Option<i64>,
    },
    /// 死亡.
    Death {
        person_id: i64,
        succession: Option<Vec<RelIn>>,
    },
    /// 特別永住者証明書の申請等 (4.5.7): `kind` 記載事項変更届出, 有効期間更新申請,
    /// 紛失等による再交付申請, 汚損等による再交付申請 or 交付 (with the new certificate's
    /// `card_number`).
    SpecialPermanentCertificate {
        person_id: i64,
        kind: String,
        card_number: Option<String>,
    },
    /// 職権消除.
    ExOfficioRemoval {
        person_id: i64,
        succession: Option<Vec<RelIn>>,
    },
    /// 職権修正 (default), 軽微な修正 (names and addresses only) or 誤記修正, by `kind`.
    Correction {
        person_id: i64,
        correction: CorrectionIn,
        kind: Option<String>,
    },
    /// 在留資格等の変更 (法30条の50).
    ResidenceStatusChange {
        person_id: i64,
        status: Option<String>,
        period: Option<String>,
        expires_on: Option<String>,
        card_number: Option<String>,
    },
    /// 法30条の50による消除 (出国, 在留期間満了 …).
    ForeignRemoval {
        person_id: i64,
        reason: String,
        succession: Option<Vec<RelIn>>,
    },
    /// 通称記載.
    AliasRecord {
        person_id: i64,
        alias: NameIn,
        furigana: Option<KanaIn>,
    },
    /// 通称削除.
    AliasDeletion { person_id: i64 },
    /// 旧氏の記載 (1.1.7), on a 請求: `notified_on` is the 請求日.
    FormerSurnameRecord {
        person_id: i64,
        surname: String,
        /// フリガナ of the 旧氏 (any kana form).
        furigana: Option<String>,
        /// Its フリガナ確認フラグ (1.1.18): confirmed with the person.
        #[serde(default)]
        furigana_confirmed: bool,
    },
    /// 旧氏の変更.
    FormerSurnameChange {
        person_id: i64,
        surname: String,
        furigana: Option<String>,
        #[serde(default)]
        furigana_confirmed: bool,
    },
    /// 旧氏の削除.
    FormerSurnameDeletion { person_id: i64 },
    /// 帰化, 国籍取得 or 国籍喪失 (4.5.3–4.5.5): the same person's record becomes a
    /// Japanese one (with `honseki`) or a foreign one (with `foreign`). `effective_on`
    /// is the day of the 帰化・取得・喪失; `notified_on` the day the 戸籍 notice came.
    NationalityChange {
        person_id: i64,
        /// 帰化, 国籍取得 or 国籍喪失.
        kind: String,
        /// The name on the new record.
        name: NameIn,
        furigana: KanaIn,
        honseki: Option<HonsekiIn>,
        foreign: Option<ForeignIn>,
    },
    /// 改製 or 再製 (1.1.4, 1.2.2) of the 住民票 of `person_ids`, always by 職権:
    /// `effective_on` is the 改製年月日 (再製年月日); no item changes.
    Remake {
        person_ids: Vec<i64>,
        /// 改製 or 再製.
        kind: String,
    },
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotifierIn {
    pub name: String,
    /// 本人, 世帯主, 世帯員, 代理人 …
    pub capacity: String,
}

/// A household version the clerk saw; the change fails with a conflict if it moved on.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExpectIn {
    pub household_id: i64,
    pub version: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeRequest {
    /// 異動日 (和暦 or 西暦). Not needed for move_out. A 出生, 死亡, 失踪 (職権消除) or
    /// 転入・職権記載 takes a 不詳日 (令和2年頃, 年月日不詳 …) or a day not on the calendar
    /// (1.1.8); any other change refuses one (E-DATE-005).
    pub effective_on: Option<String>,
    /// 届出日 (和暦 or 西暦).
    pub notified_on: String,
    pub notifier: Option<NotifierIn>,
    /// 届出 (default), 職権 (4.2.0.2: a 届出's change made by the mayor's authority) or
    /// 申出 (職権 on a resident's 申出, 4.2.0.5; `notified_on` is then the 申出日).
    pub basis: Option<String>,
    #[serde(default)]
    pub expect: Vec<ExpectIn>,
    pub change: ChangeIn,
    /// 住基ネット: what the change sends another municipality through the CS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cs: Option<kikan_app::cs::TransferIn>,
}

/// What the request turns into, before the store sees it.
pub struct ParsedChange {
    pub change: Change,
    pub effective_on: NaiveDate,
    /// The 異動日 as written when 不詳 (1.1.8); the entry refuses it where not allowed.
    pub effective_text: Option<String>,
    pub notified_on: NaiveDate,
    pub notifier: Option<Notifier>,
    pub basis: Basis,
    pub expect: Vec<(HouseholdId, u64)>,
}

impl ChangeRequest {
    /// The request as a reader who may not see 個人番号 gets it: every number left
    /// out. The match names each kind of change, so a new kind that carries a number
    /// cannot be added without being handled here.
    pub fn without_individual_numbers(mut self) -> Self {
        match &mut self.change {
            ChangeIn::MoveIn { persons, .. } => {
                persons.iter_mut().for_each(|p| p.individual_number = None)
            }
            ChangeIn::Birth { person, .. } => person.individual_number = None,
            ChangeIn::Correction { correction, .. } => match correction {
                CorrectionIn::IndividualNumber { new } => *new = None,
                CorrectionIn::Name { .. }
                | CorrectionIn::Furigana { .. }
                | CorrectionIn::BirthDate { .. }
                | CorrectionIn::Sex { .. }
                | CorrectionIn::Honseki { .. }
                | CorrectionIn::Relationship { .. }
                | CorrectionIn::JuminhyoCode { .. }
                | CorrectionIn::Nationality { .. }
                | CorrectionIn::Address { .. }
                | CorrectionIn::PreviousAddress { .. }
                | CorrectionIn::Destination { .. }
                | CorrectionIn::BecameResidentOn { .. }
                | CorrectionIn::AddressSince { .. }
                | CorrectionIn::NotifiedOn { .. }
                | CorrectionIn::Residence { .. } => {}
            },
            ChangeIn::Relocation { .. }
            | ChangeIn::MoveOut { .. }
            | ChangeIn::MoveOutConfirmed { .. }
            | ChangeIn::HouseholdSplit { .. }
            | ChangeIn::HouseholdMerge { .. }
            | ChangeIn::HeadChange { .. }
            | ChangeIn::CompositionChange { .. }
            | ChangeIn::Death { .. }
            | ChangeIn::SpecialPermanentCertificate { .. }
            | ChangeIn::ExOfficioRemoval { .. }
            | ChangeIn::ResidenceStatusChange { .. }
            | ChangeIn::ForeignRemoval { .. }
            | ChangeIn::AliasRecord { .. }
            | ChangeIn::AliasDeletion { .. }
            | ChangeIn::FormerSurnameRecord { .. }
            | ChangeIn::FormerSurnameChange { .. }
            | ChangeIn::FormerSurnameDeletion { .. }
            | ChangeIn::NationalityChange { .. }
            | ChangeIn::Remake { .. } => {}
        }
        self
    }

    /// Parses the request. `current` gives the record a correction starts from.
    pub fn parse(&self, current: Option<&Person>) -> R<ParsedChange> {
        let notified_on = date_in(&self.notified_on, "notified_on")?;
        let (effective_on, effective_text) = match (&self.effective_on, &self.change) {
            (Some(s), _) => {
                let d = recorded_in(s, "effective_on")?;
                (d.sort, d.text)
            }
            (None, ChangeIn::MoveOut { .. }) => (notified_on, None),
            (None, _) => {
                return Err(
                    ApiError::from(DomainError::Missing { field: "異動日" }).at("effective_on")
                );
            }
        };
        Ok(ParsedChange {
            change: self.change.parse(current)?,
            effective_on,
            effective_text,
            notified_on,
            notifier: self.notifier.as_ref().map(|n| Notifier {
                name: n.name.clone(),
                capacity: n.capacity.clone(),
            }),
            basis: self.basis()?,
            expect: self
                .expect
                .iter()
                .map(|e| (HouseholdId(e.household_id), e.version))
                .collect(),
        })
    }
}

/// 転入前・転出先の世帯主の氏名 (4.0.10): a name as written (氏 and 名 apart by a space
/// or not), checked as a 氏名 is; empty is none.
fn head_name(s: &Option<String>, f: &str) -> R<Option<String>> {
    match s.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Ok(Some(at(PersonName::parse(t, ""), f)?.full())),
    }
}

impl ChangeRequest {
    /// 届出, 職権 or 申出 as given (absent: 届出); a 改製・再製 is only ever by 職権.
    fn basis(&self) -> R<Basis> {
        let given = self
            .basis
            .as_deref()
            .map(|b| at(Basis::parse(b), "basis"))
            .transpose()?;
        match (&self.change, given) {
            (ChangeIn::Remake { .. }, None | Some(Basis::ExOfficio)) => Ok(Basis::ExOfficio),
            (ChangeIn::Remake { .. }, Some(_)) => Err(ApiError::invalid(
                "届出の区分",
                "改製・再製は職権で行います",
                "basis",
            )),
            (_, b) => Ok(b.unwrap_or_default()),
        }
    }
}

impl ChangeIn {
    /// The person whose current record a correction needs.
    pub fn corrected_person(&self) -> Option<PersonId> {
        match self {
            ChangeIn::Correction { person_id, .. } => Some(PersonId(*person_id)),
            _ => None,
        }
    }

    fn parse(&self, current: Option<&Person>) -> R<Change> {
        Ok(match self {
            ChangeIn::MoveIn {
                kind,
                household_id,
                persons,
                address,
                previous_address,
                unnotified,
                last_registered_address,
                previous_head,
            } => Change::MoveIn {
                kind: match kind.as_deref().map(str::trim) {
                    None | Some("転入") => MoveInKind::Domestic,
                    Some("国外からの転入") => MoveInKind::FromAbroad,
                    Some("職権記載") => MoveInKind::ExOfficio,
                    Some("法第30条の46転入") => MoveInKind::Article46,
                    Some("法第30条の47届出") => MoveInKind::Article47,
                    Some(other) => {
                        return Err(ApiError::from(DomainError::UnknownCode {
                            kind: "転入の区分",
                            value: other.into(),
                        })
                        .at("change.kind"));
                    }
                },
                household: match household_id {
                    Some(id) => MoveInHousehold::Existing {
                        id: HouseholdId(*id),
                    },
                    None => MoveInHousehold::New {
                        id: new_household_id(),
                    },
                },
                persons: persons
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.parse(&format!("change.persons[{i}]")))
                    .collect::<R<_>>()?,
                address: address.parse("change.address")?,
                previous_address: opt_address(previous_address, "change.previous_address")?,
                unnotified: unnotified.unwrap_or(false),
                last_registered: opt_address(
                    last_registered_address,
                    "change.last_registered_address",
                )?,
                previous_head: head_name(previous_head, "change.previous_head")?,
            },
            ChangeIn::Relocation {
                person_ids,
                address,
                join_household_id,
                relationships,
            } => Change::Relocation {
                persons: ids(person_ids),
                address: address.parse("change.address")?,
                target: match (join_household_id, relationships) {
                    (Some(h), r) => RelocationTarget::JoinHousehold {
                        id: HouseholdId(*h),
                        relationships: rels(r.as_deref().unwrap_or(&[]), "change.relationships")?,
                    },
                    (None, Some(r)) => RelocationTarget::NewHousehold {
                        id: new_household_id(),
                        relationships: rels(r, "change.relationships")?,
                    },
                    (None, None) => RelocationTarget::WholeHousehold,
                },
                // 区間異動: decided at intake from the municipality's wards.
                ward_move: None,
            },
            ChangeIn::MoveOut {
                person_ids,
                destination,
                planned_on,
                abroad,
                succession: s,
                destination_head,
            } => Change::MoveOut {
                persons: ids(person_ids),
                destination: destination.parse("change.destination")?,
                planned_on: date_in(planned_on, "change.planned_on")?,
                abroad: *abroad,
                succession: succession(s)?,
                destination_head: head_name(destination_head, "change.destination_head")?,
            },
            ChangeIn::MoveOutConfirmed {
                person_ids,
                destination,
                notice_from,
                succession: s,
            } => Change::MoveOutConfirmed {
                persons: ids(person_ids),
                destination: destination.parse("change.destination")?,
                notice_from: notice_from
                    .as_deref()
                    .map(|c| at(LocalGovCode::parse(c), "change.notice_from"))
                    .transpose()?,
                succession: succession(s)?,
                moved_on: None,
            },
            ChangeIn::HouseholdSplit {
                person_ids,
                relationships,
            } => Change::HouseholdSplit {
                persons: ids(person_ids),
                new_household: new_household_id(),
                relationships: rels(relationships, "change.relationships")?,
            },
            ChangeIn::HouseholdMerge {
                absorbed_household_id,
                into_household_id,
                relationships,
            } => Change::HouseholdMerge {
                absorbed: HouseholdId(*absorbed_household_id),
                into: HouseholdId(*into_household_id),
                relationships: rels(relationships, "change.relationships")?,
            },
            ChangeIn::HeadChange {
                household_id,
                relationships,
            } => Change::HeadChange {
                household: HouseholdId(*household_id),
                relationships: rels(relationships, "change.relationships")?,
            },
            ChangeIn::CompositionChange {
                person_ids,
                into_household_id,
                relationships,
            } => Change::CompositionChange {
                persons: ids(person_ids),
                into: HouseholdId(*into_household_id),
                relationships: rels(relationships, "change.relationships")?,
            },
            ChangeIn::Birth {
                household_id,
                person,
                ..
            } => Change::Birth {
                person: Box::new(person.parse("change.person")?),
                household: HouseholdId(*household_id),
            },
            ChangeIn::Death {
                person_id,
                succession: s,
            } => Change::Death {
                person: PersonId(*person_id),
                succession: succession(s)?,
            },
            ChangeIn::SpecialPermanentCertificate {
                person_id,
                kind,
                card_number,
            } => Change::SpecialPermanentCertificate {
                person: PersonId(*person_id),
                kind: at(
                    kikan_domain::ledger::SpecialPermanentKind::parse(kind),
                    "change.kind",
                )?,
                card_number: card_number
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            },
            ChangeIn::ExOfficioRemoval {
                person_id,
                succession: s,
            } => Change::ExOfficioRemoval {
                person: PersonId(*person_id),
                succession: succession(s)?,
            },
            ChangeIn::Correction {
                person_id,
                correction,
                kind,
            } => {
                let p = current.ok_or_else(|| {
                    ApiError::from(DomainError::PersonNotFound(person_id.to_string()))
                })?;
                Change::Correction {
                    person: p.id,
                    correction: correction.parse(p)?,
                    kind: kind
                        .as_deref()
                        .map(|k| at(CorrectionKind::parse(k), "change.kind"))
                        .transpose()?
                        .unwrap_or_default(),
                }
            }
            ChangeIn::ResidenceStatusChange {
                person_id,
                status,
                period,
                expires_on,
                card_number,
            } => Change::ResidenceStatusChange {
                person: PersonId(*person_id),
                status: status
                    .as_deref()
                    .map(|s| at(ResidenceStatus::parse(s), "change.status"))
                    .transpose()?,
                period: period.clone(),
                expires_on: expires_on
                    .as_deref()
                    .map(|s| date_in(s, "change.expires_on"))
                    .transpose()?,
                card_number: card_number.clone(),
            },
            ChangeIn::ForeignRemoval {
                person_id,
                reason,
                succession: s,
            } => Change::ForeignRemoval {
                person: PersonId(*person_id),
                reason: at(ForeignRemovalReason::parse(reason), "change.reason")?,
                succession: succession(s)?,
            },
            ChangeIn::AliasRecord {
                person_id,
                alias,
                furigana,
            } => Change::AliasRecord {
                person: PersonId(*person_id),
                alias: at(
                    PersonName::parse(&alias.family, &alias.given),
                    "change.alias",
                )?,
                furigana: furigana
                    .as_ref()
                    .map(|f| f.parse("change.furigana"))
                    .transpose()?,
                // This municipality: set at intake.
                municipality: None,
            },
            ChangeIn::AliasDeletion { person_id } => Change::AliasDeletion {
                person: PersonId(*person_id),
                municipality: None,
            },
            ChangeIn::FormerSurnameRecord {
                person_id,
                surname,
                furigana,
                furigana_confirmed,
            }
            | ChangeIn::FormerSurnameChange {
                person_id,
                surname,
                furigana,
                furigana_confirmed,
            } => {
                let surname = at(PersonName::parse(surname, ""), "change.surname")?;
                let furigana = furigana
                    .as_deref()
                    .map(|f| kana(f, "", *furigana_confirmed, "change.furigana"))
                    .transpose()?;
                let person = PersonId(*person_id);
                if matches!(self, ChangeIn::FormerSurnameRecord { .. }) {
                    Change::FormerSurnameRecord {
                        person,
                        surname,
                        furigana,
                    }
                } else {
                    Change::FormerSurnameChange {
                        person,
                        surname,
                        furigana,
                    }
                }
            }
            ChangeIn::FormerSurnameDeletion { person_id } => Change::FormerSurnameDeletion {
                person: PersonId(*person_id),
            },
            ChangeIn::Remake { person_ids, kind } => Change::Remake {
                persons: ids(person_ids),
                kind: at(RemakeKind::parse(kind), "change.kind")?,
            },
            ChangeIn::NationalityChange {
                person_id,
                kind,
                name,
                furigana,
                honseki,
                foreign,
            } => Change::NationalityChange {
                person: PersonId(*person_id),
                kind: at(NationalityChangeKind::parse(kind), "change.kind")?,
                name: at(PersonName::parse(&name.family, &name.given), "change.name")?,
                furigana: furigana.parse("change.furigana")?,
                honseki: honseki
                    .as_ref()
                    .map(|h| at(Honseki::parse(&h.domicile, &h.head_name), "change.honseki"))
                    .transpose()?,
                foreign: foreign
                    .as_ref()
                    .map(|x| x.parse("change.foreign"))
                    .transpose()?,
            },
        })
    }
}

impl CorrectionIn {
    fn parse(&self, p: &Person) -> R<Correction> {
        let f = "change.correction.new";
        Ok(match self {
            CorrectionIn::Name { new } => Correction::Name {
                old: p.name.clone(),
                new: at(PersonName::parse(&new.family, &new.given), f)?,
            },
            CorrectionIn::Furigana { new } => Correction::Furigana {
                old: p.furigana.clone(),
                new: new.parse(f)?,
            },
            CorrectionIn::BirthDate { new } => {
                let new = recorded_in(new, f)?;
                Correction::BirthDate {
                    old: p.birth_date,
                    old_text: p.birth_date_text.clone(),
                    new: new.sort,
                    new_text: new.text,
                }
            }
            CorrectionIn::Sex { new } => Correction::Sex {
                old: p.sex,
                new: at(Sex::parse(new), f)?,
            },
            CorrectionIn::Honseki { new } => Correction::Honseki {
                old: p.honseki.clone(),
                new: new
                    .as_ref()
                    .map(|h| at(Honseki::parse(&h.domicile, &h.head_name), f))
                    .transpose()?,
            },
            CorrectionIn::Relationship { new } => Correction::Relationship {
                old: p.relationship,
                new: at(Relationship::parse(new), f)?,
            },
            CorrectionIn::JuminhyoCode { new } => Correction::JuminhyoCode {
                old: p.juminhyo_code.clone(),
                new: new
                    .as_deref()
                    .map(|c| at(JuminhyoCode::parse(c), f))
                    .transpose()?,
            },
            CorrectionIn::IndividualNumber { new } => Correction::IndividualNumber {
                old: p.individual_number.clone(),
                new: new
                    .as_deref()
                    .map(|c| at(IndividualNumber::parse(c), f))
                    .transpose()?,
            },
            CorrectionIn::Nationality { new } => Correction::Nationality {
                old: p
                    .foreign
                    .as_ref()
                    .map(|x| x.nationality.clone())
                    .unwrap_or_default(),
                new: new.trim().to_string(),
            },
            CorrectionIn::Address { new } => Correction::Address {
                old: p.address.clone(),
                new: new.parse(f)?,
            },
            CorrectionIn::PreviousAddress { new } => Correction::PreviousAddress {
                old: p.moved_in.as_ref().and_then(|m| m.previous_address.clone()),
                new: new.as_ref().map(|a| a.parse(f)).transpose()?,
            },
            CorrectionIn::Destination { new } => Correction::Destination {
                old: match &p.status {
                    kikan_domain::PersonStatus::Removed { destination, .. } => destination.clone(),
                    _ => None,
                },
                new: new.as_ref().map(|a| a.parse(f)).transpose()?,
            },
            CorrectionIn::BecameResidentOn { new } => {
                let new = recorded_in(new, f)?;
                Correction::BecameResidentOn {
                    old: p.became_resident_on,
                    old_text: p.became_resident_text.clone(),
                    new: new.sort,
                    new_text: new.text,
                }
            }
            CorrectionIn::AddressSince { new } => {
                let new = recorded_in(new, f)?;
                Correction::AddressSince {
                    old: p.address_since,
                    old_text: p.address_since_text.clone(),
                    new: new.sort,
                    new_text: new.text,
                }
            }
            CorrectionIn::NotifiedOn { new } => Correction::NotifiedOn {
                old: p.moved_in.as_ref().map(|m| m.notified_on).ok_or_else(|| {
                    ApiError::from(DomainError::CorrectionNotApplicable {
                        item: "届出の年月日",
                    })
                    .at(f)
                })?,
                new: date_in(new, f)?,
            },
            CorrectionIn::Residence { new } => {
                let old = p.foreign.as_ref().map(Residence::of).ok_or_else(|| {
                    ApiError::from(DomainError::NotForeignResident {
                        name: p.name.full(),
                    })
                    .at(f)
                })?;
                let mut fd = ForeignDetails {
                    category: at(ForeignCategory::parse(&new.category), f)?,
                    status: new
                        .status
                        .as_deref()
                        .map(|s| at(ResidenceStatus::parse(s), f))
                        .transpose()?,
                    period: new.period.clone(),
                    expires_on: new
                        .expires_on
                        .as_deref()
                        .map(|d| date_in(d, f))
                        .transpose()?,
                    card_number: new.card_number.clone(),
                    // The items not given stay as the record has them.
                    ..p.foreign.clone().unwrap_or_else(|| {
                        ForeignDetails::new(String::new(), ForeignCategory::MidToLongTerm)
                    })
                };
                new.more.apply(&mut fd, f)?;
                Correction::Residence {
                    old,
                    new: Residence::of(&fd),
                }
            }
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TenantIn {
    /// 全国地方公共団体コード (6 digits).
    pub code: String,
    pub name: String,
    /// The mayor's title and name (横浜市長　山田　太郎).
    pub mayor: String,
}

// ---------- outputs ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    pub code: String,
    pub name: String,
    pub mayor: String,
}

impl From<&kikan_store::Tenant> for TenantView {
    fn from(t: &kikan_store::Tenant) -> Self {
        TenantView {
            code: t.code.to_string(),
            name: t.name.clone(),
            mayor: t.mayor.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DateView {
    /// ISO 8601 (2026-04-01); for a 不詳 date, its internal date.
    pub iso: String,
    /// 和暦 (令和8年4月1日).
    pub wareki: String,
    /// As staff read it (1.1.9): 和暦; 西暦 for a foreign resident's 生年月日 and 満了日;
    /// the text of a 不詳 date (令和2年頃).
    pub shown: String,
}

pub fn date_view(d: NaiveDate) -> DateView {
    let wareki = format_wareki(d).unwrap_or_default();
    DateView {
        iso: d.to_string(),
        shown: wareki.clone(),
        wareki,
    }
}

/// A date kept beside its 不詳 text (1.1.8): shown as the text when there is one.
pub fn recorded_view(d: NaiveDate, text: &Option<String>) -> DateView {
    match text {
        Some(t) => DateView {
            shown: t.clone(),
            ..date_view(d)
        },
        None => date_view(d),
    }
}

/// A date shown in 西暦 (a foreign resident's 生年月日 and 満了日, 1.1.9).
fn seireki_view(d: NaiveDate) -> DateView {
    DateView {
        shown: kikan_domain::wareki::format_seireki(d),
        ..date_view(d)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NameView {
    pub family: String,
    pub given: String,
    pub full: String,
}

/// A フリガナ with its フリガナ確認フラグ (1.1.18).
#[derive(Debug, Serialize, ToSchema)]
pub struct KanaView {
    pub family: String,
    pub given: String,
    pub full: String,
    /// フリガナ確認フラグ: confirmed with the person.
    pub confirmed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    pub postal_code: Option<String>,
    pub place: String,
    pub banchi: String,
    pub katagaki: Option<String>,
    /// The address on one line, as printed.
    pub line: String,
    /// 住所コード (1.3.3), when the address was taken from the 住所辞書.
    pub code: Option<String>,
}

pub fn address_view(a: &Address) -> AddressView {
    AddressView {
        postal_code: a.postal_code.as_ref().map(|p| p.as_str().to_string()),
        place: a.place.clone(),
        banchi: a.banchi.clone(),
        katagaki: a.katagaki.clone(),
        line: a.line(),
        code: a.code.as_ref().map(|c| c.to_string()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusView {
    /// 住民, 転出予定 or 消除.
    pub state: String,
    pub planned_on: Option<DateView>,
    pub removed_on: Option<DateView>,
    /// 消除事由.
    pub reason: Option<String>,
    pub destination: Option<AddressView>,
    /// A 転出's 除票: what the 転出届 planned, and the 転入通知 once it came (its date
    /// and the 転出年月日（確定）); null while it has not (転入通知未着).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_out: Option<MoveOutView>,
    /// A 職権消除's 転入通知 received afterwards (4.1.3.1.1): its date and the 転出年月日
    /// （確定）; the confirmed address is `destination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeView>,
    /// 転出先の世帯主の氏名 as the 転出届 gave it (4.0.10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_head: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub notified_on: DateView,
    pub moved_on: DateView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoveOutView {
    pub planned_on: DateView,
    pub planned_destination: AddressView,
    pub notified_on: Option<DateView>,
    pub moved_on: Option<DateView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForeignView {
    pub nationality: String,
    pub category: String,
    pub status: Option<String>,
    /// What `period` and `expires_on` are for the category: 在留期間, 上陸期間 or 仮滞在期間.
    pub period_label: String,
    pub period: Option<String>,
    pub expires_on: Option<DateView>,
    pub card_number: Option<String>,
    pub alias: Option<NameView>,
    pub alias_furigana: Option<KanaView>,
    /// 通称を記載した年月日 and 市区町村（コード）.
    pub alias_recorded_on: Option<DateView>,
    pub alias_recorded_by: Option<String>,
    /// Past aliases, oldest first, with when and where each was recorded and deleted.
    pub past_aliases: Vec<PastAliasView>,
    /// 氏名（漢字） and its reading.
    pub kanji_name: Option<NameView>,
    pub kanji_furigana: Option<KanaView>,
    /// 旧外登法による登録年月日.
    pub old_law_registered_on: Option<DateView>,
    /// 住居地の届出の有無.
    pub residence_notified: bool,
    /// 上陸許可証による転入の旨.
    pub landing_permit: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PastAliasView {
    pub name: NameView,
    pub recorded_on: DateView,
    pub recorded_by: Option<String>,
    pub deleted_on: DateView,
    pub deleted_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoveInView {
    pub notified_on: DateView,
    pub previous_address: Option<AddressView>,
    /// 未届転入: `previous_address` is the latest address never notified （未届）.
    pub unnotified: bool,
    /// 最終登録住所地.
    pub last_registered: Option<AddressView>,
    /// 転入前の世帯主の氏名 as the 転入届 gave it (4.0.10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_head: Option<String>,
}

/// A resident's record (住民票, or 除票 when `register` is B). The 個人番号 is never
/// returned here.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormerSurnameView {
    pub surname: String,
    pub furigana: Option<String>,
    /// フリガナ確認フラグ of the 旧氏's reading (1.1.18).
    pub furigana_confirmed: bool,
    pub recorded_on: DateView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub household_id: i64,
    /// A (住民票) or B (除票).
    pub register: String,
    pub status: StatusView,
    pub name: NameView,
    pub furigana: KanaView,
    /// 旧氏 (1.1.7) and its フリガナ, where recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<FormerSurnameView>,
    /// 改製年月日 (1.1.4), where the 住民票 was remade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remade_on: Option<DateView>,
    /// 再製年月日 (1.2.2), where it was made again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reissued_on: Option<DateView>,
    /// The day this 除票 moved to the 除票用データベース (9.3), while it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_on: Option<DateView>,
    /// The name holds an ideographic variation sequence.
    pub has_variation_sequence: bool,
    pub birth_date: DateView,
    pub sex: String,
    /// 世帯主の氏名 (1.2.1) as this record (this version of it) holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_name: Option<String>,
    pub relationship: String,
    pub address: AddressView,
    pub became_resident_on: DateView,
    pub address_since: DateView,
    pub moved_in: Option<MoveInView>,
    pub previous_address_in_city: Option<AddressView>,
    pub juminhyo_code: Option<String>,
    pub has_individual_number: bool,
    pub honseki: Option<String>,
    pub honseki_head: Option<String>,
    pub foreign: Option<ForeignView>,
    pub version: u64,
    /// 支援措置対象: a support measure protects this person. Handle every request
    /// concerning them with care; certificates need a decision (`…/requests/decide`).
    pub support_measure: bool,
    /// The addresses are withheld from this caller because of the support measure.
    pub address_withheld: bool,
    /// The measures that protect this person (2.2.4: the record leads to them), each
    /// with whether it is a 仮支援措置 and its alert (the period ends within a month, or
    /// has ended without an extension).
    pub support_measures: Vec<MeasureNoteView>,
    /// 抑止 in force on this person or their household (3.1: search results and views
    /// show that a record is held): what each holds, how, and why.
    pub suppressions: Vec<String>,
    /// 10.4: the items hidden from this caller (codes), their fields left empty.
    pub hidden_items: Vec<String>,
    /// With `as_of`: the items shown that a correction recorded with a later date
    /// replaced (修正 after the date asked for), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected_later: Vec<LaterCorrectionView>,
}

/// What a hidden item's value reads as where a field must hold text.
pub const NOT_SHOWN: &str = "(表示権限がありません)";

/// The JSON keys of a change's details that carry each item.
fn item_keys(item: kikan_security::Item) -> &'static [&'static str] {
    use kikan_security::Item::*;
    match item {
        Honseki => &["honseki", "honseki_head"],
        IndividualNumber => &["individual_number"],
        JuminhyoCode => &["juminhyo_code"],
        ResidenceStatus => &[
            "status",
            "period",
            "expires_on",
            "card_number",
            "residence_status",
        ],
    }
}

/// Replaces, anywhere in `v`, the values of the keys that carry a hidden item.
fn scrub(v: &mut serde_json::Value, keys: &[&str]) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if keys.contains(&k.as_str()) && !val.is_null() {
                    *val = serde_json::Value::String(NOT_SHOWN.into());
                } else {
                    scrub(val, keys);
                }
            }
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(|x| scrub(x, keys)),
        _ => {}
    }
}

impl PersonView {
    /// 10.4: empties the items hidden from this caller, and says which.
    pub fn hide(&mut self, hidden: &std::collections::BTreeSet<kikan_security::Item>) {
        use kikan_security::Item::*;
        for item in hidden {
            match item {
                Honseki => {
                    self.honseki = None;
                    self.honseki_head = None;
                }
                IndividualNumber => self.has_individual_number = false,
                JuminhyoCode => self.juminhyo_code = None,
                ResidenceStatus => {
                    if let Some(f) = self.foreign.as_mut() {
                        f.status = None;
                        f.period = None;
                        f.expires_on = None;
                        f.card_number = None;
                    }
                }
            }
        }
        self.hidden_items = hidden.iter().map(|i| i.code().into()).collect();
    }
}

impl EntryView {
    /// 10.4: empties, in the change's details, the items hidden from this caller.
    pub fn hide(&mut self, hidden: &std::collections::BTreeSet<kikan_security::Item>) {
        let keys: Vec<&str> = hidden.iter().flat_map(|i| item_keys(*i)).copied().collect();
        if !keys.is_empty() {
            scrub(&mut self.change, &keys);
        }
    }
}

/// A support measure as a protected person's record shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureNoteView {
    pub id: i64,
    /// 仮支援措置 (the need not yet confirmed).
    pub provisional: bool,
    pub alert: Option<String>,
}

impl From<&Shown> for PersonView {
    /// A person as the 支援措置 rule lets this reader see them (`kikan_app::protect`).
    fn from(s: &Shown) -> Self {
        let mut v = PersonView::from(&s.person);
        v.support_measure = s.protected;
        v.address_withheld = s.withheld;
        v.support_measures = s
            .measures
            .iter()
            .map(|m| MeasureNoteView {
                id: m.id.0,
                provisional: m.provisional,
                alert: m.alert.clone(),
            })
            .collect();
        v
    }
}

impl EntryView {
    /// Withholds the change's details (addresses among them) from a caller who may not
    /// see a protected person's whereabouts.
    pub fn withhold(&mut self) {
        self.change = serde_json::json!({"withheld": kikan_domain::person::WITHHELD});
    }
}

fn name_view(n: &PersonName) -> NameView {
    NameView {
        family: n.family().into(),
        given: n.given().into(),
        full: n.full(),
    }
}
fn kana_view(n: &Furigana) -> KanaView {
    KanaView {
        family: n.family().into(),
        given: n.given().into(),
        full: n.full(),
        confirmed: n.confirmed(),
    }
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        let status = match &p.status {
            PersonStatus::Active => StatusView {
                state: "住民".into(),
                planned_on: None,
                removed_on: None,
                reason: None,
                destination: None,
                moved_out: None,
                notice: None,
                destination_head: None,
            },
            PersonStatus::MovingOut {
                planned_on,
                destination,
                abroad,
                destination_head,
                ..
            } => StatusView {
                state: "転出予定".into(),
                planned_on: Some(date_view(*planned_on)),
                removed_on: None,
                reason: Some(if *abroad { "国外転出" } else { "転出" }.into()),
                destination: Some(address_view(destination)),
                moved_out: None,
                notice: None,
                destination_head: destination_head.clone(),
            },
            PersonStatus::Removed {
                on,
                reason,
                on_text,
                destination,
                moved_out,
                notice,
            } => StatusView {
                state: "消除".into(),
                planned_on: None,
                removed_on: Some(recorded_view(*on, on_text)),
                reason: Some(reason.label().into()),
                destination: destination.as_ref().map(address_view),
                moved_out: moved_out.as_ref().map(|m| MoveOutView {
                    planned_on: date_view(m.planned_on),
                    planned_destination: address_view(&m.planned_destination),
                    notified_on: m.notice.as_ref().map(|n| date_view(n.notified_on)),
                    moved_on: m.notice.as_ref().map(|n| date_view(n.moved_on)),
                }),
                notice: notice.as_ref().map(|n| NoticeView {
                    notified_on: date_view(n.notified_on),
                    moved_on: date_view(n.moved_on),
                }),
                destination_head: moved_out.as_ref().and_then(|m| m.destination_head.clone()),
            },
        };
        PersonView {
            id: p.id.0,
            household_id: p.household_id.0,
            register: if p.is_removed() { "B" } else { "A" }.into(),
            status,
            name: name_view(&p.name),
            furigana: kana_view(&p.furigana),
            former_surname: p.former_surname.as_ref().map(|f| FormerSurnameView {
                surname: f.surname.full(),
                furigana: f.furigana.as_ref().map(|k| k.full()),
                furigana_confirmed: f.furigana.as_ref().is_some_and(|k| k.confirmed()),
                recorded_on: date_view(f.recorded_on),
            }),
            remade_on: p.remade_on.map(date_view),
            reissued_on: p.reissued_on.map(date_view),
            archived_on: p.archived_on.map(date_view),
            has_variation_sequence: p.name.has_variation_sequence(),
            birth_date: DateView {
                shown: p.birth_date_shown().unwrap_or_default(),
                ..date_view(p.birth_date)
            },
            sex: p.sex.label().into(),
            head_name: p.head_name.clone(),
            relationship: p.relationship.label(),
            address: address_view(&p.address),
            became_resident_on: recorded_view(p.became_resident_on, &p.became_resident_text),
            address_since: recorded_view(p.address_since, &p.address_since_text),
            moved_in: p.moved_in.as_ref().map(|m| MoveInView {
                notified_on: date_view(m.notified_on),
                previous_address: m.previous_address.as_ref().map(address_view),
                unnotified: m.unnotified,
                last_registered: m.last_registered.as_ref().map(address_view),
                previous_head: m.previous_head.clone(),
            }),
            previous_address_in_city: p.previous_address_in_city.as_ref().map(address_view),
            juminhyo_code: p.juminhyo_code.as_ref().map(|c| c.to_string()),
            has_individual_number: p.individual_number.is_some(),
            honseki: p.honseki.as_ref().map(|h| h.domicile.clone()),
            honseki_head: p.honseki.as_ref().map(|h| h.head_name.clone()),
            foreign: p.foreign.as_ref().map(|f| ForeignView {
                nationality: f.nationality.clone(),
                category: f.category.label().into(),
                status: f.status.map(|s| s.label().into()),
                period_label: f.period_label().into(),
                period: f.period.clone(),
                expires_on: f.expires_on.map(seireki_view),
                card_number: f.card_number.clone(),
                alias: f.alias.as_ref().map(|a| name_view(&a.name)),
                alias_furigana: f
                    .alias
                    .as_ref()
                    .and_then(|a| a.furigana.as_ref())
                    .map(kana_view),
                alias_recorded_on: f.alias.as_ref().map(|a| date_view(a.recorded_on)),
                alias_recorded_by: f
                    .alias
                    .as_ref()
                    .and_then(|a| a.recorded_by.as_ref())
                    .map(LocalBody::line),
                past_aliases: f
                    .past_aliases
                    .iter()
                    .map(|a| PastAliasView {
                        name: name_view(&a.alias.name),
                        recorded_on: date_view(a.alias.recorded_on),
                        recorded_by: a.alias.recorded_by.as_ref().map(LocalBody::line),
                        deleted_on: date_view(a.deleted_on),
                        deleted_by: a.deleted_by.as_ref().map(LocalBody::line),
                    })
                    .collect(),
                kanji_name: f.kanji_name.as_ref().map(name_view),
                kanji_furigana: f.kanji_furigana.as_ref().map(kana_view),
                old_law_registered_on: f
                    .old_law_registered_on
                    .map(|d| recorded_view(d, &f.old_law_registered_text)),
                residence_notified: f.residence_notified,
                landing_permit: f.landing_permit,
            }),
            version: p.version,
            support_measure: false,
            address_withheld: false,
            support_measures: vec![],
            suppressions: vec![],
            hidden_items: vec![],
            corrected_later: vec![],
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: i64,
    /// 世帯主; null while the household has none (1.1.10).
    pub head_id: Option<i64>,
    pub address: AddressView,
    pub version: u64,
    pub dissolved_on: Option<DateView>,
    /// The members (on the date asked for, with `as_of`), head first.
    pub members: Vec<PersonView>,
    /// 消除対象者記載 (3.3): members removed from the register (転出, 死亡 …) whose last
    /// household this was, as their 除票 stand (the current view only).
    pub removed_members: Vec<PersonView>,
}

pub fn household_view(h: &Household, members: &[Shown]) -> HouseholdView {
    let mut members: Vec<&Shown> = members.iter().collect();
    members.sort_by_key(|s| h.listing_key(&s.person));
    HouseholdView {
        id: h.id.0,
        head_id: h.head.map(|x| x.0),
        address: address_view(&h.address),
        version: h.version,
        dissolved_on: h.dissolved_on.map(date_view),
        members: members.into_iter().map(PersonView::from).collect(),
        removed_members: vec![],
    }
}

/// A ledger entry. `change` is the entry's documented JSON form (docs/formats.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub seq: i64,
    /// 異動事由.
    pub reason: String,
    /// 異動事由 as the standard classifies them (1.2.2): one, or for a 帰化・国籍取得・
    /// 国籍喪失 the old record's 職権消除 and the new one's 職権記載.
    pub standard_reasons: Vec<String>,
    pub effective_on: DateView,
    pub notified_on: DateView,
    pub recorded_at: DateTime<Utc>,
    pub operator: String,
    /// 届出, 職権 or 申出による職権.
    pub basis: String,
    pub late: bool,
    /// 入力場所・入力端末 (`terminal@place`), when the entry recorded one.
    pub terminal: Option<String>,
    /// The persons the entry concerned (their 宛名番号).
    pub person_ids: Vec<i64>,
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
}

impl From<&LedgerEntry> for EntryView {
    fn from(e: &LedgerEntry) -> Self {
        EntryView {
            seq: e.seq,
            reason: e.reason().label().into(),
            standard_reasons: e
                .standard_reasons()
                .into_iter()
                .map(|r| r.label().to_string())
                .collect(),
            effective_on: recorded_view(e.effective_on, &e.effective_text),
            notified_on: date_view(e.notified_on),
            recorded_at: e.recorded_at,
            operator: e.operator.clone(),
            basis: e.basis_label().into(),
            late: e.late,
            terminal: e.terminal.clone(),
            person_ids: {
                let mut ids: Vec<i64> = e.change.persons_named().iter().map(|p| p.0).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            },
            // Views never carry a 個人番号.
            change: serde_json::to_value(e.change.without_individual_numbers()).unwrap_or_default(),
        }
    }
}

/// An item shown as of a date that a later correction replaced.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaterCorrectionView {
    /// The item (住所, 生年月日 …).
    pub item: String,
    /// The date of the correction.
    pub on: DateView,
    /// 職権修正, 軽微な修正 or 誤記修正.
    pub reason: String,
    /// Its ledger number.
    pub seq: i64,
}

impl From<&kikan_domain::ledger::LaterCorrection> for LaterCorrectionView {
    fn from(c: &kikan_domain::ledger::LaterCorrection) -> Self {
        LaterCorrectionView {
            item: c.item.into(),
            on: date_view(c.on),
            reason: c.reason.label().into(),
            seq: c.seq,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResult {
    pub entry: EntryView,
    /// Warnings for staff (late notification …).
    pub warnings: Vec<String>,
    /// Persons written by the change (new ones included).
    pub person_ids: Vec<i64>,
    /// Households written by the change (new ones included).
    pub household_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// 履歴番号 (1.2.1): this person's versions numbered from 1, one per change; with
    /// the 宛名番号 it keys the version, and the highest is the current record.
    pub number: u64,
    /// The ledger entry that made this version.
    pub seq: i64,
    pub valid_from: DateView,
    pub valid_to: Option<DateView>,
    pub record: PersonView,
}

/// 本籍入力補助 (4.0.6): a 再転入者's 本籍 from their own history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HonsekiCandidatesView {
    /// Newest first, each once: the ones whose municipality exists today.
    pub candidates: Vec<HonsekiCandidateView>,
    /// Left out: their municipality is not one of today (市町村合併), or nothing could
    /// be checked (`checked` false: the postal code file is not taken in).
    pub left_out: Vec<HonsekiCandidateView>,
    pub checked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HonsekiCandidateView {
    pub domicile: String,
    pub head_name: String,
}

/// A 除票 of the 異動元区 of a 区間異動 (4.0.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct WardRemovalView {
    /// The ledger number of the 区間異動 (asked for as a certificate's `ward_removal`).
    pub seq: i64,
    /// 異動元区, whose register this 除票 is, and 異動先区.
    pub ward: String,
    pub to: String,
    /// The record as it stood in the old ward, closed by the 区間異動 (消除事由 区間転出).
    pub record: PersonView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonHistory {
    /// 異動履歴: every entry that changed this person, oldest first.
    pub entries: Vec<EntryView>,
    /// The record after each entry.
    pub versions: Vec<VersionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    pub ok: bool,
    pub entries: u64,
    pub persons: u64,
    pub households: u64,
    pub person_versions: u64,
    pub household_versions: u64,
}
