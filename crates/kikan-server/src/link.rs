//! 庁内データ連携 (7.1.2.3, 7.2.3): the token endpoint of the OAuth 2.0 client-credentials
//! grant, the registration of business systems as clients, and the 団体内統合宛名 records
//! (the 宛名 items, the 世帯 of 法第7条第4号 and, for a 個人番号利用事務, the 個人番号).
//!
//! A business system reads `GET …/residents` (scope `…:residents:read`), `GET
//! …/feed/changes` (`…:changes:read`) and `GET …/atena`, `GET …/atena/changes`
//! (`…:atena:read`, the number with `…:individual_number:read`); its token opens nothing
//! else (see `auth::Policy::Scoped`).

use crate::AppState;
use crate::auth::{ClientAddr, Principal};
use crate::cs::{FeedQuery, Published, Views, published};
use crate::dto::{NameView, PersonView};
use crate::error::{ApiError, ApiJson as Json, ErrorBody};
use crate::routes::audit;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kikan_app::link::{self, Credentials, Decision, IssueError, LinkClient, TokenError};
use kikan_domain::{HouseholdId, Person, PersonId};
use kikan_security::link::{Resource, scope_text};
use kikan_security::{AuditEvent, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

/// A token request (application/x-www-form-urlencoded, RFC 6749 §4.4.2).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: Option<String>,
    /// The scopes asked for, space-separated (`業務システムID:リソース名:操作名`); none: all
    /// the registration allows.
    pub scope: Option<String>,
    /// The client id (optional with an assertion, whose `iss` names it).
    pub client_id: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    pub client_assertion_type: Option<String>,
    /// The `client_secret_jwt` assertion.
    pub client_assertion: Option<String>,
    /// Refused: the secret is never sent in the body (client_secret_post).
    pub client_secret: Option<String>,
}

/// The token given (RFC 6749 §5.1): a bearer token, short-lived, never with a refresh token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// A refusal of the token endpoint (RFC 6749 §5.2), with kikan's code and message.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unauthorized_client`, `invalid_scope`,
    /// `unsupported_grant_type`.
    pub error: String,
    pub error_description: String,
    /// Stable code (`E-OAUTH-00n`).
    pub code: String,
    /// The same description, as every kikan error carries it.
    pub message: String,
}

fn oauth_error(e: &TokenError, basic: bool) -> Response {
    let status = match e {
        TokenError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = OAuthErrorBody {
        error: e.oauth().into(),
        error_description: e.to_string(),
        code: e.code().into(),
        message: e.to_string(),
    };
    let mut res = (status, axum::Json(body)).into_response();
    res.extensions_mut()
        .insert(crate::metrics::ErrorCode(e.code().into()));
    if basic && status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"kikan\""),
        );
    }
    res
}

/// The credentials of a token request: an assertion in the body or HTTP Basic.
fn credentials(headers: &HeaderMap, form: &TokenRequest) -> Result<Credentials, TokenError> {
    use base64::Engine;
    if form.client_secret.is_some() {
        return Err(TokenError::InvalidRequest(
            "client_secret を本文で送ることはできません(client_secret_jwt または Basic 認証)"
                .into(),
        ));
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    match (basic, &form.client_assertion) {
        (Some(_), Some(_)) => Err(TokenError::InvalidRequest(
            "クライアント認証の方法は一つにしてください".into(),
        )),
        (Some(b), None) => {
            // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| TokenError::InvalidClient("Basic 認証を読み取れません".into()))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| TokenError::InvalidClient("Basic 認証を読み取れません".into()))?;
            let un = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| TokenError::InvalidClient("Basic 認証を読み取れません".into()))
            };
            Ok(Credentials::Basic {
                client_id: un(id)?,
                secret: un(secret)?,
            })
        }
        (None, Some(assertion)) => {
            if form.client_assertion_type.as_deref() != Some(kikan_security::link::ASSERTION_TYPE) {
                return Err(TokenError::InvalidRequest(format!(
                    "client_assertion_type は {} にしてください",
                    kikan_security::link::ASSERTION_TYPE
                )));
            }
            Ok(Credentials::Assertion {
                client_id: form.client_id.clone(),
                assertion: assertion.clone(),
            })
        }
        (None, None) => Err(TokenError::InvalidClient(
            "クライアント認証がありません(client_secret_jwt または Basic 認証)".into(),
        )),
    }
}

