//! スケジュール管理 (9.1, j1280): when a batch job starts by itself — once at a date and
//! time, every day, every week on a weekday, every month on a day, at every month's
//! end, or every year on a day (the 除票用データベースへの移行 outside the busy season,
//! 9.3) — always in Japan's time.
//!
//! A schedule names **slots**: the instants it is due. The runner asks for the latest
//! slot in `(after, now]` and runs the job once for it; a slot is claimed before the
//! job runs, so a slot is never run twice, whichever server sees it first. Slots missed
//! while kikan was stopped are not made up one by one: the latest one runs.

use crate::DomainError;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// When a job starts by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// 年月日及び時分: once.
    Once { at: NaiveDateTime },
    /// 毎日.
    Daily { time: NaiveTime },
    /// 毎週○曜日 (`weekday` 0 = 月曜日 … 6 = 日曜日).
    Weekly { weekday: u8, time: NaiveTime },
    /// 毎月ＸＸ日 (1–31; a month without that day runs on its last day).
    Monthly { day: u8, time: NaiveTime },
    /// 毎月末.
    MonthEnd { time: NaiveTime },
    /// 毎年○月○日 (2月29日 runs on 2月28日 in other years).
    Yearly { month: u8, day: u8, time: NaiveTime },
}

const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

fn last_day(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

impl Schedule {
    /// Checks the fields a schedule was given.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |reason: &str| DomainError::Invalid {
            field: "スケジュール",
            reason: reason.into(),
        };
        match *self {
            Schedule::Weekly { weekday, .. } if weekday > 6 => {
                Err(bad("曜日は0(月曜日)から6(日曜日)で指定してください"))
            }
            Schedule::Monthly { day, .. } if !(1..=31).contains(&day) => {
                Err(bad("日は1から31で指定してください"))
            }
            Schedule::Yearly { month, day, .. }
                if !(1..=12).contains(&month)
                    || day == 0
                    || u32::from(day) > last_day(2024, u32::from(month)).day() =>
            {
                Err(bad("月日は実在する月日(2月は29日まで)で指定してください"))
            }
            _ => Ok(()),
        }
    }

    /// How staff read it (毎週水曜日 02:00 …).
    pub fn label(&self) -> String {
        let t = |t: NaiveTime| t.format("%H:%M").to_string();
        match *self {
            Schedule::Once { at } => format!("{} 1回", at.format("%Y-%m-%d %H:%M")),
            Schedule::Daily { time } => format!("毎日 {}", t(time)),
            Schedule::Weekly { weekday, time } => format!(
                "毎週{}曜日 {}",
                WEEKDAYS.get(usize::from(weekday)).copied().unwrap_or("?"),
                t(time)
            ),
            Schedule::Monthly { day, time } => format!("毎月{day}日 {}", t(time)),
            Schedule::MonthEnd { time } => format!("毎月末 {}", t(time)),
            Schedule::Yearly { month, day, time } => format!("毎年{month}月{day}日 {}", t(time)),
        }
    }

    /// The slot on day `d`, if the schedule has one that day.
    fn on_day(&self, d: NaiveDate) -> Option<NaiveDateTime> {
        match *self {
            Schedule::Once { at } => (at.date() == d).then_some(at),
            Schedule::Daily { time } => Some(d.and_time(time)),
            Schedule::Weekly { weekday, time } => {
                (d.weekday().num_days_from_monday() == u32::from(weekday)).then(|| d.and_time(time))
            }
            Schedule::Monthly { day, time } => {
                let last = last_day(d.year(), d.month());
                let want = u32::from(day).min(last.day());
                (d.day() == want).then(|| d.and_time(time))
            }
            Schedule::MonthEnd { time } => {
                (d == last_day(d.year(), d.month())).then(|| d.and_time(time))
            }
            Schedule::Yearly { month, day, time } => {
                let last = last_day(d.year(), u32::from(month));
                (d.month() == u32::from(month) && d.day() == u32::from(day).min(last.day()))
                    .then(|| d.and_time(time))
            }
        }
    }

    /// Days within which every kind but `Once` has a slot.
    fn period_days(&self) -> i64 {
        match self {
            Schedule::Yearly { .. } => 366,
            _ => 31,
        }
    }

    /// The latest slot in `(after, now]` (Japan's local times), if any.
    pub fn due(&self, after: NaiveDateTime, now: NaiveDateTime) -> Option<NaiveDateTime> {
        if now <= after {
            return None;
        }
        if let Schedule::Once { at } = *self {
            return (after < at && at <= now).then_some(at);
        }
        // Every kind has a slot at least once in its period; look back no further.
        let mut d = now.date();
        let stop = after
            .date()
            .max(now.date() - Duration::days(self.period_days()));
        while d >= stop {
            if let Some(slot) = self.on_day(d)
                && after < slot
                && slot <= now
            {
                return Some(slot);
            }
            match d.pred_opt() {
                Some(p) => d = p,
                None => break,
            }
        }
        None
    }

    /// The next slot after `now`, if any (for the screen).
    pub fn next(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        if let Schedule::Once { at } = *self {
            return (at > now).then_some(at);
        }
        let mut d = now.date();
        for _ in 0..=2 * self.period_days() {
            if let Some(slot) = self.on_day(d)
                && slot > now
            {
                return Some(slot);
            }
            d = d.succ_opt()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }
    fn time(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").expect("time")
    }

    #[test]
    fn slots_of_each_kind() {
        let daily = Schedule::Daily {
            time: time("02:00"),
        };
        assert_eq!(
            daily.due(at("2026-12-01 02:00"), at("2026-12-02 01:59")),
            None
        );
        assert_eq!(
            daily.due(at("2026-12-01 02:00"), at("2026-12-02 02:00")),
            Some(at("2026-12-02 02:00"))
        );
        // Missed days: the latest slot only.
        assert_eq!(
            daily.due(at("2026-11-20 02:00"), at("2026-12-02 09:00")),
            Some(at("2026-12-02 02:00"))
        );
        // 2026-12-02 is a Wednesday (2).
        let weekly = Schedule::Weekly {
            weekday: 2,
            time: time("06:30"),
        };
        assert_eq!(
            weekly.next(at("2026-12-02 07:00")),
            Some(at("2026-12-09 06:30"))
        );
        assert_eq!(
            weekly.due(at("2026-12-01 00:00"), at("2026-12-02 06:30")),
            Some(at("2026-12-02 06:30"))
        );
        let monthly = Schedule::Monthly {
            day: 31,
            time: time("23:00"),
        };
        assert_eq!(
            monthly.next(at("2027-02-01 00:00")),
            Some(at("2027-02-28 23:00"))
        );
        assert_eq!(
            monthly.next(at("2027-03-01 00:00")),
            Some(at("2027-03-31 23:00"))
        );
        let end = Schedule::MonthEnd {
            time: time("20:00"),
        };
        assert_eq!(
            end.next(at("2028-02-01 00:00")),
            Some(at("2028-02-29 20:00"))
        );
        assert_eq!(
            end.due(at("2026-11-30 20:00"), at("2026-12-31 19:59")),
            None
        );
        let once = Schedule::Once {
            at: at("2026-12-24 10:00"),
        };
        assert_eq!(
            once.due(at("2026-12-01 00:00"), at("2026-12-24 10:00")),
            Some(at("2026-12-24 10:00"))
        );
        assert_eq!(
            once.due(at("2026-12-24 10:00"), at("2026-12-25 10:00")),
            None
        );
        assert_eq!(once.next(at("2026-12-25 00:00")), None);
        // 毎年: the 除票用データベースへの移行 outside the busy season (9.3).
        let yearly = Schedule::Yearly {
            month: 10,
            day: 15,
            time: time("01:00"),
        };
        assert_eq!(
            yearly.next(at("2026-12-01 00:00")),
            Some(at("2027-10-15 01:00"))
        );
        assert_eq!(
            yearly.due(at("2026-10-15 01:00"), at("2027-10-15 00:59")),
            None
        );
        assert_eq!(
            yearly.due(at("2026-10-15 01:00"), at("2027-11-02 09:00")),
            Some(at("2027-10-15 01:00"))
        );
        assert_eq!(yearly.label(), "毎年10月15日 01:00");
        let leap = Schedule::Yearly {
            month: 2,
            day: 29,
            time: time("01:00"),
        };
        assert_eq!(
            leap.next(at("2027-01-01 00:00")),
            Some(at("2027-02-28 01:00"))
        );
        assert!(leap.validate().is_ok());
        for (month, day) in [(2, 30), (13, 1), (4, 31), (1, 0)] {
            let bad = Schedule::Yearly {
                month,
                day,
                time: time("01:00"),
            };
            assert!(bad.validate().is_err(), "{month}/{day}");
        }
        assert_eq!(weekly.label(), "毎週水曜日 06:30");
        assert!(
            Schedule::Monthly {
                day: 0,
                time: time("01:00")
            }
            .validate()
            .is_err()
        );
        assert!(
            Schedule::Weekly {
                weekday: 7,
                time: time("01:00")
            }
            .validate()
            .is_err()
        );
    }
}
