//! 移行: the residents of the outgoing vendor's system, handed over as CSV, taken into
//! an empty municipality (a municipality moving onto kikan).
//!
//! The file is UTF-8 or Shift_JIS (CP932), one resident per row, a heading row naming
//! the columns (docs/formats.md, "移行"). The vendor's 外字 come as private-use code
//! points (CP932's user-defined area decodes to U+E000–U+E757); a table maps each to the
//! MJ character, with its ideographic variation sequence where the 字形 needs one. A
//! private-use character the table does not map is refused with its line and column.
//!
//! Each household becomes its own history, dated on the cut-over day: a 職権記載 of its
//! members at its address, then a 職権修正 of each member's 住民となった年月日 and
//! 住所を定めた年月日 where the vendor's differ (the history before the cut-over stays in
//! the vendor's records). Every row is checked by the same domain rules as a counter
//! entry (names, dates, codes with their check digits, one 世帯主 per household); the
//! histories are replayed in memory and written in one transaction: a file with a bad
//! row names every bad row and imports nothing.

use crate::actor::Actor;
use chrono::{NaiveDate, Utc};
use kikan_domain::codes::serial_number;
use kikan_domain::{
    Address, Change, Correction, CorrectionKind, DomainError, ForeignCategory, ForeignDetails,
    Furigana, Honseki, HouseholdId, IndividualNumber, JuminhyoCode, LedgerEntry, LocalGovCode,
    MoveInHousehold, MoveInKind, PersonData, PersonId, PersonName, Relationship, ResidenceStatus,
    Sex,
};
use kikan_store::bulk::BulkRows;
use kikan_store::{SerialKind, Store, StoreError};
use std::collections::{BTreeMap, HashMap};

/// The columns of the layout; `*` ones are required.
pub const COLUMNS: [&str; 26] = [
    "世帯番号",
    "宛名番号",
    "氏",
    "名",
    "氏フリガナ",
    "名フリガナ",
    // フリガナ確認フラグ (1.1.18): 1 (確認済) or 0 / empty (未確認).
    "フリガナ確認フラグ",
    "生年月日",
    "性別",
    "続柄",
    "住民となった年月日",
    "住所を定めた年月日",
    "郵便番号",
    "住所",
    "番地",
    "方書",
    "本籍",
    "筆頭者",
    "住民票コード",
    "個人番号",
    // 外国人住民 (1.1.2): a row with 国籍・地域 is one.
    "国籍・地域",
    "法第30条の45に規定する区分",
    "在留資格",
    "在留期間",
    "在留期間の満了の日",
    "在留カード等の番号",
];
const REQUIRED: [&str; 8] = [
    "世帯番号",
    "氏",
    "氏フリガナ",
    "生年月日",
    "性別",
    "続柄",
    "住民となった年月日",
    "住所",
];

/// At most this many bad rows are listed.
const MAX_ERRORS: usize = 100;

/// One bad row: its line, column and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}行目「{}」: {}", self.line, self.column, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The file is not the layout, or cannot be decoded.
    #[error("移行ファイルを読めません: {0}")]
    File(String),
    /// Rows that cannot be taken (up to 100 listed); nothing was imported.
    #[error("移行ファイルに取り込めない行が {} 件あります(何も取り込んでいません)", .0.len())]
    Rows(Vec<RowError>),
    #[error("外字の対応表を読めません: {0}")]
    Gaiji(String),
    #[error("団体 {0} には既に異動記録があります。移行は空の団体にのみ行えます")]
    NotEmpty(String),
}

impl MigrationError {
    pub fn code(&self) -> &'static str {
        match self {
            MigrationError::Store(e) => e.code(),
            MigrationError::File(_) => "E-MIGRATE-001",
            MigrationError::Rows(_) => "E-MIGRATE-002",
            MigrationError::Gaiji(_) => "E-MIGRATE-003",
            MigrationError::NotEmpty(_) => "E-MIGRATE-004",
        }
    }
}

