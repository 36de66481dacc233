//! 住所辞書 (1.3.2–1.3.4, 4.0.7): importing the public address data a municipality has,
//! staff edits, the look-ups of address entry (住所カナ入力, 郵便番号, the hierarchical
//! choice, 方書 candidates), and checking the 住所コード an 異動 carries.
//!
//! The file forms (docs/formats.md, "住所辞書"):
//! - the アドレス・ベース・レジストリ 町字マスター (`mt_town_*.csv`, UTF-8, a header row
//!   naming its columns: `lg_code`, `machiaza_id`, `pref`, `pref_kana`, …);
//! - its 住居表示-住居マスター (`mt_rsdtdsp_rsdt_*.csv`: `blk_num`, `rsdt_num`,
//!   `rsdt_num2`) and 地番マスター (`mt_parcel_*.csv`: `prc_num1`…`prc_num3`);
//! - Japan Post's KEN_ALL.CSV (Shift_JIS, 15 columns, no header, a long 町域 continued
//!   on the following lines).
//!
//! Each import reads the whole file first: a bad line refuses the file (its line and
//! `E-ADDR-010`) and nothing of it is written; a good file is written in one transaction.

use chrono::NaiveDate;
use kikan_domain::address::{
    AddressCode, AddressNumber, BanchiNumbers, Katagaki, NumberKind, PostalEntry, Town, kana_heads,
};
use kikan_domain::{Address, Change, DomainError, LocalGovCode, PostalCode};
use kikan_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Lines read (without the header).
    pub lines: usize,
    /// Rows written.
    pub written: usize,
    /// Rows left as they were: 町字 staff have edited.
    pub kept: usize,
    /// KEN_ALL: 町字 that got (or changed) their 郵便番号.
    pub towns_coded: usize,
    /// KEN_ALL: 町字 whose name several 郵便番号 share, left without one.
    pub ambiguous: Vec<String>,
}

fn line_error(file: &str, line: usize, reason: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::AddressImportLine {
        file: file.into(),
        line,
        reason: reason.into(),
    })
}

/// A CSV with a header row, read by column name.
struct Named {
    file: &'static str,
    header: HashMap<String, usize>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Named {
    fn read(file: &'static str, bytes: &[u8], required: &[&str]) -> Result<Self, StoreError> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|e| {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                line_error(file, line, "UTF-8 として読めません")
            })?;
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header: HashMap<String, usize> = r
            .headers()
            .map_err(|e| line_error(file, 1, format!("見出し行が読めません({e})")))?
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_string(), i))
            .collect();
        if let Some(missing) = required.iter().find(|c| !header.contains_key(**c)) {
            return Err(line_error(file, 1, format!("列「{missing}」がありません")));
        }
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                line_error(file, line, format!("CSV として読めません({e})"))
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push((line, rec));
        }
        Ok(Named { file, header, rows })
    }

    fn get<'a>(&self, rec: &'a csv::StringRecord, col: &str) -> &'a str {
        self.header
            .get(col)
            .and_then(|i| rec.get(*i))
            .map(str::trim)
            .unwrap_or("")
    }

    fn date(
        &self,
        rec: &csv::StringRecord,
        col: &str,
        line: usize,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let s = self.get(rec, col);
        if s.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
            .map(Some)
            .map_err(|_| {
                line_error(
                    self.file,
                    line,
                    format!("{col}「{s}」は日付(YYYY-MM-DD)ではありません"),
                )
            })
    }

    fn number(&self, rec: &csv::StringRecord, col: &str, line: usize) -> Result<u32, StoreError> {
        let s = self.get(rec, col);
        if s.is_empty() {
            return Ok(0);
        }
        s.parse()
            .map_err(|_| line_error(self.file, line, format!("{col}「{s}」は数字ではありません")))
    }
}

const TOWN_FILE: &str = "町字データ";
const TOWN_COLUMNS: &[&str] = &[
    "lg_code",
    "machiaza_id",
    "pref",
    "pref_kana",
    "city",
    "city_kana",
];

