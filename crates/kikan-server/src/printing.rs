//! 印刷 (10.7, j1420): certificates printed by kikan on a registered printer and tray
//! (ホッパ), over IPP (RFC 8010/8011), instead of a PDF handed to the browser.
//!
//! The request is built and the answer read by the `ipp` crate and carried by reqwest
//! as `application/ipp` over HTTP. Before a 交付番号 is taken the printer is asked
//! (Get-Printer-Attributes) whether it accepts jobs and has the tray: a printer that is
//! off or stopped refuses the issue with nothing recorded (E-PRINT-003). The PDF then
//! goes as one Print-Job (`document-format` application/pdf, `media-col.media-source`
//! the tray, `job-name` the certificate and its numbers, `requesting-user-name` the staff
//! member): every print is in the access log with its printer, tray and job. A printer
//! that refuses the job after the certificate was recorded gives E-PRINT-004 naming the
//! 交付番号, for staff to re-print (to any printer) or record it 処分.
//!
//! The simulator ([`serve_simulator`], `kikan printer-simulator`) is an IPP printer for
//! the tests and the demonstration: it answers the same two operations and keeps each
//! job's document and attributes (in a folder, when given one).

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ipp::attribute::IppAttributeName;
use ipp::parser::IppParser;
use ipp::prelude::*;
use ipp::reader::IppReader;
use kikan_cert::settings;
use kikan_domain::DomainError;
use kikan_domain::printer::{Printer, Tray, http_uri};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

pub use kikan_app::certificates::OutputIn;

/// A printer and tray a document goes to.
#[derive(Debug, Clone)]
pub struct Target {
    pub printer: Printer,
    pub tray: Tray,
}

impl Target {
    /// The registered printer and tray an output names (E-PRINT-002 otherwise).
    pub async fn of(state: &AppState, p: &Principal, out: &OutputIn) -> R<Target> {
        let (printer, tray) =
            settings::printer_tray(&*state.store, p.tenant, out.printer, out.tray.as_deref())
                .await
                .map_err(|e| ApiError::from(e).at("output"))?;
        Ok(Target { printer, tray })
    }

    /// The printer and tray chosen, if any (a PDF for the browser otherwise).
    pub async fn chosen(
        state: &AppState,
        p: &Principal,
        out: Option<&OutputIn>,
    ) -> R<Option<Target>> {
        match out {
            Some(out) => Ok(Some(Target::of(state, p, out).await?)),
            None => Ok(None),
        }
    }

    /// 「プリンタ001 市民課 窓口1 トレー1」, as the access log and the answer give it.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {}",
            Printer::number_label(self.printer.id),
            self.printer.name,
            self.tray.label
        )
    }
}

/// What kept a document from the printer.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("プリンタに接続できません({0})")]
    Unreachable(String),
    #[error("プリンタの応答を読めません({0})")]
    Garbled(String),
    #[error("プリンタが受け付けませんでした(IPP状態 0x{status:04x}{message})")]
    Refused { status: u16, message: String },
    #[error("プリンタが停止しているか、ジョブを受け付けていません{0}")]
    NotReady(String),
    #[error("プリンタにトレー「{0}」がありません")]
    NoTray(String),
}

static CLIENT: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(|| {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())
});

/// Sends one IPP request to the printer and reads its answer.
async fn exchange(uri: &str, req: IppRequestResponse) -> Result<IppRequestResponse, PrintError> {
    let client = CLIENT
        .as_ref()
        .map_err(|e| PrintError::Unreachable(e.clone()))?;
    let url = http_uri(uri).map_err(|e| PrintError::Unreachable(e.to_string()))?;
    let mut body = Vec::new();
    req.into_read()
        .read_to_end(&mut body)
        .map_err(|e| PrintError::Garbled(e.to_string()))?;
    let answer = client
        .post(url)
        .header(header::CONTENT_TYPE, "application/ipp")
        .body(body)
        .send()
        .await
        .map_err(|e| PrintError::Unreachable(e.to_string()))?;
    if !answer.status().is_success() {
        return Err(PrintError::Unreachable(format!("HTTP {}", answer.status())));
    }
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| PrintError::Unreachable(e.to_string()))?;
    let parsed = IppParser::new(IppReader::new(Cursor::new(bytes.to_vec())))
        .parse()
        .map_err(|e| PrintError::Garbled(e.to_string()))?;
    let status = parsed.header().operation_or_status;
    if !parsed.header().status_code().is_success() {
        let message = attribute(&parsed, DelimiterTag::OperationAttributes, "status-message")
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        return Err(PrintError::Refused {
            status: status as u16,
            message,
        });
    }
    Ok(parsed)
}

