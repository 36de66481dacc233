//! 電子申請 (7.2.5): the 署名用認証局 and its CRLs the municipality registers, and the check
//! of an application signed with a 署名用電子証明書 (see `kikan_app::e_application`).

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use kikan_app::e_application::{self, ApplicationForm, TrustItem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

#[derive(Debug, Serialize, ToSchema)]
pub struct TrustView {
    /// Registered 署名用認証局 certificates.
    pub authorities: Vec<TrustItem>,
    /// CRLs taken in (the newest of an authority decides).
    pub crls: Vec<TrustItem>,
}

async fn trust_view(state: &AppState, p: &Principal) -> R<TrustView> {
    let (authorities, crls) = e_application::trust(&*state.store, p.tenant).await?;
    Ok(TrustView { authorities, crls })
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/jpki", tag = "certificates",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The registered 署名用認証局 and the CRLs taken in (7.2.5)", body = TrustView)))]
pub async fn trust(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<TrustView>> {
    Ok(Json(trust_view(&state, &p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PemIn {
    /// The certificate or CRL, PEM.
    pub pem: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/jpki/authorities", tag = "certificates", request_body = PemIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Registered; the list", body = TrustView),
        (status = 422, description = "E-EAPP-001: not a certificate", body = ErrorBody)))]
pub async fn add_authority(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<PemIn>,
) -> R<Json<TrustView>> {
    let a = e_application::add_authority(&*state.store, p.tenant, &input.pem)
        .await
        .map_err(|e| ApiError::from(e).at("pem"))?;
    audit(
        &state,
        &p,
        "jpki.authority",
        vec![],
        format!("署名用認証局を登録: {}(有効期限 {})", a.name, a.until),
    )
    .await?;
    Ok(Json(trust_view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/jpki/crls", tag = "certificates", request_body = PemIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Taken in; the list", body = TrustView),
        (status = 422, description = "E-EAPP-003: not a CRL, or not signed by a registered authority", body = ErrorBody)))]
pub async fn add_crl(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<PemIn>,
) -> R<Json<TrustView>> {
    let c = e_application::add_crl(&*state.store, p.tenant, &input.pem)
        .await
        .map_err(|e| ApiError::from(e).at("pem"))?;
    audit(
        &state,
        &p,
        "jpki.crl",
        vec![],
        format!("失効リストを取込: {}(次回更新 {})", c.name, c.until),
    )
    .await?;
    Ok(Json(trust_view(&state, &p).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignedIn {
    /// The application as received (base64 of its bytes: the JSON form that was signed).
    pub document: String,
    /// The signature over those bytes (base64).
    pub signature: String,
    /// The signer's 署名用電子証明書 (PEM, or base64 of DER).
    pub certificate: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignerView {
    pub serial: String,
    pub issuer: String,
    pub not_after: String,
    pub name: String,
    /// YYYYMMDD, as the certificate writes it.
    pub birth: String,
    pub sex: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantView {
    pub id: i64,
    pub name: String,
    pub household_id: i64,
    pub address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedView {
    pub signer: SignerView,
    pub applicant: ApplicantView,
    /// The certificate's 住所 reads as the resident's (blanks and digit width aside).
    pub address_matches: bool,
    /// What was applied for.
    pub form: ApplicationForm,
    /// The request for `POST …/certificates`, ready for staff (who issue it and mail it
    /// to the registered address).
    pub request: serde_json::Value,
}

fn bytes(field: &'static str, text: &str) -> R<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "E-HTTP-400",
                format!("{field}をbase64として読めません({e})"),
            )
            .at(field)
        })
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/e-applications/verify", tag = "certificates", request_body = SignedIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The signature verified and the applicant found: the request for the counter (nothing issued)", body = VerifiedView),
        (status = 422, description = "E-EAPP-001 not a certificate, -002 not from a registered authority (or expired), -003 revoked or no current CRL, -004 the signature does not match the document, -005 no 基本4情報, -006 no single current resident or an unreadable form", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<SignedIn>,
) -> R<Json<VerifiedView>> {
    p.purpose()?;
    let document = bytes("document", &input.document)?;
    let signature = bytes("signature", &input.signature)?;
    let certificate = if input.certificate.contains("-----BEGIN") {
        input.certificate.clone().into_bytes()
    } else {
        bytes("certificate", &input.certificate)?
    };
    let v = e_application::verify(
        &*state.store,
        &p.actor(),
        &document,
        &signature,
        &certificate,
    )
    .await?;
    // A protected person's address is 審査's to see (支援措置): withheld from the answer.
    let shield = crate::support::Protection::of(&state, &p, &[v.person.id]).await?;
    let withheld = "(支援措置により表示しません)";
    let whole = v.form.whole_household;
    let request = serde_json::json!({
        "kind": v.form.kind,
        "layout": if whole { "household" } else { "individual" },
        "household_id": whole.then_some(v.person.household_id.0),
        "persons": if whole { vec![] } else { vec![v.person.id.0] },
        "items": v.form.items,
        "requester": {"kind": if whole { "same_household" } else { "self" }, "person_id": v.person.id.0},
        "purpose": if v.form.purpose.trim().is_empty() { "電子申請".to_string() } else { v.form.purpose.clone() },
        "identity_check": format!("公的個人認証(署名用電子証明書 {})", v.signer.serial),
        "copies": v.form.copies,
    });
    Ok(Json(VerifiedView {
        signer: SignerView {
            serial: v.signer.serial,
            issuer: v.signer.issuer,
            not_after: v.signer.not_after,
            name: v.signer.name,
            birth: v.signer.birth,
            sex: v.signer.sex,
            address: if shield.withholds() {
                v.signer.address.map(|_| withheld.to_string())
            } else {
                v.signer.address
            },
        },
        applicant: ApplicantView {
            id: v.person.id.0,
            name: v.person.name.full(),
            household_id: v.person.household_id.0,
            address: if shield.withholds() {
                withheld.to_string()
            } else {
                v.person.address.line()
            },
        },
        address_matches: v.address_matches,
        form: v.form,
        request,
    }))
}
