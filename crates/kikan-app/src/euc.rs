//! EUC (10.1, j1360): the registry as a data source staff can query themselves.
//!
//! A **data source** is built for one municipality as of one date (基準日): a private
//! SQLite database, apart from the registry's own store, holding four tables whose
//! names and columns are the standard's item names (1.1.1, 1.1.2, 1.2.1, 1.3.8):
//! `住民` (everyone on the register that day), `除票` (records removed by then),
//! `異動履歴` (every entry of the ledger by then, one row per person it wrote) and
//! `交付履歴` (the issuance register by then). [`TABLES`] is its データ項目一覧: name,
//! type and meaning of every item. Items the caller may not see (10.4: 本籍, 個人番号,
//! 住民票コード, 在留資格等) are not in the source at all; a person protected by a
//! 支援措置 is there with every address withheld and `支援措置` = `該当`.
//!
//! Staff query it in two ways: a **wizard** ([`Wizard`]: table, items, conditions,
//! list / count / totals) that writes the SQL for them, or the SQL itself, with the
//! operators and functions of SQLite (`=`, `<>`, `>`, `||`, `+`, `LIKE`, `substr`,
//! `count`, `sum`, `group by` …) and the spreadsheet's `LEFT`, `RIGHT`, `MID`, `LEN` and
//! `年齢` (age on a date). A query can only read: the connection's authorizer refuses
//! anything but `SELECT` (no writing, no `ATTACH` of another file, no `PRAGMA`), and a
//! query running longer than its time is stopped. The source is built and queried
//! off the online path (its own thread, one at a time per server), so a large
//! extraction never holds the store's connections for long.

use crate::protect::Protection;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::business::{self, BusinessItems, Coverage};
use kikan_domain::{DomainError, LocalGovCode, Person, PersonId, PersonStatus};
use kikan_security::Item;
use kikan_store::{Store, StoreError};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::hooks::{AuthAction, Authorization};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// Rows read from the store per page while a source is built.
const PAGE: u32 = 10_000;

/// The type of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 文字列.
    Text,
    /// 数値 (integer).
    Integer,
    /// 日付: `YYYY-MM-DD` text, which sorts and compares as dates and works with
    /// SQLite's date functions.
    Date,
}

impl Kind {
    fn sql(self) -> &'static str {
        match self {
            Kind::Integer => "INTEGER",
            Kind::Text | Kind::Date => "TEXT",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Text => "文字列",
            Kind::Integer => "数値",
            Kind::Date => "日付",
        }
    }
}

/// One item of a table (データ項目).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    /// データ項目名称: the standard's name of the item.
    pub name: &'static str,
    pub kind: Kind,
    /// What it holds, and its codes.
    pub about: &'static str,
    /// The 10.4 item that hides it from a caller, if any.
    #[serde(skip)]
    pub item: Option<Item>,
}

/// One table of the source.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Table {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [Column],
}

impl Table {
    /// The columns a caller who may not see `hidden` finds.
    pub fn visible(&self, hidden: &BTreeSet<Item>) -> Vec<&'static Column> {
        self.columns
            .iter()
            .filter(|c| c.item.is_none_or(|i| !hidden.contains(&i)))
            .collect()
    }
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn c(name: &'static str, kind: Kind, about: &'static str) -> Column {
    Column {
        name,
        kind,
        about,
        item: None,
    }
}
const fn h(name: &'static str, kind: Kind, about: &'static str, item: Item) -> Column {
    Column {
        name,
        kind,
        about,
        item: Some(item),
    }
}

use Kind::{Date, Integer, Text};

const YES_NO: &str = "該当・非該当(未設定は空)";

/// フリガナ確認フラグ (1.1.18) as the extraction writes it.
fn checked(k: &kikan_domain::Furigana) -> &'static str {
    if k.confirmed() {
        "確認済"
    } else {
        "未確認"
    }
}