/// Imports the アドレス・ベース・レジストリ 町字マスター: new 町字 get their 住所コード
/// (the city's 5 digits, the 大字 number of the 町字ID when it fits three digits, else a
/// free one, and the 丁目・小字 number), known ones keep theirs; 町字 staff edited are kept.
pub async fn import_towns(
    store: &dyn Store,
    tenant: LocalGovCode,
    bytes: &[u8],
) -> Result<ImportReport, StoreError> {
    let f = Named::read(TOWN_FILE, bytes, TOWN_COLUMNS)?;
    let mut report = ImportReport {
        lines: f.rows.len(),
        ..Default::default()
    };
    // Parse every row first.
    let mut parsed: Vec<(usize, String, String, Town)> = Vec::with_capacity(f.rows.len());
    for (line, rec) in &f.rows {
        let line = *line;
        let lg = f.get(rec, "lg_code");
        if LocalGovCode::parse(lg).is_err() {
            return Err(line_error(
                TOWN_FILE,
                line,
                format!("全国地方公共団体コード「{lg}」が正しくありません"),
            ));
        }
        let id = f.get(rec, "machiaza_id");
        if id.len() != 7 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(line_error(
                TOWN_FILE,
                line,
                format!("町字ID「{id}」は7桁の数字ではありません"),
            ));
        }
        let names = ["pref", "city"];
        if let Some(c) = names.iter().find(|c| f.get(rec, c).is_empty()) {
            return Err(line_error(TOWN_FILE, line, format!("{c} が空です")));
        }
        for col in [
            "pref_kana",
            "county_kana",
            "city_kana",
            "ward_kana",
            "oaza_cho_kana",
            "chome_kana",
            "koaza_kana",
        ] {
            let k = f.get(rec, col);
            if !k.is_empty() && !kikan_domain::names::is_reading(k) {
                return Err(line_error(
                    TOWN_FILE,
                    line,
                    format!("{col}「{k}」はカナではありません"),
                ));
            }
        }
        let postal_code = match f.get(rec, "post_code") {
            "" => None,
            p => Some(PostalCode::parse(p).map_err(|_| {
                line_error(
                    TOWN_FILE,
                    line,
                    format!("郵便番号「{p}」が正しくありません"),
                )
            })?),
        };
        let town = Town {
            // Set below.
            code: AddressCode::of(&lg[..5], 0, 0).map_err(StoreError::Domain)?,
            registry_id: Some(format!("{lg}{id}")),
            pref: f.get(rec, "pref").into(),
            pref_kana: f.get(rec, "pref_kana").into(),
            county: f.get(rec, "county").into(),
            county_kana: f.get(rec, "county_kana").into(),
            city: f.get(rec, "city").into(),
            city_kana: f.get(rec, "city_kana").into(),
            ward: f.get(rec, "ward").into(),
            ward_kana: f.get(rec, "ward_kana").into(),
            oaza: f.get(rec, "oaza_cho").into(),
            oaza_kana: f.get(rec, "oaza_cho_kana").into(),
            chome: f.get(rec, "chome").into(),
            chome_kana: f.get(rec, "chome_kana").into(),
            koaza: f.get(rec, "koaza").into(),
            koaza_kana: f.get(rec, "koaza_kana").into(),
            residential: f.get(rec, "rsdt_addr_flg") == "1",
            postal_code,
            effective_on: f.date(rec, "efct_date", line)?,
            abolished_on: f.date(rec, "ablt_date", line)?,
            edited: false,
        };
        parsed.push((line, lg[..5].to_string(), id.to_string(), town));
    }
    // Codes: per city, what the dictionary holds already.
    let cities: BTreeSet<String> = parsed.iter().map(|(_, c, _, _)| c.clone()).collect();
    let mut existing: HashMap<String, Town> = HashMap::new();
    let mut used: HashMap<String, HashSet<String>> = HashMap::new();
    for city in &cities {
        for t in store.towns_in(tenant, city, usize::MAX >> 1).await? {
            used.entry(city.clone())
                .or_default()
                .insert(t.code.oaza()[5..].to_string());
            if let Some(r) = &t.registry_id {
                existing.insert(r.clone(), t);
            }
        }
    }
    // The 大字 number each (city, 4-digit 大字 of the 町字ID) got.
    let mut oaza_of: HashMap<(String, String), String> = HashMap::new();
    for t in existing.values() {
        if let Some(r) = &t.registry_id {
            oaza_of.insert(
                (r[..5].to_string(), r[6..10].to_string()),
                t.code.oaza()[5..].to_string(),
            );
        }
    }
    let mut out = Vec::with_capacity(parsed.len());
    let mut seen = HashSet::new();
    for (line, city, id, mut town) in parsed {
        let rid = town.registry_id.clone().unwrap_or_default();
        if !seen.insert(rid.clone()) {
            return Err(line_error(
                TOWN_FILE,
                line,
                format!("町字ID {id} が重複しています"),
            ));
        }
        if let Some(old) = existing.get(&rid) {
            if old.edited {
                report.kept += 1;
                continue;
            }
            town.code = old.code.clone();
            // The 郵便番号 KEN_ALL gave stays unless the file names one.
            if town.postal_code.is_none() {
                town.postal_code = old.postal_code.clone();
            }
        } else {
            let oaza4 = id[..4].to_string();
            let taken = used.entry(city.clone()).or_default();
            let oaza3 = match oaza_of.get(&(city.clone(), oaza4.clone())) {
                Some(o) => o.clone(),
                None => {
                    let natural = oaza4.strip_prefix('0').map(str::to_string);
                    let pick = natural
                        .filter(|n| !taken.contains(n))
                        .or_else(|| {
                            (1..=999)
                                .rev()
                                .map(|n| format!("{n:03}"))
                                .find(|n| !taken.contains(n))
                        })
                        .ok_or_else(|| {
                            line_error(TOWN_FILE, line, "大字の番号(3桁)が尽きました")
                        })?;
                    taken.insert(pick.clone());
                    oaza_of.insert((city.clone(), oaza4), pick.clone());
                    pick
                }
            };
            town.code = AddressCode::parse(&format!("{city}{oaza3}{}", &id[4..]))
                .map_err(StoreError::Domain)?;
        }
        out.push(town);
    }
    report.written = out.len();
    store.put_towns(tenant, &out).await?;
    Ok(report)
}

