//! 和暦: formatting and parsing Japanese era dates (明治 from 1873 to 令和).

use crate::DomainError;
use chrono::{Datelike, NaiveDate};

/// A Japanese era (元号), as data (1.3.6, j280): a new 元号 is configuration, not code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Era {
    pub name: String,
    /// The letter of the short form (R8.4.1).
    pub letter: char,
    /// The first day of the era (明治: 1868-10-23, counted from 1868 as 元年).
    pub start: NaiveDate,
    /// The previous era's name stays valid on this era's first day (明治45年7月30日 and
    /// 大正15年12月25日: the 改元 came on the day the emperor died, 1.1.8).
    pub shared_first_day: bool,
}

/// The eras kikan knows: 明治 to 令和, and any added by `KIKAN_ERAS`
/// (`名称,略字,開始日;…`, e.g. `新元号,X,2040-01-01`), read once.
pub fn eras() -> &'static [Era] {
    static ERAS: std::sync::OnceLock<Vec<Era>> = std::sync::OnceLock::new();
    ERAS.get_or_init(|| {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        let mut eras = vec![
            ("明治", 'M', day(1868, 10, 23), false),
            ("大正", 'T', day(1912, 7, 30), true),
            ("昭和", 'S', day(1926, 12, 25), true),
            ("平成", 'H', day(1989, 1, 8), false),
            ("令和", 'R', day(2019, 5, 1), false),
        ]
        .into_iter()
        .map(|(name, letter, start, shared_first_day)| Era {
            name: name.into(),
            letter,
            start,
            shared_first_day,
        })
        .collect::<Vec<_>>();
        if let Ok(extra) = std::env::var("KIKAN_ERAS") {
            eras.extend(parse_eras(&extra));
        }
        eras.sort_by_key(|e| e.start);
        eras
    })
}

/// Reads added eras (`名称,略字,開始日;…`); malformed ones are left out, loudly.
pub fn parse_eras(s: &str) -> Vec<Era> {
    s.split(';')
        .filter(|e| !e.trim().is_empty())
        .filter_map(|e| {
            let parts: Vec<&str> = e.split(',').map(str::trim).collect();
            let era = match parts.as_slice() {
                [name, letter, start] if !name.is_empty() => Some(Era {
                    name: (*name).into(),
                    letter: letter.chars().next()?.to_ascii_uppercase(),
                    start: NaiveDate::parse_from_str(start, "%Y-%m-%d").ok()?,
                    shared_first_day: false,
                }),
                _ => None,
            };
            if era.is_none() {
                eprintln!("KIKAN_ERAS: 元号「{e}」を読み取れません(名称,略字,開始日)");
            }
            era
        })
        .collect()
}

impl Era {
    /// The era of a date, if the date is on or after the adoption of the solar calendar.
    pub fn of(date: NaiveDate) -> Result<&'static Era, DomainError> {
        if date < first_solar_day() {
            return Err(DomainError::LunarCalendarDate);
        }
        eras()
            .iter()
            .rev()
            .find(|e| date >= e.start)
            .or_else(|| eras().first())
            .ok_or(DomainError::LunarCalendarDate)
    }

    /// The era after this one, if any.
    fn next(&self) -> Option<&'static Era> {
        eras().iter().find(|e| e.start > self.start)
    }

    /// Is `date` within this era (on the next one's first day too, where it is shared)?
    fn holds(&self, date: NaiveDate) -> bool {
        date >= self.start
            && self
                .next()
                .is_none_or(|n| date < n.start || (n.shared_first_day && date == n.start))
    }
}

/// 明治6年1月1日: Japan adopted the Gregorian calendar; earlier dates are lunar.
fn first_solar_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1873, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The era and era year of a date (year 1 is printed 元年).
pub fn era_year(date: NaiveDate) -> Result<(&'static Era, i32), DomainError> {
    let era = Era::of(date)?;
    Ok((era, date.year() - era.start.year() + 1))
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
        era.name,
        year,
        date.month(),
        date.day()
    ))
}

/// Formats a date in 西暦 as written for a foreign resident's 生年月日 and 在留期間の満了の
/// 日 (1.1.9: never 和暦 there): 1995年5月5日.
pub fn format_seireki(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Parses a date in 和暦 (令和8年4月1日, 令和元年5月1日, R8.4.1, H31/4/30) or in the
/// Gregorian calendar (2026-04-01, 2026/4/1, 2026年4月1日). Full-width digits are accepted.
/// A date outside its era (平成31年5月1日) is refused.
pub fn parse_date(input: &str) -> Result<NaiveDate, DomainError> {
    let bad = || DomainError::InvalidDate(input.to_string());
    let (era, parts) = date_parts(input)?;
    if parts.len() != 3 {
        return Err(bad());
    }
    let (y, m, d) = (parts[0], parts[1], parts[2]);
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
            let date = NaiveDate::from_ymd_opt(era.start.year() + y - 1, m, d).ok_or_else(bad)?;
            if date < first_solar_day() {
                return Err(DomainError::LunarCalendarDate);
            }
            if !era.holds(date) {
                return Err(bad());
            }
            Ok(date)
        }
    }
}