/// 住民: everyone on the register on the 基準日.
pub const RESIDENTS: Table = Table {
    name: "住民",
    about: "基準日に住民基本台帳に記録されている住民(転出予定者を含む)",
    columns: &[
        c("宛名番号", Integer, "住民ごとの番号"),
        c("世帯番号", Integer, "世帯ごとの番号"),
        c("住民種別", Text, "日本人住民・外国人住民"),
        c("住民状態", Text, "住民・転出予定"),
        c("氏名", Text, "登録された文字のまま(外字・異体字を含む)"),
        c("氏名のフリガナ", Text, "カタカナ"),
        c(
            "氏名のフリガナ確認フラグ",
            Text,
            "確認済・未確認(本人への確認の有無)",
        ),
        c("旧氏", Text, ""),
        c("旧氏のフリガナ", Text, ""),
        c(
            "旧氏のフリガナ確認フラグ",
            Text,
            "確認済・未確認(旧氏のフリガナがあるとき)",
        ),
        c("通称", Text, "外国人住民"),
        c("生年月日", Date, "並べ替え・比較用の日付(不詳日は推定日)"),
        c(
            "生年月日の表示",
            Text,
            "日本人は和暦、外国人は西暦、不詳日は記録された表記",
        ),
        c("年齢", Integer, "基準日の満年齢"),
        c("性別", Text, "男・女"),
        c("世帯主の氏名", Text, ""),
        c("続柄", Text, "世帯主との続柄"),
        h("本籍", Text, "戸籍の表示", Item::Honseki),
        h("筆頭者", Text, "戸籍の表示", Item::Honseki),
        c("住民となった年月日", Date, ""),
        c("住所を定めた年月日", Date, ""),
        c("届出の年月日", Date, "転入の届出日"),
        c("転入前住所", Text, "国外を含む"),
        c("住所の郵便番号", Text, "7桁"),
        c("住所コード", Text, "住所辞書の11桁のコード"),
        c("住所", Text, "方書を除く"),
        c("方書", Text, ""),
        c("国籍・地域", Text, "外国人住民"),
        c("法第30条の45区分", Text, "外国人住民"),
        h("在留資格", Text, "外国人住民", Item::ResidenceStatus),
        h("在留期間", Text, "外国人住民", Item::ResidenceStatus),
        h(
            "在留期間の満了の日",
            Date,
            "外国人住民",
            Item::ResidenceStatus,
        ),
        h(
            "在留カード等の番号",
            Text,
            "外国人住民",
            Item::ResidenceStatus,
        ),
        h("住民票コード", Text, "11桁", Item::JuminhyoCode),
        h(
            "個人番号の有無",
            Text,
            "有・無(番号そのものは抽出しない)",
            Item::IndividualNumber,
        ),
        c("選挙人名簿への登録", Text, "有・無(未設定は空)"),
        c("国民健康保険", Text, YES_NO),
        c("後期高齢者医療", Text, YES_NO),
        c("介護保険", Text, YES_NO),
        c("国民年金", Text, YES_NO),
        c("国民年金の種別", Text, "第1号・第3号 等"),
        c("児童手当", Text, "受給中は受給開始年月、未設定は空"),
        c("個人番号カード等の保有", Text, "有・無(未設定は空)"),
        c("成年被後見人", Text, YES_NO),
        c("支援措置", Text, "該当(住所は抽出されない)・非該当"),
        c("最終異動日", Date, "最後に記録が変わった異動の日"),
    ],
};

/// 除票: records removed on or before the 基準日.
pub const REMOVED: Table = Table {
    name: "除票",
    about: "基準日までに消除された住民票(転出・死亡・職権消除 等)",
    columns: &[
        c("宛名番号", Integer, "住民ごとの番号"),
        c("世帯番号", Integer, "消除のときの世帯"),
        c("住民種別", Text, "日本人住民・外国人住民"),
        c("氏名", Text, ""),
        c("氏名のフリガナ", Text, ""),
        c("生年月日", Date, ""),
        c("生年月日の表示", Text, ""),
        c("性別", Text, "男・女"),
        c("続柄", Text, "消除のときの世帯主との続柄"),
        h("本籍", Text, "戸籍の表示", Item::Honseki),
        h("筆頭者", Text, "戸籍の表示", Item::Honseki),
        c("住所の郵便番号", Text, ""),
        c("住所コード", Text, ""),
        c("住所", Text, "消除のときの住所(方書を除く)"),
        c("方書", Text, ""),
        c("消除事由", Text, "転出・死亡・職権消除 等"),
        c("消除年月日", Date, "事由の生じた年月日"),
        c("転出先住所", Text, "転出の場合"),
        h("住民票コード", Text, "11桁", Item::JuminhyoCode),
        c("支援措置", Text, "該当(住所は抽出されない)・非該当"),
    ],
};

/// 異動履歴: every ledger entry by the 基準日, one row per person it wrote.
pub const HISTORY: Table = Table {
    name: "異動履歴",
    about: "基準日までの異動(異動日が基準日以前のもの)、異動した住民ごとに1行",
    columns: &[
        c("履歴番号", Integer, "台帳の通し番号"),
        c("宛名番号", Integer, ""),
        c("世帯番号", Integer, "異動後の世帯"),
        c("氏名", Text, "異動後の氏名"),
        c("異動事由", Text, "標準仕様書の異動事由(1.2.2)"),
        c("届出・職権", Text, "届出・職権・申出による職権"),
        c("異動年月日", Date, ""),
        c("届出年月日", Date, ""),
        c("処理日時", Text, "記録した日時(日本時間)"),
        c("処理日", Date, "記録した日(日本時間)"),
        c("処理者", Text, "職員のログイン名"),
        c("入力端末", Text, "端末@場所"),
    ],
};

/// 交付履歴: the issuance register by the 基準日, one row per person printed.
pub const ISSUED: Table = Table {
    name: "交付履歴",
    about: "基準日までに交付した証明書(1.3.8)、記載された住民ごとに1行",
    columns: &[
        c("交付番号", Integer, ""),
        c("交付日", Date, "日本時間"),
        c("交付日時", Text, "日本時間"),
        c("証明書の種類", Text, ""),
        c("宛名番号", Integer, "記載された住民"),
        c("請求者の区分", Text, "本人・同一世帯・第三者 等"),
        c("部数", Integer, ""),
        c("手数料", Integer, "円"),
        c("公用", Text, "公用・空"),
        c("交付者", Text, "職員のログイン名"),
        c("交付場所", Text, "端末@場所"),
    ],
};

/// The tables of the source: its データ項目一覧.
pub const TABLES: [Table; 4] = [RESIDENTS, REMOVED, HISTORY, ISSUED];

/// The table called `name`.
pub fn table(name: &str) -> Result<&'static Table, DomainError> {
    TABLES
        .iter()
        .find(|t| t.name == name.trim())
        .ok_or_else(|| DomainError::UnknownCode {
            kind: "EUCのテーブル",
            value: name.to_string(),
        })
}

