//! Closed lists of the standard (続柄, 性別, 30条45規定区分, 在留資格 …) as enums.
//! Each value is written and read by its Japanese label, which is also its form in the
//! ledger and the API.

use crate::DomainError;

macro_rules! closed_list {
    ($(#[$meta:meta])* $name:ident, $kind:expr, { $($variant:ident => $label:expr),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the standard's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The Japanese label, as printed.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Reads a value from its label; anything else is an unknown code.
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                let t = s.trim();
                $name::ALL.iter().copied().find(|v| v.label() == t).ok_or_else(|| {
                    DomainError::UnknownCode { kind: $kind, value: t.to_string() }
                })
            }
        }
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, DomainError> { Self::parse(&s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.label().to_string() }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }
    };
}

closed_list!(
    /// 性別.
    Sex, "性別", { Male => "男", Female => "女" }
);

pub use crate::relationship::{Kin, LegacyRelationship, Relationship};

closed_list!(
    /// 券面記載の対象とするカード (7.1.1.3): the cards whose 追記欄 the municipality writes.
    EndorsedCard, "カードの種類", {
        IndividualNumberCard => "個人番号カード", JukiCard => "住基カード",
        ResidenceCard => "在留カード", SpecialPermanentCertificate => "特別永住者証明書"
    }
);

closed_list!(
    /// 異動事由: the reason of a change, as recorded and printed.
    ChangeReason, "異動事由", {
        MoveIn => "転入", MoveInFromAbroad => "国外からの転入", Relocation => "転居",
        WardMove => "区間転入",
        MoveOut => "転出", MoveOutConfirmed => "転出確定",
        MoveOutDue => "転出(予定日到来)", Emigration => "国外転出",
        HouseholdSplit => "世帯分離", HouseholdMerge => "世帯合併",
        HeadChange => "世帯主変更", CompositionChange => "世帯構成変更",
        Birth => "出生", Death => "死亡",
        ExOfficioRecord => "職権記載", ExOfficioRemoval => "職権消除",
        ExOfficioCorrection => "職権修正", MinorCorrection => "軽微な修正",
        ClericalCorrection => "誤記修正",
        ResidenceStatusChange => "在留資格等変更", ForeignRemoval => "法第30条の50による消除",
        AliasRecord => "通称記載", AliasDeletion => "通称削除",
        FormerSurnameRecord => "旧氏の記載", FormerSurnameChange => "旧氏の変更",
        FormerSurnameDeletion => "旧氏の削除",
        CancellationIncrease => "異動の取消し（増）", CancellationDecrease => "異動の取消し（減）",
        CancellationCorrection => "異動の取消し（修正）",
        Naturalisation => "帰化", NationalityAcquisition => "国籍取得",
        NationalityLoss => "国籍喪失",
        Article46 => "法第30条の46転入", Article47 => "法第30条の47届出",
        Remake => "改製", Reissue => "再製",
        Archive => "除票用データベースへの移行", ArchiveReturn => "除票用データベースからの復元",
        SpecialPermanentCertificate => "特別永住者証明書の申請等",
    }
);

closed_list!(
    /// 改製 or 再製 (1.1.4, 1.2.2): the 住民票 made anew — by 改製 at any time the
    /// municipality chooses (its earlier history stays on the 改製原住民票), by 再製 when
    /// it was lost or damaged (its history carried over as it was).
    RemakeKind, "改製・再製", {
        Remake => "改製", Reissue => "再製",
    }
);

closed_list!(
    /// 帰化, 国籍取得 or 国籍喪失 (4.5.3–4.5.5): the person's record changes from foreign
    /// to Japanese or back, and stays the same person.
    NationalityChangeKind, "国籍の異動", {
        Naturalisation => "帰化", Acquisition => "国籍取得", Loss => "国籍喪失",
    }
);

impl NationalityChangeKind {
    /// Does the person become a Japanese resident (帰化, 国籍取得)?
    pub fn to_japanese(self) -> bool {
        !matches!(self, NationalityChangeKind::Loss)
    }
}