/// Parses a day, a month or a year, in 和暦 or 西暦, as the first and last day it
/// covers (2.1.3: a search by 生年月日 where 西暦 and 和暦 years stand for each other):
/// 昭和50年 → 1975-01-01..1975-12-31, S50.3 → March 1975, 1975年3月, 2019-05; 平成31年
/// is 1 January to 30 April 2019 and 令和元年 1 May to 31 December; a full date is
/// itself.
pub fn parse_period(input: &str) -> Result<(NaiveDate, NaiveDate), DomainError> {
    if let Ok(d) = parse_date(input) {
        return Ok((d, d));
    }
    let bad = || DomainError::InvalidDate(input.to_string());
    let (era, parts) = date_parts(input)?;
    let year = match (era, parts.first()) {
        (_, None) => return Err(bad()),
        (None, Some(y)) => *y,
        (Some(e), Some(y)) if *y >= 1 => e.start.year() + y - 1,
        _ => return Err(bad()),
    };
    let (from, to) = match parts[..] {
        [_] => (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ),
        [_, m] => {
            let m = u32::try_from(m).map_err(|_| bad())?;
            let first = NaiveDate::from_ymd_opt(year, m, 1);
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, m + 1, 1)
            };
            (first, next.and_then(|n| n.pred_opt()))
        }
        _ => return Err(bad()),
    };
    let (Some(mut from), Some(mut to)) = (from, to) else {
        return Err(bad());
    };
    if let Some(e) = era {
        // Within the era: 平成31年 ends on 30 April, 令和元年 begins on 1 May.
        from = from.max(e.start);
        if let Some(n) = e.next() {
            let last = if n.shared_first_day {
                n.start
            } else {
                n.start.pred_opt().unwrap_or(n.start)
            };
            to = to.min(last);
        }
        if from > to {
            return Err(bad());
        }
    }
    if to < first_solar_day() {
        return Err(DomainError::LunarCalendarDate);
    }
    Ok((from.max(first_solar_day()), to))
}

/// The era and the numbers of a typed date (full-width forms folded, 元年 read as 1).
fn date_parts(input: &str) -> Result<(Option<&'static Era>, Vec<i32>), DomainError> {
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
    let parts = rest
        .split(['年', '月', '日', '.', '/', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| p.trim().parse::<i32>().map_err(|_| bad()))
        .collect::<Result<Vec<i32>, _>>()?;
    if parts.is_empty() || parts.len() > 3 {
        return Err(bad());
    }
    Ok((era, parts))
}

fn split_era(s: &str) -> (Option<&'static Era>, &str) {
    for era in eras() {
        if let Some(rest) = s.strip_prefix(era.name.as_str()) {
            return (Some(era), rest);
        }
        let l = era.letter;
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
    fn periods_in_either_calendar() {
        assert_eq!(
            parse_period("昭和50年"),
            Ok((d(1975, 1, 1), d(1975, 12, 31)))
        );
        assert_eq!(parse_period("1975"), Ok((d(1975, 1, 1), d(1975, 12, 31))));
        assert_eq!(parse_period("S50.3"), Ok((d(1975, 3, 1), d(1975, 3, 31))));
        assert_eq!(
            parse_period("2024年2月"),
            Ok((d(2024, 2, 1), d(2024, 2, 29)))
        );
        assert_eq!(
            parse_period("1975-12"),
            Ok((d(1975, 12, 1), d(1975, 12, 31)))
        );
        assert_eq!(
            parse_period("平成31年"),
            Ok((d(2019, 1, 1), d(2019, 4, 30)))
        );
        assert_eq!(
            parse_period("令和元年"),
            Ok((d(2019, 5, 1), d(2019, 12, 31)))
        );
        assert_eq!(
            parse_period("令和元年5月"),
            Ok((d(2019, 5, 1), d(2019, 5, 31)))
        );
        assert_eq!(
            parse_period("平成元年1月"),
            Ok((d(1989, 1, 8), d(1989, 1, 31)))
        );
        assert_eq!(parse_period("S50.3.4"), Ok((d(1975, 3, 4), d(1975, 3, 4))));
        assert!(parse_period("令和元年4月").is_err());
        assert!(parse_period("昭和").is_err());
        assert!(parse_period("1975-13").is_err());
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
        // The 改元 days: the old era's name holds on the new one's first day (1.1.8).
        assert_eq!(parse_date("明治45年7月30日"), Ok(d(1912, 7, 30)));
        assert_eq!(parse_date("大正15年12月25日"), Ok(d(1926, 12, 25)));
        assert!(parse_date("明治45年7月31日").is_err());
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

    #[test]
    fn eras_are_data() {
        let added = parse_eras("新元号,X,2040-01-01; 壊れた,Y; ");
        assert_eq!(added.len(), 1);
        assert_eq!(
            (added[0].name.as_str(), added[0].letter, added[0].start),
            ("新元号", 'X', d(2040, 1, 1))
        );
        assert_eq!(
            eras()
                .iter()
                .map(|e| e.name.as_str())
                .take(5)
                .collect::<Vec<_>>(),
            ["明治", "大正", "昭和", "平成", "令和"]
        );
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
