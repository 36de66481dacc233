//! 支援措置 (support measures for victims of DV, stalking, child abuse …; DB "C").
//!
//! A person who applies (申出者) is registered with the persons who seek protection
//! with them (併せて支援を求める者) and the persons they are shielded from (加害者),
//! with what is known of those (1.1.16, j160). A measure's period is one year from its
//! start (the end is set from the start and can be corrected); it can be extended by
//! a year from the day after its end, from one month before that end (3.4, j440).
//! From the application until the need is confirmed it is a 仮支援措置, which protects
//! alike. A measure never lapses by itself: past its end it stays in force, with an
//! alert, until someone ends it (終了). While a measure is in force, a request by a
//! shielded person concerning a protected person is refused, and a third party's
//! request needs an examiner's (審査) approval.

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
    /// 性別, as known.
    #[serde(default)]
    pub sex: Option<String>,
    /// その他: anything else worth knowing (free text).
    #[serde(default)]
    pub note: Option<String>,
}

/// 仮支援措置: protection from the application until the need is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisional {
    /// 仮支援措置の開始年月日.
    pub since: NaiveDate,
    /// 当初受付市区町村, when another municipality first took the application.
    pub first_municipality: Option<String>,
}

/// 申出者より支援を求められている事務 (1.1.16): which requests a measure restricts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    /// 住民基本台帳の一部の写しの閲覧 (the current address).
    pub inspection: bool,
    /// 住民票の写し等の交付 (the current and the previous address).
    pub copies: bool,
    /// 戸籍の附票の写し等の交付 (本籍, 前本籍 …; kept for the 附票 system).
    pub fuhyo: bool,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            inspection: true,
            copies: true,
            fuhyo: true,
        }
    }
}

/// A request a measure may restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Inspection,
    Copies,
    Fuhyo,
}

impl Services {
    pub fn covers(&self, s: Service) -> bool {
        match s {
            Service::Inspection => self.inspection,
            Service::Copies => self.copies,
            Service::Fuhyo => self.fuhyo,
        }
    }
}

/// 転送情報 (1.1.16): the measure's application forwarded to or from another
/// municipality.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// 転送先市区町村 and 転送年月日 (this municipality took the application first).
    pub forwarded_to: Option<String>,
    pub forwarded_on: Option<NaiveDate>,
    /// 転送された支援措置申出書の受付年月日 (this municipality received it).
    pub received_on: Option<NaiveDate>,
    /// 支援の必要性がないことを確認したときの申出者への連絡年月日.
    pub no_need_notified_on: Option<NaiveDate>,
}

/// What a reader of a protected person's record is to be told about the measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeasureAlert {
    /// The period ends within a month: extend it or let it end.
    EndsSoon { ends_on: NaiveDate, days_left: i64 },
    /// The period has ended without an extension: the measure stays in force until
    /// someone ends or extends it.
    PeriodOver { ends_on: NaiveDate },
}

