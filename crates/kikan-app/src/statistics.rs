//! 統計 (6.1, j1080): the 住民基本台帳関係年報's population, households and 異動 of a
//! period, and the 中長期在留者 figures of the 出入国在留管理庁's 定期報告, counted from
//! the ledger's records (`kikan_domain::statistics`): the population from the as-of
//! table on the 基準日, the 異動 from the entries whose 異動日 falls in the period.
//! Figures of a past period are the same whenever they are asked; only what kikan's
//! ledger holds is counted (a municipality that moved onto kikan counts from its first
//! month here, as 6.1 says: the months before are the former system's).

use chrono::NaiveDate;
use kikan_domain::statistics::{Movement, MovementTally, Population, PopulationTally};
use kikan_domain::{DomainError, LocalGovCode};
use kikan_store::{Store, StoreError};

/// Rows and entries fetched per page.
const PAGE: u32 = 10_000;

/// The 基準日 and the period asked, with the 年報's defaults: the 基準日 is 1 January of
/// this year, the period the calendar year before it (or the year of `to`).
pub fn dates(
    today: NaiveDate,
    on: Option<NaiveDate>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate, NaiveDate), DomainError> {
    use chrono::Datelike;
    let on = on.unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to = to.unwrap_or_else(|| on.pred_opt().unwrap_or(on));
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(DomainError::InvalidDate(format!("{from} 〜 {to}")));
    }
    Ok((on, from, to))
}

/// The population and households on `on`.
pub async fn population(
    store: &dyn Store,
    tenant: LocalGovCode,
    on: NaiveDate,
) -> Result<Population, StoreError> {
    let mut tally = PopulationTally::new(on);
    let mut after = None;
    loop {
        let page = store.residents_as_of(tenant, on, after, PAGE).await?;
        for p in &page {
            tally.add(p);
        }
        match page.last() {
            Some(p) if page.len() == PAGE as usize => after = Some(p.id),
            _ => break,
        }
    }
    Ok(tally.finish())
}

