//! Certificates over HTTP: preview, issue, re-print, the issuance register and
//! verification of a 照合番号. The work is `kikan_cert::issue`'s; this module parses,
//! authorises the 支援措置 approval, audits and answers with the PDF.

use crate::AppState;
use crate::auth::Principal;
use crate::dto::date_in;
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use crate::printing;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use kikan_app::certificates::{self, CertificateIn, FieldError, PrepareError};
use kikan_cert::issue::{self, IssueError, Prepared};
use kikan_cert::{CertError, CertFont, Rendered};
use kikan_domain::PersonId;
use kikan_domain::certificate::{CertificateKind, Item};
use kikan_store::certificates::{Certificate, CertificateQuery};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

impl From<IssueError> for ApiError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Domain(d) => d.into(),
            IssueError::Store(s) => s.into(),
            IssueError::Cert(c) => cert_error(c),
            IssueError::Refused { .. } | IssueError::NeedsApproval { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, e.code(), e.to_string())
            }
            IssueError::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string())
            }
        }
    }
}

pub(crate) fn cert_error(c: CertError) -> ApiError {
    match c {
        CertError::MissingGlyph { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, c.code(), c.to_string())
        }
        CertError::Font(_) | CertError::Pdf(_) => {
            tracing::error!(code = c.code(), cause = %c, "certificate drawing failed");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, c.code(), c.to_string())
        }
    }
}

/// The certificate font, loaded on first use and then shared.
pub(crate) async fn font(state: &AppState) -> R<Arc<CertFont>> {
    let path = state.cert_font_path.clone();
    state
        .cert_font
        .get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || CertFont::load(&path))
                .await
                .map_err(|e| CertError::Font(e.to_string()))?
                .map(Arc::new)
        })
        .await
        .cloned()
        .map_err(cert_error)
}

/// Warnings for the names an entry records that the certificate font cannot print (a
/// variation sequence of another collection, a private-use 外字): staff hear of it at
/// entry, not at the counter when the certificate fails.
pub async fn print_warnings(state: &AppState, entry: &kikan_domain::LedgerEntry) -> Vec<String> {
    use kikan_domain::Change;
    let names: Vec<String> = match &entry.change {
        Change::MoveIn { persons, .. } => persons.iter().map(|p| p.name.full()).collect(),
        Change::Birth { person, .. } => vec![person.name.full()],
        Change::AliasRecord { alias, .. } => vec![alias.full()],
        _ => vec![],
    };
    if names.is_empty() {
        return vec![];
    }
    // Without the font (logged by `font`) there is nothing to check against.
    let Ok(font) = font(state).await else {
        return vec![];
    };
    names
        .iter()
        .filter_map(|n| font.check(n).err())
        .map(|e| format!("{e}。このままでは証明書を交付できません。文字を確認してください"))
        .collect()
}

/// Runs a drawing on the blocking pool (a certificate takes milliseconds of CPU).
/// A document the issuance register records (1.3.8: a 住民票コード通知票, a 閲覧用 一部の
/// 写し), made under a new 交付番号: `make` draws it with the number (the caller has
/// checked it can be drawn, so no number is lost) and gives its bytes and pages; the
/// register's record follows, with the staff member and the terminal.
pub(crate) async fn registered(
    state: &AppState,
    p: &Principal,
    doc: issue::Document,
    make: impl FnOnce(i64) -> Result<(Vec<u8>, u32), IssueError> + Send + 'static,
) -> R<(i64, Vec<u8>, u32)> {
    let serial = issue::reserve(&*state.store, p.tenant).await?;
    let (bytes, pages) = blocking(move || make(serial)).await?;
    let doc = issue::Document {
        place: p.terminal.clone(),
        ..doc
    };
    issue::register(
        &*state.store,
        p.tenant,
        serial,
        doc,
        &p.actor,
        pages,
        &bytes,
    )
    .await?;
    Ok((serial, bytes, pages))
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IssueError> + Send + 'static,
) -> R<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "E-CERT-012",
                e.to_string(),
            )
        })?
        .map_err(ApiError::from)
}

