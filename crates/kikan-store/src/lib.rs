//! kikan-store: the storage trait in domain terms, the rows it stores, and the sealing
//! of 個人番号 at rest.
//!
//! **Architecture invariant:** nothing here knows SQL or HTTP, and nothing here is a
//! use case. `kikan-store-sql` implements [`Store`] once for both engines; the use
//! cases (`kikan-app`) call it from above.

pub mod accounts;
pub mod bulk;
pub mod certificates;
pub mod drafts;
pub mod error;
pub mod jobs;
pub mod places;
pub mod seal;

pub use error::StoreError;

use accounts::{ApiToken, LoginState, Session, StaffAccount};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::support::{MeasureId, SupportMeasure};
use kikan_domain::{
    Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId, PersonStatus,
};
use kikan_security::{AuditEvent, AuditRecord};

/// A municipality: the tenant every row, key and request is scoped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub code: LocalGovCode,
    /// The municipality's name (横浜市).
    pub name: String,
    /// The mayor's title and name, as the certification text prints it.
    pub mayor: String,
}

/// One entry of a level of the 住所辞書's choice (1.3.3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AddressLevelItem {
    /// The code prefix of the level: 2, 5, 8 or 11 digits.
    pub code: String,
    pub name: String,
    pub kana: String,
}

/// The tenants this process has found. Tenants are never removed or renamed, so a
/// found tenant stays valid; engines consult it before asking the database.
#[derive(Debug, Default)]
pub struct TenantCache(std::sync::RwLock<std::collections::HashMap<LocalGovCode, Tenant>>);

impl TenantCache {
    pub fn get(&self, code: LocalGovCode) -> Option<Tenant> {
        self.0.read().ok()?.get(&code).cloned()
    }
    pub fn put(&self, tenant: &Tenant) {
        if let Ok(mut map) = self.0.write() {
            map.insert(tenant.code, tenant.clone());
        }
    }
}

/// The columns a store keeps beside a person's snapshot, for search and the registers.
/// They are derived from the snapshot; `kikan check` recomputes and compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonIndex {
    /// `A` (住民票, incl. 転出予定) or `B` (除票).
    pub register: char,
    pub household_id: HouseholdId,
    pub kana_key: String,
    pub name_key: String,
    pub birth_date: NaiveDate,
    pub address_line: String,
    pub juminhyo_code: Option<String>,
    pub version: i64,
    /// The 転出予定日 of a 転出 the 転入通知 has not confirmed: one still on the register
    /// (転出予定), or removed on that date and awaiting the notice (転入通知未着); for a
    /// 職権消除 without a 転入通知, its removal date.
    pub moving_out_on: Option<NaiveDate>,
    /// The search key of the 旧氏, where one is recorded, or of a foreign resident's
    /// 氏名（漢字）.
    pub former_key: Option<String>,
    /// A foreign resident's 在留カード等番号, as [`card_key`] writes it.
    pub card_number: Option<String>,
    /// The あいまい検索 key of the reading (2.1.2: [`kikan_domain::names::fuzzy_kana_key`]).
    pub kana_fuzzy: String,
    /// The reading of the 名 alone, exact and あいまい (2.1.2: 名のみの検索).
    pub given_kana: String,
    pub given_fuzzy: String,
    /// The 名 alone, variant-folded as the name.
    pub given_key: String,
    /// A foreign resident's 通称, variant-folded, and its reading (2.1.3).
    pub alias_key: Option<String>,
    pub alias_kana: Option<String>,
    /// 性別 and 続柄 as labelled (男, 女; 世帯主, 子 …), and the 消除事由 of a 除票 (2.1.3).
    pub sex: String,
    pub relationship: String,
    pub removal_reason: Option<String>,
    /// The 住所コード of the address (1.3.3), when it was taken from the 住所辞書 (2.1.3).
    pub address_code: Option<String>,
}

/// The second name a search finds: the 旧氏, or a foreign resident's 氏名（漢字） (who
/// has no 旧氏).
fn former_key(p: &Person) -> Option<String> {
    p.former_surname
        .as_ref()
        .map(|f| f.surname.key())
        .or_else(|| {
            p.foreign
                .as_ref()
                .and_then(|f| f.kanji_name.as_ref())
                .map(kikan_domain::names::PersonName::key)
        })
}

/// A foreign resident's 通称, variant-folded (2.1.3).
fn alias_key(p: &Person) -> Option<String> {
    p.foreign
        .as_ref()
        .and_then(|f| f.alias.as_ref())
        .map(|a| a.name.key())
}

/// The reading of a foreign resident's 通称.
fn alias_kana(p: &Person) -> Option<String> {
    p.foreign
        .as_ref()
        .and_then(|f| f.alias.as_ref())
        .and_then(|a| a.furigana.as_ref())
        .map(kikan_domain::names::Furigana::key)
}

/// A 在留カード等番号 as kept for lookup: blanks removed, letters in upper case.
pub fn card_key(card: &str) -> String {
    card.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

impl PersonIndex {
    /// A person's value of one text column a search walks (`kana_key` and the kanji
    /// columns), as [`PersonIndex::of`] derives it, without deriving the others.
    pub fn walked_of(p: &Person, column: &str) -> String {
        match column {
            "name_key" => p.name.key(),
            "given_key" => kikan_domain::names::kanji_key(p.name.given()),
            "former_key" => former_key(p).unwrap_or_default(),
            "alias_key" => alias_key(p).unwrap_or_default(),
            "given_kana" => kikan_domain::names::kana_key(p.furigana.given()),
            "given_fuzzy" => kikan_domain::names::fuzzy_kana_key(p.furigana.given()),
            "kana_fuzzy" => p.furigana.fuzzy_key(),
            "alias_kana" => alias_kana(p).unwrap_or_default(),
            "address_line" => p.address.line(),
            _ => p.furigana.key(),
        }
    }

    pub fn of(p: &Person) -> Self {
        PersonIndex {
            register: if matches!(p.status, PersonStatus::Removed { .. }) {
                'B'
            } else {
                'A'
            },
            household_id: p.household_id,
            kana_key: p.furigana.key(),
            name_key: p.name.key(),
            birth_date: p.birth_date,
            address_line: p.address.line(),
            juminhyo_code: p.juminhyo_code.as_ref().map(|c| c.to_string()),
            version: p.version as i64,
            moving_out_on: match &p.status {
                PersonStatus::MovingOut { planned_on, .. } => Some(*planned_on),
                PersonStatus::Removed {
                    moved_out: Some(m), ..
                } if m.notice.is_none() => Some(m.planned_on),
                // A 職権消除 awaits a 転入通知 as well (4.1.3.1.4): listed from its date.
                PersonStatus::Removed {
                    on,
                    reason: kikan_domain::RemovalReason::ExOfficio,
                    moved_out: None,
                    notice: None,
                    ..
                } => Some(*on),
                _ => None,
            },
            former_key: former_key(p),
            card_number: p
                .foreign
                .as_ref()
                .and_then(|f| f.card_number.as_deref())
                .map(card_key),
            kana_fuzzy: p.furigana.fuzzy_key(),
            given_kana: kikan_domain::names::kana_key(p.furigana.given()),
            given_fuzzy: kikan_domain::names::fuzzy_kana_key(p.furigana.given()),
            given_key: kikan_domain::names::kanji_key(p.name.given()),
            alias_key: alias_key(p),
            alias_kana: alias_kana(p),
            sex: p.sex.label().to_string(),
            relationship: p.relationship.to_string(),
            removal_reason: match &p.status {
                PersonStatus::Removed { reason, .. } => Some(reason.label().to_string()),
                _ => None,
            },
            address_code: p.address.code.as_ref().map(|c| c.to_string()),
        }
    }

    /// The search keys this version had that `current` no longer has, by kind: the
    /// past names, readings, 旧氏, 通称 and addresses a search with `past` finds (2.1.3).
    pub fn past_keys(&self, current: &PersonIndex) -> Vec<(PastKind, String)> {
        let mut out = Vec::new();
        let mut add = |kind: PastKind, old: Option<&String>, new: Option<&String>| {
            if let Some(o) = old.filter(|o| !o.is_empty() && Some(*o) != new) {
                out.push((kind, o.clone()));
            }
        };
        add(
            PastKind::Kana,
            Some(&self.kana_key),
            Some(&current.kana_key),
        );
        add(
            PastKind::Fuzzy,
            Some(&self.kana_fuzzy),
            Some(&current.kana_fuzzy),
        );
        add(
            PastKind::Name,
            Some(&self.name_key),
            Some(&current.name_key),
        );
        add(
            PastKind::Former,
            self.former_key.as_ref(),
            current.former_key.as_ref(),
        );
        add(
            PastKind::Alias,
            self.alias_key.as_ref(),
            current.alias_key.as_ref(),
        );
        add(
            PastKind::Address,
            Some(&self.address_line),
            Some(&current.address_line),
        );
        out
    }
}

/// The kinds of past search keys (table `person_past`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PastKind {
    Kana,
    Fuzzy,
    Name,
    Former,
    Alias,
    Address,
}

