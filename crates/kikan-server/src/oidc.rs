//! Sign-in through the municipality's identity provider (OpenID Connect,
//! authorization code flow with PKCE). The provider must assert a second factor
//! (`amr`: mfa, otp, hwk, sc, swk or fpt), as the standard requires two factors for
//! systems that handle My Numbers; the account is found by the provider's subject,
//! which a 管理者 or the operator linked beforehand.

use crate::AppState;
use crate::accounts::open_session;
use crate::auth::ClientAddr;
use crate::error::{ApiError, ApiPath as Path, ApiQuery as Query, ErrorBody};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kikan_domain::LocalGovCode;
use kikan_security::{AuditEvent, Outcome};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use std::time::Duration;
use utoipa::IntoParams;

type R<T> = Result<T, ApiError>;

/// A sign-in started here and not yet finished at the provider.
pub struct Pending {
    tenant: LocalGovCode,
    nonce: String,
    verifier: String,
    started: std::time::Instant,
}

/// How long a sign-in may take at the provider.
const PENDING_FOR: Duration = Duration::from_secs(600);

/// Second factors the provider may assert (RFC 8176).
const SECOND_FACTORS: [&str; 6] = ["mfa", "otp", "hwk", "sc", "swk", "fpt"];

fn refused(code: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

fn provider_error(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "OIDC provider exchange failed");
    refused(
        "E-AUTH-013",
        "IDプロバイダでのログインを確認できませんでした。もう一度ログインしてください",
    )
}

/// A failed exchange with the provider over the network (discovery, the token
/// request): refused as any provider error, and written to the 通信ログ (10.2).
fn exchange_error(e: impl std::fmt::Display) -> ApiError {
    let text = e.to_string();
    provider_error(&text).talking_to(crate::commlog::Peer::IdentityProvider, text)
}

fn http_client() -> R<openidconnect::reqwest::Client> {
    openidconnect::reqwest::ClientBuilder::new()
        // Following redirects would open the exchange to request forgery.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(provider_error)
}

struct Provider {
    metadata: CoreProviderMetadata,
    client_id: String,
    client_secret: String,
    redirect_url: String,
}

async fn provider(
    state: &AppState,
    tenant: LocalGovCode,
    http: &openidconnect::reqwest::Client,
) -> R<Provider> {
    let p = state.store.oidc_provider(tenant).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "E-AUTH-012",
            "この団体ではIDプロバイダによるログインは設定されていません",
        )
    })?;
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(provider_error)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(exchange_error)?;
    let client_secret =
        state
            .keys
            .decrypt(&tenant.to_string(), "oidc.client_secret", &p.client_secret)?;
    Ok(Provider {
        metadata,
        client_id: p.client_id,
        client_secret,
        redirect_url: p.redirect_url,
    })
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/oidc/login", tag = "accounts",
    params(("tenant" = String, Path)),
    responses((status = 303, description = "To the identity provider"), (status = 404, body = ErrorBody),
        (status = 401, description = "No identity provider set for the municipality (E-AUTH-012), or it could not be reached (E-AUTH-013, written to the 通信ログ)", body = ErrorBody)))]