/// How many rows each table of a source holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub residents: u64,
    pub removed: u64,
    pub history: u64,
    pub issued: u64,
    /// Persons whose addresses were withheld (支援措置).
    pub withheld: u64,
}

/// A built data source.
pub struct Source {
    conn: Connection,
    pub tenant: LocalGovCode,
    pub on: NaiveDate,
    pub hidden: BTreeSet<Item>,
    pub built_at: DateTime<Utc>,
    pub counts: Counts,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("tenant", &self.tenant)
            .field("on", &self.on)
            .field("counts", &self.counts)
            .finish()
    }
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(format!("EUCのデータソース: {e}"))
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}
fn opt(s: Option<impl Into<String>>) -> Value {
    s.map_or(Value::Null, |s| Value::Text(s.into()))
}
fn date(d: NaiveDate) -> Value {
    Value::Text(d.format("%Y-%m-%d").to_string())
}
fn int(i: i64) -> Value {
    Value::Integer(i)
}
fn yes(b: bool, y: &str, n: &str) -> Value {
    text(if b { y } else { n })
}
fn japan(at: DateTime<Utc>) -> (Value, Value) {
    let local = at + chrono::Duration::hours(9);
    (
        date(local.date_naive()),
        text(local.format("%Y-%m-%d %H:%M:%S").to_string()),
    )
}

fn kind_of(p: &Person) -> Value {
    text(if p.foreign.is_some() {
        "外国人住民"
    } else {
        "日本人住民"
    })
}

fn coverage(c: Option<&Coverage>) -> Value {
    c.map_or(Value::Null, |c| yes(c.insured, "該当", "非該当"))
}

/// The 法第7条 items set for one person by the 基準日, latest first per business.
struct BusinessColumns {
    elector: Value,
    nhi: Value,
    late: Value,
    care: Value,
    pension: Value,
    pension_kind: Value,
    child: Value,
    card: Value,
    ward: Value,
}

impl Default for BusinessColumns {
    fn default() -> Self {
        BusinessColumns {
            elector: Value::Null,
            nhi: Value::Null,
            late: Value::Null,
            care: Value::Null,
            pension: Value::Null,
            pension_kind: Value::Null,
            child: Value::Null,
            card: Value::Null,
            ward: Value::Null,
        }
    }
}

fn business_columns(records: &[&business::BusinessRecord]) -> BusinessColumns {
    let mut b = BusinessColumns::default();
    for r in records {
        match &r.items {
            BusinessItems::Elector { registered } => b.elector = yes(*registered, "有", "無"),
            BusinessItems::NationalHealthInsurance(c) => b.nhi = coverage(Some(c)),
            BusinessItems::LateStageMedical(c) => b.late = coverage(Some(c)),
            BusinessItems::LongTermCare(c) => b.care = coverage(Some(c)),
            BusinessItems::NationalPension {
                coverage: c, kind, ..
            } => {
                b.pension = coverage(Some(c));
                b.pension_kind = opt(kind.map(|k| k.label()));
            }
            BusinessItems::ChildAllowance { from, until } => {
                b.child = match (from, until) {
                    (Some(f), None) => text(f.clone()),
                    (Some(_), Some(_)) | (None, _) => text("非該当"),
                }
            }
            BusinessItems::Card(c) => b.card = yes(c.holds, "有", "無"),
            BusinessItems::AdultWard { ward, .. } => b.ward = yes(*ward, "該当", "非該当"),
        }
    }
    b
}

fn resident_row(
    p: &Person,
    on: NaiveDate,
    protected: bool,
    b: BusinessColumns,
) -> Result<Vec<Value>, DomainError> {
    let f = p.foreign.as_ref();
    let rs = |g: &dyn Fn(&kikan_domain::ForeignDetails) -> Value| f.map_or(Value::Null, g);
    let addr = &p.address;
    let (postal, code, place, katagaki, previous) = if protected {
        (
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        )
    } else {
        (
            opt(addr.postal_code.as_ref().map(|c| c.as_str().to_string())),
            opt(addr.code.as_ref().map(|c| c.to_string())),
            text(format!("{}{}", addr.place, addr.banchi)),
            opt(addr.katagaki.clone()),
            opt(p
                .moved_in
                .as_ref()
                .and_then(|m| m.previous_address.as_ref())
                .map(|a| a.line())),
        )
    };
    Ok(vec![
        int(p.id.0),
        int(p.household_id.0),
        kind_of(p),
        text(match p.status {
            PersonStatus::MovingOut { .. } => "転出予定",
            _ => "住民",
        }),
        text(p.name.full()),
        text(p.furigana.full()),
        text(checked(&p.furigana)),
        opt(p.former_surname.as_ref().map(|s| s.surname.full())),
        opt(p
            .former_surname
            .as_ref()
            .and_then(|s| s.furigana.as_ref())
            .map(|f| f.full())),
        opt(p
            .former_surname
            .as_ref()
            .and_then(|s| s.furigana.as_ref())
            .map(checked)),
        opt(f.and_then(|f| f.alias.as_ref()).map(|a| a.name.full())),
        date(p.birth_date),
        text(p.birth_date_shown()?),
        int(i64::from(kikan_domain::statistics::age_on(
            p.birth_date,
            on,
        ))),
        text(p.sex.label()),
        Value::Null, // 世帯主の氏名: filled once the whole household is in
        text(p.relationship.label()),
        opt(p.honseki.as_ref().map(|h| h.domicile.clone())),
        opt(p.honseki.as_ref().map(|h| h.head_name.clone())),
        date(p.became_resident_on),
        date(p.address_since),
        opt(p
            .moved_in
            .as_ref()
            .map(|m| m.notified_on.format("%Y-%m-%d").to_string())),
        previous,
        postal,
        code,
        place,
        katagaki,
        rs(&|f| text(f.nationality.clone())),
        rs(&|f| text(f.category.label())),
        rs(&|f| opt(f.status.map(|s| s.label()))),
        rs(&|f| opt(f.period.clone())),
        rs(&|f| opt(f.expires_on.map(|d| d.format("%Y-%m-%d").to_string()))),
        rs(&|f| opt(f.card_number.clone())),
        opt(p.juminhyo_code.as_ref().map(|c| c.to_string())),
        yes(p.individual_number.is_some(), "有", "無"),
        b.elector,
        b.nhi,
        b.late,
        b.care,
        b.pension,
        b.pension_kind,
        b.child,
        b.card,
        b.ward,
        yes(protected, "該当", "非該当"),
        date(p.last_change_on),
    ])
}