/// This municipality's token endpoint, which an assertion must name as its audience.
pub fn token_path(tenant: &str) -> String {
    format!("/api/v1/tenants/{tenant}/oauth/token")
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/oauth/token", tag = "link",
    params(("tenant" = String, Path)),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token for the scopes granted (no refresh token)", body = TokenResponse),
        (status = 400, description = "invalid_request, unauthorized_client, invalid_scope or unsupported_grant_type (E-OAUTH-001, 003–005)", body = OAuthErrorBody),
        (status = 401, description = "invalid_client: unknown, revoked, a wrong secret or assertion, or an assertion used before (E-OAUTH-002)", body = OAuthErrorBody),
        (status = 404, description = "No such municipality", body = ErrorBody),
        (status = 429, description = "Too many failed client authentications from this source (E-AUTH-015)", body = ErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    form: Result<axum::Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> R<Response> {
    let tenant = crate::routes::tenant(&state, &code).await?;
    let source = addr.clone().unwrap_or_else(|| "-".into());
    let basic = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes().starts_with(b"Basic "));
    let event = |actor: &str, outcome: Outcome, detail: String| AuditEvent {
        at: Utc::now(),
        actor: actor.to_string(),
        role: Some(kikan_security::Role::System.code().into()),
        action: "link.token".into(),
        purpose: None,
        persons: vec![],
        detail,
        outcome,
        client: addr.clone(),
        terminal: None,
        my_number: false,
    };
    match state.sign_ins.attempt(tenant, &source) {
        crate::auth::Attempt::Allowed => {}
        limited => {
            if limited == crate::auth::Attempt::JustLimited {
                let detail =
                    "クライアント認証の失敗が続いたため、この接続元からの要求を制限".into();
                state
                    .store
                    .append_audit(tenant, &[event("-", Outcome::Denied, detail)])
                    .await?;
            }
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "E-AUTH-015",
                "認証の失敗が続いています。しばらく待ってから再度お試しください",
            ));
        }
    }
    let form = match form {
        Ok(axum::Form(f)) => f,
        Err(_) => {
            let e = TokenError::InvalidRequest(
                "要求を読み取れません(application/x-www-form-urlencoded で送ってください)".into(),
            );
            return Ok(oauth_error(&e, basic));
        }
    };
    let asked = async {
        if form.grant_type.as_deref() != Some("client_credentials") {
            return Err(IssueError::Token(TokenError::UnsupportedGrantType));
        }
        let credentials = credentials(&headers, &form)?;
        link::issue(
            &*state.store,
            tenant,
            credentials,
            form.scope.as_deref(),
            &token_path(&code),
            Utc::now(),
        )
        .await
    };
    match asked.await {
        Ok(issued) => {
            let scope = scope_text(&issued.scopes);
            state
                .store
                .append_audit(
                    tenant,
                    &[event(
                        &format!("client:{}", issued.client.client_id),
                        Outcome::Ok,
                        format!(
                            "業務システム「{}」({})にアクセストークンを発行: {scope}",
                            issued.client.name, issued.client.system_id
                        ),
                    )],
                )
                .await?;
            let mut res = axum::Json(TokenResponse {
                access_token: issued.access_token,
                token_type: "Bearer".into(),
                expires_in: issued.expires_in,
                scope,
            })
            .into_response();
            res.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            Ok(res)
        }
        Err(IssueError::Store(e)) => Err(e.into()),
        Err(IssueError::Token(e)) => {
            if matches!(e, TokenError::InvalidClient(_)) {
                state.sign_ins.failed(tenant, &source);
            }
            let who = form
                .client_id
                .clone()
                .or_else(|| {
                    form.client_assertion
                        .as_deref()
                        .and_then(kikan_security::link::assertion_issuer)
                })
                .map(|c| format!("client:{}", c.chars().take(80).collect::<String>()))
                .unwrap_or_else(|| "-".into());
            state
                .store
                .append_audit(
                    tenant,
                    &[event(
                        &who,
                        Outcome::Denied,
                        format!("アクセストークンの発行を拒否({}): {e}", e.code()),
                    )],
                )
                .await?;
            Ok(oauth_error(&e, basic))
        }
    }
}