impl PastKind {
    pub fn code(self) -> &'static str {
        match self {
            PastKind::Kana => "kana",
            PastKind::Fuzzy => "fuzzy",
            PastKind::Name => "name",
            PastKind::Former => "former",
            PastKind::Alias => "alias",
            PastKind::Address => "address",
        }
    }
}

/// One stored version of a person: the snapshot valid from `valid_from` (the entry's
/// 異動日) until the next version's `valid_from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonVersion {
    pub seq: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub person: Person,
}

/// One stored version of a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdVersion {
    pub seq: i64,
    pub valid_from: NaiveDate,
    pub household: Household,
}

/// What [`Store::around_entry`] returns: (as written by the entry, as before it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryRecords {
    pub persons: Vec<(Person, Option<Person>)>,
    pub households: Vec<(Household, Option<Household>)>,
}

/// What [`Store::entries_between`] returns: an entry, and each person record it wrote
/// with the register that record was on before (`None`: new).
pub type EntryWithPersons = (LedgerEntry, Vec<(Person, Option<char>)>);

/// Which numbers [`Store::reserve_serials`] hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialKind {
    /// 宛名番号.
    Persons,
    /// 世帯番号.
    Households,
}

impl SerialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SerialKind::Persons => "persons",
            SerialKind::Households => "households",
        }
    }
}

/// How a name, reading, 旧氏 or 通称 is compared (2.1.2: 完全一致・部分一致; 前方一致 as
/// well, the counter's usual).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameMatch {
    #[default]
    Prefix,
    Exact,
    Partial,
}

/// Items a search can ask to be empty (2.1.3: データ未入力項目についても検索できること).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyItem {
    /// 住民票コード not yet given.
    JuminhyoCode,
    /// 個人番号 not yet given.
    IndividualNumber,
    /// 名のフリガナ not recorded.
    GivenReading,
    /// No 方書.
    Katagaki,
}

impl EmptyItem {
    pub fn label(self) -> &'static str {
        match self {
            EmptyItem::JuminhyoCode => "住民票コード",
            EmptyItem::IndividualNumber => "個人番号",
            EmptyItem::GivenReading => "名のフリガナ",
            EmptyItem::Katagaki => "方書",
        }
    }
}

/// A search of the register. Every given criterion must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The reading (any kana form), compared as `matching` says.
    pub kana: Option<String>,
    /// The name, variant-folded (髙橋 finds 高橋).
    pub name: Option<String>,
    /// The 名 alone: a reading, or the name as written (2.1.2: 名のみの検索).
    pub given: Option<String>,
    /// How names, readings, 旧氏 and 通称 are compared.
    pub matching: NameMatch,
    /// あいまい検索 of readings (2.1.2: 清音・濁音, small kana, 長音, オ段+ウ …).
    pub fuzzy: bool,
    /// Past names, readings, 旧氏, 通称 and addresses too (2.1.3: 過去のものも横断的に).
    pub past: bool,
    pub birth_date: Option<NaiveDate>,
    /// 生年月日 within these days (a 和暦 or 西暦 year or month, 2.1.3).
    pub born: Option<(NaiveDate, NaiveDate)>,
    /// Part of the address line.
    pub address: Option<String>,
    /// Part of the 方書.
    pub katagaki: Option<String>,
    /// A 住所コード or its prefix (2.1.3): 2 digits a 都道府県, 5 a 市区町村 (a designated
    /// city's ward), 8 a 大字, 11 a 町字.
    pub address_code: Option<String>,
    pub juminhyo_code: Option<String>,
    /// The 個人番号 (found by its blind index; never stored in the clear).
    pub individual_number: Option<String>,
    /// The 旧氏 (or a foreign resident's 氏名（漢字）), variant-folded as the name.
    pub former_surname: Option<String>,
    /// A foreign resident's 通称 or its reading.
    pub alias: Option<String>,
    /// A 在留カード等番号, exactly.
    pub card_number: Option<String>,
    /// 性別, 続柄 and 消除事由 by their labels (男; 世帯主, 子; 転出 …).
    pub sex: Option<String>,
    pub relationship: Option<String>,
    pub removal_reason: Option<String>,
    /// 世帯番号 and 宛名番号.
    pub household_id: Option<i64>,
    pub person_id: Option<i64>,
    /// Items that must be empty.
    pub empty: Vec<EmptyItem>,
    /// Include removed records (除票).
    pub include_removed: bool,
    pub limit: u32,
}

/// The columns that keep a name's characters as [`kikan_domain::names::kanji_key`] folds
/// them: a registered 外字 widens a search on them.
pub const KANJI_COLUMNS: [&str; 4] = ["name_key", "given_key", "former_key", "alias_key"];

/// One text condition of a search, on one index column of `persons`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextCond {
    /// The column compared (one of a fixed set: never from input).
    pub column: &'static str,
    /// The text, and the other spellings that match as well (the 異体字 of a registered
    /// 外字, 2.1.2): one of them must match.
    pub values: Vec<String>,
    pub matching: NameMatch,
    /// Past keys of this kind match too (table `person_past`).
    pub past: Option<PastKind>,
}

/// The search keys of a query, as the store compares them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchKeys {
    /// Names, readings, 旧氏, 通称, addresses and 方書: each must match.
    pub texts: Vec<TextCond>,
    pub birth_date: Option<NaiveDate>,
    pub born: Option<(NaiveDate, NaiveDate)>,
    /// The addresses whose 住所コード begins with this (digits only).
    pub address_code: Option<String>,
    pub juminhyo_code: Option<String>,
    /// The 個人番号 as typed (the engine compares its blind index).
    pub individual_number: Option<String>,
    /// A 在留カード等番号, exactly (as [`card_key`] writes it).
    pub card_number: Option<String>,
    /// Columns equal to a label: `sex`, `relationship`, `removal_reason`.
    pub labels: Vec<(&'static str, String)>,
    pub household_id: Option<i64>,
    pub person_id: Option<i64>,
    pub empty: Vec<EmptyItem>,
    pub include_removed: bool,
    /// Search the 除票用データベース (9.3) instead of the 住民記録 database.
    pub archive: bool,
    pub limit: u32,
    /// Every hit up to `limit`, in no particular order before they are sorted (a check
    /// that compares them all, by an index of its own such as the birth date's), rather
    /// than the first by reading.
    pub every_hit: bool,
}