fn ipp_uri(uri: &str) -> Result<Uri, PrintError> {
    uri.parse::<Uri>()
        .map_err(|e| PrintError::Unreachable(e.to_string()))
}

fn values(v: &IppValue) -> Vec<String> {
    match v {
        IppValue::Array(items) => items.iter().flat_map(values).collect(),
        other => vec![other.to_string()],
    }
}

fn attribute(r: &IppRequestResponse, group: DelimiterTag, name: &str) -> Option<String> {
    r.attributes()
        .groups_of(group)
        .find_map(|g| g.get(name))
        .map(|a| a.value().to_string())
}

/// Asks the printer whether it takes jobs and has the tray (before a number is taken).
pub async fn check(t: &Target) -> Result<(), PrintError> {
    let op = IppOperationBuilder::get_printer_attributes(ipp_uri(&t.printer.uri)?)
        .attributes([
            "printer-state",
            "printer-state-message",
            "printer-is-accepting-jobs",
            "media-source-supported",
        ])
        .build()
        .map_err(|e| PrintError::Garbled(e.to_string()))?;
    let answer = exchange(&t.printer.uri, op.into()).await?;
    let printer = |name: &str| {
        answer
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .find_map(|g| g.get(name))
            .map(|a| a.value().clone())
    };
    let message = printer("printer-state-message")
        .map(|m| format!("({m})"))
        .filter(|m| m != "()")
        .unwrap_or_default();
    if printer("printer-is-accepting-jobs") == Some(IppValue::Boolean(false))
        || printer("printer-state") == Some(IppValue::Enum(PrinterState::Stopped as i32))
    {
        return Err(PrintError::NotReady(message));
    }
    // A printer that does not list its sources is trusted with the keyword.
    if let Some(sources) = printer("media-source-supported")
        && !values(&sources).contains(&t.tray.keyword)
    {
        return Err(PrintError::NoTray(t.tray.keyword.clone()));
    }
    Ok(())
}

/// Sends a PDF as one Print-Job to the tray; the printer's job id.
pub async fn send(t: &Target, pdf: Vec<u8>, job_name: &str, user: &str) -> Result<i32, PrintError> {
    let mut media = BTreeMap::new();
    media.insert(
        "media-source".try_into().map_err(garbled)?,
        IppValue::new_keyword(t.tray.keyword.clone()).map_err(garbled)?,
    );
    let op =
        IppOperationBuilder::print_job(ipp_uri(&t.printer.uri)?, IppPayload::new(Cursor::new(pdf)))
            .user_name(user)
            .job_title(job_name)
            .document_format("application/pdf")
            .attribute(
                IppAttribute::with_name("media-col", IppValue::Collection(media))
                    .map_err(garbled)?,
            )
            .attribute(IppAttribute::new(
                IppAttributeName::COPIES,
                IppValue::Integer(1),
            ))
            .build()
            .map_err(garbled)?;
    let answer = exchange(&t.printer.uri, op.into()).await?;
    answer
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .find_map(|g| g.get("job-id"))
        .and_then(|a| a.value().as_integer().copied())
        .ok_or_else(|| PrintError::Garbled("job-idがありません".into()))
}

fn garbled(e: impl std::fmt::Display) -> PrintError {
    PrintError::Garbled(e.to_string())
}

/// E-PRINT-003: the printer cannot take the document now; nothing was recorded.
pub fn not_ready(t: &Target, e: &PrintError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "E-PRINT-003",
        format!(
            "{}に印刷できません: {e}。プリンタを確認するか、別のプリンタまたはPDFを選んでください(何も記録していません)",
            t.describe()
        ),
    )
    .at("output")
}