/// Runs an issue or a re-print (store calls around a drawing) on the blocking pool,
/// then appends its audit event.
pub(crate) async fn drawn<Fut>(
    state: &AppState,
    p: &Principal,
    action: &str,
    work: impl FnOnce(Arc<dyn kikan_store::Store>, Arc<CertFont>, String) -> Fut + Send + 'static,
    detail: impl FnOnce(&Certificate) -> String,
) -> R<(Certificate, Rendered)>
where
    Fut: std::future::Future<Output = Result<(Certificate, Rendered), IssueError>>,
{
    let font = font(state).await?;
    let store = state.store.clone();
    let staff = p.actor.clone();
    let handle = tokio::runtime::Handle::current();
    let (c, rendered) = blocking(move || handle.block_on(work(store, font, staff))).await?;
    let persons: Vec<i64> = c.persons().iter().map(|x| x.0).collect();
    let event = p
        .event(action, persons, detail(&c))
        .with_my_number(c.request.items.contains(&Item::IndividualNumber));
    state.store.append_audit(p.tenant, &[event]).await?;
    Ok((c, rendered))
}

// ---------- input ----------

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::from(e.error).at(e.field)
    }
}

impl From<PrepareError> for ApiError {
    fn from(e: PrepareError) -> Self {
        match e {
            PrepareError::Field(f) => f.into(),
            PrepareError::Issue(i) => i.into(),
        }
    }
}

/// Checks a request and builds its content (see `kikan_app::certificates::prepare`).
async fn prepare(state: &AppState, p: &Principal, input: &CertificateIn) -> R<Prepared> {
    p.purpose()?;
    Ok(certificates::prepare(&*state.store, &p.actor(), input, state.clock.today()).await?)
}

pub(crate) fn pdf_response(r: Rendered, c: Option<&Certificate>) -> R<Response> {
    let name = match c {
        Some(c) => format!("certificate-{:06}.pdf", c.serial),
        None => "preview.pdf".to_string(),
    };
    let mut res = pdf_named(r, &name)?;
    if let Some(c) = c {
        let h = res.headers_mut();
        h.insert("x-kikan-certificate-serial", HeaderValue::from(c.serial));
        if let Ok(v) = HeaderValue::from_str(&c.code) {
            h.insert("x-kikan-verification-code", v);
        }
        overflow_alert(&mut res, c.content.overflow.len());
    }
    Ok(res)
}

/// 文字溢れ (5.8): the alert, as the count of values that did not fit (their list is the
/// register's 文字超過リスト).
fn overflow_alert(res: &mut Response, count: usize) {
    if count > 0 {
        res.headers_mut()
            .insert("x-kikan-overflow", HeaderValue::from(count));
    }
}

/// A PDF answered inline under `name`, with its page count.
pub(crate) fn pdf_named(r: Rendered, name: &str) -> R<Response> {
    let mut res = Response::new(Body::from(r.pdf));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    let disposition =
        HeaderValue::from_str(&format!("inline; filename=\"{name}\"")).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "E-CERT-012",
                e.to_string(),
            )
        })?;
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert("x-kikan-pages", HeaderValue::from(r.pages));
    Ok(res)
}