fn removed_row(p: &Person, protected: bool) -> Result<Vec<Value>, DomainError> {
    let PersonStatus::Removed {
        on,
        reason,
        destination,
        ..
    } = &p.status
    else {
        return Err(DomainError::Invalid {
            field: "除票",
            reason: "消除されていない記録です".into(),
        });
    };
    let addr = &p.address;
    let withheld = |v: Value| if protected { Value::Null } else { v };
    Ok(vec![
        int(p.id.0),
        int(p.household_id.0),
        kind_of(p),
        text(p.name.full()),
        text(p.furigana.full()),
        date(p.birth_date),
        text(p.birth_date_shown()?),
        text(p.sex.label()),
        text(p.relationship.label()),
        opt(p.honseki.as_ref().map(|h| h.domicile.clone())),
        opt(p.honseki.as_ref().map(|h| h.head_name.clone())),
        withheld(opt(addr
            .postal_code
            .as_ref()
            .map(|c| c.as_str().to_string()))),
        withheld(opt(addr.code.as_ref().map(|c| c.to_string()))),
        withheld(text(format!("{}{}", addr.place, addr.banchi))),
        withheld(opt(addr.katagaki.clone())),
        text(reason.label()),
        date(*on),
        withheld(opt(destination.as_ref().map(|a| a.line()))),
        opt(p.juminhyo_code.as_ref().map(|c| c.to_string())),
        yes(protected, "該当", "非該当"),
    ])
}

/// Writes rows into `table`, leaving out the columns a caller may not see.
fn insert(
    conn: &Connection,
    table: &Table,
    hidden: &BTreeSet<Item>,
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    let keep: Vec<bool> = table
        .columns
        .iter()
        .map(|c| c.item.is_none_or(|i| !hidden.contains(&i)))
        .collect();
    let n = keep.iter().filter(|k| **k).count();
    let marks = vec!["?"; n].join(",");
    let tx = conn.unchecked_transaction().map_err(db)?;
    {
        let mut stmt = tx
            .prepare_cached(&format!("INSERT INTO \"{}\" VALUES ({marks})", table.name))
            .map_err(db)?;
        for row in rows {
            let values: Vec<Value> = row
                .into_iter()
                .zip(&keep)
                .filter_map(|(v, k)| k.then_some(v))
                .collect();
            stmt.execute(rusqlite::params_from_iter(values))
                .map_err(db)?;
        }
    }
    tx.commit().map_err(db)
}

fn create(conn: &Connection, hidden: &BTreeSet<Item>) -> Result<(), StoreError> {
    for t in &TABLES {
        let cols: Vec<String> = t
            .visible(hidden)
            .iter()
            .map(|c| format!("\"{}\" {}", c.name, c.kind.sql()))
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE \"{}\" ({}) STRICT;",
            t.name,
            cols.join(", ")
        ))
        .map_err(db)?;
    }
    Ok(())
}

/// The 法第7条 items of `ids` as set by the end of `on`.
async fn business_of(
    store: &dyn Store,
    tenant: LocalGovCode,
    ids: &[PersonId],
    on: NaiveDate,
) -> Result<HashMap<PersonId, BusinessColumns>, StoreError> {
    let mut records = store.business_records(tenant, ids).await?;
    records.retain(|r| crate::clock::japan_day(r.at) <= on);
    let mut by: HashMap<PersonId, Vec<&business::BusinessRecord>> = HashMap::new();
    for r in business::latest(&records) {
        by.entry(r.person).or_default().push(r);
    }
    Ok(by
        .into_iter()
        .map(|(id, rs)| (id, business_columns(&rs)))
        .collect())
}

