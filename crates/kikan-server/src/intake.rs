//! CSV形式のデータの取込 (10.8, j1430): data brought as CSV, however it became CSV (a
//! scanner's OCR, a kiosk, an online application), taken into a 異動 or a certificate.
//!
//! - `POST …/intake/changes`: the data of a 転出証明書 (a 転入 follows) or of a 住民異動届
//!   (転入, 転居, 転出) becomes a draft for examination, checked as a draft typed at the
//!   counter is; the 個人番号 it carries stays in the draft.
//! - `POST …/intake/certificates`: a 交付申請書 becomes the request `…/certificates`
//!   takes, for the clerk to preview and issue.
//! - `POST …/intake/card`: the 券面事項 of a 個人番号カード (4情報, 旧氏, 通称, 個人番号)
//!   find the resident; the number is never shown back.
//!
//! The file is UTF-8 (a BOM allowed) or Shift_JIS (CP932), a heading row naming the
//! columns (docs/formats.md), one row per person. A value that cannot be taken names
//! its line and column (`E-INTAKE-001`); a file that is not the layout
//! (`E-INTAKE-002`); nothing is entered.

use crate::AppState;
use crate::auth::Principal;
use crate::drafts::DraftView;
use crate::dto::PersonView;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::support::Protection;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use kikan_domain::{DomainError, PersonId};
use kikan_store::SearchQuery;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// At most this many rows (persons) in one file.
const MAX_ROWS: usize = 100;

/// A CSV file, as text or base64 (for Shift_JIS).
#[derive(Debug, Deserialize, ToSchema)]
pub struct IntakeIn {
    /// changes: 転出証明書 or 住民異動届; certificates: 交付申請書; card: 個人番号カード.
    #[serde(default)]
    pub kind: String,
    pub csv: Option<String>,
    pub base64: Option<String>,
}

/// One row: column name → value (trimmed; empty cells absent).
type Row = BTreeMap<String, String>;

fn file_error(reason: impl Into<String>) -> ApiError {
    ApiError::from(DomainError::IntakeFile {
        reason: reason.into(),
    })
    .at("csv")
}

fn line_error(line: usize, column: &str, reason: impl Into<String>) -> ApiError {
    ApiError::from(DomainError::IntakeLine {
        line,
        column: column.into(),
        reason: reason.into(),
    })
    .at("csv")
}

/// The text of the file: UTF-8 (BOM stripped) or else Shift_JIS.
fn text_of(i: &IntakeIn) -> R<String> {
    let bytes = match (&i.csv, &i.base64) {
        (Some(t), _) => t.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|_| file_error("base64 として読めません"))?,
        (None, None) => return Err(file_error("ファイルの内容がありません")),
    };
    kikan_app::text::decode(&bytes).map_err(file_error)
}

/// The rows of a file whose columns are among `known`, `required` present.
fn rows_of(text: &str, known: &[&str], required: &[&str]) -> R<Vec<(usize, Row)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| file_error(format!("見出し行を読めません: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for h in &headers {
        if !known.contains(&h.as_str()) {
            return Err(file_error(format!(
                "見出し「{h}」はこの様式の項目ではありません(項目: {})",
                known.join("、")
            )));
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            return Err(file_error(format!("見出し「{r}」がありません")));
        }
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| line_error(line, "-", format!("読めません: {e}")))?;
        let row: Row = headers
            .iter()
            .zip(rec.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(h, v)| (h.clone(), v.trim().to_string()))
            .collect();
        if row.is_empty() {
            continue;
        }
        for r in required {
            if !row.contains_key(*r) {
                return Err(line_error(line, r, "入力されていません"));
            }
        }
        rows.push((line, row));
    }
    if rows.is_empty() {
        return Err(file_error("データの行がありません"));
    }
    if rows.len() > MAX_ROWS {
        return Err(file_error(format!(
            "行が多すぎます(1ファイル {MAX_ROWS} 行まで)"
        )));
    }
    Ok(rows)
}

fn get<'a>(row: &'a Row, column: &str) -> Option<&'a str> {
    row.get(column).map(String::as_str)
}