pub(crate) fn describe(c: &Certificate) -> String {
    let r = &c.request;
    let who = r.requester.kind.map(|k| k.label()).unwrap_or_default();
    let items: Vec<&str> = c.content.items.iter().map(|i| i.label()).collect();
    format!(
        "{} 第{:06}号 {}通 請求者: {}{} 使用目的: {} 本人確認: {} 記載事項: {}",
        c.content.title,
        c.serial,
        r.copies,
        who,
        r.requester
            .name
            .as_deref()
            .map(|n| format!("({n})"))
            .unwrap_or_default(),
        r.purpose,
        r.identity_check,
        items.join("・")
    )
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certificates/preview", tag = "certificates",
    request_body = CertificateIn, params(("tenant" = String, Path)),
    responses((status = 200, description = "The certificate as a PDF marked 見本 (nothing issued)", content_type = "application/pdf"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<CertificateIn>,
) -> R<Response> {
    let prepared = prepare(&state, &p, &input).await?;
    let font = font(&state).await?;
    let persons: Vec<i64> = prepared.request.persons.iter().map(|x| x.0).collect();
    let detail = format!("{}の見本を表示", prepared.content.title);
    let my_number = prepared.request.items.contains(&Item::IndividualNumber);
    let (rendered, overflow) = blocking(move || issue::preview(&font, &prepared)).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event("certificate.preview", persons, detail)
                .with_my_number(my_number)],
        )
        .await?;
    let mut res = pdf_response(rendered, None)?;
    overflow_alert(&mut res, overflow.len());
    Ok(res)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certificates", tag = "certificates",
    request_body = CertificateIn, params(("tenant" = String, Path)),
    responses((status = 201, description = "The issued certificate as a PDF, every copy with its own 交付番号 (one after the other: the first and last in X-Kikan-Certificate-Serial and X-Kikan-Certificate-Last-Serial) and 照合番号 (the first copy's in X-Kikan-Verification-Code); with `output`, printed on that printer and tray (10.7) and the print answered as JSON with the same headers", content((printing::PdfDocument = "application/pdf"), (printing::Printed = "application/json"))),
        (status = 502, description = "E-PRINT-004: the printer refused the job; the certificate is recorded (re-print it or record its 処分)", body = ErrorBody),
        (status = 503, description = "E-PRINT-003: the printer does not take jobs now or lacks the tray; nothing recorded", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 423, description = "抑止 (3.1): an error-level suppression holds this processing for a person or household concerned (E-SUPPRESS-001 異動入力, -002 証明書発行, -003 照会)", body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<CertificateIn>,
) -> R<Response> {
    let mut prepared = prepare(&state, &p, &input).await?;
    prepared.place = p.terminal.clone();
    // 印刷 (10.7): the printer and tray chosen; its number is part of the 発行番号.
    let target = printing::Target::chosen(&state, &p, input.output.as_ref()).await?;
    prepared.printer = target.as_ref().map(|t| t.printer.id);
    let persons: Vec<i64> = prepared.request.persons.iter().map(|x| x.0).collect();
    let tenant = p.tenant;
    // One 交付番号 per copy, in a row (5.5).
    let copies = i64::from(prepared.request.copies.max(1));
    let issued = || {
        drawn(
            &state,
            &p,
            "certificate.issue",
            move |store, font, staff| async move {
                issue::issue(store.as_ref(), &font, tenant, prepared, &staff).await
            },
            move |c| format!("{}{}", describe(c), numbers(c, copies)),
        )
    };
    let Some(target) = target else {
        let (c, rendered) = issued().await?;
        let mut res = pdf_response(rendered, Some(&c))?;
        *res.status_mut() = StatusCode::CREATED;
        res.headers_mut().insert(
            "x-kikan-certificate-last-serial",
            HeaderValue::from(c.serial + copies - 1),
        );
        return Ok(res);
    };
    let (printed, c) = printing::print(&state, &p, &target, persons, || async {
        let (c, rendered) = issued().await?;
        Ok(printing::Drawn {
            what: format!(
                "{} 第{:06}号{}",
                c.content.title,
                c.serial,
                numbers(&c, copies)
            ),
            pdf: rendered.pdf,
            pages: rendered.pages,
            extra: c,
        })
    })
    .await?;
    Ok(printed.response(c.serial, c.serial + copies - 1, &c.code))
}

/// 「（2通: 第000123号〜第000124号）」 for more than one copy.
fn numbers(c: &Certificate, copies: i64) -> String {
    if copies > 1 {
        format!(
            "（{copies}通: 第{:06}号〜第{:06}号）",
            c.serial,
            c.serial + copies - 1
        )
    } else {
        String::new()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReprintIn {
    /// 再印刷の理由 (用紙詰まり, 汚損 …).
    pub reason: String,
    /// 印刷 (10.7): printed by kikan on this printer and tray; without it, the PDF.
    #[serde(default)]
    pub output: Option<printing::OutputIn>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certificates/{serial}/reprint", tag = "certificates",
    request_body = ReprintIn, params(("tenant" = String, Path), ("serial" = i64, Path)),
    responses((status = 200, description = "The same certificate again (same serial and 照合番号); with `output`, printed on that printer and tray (10.7) and the print answered as JSON", content((printing::PdfDocument = "application/pdf"), (printing::Printed = "application/json"))),
        (status = 502, description = "E-PRINT-004: the printer refused the job (the re-print is recorded)", body = ErrorBody),
        (status = 503, description = "E-PRINT-003: the printer does not take jobs now or lacks the tray; nothing recorded", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "E-CERT-041: recorded as 処分 (1.3.8)", body = ErrorBody)))]
pub async fn reprint(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<ReprintIn>,
) -> R<Response> {
    let serial = path.1;
    p.purpose()?;
    certificates::may_reprint(&*state.store, &p.actor(), serial, state.clock.today()).await?;
    let tenant = p.tenant;
    let target = printing::Target::chosen(&state, &p, input.output.as_ref()).await?;
    let reason = input.reason;
    let reprinted = || {
        drawn(
            &state,
            &p,
            "certificate.reprint",
            move |store, font, staff| async move {
                issue::reprint(store.as_ref(), &font, tenant, serial, &staff, &reason).await
            },
            |c| format!("{} 第{:06}号を再印刷", c.content.title, c.serial),
        )
    };
    let Some(target) = target else {
        let (c, rendered) = reprinted().await?;
        return pdf_response(rendered, Some(&c));
    };
    let persons = match state.store.certificate(p.tenant, serial).await? {
        Some(c) => c.persons().iter().map(|x| x.0).collect(),
        None => vec![],
    };
    let (printed, c) = printing::print(&state, &p, &target, persons, || async {
        let (c, rendered) = reprinted().await?;
        Ok(printing::Drawn {
            what: format!("{} 第{:06}号(再印刷)", c.content.title, c.serial),
            pdf: rendered.pdf,
            pages: rendered.pages,
            extra: c,
        })
    })
    .await?;
    let mut res = printed.response(c.serial, c.serial, &c.code);
    *res.status_mut() = StatusCode::OK;
    Ok(res)
}

/// 処分 of a certificate issued in error (1.3.8).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DisposeIn {
    /// Why it was destroyed (誤って交付したため回収・廃棄 …).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certificates/{serial}/dispose", tag = "certificates",
    request_body = DisposeIn, params(("tenant" = String, Path), ("serial" = i64, Path)),
    responses((status = 200, description = "処分情報 (1.3.8) recorded: the certificate was issued in error and destroyed; the register shows it, the 照合番号 answers that it is not valid, and it is not printed again", body = CertificateView),
        (status = 404, body = ErrorBody), (status = 422, description = "E-CERT-041: already disposed of; E-INPUT-001: no reason", body = ErrorBody)))]
pub async fn dispose(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<DisposeIn>,
) -> R<axum::Json<CertificateView>> {
    let serial = path.1;
    p.purpose()?;
    issue::dispose(&*state.store, p.tenant, serial, &p.actor, &input.reason)
        .await
        .map_err(|e| ApiError::from(e).at("reason"))?;
    let c = state
        .store
        .certificate(p.tenant, serial)
        .await?
        .ok_or(IssueError::NotFound(serial))?;
    crate::routes::audit(
        &state,
        &p,
        "certificate.dispose",
        c.persons().iter().map(|x| x.0).collect(),
        format!(
            "{} 第{serial:06}号の処分({})",
            c.content.title,
            input.reason.trim()
        ),
    )
    .await?;
    Ok(axum::Json(view(&c)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certificates/{serial}/reissue", tag = "certificates",
    request_body = ReprintIn, params(("tenant" = String, Path), ("serial" = i64, Path)),
    responses((status = 201, description = "再交付 of a 転出証明書 or 転出証明書に準ずる証明書 (4.1.3.0.3): a new 交付番号 and 照合番号, marked 再交付, printing what the first issue printed", content_type = "application/pdf"),
        (status = 404, body = ErrorBody), (status = 422, description = "E-CERT-003: not a 転出証明書", body = ErrorBody)))]
pub async fn reissue(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<ReprintIn>,
) -> R<Response> {
    let serial = path.1;
    p.purpose()?;
    // It shows again what was printed: the 支援措置 rule of a re-print.
    certificates::may_reprint(&*state.store, &p.actor(), serial, state.clock.today()).await?;
    let tenant = state.store.registered_tenant(p.tenant).await?;
    let today = state.clock.today();
    let (c, rendered) = drawn(
        &state,
        &p,
        "certificate.reissue",
        move |store, font, staff| async move {
            issue::reissue(
                store.as_ref(),
                &font,
                &tenant,
                serial,
                &staff,
                &input.reason,
                today,
            )
            .await
        },
        move |c| {
            format!(
                "{} 第{:06}号(第{serial:06}号の再交付)",
                c.content.title, c.serial
            )
        },
    )
    .await?;
    let mut res = pdf_response(rendered, Some(&c))?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

// ---------- the register ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReprintView {
    pub at: String,
    pub staff: String,
    pub reason: String,
}

/// 処分情報 (1.3.8): the certificate was issued in error and destroyed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisposalView {
    pub at: String,
    pub staff: String,
    pub reason: String,
}

/// One line of the issuance register (証明書交付簿).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub serial: i64,
    /// 照合番号.
    pub code: String,
    pub issued_at: String,
    pub staff: String,
    /// 交付場所: the terminal and place it was issued at (`terminal@place`), when known.
    pub place: Option<String>,
    pub kind: String,
    pub title: String,
    pub layout: String,
    pub persons: Vec<PersonRef>,
    pub requester_kind: String,
    pub requester_name: Option<String>,
    pub requester_reason: Option<String>,
    pub purpose: String,
    pub identity_check: String,
    /// The items printed (labels).
    pub items: Vec<String>,
    pub copies: u32,
    /// 手数料 (円).
    pub fee: u32,
    pub fee_exempt: Option<String>,
    pub pages: u32,
    pub support: Option<String>,
    pub pdf_sha256: String,
    pub reprints: Vec<ReprintView>,
    /// 処分情報 (1.3.8), when it was recorded.
    pub disposed: Option<DisposalView>,
    /// 文字溢れ (5.8): the values that did not fit, whole and as printed.
    pub overflow: Vec<OverflowView>,
    /// What a document other than a certificate lists (a 閲覧用 写し's 抽出条件 and 件数),
    /// as `label: value` lines.
    pub about: Vec<String>,
    /// 印刷 (10.7): the printer kikan printed it on (プリンタ001), when it did.
    pub printer: Option<String>,
}