/// Builds the data source of `tenant` as of `on` for a caller who may not see
/// `hidden`. Reads the store a page at a time; the rows go to a private temporary
/// database (SQLite's own temporary file, deleted when the source is dropped).
pub async fn build(
    store: &dyn Store,
    tenant: LocalGovCode,
    on: NaiveDate,
    today: NaiveDate,
    hidden: &BTreeSet<Item>,
) -> Result<Source, StoreError> {
    let conn = Connection::open("").map_err(db)?;
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(db)?;
    create(&conn, hidden)?;
    let protection = Protection::for_extraction(store, tenant, on, today).await?;
    let mut counts = Counts::default();

    // 住民
    let mut heads: HashMap<i64, String> = HashMap::new();
    let mut after = None;
    loop {
        let page = store.residents_as_of(tenant, on, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let ids: Vec<PersonId> = page.iter().map(|p| p.id).collect();
        let mut business = business_of(store, tenant, &ids, on).await?;
        let mut rows = Vec::with_capacity(page.len());
        for p in &page {
            let protected = protection.is_protected(p.id);
            counts.withheld += u64::from(protected);
            if p.is_head() {
                heads.insert(p.household_id.0, p.name.full());
            }
            let b = business.remove(&p.id).unwrap_or_default();
            rows.push(resident_row(p, on, protected, b)?);
        }
        counts.residents += rows.len() as u64;
        insert(&conn, &RESIDENTS, hidden, rows)?;
        if page.len() < PAGE as usize {
            break;
        }
    }
    fill_heads(&conn, heads)?;

    // 除票
    let mut after = None;
    loop {
        let page = store.person_rows(tenant, after, PAGE).await?;
        let Some((_, last)) = page.last() else { break };
        after = Some(last.id);
        let mut rows = Vec::new();
        for (_, p) in &page {
            if matches!(p.status, PersonStatus::Removed { on: removed, .. } if removed <= on) {
                let protected = protection.is_protected(p.id);
                rows.push(removed_row(p, protected)?);
            }
        }
        counts.removed += rows.len() as u64;
        insert(&conn, &REMOVED, hidden, rows)?;
        if page.len() < PAGE as usize {
            break;
        }
    }

    // 異動履歴
    // Every engine's date type holds year 1 (PostgreSQL's begins in 4713 BC, chrono's
    // MIN is beyond it).
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(on);
    let mut after_seq = 0;
    loop {
        let page = store
            .entries_between(tenant, first, on, after_seq, PAGE)
            .await?;
        let Some((last, _)) = page.last() else { break };
        after_seq = last.seq;
        let mut rows = Vec::new();
        for (e, persons) in &page {
            let reasons: Vec<&str> = e.standard_reasons().iter().map(|r| r.label()).collect();
            let (day, at) = japan(e.recorded_at);
            for (p, _) in persons {
                rows.push(vec![
                    int(e.seq),
                    int(p.id.0),
                    int(p.household_id.0),
                    text(p.name.full()),
                    text(reasons.join("・")),
                    text(e.basis.label()),
                    date(e.effective_on),
                    date(e.notified_on),
                    at.clone(),
                    day.clone(),
                    text(e.operator.clone()),
                    opt(e.terminal.clone()),
                ]);
            }
        }
        counts.history += rows.len() as u64;
        insert(&conn, &HISTORY, hidden, rows)?;
        if page.len() < PAGE as usize {
            break;
        }
    }

    // 交付履歴
    let last_serial = crate::certificates::last_serial(store, tenant).await?;
    let mut rows = Vec::new();
    for serial in 1..=last_serial {
        let Some(cert) = store.certificate(tenant, serial).await? else {
            continue;
        };
        let (day, at) = japan(cert.issued_at);
        if crate::clock::japan_day(cert.issued_at) > on {
            break;
        }
        let r = &cert.request;
        for person in &r.persons {
            rows.push(vec![
                int(cert.serial),
                day.clone(),
                at.clone(),
                text(r.kind.title()),
                int(person.0),
                opt(r.requester.kind.map(|k| k.label())),
                int(i64::from(r.copies)),
                int(i64::from(cert.fee)),
                if r.official {
                    text("公用")
                } else {
                    Value::Null
                },
                text(cert.staff.clone()),
                opt(cert.place.clone()),
            ]);
        }
        if rows.len() >= PAGE as usize {
            counts.issued += rows.len() as u64;
            insert(&conn, &ISSUED, hidden, std::mem::take(&mut rows))?;
        }
    }
    counts.issued += rows.len() as u64;
    insert(&conn, &ISSUED, hidden, rows)?;

    conn.execute_batch(
        "CREATE INDEX \"異動履歴_宛名\" ON \"異動履歴\" (\"宛名番号\");
         ANALYZE;",
    )
    .map_err(db)?;
    seal(&conn)?;
    Ok(Source {
        conn,
        tenant,
        on,
        hidden: hidden.clone(),
        built_at: Utc::now(),
        counts,
    })
}

/// Writes each household's 世帯主の氏名 on its members; the index it needs stays for
/// the queries.
fn fill_heads(conn: &Connection, heads: HashMap<i64, String>) -> Result<(), StoreError> {
    conn.execute_batch("CREATE INDEX \"住民_世帯\" ON \"住民\" (\"世帯番号\");")
        .map_err(db)?;
    let tx = conn.unchecked_transaction().map_err(db)?;
    {
        let mut stmt = tx
            .prepare("UPDATE \"住民\" SET \"世帯主の氏名\" = ?1 WHERE \"世帯番号\" = ?2")
            .map_err(db)?;
        for (household, name) in heads {
            stmt.execute(rusqlite::params![name, household])
                .map_err(db)?;
        }
    }
    tx.commit().map_err(db)
}

/// After the build: the spreadsheet functions, and from now on reading only.
fn seal(conn: &Connection) -> Result<(), StoreError> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let chars = |s: &str| s.chars().collect::<Vec<char>>();
    conn.create_scalar_function("LEFT", 2, flags, move |ctx| {
        let s: Option<String> = ctx.get(0)?;
        let n: i64 = ctx.get(1)?;
        Ok(s.map(|s| {
            chars(&s)
                .into_iter()
                .take(n.max(0) as usize)
                .collect::<String>()
        }))
    })
    .map_err(db)?;
    conn.create_scalar_function("RIGHT", 2, flags, move |ctx| {
        let s: Option<String> = ctx.get(0)?;
        let n: i64 = ctx.get(1)?;
        Ok(s.map(|s| {
            let v = chars(&s);
            let k = v.len().saturating_sub(n.max(0) as usize);
            v[k..].iter().collect::<String>()
        }))
    })
    .map_err(db)?;
    conn.create_scalar_function("MID", 3, flags, move |ctx| {
        let s: Option<String> = ctx.get(0)?;
        let start: i64 = ctx.get(1)?;
        let n: i64 = ctx.get(2)?;
        Ok(s.map(|s| {
            chars(&s)
                .into_iter()
                .skip((start.max(1) - 1) as usize)
                .take(n.max(0) as usize)
                .collect::<String>()
        }))
    })
    .map_err(db)?;
    conn.create_scalar_function("LEN", 1, flags, move |ctx| {
        let s: Option<String> = ctx.get(0)?;
        Ok(s.map(|s| s.chars().count() as i64))
    })
    .map_err(db)?;
    conn.create_scalar_function("年齢", 2, flags, move |ctx| {
        let birth: Option<String> = ctx.get(0)?;
        let on: Option<String> = ctx.get(1)?;
        let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        Ok(
            match (
                birth.as_deref().and_then(parse),
                on.as_deref().and_then(parse),
            ) {
                (Some(b), Some(o)) if b <= o => {
                    Some(i64::from(kikan_domain::statistics::age_on(b, o)))
                }
                _ => None,
            },
        )
    })
    .map_err(db)?;
    conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
        match ctx.action {
            AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => {
                Authorization::Allow
            }
            // Built-in and the functions above; load_extension is off in this build.
            AuthAction::Function { .. } => Authorization::Allow,
            _ => Authorization::Deny,
        }
    }));
    Ok(())
}