const NUMBER_FILE: &str = "住居表示・地番データ";

/// Imports a 住居表示-住居マスター (`kind` Residence: `blk_num`, `rsdt_num`, `rsdt_num2`)
/// or a 地番マスター (Parcel: `prc_num1`, `prc_num2`, `prc_num3`); each row's 町字 must
/// be in the dictionary already.
pub async fn import_numbers(
    store: &dyn Store,
    tenant: LocalGovCode,
    kind: NumberKind,
    bytes: &[u8],
) -> Result<ImportReport, StoreError> {
    let cols: [&str; 3] = match kind {
        NumberKind::Residence => ["blk_num", "rsdt_num", "rsdt_num2"],
        NumberKind::Parcel => ["prc_num1", "prc_num2", "prc_num3"],
    };
    let f = Named::read(NUMBER_FILE, bytes, &["lg_code", "machiaza_id", cols[0]])?;
    let mut towns: HashMap<String, AddressCode> = HashMap::new();
    let mut loaded = HashSet::new();
    let mut out = Vec::with_capacity(f.rows.len());
    for (line, rec) in &f.rows {
        let line = *line;
        let lg = f.get(rec, "lg_code");
        let id = f.get(rec, "machiaza_id");
        if lg.len() != 6 {
            return Err(line_error(
                NUMBER_FILE,
                line,
                format!("全国地方公共団体コード「{lg}」が正しくありません"),
            ));
        }
        if loaded.insert(lg[..5].to_string()) {
            for t in store.towns_in(tenant, &lg[..5], usize::MAX >> 1).await? {
                if let Some(r) = t.registry_id.clone() {
                    towns.insert(r, t.code);
                }
            }
        }
        let Some(code) = towns.get(&format!("{lg}{id}")) else {
            return Err(line_error(
                NUMBER_FILE,
                line,
                format!("町字ID {id}({lg})の町字が住所辞書にありません"),
            ));
        };
        let numbers = BanchiNumbers([
            f.number(rec, cols[0], line)?,
            f.number(rec, cols[1], line)?,
            f.number(rec, cols[2], line)?,
        ]);
        if numbers.0[0] == 0 {
            return Err(line_error(
                NUMBER_FILE,
                line,
                format!("{} が空です", cols[0]),
            ));
        }
        out.push(AddressNumber {
            town: code.clone(),
            kind,
            numbers,
            text: AddressNumber::text_of(kind, numbers),
            abolished_on: f.date(rec, "ablt_date", line)?,
        });
    }
    let report = ImportReport {
        lines: f.rows.len(),
        written: out.len(),
        ..Default::default()
    };
    store.put_address_numbers(tenant, &out).await?;
    Ok(report)
}

