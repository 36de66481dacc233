//! 異動・発行・照会抑止 (3.1, j410): a hold on the processing of a person or a household.
//!
//! Each suppression names what it holds (異動入力, 証明書発行, 照会 — any of them) and
//! how: an error (エラー: refused) or an alert (アラート: shown, the work goes on). It has
//! a start and, if set, an end date, but it never ends by itself: past its end date it
//! stays in force, with an alert, until someone releases it (解除). Someone allowed to
//! may release it for a while (一時解除, with a reason): it returns by itself when the
//! time set runs out. A temporary release is the suppression's own business: other
//! systems fed with the suppressions never see it as a release.

use crate::error::DomainError;
use crate::person::{HouseholdId, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A suppression's identifier (random, like persons').
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SuppressionId(pub i64);

impl std::fmt::Display for SuppressionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whom a suppression holds: a person, or a household (every member, as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Person(PersonId),
    Household(HouseholdId),
}

/// The processing a suppression holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Process {
    /// 異動入力: recording a 異動 (and entering it as a draft).
    Change,
    /// 証明書発行: certificates (住民票の写し …).
    Certificate,
    /// 照会: reading the record (住民票, 世帯, history).
    Inquiry,
}

impl Process {
    pub const ALL: [Process; 3] = [Process::Change, Process::Certificate, Process::Inquiry];

    pub fn code(self) -> &'static str {
        match self {
            Process::Change => "change",
            Process::Certificate => "certificate",
            Process::Inquiry => "inquiry",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Process::Change => "異動入力",
            Process::Certificate => "証明書発行",
            Process::Inquiry => "照会",
        }
    }

    /// Parses a code or a label.
    pub fn parse(s: &str) -> Option<Process> {
        let s = s.trim();
        Process::ALL
            .into_iter()
            .find(|p| p.code() == s || p.label() == s)
    }
}

/// How a suppression holds: refused, or shown and allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// エラー: the processing is refused (unless temporarily released).
    Error,
    /// アラート: the processing goes on, with the alert shown.
    Alert,
}

impl Level {
    /// `error` or `alert`, as the API and other systems write it.
    pub fn code(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Alert => "alert",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "エラー",
            Level::Alert => "アラート",
        }
    }
}

/// Why a suppression is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 支援対象者に対する抑止 (a 支援措置's subject).
    Support,
    /// その他の抑止 (a court order, a pending investigation …).
    Other,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Support => "支援対象者",
            Category::Other => "その他",
        }
    }
}

/// One step of a suppression's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionEvent {
    pub at: DateTime<Utc>,
    /// 設定, 一時解除, 解除.
    pub action: String,
    pub by: String,
    pub note: Option<String>,
}

/// A temporary release (一時解除).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub until: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// The history's word for a temporary release.
const TEMPORARY_RELEASE: &str = "一時解除";

/// The longest temporary release, in minutes.
pub const RELEASE_MINUTES_MAX: i64 = 480;

/// A suppression as set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub id: SuppressionId,
    pub subject: Subject,
    pub category: Category,
    pub processes: BTreeSet<Process>,
    pub level: Level,
    pub reason: String,
    pub starts_on: NaiveDate,
    /// The end date set, if any; the suppression does not end on it.
    pub ends_on: Option<NaiveDate>,
    /// 解除: from this day it holds no more.
    pub released_on: Option<NaiveDate>,
    /// The current or last temporary release.
    pub release: Option<Release>,
    pub history: Vec<SuppressionEvent>,
    pub version: u64,
}