/// The 異動 whose 異動日 is within `from..=to`.
pub async fn movement(
    store: &dyn Store,
    tenant: LocalGovCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Movement, StoreError> {
    if from > to {
        return Err(DomainError::InvalidDate(format!("{from} 〜 {to}")).into());
    }
    let mut tally = MovementTally::new(from, to);
    let mut after = 0;
    loop {
        let page = store.entries_between(tenant, from, to, after, PAGE).await?;
        for (e, persons) in &page {
            tally.add(e, persons);
        }
        match page.last() {
            Some((e, _)) if page.len() == PAGE as usize => after = e.seq,
            _ => break,
        }
    }
    Ok(tally.finish())
}

/// The figures drawn (6.1's charts, for the CLI and the batch): the 人口ピラミッド (男 left,
/// 女 right, five-year bands, 日本人住民 and 外国人住民 together) and the persons concerned
/// by the period's 異動 per month, as one SVG document.
pub fn svg(pop: &Population, mov: &Movement) -> String {
    use std::fmt::Write;
    let (w, row, half, mid) = (720.0f64, 16.0f64, 250.0f64, 80.0f64);
    let bands: Vec<(u64, u64)> = pop
        .bands_japanese
        .iter()
        .zip(&pop.bands_foreign)
        .map(|(j, f)| (j.male + f.male, j.female + f.female))
        .collect();
    let max = bands
        .iter()
        .map(|(m, f)| (*m).max(*f))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let pyramid_h = 40.0 + bands.len() as f64 * row;
    let mut months: Vec<(String, u64)> = Vec::new();
    for m in &mov.monthly {
        match months.last_mut() {
            Some((k, n)) if *k == m.month => *n += m.japanese + m.foreign,
            _ => months.push((m.month.clone(), m.japanese + m.foreign)),
        }
    }
    let bar_top = pyramid_h + 50.0;
    let bar_h = 160.0;
    let h = bar_top + bar_h + 50.0;
    let mut out = String::new();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"人口ピラミッドと月別異動\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>"
    );
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"18\" font-size=\"14\">年齢階級別人口({} 現在、男 {} 人・女 {} 人)</text>",
        pop.on.format("%Y-%m-%d"),
        pop.japanese.male + pop.foreign.male,
        pop.japanese.female + pop.foreign.female
    );
    let left = (w - 2.0 * half - mid) / 2.0;
    for (i, (m, f)) in bands.iter().enumerate() {
        let y = pyramid_h - (i as f64 + 1.0) * row;
        let mw = *m as f64 / max * half;
        let fw = *f as f64 / max * half;
        let label = if i + 1 == bands.len() {
            format!("{}+", i * 5)
        } else {
            format!("{}-{}", i * 5, i * 5 + 4)
        };
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{mw:.1}\" height=\"{:.1}\" fill=\"#0054ac\"><title>{label}歳 男 {m}人</title></rect>\
             <rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{fw:.1}\" height=\"{:.1}\" fill=\"#d4145a\"><title>{label}歳 女 {f}人</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            left + half - mw,
            row - 2.0,
            left + half + mid,
            row - 2.0,
            left + half + mid / 2.0,
            y + row - 4.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"34\" text-anchor=\"middle\">男</text><text x=\"{:.1}\" y=\"34\" text-anchor=\"middle\">女</text>",
        left + half / 2.0,
        left + half + mid + half / 2.0
    );
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" font-size=\"14\">月別の異動(人、{}〜{})</text>",
        bar_top - 20.0,
        mov.from.format("%Y-%m-%d"),
        mov.to.format("%Y-%m-%d")
    );
    let most = months.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let slot = ((w - 40.0) / months.len().max(1) as f64).min(60.0);
    for (i, (month, n)) in months.iter().enumerate() {
        let bh = *n as f64 / most * bar_h;
        let x = 20.0 + i as f64 * slot;
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#0017c1\"><title>{} {n}人</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
            x + slot * 0.15,
            bar_top + bar_h - bh,
            slot * 0.7,
            esc(month),
            x + slot / 2.0,
            bar_top + bar_h + 14.0,
            esc(month),
            x + slot / 2.0,
            bar_top + bar_h - bh - 3.0
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The 年報 as CSV (UTF-8 with a BOM, for spreadsheet software): one row per figure,
/// 区分 and 項目 in Japanese, so that the file reads without a manual.
/// One line of the tables: 区分, 項目, 日本人住民, 外国人住民 (計 is their sum).
pub struct Row {
    pub group: String,
    pub item: String,
    pub japanese: u64,
    pub foreign: u64,
}

/// The tables as CSV (UTF-8 with BOM, CRLF): 区分, 項目, 日本人住民, 外国人住民, 計.
pub fn csv(pop: &Population, mov: &Movement) -> String {
    let mut out = String::from("\u{FEFF}区分,項目,日本人住民,外国人住民,計\r\n");
    for r in rows(pop, mov) {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            kikan_domain::csv::cell(&r.group),
            kikan_domain::csv::cell(&r.item),
            r.japanese,
            r.foreign,
            r.japanese + r.foreign
        ));
    }
    out
}