pub async fn login(State(state): State<AppState>, Path(code): Path<String>) -> R<Response> {
    let tenant = crate::routes::tenant(&state, &code).await?;
    let http = http_client()?;
    let p = provider(&state, tenant, &http).await?;
    let client = CoreClient::from_provider_metadata(
        p.metadata,
        ClientId::new(p.client_id),
        Some(ClientSecret::new(p.client_secret)),
    )
    .set_redirect_uri(RedirectUrl::new(p.redirect_url).map_err(provider_error)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("openid".into()))
        .set_pkce_challenge(challenge)
        .url();
    if let Ok(mut pending) = state.oidc.lock() {
        pending.retain(|_, p: &mut Pending| p.started.elapsed() < PENDING_FOR);
        pending.insert(
            csrf.secret().clone(),
            Pending {
                tenant,
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
                started: std::time::Instant::now(),
            },
        );
    }
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/oidc/callback", tag = "accounts",
    params(("tenant" = String, Path), CallbackParams),
    responses((status = 200, body = crate::accounts::LoginOut), (status = 401, body = ErrorBody)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddr(client_addr): ClientAddr,
    Query(q): Query<CallbackParams>,
) -> R<Response> {
    let tenant = crate::routes::tenant(&state, &code).await?;
    let denied = |actor: &str, detail: &str| AuditEvent {
        at: Utc::now(),
        actor: actor.into(),
        role: None,
        action: "login".into(),
        purpose: None,
        persons: vec![],
        detail: format!("IDプロバイダ: {detail}"),
        outcome: Outcome::Denied,
        client: client_addr.clone(),
        terminal: None,
        my_number: false,
    };
    let pending = q
        .state
        .as_deref()
        .and_then(|s| state.oidc.lock().ok().and_then(|mut m| m.remove(s)))
        .filter(|p| p.tenant == tenant && p.started.elapsed() < PENDING_FOR);
    let (Some(pending), Some(auth_code), None) = (pending, q.code.clone(), q.error.clone()) else {
        state
            .store
            .append_audit(tenant, &[denied("-", "不明または期限切れの応答")])
            .await?;
        return Err(refused(
            "E-AUTH-013",
            "IDプロバイダでのログインを確認できませんでした。もう一度ログインしてください",
        ));
    };
    let verified = async {
        let http = http_client()?;
        let p = provider(&state, tenant, &http).await?;
        let client = CoreClient::from_provider_metadata(
            p.metadata,
            ClientId::new(p.client_id),
            Some(ClientSecret::new(p.client_secret)),
        )
        .set_redirect_uri(RedirectUrl::new(p.redirect_url).map_err(provider_error)?);
        let token = client
            .exchange_code(AuthorizationCode::new(auth_code))
            .map_err(provider_error)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&http)
            .await
            .map_err(exchange_error)?;
        let id_token = token
            .id_token()
            .ok_or_else(|| provider_error("no ID token"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(provider_error)?;
        let subject = claims.subject().as_str().to_string();
        let second_factor = claims
            .auth_method_refs()
            .is_some_and(|amr| amr.iter().any(|m| SECOND_FACTORS.contains(&m.as_str())));
        Ok::<_, ApiError>((subject, second_factor))
    }
    .await;
    let (subject, second_factor) = match verified {
        Ok(v) => v,
        Err(e) => {
            state
                .store
                .append_audit(tenant, &[denied("-", "応答の検証に失敗")])
                .await?;
            return Err(e);
        }
    };
    if !second_factor {
        state
            .store
            .append_audit(
                tenant,
                &[denied(&format!("oidc:{subject}"), "二要素認証なし")],
            )
            .await?;
        return Err(refused(
            "E-AUTH-011",
            "IDプロバイダで二要素認証が行われていません。二要素認証でログインしてください",
        ));
    }
    let staff = match state.store.staff_by_oidc(tenant, &subject).await? {
        Some(s) if s.active && s.profile.usable_on(state.clock.today()) => s,
        _ => {
            state
                .store
                .append_audit(
                    tenant,
                    &[denied(
                        &format!("oidc:{subject}"),
                        "職員アカウントに紐付けなし",
                    )],
                )
                .await?;
            return Err(refused(
                "E-AUTH-014",
                "このIDは職員アカウントに紐付けられていません。管理者に連絡してください",
            ));
        }
    };
    let event = AuditEvent {
        at: Utc::now(),
        actor: staff.login.clone(),
        role: Some(staff.role.code().into()),
        action: "login".into(),
        purpose: None,
        persons: vec![],
        detail: "IDプロバイダでログイン".into(),
        outcome: Outcome::Ok,
        client: client_addr,
        terminal: None,
        my_number: false,
    };
    open_session(&state, tenant, &staff, event).await
}