/// A value too long for its box (the 文字超過リスト, 5.8 and 10.7).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverflowView {
    pub label: String,
    pub value: String,
    pub printed: String,
}

fn view(c: &Certificate) -> CertificateView {
    let names = c
        .content
        .entries
        .iter()
        .map(|e| PersonRef {
            id: e.person_id.0,
            name: e
                .fields
                .iter()
                .find(|f| f.label == Item::Name.label())
                .map(|f| f.value.clone())
                .unwrap_or_default(),
        })
        .collect();
    let r = &c.request;
    CertificateView {
        serial: c.serial,
        code: c.code.clone(),
        issued_at: c.issued_at.to_rfc3339(),
        staff: c.staff.clone(),
        place: c.place.clone(),
        kind: c.content.kind.code().into(),
        title: c.content.title.clone(),
        layout: c.content.layout.label().into(),
        persons: names,
        requester_kind: r
            .requester
            .kind
            .map(|k| k.label())
            .unwrap_or_default()
            .into(),
        requester_name: r.requester.name.clone(),
        requester_reason: r.requester.reason.clone(),
        purpose: r.purpose.clone(),
        identity_check: r.identity_check.clone(),
        items: c
            .content
            .items
            .iter()
            .map(|i| i.label().to_string())
            .collect(),
        copies: r.copies,
        fee: c.fee,
        fee_exempt: r.fee_exempt.clone(),
        pages: c.pages,
        support: c.support.clone(),
        pdf_sha256: c.pdf_sha256.clone(),
        reprints: c
            .reprints
            .iter()
            .filter(|x| !x.disposed)
            .map(|x| ReprintView {
                at: x.at.to_rfc3339(),
                staff: x.staff.clone(),
                reason: x.reason.clone(),
            })
            .collect(),
        about: if c.content.kind.register_only() {
            c.content
                .header
                .iter()
                .map(|f| format!("{}: {}", f.label, f.value))
                .collect()
        } else {
            vec![]
        },
        printer: c.printer.map(kikan_domain::printer::Printer::number_label),
        disposed: c.disposal().map(|x| DisposalView {
            at: x.at.to_rfc3339(),
            staff: x.staff.clone(),
            reason: x.reason.clone(),
        }),
        overflow: c
            .content
            .overflow
            .iter()
            .map(|o| OverflowView {
                label: o.label.clone(),
                value: o.value.clone(),
                printed: o.printed.clone(),
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterParams {
    /// Issued on or after (和暦 or 西暦).
    pub from: Option<String>,
    /// Issued on or before.
    pub to: Option<String>,
    pub person: Option<i64>,
    pub staff: Option<String>,
    pub kind: Option<String>,
    /// Only those where a value did not fit (文字超過リスト, 5.8), among the latest
    /// `limit` matching.
    pub overflow: Option<bool>,
    /// 1.3.8's other items (2.2.2), among the latest `limit` matching: 交付場所 or 端末
    /// (part of `terminal@place`), a 記載事項 printed (its code or label), 枚数, 発行番号,
    /// 処分情報 (true: only those disposed of, false: none of them).
    pub place: Option<String>,
    pub item: Option<String>,
    pub copies: Option<u32>,
    pub serial: Option<i64>,
    pub disposed: Option<bool>,
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/certificates", tag = "certificates",
    params(("tenant" = String, Path), RegisterParams),
    responses((status = 200, body = Vec<CertificateView>),
        (status = 422, description = "An impossible date, or a kind or 記載事項 not known (E-DATE-001, E-CODE-005)", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<RegisterParams>,
) -> R<axum::Json<Vec<CertificateView>>> {
    p.purpose()?;
    let kind = q
        .kind
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|k| {
            CertificateKind::parse(k)
                .map(|k| k.code().to_string())
                .map_err(|e| ApiError::from(e).at("kind"))
        })
        .transpose()?;
    let query = CertificateQuery {
        from: q
            .from
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|d| date_in(d, "from"))
            .transpose()?,
        to: q
            .to
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|d| date_in(d, "to"))
            .transpose()?,
        person: q.person.map(PersonId),
        staff: q.staff.clone().filter(|s| !s.trim().is_empty()),
        kind,
        limit: q.limit.unwrap_or(100),
    };
    let mut found = state.store.certificates(p.tenant, &query).await?;
    if q.overflow == Some(true) {
        found.retain(|c| !c.content.overflow.is_empty());
    }
    let item = q
        .item
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|i| Item::parse(i).map_err(|e| ApiError::from(e).at("item")))
        .transpose()?;
    let place = q.place.as_deref().map(str::trim).filter(|s| !s.is_empty());
    found.retain(|c| {
        place.is_none_or(|w| c.place.as_deref().is_some_and(|x| x.contains(w)))
            && item.is_none_or(|i| c.content.items.contains(&i))
            && q.copies.is_none_or(|n| c.request.copies == n)
            && q.serial.is_none_or(|n| c.serial == n)
            && q.disposed.is_none_or(|d| c.disposal().is_some() == d)
    });
    let persons: Vec<i64> = found
        .iter()
        .flat_map(|c| c.persons().iter().map(|x| x.0))
        .collect();
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "certificate.register",
                persons,
                format!("証明書交付簿の検索({}件)", found.len()),
            )],
        )
        .await?;
    Ok(axum::Json(found.iter().map(view).collect()))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/certificates/{serial}", tag = "certificates",
    params(("tenant" = String, Path), ("serial" = i64, Path)),
    responses((status = 200, body = CertificateView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<axum::Json<CertificateView>> {
    let serial = path.1;
    p.purpose()?;
    let c = state
        .store
        .certificate(p.tenant, serial)
        .await?
        .ok_or(IssueError::NotFound(serial))?;
    let persons: Vec<i64> = c.persons().iter().map(|x| x.0).collect();
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "certificate.read",
                persons,
                format!("交付簿 第{serial:06}号の閲覧"),
            )],
        )
        .await?;
    Ok(axum::Json(view(&c)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyIn {
    /// 照合番号 as printed (hyphens and spaces are ignored).
    pub code: String,
    /// The SHA-256 (hex) of a PDF to compare with the one issued.
    pub pdf_sha256: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateVerifyView {
    /// Whether the code belongs to a certificate this municipality issued.
    pub genuine: bool,
    /// Whether the PDF given is the one issued, unaltered (absent: none given).
    pub pdf_matches: Option<bool>,
    pub message: String,
    /// The certificate as recorded, to compare with the paper.
    pub certificate: Option<CertificateView>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/certificates/verify", tag = "certificates",
    request_body = VerifyIn, params(("tenant" = String, Path)),
    responses((status = 200, body = CertificateVerifyView)))]
pub async fn verify(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<VerifyIn>,
) -> R<axum::Json<CertificateVerifyView>> {
    p.purpose()?;
    let found = issue::verify(
        state.store.as_ref(),
        p.tenant,
        &input.code,
        None,
        input.pdf_sha256.as_deref(),
    )
    .await?;
    let (persons, detail, out) = match found {
        None => (
            vec![],
            "照合番号の照会(該当なし)".to_string(),
            CertificateVerifyView {
                genuine: false,
                pdf_matches: None,
                message:
                    "この照合番号の証明書は交付されていません。偽造又は記載誤りの可能性があります"
                        .into(),
                certificate: None,
            },
        ),
        Some(v) => {
            let c = &v.certificate;
            let message = match v.pdf_matches {
                _ if c.disposal().is_some() => {
                    "交付された証明書ですが、誤って交付したため処分した記録があります(この証明書は有効ではありません)"
                }
                Some(false) => {
                    "交付された証明書ですが、PDFの内容が交付時と一致しません(改変の可能性があります)"
                }
                Some(true) => "交付された証明書で、PDFは交付時のものと一致します",
                None => "交付された証明書です。記載内容を交付簿の内容と照合してください",
            };
            (
                c.persons().iter().map(|x| x.0).collect(),
                format!("照合番号の照会 第{:06}号", c.serial),
                CertificateVerifyView {
                    genuine: c.disposal().is_none(),
                    pdf_matches: v.pdf_matches,
                    message: message.into(),
                    certificate: Some(view(c)),
                },
            )
        }
    };
    state
        .store
        .append_audit(p.tenant, &[p.event("certificate.verify", persons, detail)])
        .await?;
    Ok(axum::Json(out))
}

/// A person's card as the カード管理システム last reported it (7.1.1.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct CardStatusView {
    /// 個人番号カード or 住基カード.
    pub kind: Option<String>,
    /// Holds a valid card.
    pub holds: bool,
    /// 発行状況 as reported (交付済み, 一時停止, 廃止 …).
    pub status: Option<String>,
    pub expires_on: Option<String>,
    /// Who set it (the CS's report, a business system) and when.
    pub set_by: String,
    pub at: String,
}

/// 交付履歴照会 (2.2.2): what was issued about one person, and their card.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuanceHistoryView {
    /// The certificates naming the person (the issuance register, 1.3.8), newest first.
    pub certificates: Vec<CertificateView>,
    /// The 住民票コード通知票・変更通知票・修正通知票 drawn for the person (the access
    /// log's records of them: when, by whom, which), newest first.
    pub code_notices: Vec<IssuedNotice>,
    /// 個人番号カード・住基カードの交付状況; None when nothing was reported.
    pub card: Option<CardStatusView>,
}