/// A date as written (和暦 or 西暦), checked; the ISO form.
fn date(line: usize, row: &Row, column: &str) -> R<Option<String>> {
    match get(row, column) {
        None => Ok(None),
        Some(v) => kikan_domain::wareki::parse_date(v)
            .map(|d| Some(d.to_string()))
            .map_err(|e| line_error(line, column, e.to_string())),
    }
}

/// A value checked by a domain parser, kept as written.
fn checked<T>(
    line: usize,
    row: &Row,
    column: &str,
    parse: impl Fn(&str) -> Result<T, DomainError>,
) -> R<Option<String>> {
    match get(row, column) {
        None => Ok(None),
        Some(v) => parse(v)
            .map(|_| Some(v.to_string()))
            .map_err(|e| line_error(line, column, e.to_string())),
    }
}

fn number(line: usize, row: &Row, column: &str) -> R<Option<i64>> {
    match get(row, column) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| line_error(line, column, "数字で入力してください")),
    }
}

/// Columns every row of one 届出 shares: the first row's value, and no row saying
/// otherwise.
fn common<'a>(rows: &'a [(usize, Row)], column: &str) -> R<Option<&'a str>> {
    let first = rows.iter().find_map(|(_, r)| get(r, column));
    for (line, r) in rows {
        if let (Some(v), Some(f)) = (get(r, column), first)
            && v != f
        {
            return Err(line_error(
                *line,
                column,
                format!("同じ届出の行で値が異なります(「{f}」と「{v}」)"),
            ));
        }
    }
    Ok(first)
}

/// An address from three columns (住所, 番地, 方書) and a postal code.
fn address(
    rows: &[(usize, Row)],
    place: &str,
    banchi: &str,
    katagaki: &str,
    postal: Option<&str>,
) -> R<Option<Value>> {
    let Some(p) = common(rows, place)? else {
        return Ok(None);
    };
    let mut a = json!({"place": p, "banchi": common(rows, banchi)?.unwrap_or_default()});
    if let Some(k) = common(rows, katagaki)? {
        a["katagaki"] = json!(k);
    }
    if let Some(col) = postal
        && let Some(code) = common(rows, col)?
    {
        kikan_domain::PostalCode::parse(code)
            .map_err(|e| line_error(rows[0].0, col, e.to_string()))?;
        a["postal_code"] = json!(code);
    }
    Ok(Some(a))
}

const PERSON: [&str; 12] = [
    "氏",
    "名",
    "氏フリガナ",
    "名フリガナ",
    "生年月日",
    "性別",
    "続柄",
    "住民票コード",
    "個人番号",
    "本籍",
    "筆頭者",
    "宛名番号",
];

/// A person of a 転入, as `…/changes` takes it.
fn person(line: usize, row: &Row) -> R<Value> {
    let mut p = json!({
        "name": {"family": get(row, "氏").unwrap_or_default(), "given": get(row, "名").unwrap_or_default()},
        "furigana": {"family": get(row, "氏フリガナ").unwrap_or_default(), "given": get(row, "名フリガナ").unwrap_or_default()},
        "birth_date": date(line, row, "生年月日")?.unwrap_or_default(),
        "sex": checked(line, row, "性別", kikan_domain::Sex::parse)?.unwrap_or_default(),
        "relationship": checked(line, row, "続柄", kikan_domain::Relationship::parse)?.unwrap_or_default(),
    });
    if let Some(c) = checked(line, row, "住民票コード", kikan_domain::JuminhyoCode::parse)? {
        p["juminhyo_code"] = json!(c);
    }
    if let Some(n) = checked(line, row, "個人番号", kikan_domain::IndividualNumber::parse)? {
        p["individual_number"] = json!(n);
    }
    if let Some(h) = get(row, "本籍") {
        p["honseki"] = json!({"domicile": h, "head_name": get(row, "筆頭者").unwrap_or_default()});
    }
    Ok(p)
}

fn notifier(rows: &[(usize, Row)]) -> R<Option<Value>> {
    Ok(common(rows, "届出人氏名")?.map(|name| {
        json!({"name": name, "capacity": rows.iter().find_map(|(_, r)| get(r, "届出人の資格")).unwrap_or("本人")})
    }))
}

