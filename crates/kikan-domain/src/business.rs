//! The 法第7条 items other businesses keep (1.1.1, j10; 1.1.2, j20; 7.2.2, j1180): 選挙人名簿
//! への登録の有無; 国民健康保険, 後期高齢者医療 and 介護保険 (被保険者該当の有無, 資格取得・喪失
//! 年月日); 国民年金 (the same, 基礎年金番号, 種別 and the day it changed); 児童手当 (受給開始・
//! 終了年月); and whether the person holds a 住基カード or 個人番号カード. The system that
//! owns each sets it (within its API token's scope); the registry keeps every value it
//! was given, with who gave it and when.

use crate::DomainError;
use crate::person::PersonId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A business whose items the registry keeps, by its stable code (API, database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Business {
    /// 選挙人名簿 (選挙管理).
    Elector,
    /// 国民健康保険.
    NationalHealthInsurance,
    /// 後期高齢者医療.
    LateStageMedical,
    /// 介護保険.
    LongTermCare,
    /// 国民年金.
    NationalPension,
    /// 児童手当.
    ChildAllowance,
    /// 住基カード又は個人番号カードの保有 (7.2.2).
    Card,
    /// 成年被後見人 (9.4): set by the registry's staff (or the 選挙 system); never printed
    /// on a certificate; a 転出 of one gives the notice to the new municipality.
    AdultWard,
}

impl Business {
    pub const ALL: [Business; 8] = [
        Business::Elector,
        Business::NationalHealthInsurance,
        Business::LateStageMedical,
        Business::LongTermCare,
        Business::NationalPension,
        Business::ChildAllowance,
        Business::Card,
        Business::AdultWard,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Business::Elector => "elector",
            Business::NationalHealthInsurance => "national_health_insurance",
            Business::LateStageMedical => "late_stage_medical",
            Business::LongTermCare => "long_term_care",
            Business::NationalPension => "national_pension",
            Business::ChildAllowance => "child_allowance",
            Business::Card => "card",
            Business::AdultWard => "adult_ward",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Business::Elector => "選挙人名簿",
            Business::NationalHealthInsurance => "国民健康保険",
            Business::LateStageMedical => "後期高齢者医療",
            Business::LongTermCare => "介護保険",
            Business::NationalPension => "国民年金",
            Business::ChildAllowance => "児童手当",
            Business::Card => "住基カード・個人番号カード",
            Business::AdultWard => "成年被後見人",
        }
    }
    /// Reads a business from its code or its label.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|b| b.code() == t || b.label() == t)
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "業務",
                value: t.to_string(),
            })
    }
}

/// The card a person holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardKind {
    #[serde(rename = "個人番号カード")]
    Individual,
    #[serde(rename = "住基カード")]
    Juki,
}

impl CardKind {
    pub fn label(self) -> &'static str {
        match self {
            CardKind::Individual => "個人番号カード",
            CardKind::Juki => "住基カード",
        }
    }
}

/// 被保険者該当の有無 and the 資格取得・喪失年月日 (国保, 後期高齢者医療, 介護保険, 国民年金).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// 被保険者に該当する.
    pub insured: bool,
    pub acquired_on: Option<NaiveDate>,
    pub lost_on: Option<NaiveDate>,
}

/// 国民年金の種別.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PensionKind {
    #[serde(rename = "第1号被保険者")]
    First,
    #[serde(rename = "第2号被保険者")]
    Second,
    #[serde(rename = "第3号被保険者")]
    Third,
    #[serde(rename = "任意加入被保険者")]
    Voluntary,
}

impl PensionKind {
    pub const ALL: [PensionKind; 4] = [
        PensionKind::First,
        PensionKind::Second,
        PensionKind::Third,
        PensionKind::Voluntary,
    ];
    pub fn label(self) -> &'static str {
        match self {
            PensionKind::First => "第1号被保険者",
            PensionKind::Second => "第2号被保険者",
            PensionKind::Third => "第3号被保険者",
            PensionKind::Voluntary => "任意加入被保険者",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.label() == t)
            .ok_or_else(|| DomainError::UnknownCode {
                kind: "国民年金の種別",
                value: t.to_string(),
            })
    }
}