const COUNTRY_FILE: &str = "国名データ";

/// Imports the country list (1.3.3: updated yearly): UTF-8 CSV with a header row naming
/// `code` (ISO 3166-1 numeric, 3 digits) and `name`, and optionally `alpha2`, `kana` and
/// `abolished_on`. A country in the list is replaced; one not in it stays (the records
/// that name it keep their value).
pub async fn import_countries(
    store: &dyn Store,
    tenant: LocalGovCode,
    bytes: &[u8],
) -> Result<ImportReport, StoreError> {
    let f = Named::read(COUNTRY_FILE, bytes, &["code", "name"])?;
    let mut out = Vec::with_capacity(f.rows.len());
    let mut seen = HashSet::new();
    for (line, rec) in &f.rows {
        let line = *line;
        let code = f.get(rec, "code");
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(line_error(
                COUNTRY_FILE,
                line,
                format!("国名コード「{code}」は3桁の数字ではありません"),
            ));
        }
        if !seen.insert(code.to_string()) {
            return Err(line_error(
                COUNTRY_FILE,
                line,
                format!("国名コード {code} が重複しています"),
            ));
        }
        let name = f.get(rec, "name");
        if name.is_empty() {
            return Err(line_error(COUNTRY_FILE, line, "国名が空です"));
        }
        let kana = f.get(rec, "kana");
        if !kana.is_empty() && !kikan_domain::names::is_reading(kana) {
            return Err(line_error(
                COUNTRY_FILE,
                line,
                format!("kana「{kana}」はカナではありません"),
            ));
        }
        out.push(kikan_domain::address::Country {
            code: code.into(),
            alpha2: f.get(rec, "alpha2").to_ascii_uppercase(),
            name: name.into(),
            kana: kikan_domain::names::kana_key(kana),
            abolished_on: f.date(rec, "abolished_on", line)?,
        });
    }
    store.put_countries(tenant, &out).await?;
    Ok(ImportReport {
        lines: f.rows.len(),
        written: out.len(),
        ..Default::default()
    })
}

const POSTAL_FILE: &str = "郵便番号データ";

/// Reads KEN_ALL.CSV (Shift_JIS): one entry per 郵便番号 and 町域, a 町域 continued over
/// several lines joined, readings in full-width katakana, 「以下に掲載がない場合」 and
/// 「…の次に番地がくる場合」 read as no 町域.
pub fn parse_ken_all(bytes: &[u8]) -> Result<Vec<PostalEntry>, StoreError> {
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
    if bad {
        // Find the first line that does not decode, for the message.
        let mut line = 1;
        for chunk in bytes.split(|b| *b == b'\n') {
            let (_, _, b) = encoding_rs::SHIFT_JIS.decode(chunk);
            if b {
                break;
            }
            line += 1;
        }
        return Err(line_error(POSTAL_FILE, line, "Shift_JIS として読めません"));
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out: Vec<PostalEntry> = Vec::new();
    let mut open = false;
    // One record per line: the file quotes no line break.
    for (i, rec) in r.records().enumerate() {
        let line = i + 1;
        let rec =
            rec.map_err(|e| line_error(POSTAL_FILE, line, format!("CSV として読めません({e})")))?;
        if rec.len() != 15 {
            return Err(line_error(
                POSTAL_FILE,
                line,
                format!("列の数が15ではありません({})", rec.len()),
            ));
        }
        let city_code = rec[0].trim();
        if city_code.len() != 5 || !city_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(line_error(
                POSTAL_FILE,
                line,
                format!("全国地方公共団体コード「{city_code}」が正しくありません"),
            ));
        }
        let postal_code = PostalCode::parse(rec[2].trim()).map_err(|_| {
            line_error(
                POSTAL_FILE,
                line,
                format!("郵便番号「{}」が正しくありません", &rec[2]),
            )
        })?;
        let kana = |s: &str| kikan_domain::names::to_katakana(s.trim());
        let town = rec[8].trim().to_string();
        let town_kana = kana(&rec[5]);
        if open && let Some(prev) = out.last_mut().filter(|p| p.postal_code == postal_code) {
            prev.town.push_str(&town);
            if prev.town_kana != town_kana {
                prev.town_kana.push_str(&town_kana);
            }
            open = prev.town.contains('（') && !prev.town.contains('）');
            continue;
        }
        open = town.contains('（') && !town.contains('）');
        let none = town == "以下に掲載がない場合" || town.ends_with("の次に番地がくる場合");
        out.push(PostalEntry {
            postal_code,
            city_code: city_code.into(),
            pref: rec[6].trim().into(),
            city: rec[7].trim().into(),
            town: if none { String::new() } else { town },
            pref_kana: kana(&rec[3]),
            city_kana: kana(&rec[4]),
            town_kana: if none { String::new() } else { town_kana },
        });
    }
    Ok(out)
}

