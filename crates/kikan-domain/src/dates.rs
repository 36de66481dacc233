//! 年月日の管理 (1.1.8, j80): where the standard allows them (生年月日 above all, to agree
//! with the 戸籍), dates that are not calendar days (2月29日 of a common year) and the
//! 不詳日 forms it lists (令和2年頃, 推定令和2年3月, 令和2年3月上旬, 年月日不詳, ranges …).
//! Such a date is kept as its text, as entered, beside an internal calendar date that
//! sorts and compares (the first day the text allows; 明治6年1月1日 for 年月日不詳).

use crate::DomainError;
use crate::wareki::{eras, parse_date};
use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A date as recorded: the internal date, and the text when the date is 不詳 or not a
/// calendar day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDate {
    pub sort: NaiveDate,
    pub text: Option<String>,
}

/// The internal date of 年月日不詳: the first day of the solar calendar.
fn unknown_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1873, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Full-width digits and letters as ASCII, blanks removed: the form the patterns read.
fn normalise(input: &str) -> String {
    input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '　'))
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

struct Patterns {
    year: Regex,
    month: Regex,
    day: Regex,
    range: Regex,
    exact: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let names: Vec<String> = eras().iter().map(|e| regex::escape(&e.name)).collect();
        let y = format!(r"(?P<era>{})?(?P<y>\d{{1,4}}|元)年", names.join("|"));
        let compile = |s: String| Regex::new(&s).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()));
        Patterns {
            year: compile(format!(r"^{y}(?P<s>頃|春|夏|秋|冬|月日不詳)$")),
            month: compile(format!(
                r"^(?P<est>推定)?{y}(?P<m>\d{{1,2}})月(?P<s>頃|上旬|中旬|下旬|上旬頃|中旬頃|下旬頃|日不詳)?$"
            )),
            day: compile(format!(
                r"^(?P<est>推定)?{y}(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日(?P<s>頃)?$"
            )),
            range: compile(format!(
                r"^{y}(?P<m>\d{{1,2}})月(?P<est>推定)?(?P<d>\d{{1,2}})日(頃)?から((?P<m2>\d{{1,2}})月)?(?P<d2>\d{{1,2}})日(頃)?までの間$"
            )),
            exact: compile(format!(r"^{y}(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日$")),
        }
    })
}

/// The Gregorian year of a matched year (an era's, or as written).
fn year_of(c: &regex::Captures<'_>) -> Option<i32> {
    let y = match c.name("y")?.as_str() {
        "元" => 1,
        n => n.parse::<i32>().ok()?,
    };
    match c.name("era") {
        None => Some(y),
        Some(name) => {
            let era = eras().iter().find(|e| e.name == name.as_str())?;
            (y >= 1).then(|| era.start.year() + y - 1)
        }
    }
}

fn num(c: &regex::Captures<'_>, name: &str) -> Option<u32> {
    c.name(name)?.as_str().parse().ok()
}

/// The last day of a month.
fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    }?;
    next.pred_opt()
}

