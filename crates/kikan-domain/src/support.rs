//! 支援措置 (support measures for victims of DV, stalking, child abuse …; DB "C").
//!
//! A person who applies (申出者) is registered with the persons who seek protection
//! with them (併せて支援を求める者) and the persons they are shielded from (加害者),
//! with what is known of those. A measure lasts one year from its start, can be
//! extended by a year at a time, and ends early on request. While a measure is in
//! force, a request by a shielded person concerning a protected person is refused,
//! and a third party's request needs an examiner's (審査) approval.

use crate::error::DomainError;
use crate::names::{kana_key, kanji_key};
use crate::person::PersonId;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A support measure's identifier (random, like persons').
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MeasureId(pub i64);

impl std::fmt::Display for MeasureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What is known of a person the protected are shielded from (加害者).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offender {
    /// As known; compared variant-folded (髙橋 = 高橋) and without spaces.
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Their address, if known.
    pub address: Option<String>,
    /// Their relation to the applicant (配偶者, 元配偶者, 親 …).
    pub relation: Option<String>,
    /// Their record in this municipality's register, if they have one.
    pub person_id: Option<PersonId>,
}

/// One step of a measure's life, kept on the measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureEvent {
    pub on: NaiveDate,
    /// 開始, 延長, 終了.
    pub action: String,
    pub by: String,
    pub note: Option<String>,
}

/// A support measure as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportMeasure {
    pub id: MeasureId,
    /// 申出者.
    pub applicant: PersonId,
    /// 併せて支援を求める者 (the applicant's children, say).
    pub together: Vec<PersonId>,
    pub offenders: Vec<Offender>,
    /// The kind of harm (DV, ストーカー, 児童虐待 …), as the assessment says.
    pub kind: String,
    pub starts_on: NaiveDate,
    /// The last day in force (a year after the start, less a day; extended a year at a time).
    pub ends_on: NaiveDate,
    /// Set when ended before the period ran out.
    pub ended_on: Option<NaiveDate>,
    pub history: Vec<MeasureEvent>,
    pub version: u64,
}

/// How a request concerning a protected person is decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestDecision {
    /// Nobody concerned is under a measure.
    Allowed,
    /// The requester is someone the persons are shielded from: refused.
    RefusedShielded { measure: MeasureId },
    /// A third party asks about a protected person: an examiner must approve.
    NeedsApproval { measures: Vec<MeasureId> },
    /// The protected person themselves (or one protected with them) asks.
    AllowedSelf,
}

/// Who is asking (the requester of a certificate or 閲覧).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub person_id: Option<PersonId>,
    pub name: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// One year in force, from the start: the last day is the day before the anniversary.
pub fn one_year_from(start: NaiveDate) -> NaiveDate {
    start
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start)
}

fn folded(name: &str) -> String {
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    kanji_key(&compact)
}

impl SupportMeasure {
    /// A new measure, checked: an applicant, at least one offender with a name, and
    /// nobody both protected and shielded from.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: MeasureId,
        applicant: PersonId,
        together: Vec<PersonId>,
        offenders: Vec<Offender>,
        kind: &str,
        starts_on: NaiveDate,
        by: &str,
    ) -> Result<Self, DomainError> {
        if offenders.is_empty() || offenders.iter().any(|o| o.name.trim().is_empty()) {
            return Err(DomainError::Missing {
                field: "加害者の氏名",
            });
        }
        if kind.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "支援措置の種別",
            });
        }
        let protected: Vec<PersonId> = std::iter::once(applicant)
            .chain(together.iter().copied())
            .collect();
        if offenders
            .iter()
            .filter_map(|o| o.person_id)
            .any(|p| protected.contains(&p))
        {
            return Err(DomainError::Invalid {
                field: "加害者",
                reason: "支援を受ける人を加害者として指定することはできません".into(),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        if !protected.iter().all(|p| seen.insert(*p)) {
            return Err(DomainError::DuplicatePerson);
        }
        Ok(SupportMeasure {
            id,
            applicant,
            together,
            offenders,
            kind: kind.trim().into(),
            starts_on,
            ends_on: one_year_from(starts_on),
            ended_on: None,
            history: vec![MeasureEvent {
                on: starts_on,
                action: "開始".into(),
                by: by.into(),
                note: None,
            }],
            version: 1,
        })
    }

    /// The persons the measure protects.
    pub fn protected(&self) -> impl Iterator<Item = PersonId> + '_ {
        std::iter::once(self.applicant).chain(self.together.iter().copied())
    }

    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.starts_on <= on && on <= self.ends_on && self.ended_on.is_none_or(|e| on < e)
    }

    /// Extends by one year from the current end (延長).
    pub fn extend(&mut self, on: NaiveDate, by: &str) -> Result<(), DomainError> {
        if self.ended_on.is_some() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: "終了した支援措置は延長できません。新たに申出を受け付けてください".into(),
            });
        }
        let next_start = self.ends_on.succ_opt().unwrap_or(self.ends_on);
        self.ends_on = one_year_from(next_start);
        self.history.push(MeasureEvent {
            on,
            action: "延長".into(),
            by: by.into(),
            note: None,
        });
        self.version += 1;
        Ok(())
    }

    /// Ends the measure from `on` (終了: at the applicant's request, say).
    pub fn end(
        &mut self,
        on: NaiveDate,
        by: &str,
        note: Option<String>,
    ) -> Result<(), DomainError> {
        if self.ended_on.is_some() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: "この支援措置は既に終了しています".into(),
            });
        }
        self.ended_on = Some(on);
        self.history.push(MeasureEvent {
            on,
            action: "終了".into(),
            by: by.into(),
            note,
        });
        self.version += 1;
        Ok(())
    }

    /// Whether the requester is one of the persons shielded from: the same record, or
    /// the same name (variant-folded) with the same birth date when it is known, or
    /// the same name when the measure knows no birth date.
    pub fn shields_from(&self, r: &Requester) -> bool {
        self.offenders.iter().any(|o| {
            if let (Some(a), Some(b)) = (o.person_id, r.person_id)
                && a == b
            {
                return true;
            }
            let Some(name) = r.name.as_deref() else {
                return false;
            };
            let same_name = folded(&o.name) == folded(name)
                || o.furigana
                    .as_deref()
                    .is_some_and(|k| kana_key(k) == kana_key(name));
            same_name
                && match (o.birth_date, r.birth_date) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        })
    }
}