/// 転出証明書に記載のデータ: a 転入 of its persons.
fn move_out_certificate(text: &str, today: chrono::NaiveDate) -> R<Value> {
    let known: Vec<&str> = PERSON
        .iter()
        .copied()
        .chain([
            "転出元住所",
            "転出元番地",
            "転出元方書",
            "転出先郵便番号",
            "転出先住所",
            "転出先番地",
            "転出先方書",
            "転出予定年月日",
            "転入年月日",
            "届出年月日",
            "届出人氏名",
            "届出人の資格",
        ])
        .collect();
    let rows = rows_of(
        text,
        &known,
        &[
            "氏",
            "氏フリガナ",
            "生年月日",
            "性別",
            "続柄",
            "転出元住所",
            "転出先住所",
            "転入年月日",
        ],
    )?;
    for c in [
        "転入年月日",
        "届出年月日",
        "届出人氏名",
        "届出人の資格",
        "転出予定年月日",
    ] {
        common(&rows, c)?;
    }
    let persons = rows
        .iter()
        .map(|(line, r)| person(*line, r))
        .collect::<R<Vec<_>>>()?;
    let (line, first) = &rows[0];
    date(*line, first, "転出予定年月日")?;
    let mut req = json!({
        "effective_on": date(*line, first, "転入年月日")?,
        "notified_on": date(*line, first, "届出年月日")?.unwrap_or_else(|| today.to_string()),
        "change": {"type": "move_in", "persons": persons,
            "address": address(&rows, "転出先住所", "転出先番地", "転出先方書", Some("転出先郵便番号"))?,
            "previous_address": address(&rows, "転出元住所", "転出元番地", "転出元方書", None)?},
    });
    if let Some(n) = notifier(&rows)? {
        req["notifier"] = n;
    }
    Ok(req)
}

