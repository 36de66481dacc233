//! EUC (10.1): the data source's item list, and extraction by the wizard or by SQL,
//! out as a screen, CSV (UTF-8 or Shift_JIS), XML, a list (PDF) or address labels
//! (宛名形式, PDF). Every extraction states its purpose and is audited with the 基準日,
//! the SQL and the count.
//!
//! One source is built at a time per server (the others wait their turn), and the
//! last one built is kept for ten minutes for the same municipality, date and visible
//! items, so a wizard's preview and its download read the same snapshot. The query runs
//! on a blocking thread against the source, never against the registry's store.

use crate::AppState;
use crate::auth::Principal;
use crate::certificates::{blocking, font, pdf_named};
use crate::dto::date_in;
use crate::error::ApiError;
use crate::routes::audit;
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kikan_app::euc::{self, Extraction, Limits, Source, Wizard};
use kikan_domain::{DomainError, LocalGovCode};
use kikan_security::Item;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

/// How long a built source is reused.
const KEEP: Duration = Duration::from_secs(600);
/// Rows shown on the screen (the count is always the whole).
const SCREEN_ROWS: usize = 500;
/// Rows a PDF list or a sheet of labels may hold.
const PDF_ROWS: usize = 20_000;

type Key = (LocalGovCode, NaiveDate, BTreeSet<Item>);
/// A built source, shared by the requests that read it.
type Shared = Arc<Mutex<Source>>;

/// How long a request waits for the source it needs before answering that it is being
/// built (E-EUC-007): under the server's request timeout (60 s). The build goes on and
/// is kept; the same request made again takes it.
pub const BUILD_WAIT: Duration = Duration::from_secs(45);

/// A build under way: its key, and where its outcome is told (None until done).
type Building = (
    Key,
    tokio::sync::watch::Receiver<Option<Result<Shared, ()>>>,
);

/// The server's EUC sources: one built at a time (detached from the request that asked
/// for it, so a large city's build outlives a request's timeout), the last one kept.
pub struct Sources {
    building: Mutex<Option<Building>>,
    last: Mutex<Option<(Key, Instant, Shared)>>,
    /// How long a request waits for a build ([`BUILD_WAIT`]).
    wait: Duration,
}

impl Default for Sources {
    fn default() -> Self {
        Sources::waiting(BUILD_WAIT)
    }
}

impl Sources {
    /// Sources whose requests wait `wait` for a build.
    pub fn waiting(wait: Duration) -> Self {
        Sources {
            building: Mutex::new(None),
            last: Mutex::new(None),
            wait,
        }
    }

    fn cached(&self, key: &Key) -> Option<Arc<Mutex<Source>>> {
        let last = self.last.lock().ok()?;
        match &*last {
            Some((k, at, s)) if k == key && at.elapsed() < KEEP => Some(s.clone()),
            _ => None,
        }
    }
    fn keep(&self, key: Key, s: Arc<Mutex<Source>>) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, Instant::now(), s));
        }
    }
}

/// An item as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnView {
    pub name: &'static str,
    /// text, integer or date.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub about: &'static str,
}

/// A table of the source.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableView {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: Vec<ColumnView>,
}