/// The result of a query.
#[derive(Debug, Clone, Serialize)]
pub struct Extraction {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One value of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl Cell {
    /// The value as text (CSV, PDF): empty for NULL.
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Integer(i) => i.to_string(),
            Cell::Real(r) => r.to_string(),
            Cell::Text(s) => s.clone(),
        }
    }
}

/// Limits of one query.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rows at most: more is refused (E-EUC-005), not cut silently.
    pub rows: usize,
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rows: 1_000_000,
            time: Duration::from_secs(60),
        }
    }
}

impl Source {
    /// Runs one `SELECT` on the source.
    pub fn query(&self, sql: &str, limits: Limits) -> Result<Extraction, DomainError> {
        let sql = sql.trim().trim_end_matches(';');
        if sql.is_empty() {
            return Err(DomainError::Missing {
                field: "抽出条件"
            });
        }
        if !single_statement(sql) {
            return Err(explain(&rusqlite::Error::MultipleStatement));
        }
        let deadline = Instant::now() + limits.time;
        self.conn
            .progress_handler(10_000, Some(move || Instant::now() > deadline));
        let result = self.run(sql, limits);
        self.conn.progress_handler(0, None::<fn() -> bool>);
        result.map_err(|e| match e {
            Failure::Sql(_) if Instant::now() > deadline => DomainError::EucTimeout {
                seconds: limits.time.as_secs(),
            },
            Failure::Sql(e) => explain(&e),
            Failure::Domain(d) => d,
        })
    }

    fn run(&self, sql: &str, limits: Limits) -> Result<Extraction, Failure> {
        let mut stmt = self.conn.prepare(sql).map_err(Failure::Sql)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let n = columns.len();
        let mut rows = Vec::new();
        let mut it = stmt.query([]).map_err(Failure::Sql)?;
        while let Some(row) = it.next().map_err(Failure::Sql)? {
            if rows.len() == limits.rows {
                return Err(Failure::Domain(DomainError::EucTooMany {
                    max: limits.rows,
                }));
            }
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(match row.get_ref(i).map_err(Failure::Sql)? {
                    rusqlite::types::ValueRef::Null => Cell::Null,
                    rusqlite::types::ValueRef::Integer(i) => Cell::Integer(i),
                    rusqlite::types::ValueRef::Real(r) => Cell::Real(r),
                    rusqlite::types::ValueRef::Text(t) => {
                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(b) => {
                        Cell::Text(format!("({}バイト)", b.len()))
                    }
                });
            }
            rows.push(out);
        }
        Ok(Extraction { columns, rows })
    }
}

/// Whether `sql` holds one statement: no `;` outside its strings, quoted names and
/// comments (SQLite would prepare the first and leave the rest unread; staff are told).
fn single_statement(sql: &str) -> bool {
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' => return false,
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut star = false;
                for d in chars.by_ref() {
                    if star && d == '/' {
                        break;
                    }
                    star = d == '*';
                }
            }
            _ => {}
        }
    }
    true
}

enum Failure {
    Sql(rusqlite::Error),
    Domain(DomainError),
}

/// A query SQLite refused, said for staff.
fn explain(e: &rusqlite::Error) -> DomainError {
    let msg = e.to_string();
    let reason = if matches!(e, rusqlite::Error::MultipleStatement) {
        "一度に実行できる抽出条件は1つです".to_string()
    } else if msg.contains("not authorized") {
        return DomainError::EucForbidden;
    } else if let Some(col) = msg.strip_prefix("no such column: ") {
        format!("項目「{col}」はありません(見ることのできない項目も含まれません)")
    } else if let Some(t) = msg.strip_prefix("no such table: ") {
        format!("テーブル「{t}」はありません(住民・除票・異動履歴・交付履歴)")
    } else if let Some(f) = msg.strip_prefix("no such function: ") {
        format!("関数「{f}」はありません")
    } else if msg.contains("syntax error") {
        format!("抽出条件の書き方に誤りがあります({msg})")
    } else {
        msg
    };
    DomainError::EucQuery { reason }
}