/// 住基カード又は個人番号カード: whether one is held, and as the カード管理システム reports
/// it through the CS (7.1.1.3): which card, its 発行状況, its 有効期限, its
/// 署名用電子証明書のシリアル番号, and the 利用者証明用電子証明書のシリアル番号 (7.1.2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardItems {
    pub holds: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CardKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_serial: Option<String>,
    /// 署名用電子証明書のシリアル番号 (1.1.1, 1.1.2), as the card's report gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_serial: Option<String>,
}

/// The items of one business, as its system sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "business", rename_all = "snake_case")]
pub enum BusinessItems {
    /// 選挙人名簿への登録の有無.
    Elector {
        registered: bool,
    },
    NationalHealthInsurance(Coverage),
    LateStageMedical(Coverage),
    LongTermCare(Coverage),
    /// 国民年金: 被保険者該当の有無, 資格取得・喪失年月日, 基礎年金番号, 種別 and the day it
    /// changed.
    NationalPension {
        #[serde(flatten)]
        coverage: Coverage,
        /// 基礎年金番号: 10 digits (4-6).
        basic_pension_number: Option<String>,
        kind: Option<PensionKind>,
        kind_changed_on: Option<NaiveDate>,
    },
    /// 児童手当の受給開始・終了年月 (`YYYY-MM`).
    ChildAllowance {
        from: Option<String>,
        until: Option<String>,
    },
    /// 住基カード又は個人番号カードの保有の有無, and as the カード管理システム reports it
    /// through the CS (7.1.1.3): which card, its 発行状況, its 有効期限, and the
    /// 利用者証明用電子証明書のシリアル番号 (7.1.2.4).
    Card(CardItems),
    /// 成年被後見人であるか, and the day the 後見開始の審判 became final (and, once it
    /// ended, the day it ended).
    AdultWard {
        ward: bool,
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
    },
}

impl BusinessItems {
    pub fn business(&self) -> Business {
        match self {
            BusinessItems::Elector { .. } => Business::Elector,
            BusinessItems::NationalHealthInsurance(_) => Business::NationalHealthInsurance,
            BusinessItems::LateStageMedical(_) => Business::LateStageMedical,
            BusinessItems::LongTermCare(_) => Business::LongTermCare,
            BusinessItems::NationalPension { .. } => Business::NationalPension,
            BusinessItems::ChildAllowance { .. } => Business::ChildAllowance,
            BusinessItems::Card(_) => Business::Card,
            BusinessItems::AdultWard { .. } => Business::AdultWard,
        }
    }

