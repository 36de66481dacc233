//! 入力場所・入力端末 (1.3.1, j230): where the registry is used (本庁, 支所, 出張所, a
//! department using it) and the terminals there. A request names its terminal
//! (`X-Kikan-Terminal`); the audit log, the ledger and the issuance register record it.

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