/// Imports KEN_ALL.CSV: replaces the postal code lines and gives each 町字 of the
/// dictionary whose 大字・町 name one 郵便番号 alone covers that code (staff-edited 町字
/// are kept; names several codes share are listed, left as they were).
pub async fn import_postal_codes(
    store: &dyn Store,
    tenant: LocalGovCode,
    bytes: &[u8],
) -> Result<ImportReport, StoreError> {
    let entries = parse_ken_all(bytes)?;
    let mut by_name: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for e in &entries {
        if !e.town_base().is_empty() {
            by_name
                .entry((e.city_code.clone(), e.town_base().to_string()))
                .or_default()
                .insert(e.postal_code.as_str().to_string());
        }
    }
    let cities: BTreeSet<&String> = entries.iter().map(|e| &e.city_code).collect();
    let mut changed = Vec::new();
    let mut report = ImportReport {
        lines: entries.len(),
        written: entries.len(),
        ..Default::default()
    };
    for city in cities {
        for mut t in store.towns_in(tenant, city, usize::MAX >> 1).await? {
            let Some(codes) = by_name.get(&(city.clone(), t.oaza.clone())) else {
                continue;
            };
            if t.edited {
                report.kept += 1;
                continue;
            }
            if codes.len() > 1 {
                report.ambiguous.push(t.text());
                continue;
            }
            let Some(code) = codes.iter().next().and_then(|c| PostalCode::parse(c).ok()) else {
                continue;
            };
            if t.postal_code.as_ref() != Some(&code) {
                t.postal_code = Some(code);
                changed.push(t);
            }
        }
    }
    report.towns_coded = changed.len();
    store
        .replace_postal_entries(tenant, &entries, &changed)
        .await?;
    Ok(report)
}

/// A staff edit of a 町字 (1.3.3: 職員でも容易に修正できること): names and readings, the
/// 郵便番号, the dates; marked edited so that a later import keeps it.
pub async fn put_town(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut town: Town,
) -> Result<Town, StoreError> {
    let bad = |field: &'static str, reason: &str| {
        StoreError::Domain(DomainError::Invalid {
            field,
            reason: reason.into(),
        })
    };
    if town.pref.trim().is_empty() || town.city.trim().is_empty() {
        return Err(bad("町字", "都道府県名と市区町村名は空にできません"));
    }
    for k in [
        &town.pref_kana,
        &town.county_kana,
        &town.city_kana,
        &town.ward_kana,
        &town.oaza_kana,
        &town.chome_kana,
        &town.koaza_kana,
    ] {
        if !k.is_empty() && !kikan_domain::names::is_reading(k) {
            return Err(bad("カナ", "読みはカナで入力してください"));
        }
    }
    if let (Some(from), Some(to)) = (town.effective_on, town.abolished_on)
        && to < from
    {
        return Err(bad("廃止日", "廃止日が効力発生日より前です"));
    }
    if let Some(old) = self::town(store, tenant, &town.code).await? {
        town.registry_id = old.registry_id;
    }
    town.edited = true;
    store.put_towns(tenant, std::slice::from_ref(&town)).await?;
    Ok(town)
}