    /// Checks the items together: dates in order, an insured person's 資格取得年月日, a
    /// 基礎年金番号 of 10 digits, months as `YYYY-MM`.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |reason: &str| DomainError::BusinessItems {
            business: self.business().label(),
            reason: reason.to_string(),
        };
        let coverage = |c: &Coverage| -> Result<(), DomainError> {
            if c.insured && c.acquired_on.is_none() {
                return Err(bad("被保険者に該当するときは資格取得年月日が必要です"));
            }
            if c.insured && c.lost_on.is_some() {
                return Err(bad(
                    "資格を喪失したときは被保険者該当を「なし」にしてください",
                ));
            }
            if let (Some(a), Some(l)) = (c.acquired_on, c.lost_on)
                && l < a
            {
                return Err(bad("資格喪失年月日が資格取得年月日より前です"));
            }
            Ok(())
        };
        match self {
            BusinessItems::Elector { .. } | BusinessItems::Card(_) => Ok(()),
            BusinessItems::AdultWard { ward, since, until } => {
                if *ward && until.is_some() {
                    return Err(bad(
                        "後見が終了したときは成年被後見人を「該当しない」にしてください",
                    ));
                }
                if let (Some(s), Some(u)) = (since, until)
                    && u < s
                {
                    return Err(bad("後見の終了日が開始日より前です"));
                }
                Ok(())
            }
            BusinessItems::NationalHealthInsurance(c)
            | BusinessItems::LateStageMedical(c)
            | BusinessItems::LongTermCare(c) => coverage(c),
            BusinessItems::NationalPension {
                coverage: c,
                basic_pension_number,
                kind,
                kind_changed_on,
            } => {
                coverage(c)?;
                if let Some(n) = basic_pension_number {
                    let digits: String = n.chars().filter(|c| *c != '-').collect();
                    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad("基礎年金番号は10桁の数字です(例: 1234-567890)"));
                    }
                }
                if kind_changed_on.is_some() && kind.is_none() {
                    return Err(bad("種別の変更年月日には種別が必要です"));
                }
                Ok(())
            }
            BusinessItems::ChildAllowance { from, until } => {
                let month = |m: &Option<String>| -> Result<Option<NaiveDate>, DomainError> {
                    m.as_deref()
                        .map(|s| {
                            NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
                                .map_err(|_| bad("受給開始・終了年月は YYYY-MM で入力してください"))
                        })
                        .transpose()
                };
                if let (Some(f), Some(u)) = (month(from)?, month(until)?)
                    && u < f
                {
                    return Err(bad("受給終了年月が受給開始年月より前です"));
                }
                Ok(())
            }
        }
    }

    /// The items on one line, as shown and printed.
    pub fn line(&self) -> String {
        let on = |d: &Option<NaiveDate>| {
            d.and_then(|d| crate::wareki::format_wareki(d).ok())
                .unwrap_or_default()
        };
        let coverage = |c: &Coverage| {
            let mut s = if c.insured { "該当" } else { "非該当" }.to_string();
            if c.acquired_on.is_some() {
                s.push_str(&format!("　資格取得 {}", on(&c.acquired_on)));
            }
            if c.lost_on.is_some() {
                s.push_str(&format!("　資格喪失 {}", on(&c.lost_on)));
            }
            s
        };
        match self {
            BusinessItems::Elector { registered } => if *registered {
                "登録あり"
            } else {
                "登録なし"
            }
            .into(),
            BusinessItems::NationalHealthInsurance(c)
            | BusinessItems::LateStageMedical(c)
            | BusinessItems::LongTermCare(c) => coverage(c),
            BusinessItems::NationalPension {
                coverage: c,
                basic_pension_number,
                kind,
                kind_changed_on,
            } => {
                let mut s = coverage(c);
                if let Some(n) = basic_pension_number {
                    s.push_str(&format!("　基礎年金番号 {n}"));
                }
                if let Some(k) = kind {
                    s.push_str(&format!("　種別 {}", k.label()));
                }
                if kind_changed_on.is_some() {
                    s.push_str(&format!("({}変更)", on(kind_changed_on)));
                }
                s
            }
            BusinessItems::ChildAllowance { from, until } => format!(
                "受給開始 {}　受給終了 {}",
                from.as_deref().unwrap_or(""),
                until.as_deref().unwrap_or("")
            ),
            BusinessItems::Card(CardItems {
                holds,
                kind,
                status,
                expires_on,
                certificate_serial,
                signature_serial,
            }) => {
                let mut s = if *holds {
                    "保有あり"
                } else {
                    "保有なし"
                }
                .to_string();
                if let Some(k) = kind {
                    s.push_str(&format!("　{}", k.label()));
                }
                if let Some(st) = status {
                    s.push_str(&format!("　発行状況 {st}"));
                }
                if expires_on.is_some() {
                    s.push_str(&format!("　有効期限 {}", on(expires_on)));
                }
                if let Some(n) = signature_serial {
                    s.push_str(&format!("　署名用電子証明書シリアル番号 {n}"));
                }
                if let Some(n) = certificate_serial {
                    s.push_str(&format!("　利用者証明用電子証明書シリアル番号 {n}"));
                }
                s
            }
            BusinessItems::AdultWard { ward, since, until } => {
                let mut s = if *ward { "該当" } else { "非該当" }.to_string();
                if since.is_some() {
                    s.push_str(&format!("　後見開始 {}", on(since)));
                }
                if until.is_some() {
                    s.push_str(&format!("　後見終了 {}", on(until)));
                }
                s
            }
        }
    }
}

