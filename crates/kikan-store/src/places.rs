//! 入力場所・入力端末 (1.3.1, j230): where the registry is used (本庁, 支所, 出張所, a
//! department using it) and the terminals there. A request names its terminal
//! (`X-Kikan-Terminal`); the audit log, the ledger and the issuance register record it.

use kikan_domain::{
    Change, LedgerEntry, LocalGovCode, Person, PersonId, PersonStatus, RemovalReason,
};
use serde::{Deserialize, Serialize};

/// 入力場所: a place where the registry is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The municipality's own code for it (letters, digits, `-`, `_`; up to 16).
    pub code: String,
    /// 本庁市民課, 北支所 …
    pub name: String,
    /// 本庁, 支所, 出張所 or 利用課.
    pub kind: String,
    /// 行政区 (or 総合区) of a designated city, when it has them: for a 区役所 the ward it
    /// serves, for another place the ward it lies in.
    pub ward: Option<String>,
    /// A 区役所's ward's 全国地方公共団体コード (横浜市中区: 141038).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
    /// A 区役所 whose terminals enter 異動 only for the residents of its ward (4.0.1;
    /// a 区間転入 into the ward excepted) and see only theirs among the 入管通知 (4.5.6).
    #[serde(default)]
    pub limit_changes: bool,
    pub active: bool,
}

/// The 区役所: where a designated city registers its 行政区 (1.3.1).
pub const WARD_OFFICE: &str = "区役所";

/// The 行政区 of a designated city (1.3.1): the wards its 区役所 serve, by name.
pub fn wards(places: &[Place]) -> Vec<&Place> {
    places
        .iter()
        .filter(|p| p.kind == WARD_OFFICE && p.ward.is_some())
        .collect()
}

/// The ward an address lies in: the one whose name follows the city's in it
/// (神奈川県横浜市中区山下町 in 横浜市: 中区). None outside the city or without wards.
pub fn ward_of<'a>(address: &str, city: &str, wards: &[&'a Place]) -> Option<&'a Place> {
    wards.iter().copied().find(|w| {
        w.ward
            .as_deref()
            .is_some_and(|name| address.contains(&format!("{city}{name}")))
    })
}

/// The ward a registered address lies in: by its 住所コード (the ward's 団体コード, the
/// first five digits of both), or, for a free-text address, by the ward's name after the
/// city's. None outside the city or in a municipality without wards.
pub fn ward_of_address<'a>(
    address: &kikan_domain::Address,
    city: &str,
    wards: &[&'a Place],
) -> Option<&'a Place> {
    match &address.code {
        Some(code) => wards.iter().copied().find(|w| {
            w.ward_code
                .as_deref()
                .is_some_and(|c| c.starts_with(code.city()))
        }),
        None => ward_of(&address.place, city, wards),
    }
}

/// 入力端末: a terminal at a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    /// The municipality's own code for it (as a place's).
    pub code: String,
    /// 市民課窓口1番 …
    pub name: String,
    /// The place's code.
    pub place: String,
    pub active: bool,
}

/// The kinds of place the standard names.
pub const PLACE_KINDS: [&str; 5] = ["本庁", "支所", "出張所", "利用課", WARD_OFFICE];

/// Whether a code is one kikan takes for a place or a terminal.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 16
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A 除票 of the 異動元区 (4.0.2): the record as it stood in the old ward, closed on the
/// day of the 区間異動 with the 消除事由 区間転出 and the new address as its 転出先.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardRemoval {
    /// The ward whose register it was (異動元区) and the one it went to.
    pub ward: String,
    pub to: String,
    /// The ledger entry of the 区間異動.
    pub seq: i64,
    pub record: Person,
}

/// The 除票 a person left in the wards they moved out of, oldest first: for each 区間異動
/// of theirs, the version of their record before it, closed by it.
pub async fn ward_removals(
    store: &dyn crate::Store,
    tenant: LocalGovCode,
    person: PersonId,
) -> Result<Vec<WardRemoval>, crate::StoreError> {
    let entries = store.entries_for(tenant, Some(person), None).await?;
    // A 区間異動 cancelled (異動の取消し, 4.6) left no 除票 behind.
    let cancelled: Vec<i64> = entries
        .iter()
        .filter_map(|e| match &e.change {
            Change::Cancellation { cancelled, .. } => Some(*cancelled),
            _ => None,
        })
        .collect();
    let moves: Vec<&LedgerEntry> = entries
        .iter()
        .filter(|e| {
            matches!(&e.change, Change::Relocation { persons, ward_move: Some(_), .. }
                if persons.contains(&person))
                && !cancelled.contains(&e.seq)
        })
        .collect();
    if moves.is_empty() {
        return Ok(vec![]);
    }
    let versions = store.person_versions(tenant, person).await?;
    let mut out = Vec::with_capacity(moves.len());
    for e in moves {
        let Change::Relocation {
            address,
            ward_move: Some(w),
            ..
        } = &e.change
        else {
            continue;
        };
        // The version the 区間異動 closed: the latest one an earlier entry wrote.
        let Some(before) = versions.iter().rfind(|v| v.seq < e.seq) else {
            continue;
        };
        let mut record = before.person.clone();
        record.status = PersonStatus::Removed {
            on: e.effective_on,
            reason: RemovalReason::WardMove,
            on_text: e.effective_text.clone(),
            destination: Some(address.clone()),
            moved_out: None,
            notice: None,
        };
        out.push(WardRemoval {
            ward: w.from.clone(),
            to: w.to.clone(),
            seq: e.seq,
            record,
        });
    }
    Ok(out)
}