/// E-PRINT-004: the printer refused a document already recorded under `serials`.
pub fn not_printed(t: &Target, e: &PrintError, serials: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "E-PRINT-004",
        format!(
            "{}に送れませんでした: {e}。証明書は{serials}として記録されています。交付簿から再印刷するか、処分として記録してください",
            t.describe()
        ),
    )
    .at("output")
}

/// A drawn document for the printer: its bytes, pages, and what it is with its numbers
/// (「住民票の写し 第000123号」: the job's name and the access log's).
pub struct Drawn<T> {
    pub pdf: Vec<u8>,
    pub pages: u32,
    pub what: String,
    pub extra: T,
}

/// Checks the printer, draws (by `draw`, which records what it issues), sends, and logs
/// the print; the print and what `draw` gave beside the document.
pub async fn print<T, F, Fut>(
    state: &AppState,
    p: &Principal,
    t: &Target,
    persons: Vec<i64>,
    draw: F,
) -> R<(Printed, T)>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = R<Drawn<T>>>,
{
    check(t).await.map_err(|e| not_ready(t, &e))?;
    let Drawn {
        pdf,
        pages,
        what,
        extra,
    } = draw().await?;
    match send(t, pdf, &what, &p.actor).await {
        Ok(job) => {
            audit(
                state,
                p,
                "print",
                persons,
                format!("{what} を{}に印刷 (ジョブ{job}, {pages}頁)", t.describe()),
            )
            .await?;
            Ok((
                Printed {
                    printer: t.printer.id,
                    printer_name: t.printer.name.clone(),
                    tray: t.tray.label.clone(),
                    job,
                    pages,
                    document: what,
                },
                extra,
            ))
        }
        Err(e) => {
            audit(
                state,
                p,
                "print.failed",
                persons,
                format!("{what} を{}に送れませんでした: {e}", t.describe()),
            )
            .await?;
            Err(not_printed(t, &e, &what))
        }
    }
}

/// A PDF document (the body of an answer that is one).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfDocument(pub Vec<u8>);

/// A document kikan printed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Printed {
    /// The printer's number.
    pub printer: i64,
    pub printer_name: String,
    /// The tray's label.
    pub tray: String,
    /// The printer's job id.
    pub job: i32,
    pub pages: u32,
    /// The document and its numbers (「住民票の写し 第000123号」).
    pub document: String,
}

impl Printed {
    /// 201 with the print, headers as a PDF answer has them.
    pub fn response(self, first: i64, last: i64, code: &str) -> Response {
        let mut res = (StatusCode::CREATED, axum::Json(self)).into_response();
        let h = res.headers_mut();
        h.insert("x-kikan-certificate-serial", HeaderValue::from(first));
        h.insert("x-kikan-certificate-last-serial", HeaderValue::from(last));
        if let Ok(v) = HeaderValue::from_str(code) {
            h.insert("x-kikan-verification-code", v);
        }
        res
    }
}