closed_list!(
    /// 異動事由 as the standard classifies them (1.2.2, j210): every system reason maps
    /// to one or two of these (a 帰化 removes the foreign record and writes the Japanese
    /// one).
    StandardReason, "標準の異動事由", {
        DomesticMoveIn => "国内転入", MoveInFromAbroad => "国外転入等", Birth => "出生",
        RecordNaturalisation => "職権記載（帰化等）",
        RecordNationalityLoss => "職権記載（国籍喪失）",
        ExOfficioRecord => "職権記載", RecordRemake => "改製（記載）",
        RecordReissue => "再製（記載）", CancellationIncrease => "異動の取消し（増）",
        DomesticMoveOut => "国内転出", Emigration => "国外転出", Death => "死亡",
        RemovalNaturalisation => "職権消除（帰化等）",
        RemovalNationalityLoss => "職権消除（国籍喪失）",
        ExOfficioRemoval => "職権消除", RemovalRemake => "改製（消除）",
        RemovalReissue => "再製（消除）", CancellationDecrease => "異動の取消し（減）",
        Relocation => "転居", MinorCorrection => "軽微な修正",
        ExOfficioCorrection => "職権修正", ClericalCorrection => "誤記修正",
        IndividualNumberRequest => "個人番号の変更請求",
        IndividualNumberCorrection => "個人番号の職権修正",
        IndividualNumberRecord => "個人番号の職権記載",
        JuminhyoCodeRequest => "住民票コードの変更請求",
        JuminhyoCodeRecord => "住民票コードの職権記載",
        HouseholdSplit => "世帯分離", HouseholdMerge => "世帯合併",
        CompositionChange => "世帯変更", HeadChange => "世帯主変更",
        FormerSurnameRecord => "旧氏の記載", FormerSurnameChange => "旧氏の変更",
        FormerSurnameDeletion => "旧氏の削除", AliasRecord => "通称の記載",
        AliasDeletion => "通称の削除", CancellationCorrection => "異動の取消し（修正）",
    }
);

closed_list!(
    /// 法第30条の45に規定する区分: why a foreign national is a resident.
    ForeignCategory, "30条45規定区分", {
        MidToLongTerm => "中長期在留者", SpecialPermanent => "特別永住者",
        TemporaryRefuge => "一時庇護許可者", ProvisionalStay => "仮滞在許可者",
        TransitionalBirth => "出生による経過滞在者",
        TransitionalLossOfNationality => "国籍喪失による経過滞在者",
    }
);

closed_list!(
    /// 在留資格 (出入国管理及び難民認定法 別表第一・第二).
    ResidenceStatus, "在留資格", {
        Diplomat => "外交", Official => "公用", Professor => "教授", Artist => "芸術",
        Religious => "宗教", Journalist => "報道",
        HighlySkilled1a => "高度専門職1号イ", HighlySkilled1b => "高度専門職1号ロ",
        HighlySkilled1c => "高度専門職1号ハ", HighlySkilled2 => "高度専門職2号",
        BusinessManager => "経営・管理", LegalAccounting => "法律・会計業務",
        Medical => "医療", Researcher => "研究", Instructor => "教育",
        Engineer => "技術・人文知識・国際業務", IntraCompany => "企業内転勤",
        NursingCare => "介護", Entertainer => "興行", SkilledLabor => "技能",
        SpecifiedSkilled1 => "特定技能1号", SpecifiedSkilled2 => "特定技能2号",
        TechnicalIntern1a => "技能実習1号イ", TechnicalIntern1b => "技能実習1号ロ",
        TechnicalIntern2a => "技能実習2号イ", TechnicalIntern2b => "技能実習2号ロ",
        TechnicalIntern3a => "技能実習3号イ", TechnicalIntern3b => "技能実習3号ロ",
        CulturalActivities => "文化活動", TemporaryVisitor => "短期滞在", Student => "留学",
        Trainee => "研修", Dependent => "家族滞在", DesignatedActivities => "特定活動",
        PermanentResident => "永住者", SpouseOfJapanese => "日本人の配偶者等",
        SpouseOfPermanentResident => "永住者の配偶者等", LongTermResident => "定住者",
    }
);

impl ResidenceStatus {
    /// 中長期在留者 excludes these (入管法19条の3): they are never resident-registered
    /// under that category.
    pub fn allowed_for_mid_to_long_term(self) -> bool {
        !matches!(
            self,
            ResidenceStatus::Diplomat
                | ResidenceStatus::Official
                | ResidenceStatus::TemporaryVisitor
        )
    }
    /// Permanent statuses have no expiry date.
    pub fn has_expiry(self) -> bool {
        !matches!(self, ResidenceStatus::PermanentResident)
    }
}

closed_list!(
    /// Why a foreign resident's record is removed on a 30条50 notice.
    ForeignRemovalReason, "消除事由", {
        Departure => "出国", Expiry => "在留期間満了", Revocation => "在留資格取消",
        Deportation => "退去強制", NaturalisationNotice => "日本国籍取得",
    }
);

closed_list!(
    /// How a person left the registry (除票 reason).
    RemovalReason, "消除事由", {
        MovedOut => "転出", Emigrated => "国外転出", Died => "死亡",
        ExOfficio => "職権消除", ForeignNotice => "法第30条の50による消除",
        Cancelled => "異動の取消し", WardMove => "区間転出",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_unknowns_are_refused() {
        for s in ResidenceStatus::ALL {
            assert_eq!(ResidenceStatus::parse(s.label()), Ok(*s));
        }
        assert_eq!(Sex::parse("男"), Ok(Sex::Male));
        assert_eq!(
            Relationship::parse("いとこの友達").map_err(|e| e.code()),
            Err("E-CODE-005")
        );
        assert!(ForeignCategory::parse("観光客").is_err());
    }
}
