//! 国民の祝日 (国民の祝日に関する法律), for the days the office is closed (休業日): the
//! access log's list of what happened at night and on closed days (10.2, j1370) needs
//! them. The rules as they stand since 2007 (昭和の日, the 振替休日 to the next working
//! day), with the Olympic moves of 2020 and 2021 and the enthronement days of 2019.
//! 春分日 and 秋分日 follow the astronomical formula the 国立天文台 publishes from, which
//! holds from 1980 to 2099; years outside 2007–2099 are not known (`None`).

use chrono::{Datelike, NaiveDate, Weekday};

/// The first and last year whose holidays are known.
pub const YEARS: std::ops::RangeInclusive<i32> = 2007..=2099;

fn nth_monday(year: i32, month: u32, n: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n as u8)
}

/// 春分日 (true) or 秋分日 (false) of `year`.
fn equinox(year: i32, spring: bool) -> u32 {
    let y = f64::from(year - 1980);
    let base = if spring { 20.8431 } else { 23.2488 };
    (base + 0.242194 * y - (y / 4.0).floor()).floor() as u32
}

/// The holiday a day is by its own name (振替休日 and 国民の休日 aside).
fn named(day: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (day.year(), day.month(), day.day());
    let monday = |month, n| nth_monday(y, month, n) == Some(day);
    Some(match (m, d) {
        (1, 1) => "元日",
        (1, _) if monday(1, 2) => "成人の日",
        (2, 11) => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (12, 23) if y <= 2018 => "天皇誕生日",
        (3, _) if d == equinox(y, true) => "春分の日",
        (4, 29) => "昭和の日",
        (4, 30) | (5, 2) if y == 2019 => "国民の休日",
        (5, 1) if y == 2019 => "天皇の即位の日",
        (10, 22) if y == 2019 => "即位礼正殿の儀の行われる日",
        (5, 3) => "憲法記念日",
        (5, 4) => "みどりの日",
        (5, 5) => "こどもの日",
        (7, 23) if y == 2020 => "海の日",
        (7, 22) if y == 2021 => "海の日",
        (7, _) if !matches!(y, 2020 | 2021) && monday(7, 3) => "海の日",
        (7, 24) if y == 2020 => "スポーツの日",
        (7, 23) if y == 2021 => "スポーツの日",
        (8, 10) if y == 2020 => "山の日",
        (8, 8) if y == 2021 => "山の日",
        (8, 11) if y >= 2016 && !matches!(y, 2020 | 2021) => "山の日",
        (9, _) if monday(9, 3) => "敬老の日",
        (9, _) if d == equinox(y, false) => "秋分の日",
        (10, _) if !matches!(y, 2020 | 2021) && monday(10, 2) => {
            if y >= 2020 {
                "スポーツの日"
            } else {
                "体育の日"
            }
        }
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        _ => return None,
    })
}

/// The name of the holiday `day` is, if it is one: a 国民の祝日, a 振替休日 (a holiday on
/// a Sunday moves to the next day that is not one), or a 国民の休日 (a day between two
/// holidays). `None` also for years outside [`YEARS`].
pub fn holiday(day: NaiveDate) -> Option<&'static str> {
    if !YEARS.contains(&day.year()) {
        return None;
    }
    if let Some(name) = named(day) {
        return Some(name);
    }
    // 振替休日: the run of holidays just before ends on a holiday that fell on a Sunday.
    let mut back = day.pred_opt()?;
    while named(back).is_some() {
        if back.weekday() == Weekday::Sun {
            return Some("振替休日");
        }
        back = back.pred_opt()?;
    }
    // 国民の休日: between two 国民の祝日 (a Sunday in between stays a Sunday).
    if day.weekday() != Weekday::Sun
        && named(day.pred_opt()?).is_some()
        && named(day.succ_opt()?).is_some()
    {
        return Some("国民の休日");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(year: i32) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        while d.year() == year {
            if holiday(d).is_some() {
                out.push(d.format("%m-%d").to_string());
            }
            d = d.succ_opt().unwrap_or_default();
        }
        out
    }

    #[test]
    fn the_years_as_the_cabinet_office_lists_them() {
        // 内閣府「国民の祝日について」.
        assert_eq!(
            days(2026),
            [
                "01-01", "01-12", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04", "05-05",
                "05-06", "07-20", "08-11", "09-21", "09-22", "09-23", "10-12", "11-03", "11-23"
            ]
        );
        assert_eq!(
            days(2025),
            [
                "01-01", "01-13", "02-11", "02-23", "02-24", "03-20", "04-29", "05-03", "05-04",
                "05-05", "05-06", "07-21", "08-11", "09-15", "09-23", "10-13", "11-03", "11-23",
                "11-24"
            ]
        );
        assert_eq!(
            days(2020),
            [
                "01-01", "01-13", "02-11", "02-23", "02-24", "03-20", "04-29", "05-03", "05-04",
                "05-05", "05-06", "07-23", "07-24", "08-10", "09-21", "09-22", "11-03", "11-23"
            ]
        );
        assert_eq!(
            days(2019),
            [
                "01-01", "01-14", "02-11", "03-21", "04-29", "04-30", "05-01", "05-02", "05-03",
                "05-04", "05-05", "05-06", "07-15", "08-11", "08-12", "09-16", "09-23", "10-14",
                "10-22", "11-03", "11-04", "11-23"
            ]
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(holiday(d("2026-09-22")), Some("国民の休日"));
        assert_eq!(holiday(d("2026-05-06")), Some("振替休日"));
        assert_eq!(holiday(d("2026-12-01")), None);
        assert_eq!(holiday(d("2100-01-01")), None);
    }
}