fn is_private(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// The vendor's 外字 → MJ characters: a CSV of `外字,文字` lines (the 外字 as the
/// character itself or as `U+E000`; the 文字 may carry its variation selector). A
/// heading line is allowed.
#[derive(Debug, Clone, Default)]
pub struct GaijiMap(HashMap<char, String>);

impl GaijiMap {
    pub fn read(bytes: &[u8]) -> Result<Self, MigrationError> {
        let text = crate::text::decode(bytes).map_err(MigrationError::Gaiji)?;
        let mut map = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (i == 0 && line.starts_with("外字")) {
                continue;
            }
            let (from, to) = line.split_once(',').ok_or_else(|| {
                MigrationError::Gaiji(format!("{}行目: 「外字,文字」の形ではありません", i + 1))
            })?;
            let from = from.trim();
            let c = match from.strip_prefix("U+").or_else(|| from.strip_prefix("u+")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                None => {
                    let mut cs = from.chars();
                    cs.next().filter(|_| cs.next().is_none())
                }
            }
            .filter(|c| is_private(*c))
            .ok_or_else(|| {
                MigrationError::Gaiji(format!(
                    "{}行目: 「{from}」は私用領域の1文字ではありません",
                    i + 1
                ))
            })?;
            let to = to.trim();
            if to.is_empty() || to.chars().any(is_private) {
                return Err(MigrationError::Gaiji(format!(
                    "{}行目: 対応する文字がないか、私用領域の文字です",
                    i + 1
                )));
            }
            map.insert(c, to.to_string());
        }
        Ok(GaijiMap(map))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text with every mapped 外字 replaced; the first unmapped one is an error.
    fn apply(&self, s: &str) -> Result<String, String> {
        if !s.chars().any(is_private) {
            return Ok(s.to_string());
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if is_private(c) {
                match self.0.get(&c) {
                    Some(to) => out.push_str(to),
                    None => {
                        return Err(format!(
                            "外字 U+{:04X} の対応が外字対応表にありません",
                            u32::from(c)
                        ));
                    }
                }
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }
}

/// One resident as read.
struct Resident {
    line: usize,
    vendor_id: Option<String>,
    data: PersonData,
    became_resident_on: NaiveDate,
    address_since: Option<NaiveDate>,
    address: Address,
}

/// What a migration read (before anything is written).
pub struct Plan {
    /// Per household (by the vendor's 世帯番号, in file order): its residents.
    households: Vec<(String, Vec<Resident>)>,
    pub persons: usize,
}

impl Plan {
    pub fn households(&self) -> usize {
        self.households.len()
    }
}

/// Reads and checks every row (each bad row listed, up to 100).
pub fn read(bytes: &[u8], gaiji: &GaijiMap, cut_over: NaiveDate) -> Result<Plan, MigrationError> {
    let text = crate::text::decode(bytes).map_err(MigrationError::File)?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| MigrationError::File(format!("見出し行: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            return Err(MigrationError::File(format!(
                "見出し「{h}」は移行の項目ではありません(項目: {})",
                COLUMNS.join("、")
            )));
        }
    }
    for r in REQUIRED {
        if !headers.iter().any(|h| h == r) {
            return Err(MigrationError::File(format!("見出し「{r}」がありません")));
        }
    }
    let mut errors = Vec::new();
    let mut order: Vec<String> = Vec::new();
    let mut households: HashMap<String, Vec<Resident>> = HashMap::new();
    let mut persons = 0;
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line,
                    column: "-".into(),
                    reason: format!("読めません: {e}"),
                });
                continue;
            }
        };
        let mut row: BTreeMap<&str, String> = BTreeMap::new();
        let mut bad = false;
        for (h, v) in headers.iter().zip(rec.iter()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match gaiji.apply(v) {
                Ok(v) => {
                    row.insert(h.as_str(), v);
                }
                Err(reason) => {
                    errors.push(RowError {
                        line,
                        column: h.clone(),
                        reason,
                    });
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        match resident(line, &row, cut_over) {
            Ok((household, r)) => {
                persons += 1;
                households
                    .entry(household.clone())
                    .or_insert_with(|| {
                        order.push(household);
                        Vec::new()
                    })
                    .push(r);
            }
            Err(e) => errors.push(e),
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    // One 世帯主 per household, and one address.
    for h in &order {
        let members = &households[h];
        let heads = members
            .iter()
            .filter(|m| m.data.relationship == Relationship::Head)
            .count();
        if heads != 1 {
            errors.push(RowError {
                line: members[0].line,
                column: "続柄".into(),
                reason: format!("世帯番号 {h} の世帯主が {heads} 人です(1人にしてください)"),
            });
        }
        if let Some(m) = members.iter().find(|m| m.address != members[0].address) {
            errors.push(RowError {
                line: m.line,
                column: "住所".into(),
                reason: format!("世帯番号 {h} の世帯員の住所が異なります"),
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.truncate(MAX_ERRORS);
        return Err(MigrationError::Rows(errors));
    }
    if persons == 0 {
        return Err(MigrationError::File("データの行がありません".into()));
    }
    let households = order
        .into_iter()
        .map(|h| {
            let members = households.remove(&h).unwrap_or_default();
            (h, members)
        })
        .collect();
    Ok(Plan {
        households,
        persons,
    })
}

fn resident(
    line: usize,
    row: &BTreeMap<&str, String>,
    cut_over: NaiveDate,
) -> Result<(String, Resident), RowError> {
    let at = |column: &str, e: DomainError| RowError {
        line,
        column: column.into(),
        reason: e.to_string(),
    };
    let get = |c: &str| row.get(c).map(String::as_str);
    for c in REQUIRED {
        if get(c).is_none() {
            return Err(RowError {
                line,
                column: c.into(),
                reason: "入力されていません".into(),
            });
        }
    }
    let date = |c: &str| -> Result<Option<NaiveDate>, RowError> {
        get(c)
            .map(|v| kikan_domain::wareki::parse_date(v).map_err(|e| at(c, e)))
            .transpose()
    };
    let v = |c: &str| get(c).unwrap_or_default();
    let birth = date("生年月日")?.unwrap_or(cut_over);
    let became = date("住民となった年月日")?.unwrap_or(cut_over);
    let since = date("住所を定めた年月日")?;
    for (c, d) in [
        ("生年月日", Some(birth)),
        ("住民となった年月日", Some(became)),
        ("住所を定めた年月日", since),
    ] {
        if let Some(d) = d
            && d > cut_over
        {
            return Err(RowError {
                line,
                column: c.into(),
                reason: format!("移行日 {cut_over} より後の日付です"),
            });
        }
    }
    if became < birth {
        return Err(RowError {
            line,
            column: "住民となった年月日".into(),
            reason: "生年月日より前です".into(),
        });
    }
    let honseki = match get("本籍") {
        Some(h) => Some(Honseki::parse(h, v("筆頭者")).map_err(|e| at("本籍", e))?),
        None => None,
    };
    let foreign = match get("国籍・地域") {
        None => None,
        Some(nationality) => {
            let category = get("法第30条の45に規定する区分").ok_or_else(|| RowError {
                line,
                column: "法第30条の45に規定する区分".into(),
                reason: "外国人住民(国籍・地域のある行)には必要です".into(),
            })?;
            let mut fd = ForeignDetails::new(
                nationality.to_string(),
                ForeignCategory::parse(category)
                    .map_err(|e| at("法第30条の45に規定する区分", e))?,
            );
            fd.status = get("在留資格")
                .map(|s| ResidenceStatus::parse(s).map_err(|e| at("在留資格", e)))
                .transpose()?;
            fd.period = get("在留期間").map(String::from);
            fd.expires_on = date("在留期間の満了の日")?;
            fd.card_number = get("在留カード等の番号").map(String::from);
            fd.validate().map_err(|e| at("在留資格", e))?;
            Some(fd)
        }
    };
    if foreign.is_none() {
        for c in [
            "法第30条の45に規定する区分",
            "在留資格",
            "在留期間",
            "在留期間の満了の日",
            "在留カード等の番号",
        ] {
            if get(c).is_some() {
                return Err(RowError {
                    line,
                    column: c.into(),
                    reason: "外国人住民の項目です(国籍・地域がありません)".into(),
                });
            }
        }
    }
    if foreign.is_some() && honseki.is_some() {
        return Err(RowError {
            line,
            column: "本籍".into(),
            reason: "外国人住民に本籍はありません".into(),
        });
    }
    let data = PersonData { with_birth: false,
        foreign_resident_since_text: None,
        id: PersonId(0),
        juminhyo_code: get("住民票コード")
            .map(|c| JuminhyoCode::parse(c).map_err(|e| at("住民票コード", e)))
            .transpose()?,
        individual_number: get("個人番号")
            .map(|c| IndividualNumber::parse(c).map_err(|e| at("個人番号", e)))
            .transpose()?,
        name: PersonName::parse(v("氏"), v("名")).map_err(|e| at("氏", e))?,
        furigana: Furigana::parse(v("氏フリガナ"), v("名フリガナ"))
            .map_err(|e| at("氏フリガナ", e))?
            .confirmed_as(match v("フリガナ確認フラグ") {
                "1" | "確認済" => true,
                "" | "0" | "未確認" => false,
                other => {
                    return Err(RowError {
                        line,
                        column: "フリガナ確認フラグ".into(),
                        reason: format!(
                            "「{other}」はフリガナ確認フラグの値ではありません(1・0・確認済・未確認)"
                        ),
                    });
                }
            }),
        birth_date: birth,
        birth_date_text: None,
        sex: Sex::parse(v("性別")).map_err(|e| at("性別", e))?,
        relationship: Relationship::parse(v("続柄")).map_err(|e| at("続柄", e))?,
        honseki,
        foreign,
        returning: false,
        keep_former_names: false,
        // A foreign resident's 住民となった年月日 is the 外国人住民となった年月日 (1.1.8).
        foreign_resident_since: None, former_surname: None,
    };
    let address = Address::parse(get("郵便番号"), v("住所"), v("番地"), get("方書"))
        .map_err(|e| at("住所", e))?;
    Ok((
        v("世帯番号").to_string(),
        Resident {
            line,
            vendor_id: get("宛名番号").map(String::from),
            data,
            became_resident_on: became,
            address_since: since,
            address,
        },
    ))
}

/// What a migration wrote.
#[derive(Debug, Clone)]
pub struct Migrated {
    pub households: usize,
    pub persons: usize,
    pub entries: usize,
    /// The vendor's 宛名番号 (or the file's line) → kikan's 宛名番号 and 世帯番号.
    pub numbers: Vec<(String, PersonId, HouseholdId)>,
}

/// Writes a plan into the actor's municipality, which must hold no entry: new
/// 宛名番号 and 世帯番号 from the municipality's serials, the histories replayed in
/// memory and inserted in one transaction. Audited as `import.residents`.
pub async fn write(
    store: &dyn Store,
    actor: &Actor,
    plan: Plan,
    cut_over: NaiveDate,
    today: NaiveDate,
) -> Result<Migrated, MigrationError> {
    let tenant: LocalGovCode = actor.tenant;
    if store.tenant(tenant).await?.is_none() {
        return Err(StoreError::TenantNotFound(tenant.to_string()).into());
    }
    if !store.ledger(tenant, 0, 1).await?.is_empty() {
        return Err(MigrationError::NotEmpty(tenant.to_string()));
    }
    let serials = |kind, n: usize| async move {
        let last = store.reserve_serials(tenant, kind, n as i64).await?;
        Ok::<_, StoreError>(
            (last - n as i64 + 1..=last)
                .map(serial_number)
                .collect::<Vec<_>>(),
        )
    };
    let mut person_numbers = serials(SerialKind::Persons, plan.persons)
        .await?
        .into_iter();
    let mut household_numbers = serials(SerialKind::Households, plan.households.len())
        .await?
        .into_iter();
    let mut rows = BulkRows::default();
    let mut numbers = Vec::with_capacity(plan.persons);
    let mut entries = 0;
    let now = Utc::now();
    let entry = |change: Change| {
        LedgerEntry::at_intake(
            change,
            cut_over,
            cut_over,
            now,
            actor.name.clone(),
            None,
            today,
        )
    };
    for (vendor_household, members) in plan.households {
        let hid = HouseholdId(household_numbers.next().unwrap_or_default());
        let mut history = Vec::with_capacity(1 + 2 * members.len());
        let mut persons = Vec::with_capacity(members.len());
        let mut corrections = Vec::new();
        let address = members[0].address.clone();
        for mut m in members {
            let id = PersonId(person_numbers.next().unwrap_or_default());
            m.data.id = id;
            numbers.push((
                m.vendor_id
                    .clone()
                    .unwrap_or_else(|| format!("{vendor_household}:{}行目", m.line)),
                id,
                hid,
            ));
            if m.became_resident_on != cut_over {
                corrections.push(Change::Correction {
                    person: id,
                    correction: Correction::BecameResidentOn {
                        old: cut_over,
                        new: m.became_resident_on,
                        old_text: None,
                        new_text: None,
                    },
                    kind: CorrectionKind::ExOfficio,
                });
            }
            if let Some(since) = m.address_since.filter(|d| *d != cut_over) {
                corrections.push(Change::Correction {
                    person: id,
                    correction: Correction::AddressSince {
                        old: cut_over,
                        new: since,
                        old_text: None,
                        new_text: None,
                    },
                    kind: CorrectionKind::ExOfficio,
                });
            }
            persons.push(m.data);
        }
        history.push(entry(Change::MoveIn {
            kind: MoveInKind::ExOfficio,
            household: MoveInHousehold::New { id: hid },
            persons,
            address,
            previous_address: None,
            unnotified: false,
            last_registered: None,
            previous_head: None,
        })?);
        for c in corrections {
            history.push(entry(c)?);
        }
        entries += history.len();
        rows.add_history(&history)?;
    }
    store.bulk_insert(tenant, &rows).await?;
    store.refresh_statistics().await?;
    store
        .append_audit(
            tenant,
            &[actor.event(
                "import.residents",
                vec![],
                format!(
                    "移行: 世帯 {} 件、住民 {} 人、異動記録 {entries} 件({cut_over} 付け)",
                    rows.households.len(),
                    plan.persons
                ),
            )],
        )
        .await?;
    Ok(Migrated {
        households: rows.households.len(),
        persons: plan.persons,
        entries,
        numbers,
    })
}

impl From<DomainError> for MigrationError {
    fn from(e: DomainError) -> Self {
        MigrationError::Store(StoreError::Domain(e))
    }
}