impl MeasureAlert {
    /// The alert in the staff's words.
    pub fn message(&self) -> String {
        match self {
            MeasureAlert::EndsSoon { ends_on, days_left } => format!(
                "支援措置の期間が{}日後({})に終了します。延長または終了の手続を確認してください",
                days_left,
                crate::wareki::format_wareki(*ends_on).unwrap_or_else(|_| ends_on.to_string())
            ),
            MeasureAlert::PeriodOver { ends_on } => format!(
                "支援措置の期間は{}に終了していますが、延長も終了もされていません(措置は継続中として扱います)",
                crate::wareki::format_wareki(*ends_on).unwrap_or_else(|_| ends_on.to_string())
            ),
        }
    }
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
    /// The period's last day (a year after the start, less a day, unless corrected;
    /// extended a year at a time). The measure does not lapse on it.
    pub ends_on: NaiveDate,
    /// Set when someone ended it (終了); from this day it protects no more.
    pub ended_on: Option<NaiveDate>,
    pub history: Vec<MeasureEvent>,
    pub version: u64,
    /// Set while it is a 仮支援措置 (until [`SupportMeasure::confirm`]).
    #[serde(default)]
    pub provisional: Option<Provisional>,
    /// 連絡先 of the applicant (telephone, mobile, e-mail …).
    #[serde(default)]
    pub contact: Option<String>,
    /// 申出者との関係 of each person protected with the applicant (子, 母 …).
    #[serde(default)]
    pub relations: std::collections::BTreeMap<PersonId, String>,
    /// The requests it restricts (all, unless the applicant asked for fewer).
    #[serde(default)]
    pub services: Services,
    /// 転送情報.
    #[serde(default)]
    pub transfer: Transfer,
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
            provisional: None,
            contact: None,
            relations: Default::default(),
            services: Services::default(),
            transfer: Transfer::default(),
        })
    }

    /// Makes a new measure a 仮支援措置 from its start (the need not yet confirmed).
    pub fn as_provisional(mut self, first_municipality: Option<String>) -> Self {
        self.provisional = Some(Provisional {
            since: self.starts_on,
            first_municipality,
        });
        if let Some(first) = self.history.first_mut() {
            first.action = "仮支援措置開始".into();
        }
        self
    }

    /// 支援措置の開始: the need confirmed, a 仮支援措置 becomes a measure whose period of
    /// one year starts on `on`.
    pub fn confirm(&mut self, on: NaiveDate, by: &str) -> Result<(), DomainError> {
        self.still_open()?;
        if self.provisional.is_none() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: "仮支援措置ではありません(既に開始しています)".into(),
            });
        }
        self.provisional = None;
        self.starts_on = on;
        self.ends_on = one_year_from(on);
        self.push(on, "開始(仮支援措置から)", by, None);
        Ok(())
    }

    /// Corrects the period's last day (修正), which must not be before its start.
    pub fn correct_end(
        &mut self,
        ends_on: NaiveDate,
        on: NaiveDate,
        by: &str,
        note: Option<String>,
    ) -> Result<(), DomainError> {
        self.still_open()?;
        if ends_on < self.starts_on {
            return Err(DomainError::Invalid {
                field: "終了年月日",
                reason: "開始年月日より前にはできません".into(),
            });
        }
        self.ends_on = ends_on;
        self.push(on, "終了年月日の修正", by, note);
        Ok(())
    }

    fn still_open(&self) -> Result<(), DomainError> {
        if self.ended_on.is_some() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: "この支援措置は既に終了しています".into(),
            });
        }
        Ok(())
    }

    fn push(&mut self, on: NaiveDate, action: &str, by: &str, note: Option<String>) {
        self.history.push(MeasureEvent {
            on,
            action: action.into(),
            by: by.into(),
            note,
        });
        self.version += 1;
    }

    /// 前住所地として継続 (3.4): the day the last of the protected persons moved away (転出),
    /// when all of them have. The measure goes on protecting their 除票, as a
    /// 仮支援措置 of the former municipality, until someone ends it.
    pub fn moved_away(&self, persons: &[crate::person::Person]) -> Option<NaiveDate> {
        use crate::lists::RemovalReason;
        use crate::person::PersonStatus;
        let mut last = None;
        for id in self.protected() {
            let p = persons.iter().find(|p| p.id == id)?;
            match &p.status {
                PersonStatus::Removed {
                    on,
                    reason: RemovalReason::MovedOut | RemovalReason::Emigrated,
                    ..
                } => last = last.max(Some(*on)),
                _ => return None,
            }
        }
        last
    }

    /// The first day an extension may be made: one month before the period's end.
    pub fn extendable_from(&self) -> NaiveDate {
        self.ends_on
            .checked_sub_months(Months::new(1))
            .unwrap_or(self.ends_on)
    }

    /// What a reader of a protected person's record is to be told on `on`: the period
    /// ends within a month, or it has ended without an extension.
    pub fn alert(&self, on: NaiveDate) -> Option<MeasureAlert> {
        if !self.in_force(on) || self.provisional.is_some() {
            return None;
        }
        if on > self.ends_on {
            Some(MeasureAlert::PeriodOver {
                ends_on: self.ends_on,
            })
        } else if on >= self.extendable_from() {
            Some(MeasureAlert::EndsSoon {
                ends_on: self.ends_on,
                days_left: (self.ends_on - on).num_days(),
            })
        } else {
            None
        }
    }

    /// The persons the measure protects.
    pub fn protected(&self) -> impl Iterator<Item = PersonId> + '_ {
        std::iter::once(self.applicant).chain(self.together.iter().copied())
    }

    /// Whether it protects on `on`: from its start (or its 仮支援措置's) until someone
    /// ends it. The end of the period does not end it (3.1, j410; 3.4, j440).
    pub fn in_force(&self, on: NaiveDate) -> bool {
        let since = self
            .provisional
            .as_ref()
            .map_or(self.starts_on, |p| p.since);
        since <= on && self.ended_on.is_none_or(|e| on < e)
    }

    /// Extends by one year from the day after the current end (延長), from one month
    /// before that end.
    pub fn extend(&mut self, on: NaiveDate, by: &str) -> Result<(), DomainError> {
        if self.ended_on.is_some() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: "終了した支援措置は延長できません。新たに申出を受け付けてください".into(),
            });
        }
        if self.provisional.is_some() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: "仮支援措置は延長できません。支援の必要性を確認して開始してください".into(),
            });
        }
        if on < self.extendable_from() {
            return Err(DomainError::Invalid {
                field: "支援措置",
                reason: format!(
                    "延長は期間終了日の1か月前({})から行えます",
                    crate::wareki::format_wareki(self.extendable_from())
                        .unwrap_or_else(|_| self.extendable_from().to_string())
                ),
            });
        }
        let next_start = self.ends_on.succ_opt().unwrap_or(self.ends_on);
        self.ends_on = one_year_from(next_start);
        self.push(on, "延長", by, None);
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
        self.push(on, "終了", by, note);
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