/// Decides a request by `requester` concerning `persons`, under the measures in force.
pub fn decide(
    measures: &[SupportMeasure],
    persons: &[PersonId],
    requester: &Requester,
    on: NaiveDate,
) -> RequestDecision {
    let concerned: Vec<&SupportMeasure> = measures
        .iter()
        .filter(|m| m.in_force(on) && m.protected().any(|p| persons.contains(&p)))
        .collect();
    if concerned.is_empty() {
        return RequestDecision::Allowed;
    }
    if let Some(m) = concerned.iter().find(|m| m.shields_from(requester)) {
        return RequestDecision::RefusedShielded { measure: m.id };
    }
    if let Some(me) = requester.person_id
        && concerned.iter().all(|m| m.protected().any(|p| p == me))
    {
        return RequestDecision::AllowedSelf;
    }
    RequestDecision::NeedsApproval {
        measures: concerned.iter().map(|m| m.id).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn measure() -> SupportMeasure {
        SupportMeasure::new(
            MeasureId(1),
            PersonId(10),
            vec![PersonId(11)],
            vec![Offender {
                name: "髙橋 一郎".into(),
                furigana: Some("タカハシ イチロウ".into()),
                birth_date: Some(d("1975-05-05")),
                address: None,
                relation: Some("元配偶者".into()),
                person_id: None,
            }],
            "DV",
            d("2026-04-01"),
            "shinsa",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_year_then_extended_then_ended() {
        let mut m = measure();
        assert_eq!(m.ends_on, d("2027-03-31"));
        assert!(m.in_force(d("2027-03-31")) && !m.in_force(d("2027-04-01")));
        assert!(m.extend(d("2027-03-01"), "shinsa").is_ok());
        assert_eq!(m.ends_on, d("2028-03-31"));
        assert!(
            m.end(d("2027-06-01"), "shinsa", Some("申出者の求め".into()))
                .is_ok()
        );
        assert!(!m.in_force(d("2027-06-01")) && m.in_force(d("2027-05-31")));
        assert!(m.extend(d("2027-07-01"), "shinsa").is_err());
        assert_eq!(m.version, 3);
    }

    #[test]
    fn requests_are_decided() {
        let ms = [measure()];
        let on = d("2026-06-01");
        let offender = Requester {
            person_id: None,
            name: Some("高橋　一郎".into()),
            birth_date: Some(d("1975-05-05")),
        };
        assert_eq!(
            decide(&ms, &[PersonId(11)], &offender, on),
            RequestDecision::RefusedShielded {
                measure: MeasureId(1)
            }
        );
        // Same name, another birth date: a third party (needs approval), not the offender.
        let namesake = Requester {
            birth_date: Some(d("1990-01-01")),
            ..offender.clone()
        };
        assert_eq!(
            decide(&ms, &[PersonId(10)], &namesake, on),
            RequestDecision::NeedsApproval {
                measures: vec![MeasureId(1)]
            }
        );
        let herself = Requester {
            person_id: Some(PersonId(10)),
            ..Default::default()
        };
        assert_eq!(
            decide(&ms, &[PersonId(10), PersonId(11)], &herself, on),
            RequestDecision::AllowedSelf
        );
        assert_eq!(
            decide(&ms, &[PersonId(99)], &offender, on),
            RequestDecision::Allowed
        );
        // After the period, nothing is withheld.
        assert_eq!(
            decide(&ms, &[PersonId(11)], &offender, d("2027-04-01")),
            RequestDecision::Allowed
        );
    }

    #[test]
    fn bad_measures_are_refused() {
        let bad = SupportMeasure::new(
            MeasureId(2),
            PersonId(1),
            vec![],
            vec![],
            "DV",
            d("2026-04-01"),
            "x",
        );
        assert!(matches!(bad, Err(DomainError::Missing { .. })));
        let offender_protected = SupportMeasure::new(
            MeasureId(3),
            PersonId(1),
            vec![],
            vec![Offender {
                name: "誰か".into(),
                furigana: None,
                birth_date: None,
                address: None,
                relation: None,
                person_id: Some(PersonId(1)),
            }],
            "DV",
            d("2026-04-01"),
            "x",
        );
        assert!(matches!(
            offender_protected,
            Err(DomainError::Invalid { .. })
        ));
    }
}