impl Suppression {
    /// A new suppression, checked: at least one process, a reason, an end not before
    /// the start.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: SuppressionId,
        subject: Subject,
        category: Category,
        processes: BTreeSet<Process>,
        level: Level,
        reason: &str,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<Self, DomainError> {
        if processes.is_empty() {
            return Err(DomainError::Missing {
                field: "抑止する処理",
            });
        }
        if reason.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "抑止の理由",
            });
        }
        if ends_on.is_some_and(|e| e < starts_on) {
            return Err(DomainError::Invalid {
                field: "終了日",
                reason: "開始日より前にはできません".into(),
            });
        }
        Ok(Suppression {
            id,
            subject,
            category,
            processes,
            level,
            reason: reason.trim().into(),
            starts_on,
            ends_on,
            released_on: None,
            release: None,
            history: vec![SuppressionEvent {
                at,
                action: "設定".into(),
                by: by.into(),
                note: None,
            }],
            version: 1,
        })
    }

    /// Whether it holds on `on` (its end date does not end it; a release does).
    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.starts_on <= on && self.released_on.is_none_or(|r| on < r)
    }

    /// Its last 設定 or 解除: what other systems are told of it changed (a 一時解除 is
    /// the suppression's own business, 3.1).
    pub fn changed_at(&self) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .rev()
            .find(|e| e.action != TEMPORARY_RELEASE)
            .map(|e| e.at)
    }

    /// Whether a temporary release is running at `now`.
    pub fn temporarily_released(&self, now: DateTime<Utc>) -> bool {
        self.release.as_ref().is_some_and(|r| now < r.until)
    }

    /// Whether it concerns `process` for any of `subjects`.
    pub fn holds(&self, process: Process, subjects: &[Subject]) -> bool {
        self.processes.contains(&process) && subjects.contains(&self.subject)
    }

    fn push(&mut self, at: DateTime<Utc>, action: &str, by: &str, note: Option<String>) {
        self.history.push(SuppressionEvent {
            at,
            action: action.into(),
            by: by.into(),
            note,
        });
        self.version += 1;
    }

    fn still_in_force(&self, on: NaiveDate) -> Result<(), DomainError> {
        if !self.in_force(on) {
            return Err(DomainError::Invalid {
                field: "抑止",
                reason: "この抑止は解除されているか、まだ開始していません".into(),
            });
        }
        Ok(())
    }

    /// 一時解除 for `minutes` (1 to [`RELEASE_MINUTES_MAX`]), with a reason.
    pub fn release_for(
        &mut self,
        minutes: i64,
        reason: &str,
        now: DateTime<Utc>,
        on: NaiveDate,
        by: &str,
    ) -> Result<(), DomainError> {
        self.still_in_force(on)?;
        if !(1..=RELEASE_MINUTES_MAX).contains(&minutes) {
            return Err(DomainError::Invalid {
                field: "一時解除の時間",
                reason: format!("1から{RELEASE_MINUTES_MAX}分までにしてください"),
            });
        }
        if reason.trim().is_empty() {
            return Err(DomainError::Missing {
                field: "一時解除の理由",
            });
        }
        self.release = Some(Release {
            until: now + chrono::Duration::minutes(minutes),
            by: by.into(),
            reason: reason.trim().into(),
        });
        self.push(
            now,
            TEMPORARY_RELEASE,
            by,
            Some(format!("{minutes}分間: {}", reason.trim())),
        );
        Ok(())
    }

    /// 解除: holds no more from `on`.
    pub fn release(
        &mut self,
        on: NaiveDate,
        now: DateTime<Utc>,
        by: &str,
        note: Option<String>,
    ) -> Result<(), DomainError> {
        self.still_in_force(on)?;
        self.released_on = Some(on);
        self.release = None;
        self.push(now, "解除", by, note);
        Ok(())
    }

    /// What staff are told about it (whether it refuses or lets the work go on).
    pub fn message(&self, process: Process, on: NaiveDate) -> String {
        let mut m = format!(
            "{}の{}が抑止されています({}、理由: {})",
            match self.subject {
                Subject::Person(p) => format!("宛名番号 {p}"),
                Subject::Household(h) => format!("世帯 {h}"),
            },
            process.label(),
            self.level.label(),
            self.reason
        );
        if let Some(end) = self.ends_on
            && on > end
        {
            m.push_str(&format!(
                "。終了日({})を過ぎていますが、解除されるまで抑止は続きます",
                crate::wareki::format_wareki(end).unwrap_or_else(|_| end.to_string())
            ));
        }
        m
    }
}

/// How suppressions decide a processing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Error-level suppressions in force and not temporarily released: refused.
    pub refused: Vec<(SuppressionId, String)>,
    /// What to show while the work goes on (alert-level ones, and error-level ones
    /// temporarily released).
    pub alerts: Vec<String>,
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        self.refused.is_empty()
    }
}