/// A business system to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientIn {
    /// 業務システムID (1–32 ASCII letters, digits, `-`, `_`): the first part of its scopes.
    pub system_id: String,
    /// 業務システム名.
    pub name: String,
    /// 利用目的, recorded with each read that states none.
    pub purpose: String,
    /// 個人番号利用事務 (only such a system may read 個人番号).
    #[serde(default)]
    pub number_use: bool,
    /// Allow HTTP Basic as an interim (client_secret_jwt is always allowed).
    #[serde(default)]
    pub allow_basic: bool,
    /// What it may read: `residents`, `changes`, `atena`, `individual_number` (or their
    /// Japanese names).
    pub resources: Vec<String>,
}

/// A registered business system (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub system_id: String,
    pub name: String,
    pub purpose: String,
    pub number_use: bool,
    pub allow_basic: bool,
    /// The scopes it may be given.
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub approved_by: Option<String>,
    /// 承認待ち: it gets no token until someone who may approve access lets it in.
    pub awaiting_approval: bool,
    pub revoked: bool,
}

/// A registration or a new secret: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientSecretOut {
    pub client: ClientView,
    pub client_secret: String,
    /// Where the system asks for tokens (and the audience of its assertions).
    pub token_endpoint: String,
}

impl ClientView {
    pub fn of(c: &LinkClient, staff: &[kikan_store::accounts::StaffAccount]) -> Self {
        let login = |id: Option<i64>| {
            id.and_then(|id| staff.iter().find(|s| s.id == id))
                .map(|s| s.login.clone())
        };
        ClientView {
            client_id: c.client_id.clone(),
            system_id: c.system_id.clone(),
            name: c.name.clone(),
            purpose: c.purpose.clone(),
            number_use: c.number_use,
            allow_basic: c.allow_basic,
            scopes: c.scopes().iter().map(ToString::to_string).collect(),
            created_at: c.created_at,
            created_by: login(c.created_by),
            approved_by: login(c.approved_by),
            awaiting_approval: c.awaiting_approval(),
            revoked: c.revoked,
        }
    }
}

async fn view(state: &AppState, p: &Principal, c: &LinkClient) -> R<ClientView> {
    Ok(ClientView::of(c, &state.store.staff_list(p.tenant).await?))
}

fn resources_in(names: &[String]) -> R<BTreeSet<Resource>> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            Resource::parse(n.trim()).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "E-CODE-007",
                    format!("「{n}」は参照できる情報ではありません(residents・changes・atena・individual_number)"),
                )
                .at(format!("resources[{i}]"))
            })
        })
        .collect()
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/link/clients", tag = "link", request_body = ClientIn,
    params(("tenant" = String, Path)),
    responses((status = 201, description = "Registered, awaiting approval; the secret is shown this once", body = ClientSecretOut),
        (status = 422, description = "A malformed 業務システムID, a missing name or purpose, an unknown resource, or 個人番号 for a system that is not a 個人番号利用事務 (E-INPUT-001, E-INPUT-003, E-CODE-007)", body = ErrorBody)))]
pub async fn add_client(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<ClientIn>,
) -> R<(StatusCode, Json<ClientSecretOut>)> {
    let new = link::NewClient {
        system_id: input.system_id.trim(),
        name: &input.name,
        purpose: &input.purpose,
        number_use: input.number_use,
        allow_basic: input.allow_basic,
        resources: resources_in(&input.resources)?,
        created_by: p.staff_id,
    };
    let c = link::register(&*state.store, p.tenant, new).await?;
    audit(
        &state,
        &p,
        "link.client.add",
        vec![],
        format!(
            "業務システム「{}」({})を登録(承認待ち): {}{}",
            c.name,
            c.client_id,
            scope_text(&c.scopes()),
            if c.allow_basic {
                "、Basic認証を許可"
            } else {
                ""
            }
        ),
    )
    .await?;
    let out = ClientSecretOut {
        client: view(&state, &p, &c).await?,
        client_secret: c.secret.clone(),
        token_endpoint: token_path(&p.tenant.as_str()),
    };
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/link/clients", tag = "link",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Every registered business system", body = Vec<ClientView>)))]
pub async fn list_clients(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<ClientView>>> {
    let staff = state.store.staff_list(p.tenant).await?;
    Ok(Json(
        link::clients(&*state.store, p.tenant)
            .await?
            .iter()
            .map(|c| ClientView::of(c, &staff))
            .collect(),
    ))
}

async fn decide(
    state: &AppState,
    p: &Principal,
    id: &str,
    decision: Decision,
    what: &str,
) -> R<LinkClient> {
    let c = link::decide(&*state.store, p.tenant, id, decision)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "E-LINK-001",
                format!("{what}できる業務システム({id})がありません(未登録、承認済み・取消済み、または自分で登録したもの)"),
            )
        })?;
    audit(
        state,
        p,
        "link.client.decide",
        vec![],
        format!("業務システム「{}」({})を{what}", c.name, c.client_id),
    )
    .await?;
    Ok(c)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/link/clients/{id}/approve", tag = "link",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "Let in: it may now get tokens", body = ClientView),
        (status = 404, description = "No registration awaiting approval by this id, or one the approver registered (E-LINK-001)", body = ErrorBody)))]