impl SearchKeys {
    /// Does the search name no criterion at all?
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
            && self.birth_date.is_none()
            && self.born.is_none()
            && self.address_code.is_none()
            && self.juminhyo_code.is_none()
            && self.individual_number.is_none()
            && self.card_number.is_none()
            && self.labels.is_empty()
            && self.household_id.is_none()
            && self.person_id.is_none()
            && self.empty.is_empty()
    }

    /// The names searched also as the registered 外字 and their 異体字 spell them (2.1.2):
    /// each text on a kanji column widened to its spellings.
    pub fn widened(mut self, registered: &kikan_domain::gaiji::VariantGroups) -> Self {
        if registered.is_empty() || !self.by_name() {
            return self;
        }
        for t in &mut self.texts {
            if KANJI_COLUMNS.contains(&t.column) {
                t.values = t
                    .values
                    .iter()
                    .flat_map(|v| registered.spellings(v))
                    .collect();
            }
        }
        self
    }

    /// The column a store walks the hits in (the first text compared on its column by
    /// prefix or exactly, not on past keys); `None` for the reading's order. An exact code
    /// or number, or a lookup that wants every hit, walks none: see [`SearchKeys::walks`].
    pub fn walked(&self) -> Option<&'static str> {
        self.texts
            .iter()
            .find(|c| c.past.is_none() && c.matching != NameMatch::Partial)
            .map(|c| c.column)
    }

    /// Does the store take the hits in an order (and stop at the limit), rather than find
    /// a few rows by an exact code or number and put them in order afterwards?
    pub fn walks(&self) -> bool {
        !(self.juminhyo_code.is_some()
            || self.individual_number.is_some()
            || self.card_number.is_some()
            || self.person_id.is_some()
            || self.every_hit)
    }

    /// The search as searches of one spelling each (a text widened by registered 外字
    /// asked for in each of its spellings, every combination, at most
    /// [`kikan_domain::gaiji::MAX_SPELLINGS`]): each walks one index range, where one
    /// query of ranges joined by OR would have the engine walk the whole index in order.
    /// The hits of all, in the walked order, up to the limit, are the search's.
    pub fn spelled_out(&self) -> Vec<SearchKeys> {
        let mut out = vec![self.clone()];
        for (i, t) in self.texts.iter().enumerate() {
            if t.values.len() < 2 {
                continue;
            }
            if out.len() * t.values.len() > kikan_domain::gaiji::MAX_SPELLINGS {
                break;
            }
            out = out
                .iter()
                .flat_map(|k| {
                    t.values.iter().map(move |v| {
                        let mut one = k.clone();
                        one.texts[i].values = vec![v.clone()];
                        one
                    })
                })
                .collect();
        }
        out
    }

    /// Does it search by a name's characters (a column a registered 外字 widens)?
    pub fn by_name(&self) -> bool {
        self.texts.iter().any(|t| KANJI_COLUMNS.contains(&t.column))
    }

    /// Does it search by an address (current or past), its code or a 方書?
    pub fn by_address(&self) -> bool {
        self.address_code.is_some() || self.texts.iter().any(|t| t.column == "address_line")
    }
}

impl SearchQuery {
    pub fn keys(&self) -> SearchKeys {
        use kikan_domain::names::{fuzzy_kana_key, is_reading, kana_key, kanji_key};
        let given = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let m = self.matching;
        let past = |k: PastKind| self.past.then_some(k);
        let mut texts = Vec::new();
        let mut push = |column: &'static str, value: String, matching, past| {
            if !value.is_empty() {
                texts.push(TextCond {
                    column,
                    values: vec![value],
                    matching,
                    past,
                });
            }
        };
        // A reading, exact or あいまい, on the column that keeps it so.
        let reading = |q: &str, exact: &'static str, fuzzy: &'static str| {
            if self.fuzzy {
                let mut v = fuzzy_kana_key(q);
                // A prefix ending in ヴ may go on as ヴァ (key ハ): leave it off.
                if m == NameMatch::Prefix && kana_key(q).ends_with('ヴ') {
                    v.pop();
                }
                (fuzzy, v)
            } else {
                (exact, kana_key(q))
            }
        };
        if let Some(q) = given(&self.kana) {
            let (column, v) = reading(&q, "kana_key", "kana_fuzzy");
            let kind = if self.fuzzy {
                PastKind::Fuzzy
            } else {
                PastKind::Kana
            };
            push(column, v, m, past(kind));
        }
        if let Some(q) = given(&self.name) {
            push("name_key", kanji_key(&q), m, past(PastKind::Name));
        }
        if let Some(q) = given(&self.given) {
            if is_reading(&q) {
                let (column, v) = reading(&q, "given_kana", "given_fuzzy");
                push(column, v, m, None);
            } else {
                push("given_key", kanji_key(&q), m, None);
            }
        }
        if let Some(q) = given(&self.former_surname) {
            push("former_key", kanji_key(&q), m, past(PastKind::Former));
        }
        if let Some(q) = given(&self.alias) {
            if is_reading(&q) {
                push("alias_kana", kana_key(&q), m, None);
            } else {
                push("alias_key", kanji_key(&q), m, past(PastKind::Alias));
            }
        }
        if let Some(q) = given(&self.address) {
            push(
                "address_line",
                q,
                NameMatch::Partial,
                past(PastKind::Address),
            );
        }
        if let Some(q) = given(&self.katagaki) {
            // The 方書 follows the full-width space of the address line.
            push("address_line", format!("　{q}"), NameMatch::Partial, None);
        }
        let mut labels = Vec::new();
        for (column, v) in [
            ("sex", &self.sex),
            ("relationship", &self.relationship),
            ("removal_reason", &self.removal_reason),
        ] {
            if let Some(v) = given(v) {
                labels.push((column, v));
            }
        }
        SearchKeys {
            archive: false,
            texts,
            birth_date: self.birth_date,
            born: self.born,
            address_code: self
                .address_code
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            juminhyo_code: given(&self.juminhyo_code),
            individual_number: self
                .individual_number
                .as_deref()
                .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
                .filter(|s| !s.is_empty()),
            card_number: self
                .card_number
                .as_deref()
                .map(card_key)
                .filter(|s| !s.is_empty()),
            labels,
            household_id: self.household_id,
            person_id: self.person_id,
            empty: self.empty.clone(),
            // A search for a 消除事由 is a search of the 除票.
            include_removed: self.include_removed || self.removal_reason.is_some(),
            limit: self.limit.clamp(1, 1000),
            every_hit: false,
        }
    }
}

/// The upper bound of a prefix range: every string starting with `prefix` sorts below it.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// What a store reports for monitoring (the metrics endpoint's gauges).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StoreGauges {
    /// Database connections open (idle ones included).
    pub connections: u32,
    /// Of those, the idle ones.
    pub idle: u32,
    /// Writes of changes and audit records submitted and not yet durable (waiting for
    /// the tenant's lock, the writer or the fsync).
    pub commit_queue: u32,
}