/// 住所カナ入力 (1.3.3): the 町字 whose levels' readings begin with the heads in order
/// (「ト ヒ シ」), those in force unless `abolished`; at most `limit`.
pub async fn by_kana(
    store: &dyn Store,
    tenant: LocalGovCode,
    input: &str,
    abolished: bool,
    limit: usize,
) -> Result<Vec<Town>, StoreError> {
    let heads = kana_heads(input).map_err(StoreError::Domain)?;
    let found = store
        .towns_by_kana(tenant, &heads[0], heads.get(1).map(String::as_str), 20_000)
        .await?;
    Ok(found
        .into_iter()
        .filter(|t| (abolished || t.abolished_on.is_none()) && t.matches_heads(&heads))
        .take(limit)
        .collect())
}

/// What a 郵便番号 names: the 町字 of the dictionary that carry it and the postal code
/// file's lines (for an address outside the dictionary, 転入前住所 say).
pub async fn by_postal_code(
    store: &dyn Store,
    tenant: LocalGovCode,
    code: &PostalCode,
) -> Result<(Vec<Town>, Vec<PostalEntry>), StoreError> {
    let towns = store.towns_by_postal_code(tenant, code).await?;
    let entries = store.postal_entries(tenant, code).await?;
    Ok((towns, entries))
}

/// The postal code file's lines whose 都道府県・市区町村 an address text (blanks left out)
/// begins with, each with the rest of the text after them.
pub async fn postal_lines_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    text: &str,
) -> Result<Vec<(PostalEntry, String)>, StoreError> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // The places the text may begin with: each prefix ending in 市, 区, 町 or 村.
    let places: Vec<String> = text
        .char_indices()
        .take(24)
        .filter(|(_, c)| matches!(c, '市' | '区' | '町' | '村'))
        .map(|(i, c)| text[..i + c.len_utf8()].to_string())
        .collect();
    Ok(store
        .postal_entries_at(tenant, &places)
        .await?
        .into_iter()
        .filter_map(|e| {
            let rest = text
                .strip_prefix(&format!("{}{}", e.pref, e.city))?
                .to_string();
            Some((e, rest))
        })
        .collect())
}

/// The 郵便番号 of an address given as text (one outside the 住所辞書's 町字: the
/// 転出先住所 of a 転入通知, say), from the postal code file: the line whose 町域 the text
/// goes on with after its 都道府県 and 市区町村 (the longest), else that city's line for
/// 「以下に掲載がない場合」. None when no line reads so, or the lines that do give more
/// than one code (never a guess).
pub async fn postal_code_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    text: &str,
) -> Result<Option<PostalCode>, StoreError> {
    let mut best: Option<(usize, BTreeSet<String>)> = None;
    let mut elsewhere = BTreeSet::new();
    for (e, rest) in postal_lines_of(store, tenant, text).await? {
        let town = e.town_base();
        if town.is_empty() {
            elsewhere.insert(e.postal_code.as_str().to_string());
            continue;
        }
        if !rest.starts_with(town) {
            continue;
        }
        let len = town.len();
        match &mut best {
            Some((l, codes)) if *l == len => {
                codes.insert(e.postal_code.as_str().to_string());
            }
            Some((l, _)) if *l > len => {}
            _ => best = Some((len, [e.postal_code.as_str().to_string()].into())),
        }
    }
    let codes = match best {
        Some((_, codes)) => codes,
        None => elsewhere,
    };
    if codes.len() != 1 {
        return Ok(None);
    }
    Ok(codes.iter().next().and_then(|c| PostalCode::parse(c).ok()))
}

/// One 町字 by its code.
pub async fn town(
    store: &dyn Store,
    tenant: LocalGovCode,
    code: &AddressCode,
) -> Result<Option<Town>, StoreError> {
    Ok(store
        .towns_in(tenant, code.as_str(), 1)
        .await?
        .into_iter()
        .find(|t| &t.code == code))
}