pub async fn approve_client(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<ClientView>> {
    let approver = p.staff_id.ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "E-AUTH-003",
            "承認は職員のアカウントで行ってください",
        )
    })?;
    let c = decide(&state, &p, &path.1, Decision::Approve { approver }, "承認").await?;
    Ok(Json(view(&state, &p, &c).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/link/clients/{id}/revoke", tag = "link",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "Revoked: its tokens end at once", body = ClientView),
        (status = 404, description = "No such business system (E-LINK-001)", body = ErrorBody)))]
pub async fn revoke_client(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<ClientView>> {
    let c = decide(&state, &p, &path.1, Decision::Revoke, "取消").await?;
    Ok(Json(view(&state, &p, &c).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/link/clients/{id}/secret", tag = "link",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "A new secret, shown this once; the old one and its tokens end", body = ClientSecretOut),
        (status = 404, description = "No such business system, or revoked (E-LINK-001)", body = ErrorBody)))]
pub async fn new_secret(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<ClientSecretOut>> {
    let c = decide(&state, &p, &path.1, Decision::NewSecret, "秘密鍵の再発行").await?;
    Ok(Json(ClientSecretOut {
        client: view(&state, &p, &c).await?,
        client_secret: c.secret.clone(),
        token_endpoint: token_path(&p.tenant.as_str()),
    }))
}

/// 世帯主 of a person's household (法第7条第4号).
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadView {
    /// The head's 宛名番号.
    pub atena_number: i64,
    pub name: NameView,
}

/// A person as the 団体内統合宛名 function takes them (7.1.2.3): the record, the 世帯主
/// (None: 世帯主未設定, or the person is the head), and the 個人番号 for a 個人番号利用事務.
#[derive(Debug, Serialize, ToSchema)]
pub struct AtenaRecord {
    /// 宛名番号: the person's number in this registry (the 団体内統合宛名番号 is the
    /// 宛名 system's own and is never taken in).
    pub atena_number: i64,
    pub person: PersonView,
    pub head: Option<HeadView>,
    /// 個人番号: only with the `individual_number` scope of a 個人番号利用事務.
    pub individual_number: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AtenaQuery {
    /// The date (和暦 or 西暦); today when absent.
    pub as_of: Option<String>,
    /// Continue after this 宛名番号 (paging).
    pub after: Option<i64>,
    /// Page size (1–10000, default 1000).
    pub limit: Option<u32>,
}

/// The 団体内統合宛名 records of these persons, as the caller may see them.
async fn atena_records(state: &AppState, p: &Principal, records: &[Person]) -> R<Vec<AtenaRecord>> {
    let views = Views::load(state, p, records).await?;
    let mut households: Vec<HouseholdId> = records.iter().map(|r| r.household_id).collect();
    households.sort();
    households.dedup();
    let households = state.store.households(p.tenant, &households).await?;
    let mut head_ids: Vec<PersonId> = households.iter().filter_map(|h| h.head).collect();
    head_ids.sort();
    head_ids.dedup();
    let heads = state.store.persons(p.tenant, &head_ids).await?;
    let head_views = Views::load(state, p, &heads).await?;
    let numbers = p
        .link
        .as_ref()
        .is_some_and(|l| l.number_use && l.may(Resource::IndividualNumber));
    let refs: Vec<&Person> = records.iter().collect();
    Ok(views
        .of(&refs)
        .into_iter()
        .zip(records)
        .map(|(person, r)| {
            let head = households
                .iter()
                .find(|h| h.id == r.household_id)
                .and_then(|h| h.head)
                .filter(|h| *h != r.id)
                .and_then(|h| heads.iter().find(|x| x.id == h))
                .map(|h| HeadView {
                    atena_number: h.id.0,
                    name: head_views
                        .of(&[h])
                        .into_iter()
                        .next()
                        .map(|v| v.name)
                        .unwrap_or(NameView {
                            family: String::new(),
                            given: String::new(),
                            full: String::new(),
                        }),
                });
            AtenaRecord {
                atena_number: r.id.0,
                person,
                head,
                individual_number: numbers
                    .then(|| r.individual_number.as_ref().map(|n| n.as_str().to_string()))
                    .flatten(),
            }
        })
        .collect())
}

/// Audits a read of 団体内統合宛名 records (marked as a 個人番号 read when numbers went out).
async fn audit_atena(
    state: &AppState,
    p: &Principal,
    action: &str,
    records: &[AtenaRecord],
    persons: Vec<i64>,
    detail: String,
) -> R<()> {
    let mut event = p.event(action, persons, detail);
    event.my_number = records.iter().any(|r| r.individual_number.is_some());
    state.store.append_audit(p.tenant, &[event]).await?;
    Ok(())
}

/// A page of the 団体内統合宛名 records.
#[derive(Debug, Serialize, ToSchema)]
pub struct AtenaPage {
    pub records: Vec<AtenaRecord>,
    /// Ask with `after` set to this for the next page (None: this was the last).
    pub next_after: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/atena", tag = "link",
    params(("tenant" = String, Path), AtenaQuery),
    responses((status = 200, description = "団体内統合宛名 (7.1.2.3), 全件: every resident on the date by 宛名番号, with the 世帯主 and, for a 個人番号利用事務, the 個人番号", body = AtenaPage),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody),
        (status = 422, description = "An impossible date (E-DATE-001)", body = ErrorBody)))]
pub async fn atena(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AtenaQuery>,
) -> R<Json<AtenaPage>> {
    p.purpose()?;
    let on = match &q.as_of {
        Some(d) => crate::dto::date_in(d, "as_of")?,
        None => state.clock.today(),
    };
    let limit = q.limit.unwrap_or(1000).clamp(1, 10_000);
    let rows = state
        .store
        .residents_as_of(p.tenant, on, q.after.map(PersonId), limit)
        .await?;
    let records = atena_records(&state, &p, &rows).await?;
    let detail = match (rows.first(), rows.last()) {
        (Some(a), Some(b)) => format!(
            "団体内統合宛名(全件): {on} 時点の住民 {} 人(ID {}〜{})",
            rows.len(),
            a.id,
            b.id
        ),
        _ => format!("団体内統合宛名(全件): {on} 時点の住民 0 人"),
    };
    audit_atena(&state, &p, "link.atena", &records, vec![], detail).await?;
    let next_after = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id.0))
        .flatten();
    Ok(Json(AtenaPage {
        records,
        next_after,
    }))
}