/// [`decide`] for one kind of request: only the measures that restrict it count.
pub fn decide_for(
    measures: &[SupportMeasure],
    service: Service,
    persons: &[PersonId],
    requester: &Requester,
    on: NaiveDate,
) -> RequestDecision {
    let restricting: Vec<SupportMeasure> = measures
        .iter()
        .filter(|m| m.services.covers(service))
        .cloned()
        .collect();
    decide(&restricting, persons, requester, on)
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
                sex: None,
                note: None,
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
        // Too early to extend: from one month before the end.
        assert!(m.extend(d("2027-02-27"), "shinsa").is_err());
        assert_eq!(m.extendable_from(), d("2027-02-28"));
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
    fn a_measure_never_lapses_by_itself_and_alerts_instead() {
        let m = measure();
        assert_eq!(m.alert(d("2027-02-27")), None);
        assert_eq!(
            m.alert(d("2027-03-01")),
            Some(MeasureAlert::EndsSoon {
                ends_on: d("2027-03-31"),
                days_left: 30
            })
        );
        // Past its end, not extended: still in force, with an alert.
        assert!(m.in_force(d("2027-04-01")) && m.in_force(d("2030-01-01")));
        assert_eq!(
            m.alert(d("2027-04-01")),
            Some(MeasureAlert::PeriodOver {
                ends_on: d("2027-03-31")
            })
        );
        assert!(
            m.alert(d("2027-04-01"))
                .is_some_and(|a| a.message().contains("令和9年3月31日"))
        );
        // A late extension runs from the day after the old end.
        let mut late = m.clone();
        assert!(late.extend(d("2027-05-10"), "shinsa").is_ok());
        assert_eq!(late.ends_on, d("2028-03-31"));
        assert_eq!(late.alert(d("2027-05-10")), None);
    }

    #[test]
    fn a_measure_restricts_the_requests_it_was_asked_for() {
        let mut m = measure();
        m.services = Services {
            inspection: true,
            copies: false,
            fuhyo: true,
        };
        let offender = Requester {
            name: Some("高橋　一郎".into()),
            birth_date: Some(d("1975-05-05")),
            ..Default::default()
        };
        let on = d("2026-06-01");
        let ms = [m];
        assert_eq!(
            decide_for(&ms, Service::Copies, &[PersonId(10)], &offender, on),
            RequestDecision::Allowed
        );
        assert!(matches!(
            decide_for(&ms, Service::Inspection, &[PersonId(10)], &offender, on),
            RequestDecision::RefusedShielded { .. }
        ));
    }

    #[test]
    fn a_provisional_measure_protects_until_confirmed() {
        let mut m = measure().as_provisional(Some("東京都千代田区".into()));
        assert!(m.in_force(d("2026-04-01")));
        assert_eq!(m.alert(d("2027-04-01")), None);
        assert!(m.extend(d("2027-03-15"), "shinsa").is_err());
        assert!(m.confirm(d("2026-04-20"), "shinsa").is_ok());
        assert_eq!((m.starts_on, m.ends_on), (d("2026-04-20"), d("2027-04-19")));
        assert!(m.provisional.is_none() && m.confirm(d("2026-04-21"), "x").is_err());
        assert!(
            m.correct_end(d("2026-04-19"), d("2026-04-21"), "x", None)
                .is_err()
        );
        assert!(
            m.correct_end(d("2027-03-31"), d("2026-04-21"), "x", None)
                .is_ok()
        );
        assert_eq!(m.ends_on, d("2027-03-31"));
        let actions: Vec<&str> = m.history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["仮支援措置開始", "開始(仮支援措置から)", "終了年月日の修正"]
        );
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
        // After the period, not ended by anyone: still refused (no lapse by itself).
        assert_eq!(
            decide(&ms, &[PersonId(11)], &offender, d("2027-04-01")),
            RequestDecision::RefusedShielded {
                measure: MeasureId(1)
            }
        );
        let mut ended = measure();
        assert!(ended.end(d("2027-04-02"), "shinsa", None).is_ok());
        assert_eq!(
            decide(&[ended], &[PersonId(11)], &offender, d("2027-04-02")),
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
                sex: None,
                note: None,
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