/// Adds or changes a 方書 (1.3.4): its 町字 must be in the dictionary.
pub async fn put_katagaki(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut k: Katagaki,
) -> Result<Katagaki, StoreError> {
    k.validate().map_err(StoreError::Domain)?;
    if town(store, tenant, &k.town).await?.is_none() {
        return Err(StoreError::Domain(DomainError::UnknownAddressCode {
            code: k.town.to_string(),
        }));
    }
    if k.id != 0 && store.katagaki_by_id(tenant, k.id).await?.is_none() {
        return Err(StoreError::Domain(DomainError::KatagakiNotFound {
            id: k.id,
        }));
    }
    k.numbers = BanchiNumbers::parse(&k.banchi);
    k.id = store.put_katagaki(tenant, &k).await?;
    Ok(k)
}

/// 方書入力補助 (4.0.7): the 方書 in use at a 町字 and 番地, as candidates. (The other
/// way, an address from a 方書, the standard forbids.)
pub async fn katagaki_candidates(
    store: &dyn Store,
    tenant: LocalGovCode,
    town: &AddressCode,
    banchi: &str,
) -> Result<Vec<Katagaki>, StoreError> {
    let Some(at) = BanchiNumbers::parse(banchi) else {
        return Ok(vec![]);
    };
    Ok(store
        .katagaki(tenant, town, Some(at))
        .await?
        .into_iter()
        .filter(|k| k.active)
        .collect())
}

/// The addresses a change writes, for checking their 住所コード.
fn coded_addresses(change: &mut Change) -> Vec<(&mut Address, bool)> {
    use kikan_domain::ledger::Correction;
    // (address, may name an abolished 町字: a 転入前住所 or a 転出先 of the past)
    match change {
        Change::MoveIn {
            address,
            previous_address,
            last_registered,
            ..
        } => {
            let mut v = vec![(address, false)];
            v.extend(previous_address.as_mut().map(|a| (a, true)));
            v.extend(last_registered.as_mut().map(|a| (a, true)));
            v
        }
        Change::Relocation { address, .. } => vec![(address, false)],
        Change::MoveOut { destination, .. } | Change::MoveOutConfirmed { destination, .. } => {
            vec![(destination, true)]
        }
        Change::Correction { correction, .. } => match correction {
            Correction::Address { new, .. } => vec![(new, false)],
            Correction::PreviousAddress { new: Some(new), .. } => vec![(new, true)],
            _ => vec![],
        },
        _ => vec![],
    }
}

/// Checks the 住所コード of every address a change writes (1.3.3): the code must be in
/// the dictionary, in force on `on` for a 住所 (a past address may name an old 町名), and
/// the address must begin with the 町字's text; an address given by its code alone gets
/// the text, and the 郵便番号 when it has none.
pub async fn complete_addresses(
    store: &dyn Store,
    tenant: LocalGovCode,
    change: &mut Change,
    on: NaiveDate,
) -> Result<(), StoreError> {
    for (address, past) in coded_addresses(change) {
        let Some(code) = address.code.clone() else {
            continue;
        };
        let Some(t) = town(store, tenant, &code).await? else {
            return Err(StoreError::Domain(DomainError::UnknownAddressCode {
                code: code.to_string(),
            }));
        };
        if !past
            && !t.in_force(on)
            && let Some(d) = t.abolished_on
        {
            return Err(StoreError::Domain(DomainError::AddressAbolished {
                code: code.to_string(),
                town: t.text(),
                on: d,
            }));
        }
        let text = t.text();
        if address.place.trim().is_empty() {
            address.place = text;
        } else if !address.place.starts_with(&text) {
            return Err(StoreError::Domain(DomainError::AddressCodeMismatch {
                code: code.to_string(),
                town: text,
                place: address.place.clone(),
            }));
        }
        if address.postal_code.is_none() {
            address.postal_code = t.postal_code.clone();
        }
    }
    Ok(())
}

/// A household's address and the 町字 it was matched to (none: listed for staff).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Matched {
    pub household_id: i64,
    pub place: String,
    /// The 住所コード found; None when no 町字 of the dictionary reads so.
    pub code: Option<String>,
    /// The 町字 as the dictionary writes it.
    pub town: Option<String>,
    /// The ledger entry that gave the address its code.
    pub seq: Option<i64>,
}

/// What [`migrate`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Migration {
    pub coded: Vec<Matched>,
    pub unmatched: Vec<Matched>,
    /// Households whose address carried a code already.
    pub already: usize,
}