/// The tables as the deliverable a municipality hands in (9.1: the 住民基本台帳関係年報's
/// 集計表 as XLSX): one sheet 「集計表」, the same rows and columns as [`csv`], the counts
/// as numbers.
pub fn xlsx(pop: &Population, mov: &Movement) -> Result<Vec<u8>, StoreError> {
    use rust_xlsxwriter::{Format, Workbook, XlsxError};
    let failed = |e: XlsxError| StoreError::Database(format!("XLSXを作成できません: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("集計表").map_err(failed)?;
    for (col, (title, width)) in [
        ("区分", 40.0),
        ("項目", 30.0),
        ("日本人住民", 12.0),
        ("外国人住民", 12.0),
        ("計", 12.0),
    ]
    .into_iter()
    .enumerate()
    {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(failed)?;
        sheet.set_column_width(col, width).map_err(failed)?;
    }
    for (i, r) in rows(pop, mov).iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.group).map_err(failed)?;
        sheet.write_string(row, 1, &r.item).map_err(failed)?;
        sheet
            .write_number(row, 2, r.japanese as f64)
            .map_err(failed)?;
        sheet
            .write_number(row, 3, r.foreign as f64)
            .map_err(failed)?;
        sheet
            .write_number(row, 4, (r.japanese + r.foreign) as f64)
            .map_err(failed)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    book.save_to_buffer().map_err(failed)
}

/// The rows of the tables, in their order.
pub fn rows(pop: &Population, mov: &Movement) -> Vec<Row> {
    let mut out = vec![];
    let mut row = |group: &str, item: &str, j: u64, f: u64| {
        out.push(Row {
            group: group.to_string(),
            item: item.to_string(),
            japanese: j,
            foreign: f,
        });
    };
    let on = pop.on.format("%Y-%m-%d").to_string();
    row(
        &format!("人口（{on}現在）"),
        "男",
        pop.japanese.male,
        pop.foreign.male,
    );
    row(
        &format!("人口（{on}現在）"),
        "女",
        pop.japanese.female,
        pop.foreign.female,
    );
    row(
        &format!("人口（{on}現在）"),
        "計",
        pop.japanese.total(),
        pop.foreign.total(),
    );
    row(
        &format!("世帯数（{on}現在）"),
        "日本人住民のみ・外国人住民のみ",
        pop.households_japanese,
        pop.households_foreign,
    );
    row(
        &format!("世帯数（{on}現在）"),
        "複数国籍世帯",
        pop.households_mixed,
        0,
    );
    for (i, (j, f)) in pop
        .bands_japanese
        .iter()
        .zip(pop.bands_foreign.iter())
        .enumerate()
    {
        let band = if i + 1 == kikan_domain::statistics::BANDS {
            format!("{}歳以上", i * 5)
        } else {
            format!("{}〜{}歳", i * 5, i * 5 + 4)
        };
        row("年齢階級別人口（男）", &band, j.male, f.male);
        row("年齢階級別人口（女）", &band, j.female, f.female);
    }
    let period = format!(
        "{}〜{}",
        mov.from.format("%Y-%m-%d"),
        mov.to.format("%Y-%m-%d")
    );
    let (j, f) = (&mov.japanese, &mov.foreign);
    for (item, a, b) in [
        ("転入（国内）", j.moved_in, f.moved_in),
        (
            "転入（国外から）",
            j.moved_in_from_abroad,
            f.moved_in_from_abroad,
        ),
        ("出生", j.births, f.births),
        ("その他（記載）", j.other_increase, f.other_increase),
        ("増加計", j.increase(), f.increase()),
        ("転出（国内）", j.moved_out, f.moved_out),
        ("転出（国外へ）", j.emigrated, f.emigrated),
        ("死亡", j.deaths, f.deaths),
        ("その他（消除）", j.other_decrease, f.other_decrease),
        ("減少計", j.decrease(), f.decrease()),
    ] {
        row(&format!("人口の増減（{period}）"), item, a, b);
    }
    row(
        &format!("定期報告（{period}）"),
        "住居地の届出（新規）",
        0,
        mov.residence_notified_new,
    );
    row(
        &format!("定期報告（{period}）"),
        "住居地の届出（変更）",
        0,
        mov.residence_notified_change,
    );
    for (k, n) in &pop.by_category {
        row(&format!("外国人住民の区分（{on}現在）"), k, 0, *n);
    }
    for (k, n) in &pop.by_status {
        row(&format!("中長期在留者の在留資格（{on}現在）"), k, 0, *n);
    }
    for (k, n) in &pop.by_nationality {
        row(&format!("外国人住民の国籍・地域（{on}現在）"), k, 0, *n);
    }
    for m in &mov.monthly {
        row(
            &format!("月別異動（{}）", m.month),
            &m.reason,
            m.japanese,
            m.foreign,
        );
    }
    out
}