/// Reads a date where the standard allows 不詳日 and days that are not on the calendar
/// (生年月日 …): a calendar date as [`parse_date`] does; otherwise one of the listed forms,
/// kept as entered. Anything else is refused as `parse_date` refuses it.
pub fn parse_recorded(input: &str) -> Result<RecordedDate, DomainError> {
    let exact = parse_date(input);
    if let Ok(sort) = exact {
        return Ok(RecordedDate { sort, text: None });
    }
    let s = normalise(input);
    let text = Some(input.trim().to_string());
    let p = patterns();
    let at = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    let found = if s == "年月日不詳" {
        Some(unknown_day())
    } else if let Some(c) = p.year.captures(&s) {
        let y = year_of(&c);
        let m = match c.name("s").map(|x| x.as_str()) {
            Some("春") => 3,
            Some("夏") => 6,
            Some("秋") => 9,
            Some("冬") => 12,
            _ => 1,
        };
        y.and_then(|y| at(y, m, 1))
    } else if let Some(c) = p.month.captures(&s) {
        // 推定 or a qualifier: a bare 年月 is not one of the forms.
        let qualified = c.name("est").is_some() || c.name("s").is_some();
        let d = match c.name("s").map(|x| x.as_str()) {
            Some(q) if q.starts_with("中旬") => 11,
            Some(q) if q.starts_with("下旬") => 21,
            _ => 1,
        };
        match (qualified, year_of(&c), num(&c, "m")) {
            (true, Some(y), Some(m)) => at(y, m, d),
            _ => None,
        }
    } else if let Some(c) = p
        .day
        .captures(&s)
        .filter(|c| c.name("est").is_some() || c.name("s").is_some())
    {
        match (year_of(&c), num(&c, "m"), num(&c, "d")) {
            (Some(y), Some(m), Some(d)) => at(y, m, d),
            _ => None,
        }
    } else if let Some(c) = p.range.captures(&s) {
        match (year_of(&c), num(&c, "m"), num(&c, "d"), num(&c, "d2")) {
            (Some(y), Some(m), Some(d), Some(d2)) => {
                let m2 = num(&c, "m2").unwrap_or(m);
                let (from, to) = (at(y, m, d), at(y, m2, d2));
                from.zip(to).filter(|(f, t)| f <= t).map(|(f, _)| f)
            }
            _ => None,
        }
    } else if let Some(c) = p.exact.captures(&s) {
        // 暦上日以外の年月日 (2月29日 of a common year, 4月31日): within its month's days,
        // kept as written, sorted on the month's last day.
        match (year_of(&c), num(&c, "m"), num(&c, "d")) {
            (Some(y), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
                month_end(y, m).filter(|end| d > end.day())
            }
            _ => None,
        }
    } else {
        None
    };
    match found {
        Some(sort) if sort >= unknown_day() => Ok(RecordedDate { sort, text }),
        Some(_) => Err(DomainError::LunarCalendarDate),
        None => exact.map(|sort| RecordedDate { sort, text: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn sort(s: &str) -> Option<NaiveDate> {
        parse_recorded(s).ok().map(|r| r.sort)
    }

    #[test]
    fn every_listed_form_is_read_with_a_sortable_date() {
        for (text, date) in [
            ("令和2年頃", d(2020, 1, 1)),
            ("令和2年3月頃", d(2020, 3, 1)),
            ("令和2年3月5日頃", d(2020, 3, 5)),
            ("推定令和2年3月5日", d(2020, 3, 5)),
            ("推定令和2年3月", d(2020, 3, 1)),
            ("令和2年春", d(2020, 3, 1)),
            ("令和2年3月上旬", d(2020, 3, 1)),
            ("令和2年3月中旬頃", d(2020, 3, 11)),
            ("昭和20年3月下旬", d(1945, 3, 21)),
            ("年月日不詳", d(1873, 1, 1)),
            ("令和2年 月日不詳", d(2020, 1, 1)),
            ("令和2年3月 日不詳", d(2020, 3, 1)),
            ("令和2年3月5日から4月2日頃までの間", d(2020, 3, 5)),
            ("令和2年3月推定5日から9日までの間", d(2020, 3, 5)),
            ("令和2年3月5日頃から9日頃までの間", d(2020, 3, 5)),
            ("令和元年５月頃", d(2019, 5, 1)),
            ("1950年頃", d(1950, 1, 1)),
        ] {
            let r = parse_recorded(text);
            assert_eq!(r.as_ref().map(|r| r.sort), Ok(date), "{text}");
            assert_eq!(r.ok().and_then(|r| r.text), Some(text.to_string()));
        }
    }

    #[test]
    fn days_not_on_the_calendar_are_kept_as_written() {
        let r = parse_recorded("平成3年2月29日");
        assert_eq!(
            r,
            Ok(RecordedDate {
                sort: d(1991, 2, 28),
                text: Some("平成3年2月29日".into())
            })
        );
        assert_eq!(
            sort("2021-04-31"),
            None,
            "西暦の暦上日以外 in ISO form is refused"
        );
        assert_eq!(sort("令和3年4月31日"), Some(d(2021, 4, 30)));
        // A calendar date has no text.
        assert_eq!(
            parse_recorded("令和2年3月5日"),
            Ok(RecordedDate {
                sort: d(2020, 3, 5),
                text: None
            })
        );
    }

    #[test]
    fn anything_else_is_refused_as_a_date() {
        for s in [
            "令和2年3月",
            "令和2年3月32日",
            "令和2年13月頃",
            "令和2年3月9日から5日までの間",
            "いつか",
            "令和0年頃",
        ] {
            assert_eq!(
                parse_recorded(s).map_err(|e| e.code()),
                Err("E-DATE-001"),
                "{s}"
            );
        }
        assert_eq!(
            parse_recorded("明治5年頃").map_err(|e| e.code()),
            Err("E-DATE-002")
        );
    }
}
