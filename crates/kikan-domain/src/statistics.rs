//! 統計 (6.1, j1080): the figures of the 住民基本台帳関係年報 (総務省: population and
//! households on a date, the year's 転入・出生・転出・死亡 and the others, by 日本人住民 and
//! 外国人住民) and of the 出入国在留管理庁's 定期報告 on 中長期在留者 (their number by
//! category and 在留資格, and the year's 住居地の届出 taken as 転入・転居), computed from
//! the ledger's records: a past period's figures come out the same whenever asked.
//!
//! A 転出予定者 whose 転出予定年月日 has not come by the 基準日 counts as a resident
//! (6.1); one whose date has come does not, whether or not the removal was recorded yet.

use crate::ledger::{Change, LedgerEntry, MoveInKind};
use crate::lists::{ForeignCategory, RemovalReason, StandardReason};
use crate::person::{Person, PersonStatus};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// 日本人住民 and 外国人住民, 男 and 女: one figure each, and their sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BySex {
    pub male: u64,
    pub female: u64,
}

impl BySex {
    pub fn total(&self) -> u64 {
        self.male + self.female
    }
    fn add(&mut self, p: &Person) {
        match p.sex {
            crate::lists::Sex::Male => self.male += 1,
            crate::lists::Sex::Female => self.female += 1,
        }
    }
}

/// Population and households on a 基準日 (the 年報's 人口・世帯数).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Population {
    pub on: NaiveDate,
    pub japanese: BySex,
    pub foreign: BySex,
    /// 世帯数: households of Japanese residents only, of foreign residents only, and of
    /// both (複数国籍世帯).
    pub households_japanese: u64,
    pub households_foreign: u64,
    pub households_mixed: u64,
    /// 年齢階級別: five-year bands (0–4 … 95–99, then 100 and over), by sex, all
    /// residents; `bands[i]` is ages 5i to 5i+4.
    pub bands_japanese: Vec<BySex>,
    pub bands_foreign: Vec<BySex>,
    /// By 町字 (the address's place, as recorded): total residents.
    pub by_place: BTreeMap<String, u64>,
    /// 外国人住民 by nationality.
    pub by_nationality: BTreeMap<String, u64>,
    /// 中長期在留者 by 在留資格, and every foreign resident by category (30条の45区分).
    pub by_status: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
}

/// Age bands: 0–4 … 95–99 and 100+.
pub const BANDS: usize = 21;

/// Is `p` a resident on `on` for statistics (6.1's rule for 転出予定者)?
pub fn counts_on(p: &Person, on: NaiveDate) -> bool {
    match &p.status {
        PersonStatus::Active => true,
        PersonStatus::MovingOut { planned_on, .. } => *planned_on > on,
        _ => false,
    }
}

/// Full years of age on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years.max(0)).unwrap_or(0)
}

/// Tallies the population of a 基準日 from the residents' records as of that day,
/// fed a page at a time.
#[derive(Debug, Default)]
pub struct PopulationTally {
    report: Population,
    /// Household → (has Japanese, has foreign).
    households: HashMap<i64, (bool, bool)>,
}

impl PopulationTally {
    pub fn new(on: NaiveDate) -> Self {
        PopulationTally {
            report: Population {
                on,
                bands_japanese: vec![BySex::default(); BANDS],
                bands_foreign: vec![BySex::default(); BANDS],
                ..Population::default()
            },
            households: HashMap::new(),
        }
    }

    pub fn add(&mut self, p: &Person) {
        let r = &mut self.report;
        if !counts_on(p, r.on) {
            return;
        }
        let band = usize::try_from(age_on(p.birth_date, r.on) / 5)
            .unwrap_or(BANDS - 1)
            .min(BANDS - 1);
        let kinds = self.households.entry(p.household_id.0).or_default();
        match &p.foreign {
            None => {
                r.japanese.add(p);
                r.bands_japanese[band].add(p);
                kinds.0 = true;
            }
            Some(f) => {
                r.foreign.add(p);
                r.bands_foreign[band].add(p);
                kinds.1 = true;
                *r.by_nationality.entry(f.nationality.clone()).or_default() += 1;
                *r.by_category
                    .entry(f.category.label().to_string())
                    .or_default() += 1;
                if f.category == ForeignCategory::MidToLongTerm
                    && let Some(s) = f.status
                {
                    *r.by_status.entry(s.label().to_string()).or_default() += 1;
                }
            }
        }
        *r.by_place.entry(p.address.place.clone()).or_default() += 1;
    }

    pub fn finish(mut self) -> Population {
        for (j, f) in self.households.values() {
            match (j, f) {
                (true, false) => self.report.households_japanese += 1,
                (false, true) => self.report.households_foreign += 1,
                _ => self.report.households_mixed += 1,
            }
        }
        self.report
    }
}

/// The 年報's 住民基本台帳人口の増減 of one kind of resident: increases and decreases
/// by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// 転入 (国内), 転入 (国外から), 出生, その他の記載 (職権記載・帰化等・取消し …).
    pub moved_in: u64,
    pub moved_in_from_abroad: u64,
    pub births: u64,
    pub other_increase: u64,
    /// 転出 (国内), 転出 (国外へ), 死亡, その他の消除 (職権消除・帰化等・取消し …).
    pub moved_out: u64,
    pub emigrated: u64,
    pub deaths: u64,
    pub other_decrease: u64,
}

impl Changes {
    pub fn increase(&self) -> u64 {
        self.moved_in + self.moved_in_from_abroad + self.births + self.other_increase
    }
    pub fn decrease(&self) -> u64 {
        self.moved_out + self.emigrated + self.deaths + self.other_decrease
    }
}