/// The data source's item list (データ項目一覧) for this caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalogue {
    pub tables: Vec<TableView>,
    /// The wizard's operators.
    pub operators: Vec<&'static str>,
    /// The functions a query may use beyond SQLite's own.
    pub functions: Vec<&'static str>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/euc/tables", tag = "residents",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "EUC (10.1): the data source's tables and items (データ項目名称, type, meaning) as this caller sees them (10.4's hidden items are not there), the wizard's operators and the added functions", body = Catalogue)))]
pub async fn tables(Extension(p): Extension<Principal>) -> Json<Catalogue> {
    Json(Catalogue {
        tables: euc::TABLES
            .iter()
            .map(|t| TableView {
                name: t.name,
                about: t.about,
                columns: t
                    .visible(&p.hidden)
                    .into_iter()
                    .map(|c| ColumnView {
                        name: c.name,
                        kind: match c.kind {
                            euc::Kind::Text => "text",
                            euc::Kind::Integer => "integer",
                            euc::Kind::Date => "date",
                        },
                        kind_label: c.kind.label(),
                        about: c.about,
                    })
                    .collect(),
            })
            .collect(),
        operators: euc::OPERATORS.to_vec(),
        functions: vec![
            "LEFT(文字列, 文字数)",
            "RIGHT(文字列, 文字数)",
            "MID(文字列, 開始位置, 文字数)",
            "LEN(文字列)",
            "年齢(生年月日, 基準日)",
        ],
    })
}

/// An extraction.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EucIn {
    /// 基準日 (和暦 or 西暦); today when left out.
    pub on: Option<String>,
    /// The wizard's choices; the SQL is written from them.
    pub wizard: Option<Wizard>,
    /// The SQL itself (one SELECT), when no wizard is given.
    pub sql: Option<String>,
    /// json (the screen: the first 500 rows and the count), csv (UTF-8 with BOM),
    /// csv_sjis (Shift_JIS), xml, pdf (a list) or labels (宛名シール: needs 氏名 and 住所).
    pub format: Option<String>,
    /// Build the source again even if one of the last ten minutes is kept.
    #[serde(default)]
    pub refresh: bool,
}

/// The screen's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct EucView {
    pub sql: String,
    pub on: NaiveDate,
    /// When the source was built (the data are as they stood then).
    pub built_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub counts: euc::Counts,
    pub columns: Vec<String>,
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub rows: Vec<Vec<euc::Cell>>,
    /// Every row that matched (the screen shows at most 500).
    pub total: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Out {
    Screen,
    Csv,
    CsvSjis,
    Xml,
    Pdf,
    Labels,
}

impl Out {
    fn label(self) -> &'static str {
        match self {
            Out::Screen => "画面",
            Out::Csv => "CSV",
            Out::CsvSjis => "CSV(Shift_JIS)",
            Out::Xml => "XML",
            Out::Pdf => "一覧PDF",
            Out::Labels => "宛名シール",
        }
    }
}

fn file(body: Vec<u8>, ctype: &'static str, name: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(name));
    res
}

/// The source for this caller and date: the kept one, or a new one (one build at a
/// time per server). A build not done within the wait answers E-EUC-007 and goes on.
async fn source(
    state: &AppState,
    p: &Principal,
    on: NaiveDate,
    refresh: bool,
) -> R<Arc<Mutex<Source>>> {
    let key: Key = (p.tenant, on, p.hidden.clone());
    let deadline = tokio::time::Instant::now() + state.euc.wait;
    let fresh_enough = !refresh;
    loop {
        if fresh_enough && let Some(s) = state.euc.cached(&key) {
            return Ok(s);
        }
        let (theirs, mut outcome) = start_or_join(state, &key)?;
        // Wait for the build under way (ours, or another's before ours).
        let done = tokio::time::timeout_at(deadline, outcome.wait_for(Option::is_some)).await;
        let told = match done {
            Ok(Ok(told)) => told.clone(),
            Ok(Err(_)) => return Err(poisoned()),
            Err(_) => return Err(building()),
        };
        match told {
            Some(Ok(s)) if theirs == key => return Ok(s),
            Some(Err(())) if theirs == key => {
                return Err(unusable(
                    "EUCのデータソースを作成できませんでした。もう一度お試しください",
                ));
            }
            // Another's build is done: ours is next.
            _ => continue,
        }
    }
}

