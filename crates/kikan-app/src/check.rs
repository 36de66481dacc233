//! `kikan check`: replays the ledger and proves the stored projections equal it.

use kikan_domain::{HouseholdId, LocalGovCode, PersonId, Registry};
use kikan_store::{PersonIndex, Store, StoreError};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use thiserror::Error;

const PAGE: u32 = 5000;

/// What a passing check went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub entries: u64,
    pub persons: u64,
    pub households: u64,
    pub person_versions: u64,
    pub household_versions: u64,
}

#[derive(Debug, Error)]
pub enum CheckError {
    #[error("台帳の再生に失敗しました(連番 {seq}): {message}")]
    Replay { seq: i64, message: String },
    #[error("{0}")]
    Mismatch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn fingerprint<T: serde::Serialize>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(v).unwrap_or_default().hash(&mut h);
    h.finish()
}

/// The top-level fields in which two snapshots differ, for the error message.
fn differing_fields<T: serde::Serialize>(stored: &T, replayed: &T) -> String {
    let (a, b) = (
        serde_json::to_value(stored).ok(),
        serde_json::to_value(replayed).ok(),
    );
    match (a, b) {
        (Some(serde_json::Value::Object(a)), Some(serde_json::Value::Object(b))) => {
            // A field present on both sides differs once, not twice.
            let keys: std::collections::BTreeSet<&String> = a
                .keys()
                .chain(b.keys())
                .filter(|k| a.get(*k) != b.get(*k))
                .collect();
            keys.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
        _ => String::from("?"),
    }
}

/// Replays every ledger entry of the tenant from an empty registry and compares the
/// result with the stored persons (A and B), households and versions.
pub async fn check(store: &dyn Store, tenant: LocalGovCode) -> Result<CheckReport, CheckError> {
    let mut report = CheckReport::default();
    let mut reg = Registry::new();
    let mut versions: Vec<(PersonId, i64, chrono::NaiveDate, u64)> = Vec::new();
    let mut hversions: Vec<(HouseholdId, i64, u64)> = Vec::new();
    let mut after = 0;
    loop {
        let page = store.ledger(tenant, after, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            let touched = reg.apply(e).map_err(|err| CheckError::Replay {
                seq: e.seq,
                message: err.to_string(),
            })?;
            for id in touched.persons {
                if let Some(p) = reg.person(id) {
                    versions.push((id, e.seq, e.effective_on, fingerprint(p)));
                }
            }
            for id in touched.households {
                if let Some(h) = reg.household(id) {
                    hversions.push((id, e.seq, fingerprint(h)));
                }
            }
            after = e.seq;
            report.entries += 1;
        }
    }

    // Persons, A and B.
    let mut after: Option<PersonId> = None;
    loop {
        let rows = store.person_rows(tenant, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.1.id);
        for (index, stored) in &rows {
            let Some(replayed) = reg.person(stored.id) else {
                return Err(CheckError::Mismatch(format!(
                    "住民 {} は台帳に記録がありません(台帳にない行が追加されています)",
                    stored.id
                )));
            };
            if stored != replayed {
                return Err(CheckError::Mismatch(format!(
                    "住民 {}({})の記録が台帳と一致しません: {}",
                    stored.id,
                    replayed.name.full(),
                    differing_fields(stored, replayed)
                )));
            }
            if *index != PersonIndex::of(replayed) {
                return Err(CheckError::Mismatch(format!(
                    "住民 {}({})の検索・区分の列が記録と一致しません: {:?}",
                    stored.id,
                    replayed.name.full(),
                    index
                )));
            }
            report.persons += 1;
        }
    }
    if report.persons != reg.len() as u64 {
        return Err(CheckError::Mismatch(format!(
            "住民の件数が台帳と一致しません(保存 {} 件、台帳 {} 件)",
            report.persons,
            reg.len()
        )));
    }

    // Households.
    let mut after: Option<HouseholdId> = None;
    let mut count = 0u64;
    loop {
        let rows = store.household_rows(tenant, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for stored in &rows {
            match reg.household(stored.id) {
                Some(replayed) if replayed == stored => count += 1,
                Some(replayed) => {
                    return Err(CheckError::Mismatch(format!(
                        "世帯 {} の記録が台帳と一致しません: {}",
                        stored.id,
                        differing_fields(stored, replayed)
                    )));
                }
                None => {
                    return Err(CheckError::Mismatch(format!(
                        "世帯 {} は台帳に記録がありません",
                        stored.id
                    )));
                }
            }
        }
    }
    if count != reg.households().count() as u64 {
        return Err(CheckError::Mismatch(
            "世帯の件数が台帳と一致しません".into(),
        ));
    }
    report.households = count;

    // Person versions: same snapshots, and each valid until the next one starts.
    versions.sort_by_key(|(p, s, _, _)| (*p, *s));
    let mut expected = versions.iter().peekable();
    let mut after = None;
    // The previous row's person and valid_to: a version is valid until the next starts.
    let mut prev: Option<(PersonId, Option<chrono::NaiveDate>)> = None;
    let open_end = |prev: Option<(PersonId, Option<chrono::NaiveDate>)>| match prev {
        Some((pid, Some(to))) => Err(CheckError::Mismatch(format!(
            "住民 {pid} の最新の版に終了日({to})が設定されています"
        ))),
        _ => Ok(()),
    };
    loop {
        let rows = store.version_rows(tenant, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.0, last.1.seq));
        for (pid, v) in &rows {
            let Some((epid, eseq, efrom, efp)) = expected.next() else {
                return Err(CheckError::Mismatch(format!(
                    "住民 {pid} の版(連番 {})は台帳にありません",
                    v.seq
                )));
            };
            if (pid, v.seq, v.valid_from) != (epid, *eseq, *efrom) || fingerprint(&v.person) != *efp
            {
                return Err(CheckError::Mismatch(format!(
                    "住民 {pid} の履歴(連番 {})が台帳と一致しません",
                    v.seq
                )));
            }
            match prev {
                Some((ppid, to)) if ppid == *pid && to != Some(v.valid_from) => {
                    return Err(CheckError::Mismatch(format!(
                        "住民 {pid} の履歴(連番 {})の前の版の終了日が一致しません",
                        v.seq
                    )));
                }
                Some((ppid, _)) if ppid != *pid => open_end(prev)?,
                _ => {}
            }
            prev = Some((*pid, v.valid_to));
            report.person_versions += 1;
        }
    }
    open_end(prev)?;
    if let Some((pid, seq, _, _)) = expected.next() {
        return Err(CheckError::Mismatch(format!(
            "住民 {pid} の履歴(連番 {seq})が失われています"
        )));
    }

    hversions.sort_by_key(|(h, s, _)| (*h, *s));
    let mut expected = hversions.iter();
    let mut after = None;
    loop {
        let rows = store.household_version_rows(tenant, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.household.id, last.seq));
        for v in &rows {
            match expected.next() {
                Some((h, s, fp))
                    if (*h, *s) == (v.household.id, v.seq) && *fp == fingerprint(&v.household) =>
                {
                    report.household_versions += 1
                }
                _ => {
                    return Err(CheckError::Mismatch(format!(
                        "世帯 {} の履歴(連番 {})が台帳と一致しません",
                        v.household.id, v.seq
                    )));
                }
            }
        }
    }
    if let Some((h, s, _)) = expected.next() {
        return Err(CheckError::Mismatch(format!(
            "世帯 {h} の履歴(連番 {s})が失われています"
        )));
    }
    Ok(report)
}