/// One value a business system set for a person: kept with who set it and when; the
/// latest per business is what the record shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessRecord {
    pub person: PersonId,
    /// 1 for the first value of this business for the person; each new value adds one.
    pub revision: u32,
    pub items: BusinessItems,
    /// The system (API token name) or staff member who set it.
    pub set_by: String,
    pub at: DateTime<Utc>,
}

/// The latest value of each business of each person among `records` (any order), by
/// person and business.
pub fn latest(records: &[BusinessRecord]) -> Vec<&BusinessRecord> {
    let mut by: std::collections::BTreeMap<(PersonId, Business), &BusinessRecord> =
        Default::default();
    for r in records {
        let key = (r.person, r.items.business());
        if by.get(&key).is_none_or(|x| x.revision < r.revision) {
            by.insert(key, r);
        }
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn business_items_are_checked_together() {
        let nhi = |insured, a: &str, l: &str| {
            BusinessItems::NationalHealthInsurance(Coverage {
                insured,
                acquired_on: d(a),
                lost_on: d(l),
            })
        };
        assert!(nhi(true, "2026-04-01", "").validate().is_ok());
        assert!(nhi(false, "2026-04-01", "2026-06-30").validate().is_ok());
        for bad in [
            nhi(true, "", ""),
            nhi(true, "2026-04-01", "2026-06-30"),
            nhi(false, "2026-04-01", "2026-03-31"),
        ] {
            assert_eq!(bad.validate().map_err(|e| e.code()), Err("E-BIZ-001"));
        }
        let pension = |n: &str| BusinessItems::NationalPension {
            coverage: Coverage {
                insured: true,
                acquired_on: d("2006-04-01"),
                lost_on: None,
            },
            basic_pension_number: Some(n.into()),
            kind: Some(PensionKind::First),
            kind_changed_on: d("2026-04-01"),
        };
        assert!(pension("1234-567890").validate().is_ok());
        assert!(pension("12345").validate().is_err());
        assert_eq!(
            pension("1234-567890").line(),
            "該当　資格取得 平成18年4月1日　基礎年金番号 1234-567890　種別 第1号被保険者(令和8年4月1日変更)"
        );
        let child = |f: &str, u: &str| BusinessItems::ChildAllowance {
            from: Some(f.into()),
            until: Some(u.into()),
        };
        assert!(child("2026-04", "2038-03").validate().is_ok());
        assert!(child("2026-04", "2026-03").validate().is_err());
        assert!(child("2026/04", "2038-03").validate().is_err());
        assert_eq!(Business::parse("国民年金"), Ok(Business::NationalPension));
        assert_eq!(
            Business::parse("pension").map_err(|e| e.code()),
            Err("E-CODE-005")
        );
        // The latest per business.
        let rec = |revision, items| BusinessRecord {
            person: PersonId(1),
            revision,
            items,
            set_by: "国保システム".into(),
            at: DateTime::<Utc>::default(),
        };
        let all = vec![
            rec(2, nhi(false, "2026-04-01", "2026-06-30")),
            rec(1, nhi(true, "2026-04-01", "")),
            rec(1, BusinessItems::Elector { registered: true }),
        ];
        let last = latest(&all);
        assert_eq!(last.len(), 2);
        assert_eq!(last[0].items, BusinessItems::Elector { registered: true });
        assert_eq!(last[1].revision, 2);
    }
}