/// The build under way (its key and outcome), or a new one for `key` started.
fn start_or_join(state: &AppState, key: &Key) -> R<Building> {
    let mut building = state.euc.building.lock().map_err(|_| poisoned())?;
    if let Some((k, rx)) = &*building
        && rx.borrow().is_none()
    {
        return Ok((k.clone(), rx.clone()));
    }
    let (tx, rx) = tokio::sync::watch::channel(None);
    *building = Some((key.clone(), rx.clone()));
    let today = state.clock.today();
    // The build writes hundreds of thousands of rows into SQLite: it runs on a thread
    // of its own at the lowest priority (9.1), so the runtime's workers and the
    // processors stay free for the counter's requests.
    let (store, sources) = (state.store.clone(), state.euc.clone());
    let (tenant, on, hidden) = (key.0, key.1, key.2.clone());
    let kept = key.clone();
    tokio::spawn(async move {
        let built =
            kikan_app::background::at_low_priority(tokio::runtime::Handle::current(), async move {
                euc::build(&*store, tenant, on, today, &hidden).await
            })
            .await;
        let told = match built {
            Some(Ok(source)) => {
                let s = Arc::new(Mutex::new(source));
                sources.keep(kept, s.clone());
                Ok(s)
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, "EUC data source not built");
                Err(())
            }
            None => Err(()),
        };
        let _ = tx.send(Some(told));
    });
    Ok((key.clone(), rx))
}

/// E-EUC-007: the source is being built; the same request made again later takes it.
fn building() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "E-EUC-007",
        "EUCのデータソースを作成しています(住民数が多いと数分かかります)。しばらくしてから、もう一度抽出してください",
    )
}

/// E-EUC-006: the source could not be built or cannot be used.
fn unusable(message: &str) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "E-EUC-006", message)
}

fn poisoned() -> ApiError {
    unusable("EUCのデータソースを使えません。もう一度お試しください")
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/euc/query", tag = "residents",
    request_body = EucIn, params(("tenant" = String, Path)),
    responses((status = 200, description = "EUC (10.1): runs the wizard's query (or one SELECT) on the data source as of the 基準日 (tables 住民, 除票, 異動履歴, 交付履歴; 支援措置 subjects without addresses; hidden items absent) and answers the screen (SQL, first 500 rows, count), CSV in UTF-8 or Shift_JIS (unmappable characters as 〓, counted in X-Kikan-Unmapped), XML, a list PDF or 宛名シール; the count in X-Kikan-Rows; purpose required, audited with the SQL", body = EucView),
        (status = 422, body = crate::error::ErrorBody),
        (status = 503, description = "E-EUC-007: the data source is being built (a large city's takes minutes); the build goes on and the same request made again takes it", body = crate::error::ErrorBody)))]