/// 住民異動届に記載のデータ: a 転入, 転居, 転出 or 世帯変更 (世帯分離, 世帯主変更,
/// 世帯合併, 世帯構成変更).
fn notification(text: &str, today: chrono::NaiveDate) -> R<Value> {
    let known: Vec<&str> = PERSON
        .iter()
        .copied()
        .chain([
            "異動の種類",
            "異動年月日",
            "届出年月日",
            "届出人氏名",
            "届出人の資格",
            "新郵便番号",
            "新住所",
            "新番地",
            "新方書",
            "従前の住所",
            "従前の番地",
            "従前の方書",
            "転出予定年月日",
            "世帯番号",
            "加わる世帯番号",
        ])
        .collect();
    let rows = rows_of(text, &known, &["異動の種類"])?;
    for c in [
        "異動年月日",
        "届出年月日",
        "届出人氏名",
        "届出人の資格",
        "転出予定年月日",
        "世帯番号",
        "加わる世帯番号",
    ] {
        common(&rows, c)?;
    }
    let (line, first) = &rows[0];
    let kind = common(&rows, "異動の種類")?.unwrap_or_default();
    let ids = || {
        rows.iter()
            .map(|(line, r)| {
                number(*line, r, "宛名番号")?.ok_or_else(|| {
                    line_error(
                        *line,
                        "宛名番号",
                        "転居・転出・世帯変更では住民の宛名番号を入力してください",
                    )
                })
            })
            .collect::<R<Vec<_>>>()
    };
    let new_address = address(&rows, "新住所", "新番地", "新方書", Some("新郵便番号"))?;
    let needs_address = |a: Option<Value>| {
        a.ok_or_else(|| line_error(*line, "新住所", "転入・転居・転出では入力してください"))
    };
    // 世帯変更: each row's person and their 続柄 to the (new) head.
    let rels = || {
        rows.iter()
            .map(|(line, r)| {
                let id = number(*line, r, "宛名番号")?.ok_or_else(|| {
                    line_error(
                        *line,
                        "宛名番号",
                        "世帯変更では住民の宛名番号を入力してください",
                    )
                })?;
                let rel = checked(*line, r, "続柄", kikan_domain::Relationship::parse)?
                    .ok_or_else(|| {
                        line_error(*line, "続柄", "世帯変更では新しい続柄を入力してください")
                    })?;
                Ok(json!({"person_id": id, "relationship": rel}))
            })
            .collect::<R<Vec<_>>>()
    };
    let household = |column: &str| -> R<i64> {
        number(*line, first, column)?.ok_or_else(|| line_error(*line, column, "入力されていません"))
    };
    let change = match kind {
        "転入" => {
            for (line, r) in &rows {
                for c in ["氏", "氏フリガナ", "生年月日", "性別", "続柄"] {
                    if !r.contains_key(c) {
                        return Err(line_error(*line, c, "入力されていません"));
                    }
                }
            }
            let persons = rows
                .iter()
                .map(|(line, r)| person(*line, r))
                .collect::<R<Vec<_>>>()?;
            json!({"type": "move_in", "persons": persons, "address": needs_address(new_address)?,
                   "previous_address": address(&rows, "従前の住所", "従前の番地", "従前の方書", None)?})
        }
        "転居" => {
            json!({"type": "relocation", "person_ids": ids()?, "address": needs_address(new_address)?})
        }
        "世帯分離" => {
            json!({"type": "household_split", "person_ids": ids()?, "relationships": rels()?})
        }
        "世帯主変更" => {
            json!({"type": "head_change", "household_id": household("世帯番号")?, "relationships": rels()?})
        }
        "世帯合併" => {
            json!({"type": "household_merge", "absorbed_household_id": household("世帯番号")?,
            "into_household_id": household("加わる世帯番号")?, "relationships": rels()?})
        }
        "世帯構成変更" => json!({"type": "composition_change", "person_ids": ids()?,
            "into_household_id": household("加わる世帯番号")?, "relationships": rels()?}),
        "転出" => {
            json!({"type": "move_out", "person_ids": ids()?, "destination": needs_address(new_address)?,
            "planned_on": date(*line, first, "転出予定年月日")?
                .ok_or_else(|| line_error(*line, "転出予定年月日", "転出では入力してください"))?})
        }
        other => {
            return Err(line_error(
                *line,
                "異動の種類",
                format!(
                    "「{other}」は取り込めません(転入・転居・転出・世帯分離・世帯主変更・世帯合併・世帯構成変更)"
                ),
            ));
        }
    };
    let mut req = json!({
        "notified_on": date(*line, first, "届出年月日")?.unwrap_or_else(|| today.to_string()),
        "change": change,
    });
    if let Some(d) = date(*line, first, "異動年月日")? {
        req["effective_on"] = json!(d);
    } else if kind != "転出" {
        return Err(line_error(*line, "異動年月日", "入力されていません"));
    }
    if let Some(n) = notifier(&rows)? {
        req["notifier"] = n;
    }
    Ok(req)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/intake/changes", tag = "changes", request_body = IntakeIn,
    params(("tenant" = String, Path)),
    responses((status = 201, description = "The 転出証明書 or 住民異動届 entered as a draft for examination", body = DraftView),
              (status = 422, description = "A value that cannot be taken, with its line and column (E-INTAKE-001), or a file that is not the layout (E-INTAKE-002): nothing entered", body = ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<IntakeIn>,
) -> R<(StatusCode, Json<DraftView>)> {
    let text = text_of(&i)?;
    let today = state.clock.today();
    let req = match i.kind.as_str() {
        "転出証明書" | "move_out_certificate" => move_out_certificate(&text, today)?,
        "住民異動届" | "notification" => notification(&text, today)?,
        _ => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "取込の様式",
                value: i.kind.clone(),
            })
            .at("kind"));
        }
    };
    let draft = crate::drafts::enter(&state, &p, &req).await?;
    Ok((StatusCode::CREATED, Json(draft)))
}

/// The request a 交付申請書 makes, for `…/certificates` and `…/certificates/preview`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateIntake {
    #[schema(value_type = Object)]
    pub request: Value,
    pub rows: usize,
}