/// The 異動 of a period (by their 異動日), by kind of resident, with the 定期報告's
/// 住居地届出 counts and the monthly counts by 異動事由.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub japanese: Changes,
    pub foreign: Changes,
    /// 定期報告: 住居地の届出 received as a 転入 (住基法第30条の46・47 and the 転入 of a
    /// 中長期在留者 or 特別永住者 from abroad) and as a 転居 or 国内転入 (住居地変更).
    pub residence_notified_new: u64,
    pub residence_notified_change: u64,
    /// Persons by month and 異動事由 (1.2.2's list), in order.
    pub monthly: Vec<MonthlyCount>,
}

/// The persons one 異動事由 concerned in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyCount {
    /// YYYY-MM.
    pub month: String,
    pub reason: String,
    pub japanese: u64,
    pub foreign: u64,
}

/// Tallies a period's 異動 from its ledger entries and the records each wrote.
#[derive(Debug)]
pub struct MovementTally {
    report: Movement,
    /// (month, 異動事由) → (日本人住民, 外国人住民).
    monthly: BTreeMap<(String, &'static str), (u64, u64)>,
}

impl MovementTally {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        MovementTally {
            report: Movement {
                from,
                to,
                ..Movement::default()
            },
            monthly: BTreeMap::new(),
        }
    }

    /// One entry and the records it wrote, each as it wrote it with the register it
    /// was on before (`None`: the entry brought it in). A record that came onto the
    /// register is an increase, one that left it a decrease; the cause is the entry's
    /// 異動事由 for an increase and the record's 消除事由 for a decrease (so a 転出 counts
    /// once, on the day the person left, whether the 転出届, the 転出予定日 or the 転入通知
    /// removed them). A change of nationality is a decrease of one kind and an increase
    /// of the other.
    pub fn add(&mut self, e: &LedgerEntry, persons: &[(Person, Option<char>)]) {
        use StandardReason as S;
        let r = &mut self.report;
        if e.effective_on < r.from || e.effective_on > r.to {
            return;
        }
        let month = format!("{:04}-{:02}", e.effective_on.year(), e.effective_on.month());
        let reasons = e.standard_reasons();
        let named = e.change.persons_named();
        for (p, before) in persons {
            let on_register = !matches!(p.status, PersonStatus::Removed { .. });
            let came = on_register && *before != Some('A');
            let left = !on_register && *before == Some('A');
            let foreign = p.foreign.is_some();
            if let Change::NationalityChange { .. } = &e.change {
                if foreign {
                    r.japanese.other_decrease += 1;
                    r.foreign.other_increase += 1;
                } else {
                    r.foreign.other_decrease += 1;
                    r.japanese.other_increase += 1;
                }
            } else if came {
                let c = if foreign {
                    &mut r.foreign
                } else {
                    &mut r.japanese
                };
                match reasons.first() {
                    Some(S::DomesticMoveIn) => c.moved_in += 1,
                    Some(S::MoveInFromAbroad) => c.moved_in_from_abroad += 1,
                    Some(S::Birth) => c.births += 1,
                    _ => c.other_increase += 1,
                }
            } else if left {
                let c = if foreign {
                    &mut r.foreign
                } else {
                    &mut r.japanese
                };
                match &p.status {
                    PersonStatus::Removed { reason, .. } => match reason {
                        RemovalReason::MovedOut => c.moved_out += 1,
                        RemovalReason::Emigrated => c.emigrated += 1,
                        RemovalReason::Died => c.deaths += 1,
                        _ => c.other_decrease += 1,
                    },
                    _ => c.other_decrease += 1,
                }
            }
            if came || left || named.contains(&p.id) {
                for reason in &reasons {
                    let n = self
                        .monthly
                        .entry((month.clone(), reason.label()))
                        .or_default();
                    if foreign {
                        n.1 += 1;
                    } else {
                        n.0 += 1;
                    }
                }
            }
            // 定期報告: the 住居地の届出 of 中長期在留者 and 特別永住者.
            if let Some(f) = &p.foreign
                && named.contains(&p.id)
                && matches!(
                    f.category,
                    ForeignCategory::MidToLongTerm | ForeignCategory::SpecialPermanent
                )
            {
                match &e.change {
                    Change::MoveIn {
                        kind: MoveInKind::FromAbroad | MoveInKind::Article46 | MoveInKind::Article47,
                        ..
                    } => r.residence_notified_new += 1,
                    Change::MoveIn {
                        kind: MoveInKind::Domestic,
                        ..
                    }
                    | Change::Relocation { .. } => r.residence_notified_change += 1,
                    _ => {}
                }
            }
        }
    }

    pub fn finish(mut self) -> Movement {
        self.report.monthly = self
            .monthly
            .into_iter()
            .map(|((month, reason), (japanese, foreign))| MonthlyCount {
                month,
                reason: reason.to_string(),
                japanese,
                foreign,
            })
            .collect();
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn ages_count_full_years() {
        assert_eq!(age_on(d(1987, 5, 1), d(2026, 1, 1)), 38);
        assert_eq!(age_on(d(1987, 5, 1), d(2026, 5, 1)), 39);
        assert_eq!(age_on(d(2000, 2, 29), d(2025, 2, 28)), 24);
        assert_eq!(age_on(d(2000, 2, 29), d(2025, 3, 1)), 25);
        assert_eq!(age_on(d(2026, 3, 1), d(2026, 1, 1)), 0);
    }
}