pub async fn query(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<EucIn>,
) -> R<Response> {
    p.purpose()?;
    let today = state.clock.today();
    let on = match input.on.as_deref().map(str::trim) {
        None | Some("") => today,
        Some(t) => date_in(t, "on")?,
    };
    if on > today {
        return Err(ApiError::from(DomainError::InvalidDate(on.to_string())).at("on"));
    }
    let out = match input.format.as_deref().map(str::trim) {
        None | Some("" | "json") => Out::Screen,
        Some("csv") => Out::Csv,
        Some("csv_sjis") => Out::CsvSjis,
        Some("xml") => Out::Xml,
        Some("pdf") => Out::Pdf,
        Some("labels") => Out::Labels,
        Some(other) => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "出力形式",
                value: other.to_string(),
            })
            .at("format"));
        }
    };
    let sql = match (&input.wizard, input.sql.as_deref().map(str::trim)) {
        (Some(w), _) => w
            .sql(&p.hidden)
            .map_err(|e| ApiError::from(e).at("wizard"))?,
        (None, Some(s)) if !s.is_empty() => s.to_string(),
        _ => {
            return Err(ApiError::from(DomainError::Missing {
                field: "抽出条件"
            })
            .at("sql"));
        }
    };
    let source = source(&state, &p, on, input.refresh).await?;
    let limits = Limits {
        rows: if matches!(out, Out::Pdf | Out::Labels) {
            PDF_ROWS
        } else {
            Limits::default().rows
        },
        ..Limits::default()
    };
    let run_sql = sql.clone();
    let (result, built_at, counts) = tokio::task::spawn_blocking(move || {
        let s = source.lock().map_err(|_| poisoned())?;
        let x = s.query(&run_sql, limits).map_err(ApiError::from)?;
        Ok::<_, ApiError>((x, s.built_at, s.counts.clone()))
    })
    .await
    .map_err(|_| poisoned())??;
    let total = result.rows.len();
    audit(
        &state,
        &p,
        "euc.query",
        vec![],
        format!(
            "EUC抽出: 基準日 {on} {total}件 {} SQL: {}",
            out.label(),
            sql.chars().take(2000).collect::<String>()
        ),
    )
    .await?;
    let mut res = match out {
        Out::Screen => {
            let mut rows = result.rows;
            rows.truncate(SCREEN_ROWS);
            Json(EucView {
                sql,
                on,
                built_at,
                counts,
                columns: result.columns,
                rows,
                total,
            })
            .into_response()
        }
        Out::Csv => {
            let mut body = "\u{feff}".to_string();
            body.push_str(&euc::csv(&result));
            file(
                body.into_bytes(),
                "text/csv; charset=utf-8",
                "attachment; filename=\"euc.csv\"",
            )
        }
        Out::CsvSjis => {
            let (bytes, unmapped) = kikan_app::text::encode_shift_jis(&euc::csv(&result));
            let mut res = file(
                bytes,
                "text/csv; charset=shift_jis",
                "attachment; filename=\"euc-sjis.csv\"",
            );
            res.headers_mut()
                .insert("x-kikan-unmapped", HeaderValue::from(unmapped));
            res
        }
        Out::Xml => file(
            euc::xml(&result, on).into_bytes(),
            "application/xml; charset=utf-8",
            "attachment; filename=\"euc.xml\"",
        ),
        Out::Pdf => {
            let font = font(&state).await?;
            let n = result.columns.len().max(1);
            let list = kikan_cert::List {
                title: "EUC抽出".into(),
                about: vec![format!("基準日 {on}　{total}件")],
                headings: result.columns.clone(),
                widths: vec![1.0 / n as f32; n],
                rows: result
                    .rows
                    .iter()
                    .map(|r| r.iter().map(euc::Cell::text).collect())
                    .collect(),
            };
            let rendered = blocking(move || Ok(kikan_cert::render_list(&font, &list)?)).await?;
            pdf_named(rendered, "euc.pdf")?
        }
        Out::Labels => {
            let labels = labels(&result)?;
            let font = font(&state).await?;
            let rendered = blocking(move || Ok(kikan_cert::render_labels(&font, &labels)?)).await?;
            pdf_named(rendered, "euc-labels.pdf")?
        }
    };
    res.headers_mut()
        .insert("x-kikan-rows", HeaderValue::from(total));
    Ok(res)
}

/// 宛名形式: one label per row with a 住所 (a 支援措置 subject has none and gets none).
fn labels(x: &Extraction) -> R<Vec<kikan_cert::Label>> {
    let at = |name: &str| x.columns.iter().position(|c| c == name);
    let (Some(name), Some(address)) = (at("氏名"), at("住所")) else {
        return Err(ApiError::from(DomainError::EucQuery {
            reason: "宛名形式には項目「氏名」と「住所」が必要です".into(),
        })
        .at("format"));
    };
    let postal = at("住所の郵便番号").or_else(|| at("郵便番号"));
    let katagaki = at("方書");
    Ok(x.rows
        .iter()
        .filter_map(|r| {
            let addr = r[address].text();
            if addr.is_empty() {
                return None;
            }
            let addr = match katagaki.map(|k| r[k].text()) {
                Some(k) if !k.is_empty() => format!("{addr}　{k}"),
                _ => addr,
            };
            Some(kikan_cert::Label {
                postal_code: postal.map(|i| r[i].text()).filter(|s| !s.is_empty()),
                address: addr,
                name: r[name].text(),
            })
        })
        .collect())
}