/// The storage engine. Every method is one unit of work and is scoped by tenant.
/// What the access log is searched by, in the store (its index columns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub person: Option<PersonId>,
    pub after_seq: i64,
    pub limit: u32,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The engine's name for logs and `kikan bench` (sqlite, postgres).
    fn engine(&self) -> &'static str;

    /// The keys the engine seals the 個人番号 with (see [`seal`]).
    fn sealer(&self) -> &seal::Sealer;

    /// Connections and the commit queue, now.
    fn gauges(&self) -> StoreGauges {
        StoreGauges::default()
    }

    /// Whether the database answers (the readiness check).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Fills the search columns of records written by an earlier version (those a
    /// migration added empty) and their past keys from their stored versions. Returns
    /// how many records it filled; run when the store is opened.
    async fn fill_search_keys(&self) -> Result<u64, StoreError> {
        Ok(0)
    }

    async fn add_tenant(&self, tenant: &Tenant) -> Result<(), StoreError>;
    async fn tenant(&self, code: LocalGovCode) -> Result<Option<Tenant>, StoreError>;
    /// A registered tenant; one not registered is [`StoreError::TenantNotFound`].
    async fn registered_tenant(&self, code: LocalGovCode) -> Result<Tenant, StoreError> {
        self.tenant(code)
            .await?
            .ok_or_else(|| StoreError::TenantNotFound(code.to_string()))
    }
    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError>;

    /// The current records of these persons (missing ids are left out).
    async fn persons(
        &self,
        tenant: LocalGovCode,
        ids: &[PersonId],
    ) -> Result<Vec<Person>, StoreError>;
    /// The current records of these households (missing ids are left out).
    async fn households(
        &self,
        tenant: LocalGovCode,
        ids: &[HouseholdId],
    ) -> Result<Vec<Household>, StoreError>;

    /// Records one change atomically: appends the entry, writes the new snapshots and
    /// their versions. A snapshot whose stored version is not one below it (another
    /// clerk committed first) fails the whole commit with [`StoreError::Conflict`].
    /// The audit events are appended to the tenant's chain in the same transaction:
    /// a change is never recorded without its audit record. With a draft, the
    /// draft's decision (`committed`, with the entry's number) is written in the same
    /// transaction, and a draft no longer pending fails the whole commit with
    /// [`StoreError::Conflict`]: across processes, a draft is committed once.
    /// Returns the entry's sequence number.
    async fn commit(
        &self,
        tenant: LocalGovCode,
        entry: &LedgerEntry,
        persons: &[&Person],
        households: &[&Household],
        audit: &[AuditEvent],
        draft: Option<(i64, &drafts::DraftDecision)>,
    ) -> Result<i64, StoreError>;

    /// Inserts finished rows in one transaction, numbering the batch's entries after
    /// the tenant's last. No rule is checked: the rows come from `BulkRows::add_history`.
    async fn bulk_insert(
        &self,
        tenant: LocalGovCode,
        rows: &bulk::BulkRows,
    ) -> Result<(), StoreError>;

    /// After a bulk load: lets the engine's planner learn the new table sizes
    /// (PostgreSQL: ANALYZE; otherwise nothing).
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Ledger entries after `after_seq`, in order, at most `limit`.
    async fn ledger(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError>;
    /// Ledger entry `seq` (None: no such entry).
    async fn entry(
        &self,
        tenant: LocalGovCode,
        seq: i64,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        Ok(self
            .ledger(tenant, seq - 1, 1)
            .await?
            .into_iter()
            .find(|e| e.seq == seq))
    }
    /// The entries whose 異動日 is within `from..=to`, after `after_seq`, in ledger
    /// order, at most `limit`; each with the person records it wrote (as it wrote them)
    /// and the register each was on before it (`None`: the entry brought it in). The
    /// statistics of a period (6.1) are counted from them.
    async fn entries_between(
        &self,
        tenant: LocalGovCode,
        from: NaiveDate,
        to: NaiveDate,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<EntryWithPersons>, StoreError>;
    /// Every version of a person, oldest first (the 異動履歴 with the entries).
    /// The first ledger number that carries a seal (封印); entries below it were
    /// recorded before seals existed. 1 for a database created since.
    async fn sealed_from(&self, tenant: LocalGovCode) -> Result<i64, StoreError>;
    async fn person_versions(
        &self,
        tenant: LocalGovCode,
        id: PersonId,
    ) -> Result<Vec<PersonVersion>, StoreError>;
    /// The entries that changed a person or a household, oldest first.
    async fn entries_for(
        &self,
        tenant: LocalGovCode,
        person: Option<PersonId>,
        household: Option<HouseholdId>,
    ) -> Result<Vec<LedgerEntry>, StoreError>;
    /// A person as of an effective date (None before they were recorded).
    async fn person_as_of(
        &self,
        tenant: LocalGovCode,
        id: PersonId,
        on: NaiveDate,
    ) -> Result<Option<Person>, StoreError>;
    /// The household as it was on a date: its record and its members then.
    async fn household_as_of(
        &self,
        tenant: LocalGovCode,
        id: HouseholdId,
        on: NaiveDate,
    ) -> Result<Option<(Household, Vec<Person>)>, StoreError>;
    /// Every resident on the register on a date, by person id, a page at a time.
    async fn residents_as_of(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<Person>, StoreError> {
        let t = tenant.to_string();
        self.residents_as_of_json(tenant, on, after, limit)
            .await?
            .iter()
            .map(|(_, json)| {
                let plain = self.sealer().unseal(&t, json)?;
                serde_json::from_str(&plain).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }
    /// The same page as [`Store::residents_as_of`], as the stored JSON snapshots
    /// (the documented format of `docs/formats.md`; the 個人番号 stays sealed), not
    /// decoded: extraction passes them through.
    async fn residents_as_of_json(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<(PersonId, String)>, StoreError>;
    async fn search(
        &self,
        tenant: LocalGovCode,
        keys: &SearchKeys,
    ) -> Result<Vec<Person>, StoreError>;

    // ---- staff accounts, sessions, API tokens (kikan-security checks them) ----

    /// Adds an account; a login already taken in the tenant is [`StoreError::Exists`].
    async fn add_staff(&self, tenant: LocalGovCode, staff: &StaffAccount)
    -> Result<(), StoreError>;
    async fn staff_by_login(
        &self,
        tenant: LocalGovCode,
        login: &str,
    ) -> Result<Option<StaffAccount>, StoreError>;
    async fn staff_by_id(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<StaffAccount>, StoreError>;
    async fn staff_list(&self, tenant: LocalGovCode) -> Result<Vec<StaffAccount>, StoreError>;
    /// Records a login attempt's effect (failures, lock, the used TOTP step).
    async fn set_login_state(
        &self,
        tenant: LocalGovCode,
        id: i64,
        state: &LoginState,
    ) -> Result<(), StoreError>;
    async fn set_staff_active(
        &self,
        tenant: LocalGovCode,
        id: i64,
        active: bool,
    ) -> Result<(), StoreError>;
    /// Sets new credentials on an account ([`accounts::CredentialReset`]).
    async fn reset_staff_credentials(
        &self,
        tenant: LocalGovCode,
        id: i64,
        reset: &accounts::CredentialReset,
    ) -> Result<(), StoreError>;
    /// Stores a staff member's profile (10.3: department, 利用期間, a scheduled change).
    async fn set_staff_profile(
        &self,
        tenant: LocalGovCode,
        id: i64,
        profile: &accounts::StaffProfile,
    ) -> Result<(), StoreError>;
    /// Adds or replaces a department (所属部署).
    async fn put_department(
        &self,
        tenant: LocalGovCode,
        d: &accounts::Department,
    ) -> Result<(), StoreError>;
    /// Every department of the tenant, by code.
    async fn departments(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<accounts::Department>, StoreError>;
    /// Sets the items hidden on a staff member's screens (10.4).
    async fn set_staff_items(
        &self,
        tenant: LocalGovCode,
        id: i64,
        hidden: &std::collections::BTreeSet<kikan_security::Item>,
    ) -> Result<(), StoreError>;
    /// Activates an account awaiting approval, recording who approved it; false when it
    /// was not awaiting approval (approved already, deactivated, or no such account).
    async fn approve_staff(
        &self,
        tenant: LocalGovCode,
        id: i64,
        approver: i64,
    ) -> Result<bool, StoreError>;
    async fn add_session(&self, tenant: LocalGovCode, session: &Session) -> Result<(), StoreError>;
    async fn session(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<Session>, StoreError>;
    async fn end_session(&self, tenant: LocalGovCode, token_hash: &str) -> Result<(), StoreError>;
    async fn add_api_token(&self, tenant: LocalGovCode, token: &ApiToken)
    -> Result<(), StoreError>;
    async fn api_token(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError>;
    /// Every API token of the tenant, oldest first (hashes only).
    async fn api_tokens(&self, tenant: LocalGovCode) -> Result<Vec<ApiToken>, StoreError>;
    /// Revokes the token whose [`ApiToken::id`] is `id`; false when there is none.
    async fn revoke_api_token(&self, tenant: LocalGovCode, id: &str) -> Result<bool, StoreError>;
    /// Makes the token whose [`ApiToken::id`] is `id` usable until `expires_at`: its
    /// sealed copy is erased and the approver recorded. False when it was not awaiting
    /// approval (approved already, revoked, or no such token).
    async fn approve_api_token(
        &self,
        tenant: LocalGovCode,
        id: &str,
        approver: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    // ---- security keys (二要素認証 by IC card or biometrics, 10.3) ----

    /// Stores a key, or replaces the one with the same credential id (its counter and
    /// last use after a sign-in).
    async fn put_staff_key(
        &self,
        tenant: LocalGovCode,
        key: &accounts::StaffKey,
    ) -> Result<(), StoreError>;
    /// A staff member's keys, oldest first.
    async fn staff_keys(
        &self,
        tenant: LocalGovCode,
        staff_id: i64,
    ) -> Result<Vec<accounts::StaffKey>, StoreError>;
    /// Removes one of a staff member's keys (`Some`) or all of them (`None`); how many.
    async fn remove_staff_keys(
        &self,
        tenant: LocalGovCode,
        staff_id: i64,
        credential_id: Option<&str>,
    ) -> Result<u64, StoreError>;

    // ---- 庁内データ連携 clients (business systems, OAuth 2.0 client credentials) ----

    /// Stores (or replaces) a client, its data sealed (it holds the client's secret).
    async fn put_link_client(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
        data: &str,
    ) -> Result<(), StoreError>;
    /// One client's data, by its client id.
    async fn link_client(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Every client of the tenant: (client id, data), by client id.
    async fn link_clients(&self, tenant: LocalGovCode)
    -> Result<Vec<(String, String)>, StoreError>;
    /// Stores an access token; a token for an assertion (`jti`) the client used before
    /// is a [`StoreError::Conflict`] and nothing is written. Tokens (and so the used
    /// assertions) that expired before `purge_before` are deleted in the same write.
    async fn add_link_token(
        &self,
        tenant: LocalGovCode,
        token: &accounts::LinkToken,
        purge_before: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn link_token(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<accounts::LinkToken>, StoreError>;
    /// Ends every token of a client (its registration revoked or its secret replaced).
    async fn end_link_tokens(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
    ) -> Result<(), StoreError>;

    // ---- OIDC ----

    async fn set_oidc_provider(
        &self,
        tenant: LocalGovCode,
        p: &accounts::OidcProvider,
    ) -> Result<(), StoreError>;
    async fn oidc_provider(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Option<accounts::OidcProvider>, StoreError>;
    /// Links an account to the provider's subject (`sub`), or unlinks it.
    async fn set_staff_oidc(
        &self,
        tenant: LocalGovCode,
        id: i64,
        subject: Option<&str>,
    ) -> Result<(), StoreError>;
    async fn staff_by_oidc(
        &self,
        tenant: LocalGovCode,
        subject: &str,
    ) -> Result<Option<StaffAccount>, StoreError>;

    // ---- drafts (窓口 enters, 審査 commits) ----

    async fn add_draft(&self, tenant: LocalGovCode, d: &drafts::Draft) -> Result<(), StoreError>;
    async fn draft(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<drafts::Draft>, StoreError>;
    /// Drafts by status (all when None), oldest first.
    async fn drafts(
        &self,
        tenant: LocalGovCode,
        status: Option<&str>,
    ) -> Result<Vec<drafts::Draft>, StoreError>;
    /// Decides a pending draft; one already decided is [`StoreError::Conflict`].
    async fn decide_draft(
        &self,
        tenant: LocalGovCode,
        id: i64,
        d: &drafts::DraftDecision,
    ) -> Result<(), StoreError>;

    // ---- 支援措置 (DB C) ----

    /// Registers a measure (version 1).
    async fn add_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError>;
    /// Stores a changed measure; its stored version must be one below (else Conflict).
    async fn update_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError>;
    async fn support_measure(
        &self,
        tenant: LocalGovCode,
        id: MeasureId,
    ) -> Result<Option<SupportMeasure>, StoreError>;
    /// Every measure of the tenant (a city has hundreds, not millions).
    async fn support_measures(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<SupportMeasure>, StoreError>;
    /// The measures that protect any of these persons (in force or not).
    async fn support_for(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<SupportMeasure>, StoreError>;

    // ---- 入力場所・入力端末 (1.3.1) ----

    /// Adds or replaces a place (by its code).
    async fn put_place(&self, tenant: LocalGovCode, p: &places::Place) -> Result<(), StoreError>;
    async fn places(&self, tenant: LocalGovCode) -> Result<Vec<places::Place>, StoreError>;
    /// Adds or replaces a terminal (by its code).
    async fn put_terminal(
        &self,
        tenant: LocalGovCode,
        t: &places::Terminal,
    ) -> Result<(), StoreError>;
    async fn terminals(&self, tenant: LocalGovCode) -> Result<Vec<places::Terminal>, StoreError>;
    /// One terminal with its place, by the terminal's code (every request that names
    /// its terminal asks).
    async fn terminal_at(
        &self,
        tenant: LocalGovCode,
        code: &str,
    ) -> Result<Option<(places::Terminal, Option<places::Place>)>, StoreError>;

    // ---- 住所辞書 (1.3.2–1.3.4) ----

    /// Adds or replaces 町字 (by their 住所コード), all of them or none.
    async fn put_towns(
        &self,
        tenant: LocalGovCode,
        towns: &[kikan_domain::address::Town],
    ) -> Result<(), StoreError>;
    /// The 町字 whose code begins with `prefix` ("" for all), by code, at most `limit`.
    async fn towns_in(
        &self,
        tenant: LocalGovCode,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<kikan_domain::address::Town>, StoreError>;
    /// One level of the choice 都道府県 → 市区町村 → 大字 → 小字 below `parent` (a code
    /// prefix of 0, 2, 5 or 8 digits): each child's code prefix, name and reading.
    /// Abolished 町字 only with `abolished` (本籍 may name an old 町名).
    async fn address_level(
        &self,
        tenant: LocalGovCode,
        parent: &str,
        abolished: bool,
    ) -> Result<Vec<AddressLevelItem>, StoreError>;
    /// 住所カナ入力: the 町字 whose 都道府県 reading begins with `pref_head` and, when
    /// given, whose 郡 or 市区町村 reading begins with `city_head`; at most `limit`.
    async fn towns_by_kana(
        &self,
        tenant: LocalGovCode,
        pref_head: &str,
        city_head: Option<&str>,
        limit: usize,
    ) -> Result<Vec<kikan_domain::address::Town>, StoreError>;
    /// The 町字 that carry a 郵便番号.
    async fn towns_by_postal_code(
        &self,
        tenant: LocalGovCode,
        code: &kikan_domain::PostalCode,
    ) -> Result<Vec<kikan_domain::address::Town>, StoreError>;
    /// Replaces the postal code file's lines, and writes the 町字 whose 郵便番号 it set,
    /// in one transaction.
    async fn replace_postal_entries(
        &self,
        tenant: LocalGovCode,
        entries: &[kikan_domain::address::PostalEntry],
        towns: &[kikan_domain::address::Town],
    ) -> Result<(), StoreError>;
    /// Every entry of the postal-code list, by postal code and order (the export).
    async fn all_postal_entries(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_domain::address::PostalEntry>, StoreError>;
    /// The postal code lines of these places (都道府県 and 市区町村 as written together,
    /// 「東京都日野市」).
    async fn postal_entries_at(
        &self,
        tenant: LocalGovCode,
        places: &[String],
    ) -> Result<Vec<kikan_domain::address::PostalEntry>, StoreError>;
    async fn postal_entries(
        &self,
        tenant: LocalGovCode,
        code: &kikan_domain::PostalCode,
    ) -> Result<Vec<kikan_domain::address::PostalEntry>, StoreError>;
    /// Adds or replaces 住居表示 and 地番 numbers, all or none.
    async fn put_address_numbers(
        &self,
        tenant: LocalGovCode,
        numbers: &[kikan_domain::address::AddressNumber],
    ) -> Result<(), StoreError>;
    /// A 町字's 住居表示 and 地番, in numeric order.
    async fn address_numbers(
        &self,
        tenant: LocalGovCode,
        town: &kikan_domain::address::AddressCode,
    ) -> Result<Vec<kikan_domain::address::AddressNumber>, StoreError>;
    /// Adds or replaces countries (by their code), all or none.
    async fn put_countries(
        &self,
        tenant: LocalGovCode,
        countries: &[kikan_domain::address::Country],
    ) -> Result<(), StoreError>;
    /// The country list, by code.
    async fn countries(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_domain::address::Country>, StoreError>;
    /// Adds (id 0: a new id is given) or replaces a 方書; returns its id.
    async fn put_katagaki(
        &self,
        tenant: LocalGovCode,
        k: &kikan_domain::address::Katagaki,
    ) -> Result<i64, StoreError>;
    async fn katagaki_by_id(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<kikan_domain::address::Katagaki>, StoreError>;
    /// The 方書 of a 町字, those at one 番地 when `at` is given, in numeric order.
    async fn katagaki(
        &self,
        tenant: LocalGovCode,
        town: &kikan_domain::address::AddressCode,
        at: Option<kikan_domain::address::BanchiNumbers>,
    ) -> Result<Vec<kikan_domain::address::Katagaki>, StoreError>;

    // ---- 抑止 (3.1) ----

    async fn add_suppression(
        &self,
        tenant: LocalGovCode,
        s: &kikan_domain::suppress::Suppression,
    ) -> Result<(), StoreError>;
    /// Stores a changed suppression whose `version` is one more than the stored one
    /// ([`StoreError::Conflict`] otherwise).
    async fn update_suppression(
        &self,
        tenant: LocalGovCode,
        s: &kikan_domain::suppress::Suppression,
    ) -> Result<(), StoreError>;
    async fn suppression(
        &self,
        tenant: LocalGovCode,
        id: kikan_domain::suppress::SuppressionId,
    ) -> Result<Option<kikan_domain::suppress::Suppression>, StoreError>;
    /// Every suppression of the tenant, oldest first.
    async fn suppressions(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_domain::suppress::Suppression>, StoreError>;
    /// The suppressions whose subject is one of `subjects`.
    async fn suppressions_for(
        &self,
        tenant: LocalGovCode,
        subjects: &[kikan_domain::suppress::Subject],
    ) -> Result<Vec<kikan_domain::suppress::Suppression>, StoreError>;

    // ---- 排他制御 (10.3, under 3.1) ----

    /// Takes `locks` (one holder) together or none of them: a subject already locked by
    /// someone else, not yet run out at `now`, is returned instead (nothing taken). The
    /// holder's own locks are renewed.
    async fn acquire_locks(
        &self,
        tenant: LocalGovCode,
        locks: &[kikan_domain::suppress::Lock],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<kikan_domain::suppress::Lock>, StoreError>;
    /// The locks of `subjects` (run out or not).
    async fn locks_for(
        &self,
        tenant: LocalGovCode,
        subjects: &[kikan_domain::suppress::Subject],
    ) -> Result<Vec<kikan_domain::suppress::Lock>, StoreError>;
    /// Every lock of the tenant not run out at `now`, oldest first.
    async fn locks(
        &self,
        tenant: LocalGovCode,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<kikan_domain::suppress::Lock>, StoreError>;
    /// Releases the locks of `subjects` (every subject when empty) held by `holder`, or
    /// by anyone when `holder` is None; returns how many went.
    async fn release_locks(
        &self,
        tenant: LocalGovCode,
        holder: Option<&str>,
        subjects: &[kikan_domain::suppress::Subject],
    ) -> Result<u64, StoreError>;

    // ---- the 法第7条 items other businesses keep (1.1.1, 7.2.2) ----
    /// Adds a value a business system set for a person; another with the same
    /// business and revision is a conflict and nothing is written.
    async fn add_business_record(
        &self,
        tenant: LocalGovCode,
        r: &kikan_domain::business::BusinessRecord,
    ) -> Result<(), StoreError>;
    /// Every value set for these persons, by person, business and revision.
    async fn business_records(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<kikan_domain::business::BusinessRecord>, StoreError>;
    /// コンビニ交付 (7.2.5): the persons a card record ever named with this
    /// 利用者証明用電子証明書のシリアル番号 (the caller checks each one's latest card).
    async fn persons_by_card_serial(
        &self,
        tenant: LocalGovCode,
        serial: &str,
    ) -> Result<Vec<PersonId>, StoreError>;

    // ---- 出入国在留管理庁長官通知 (4.5.6) ----
    /// Stores notices read from a file, all or none.
    async fn add_notices(
        &self,
        tenant: LocalGovCode,
        notices: &[kikan_domain::immigration::ImmigrationNotice],
    ) -> Result<(), StoreError>;
    /// The tenant's notices (only those still pending when asked), oldest first.
    async fn notices(
        &self,
        tenant: LocalGovCode,
        pending_only: bool,
    ) -> Result<Vec<kikan_domain::immigration::ImmigrationNotice>, StoreError>;
    /// One notice by its number, whatever its state.
    async fn notice(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<kikan_domain::immigration::ImmigrationNotice>, StoreError>;
    /// Settles a pending notice (applied or set aside): false when it was not pending.
    async fn settle_notice(
        &self,
        tenant: LocalGovCode,
        notice: &kikan_domain::immigration::ImmigrationNotice,
    ) -> Result<bool, StoreError>;

    // ---- 認証者・公印・固定文言 (1.3.7, 1.3.9, 5.6) ----
    /// Stores a setting document of `kind` (certifier, seal, phrases) under `id`,
    /// replacing the one there.
    async fn put_certificate_setting(
        &self,
        tenant: LocalGovCode,
        kind: &str,
        id: i64,
        data: &str,
    ) -> Result<(), StoreError>;
    /// The setting documents of `kind`, by id.
    async fn certificate_settings(
        &self,
        tenant: LocalGovCode,
        kind: &str,
    ) -> Result<Vec<(i64, String)>, StoreError>;

    // ---- 検索履歴 (2.1.1) ----
    /// Keeps a search of `login` (its conditions, sealed by the caller), and only the
    /// latest `keep` of theirs. Two at the same moment by the same login: one is kept,
    /// the other answers `StoreError::Conflict`.
    async fn add_search_history(
        &self,
        tenant: LocalGovCode,
        login: &str,
        data: &str,
        keep: u32,
    ) -> Result<(), StoreError>;
    /// The searches `login` kept, newest first.
    async fn search_history(
        &self,
        tenant: LocalGovCode,
        login: &str,
    ) -> Result<Vec<String>, StoreError>;

    // ---- 市町村通知・市町村伝達 (4.5.7) ----
    /// The last ledger number whose items are made (0: none yet).
    async fn outbox_head(&self, tenant: LocalGovCode) -> Result<i64, StoreError>;
    /// Adds the items of the entries up to `head` and moves the head there, all or
    /// nothing; items already made (another reader first) are a conflict.
    async fn add_outbox(
        &self,
        tenant: LocalGovCode,
        head: i64,
        items: &[kikan_domain::outbound::OutboundItem],
    ) -> Result<(), StoreError>;
    /// The items in number order; with `state` (pending, sent, accepted, failed) only
    /// those in it.
    async fn outbox(
        &self,
        tenant: LocalGovCode,
        state: Option<&str>,
    ) -> Result<Vec<kikan_domain::outbound::OutboundItem>, StoreError>;
    /// Writes the items' new states, all or nothing; an item whose state moved since
    /// `was` (its state name when read) fails the whole with a conflict.
    async fn update_outbox(
        &self,
        tenant: LocalGovCode,
        items: &[(kikan_domain::outbound::OutboundItem, &str)],
    ) -> Result<(), StoreError>;
    /// The highest batch number used (0: none).
    async fn outbox_last_batch(&self, tenant: LocalGovCode) -> Result<i64, StoreError>;

    // ---- 住基ネット (CS) 連携 (7.1.1.1) ----
    /// The last ledger number whose CS items are made (0: none yet).
    async fn cs_head(&self, tenant: LocalGovCode) -> Result<i64, StoreError>;
    /// Adds the items of the entries up to `head` and moves the head there, all or
    /// nothing; items already made (another reader first) are a conflict. Also adds a
    /// resend (with `head` the head as read).
    async fn add_cs_items(
        &self,
        tenant: LocalGovCode,
        head: i64,
        items: &[kikan_domain::cs::CsItem],
    ) -> Result<(), StoreError>;
    /// The items in number order: with `states` only those in one of them, with
    /// `person` only theirs.
    async fn cs_items(
        &self,
        tenant: LocalGovCode,
        states: &[&str],
        person: Option<PersonId>,
    ) -> Result<Vec<kikan_domain::cs::CsItem>, StoreError>;
    /// The highest item number used (0: none).
    async fn cs_last_item(&self, tenant: LocalGovCode) -> Result<i64, StoreError>;
    /// Writes the items' new states, all or nothing; an item whose state moved since
    /// `was` (its state name when read) fails the whole with a conflict.
    async fn update_cs_items(
        &self,
        tenant: LocalGovCode,
        items: &[(kikan_domain::cs::CsItem, &str)],
    ) -> Result<(), StoreError>;
    /// Adds or replaces entries of the 住基ネット統一文字 conversion table.
    async fn put_cs_chars(
        &self,
        tenant: LocalGovCode,
        entries: &[(String, u16)],
    ) -> Result<(), StoreError>;
    /// The conversion table.
    async fn cs_chars(&self, tenant: LocalGovCode) -> Result<Vec<(String, u16)>, StoreError>;
    /// The link's settings document, if set.
    async fn cs_settings(&self, tenant: LocalGovCode) -> Result<Option<String>, StoreError>;
    async fn put_cs_settings(&self, tenant: LocalGovCode, data: &str) -> Result<(), StoreError>;
    /// Adds 住民票コード空きコード (4.3.1); codes already held are passed over. The number
    /// added.
    async fn add_free_codes(
        &self,
        tenant: LocalGovCode,
        codes: &[String],
    ) -> Result<u64, StoreError>;
    /// The number of free codes not taken.
    async fn free_code_count(&self, tenant: LocalGovCode) -> Result<u64, StoreError>;
    /// The number of lines of the postal code file taken in (0: none yet).
    async fn postal_entry_count(&self, tenant: LocalGovCode) -> Result<u64, StoreError>;
    /// Takes the free code at place `nth` (0-based, among those not taken, in code
    /// order) for `person`; None when there is none there (taken meanwhile).
    async fn take_free_code(
        &self,
        tenant: LocalGovCode,
        nth: u64,
        person: PersonId,
    ) -> Result<Option<String>, StoreError>;
    /// Puts back a code taken for a record that was not written.
    async fn release_free_code(&self, tenant: LocalGovCode, code: &str) -> Result<(), StoreError>;

    /// Keeps messages received through the CS; one already kept (the same sender and
    /// number) is passed over. The number newly kept.
    async fn add_cs_inbound(
        &self,
        tenant: LocalGovCode,
        items: &[kikan_domain::cs::Inbound],
    ) -> Result<u64, StoreError>;
    /// The received messages in key order; with `states` only those in them.
    async fn cs_inbound(
        &self,
        tenant: LocalGovCode,
        states: &[&str],
    ) -> Result<Vec<kikan_domain::cs::Inbound>, StoreError>;
    /// Writes a received message's new state if it is still `was` (else a conflict).
    async fn update_cs_inbound(
        &self,
        tenant: LocalGovCode,
        item: &kikan_domain::cs::Inbound,
        was: &str,
    ) -> Result<(), StoreError>;

    /// Sets (Some) or clears (None) the 送付先 of a person: a 居所 (an address document)
    /// other than the address (7.1.1.4).
    async fn put_sending_address(
        &self,
        tenant: LocalGovCode,
        person: PersonId,
        data: Option<&str>,
    ) -> Result<(), StoreError>;
    /// The 送付先 set for these persons.
    async fn sending_addresses(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<(PersonId, String)>, StoreError>;

    // ---- メモ (1.1.15) ----
    /// Adds a revision of a memo; another with the same memo and revision (someone
    /// else's edit first) is a conflict and nothing is written.
    async fn add_memo_revision(
        &self,
        tenant: LocalGovCode,
        r: &kikan_domain::memo::MemoRevision,
    ) -> Result<(), StoreError>;
    /// Every revision of the メモ and 備考 on these persons, in memo and revision order.
    async fn memo_revisions(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<kikan_domain::memo::MemoRevision>, StoreError>;

    // ---- the issuance register (証明書交付簿) ----

    /// The records ledger entry `seq` wrote, each as it wrote it and as it was before
    /// (None: the entry brought it in), for 異動の取消し (4.6).
    async fn around_entry(
        &self,
        tenant: LocalGovCode,
        seq: i64,
    ) -> Result<EntryRecords, StoreError>;
    /// 転出予定 on the register whose planned date is `on` or before (1.1.5: they leave
    /// on that date), by person id.
    async fn moving_out_due(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
    ) -> Result<Vec<Person>, StoreError>;
    /// 除票 of a 転出 whose 転入通知 has not come (転入通知未着, 4.1.3.1.4), and of a 職権消除
    /// with none since, by person id.
    async fn awaiting_move_in_notice(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<Person>, StoreError>;
    /// The 除票 in the 住民記録 database (or, `archive`, in the 除票用データベース, 9.3),
    /// by person id after `after`, a page at a time.
    async fn removed_records(
        &self,
        tenant: LocalGovCode,
        archive: bool,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<Person>, StoreError>;
    /// Households on the register without a 世帯主 (4.0.4, 4.0.5), by household id.
    async fn headless_households(&self, tenant: LocalGovCode)
    -> Result<Vec<Household>, StoreError>;
    /// Records one run of a job (9.1).
    async fn add_job_run(&self, tenant: LocalGovCode, run: &jobs::JobRun)
    -> Result<(), StoreError>;
    /// The latest runs of a job, newest first.
    async fn job_runs(
        &self,
        tenant: LocalGovCode,
        job: &str,
        limit: u32,
    ) -> Result<Vec<jobs::JobRun>, StoreError>;
    /// A run by its id (None: no such run in this municipality).
    async fn job_run(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<jobs::JobRun>, StoreError>;
    /// Adds or replaces a schedule (9.1).
    async fn put_job_schedule(
        &self,
        tenant: LocalGovCode,
        s: &jobs::JobSchedule,
    ) -> Result<(), StoreError>;
    /// Every schedule of the municipality, by id.
    async fn job_schedules(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<jobs::JobSchedule>, StoreError>;
    /// Claims a schedule's slot (its due time, as text): true for the first claim, false
    /// when it was claimed before (by this server or another).
    async fn claim_job_slot(
        &self,
        tenant: LocalGovCode,
        schedule: i64,
        slot: &str,
    ) -> Result<bool, StoreError>;
    /// Takes the next `n` serials of 宛名番号 (`persons`) or 世帯番号 (`households`) and
    /// returns the last; the serials are `last - n + 1 ..= last`. The first call for a
    /// tenant starts above the highest serial already used (a number below 10¹¹ is its
    /// serial and a check digit). A serial taken and never used stays a gap.
    async fn reserve_serials(
        &self,
        tenant: LocalGovCode,
        kind: SerialKind,
        n: i64,
    ) -> Result<i64, StoreError>;
    /// Takes the tenant's next 交付番号. A number taken and never recorded (the drawing
    /// failed) stays a gap in the register, as a spoiled form (書損) does on paper.
    async fn reserve_certificate_serial(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        self.reserve_certificate_serials(tenant, 1).await
    }
    /// Takes the tenant's next `n` 交付番号 at once (one per copy, 5.5) and returns the
    /// last: the copies' numbers follow one another.
    async fn reserve_certificate_serials(
        &self,
        tenant: LocalGovCode,
        n: i64,
    ) -> Result<i64, StoreError>;
    /// Records an issued certificate under its reserved serial.
    async fn add_certificate(
        &self,
        tenant: LocalGovCode,
        c: &certificates::Certificate,
    ) -> Result<(), StoreError>;
    async fn certificate(
        &self,
        tenant: LocalGovCode,
        serial: i64,
    ) -> Result<Option<certificates::Certificate>, StoreError>;
    /// The certificate a 照合番号 belongs to.
    async fn certificate_by_code(
        &self,
        tenant: LocalGovCode,
        code: &str,
    ) -> Result<Option<certificates::Certificate>, StoreError>;
    /// Searches the register, newest first.
    async fn certificates(
        &self,
        tenant: LocalGovCode,
        q: &certificates::CertificateQuery,
    ) -> Result<Vec<certificates::Certificate>, StoreError>;
    /// Records a re-print of an issued certificate.
    async fn add_certificate_reprint(
        &self,
        tenant: LocalGovCode,
        serial: i64,
        r: &certificates::Reprint,
    ) -> Result<(), StoreError>;

    // ---- the audit log ----

    /// Appends events to the tenant's chain, in order, durably, before returning.
    async fn append_audit(
        &self,
        tenant: LocalGovCode,
        events: &[AuditEvent],
    ) -> Result<(), StoreError>;
    /// Records of the chain after `after_seq`, in order (verification, export).
    async fn audit_records(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;
    /// Records matching `q`'s index criteria (time, actor, action, resident), oldest
    /// first, after `q.after_seq` (10.2: the access log searched by period, staff and
    /// resident).
    async fn audit_search(
        &self,
        tenant: LocalGovCode,
        q: &AuditQuery,
    ) -> Result<Vec<AuditRecord>, StoreError>;
    /// The newest record's (seq, hash), as the store recorded it beside the chain.
    async fn audit_head(&self, tenant: LocalGovCode) -> Result<Option<(i64, String)>, StoreError>;
    /// Records concerning a resident, newest first ("who looked at this person?").
    async fn audit_for_person(
        &self,
        tenant: LocalGovCode,
        person: PersonId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;
    /// Records of one actor (staff login or token name), newest first.
    async fn audit_for_actor(
        &self,
        tenant: LocalGovCode,
        actor: &str,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// For the replay check: stored persons with their index columns, by id.
    async fn person_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<(PersonIndex, Person)>, StoreError>;
    /// For the replay check: stored households, by id.
    async fn household_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<HouseholdId>,
        limit: u32,
    ) -> Result<Vec<Household>, StoreError>;
    /// For the replay check: every stored person version, by (person id, seq).
    async fn version_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<(PersonId, i64)>,
        limit: u32,
    ) -> Result<Vec<(PersonId, PersonVersion)>, StoreError>;
    /// For the replay check: every stored household version, by (household id, seq).
    async fn household_version_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<(HouseholdId, i64)>,
        limit: u32,
    ) -> Result<Vec<HouseholdVersion>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use kikan_domain::gaiji::{Gaiji, VariantGroups};

    #[test]
    fn a_widened_search_is_spelled_out_one_range_each() {
        let groups = VariantGroups::new(&[Gaiji {
            id: 1,
            text: "𠮷".into(),
            mj: None,
            note: String::new(),
            variants: vec!["吉".into()],
            in_use: true,
        }]);
        let q = SearchQuery {
            name: Some("吉田".into()),
            former_surname: Some("吉川".into()),
            kana: Some("ヨシダ".into()),
            limit: 20,
            ..Default::default()
        };
        let k = q.keys().widened(&groups);
        let values = |k: &SearchKeys, column: &str| -> Vec<String> {
            k.texts
                .iter()
                .find(|t| t.column == column)
                .map(|t| t.values.clone())
                .unwrap_or_default()
        };
        assert_eq!(values(&k, "name_key"), vec!["吉田", "𠮷田"]);
        assert_eq!(values(&k, "former_key"), vec!["吉川", "𠮷川"]);
        // The reading is not a kanji column: as typed.
        assert_eq!(values(&k, "kana_key").len(), 1);
        let each = k.spelled_out();
        assert_eq!(each.len(), 4, "every combination");
        assert!(
            each.iter()
                .all(|k| k.texts.iter().all(|t| t.values.len() == 1))
        );
        assert_eq!(each[0].texts, q.keys().texts, "the search as typed first");
        // The walked column is the first text compared by prefix: the reading here.
        assert_eq!(k.walked(), Some("kana_key"));
        assert!(k.walks());
        // Nothing registered, or nothing searched by name: nothing widened.
        let plain = q.keys();
        assert_eq!(plain.clone().widened(&VariantGroups::new(&[])), plain);
        assert_eq!(plain.spelled_out().len(), 1);
    }
}
