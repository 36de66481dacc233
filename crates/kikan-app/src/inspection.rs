//! 住民基本台帳の一部の写し（閲覧用） (9.5, j1320; 法第11条・第11条の2): the list a
//! requester inspects, made from the register on a date by the conditions staff set —
//! 町字 (an address prefix), 性別, 生年月日 from and to — in address order or in a random
//! order drawn from a recorded seed (the same list again on request).
//!
//! It carries the four items the law allows (氏名, 生年月日, 性別, 住所) and never a person
//! a 支援措置 protects on the date or today: they are left out always (法第11条第1項 and
//! the 支援措置 restrict 閲覧), not by a condition that could be unset.

use crate::protect::Protection;
use chrono::NaiveDate;
use kikan_domain::{DomainError, LocalGovCode, Person, Sex};
use kikan_store::{Store, StoreError};
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Rows fetched per page.
const PAGE: u32 = 20_000;

/// The order of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By address (町字, then 番地 with its numbers in numeric order), then by household
    /// and birth.
    Address,
    /// Random, drawn from this seed (ランダム順位): the same seed gives the same list.
    Random(u64),
}

/// What staff ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionQuery {
    /// The register as of this date.
    pub on: NaiveDate,
    /// The address starts with this (a 町字 such as 「神奈川県横浜市中区本町一丁目」).
    pub place_prefix: Option<String>,
    pub sex: Option<Sex>,
    pub born_from: Option<NaiveDate>,
    pub born_to: Option<NaiveDate>,
    pub order: Order,
    /// 日本人住民 only (`Some(false)`) or 外国人住民 only (`Some(true)`) (9.6).
    pub foreign: Option<bool>,
    /// At most this many, the first of the order (9.6: 抽出人数).
    pub count: Option<usize>,
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionRow {
    pub name: String,
    /// As the record shows it (和暦; 西暦 for a foreign resident, 1.1.9).
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    /// 郵便番号 (for the 宛名シール of 9.6).
    pub postal_code: Option<String>,
}

/// The list made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionList {
    pub rows: Vec<InspectionRow>,
    /// Residents who met the conditions but are left out by a 支援措置 (for the audit
    /// record, not the list).
    pub withheld: u64,
}

/// The 番地 with each run of digits as a number, for the address order (2番地 before
/// 10番地).
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = vec![];
    let mut text = String::new();
    let mut number: Option<u64> = None;
    for c in s.chars() {
        match c.to_digit(10) {
            Some(d) => {
                number = Some(
                    number
                        .unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(u64::from(d)),
                );
            }
            None => {
                if let Some(n) = number.take() {
                    out.push((std::mem::take(&mut text), n));
                }
                text.push(c);
            }
        }
    }
    out.push((text, number.unwrap_or(0)));
    out
}

fn wanted(p: &Person, q: &InspectionQuery) -> bool {
    q.place_prefix
        .as_deref()
        .is_none_or(|prefix| p.address.line().starts_with(prefix))
        && q.sex.is_none_or(|s| p.sex == s)
        && q.born_from.is_none_or(|d| p.birth_date >= d)
        && q.born_to.is_none_or(|d| p.birth_date <= d)
        && q.foreign.is_none_or(|f| p.foreign.is_some() == f)
}

/// Checks the conditions: the range in order, the prefix not blank.
pub fn check(q: &InspectionQuery) -> Result<(), DomainError> {
    if let (Some(from), Some(to)) = (q.born_from, q.born_to)
        && from > to
    {
        return Err(DomainError::Invalid {
            field: "生年月日の範囲",
            reason: "開始が終了より後になっています".into(),
        });
    }
    Ok(())
}

/// Makes the list of `tenant`'s register on `q.on`.
pub async fn inspection_list(
    store: &dyn Store,
    tenant: LocalGovCode,
    q: &InspectionQuery,
    today: NaiveDate,
) -> Result<InspectionList, StoreError> {
    check(q)?;
    let protection = Protection::for_extraction(store, tenant, q.on, today).await?;
    let t = tenant.to_string();
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let mut found: Vec<Person> = vec![];
    let mut withheld = 0;
    let mut after = None;
    loop {
        let page = store
            .residents_as_of_json(tenant, q.on, after, PAGE)
            .await?;
        for (id, json) in &page {
            let plain = store.sealer().unseal(&t, json)?;
            let p: Person = serde_json::from_str(&plain).map_err(corrupt)?;
            if !wanted(&p, q) {
                continue;
            }
            if protection.is_protected(*id) {
                withheld += 1;
                continue;
            }
            found.push(p);
        }
        match page.last() {
            Some(&(last, _)) if page.len() == PAGE as usize => after = Some(last),
            _ => break,
        }
    }
    match q.order {
        Order::Address => found.sort_by_cached_key(|p| {
            (
                p.address.place.clone(),
                natural_key(&p.address.banchi),
                p.address.katagaki.clone().unwrap_or_default(),
                p.household_id,
                p.birth_date,
                p.id,
            )
        }),
        Order::Random(seed) => {
            // In a fixed order first, so that the seed alone decides the draw.
            found.sort_by_key(|p| p.id);
            found.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
        }
    }
    if let Some(n) = q.count {
        found.truncate(n);
    }
    let rows = found
        .iter()
        .map(|p| {
            Ok(InspectionRow {
                name: p.name.full(),
                birth_date: p.birth_date_shown()?,
                sex: p.sex.label().to_string(),
                address: p.address.line(),
                postal_code: p
                    .address
                    .postal_code
                    .as_ref()
                    .map(|c| c.as_str().to_string()),
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok(InspectionList { rows, withheld })
}

/// The list as CSV (UTF-8 with a byte order mark, CRLF): 氏名, 生年月日, 性別, 住所.
pub fn csv(list: &InspectionList) -> String {
    let mut out = String::from("\u{feff}氏名,生年月日,性別,住所\r\n");
    for r in &list.rows {
        out.push_str(&format!(
            "{},{},{},{}\r\n",
            kikan_domain::csv::cell(&r.name),
            kikan_domain::csv::cell(&r.birth_date),
            kikan_domain::csv::cell(&r.sex),
            kikan_domain::csv::cell(&r.address)
        ));
    }
    out
}

/// A 無作為抽出 (9.6) as CSV (UTF-8 with a byte order mark, CRLF): 氏名, 生年月日, 性別,
/// 郵便番号, 住所.
pub fn draw_csv(list: &InspectionList) -> String {
    let mut out = String::from("\u{feff}氏名,生年月日,性別,郵便番号,住所\r\n");
    for r in &list.rows {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            kikan_domain::csv::cell(&r.name),
            kikan_domain::csv::cell(&r.birth_date),
            kikan_domain::csv::cell(&r.sex),
            kikan_domain::csv::cell(r.postal_code.as_deref().unwrap_or_default()),
            kikan_domain::csv::cell(&r.address)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banchi_numbers_sort_as_numbers() {
        let mut v = vec!["10番地", "2番地", "2番地1", "1番地"];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(v, ["1番地", "2番地", "2番地1", "10番地"]);
    }
}