/// A notice drawn for a person, as the access log keeps it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedNotice {
    pub at: String,
    pub staff: String,
    pub detail: String,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/persons/{id}/issuance-history", tag = "certificates",
    params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "交付履歴照会 (2.2.2): the certificates issued naming the person (the latest 500), the 住民票コード通知票 drawn for them, and their 個人番号カード・住基カード as last reported", body = IssuanceHistoryView),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn issuance_history(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
) -> R<axum::Json<IssuanceHistoryView>> {
    p.purpose()?;
    let id = PersonId(path.1);
    let person = kikan_app::letters::person(&*state.store, p.tenant, id).await?;
    crate::suppress::inquiry(&state, &p, &[&person]).await?;
    // The register answers 500 at most.
    let query = CertificateQuery {
        person: Some(id),
        limit: 500,
        ..Default::default()
    };
    let certificates = state.store.certificates(p.tenant, &query).await?;
    let code_notices = state
        .store
        .audit_for_person(p.tenant, id, 1000)
        .await?
        .iter()
        .filter_map(|r| r.event())
        .filter(|e| e.action == "letter.code_notice")
        .map(|e| IssuedNotice {
            at: e.at.to_rfc3339(),
            staff: e.actor,
            detail: e.detail,
        })
        .collect();
    let records = state.store.business_records(p.tenant, &[id]).await?;
    let card = kikan_domain::business::latest(&records)
        .into_iter()
        .find_map(|r| match &r.items {
            kikan_domain::business::BusinessItems::Card(c) => Some(CardStatusView {
                kind: c.kind.map(|k| k.label().to_string()),
                holds: c.holds,
                status: c.status.clone(),
                expires_on: c.expires_on.map(|d| d.to_string()),
                set_by: r.set_by.clone(),
                at: r.at.to_rfc3339(),
            }),
            _ => None,
        });
    crate::routes::audit(
        &state,
        &p,
        "certificate.history",
        vec![id.0],
        "交付履歴照会",
    )
    .await?;
    Ok(axum::Json(IssuanceHistoryView {
        certificates: certificates.iter().map(view).collect(),
        code_notices,
        card,
    }))
}