const APPLICATION: [&str; 16] = [
    "証明書の種類",
    "記載方式",
    "世帯番号",
    "宛名番号",
    "記載事項",
    "請求者の種類",
    "請求者宛名番号",
    "請求者氏名",
    "請求者生年月日",
    "請求者住所",
    "請求の事由",
    "資格・登録番号",
    "利用目的",
    "本人確認書類",
    "通数",
    "手数料免除",
];

fn requester_kind(v: &str) -> Option<&'static str> {
    Some(match v {
        "本人" | "self" => "self",
        "同一世帯" | "同一世帯員" | "same_household" => "same_household",
        "第三者" | "third_party" => "third_party",
        "弁護士等" | "職務上請求" | "professional" => "professional",
        _ => return None,
    })
}

/// 住民票の写し等の証明書の交付申請書に記載のデータ.
fn application(text: &str) -> R<(Value, usize)> {
    let rows = rows_of(
        text,
        &APPLICATION,
        &["証明書の種類", "請求者の種類", "本人確認書類"],
    )?;
    let (line, _) = &rows[0];
    let line = *line;
    let kind = common(&rows, "証明書の種類")?.unwrap_or_default();
    kikan_domain::certificate::CertificateKind::parse(kind)
        .map_err(|e| line_error(line, "証明書の種類", e.to_string()))?;
    let who = common(&rows, "請求者の種類")?.unwrap_or_default();
    let who = requester_kind(who).ok_or_else(|| {
        line_error(
            line,
            "請求者の種類",
            "本人・同一世帯・第三者・弁護士等のいずれかです",
        )
    })?;
    let first = &rows[0].1;
    let mut requester = json!({"kind": who});
    if let Some(id) = number(line, first, "請求者宛名番号")? {
        requester["person_id"] = json!(id);
    }
    for (col, key) in [
        ("請求者氏名", "name"),
        ("請求者住所", "address"),
        ("請求の事由", "reason"),
        ("資格・登録番号", "qualification"),
    ] {
        if let Some(v) = common(&rows, col)? {
            requester[key] = json!(v);
        }
    }
    if let Some(d) = date(line, first, "請求者生年月日")? {
        requester["birth_date"] = json!(d);
    }
    let mut persons = Vec::new();
    for (line, r) in &rows {
        if let Some(id) = number(*line, r, "宛名番号")? {
            persons.push(id);
        }
    }
    let household = match common(&rows, "世帯番号")? {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| line_error(line, "世帯番号", "数字で入力してください"))?,
        ),
        None => None,
    };
    if household.is_none() && persons.is_empty() {
        return Err(line_error(
            line,
            "宛名番号",
            "世帯番号か宛名番号を入力してください",
        ));
    }
    let items = match common(&rows, "記載事項")? {
        None => vec![],
        Some(list) => list
            .split(['、', '・', ';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                kikan_domain::certificate::Item::parse(s)
                    .map(|i| i.code().to_string())
                    .map_err(|e| line_error(line, "記載事項", e.to_string()))
            })
            .collect::<R<Vec<_>>>()?,
    };
    let layout = match common(&rows, "記載方式")? {
        None => None,
        Some("世帯連記式" | "世帯" | "household") => Some("household"),
        Some("個人票" | "個人" | "individual") => Some("individual"),
        Some(_) => return Err(line_error(line, "記載方式", "世帯連記式か個人票です")),
    };
    let copies = match common(&rows, "通数")? {
        None => 1,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or_else(|| line_error(line, "通数", "1から10の数字です"))?,
    };
    let mut req = json!({
        "kind": kind, "requester": requester,
        "purpose": common(&rows, "利用目的")?.unwrap_or_default(),
        "identity_check": common(&rows, "本人確認書類")?.unwrap_or_default(),
        "copies": copies, "items": items,
    });
    if let Some(l) = layout {
        req["layout"] = json!(l);
    }
    match household {
        Some(h) => req["household_id"] = json!(h),
        None => req["persons"] = json!(persons),
    }
    if let Some(f) = common(&rows, "手数料免除")? {
        req["fee_exempt"] = json!(f);
    }
    Ok((req, rows.len()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/intake/certificates", tag = "certificates", request_body = IntakeIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The 交付申請書 as the request of …/certificates, for preview and issue", body = CertificateIntake),
              (status = 422, description = "E-INTAKE-001 (line and column) or E-INTAKE-002", body = ErrorBody)))]