/// Decides `process` for `subjects` under `suppressions` on `on` at `now`.
pub fn decide(
    suppressions: &[Suppression],
    process: Process,
    subjects: &[Subject],
    on: NaiveDate,
    now: DateTime<Utc>,
) -> Verdict {
    let mut v = Verdict::default();
    for s in suppressions
        .iter()
        .filter(|s| s.in_force(on) && s.holds(process, subjects))
    {
        let message = s.message(process, on);
        match s.level {
            Level::Error if !s.temporarily_released(now) => v.refused.push((s.id, message)),
            Level::Error => v.alerts.push(format!("{message}。一時解除中です")),
            Level::Alert => v.alerts.push(message),
        }
    }
    v
}

/// How long a 排他制御 lock lasts unless renewed, in minutes.
pub const LOCK_MINUTES: i64 = 30;

/// The most records one staff member may hold at once: a clerk enters one household's
/// change at a time (a 世帯合併 names two), so more is a mistake or an attempt to hold
/// others off the register.
pub const LOCKS_PER_HOLDER: usize = 10;

/// 排他制御 (10.3, managed with the other 抑止 under 3.1): while a staff member enters a
/// 異動 for a person or a household, the record is held for them: anyone else may read
/// it, but no other change of it is entered or recorded until the holder is done (the
/// lock goes with their change, or when they leave the form), the lock runs out
/// ([`LOCK_MINUTES`] after it was last taken), or someone who manages 抑止 releases it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub subject: Subject,
    /// The staff login (or system) at work on the record.
    pub holder: String,
    /// What they are entering (転居の受付 …).
    pub purpose: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Lock {
    /// A lock of `subject` for `holder` from `now` for [`LOCK_MINUTES`].
    pub fn new(
        subject: Subject,
        holder: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Lock, DomainError> {
        let purpose = purpose.trim();
        if purpose.chars().count() > 100 {
            return Err(DomainError::Invalid {
                field: "作業の内容",
                reason: "100文字以内にしてください".into(),
            });
        }
        Ok(Lock {
            subject,
            holder: holder.into(),
            purpose: if purpose.is_empty() {
                "異動入力".into()
            } else {
                purpose.into()
            },
            since: now,
            until: now + chrono::Duration::minutes(LOCK_MINUTES),
        })
    }

    /// Whether it holds against `who` at `now` (never against its holder).
    pub fn holds_against(&self, who: &str, now: DateTime<Utc>) -> bool {
        now < self.until && self.holder != who
    }

    /// What the others are told.
    pub fn message(&self) -> String {
        // Japan's time of day (JST has no daylight saving).
        let since = (self.since + chrono::Duration::hours(9)).format("%H:%M");
        format!(
            "{}は {} さんが{}の入力中です({} から)。閲覧のみできます",
            match self.subject {
                Subject::Person(p) => format!("宛名番号 {p}"),
                Subject::Household(h) => format!("世帯 {h}"),
            },
            self.holder,
            self.purpose,
            since
        )
    }
}

/// The first of `locks` that holds `who` off at `now`: that change must wait.
pub fn locked_out<'a>(locks: &'a [Lock], who: &str, now: DateTime<Utc>) -> Option<&'a Lock> {
    locks.iter().find(|l| l.holds_against(who, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn held(level: Level, processes: &[Process]) -> Suppression {
        Suppression::new(
            SuppressionId(1),
            Subject::Person(PersonId(10)),
            Category::Other,
            processes.iter().copied().collect(),
            level,
            "裁判所からの照会中",
            d("2026-04-01"),
            Some(d("2026-06-30")),
            at("2026-04-01T00:00:00Z"),
            "shinsa",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_error_refuses_an_alert_warns_and_neither_ends_by_itself() {
        let s = held(Level::Error, &[Process::Certificate]);
        let me = [Subject::Person(PersonId(10))];
        let now = at("2026-05-01T00:00:00Z");
        let v = decide(
            std::slice::from_ref(&s),
            Process::Certificate,
            &me,
            d("2026-05-01"),
            now,
        );
        assert!(!v.allowed() && v.alerts.is_empty());
        // Other processes and other persons are not held.
        assert!(
            decide(
                std::slice::from_ref(&s),
                Process::Inquiry,
                &me,
                d("2026-05-01"),
                now
            )
            .allowed()
        );
        let other = [Subject::Person(PersonId(11))];
        assert!(
            decide(
                std::slice::from_ref(&s),
                Process::Certificate,
                &other,
                d("2026-05-01"),
                now
            )
            .allowed()
        );
        // Past the end date: still refused, and the message says so.
        let late = decide(
            std::slice::from_ref(&s),
            Process::Certificate,
            &me,
            d("2026-08-01"),
            now,
        );
        assert!(!late.allowed());
        assert!(
            late.refused[0].1.contains("解除されるまで抑止は続きます"),
            "{late:?}"
        );
        let alert = held(Level::Alert, &[Process::Certificate, Process::Change]);
        let v = decide(&[alert], Process::Change, &me, d("2026-05-01"), now);
        assert!(v.allowed() && v.alerts.len() == 1);
    }

    #[test]
    fn a_temporary_release_runs_out_by_itself_and_a_release_ends_it() {
        let mut s = held(Level::Error, &[Process::Change]);
        let me = [Subject::Person(PersonId(10))];
        let now = at("2026-05-01T09:00:00Z");
        assert!(
            s.release_for(0, "x", now, d("2026-05-01"), "kacho")
                .is_err()
        );
        assert!(
            s.release_for(30, " ", now, d("2026-05-01"), "kacho")
                .is_err()
        );
        assert!(
            s.release_for(30, "本人確認済み", now, d("2026-05-01"), "kacho")
                .is_ok()
        );
        let during = decide(
            std::slice::from_ref(&s),
            Process::Change,
            &me,
            d("2026-05-01"),
            at("2026-05-01T09:29:59Z"),
        );
        assert!(during.allowed() && during.alerts[0].contains("一時解除中"));
        let after = decide(
            std::slice::from_ref(&s),
            Process::Change,
            &me,
            d("2026-05-01"),
            at("2026-05-01T09:30:00Z"),
        );
        assert!(!after.allowed());
        assert!(s.in_force(d("2026-05-01")));
        assert!(s.release(d("2026-05-02"), now, "kacho", None).is_ok());
        assert!(!s.in_force(d("2026-05-02")) && s.in_force(d("2026-05-01")));
        assert!(s.release(d("2026-05-03"), now, "kacho", None).is_err());
        assert_eq!(s.version, 3);
    }

    #[test]
    fn bad_suppressions_are_refused() {
        let new = |processes: &[Process], reason: &str, ends: &str| {
            Suppression::new(
                SuppressionId(2),
                Subject::Household(HouseholdId(5)),
                Category::Other,
                processes.iter().copied().collect(),
                Level::Error,
                reason,
                d("2026-04-01"),
                Some(d(ends)),
                at("2026-04-01T00:00:00Z"),
                "x",
            )
        };
        assert!(new(&[], "理由", "2026-05-01").is_err());
        assert!(new(&[Process::Change], "", "2026-05-01").is_err());
        assert!(new(&[Process::Change], "理由", "2026-03-31").is_err());
        assert!(new(&[Process::Change], "理由", "2026-04-01").is_ok());
        assert_eq!(Process::parse("照会"), Some(Process::Inquiry));
        assert_eq!(Process::parse("certificate"), Some(Process::Certificate));
    }

    #[test]
    fn a_lock_holds_the_others_off_until_it_runs_out() {
        let now = at("2026-05-01T01:00:00Z");
        let lock = Lock::new(
            Subject::Household(HouseholdId(7)),
            "madoguchi",
            " 転居の受付 ",
            now,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lock.purpose, "転居の受付");
        assert!(!lock.holds_against("madoguchi", now));
        assert!(lock.holds_against("shinsa", now));
        let later = now + chrono::Duration::minutes(LOCK_MINUTES);
        assert!(!lock.holds_against("shinsa", later));
        let locks = [lock];
        assert!(locked_out(&locks, "shinsa", now).is_some());
        assert!(locked_out(&locks, "shinsa", later).is_none());
        // 10:00 in Japan.
        assert!(
            locks[0]
                .message()
                .contains("madoguchi さんが転居の受付の入力中です(10:00 から)")
        );
        assert!(Lock::new(Subject::Person(PersonId(1)), "x", &"長".repeat(101), now).is_err());
        let blank =
            Lock::new(Subject::Person(PersonId(1)), "x", "", now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(blank.purpose, "異動入力");
    }
}