/// What a wizard step produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Mode {
    /// 一覧: the chosen items of every matching row.
    #[default]
    List,
    /// 件数: how many rows match.
    Count,
    /// 集計: how many rows match per value of the chosen items.
    Totals,
}

/// One condition of the wizard.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Condition {
    pub item: String,
    /// `=`, `<>`, `>`, `>=`, `<`, `<=`, `含む`, `で始まる`, `で終わる`, `空欄`, `空欄でない`.
    pub op: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// The wizard (ウィザード): what staff choose on the screen, turned into SQL by
/// [`Wizard::sql`] (shown to them, and editable).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wizard {
    pub table: String,
    /// The items to show (一覧) or to total by (集計); none: every item (一覧).
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Join the conditions with OR (いずれか) instead of AND (すべて).
    #[serde(default)]
    pub any: bool,
    #[serde(default)]
    pub mode: Mode,
    /// Items to sort by, in order (一覧).
    #[serde(default)]
    pub order: Vec<String>,
}

/// The operators the wizard offers.
pub const OPERATORS: [&str; 11] = [
    "=",
    "<>",
    ">",
    ">=",
    "<",
    "<=",
    "含む",
    "で始まる",
    "で終わる",
    "空欄",
    "空欄でない",
];

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
fn quote_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
fn like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Wizard {
    /// The SQL of these choices, each item checked against the table as this caller
    /// sees it, each value against the item's type.
    pub fn sql(&self, hidden: &BTreeSet<Item>) -> Result<String, DomainError> {
        let t = table(&self.table)?;
        let visible = t.visible(hidden);
        let col = |name: &str| -> Result<&'static Column, DomainError> {
            visible
                .iter()
                .find(|c| c.name == name.trim())
                .copied()
                .ok_or_else(|| DomainError::EucItem {
                    table: t.name,
                    item: name.to_string(),
                })
        };
        let items = self
            .items
            .iter()
            .map(|i| col(i))
            .collect::<Result<Vec<_>, _>>()?;
        let mut conds = Vec::new();
        for cond in &self.conditions {
            let c = col(&cond.item)?;
            let name = quote_ident(c.name);
            let value = cond.value.as_deref().map(str::trim).unwrap_or_default();
            let literal = || -> Result<String, DomainError> {
                if value.is_empty() {
                    return Err(DomainError::Missing {
                        field: "条件の値"
                    });
                }
                Ok(match c.kind {
                    Kind::Integer => value
                        .parse::<i64>()
                        .map_err(|_| DomainError::Invalid {
                            field: "条件の値",
                            reason: format!("「{}」は数値で指定してください: {value}", c.name),
                        })?
                        .to_string(),
                    Kind::Date => {
                        let d = kikan_domain::wareki::parse_date(value)?;
                        quote_text(&d.format("%Y-%m-%d").to_string())
                    }
                    Kind::Text => quote_text(value),
                })
            };
            conds.push(match cond.op.trim() {
                op @ ("=" | "<>" | ">" | ">=" | "<" | "<=") => {
                    format!("{name} {op} {}", literal()?)
                }
                "!=" => format!("{name} <> {}", literal()?),
                "含む" => format!(
                    "{name} LIKE {} ESCAPE '\\'",
                    quote_text(&format!("%{}%", like(&need(value)?)))
                ),
                "で始まる" => format!(
                    "{name} LIKE {} ESCAPE '\\'",
                    quote_text(&format!("{}%", like(&need(value)?)))
                ),
                "で終わる" => format!(
                    "{name} LIKE {} ESCAPE '\\'",
                    quote_text(&format!("%{}", like(&need(value)?)))
                ),
                "空欄" => format!("({name} IS NULL OR {name} = '')"),
                "空欄でない" => format!("({name} IS NOT NULL AND {name} <> '')"),
                other => {
                    return Err(DomainError::UnknownCode {
                        kind: "条件の演算子",
                        value: other.to_string(),
                    });
                }
            });
        }
        let from = quote_ident(t.name);
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!(
                " WHERE {}",
                conds.join(if self.any { " OR " } else { " AND " })
            )
        };
        let names = |cs: &[&Column]| {
            cs.iter()
                .map(|c| quote_ident(c.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(match self.mode {
            Mode::Count => format!("SELECT count(*) AS \"件数\" FROM {from}{filter}"),
            Mode::Totals => {
                if items.is_empty() {
                    return Err(DomainError::Missing {
                        field: "集計する項目",
                    });
                }
                let by = names(&items);
                format!(
                    "SELECT {by}, count(*) AS \"件数\" FROM {from}{filter} GROUP BY {by} ORDER BY {by}"
                )
            }
            Mode::List => {
                let shown = if items.is_empty() {
                    names(&visible)
                } else {
                    names(&items)
                };
                let order = self
                    .order
                    .iter()
                    .map(|o| col(o).map(|c| quote_ident(c.name)))
                    .collect::<Result<Vec<_>, _>>()?;
                let order = if order.is_empty() {
                    String::new()
                } else {
                    format!(" ORDER BY {}", order.join(", "))
                };
                format!("SELECT {shown} FROM {from}{filter}{order}")
            }
        })
    }
}

fn need(value: &str) -> Result<String, DomainError> {
    if value.is_empty() {
        Err(DomainError::Missing {
            field: "条件の値"
        })
    } else {
        Ok(value.to_string())
    }
}

/// The result as CSV: a header of item names, CRLF lines, cells quoted as needed.
pub fn csv(x: &Extraction) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        let v: Vec<String> = cells.iter().map(|c| kikan_domain::csv::cell(c)).collect();
        out.push_str(&v.join(","));
        out.push_str("\r\n");
    };
    line(x.columns.clone(), &mut out);
    for r in &x.rows {
        line(r.iter().map(Cell::text).collect(), &mut out);
    }
    out
}

