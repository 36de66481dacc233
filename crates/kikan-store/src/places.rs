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
    /// 行政区 (or 総合区) of a designated city, when it has them.
    pub ward: Option<String>,
    pub active: bool,
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
pub const PLACE_KINDS: [&str; 4] = ["本庁", "支所", "出張所", "利用課"];

/// Whether a code is one kikan takes for a place or a terminal.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 16
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