/// One change of the 団体内統合宛名 feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AtenaChange {
    /// The entry's number: the cursor after it.
    pub seq: i64,
    pub reason: String,
    pub effective_on: String,
    pub recorded_at: String,
    /// The 宛名番号 of every person it changed.
    pub atena_numbers: Vec<i64>,
    /// Their records as they stand now; a person changed again later in the page is
    /// given with that later change only.
    pub records: Vec<AtenaRecord>,
}

/// A page of the 団体内統合宛名 feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AtenaChanges {
    pub changes: Vec<AtenaChange>,
    /// The cursor to ask with next.
    pub next: i64,
    /// リアルタイム, or the minutes between publications (準リアルタイム).
    pub interval_minutes: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/atena/changes", tag = "link",
    params(("tenant" = String, Path), FeedQuery),
    responses((status = 200, description = "団体内統合宛名 (7.1.2.3), 異動差分: the changes after the cursor, each with the records it changed as they stand", body = AtenaChanges),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody)))]
pub async fn atena_changes(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<FeedQuery>,
) -> R<Json<AtenaChanges>> {
    let page = published(&state, &p, &q).await?;
    let people = state.store.persons(p.tenant, &page.ids).await?;
    let all = atena_records(&state, &p, &people).await?;
    audit_atena(
        &state,
        &p,
        "link.atena.changes",
        &all,
        page.ids.iter().map(|i| i.0).collect(),
        page.detail("団体内統合宛名(異動差分)"),
    )
    .await?;
    let Published {
        entries,
        next,
        interval,
        ..
    } = page;
    let mut by_id: std::collections::HashMap<i64, AtenaRecord> =
        all.into_iter().map(|r| (r.atena_number, r)).collect();
    // A person changed by several entries of the page is given with the last of them.
    let mut last: std::collections::HashMap<i64, i64> = Default::default();
    for e in &entries {
        for id in kikan_domain::cs::persons_concerned(e) {
            last.insert(id.0, e.seq);
        }
    }
    let changes = entries
        .iter()
        .map(|e| AtenaChange {
            seq: e.seq,
            reason: e.reason().label().into(),
            effective_on: e.effective_on.to_string(),
            recorded_at: e.recorded_at.to_rfc3339(),
            atena_numbers: kikan_domain::cs::persons_concerned(e)
                .iter()
                .map(|id| id.0)
                .collect(),
            records: kikan_domain::cs::persons_concerned(e)
                .iter()
                .filter(|id| last.get(&id.0) == Some(&e.seq))
                .filter_map(|id| by_id.remove(&id.0))
                .collect(),
        })
        .collect();
    Ok(Json(AtenaChanges {
        changes,
        next,
        interval_minutes: interval,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HoldsQuery {
    /// Only those set or released after this time (RFC 3339): the feed's cursor.
    pub changed_since: Option<DateTime<Utc>>,
}

/// 証明書発行抑止 (3.1) as other systems see it: set or released. Neither its reason
/// nor a 一時解除 is given: the one may be a 支援措置, the other must not be taken for a
/// release.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuanceHold {
    pub suppression: i64,
    /// The 宛名番号 of the persons it holds now (a household's: its current members).
    pub atena_numbers: Vec<i64>,
    /// error (issue nothing) or alert (issue at a counter, with the alert shown).
    pub level: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    /// 解除: holds no more from this day.
    pub released_on: Option<String>,
    /// Holds today: started and not released (its end date does not end it).
    pub in_force: bool,
    /// Its last 設定 or 解除: ask with `changed_since` set to the latest seen.
    pub changed_at: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/issuance-holds", tag = "link",
    params(("tenant" = String, Path), HoldsQuery),
    responses((status = 200, description = "証明書発行抑止 (3.1) for the コンビニ交付システム and the other systems that issue: every suppression of certificates set or released (after `changed_since`), with the persons it holds; never a 一時解除 (E-AUTH-012 for a system without the scope)", body = Vec<IssuanceHold>),
        (status = 400, description = "No stated purpose (E-AUTH-004)", body = ErrorBody)))]
pub async fn issuance_holds(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<HoldsQuery>,
) -> R<Json<Vec<IssuanceHold>>> {
    p.purpose()?;
    let today = state.clock.today();
    let mut out = Vec::new();
    let mut persons = BTreeSet::new();
    for s in state.store.suppressions(p.tenant).await? {
        if !s
            .processes
            .contains(&kikan_domain::suppress::Process::Certificate)
        {
            continue;
        }
        let Some(changed_at) = s.changed_at() else {
            continue;
        };
        if q.changed_since.is_some_and(|since| changed_at <= since) {
            continue;
        }
        let held = kikan_app::cs::persons_of(&*state.store, p.tenant, s.subject).await?;
        persons.extend(held.iter().map(|h| h.0));
        out.push(IssuanceHold {
            suppression: s.id.0,
            atena_numbers: held.iter().map(|h| h.0).collect(),
            level: s.level.code().into(),
            starts_on: s.starts_on.to_string(),
            ends_on: s.ends_on.map(|d| d.to_string()),
            released_on: s.released_on.map(|d| d.to_string()),
            in_force: s.in_force(today),
            changed_at,
        });
    }
    out.sort_by_key(|h| (h.changed_at, h.suppression));
    let detail = format!("証明書発行抑止の連携({}件)", out.len());
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event("link.issuance_holds", persons.into_iter().collect(), detail)],
        )
        .await?;
    Ok(Json(out))
}