/// The result as XML: `<抽出 基準日=…><行><項目 名前="氏名">…</項目>…</行>…</抽出>`.
pub fn xml(x: &Extraction, on: NaiveDate) -> String {
    fn esc(s: &str) -> String {
        let mut o = String::with_capacity(s.len());
        for ch in s.chars() {
            match ch {
                '&' => o.push_str("&amp;"),
                '<' => o.push_str("&lt;"),
                '>' => o.push_str("&gt;"),
                '"' => o.push_str("&quot;"),
                '\'' => o.push_str("&apos;"),
                // Characters XML 1.0 cannot carry at all.
                c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
                c => o.push(c),
            }
        }
        o
    }
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<抽出 基準日=\"{}\" 件数=\"{}\">\n",
        on.format("%Y-%m-%d"),
        x.rows.len()
    );
    for r in &x.rows {
        out.push_str("  <行>");
        for (name, cell) in x.columns.iter().zip(r) {
            if *cell == Cell::Null {
                out.push_str(&format!("<項目 名前=\"{}\"/>", esc(name)));
            } else {
                out.push_str(&format!(
                    "<項目 名前=\"{}\">{}</項目>",
                    esc(name),
                    esc(&cell.text())
                ));
            }
        }
        out.push_str("</行>\n");
    }
    out.push_str("</抽出>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wizard(table: &str, mode: Mode) -> Wizard {
        Wizard {
            table: table.into(),
            items: vec![],
            conditions: vec![],
            any: false,
            mode,
            order: vec![],
        }
    }

    #[test]
    fn the_wizard_writes_quoted_checked_sql() {
        let mut w = wizard("住民", Mode::List);
        w.items = vec!["氏名".into(), "年齢".into()];
        w.conditions = vec![
            Condition {
                item: "年齢".into(),
                op: ">=".into(),
                value: Some("65".into()),
            },
            Condition {
                item: "住所".into(),
                op: "含む".into(),
                value: Some("1丁目' OR 1=1 --%".into()),
            },
            Condition {
                item: "生年月日".into(),
                op: "<".into(),
                value: Some("昭和35年4月1日".into()),
            },
        ];
        w.order = vec!["年齢".into()];
        let sql = w.sql(&BTreeSet::new()).expect("sql");
        assert_eq!(
            sql,
            "SELECT \"氏名\", \"年齢\" FROM \"住民\" WHERE \"年齢\" >= 65 AND \"住所\" LIKE '%1丁目'' OR 1=1 --\\%%' ESCAPE '\\' AND \"生年月日\" < '1960-04-01' ORDER BY \"年齢\""
        );
        // A hidden item is not there for this caller.
        let mut w = wizard("住民", Mode::Totals);
        w.items = vec!["本籍".into()];
        let hidden: BTreeSet<Item> = [Item::Honseki].into();
        assert!(matches!(w.sql(&hidden), Err(DomainError::EucItem { .. })));
        assert!(w.sql(&BTreeSet::new()).is_ok());
        // Values are checked against the item's type.
        let mut w = wizard("住民", Mode::Count);
        w.conditions = vec![Condition {
            item: "年齢".into(),
            op: "=".into(),
            value: Some("六十".into()),
        }];
        assert!(matches!(w.sql(&hidden), Err(DomainError::Invalid { .. })));
        w.conditions[0].op = "~".into();
        w.conditions[0].value = Some("1".into());
        assert!(matches!(
            w.sql(&hidden),
            Err(DomainError::UnknownCode { .. })
        ));
        assert!(table("戸籍").is_err());
    }

    #[test]
    fn one_statement_at_a_time() {
        assert!(single_statement(
            "SELECT ';' AS \"a;b\" FROM t -- x;y\n WHERE a = 1 /* ; */"
        ));
        assert!(!single_statement("SELECT 1; DELETE FROM t"));
        assert!(!single_statement("SELECT 'x'';'; SELECT 2"));
    }

    #[test]
    fn xml_escapes_and_keeps_names() {
        let x = Extraction {
            columns: vec!["氏名".into(), "件数".into()],
            rows: vec![
                vec![Cell::Text("A&B<\u{1}".into()), Cell::Integer(3)],
                vec![Cell::Null, Cell::Real(1.5)],
            ],
        };
        let s = xml(&x, NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"));
        assert!(s.contains("<項目 名前=\"氏名\">A&amp;B&lt;</項目><項目 名前=\"件数\">3</項目>"));
        assert!(s.contains("<項目 名前=\"氏名\"/>"));
        assert!(s.contains("件数=\"2\""));
        assert!(csv(&x).starts_with("氏名,件数\r\n"));
        assert!(csv(&x).ends_with("\r\n,1.5\r\n"));
    }
}