pub async fn certificates(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<IntakeIn>,
) -> R<Json<CertificateIntake>> {
    let text = text_of(&i)?;
    let (request, rows) = application(&text)?;
    crate::routes::audit(
        &state,
        &p,
        "intake.certificate",
        vec![],
        "交付申請書のCSVを取込".to_string(),
    )
    .await?;
    Ok(Json(CertificateIntake { request, rows }))
}

/// The 券面事項 read from a 個人番号カード (its number is never shown back).
#[derive(Debug, Serialize, ToSchema)]
pub struct CardFace {
    pub name: String,
    pub address: String,
    /// ISO date.
    pub birth_date: String,
    pub sex: String,
    pub former_surname: Option<String>,
    pub alias: Option<String>,
    pub has_individual_number: bool,
}

/// The card read and the residents it names.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardIntake {
    pub card: CardFace,
    /// Found by the 個人番号 when given, else by 氏名 and 生年月日.
    pub found_by: String,
    pub matches: Vec<PersonView>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/intake/card", tag = "residents", request_body = IntakeIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The card's 4情報 and the residents it names", body = CardIntake),
              (status = 422, description = "E-INTAKE-001 (line and column) or E-INTAKE-002", body = ErrorBody)))]
pub async fn card(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(i): Json<IntakeIn>,
) -> R<Json<CardIntake>> {
    p.purpose()?;
    let text = text_of(&i)?;
    let rows = rows_of(
        &text,
        &[
            "氏名",
            "住所",
            "生年月日",
            "性別",
            "旧氏",
            "通称",
            "個人番号",
        ],
        &["氏名", "住所", "生年月日", "性別"],
    )?;
    if rows.len() != 1 {
        return Err(file_error("個人番号カードは1枚ずつ(1行)取り込みます"));
    }
    let (line, row) = &rows[0];
    let birth = kikan_domain::wareki::parse_date(get(row, "生年月日").unwrap_or_default())
        .map_err(|e| line_error(*line, "生年月日", e.to_string()))?;
    let sex = checked(*line, row, "性別", kikan_domain::Sex::parse)?.unwrap_or_default();
    let number = checked(
        *line,
        row,
        "個人番号",
        kikan_domain::IndividualNumber::parse,
    )?;
    let name = get(row, "氏名").unwrap_or_default().to_string();
    let found_by = if number.is_some() {
        "個人番号"
    } else {
        "氏名・生年月日"
    };
    let q = SearchQuery {
        individual_number: number.clone(),
        name: number.is_none().then(|| name.clone()),
        birth_date: number.is_none().then_some(birth),
        include_removed: false,
        limit: 20,
        ..Default::default()
    };
    let hits = kikan_app::search::residents(&*state.store, p.tenant, q.keys()).await?;
    let ids: Vec<PersonId> = hits.iter().map(|h| h.id).collect();
    let shield = Protection::of(&state, &p, &ids).await?;
    let event = p
        .event(
            "intake.card",
            ids.iter().map(|i| i.0).collect(),
            format!("個人番号カードの券面事項を取込({found_by}で検索)"),
        )
        .with_my_number(number.is_some());
    state.store.append_audit(p.tenant, &[event]).await?;
    let mut views: Vec<PersonView> = hits.iter().map(|h| shield.person(h)).collect();
    let shown: Vec<&kikan_domain::Person> = hits.iter().collect();
    crate::suppress::mark(&state, &p, &mut views, &shown).await?;
    Ok(Json(CardIntake {
        card: CardFace {
            name,
            address: get(row, "住所").unwrap_or_default().to_string(),
            birth_date: birth.to_string(),
            sex,
            former_surname: get(row, "旧氏").map(String::from),
            alias: get(row, "通称").map(String::from),
            has_individual_number: number.is_some(),
        },
        found_by: found_by.into(),
        matches: views,
    }))
}
