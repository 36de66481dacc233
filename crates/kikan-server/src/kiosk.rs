//! コンビニ交付 (7.2.5, j1210): the 証明書交付センター's request for a certificate issued
//! at a terminal, under the scope `{system}:kiosk_certificates:issue` (see
//! `kikan_app::kiosk` for the rules and docs/integration.md for the boundary).

use crate::AppState;
use crate::auth::Principal;
use crate::certificates::{describe, drawn, pdf_response};
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use kikan_app::kiosk::{self, KioskRequest};
use kikan_cert::issue;

type R<T> = Result<T, ApiError>;

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/kiosk/certificates", tag = "link",
    request_body = KioskRequest, params(("tenant" = String, Path)),
    responses((status = 201, description = "The certificate as a PDF for the terminal to print, every copy with its own 交付番号 (X-Kikan-Certificate-Serial, X-Kikan-Certificate-Last-Serial) and 照合番号; recorded in the issuance register with the terminal as 交付場所", content_type = "application/pdf"),
        (status = 403, description = "E-KIOSK-002: only the counter may issue this (the reason is in the access log, not told); E-AUTH-012 without the scope", body = ErrorBody),
        (status = 404, description = "E-KIOSK-001: no current resident holds a card with this 利用者証明用電子証明書", body = ErrorBody),
        (status = 422, description = "E-KIOSK-003: a kind, item, number of copies or terminal a terminal does not take", body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<KioskRequest>,
) -> R<Response> {
    // Only the 証明書交付センター's client: the card and its PIN were verified there.
    if p.link.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "E-AUTH-011",
            "コンビニ交付は証明書交付センターの業務システムだけが要求できます(窓口は証明書の交付から)",
        ));
    }
    let prepared = kiosk::prepare(&*state.store, &p.actor(), &input, state.clock.today()).await?;
    let tenant = p.tenant;
    let copies = i64::from(prepared.request.copies.max(1));
    let (c, rendered) = drawn(
        &state,
        &p,
        "kiosk.issue",
        move |store, font, staff| async move {
            issue::issue(store.as_ref(), &font, tenant, prepared, &staff).await
        },
        move |c| format!("コンビニ交付 {}({}通)", describe(c), copies),
    )
    .await?;
    let mut res = pdf_response(rendered, Some(&c))?;
    *res.status_mut() = StatusCode::CREATED;
    res.headers_mut().insert(
        "x-kikan-certificate-last-serial",
        HeaderValue::from(c.serial + copies - 1),
    );
    Ok(res)
}