// ---------- registration ----------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrayIn {
    /// The IPP `media-source` keyword (`tray-1`).
    pub keyword: String,
    /// The label staff see.
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PrinterIn {
    /// 0 or absent: a new printer under the next number; else the printer corrected.
    #[serde(default)]
    pub id: i64,
    pub name: String,
    /// `ipp://host/ipp/print`, `ipps://…`, or its `http(s)://` form.
    pub uri: String,
    pub trays: Vec<TrayIn>,
    /// Terminals (codes) whose certificates go to it by default.
    #[serde(default)]
    pub terminals: Vec<String>,
    #[serde(default = "yes")]
    pub in_use: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrinterView {
    pub id: i64,
    /// プリンタ001.
    pub number: String,
    pub name: String,
    pub uri: String,
    pub trays: Vec<TrayIn>,
    pub terminals: Vec<String>,
    pub in_use: bool,
}

pub fn view(p: &Printer) -> PrinterView {
    PrinterView {
        id: p.id,
        number: Printer::number_label(p.id),
        name: p.name.clone(),
        uri: p.uri.clone(),
        trays: p
            .trays
            .iter()
            .map(|t| TrayIn {
                keyword: t.keyword.clone(),
                label: t.label.clone(),
            })
            .collect(),
        terminals: p.terminals.clone(),
        in_use: p.in_use,
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/printers", tag = "certificates",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The registered printers and their trays (10.7)", body = Vec<PrinterView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<PrinterView>>> {
    let all = settings::printers(&*state.store, p.tenant).await?;
    Ok(Json(all.iter().map(view).collect()))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/printers", tag = "certificates", request_body = PrinterIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered (or corrected); the printers", body = Vec<PrinterView>),
        (status = 422, description = "E-PRINT-001: a name, address, number or tray that cannot be kept", body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<PrinterIn>,
) -> R<Json<Vec<PrinterView>>> {
    let all = settings::printers(&*state.store, p.tenant).await?;
    if input.id != 0 && !all.iter().any(|x| x.id == input.id) {
        return Err(ApiError::from(DomainError::NoPrinter {
            what: Printer::number_label(input.id),
        })
        .at("id"));
    }
    let printer = Printer {
        id: input.id,
        name: input.name,
        uri: input.uri,
        trays: input
            .trays
            .into_iter()
            .map(|t| Tray {
                keyword: t.keyword,
                label: t.label,
            })
            .collect(),
        terminals: input.terminals,
        in_use: input.in_use,
    };
    let saved = settings::put_printer(&*state.store, p.tenant, printer).await?;
    audit(
        &state,
        &p,
        "printer.put",
        vec![],
        format!(
            "{} {} {} トレー: {}{}",
            Printer::number_label(saved.id),
            saved.name,
            saved.uri,
            saved
                .trays
                .iter()
                .map(|t| format!("{}={}", t.keyword, t.label))
                .collect::<Vec<_>>()
                .join(", "),
            if saved.in_use { "" } else { " (使用停止)" }
        ),
    )
    .await?;
    let all = settings::printers(&*state.store, p.tenant).await?;
    Ok(Json(all.iter().map(view).collect()))
}

// ---------- simulator ----------

/// A job the simulated printer took.
#[derive(Debug, Clone, Serialize)]
pub struct SimJob {
    pub id: i32,
    pub user: String,
    pub name: String,
    pub format: String,
    pub media_source: String,
    pub copies: i32,
    #[serde(skip)]
    pub document: Vec<u8>,
}

/// What the simulated printer is and holds.
#[derive(Debug, Default)]
pub struct SimPrinter {
    /// Its trays (`media-source-supported`).
    pub trays: Vec<String>,
    /// Stopped: answers Get-Printer-Attributes as not accepting jobs.
    pub stopped: bool,
    /// Refuses Print-Job (client-error-not-possible), as a printer out of paper.
    pub refuse_jobs: bool,
    pub jobs: Vec<SimJob>,
    /// Where each job's document and attributes are written, when set.
    pub dir: Option<PathBuf>,
}

pub type SimHandle = Arc<Mutex<SimPrinter>>;

/// An HTTP refusal of the simulator (not IPP at all, or an answer it cannot build).
type Fault = (StatusCode, String);

fn ipp_answer(status: ipp::model::StatusCode, id: i32) -> Result<IppRequestResponse, Fault> {
    IppRequestResponse::new_response(IppVersion::v1_1(), status, id)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

fn ipp_bytes(r: IppRequestResponse) -> Response {
    let mut res = Response::new(axum::body::Body::from(r.to_bytes()));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/ipp"),
    );
    res
}

async fn sim_answer(State(sim): State<SimHandle>, body: Bytes) -> Response {
    sim_exchange(&sim, body).unwrap_or_else(|fault| fault.into_response())
}

fn sim_exchange(sim: &SimHandle, body: Bytes) -> Result<Response, Fault> {
    let Ok(req) = IppParser::new(IppReader::new(Cursor::new(body.to_vec()))).parse() else {
        return Err((StatusCode::BAD_REQUEST, "not IPP".into()));
    };
    let id = req.header().request_id;
    let op = req.header().operation_or_status;
    let op_attr = |name: &str| attribute(&req, DelimiterTag::OperationAttributes, name);
    let mut guard = match sim.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if op == Operation::GetPrinterAttributes as i16 {
        let mut r = ipp_answer(ipp::model::StatusCode::SuccessfulOk, id)?;
        let attrs = r.attributes_mut();
        let state = if guard.stopped {
            PrinterState::Stopped
        } else {
            PrinterState::Idle
        };
        let sources: Vec<IppValue> = guard
            .trays
            .iter()
            .filter_map(|t| IppValue::new_keyword(t.clone()).ok())
            .collect();
        for (name, value) in [
            ("printer-state", IppValue::Enum(state as i32)),
            (
                "printer-is-accepting-jobs",
                IppValue::Boolean(!guard.stopped),
            ),
            ("media-source-supported", IppValue::Array(sources)),
        ] {
            if let Ok(a) = IppAttribute::with_name(name, value) {
                attrs.add(DelimiterTag::PrinterAttributes, a);
            }
        }
        if guard.stopped
            && let Ok(v) = IppValue::new_text_without_language("用紙切れ")
            && let Ok(a) = IppAttribute::with_name("printer-state-message", v)
        {
            attrs.add(DelimiterTag::PrinterAttributes, a);
        }
        return Ok(ipp_bytes(r));
    }
    if op != Operation::PrintJob as i16 {
        return Ok(ipp_bytes(ipp_answer(
            ipp::model::StatusCode::ServerErrorOperationNotSupported,
            id,
        )?));
    }
    if guard.stopped || guard.refuse_jobs {
        return Ok(ipp_bytes(ipp_answer(
            ipp::model::StatusCode::ClientErrorNotPossible,
            id,
        )?));
    }
    let media_source = req
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .find_map(|g| g.get("media-col"))
        .and_then(|a| a.value().as_collection().cloned())
        .and_then(|c| {
            c.iter()
                .find(|(k, _)| k.as_str() == "media-source")
                .map(|(_, v)| v.to_string())
        })
        .unwrap_or_default();
    let copies = req
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .find_map(|g| g.get("copies"))
        .and_then(|a| a.value().as_integer().copied())
        .unwrap_or(1);
    let mut job = SimJob {
        id: guard.jobs.len() as i32 + 1,
        user: op_attr("requesting-user-name").unwrap_or_default(),
        name: op_attr("job-name").unwrap_or_default(),
        format: op_attr("document-format").unwrap_or_default(),
        media_source,
        copies,
        document: vec![],
    };
    if req.into_payload().read_to_end(&mut job.document).is_err() {
        return Ok(ipp_bytes(ipp_answer(
            ipp::model::StatusCode::ClientErrorBadRequest,
            id,
        )?));
    }
    if let Some(dir) = &guard.dir {
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(format!("job-{:04}.pdf", job.id)), &job.document);
        if let Ok(json) = serde_json::to_string_pretty(&job) {
            let _ = std::fs::write(dir.join(format!("job-{:04}.json", job.id)), json);
        }
    }
    let mut r = ipp_answer(ipp::model::StatusCode::SuccessfulOk, id)?;
    for (name, value) in [
        ("job-id", IppValue::Integer(job.id)),
        ("job-state", IppValue::Enum(JobState::Completed as i32)),
    ] {
        if let Ok(a) = IppAttribute::with_name(name, value) {
            r.attributes_mut().add(DelimiterTag::JobAttributes, a);
        }
    }
    guard.jobs.push(job);
    Ok(ipp_bytes(r))
}

/// The simulated printer's IPP endpoint (any path).
pub fn simulator(sim: SimHandle) -> Router {
    Router::new()
        .fallback(axum::routing::post(sim_answer))
        .with_state(sim)
}

/// Serves the simulated printer on `listener` until the process ends.
pub async fn serve_simulator(
    listener: tokio::net::TcpListener,
    sim: SimHandle,
) -> Result<(), String> {
    axum::serve(listener, simulator(sim))
        .await
        .map_err(|e| e.to_string())
}
