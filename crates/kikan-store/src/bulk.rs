//! Bulk loading: histories that touch only their own records (a generated city, an
//! import from another system) become finished rows without a round trip per change.
//!
//! `BulkRows` holds rows already serialised, so that an engine's `bulk_insert` does
//! nothing but insert: the same call, fed pre-built rows, is the load's raw-insert
//! ceiling in `kikan bench`.

use crate::{PastKind, PersonIndex};
use chrono::NaiveDate;
use kikan_domain::{DomainError, Household, LedgerEntry, Person, Registry};
use std::collections::BTreeSet;
use std::collections::HashMap;

pub struct LedgerRow {
    pub reason: &'static str,
    pub effective_on: NaiveDate,
    pub notified_on: NaiveDate,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub operator: String,
    pub late: bool,
    pub json: String,
}

pub struct PersonRow {
    pub id: i64,
    pub index: PersonIndex,
    pub json: String,
    /// The blind index of the 個人番号, filled in by the engine when it seals `json`.
    pub number_index: Option<String>,
    /// In the 除票用データベース (9.3): the engine keeps the row, and every version of
    /// the person, in the archive tables.
    pub archived: bool,
}

pub struct PersonVersionRow {
    pub id: i64,
    /// Index of the entry within this batch; the store adds the batch's first seq.
    pub entry: usize,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub register: char,
    pub household_id: i64,
    pub json: String,
}

pub struct HouseholdRow {
    pub id: i64,
    pub version: i64,
    pub dissolved: bool,
    /// On the register without a 世帯主 (4.0.4).
    pub headless: bool,
    pub json: String,
}

pub struct HouseholdVersionRow {
    pub id: i64,
    pub entry: usize,
    pub valid_from: NaiveDate,
    pub json: String,
}

/// One transaction's worth of finished rows.
#[derive(Default)]
pub struct BulkRows {
    pub ledger: Vec<LedgerRow>,
    pub persons: Vec<PersonRow>,
    pub person_versions: Vec<PersonVersionRow>,
    pub households: Vec<HouseholdRow>,
    pub household_versions: Vec<HouseholdVersionRow>,
    /// Search keys a person's version had and the next did not (table `person_past`),
    /// each once.
    pub past: Vec<(i64, PastKind, String)>,
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Domain types always serialise; an empty string would fail the replay check loudly.
    serde_json::to_string(v).unwrap_or_default()
}

impl LedgerRow {
    /// The row of an entry; `json` is its canonical text ([`canonical`]).
    pub fn of(e: &LedgerEntry) -> Self {
        LedgerRow {
            reason: e.reason().label(),
            effective_on: e.effective_on,
            notified_on: e.notified_on,
            recorded_at: e.recorded_at,
            operator: e.operator.clone(),
            late: e.late,
            json: canonical(e),
        }
    }

    /// Whether the row's index columns say what its entry says (the recording time to
    /// the microsecond, as PostgreSQL keeps it).
    pub fn same_columns(&self, other: &LedgerRow) -> bool {
        self.reason == other.reason
            && self.effective_on == other.effective_on
            && self.notified_on == other.notified_on
            && self.recorded_at.timestamp_micros() == other.recorded_at.timestamp_micros()
            && self.operator == other.operator
            && self.late == other.late
    }
}

/// The canonical text of a ledger entry, which its seal covers: its JSON with `seq`
/// 0 (the number is sealed beside it) and every 個人番号 in the clear. A stored entry,
/// read back and decoded, gives the same text, whatever the engine did to the JSON's
/// layout (PostgreSQL's jsonb reorders keys).
pub fn canonical(e: &LedgerEntry) -> String {
    if e.seq == 0 {
        json(e)
    } else {
        json(&LedgerEntry {
            seq: 0,
            ..e.clone()
        })
    }
}

impl PersonRow {
    pub fn of(p: &Person) -> Self {
        PersonRow {
            id: p.id.0,
            index: PersonIndex::of(p),
            json: json(p),
            number_index: None,
            archived: p.archived_on.is_some(),
        }
    }
}

impl HouseholdRow {
    pub fn of(h: &Household) -> Self {
        HouseholdRow {
            id: h.id.0,
            version: h.version as i64,
            dissolved: h.dissolved_on.is_some(),
            headless: h.head.is_none() && h.dissolved_on.is_none(),
            json: json(h),
        }
    }
}

impl BulkRows {
    pub fn is_empty(&self) -> bool {
        self.ledger.is_empty()
    }
    pub fn entries(&self) -> usize {
        self.ledger.len()
    }

    /// Applies a self-contained history (every entry touches only records the history
    /// itself creates) and adds its rows: every entry, every version, and the final
    /// snapshot of every record. Returns how many persons end on register A.
    pub fn add_history(&mut self, entries: &[LedgerEntry]) -> Result<usize, DomainError> {
        let mut reg = Registry::new();
        let mut last_index: HashMap<i64, PersonIndex> = HashMap::new();
        let mut past: BTreeSet<(i64, PastKind, String)> = BTreeSet::new();
        let first = self.person_versions.len();
        for e in entries {
            let touched = reg.apply(e)?;
            let idx = self.ledger.len();
            self.ledger.push(LedgerRow::of(e));
            for id in touched.persons {
                let Some(p) = reg.person(id) else { continue };
                let ix = PersonIndex::of(p);
                if let Some(before) = last_index.get(&id.0) {
                    past.extend(before.past_keys(&ix).into_iter().map(|(k, v)| (id.0, k, v)));
                }
                let (register, household_id) = (ix.register, ix.household_id.0);
                last_index.insert(id.0, ix);
                self.person_versions.push(PersonVersionRow {
                    id: id.0,
                    entry: idx,
                    valid_from: e.effective_on,
                    valid_to: None,
                    register,
                    household_id,
                    json: json(p),
                });
            }
            for id in touched.households {
                let Some(h) = reg.household(id) else { continue };
                self.household_versions.push(HouseholdVersionRow {
                    id: id.0,
                    entry: idx,
                    valid_from: e.effective_on,
                    json: json(h),
                });
            }
        }
        // Each version is valid until the earliest start of the versions after it (the
        // next one's, or a later one's that took effect before it: a removal moved back
        // to the 転入日, 1.1.5), as the online commit closes them; the last stays open.
        let mut later: HashMap<i64, NaiveDate> = HashMap::new();
        for i in (first..self.person_versions.len()).rev() {
            let v = &mut self.person_versions[i];
            v.valid_to = later.get(&v.id).copied();
            let start = v.valid_from;
            later
                .entry(v.id)
                .and_modify(|d| *d = (*d).min(start))
                .or_insert(start);
        }
        self.past.extend(past);
        let mut active = 0;
        for p in reg.persons() {
            let row = PersonRow::of(p);
            active += usize::from(row.index.register == 'A');
            self.persons.push(row);
        }
        self.households
            .extend(reg.households().map(HouseholdRow::of));
        Ok(active)
    }
}