/// A place as compared with the dictionary: 全角数字 as digits, blanks left out,
/// ヶ and ケ alike, and the number of a 丁目 in kanji (２丁目 and 2丁目 read 二丁目).
pub fn place_key(s: &str) -> String {
    let t: String = fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == 'ヶ' || c == 'ヵ' { 'ケ' } else { c })
        .collect();
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let chome = chars.get(i) == Some(&'丁');
            match digits.parse::<u32>() {
                Ok(n) if chome && (1..100).contains(&n) => out.push_str(&kanji_number(n)),
                _ => out.push_str(&digits),
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn kanji_number(n: u32) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (tens, ones) = ((n / 10) as usize, (n % 10) as usize);
    match tens {
        0 => D[ones].to_string(),
        1 => format!("十{}", D[ones]),
        t => format!("{}十{}", D[t], D[ones]),
    }
}

/// Full-width digits, Latin letters and the hyphen as their ASCII forms, the
/// ideographic space as a blank. (Not NFKC: it would fold compatibility ideographs and
/// lose the registered glyph.)
fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '－' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '　' => ' ',
            c => c,
        })
        .collect()
}

/// 既存住所の移行 (issue 17): gives each household on the register whose address is free
/// text the 住所コード of the 町字 of its 都道府県 that reads the same ([`place_key`]),
/// as a 軽微な修正 written in the dictionary's form; lists those that match none, for
/// staff. Without `apply`, only lists.
pub async fn migrate(
    store: &dyn Store,
    actor: &crate::Actor,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    apply: bool,
) -> Result<Migration, StoreError> {
    let tenant = actor.tenant;
    let pref: String = tenant.to_string().chars().take(2).collect();
    let mut by_key: HashMap<String, Town> = HashMap::new();
    for t in store.towns_in(tenant, &pref, usize::MAX >> 1).await? {
        if t.in_force(today) {
            by_key.insert(place_key(&t.text()), t);
        }
    }
    let mut out = Migration::default();
    let mut after = None;
    loop {
        let page = store.household_rows(tenant, after, 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for h in page {
            if h.dissolved_on.is_some() {
                continue;
            }
            if h.address.code.is_some() {
                out.already += 1;
                continue;
            }
            let mut m = Matched {
                household_id: h.id.0,
                place: h.address.place.clone(),
                code: None,
                town: None,
                seq: None,
            };
            let Some(t) = by_key.get(&place_key(&h.address.place)) else {
                out.unmatched.push(m);
                continue;
            };
            m.code = Some(t.code.to_string());
            m.town = Some(t.text());
            let Some(first) = h.head.or_else(|| h.members.first().copied()) else {
                out.unmatched.push(m);
                continue;
            };
            if apply {
                let mut new = h.address.clone();
                new.place = t.text();
                new.code = Some(t.code.clone());
                if new.postal_code.is_none() {
                    new.postal_code = t.postal_code.clone();
                }
                let entry = kikan_domain::LedgerEntry::at_intake(
                    Change::Correction {
                        person: first,
                        correction: kikan_domain::ledger::Correction::Address {
                            old: h.address.clone(),
                            new,
                        },
                        kind: kikan_domain::CorrectionKind::Minor,
                    },
                    today,
                    today,
                    now,
                    actor.name.clone(),
                    None,
                    today,
                )?;
                let event = crate::record::change_event(
                    actor,
                    &entry,
                    Some(format!("住所コードの付番(住所辞書への移行): {}", t.code)),
                );
                let recorded = crate::record::record_audited(
                    store,
                    tenant,
                    entry,
                    &[(h.id, h.version)],
                    Some(event),
                    None,
                )
                .await?;
                m.seq = Some(recorded.entry.seq);
            }
            out.coded.push(m);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::place_key;

    #[test]
    fn places_compare_as_the_dictionary_writes_them() {
        assert_eq!(
            place_key("東京都日野市神明２丁目"),
            "東京都日野市神明二丁目"
        );
        assert_eq!(place_key("大通西10丁目"), "大通西十丁目");
        assert_eq!(place_key("大通西23丁目"), "大通西二十三丁目");
        assert_eq!(place_key("霞ヶ関　1"), "霞ケ関1");
        assert_eq!(place_key("本町一丁目"), "本町一丁目");
    }
}
