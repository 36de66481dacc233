//! 和暦: formatting and parsing Japanese era dates (明治 from 1873 to 令和).

use crate::DomainError;
use chrono::{Datelike, NaiveDate};

/// A modern Japanese era.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The first day of the era (明治: 1868-10-23, the day of the 改元, counted from 1868 as 元年).
    pub fn start(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 10, 23),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    fn next(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }

    /// The era of a date, if the date is on or after the adoption of the solar calendar.
    pub fn of(date: NaiveDate) -> Result<Era, DomainError> {
        if date < first_solar_day() {
            return Err(DomainError::LunarCalendarDate);
        }
        Ok(Era::ALL
            .iter()
            .rev()
            .copied()
            .find(|e| date >= e.start())
            .unwrap_or(Era::Meiji))
    }
}

/// 明治6年1月1日: Japan adopted the Gregorian calendar; earlier dates are lunar.
fn first_solar_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1873, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The era and era year of a date (year 1 is printed 元年).
pub fn era_year(date: NaiveDate) -> Result<(Era, i32), DomainError> {
    let era = Era::of(date)?;
    Ok((era, date.year() - era.start().year() + 1))
}

/// Formats a date as on a certificate: 令和8年4月1日, 令和元年5月1日.
pub fn format_wareki(date: NaiveDate) -> Result<String, DomainError> {
    let (era, y) = era_year(date)?;
    let year = if y == 1 {
        "元".to_string()
    } else {
        y.to_string()
    };
    Ok(format!(
        "{}{}年{}月{}日",
        era.name(),
        year,
        date.month(),
        date.day()
    ))
}

/// Parses a date in 和暦 (令和8年4月1日, 令和元年5月1日, R8.4.1, H31/4/30) or in the
/// Gregorian calendar (2026-04-01, 2026/4/1, 2026年4月1日). Full-width digits are accepted.
/// A date outside its era (平成31年5月1日) is refused.
pub fn parse_date(input: &str) -> Result<NaiveDate, DomainError> {
    let bad = || DomainError::InvalidDate(input.to_string());
    let s: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '．' => '.',
            '／' => '/',
            '－' => '-',
            c => c,
        })
        .collect();
    let (era, rest) = split_era(&s);
    let rest = rest.replace("元年", "1年");
    let parts: Vec<&str> = rest
        .split(['年', '月', '日', '.', '/', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    let num = |p: &str| p.trim().parse::<i32>().map_err(|_| bad());
    let (y, m, d) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
    let (m, d) = (
        u32::try_from(m).map_err(|_| bad())?,
        u32::try_from(d).map_err(|_| bad())?,
    );
    match era {
        None => {
            let date = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?;
            if date < first_solar_day() {
                return Err(DomainError::LunarCalendarDate);
            }
            Ok(date)
        }
        Some(era) => {
            if y < 1 {
                return Err(bad());
            }
            let date = NaiveDate::from_ymd_opt(era.start().year() + y - 1, m, d).ok_or_else(bad)?;
            if date < first_solar_day() {
                return Err(DomainError::LunarCalendarDate);
            }
            let in_era = date >= era.start() && era.next().is_none_or(|n| date < n.start());
            if !in_era {
                return Err(bad());
            }
            Ok(date)
        }
    }
}

fn split_era(s: &str) -> (Option<Era>, &str) {
    for era in Era::ALL {
        if let Some(rest) = s.strip_prefix(era.name()) {
            return (Some(era), rest);
        }
        let l = era.letter();
        for prefix in [l, l.to_ascii_lowercase()] {
            if let Some(rest) = s.strip_prefix(prefix) {
                return (Some(era), rest);
            }
        }
    }
    (None, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn era_boundaries() {
        let f = |y, m, day| format_wareki(d(y, m, day)).unwrap_or_default();
        assert_eq!(f(2019, 4, 30), "平成31年4月30日");
        assert_eq!(f(2019, 5, 1), "令和元年5月1日");
        assert_eq!(f(1989, 1, 7), "昭和64年1月7日");
        assert_eq!(f(1989, 1, 8), "平成元年1月8日");
        assert_eq!(f(1926, 12, 24), "大正15年12月24日");
        assert_eq!(f(1926, 12, 25), "昭和元年12月25日");
        assert_eq!(f(1912, 7, 29), "明治45年7月29日");
        assert_eq!(f(1912, 7, 30), "大正元年7月30日");
        assert_eq!(f(1873, 1, 1), "明治6年1月1日");
        assert_eq!(f(2026, 11, 25), "令和8年11月25日");
        assert_eq!(
            format_wareki(d(1872, 12, 31)),
            Err(DomainError::LunarCalendarDate)
        );
    }

    #[test]
    fn parsing_forms() {
        assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("R1.5.1"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("h31/4/30"), Ok(d(2019, 4, 30)));
        assert_eq!(parse_date("Ｓ６４．１．７"), Ok(d(1989, 1, 7)));
        assert_eq!(parse_date("2026-04-01"), Ok(d(2026, 4, 1)));
        assert_eq!(parse_date("2026年4月1日"), Ok(d(2026, 4, 1)));
        assert_eq!(parse_date("大正元年7月30日"), Ok(d(1912, 7, 30)));
        // Outside the era, impossible, or malformed.
        assert!(parse_date("平成31年5月1日").is_err());
        assert!(parse_date("昭和64年1月8日").is_err());
        assert!(parse_date("令和元年4月30日").is_err());
        assert!(parse_date("令和3年2月29日").is_err());
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("きのう").is_err());
        assert_eq!(
            parse_date("明治5年12月1日"),
            Err(DomainError::LunarCalendarDate)
        );
        assert_eq!(parse_date("x").map_err(|e| e.code()), Err("E-DATE-001"));
    }

    proptest! {
        #[test]
        fn wareki_round_trips(days in 0i64..70000) {
            let date = d(1873, 1, 1) + chrono::Duration::days(days);
            let text = format_wareki(date).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parse_date(&text), Ok(date));
        }
    }
}
