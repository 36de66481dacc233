//! Authentication and authorisation: who is asking, for which municipality, and
//! whether their role allows what the route does.
//!
//! Every route has a [`Policy`] in the one table of `lib.rs` (`api!`); the
//! [`authorize`] middleware looks the matched route up and refuses what the policy
//! does not allow. A route missing from the table is refused (fail closed), and the
//! route-enumeration test fails. Refusals of a known tenant are audited.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kikan_domain::LocalGovCode;
use kikan_security::{AuditEvent, Outcome, Permission, Role};
use kikan_store::accounts::Session;
use std::net::SocketAddr;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone (health, the API description, the list of municipalities, login).
    Public,
    /// Any signed-in staff member or system of the URL's municipality.
    SignedIn,
    /// A signed-in principal of the URL's municipality whose role allows this.
    Needs(Permission),
    /// As [`Policy::Needs`] for staff and API tokens; a business system signed in with
    /// OAuth client credentials (庁内データ連携) needs the resource in its token's scopes.
    /// Client tokens are refused on every other route.
    Scoped(Permission, kikan_security::link::Resource),
}

/// A business system signed in with an OAuth access token (庁内データ連携).
#[derive(Debug, Clone)]
pub struct LinkCaller {
    pub client_id: String,
    /// 業務システムID.
    pub system_id: String,
    /// The scopes of the token (as its registration allows them now).
    pub scopes: std::collections::BTreeSet<kikan_security::link::Scope>,
    /// 個人番号利用事務.
    pub number_use: bool,
    /// The 利用目的 it was registered with: a request stating none is recorded under it.
    pub purpose: String,
}

impl LinkCaller {
    pub fn may(&self, r: kikan_security::link::Resource) -> bool {
        self.scopes.iter().any(|s| s.resource == r)
    }
}

/// How long a session lasts from login (a working day).
pub const SESSION_HOURS: i64 = 9;
/// Failed logins before the account locks.
pub const MAX_FAILURES: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// The session cookie of the staff UI.
pub const COOKIE: &str = "kikan_session";
/// Failed sign-ins one source may make to one municipality in [`FAILURE_WINDOW`];
/// beyond it, sign-ins from there are answered 429 and no longer each audited.
pub const MAX_FAILURES_PER_SOURCE: u32 = 30;
pub const FAILURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Failed sign-ins of one account, from all sources together, beyond which its lock
/// holds every source (below it, a lock holds only the sources that failed).
pub const HARD_MAX_FAILURES: i64 = 50;

/// Failed sign-ins per (municipality, source), in a fixed window: what an anonymous
/// source can add to the audit log over time is bounded. And per (account, source),
/// the last failure: an account's lock holds the sources that failed on it, so that
/// anyone who knows a login name cannot keep its owner out from another terminal.
#[derive(Default)]
pub struct SignInLimiter {
    sources: std::sync::Mutex<
        std::collections::HashMap<(LocalGovCode, String), (std::time::Instant, u32)>,
    >,
    accounts: std::sync::Mutex<
        std::collections::HashMap<(LocalGovCode, i64, String), std::time::Instant>,
    >,
}

/// Whether a source may try to sign in now.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Limited from now on: the one refusal that is audited.
    JustLimited,
    Limited,
}

impl SignInLimiter {
    pub fn attempt(&self, tenant: LocalGovCode, source: &str) -> Attempt {
        let Ok(mut map) = self.sources.lock() else {
            return Attempt::Allowed;
        };
        let now = std::time::Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, (since, _)| now.duration_since(*since) < FAILURE_WINDOW);
        }
        match map.get_mut(&(tenant, source.to_string())) {
            Some((since, n)) if now.duration_since(*since) < FAILURE_WINDOW => {
                if *n == MAX_FAILURES_PER_SOURCE {
                    *n += 1;
                    Attempt::JustLimited
                } else if *n > MAX_FAILURES_PER_SOURCE {
                    Attempt::Limited
                } else {
                    Attempt::Allowed
                }
            }
            _ => Attempt::Allowed,
        }
    }

    /// Records a failed sign-in on an account from a source.
    pub fn account_failed(&self, tenant: LocalGovCode, staff: i64, source: &str) {
        let Ok(mut map) = self.accounts.lock() else {
            return;
        };
        let now = std::time::Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, at| now.duration_since(*at) < lock_window());
        }
        map.insert((tenant, staff, source.to_string()), now);
    }

    /// Whether a source failed on an account within the lock's time: the account's
    /// lock holds it.
    pub fn failed_here(&self, tenant: LocalGovCode, staff: i64, source: &str) -> bool {
        let Ok(map) = self.accounts.lock() else {
            // Unknown: the lock holds.
            return true;
        };
        map.get(&(tenant, staff, source.to_string()))
            .is_some_and(|at| at.elapsed() < lock_window())
    }

    pub fn failed(&self, tenant: LocalGovCode, source: &str) {
        let Ok(mut map) = self.sources.lock() else {
            return;
        };
        let now = std::time::Instant::now();
        let entry = map.entry((tenant, source.to_string())).or_insert((now, 0));
        if now.duration_since(entry.0) >= FAILURE_WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1).min(MAX_FAILURES_PER_SOURCE);
    }
}

fn lock_window() -> std::time::Duration {
    std::time::Duration::from_secs(LOCK_MINUTES.unsigned_abs() * 60)
}

/// The authenticated caller of a request, for handlers and the audit log.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: LocalGovCode,
    /// The staff login, or `token:<name>` for a system.
    pub actor: String,
    pub role: Role,
    /// The purpose stated with the request (`X-Kikan-Purpose`), if any.
    pub purpose: Option<String>,
    pub client: Option<String>,
    /// The session's token hash (None for API tokens), for logout.
    pub session: Option<String>,
    /// The signed-in staff member's account (None for API tokens).
    pub staff_id: Option<i64>,
    /// 10.4: the items hidden on this caller's screens (set per staff member and per
    /// API token).
    pub hidden: std::collections::BTreeSet<kikan_security::Item>,
    /// 入力場所・入力端末 (1.3.1): the registered terminal the request named
    /// (`X-Kikan-Terminal`), as `terminal@place`.
    pub terminal: Option<String>,
    /// A 連携システム's scope: the businesses whose 法第7条 items it sets (empty for staff).
    pub businesses: std::collections::BTreeSet<kikan_domain::business::Business>,
    /// A business system signed in with OAuth client credentials (None otherwise).
    pub link: Option<LinkCaller>,
}

/// Who a credential belongs to.
struct Caller {
    actor: String,
    role: Role,
    session: Option<String>,
    staff_id: Option<i64>,
    hidden: std::collections::BTreeSet<kikan_security::Item>,
    businesses: std::collections::BTreeSet<kikan_domain::business::Business>,
    link: Option<LinkCaller>,
}

impl Principal {
    /// The principal as the use cases know them.
    pub fn actor(&self) -> kikan_app::Actor {
        kikan_app::Actor {
            tenant: self.tenant,
            name: self.actor.clone(),
            role: Some(self.role),
            purpose: self.purpose.clone(),
            client: self.client.clone(),
            terminal: self.terminal.clone(),
        }
    }

    /// An audit event of this principal.
    pub fn event(&self, action: &str, persons: Vec<i64>, detail: impl Into<String>) -> AuditEvent {
        self.actor().event(action, persons, detail)
    }

    /// The stated purpose, required before personal data is shown.
    pub fn purpose(&self) -> Result<&str, ApiError> {
        self.purpose.as_deref().ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "E-AUTH-004",
                "利用目的を指定してください(X-Kikan-Purpose)",
            )
            .at("X-Kikan-Purpose")
        })
    }
}

/// The client's address, when the server knows it.
fn client_addr(ext: &axum::http::Extensions) -> Option<String> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Extracts the client's address (None when served without connection info).
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(&parts.extensions)))
    }
}

/// A header's text: UTF-8, or percent-encoded UTF-8 (what browsers can send).
pub fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let raw = headers.get(name)?.as_bytes();
    let text = std::str::from_utf8(raw).ok()?;
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()?
        .trim()
        .to_string();
    (!decoded.is_empty()).then_some(decoded)
}

/// The credential of a request: `Authorization: Bearer …`, or the session cookie.
fn credential(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let token = v.strip_prefix("Bearer ").map(str::trim)?;
        return Some((token.to_string(), false));
    }
    let cookies = headers.get_all("cookie");
    for c in cookies.iter().filter_map(|v| v.to_str().ok()) {
        for part in c.split(';') {
            if let Some(v) = part
                .trim()
                .strip_prefix(COOKIE)
                .and_then(|r| r.strip_prefix('='))
            {
                return Some((v.trim().to_string(), true));
            }
        }
    }
    None
}

/// 405 with the methods the path has (`Allow`).
fn method_not_allowed(allowed: &[&str]) -> ApiError {
    let allow = allowed
        .iter()
        .map(|m| m.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ");
    let mut e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "E-HTTP-405",
        format!("このURLでは {allow} だけが使えます"),
    );
    e.allow = Some(allow);
    e
}

fn refused(status: StatusCode, code: &str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

/// Resolves the caller of `tenant` from the request's credential.
async fn authenticate(
    state: &AppState,
    tenant: LocalGovCode,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    let Some((token, from_cookie)) = credential(headers) else {
        return Err(refused(
            StatusCode::UNAUTHORIZED,
            "E-AUTH-001",
            "ログインしてください(認証情報がありません)",
        ));
    };
    let hash = kikan_security::token::hash(&token);
    if let Some(s) = state.store.session(tenant, &hash).await? {
        return session_principal(state, tenant, method, headers, s, from_cookie).await;
    }
    if !from_cookie
        && let Some(t) = state.store.api_token(tenant, &hash).await?
        && t.usable(Utc::now())
    {
        return Ok(Caller {
            actor: format!("token:{}", t.name),
            role: t.role,
            session: None,
            staff_id: None,
            hidden: t.hidden_items,
            businesses: t.businesses,
            link: None,
        });
    }
    if !from_cookie
        && let Some((client, scopes)) =
            kikan_app::link::resolve(&*state.store, tenant, &hash, Utc::now()).await?
    {
        return Ok(link_caller(client, scopes));
    }
    // Unknown, expired and other municipalities' credentials look the same.
    Err(refused(
        StatusCode::UNAUTHORIZED,
        "E-AUTH-002",
        "認証情報が無効です。もう一度ログインしてください",
    ))
}

/// A business system's caller: the role of a 連携システム, which never sees the 住民票コード
/// or the 本籍 (its business has no need of them), nor whether a 個人番号 is held unless
/// its scopes include the number.
fn link_caller(
    client: kikan_app::link::LinkClient,
    scopes: std::collections::BTreeSet<kikan_security::link::Scope>,
) -> Caller {
    use kikan_security::Item;
    let l = LinkCaller {
        client_id: client.client_id,
        system_id: client.system_id,
        scopes,
        number_use: client.number_use,
        purpose: client.purpose,
    };
    let mut hidden: std::collections::BTreeSet<Item> =
        [Item::JuminhyoCode, Item::Honseki].into_iter().collect();
    if !l.may(kikan_security::link::Resource::IndividualNumber) {
        hidden.insert(Item::IndividualNumber);
    }
    Caller {
        actor: format!("client:{}", l.client_id),
        role: Role::System,
        session: None,
        staff_id: None,
        hidden,
        businesses: Default::default(),
        link: Some(l),
    }
}

async fn session_principal(
    state: &AppState,
    tenant: LocalGovCode,
    method: &Method,
    headers: &HeaderMap,
    s: Session,
    from_cookie: bool,
) -> Result<Caller, ApiError> {
    let expired = || {
        refused(
            StatusCode::UNAUTHORIZED,
            "E-AUTH-002",
            "認証情報が無効です。もう一度ログインしてください",
        )
    };
    if s.expires_at <= Utc::now() {
        return Err(expired());
    }
    let Some(staff) = state.store.staff_by_id(tenant, s.staff_id).await? else {
        return Err(expired());
    };
    // 10.3: a change prepared for today is made before the account is used.
    let today = state.clock.today();
    let (staff, _) = kikan_app::accounts::apply_due(&*state.store, tenant, staff, today).await?;
    if !staff.active || !staff.profile.usable_on(today) {
        return Err(expired());
    }
    // A browser sends the cookie by itself: a change must also carry the CSRF token,
    // which only the UI's own page can read.
    let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if from_cookie
        && unsafe_method
        && header_text(headers, "x-csrf-token").as_deref() != Some(s.csrf.as_str())
    {
        return Err(refused(
            StatusCode::FORBIDDEN,
            "E-AUTH-010",
            "画面の有効期限が切れました。画面を開き直してください(CSRF)",
        ));
    }
    let hidden = staff.hidden();
    Ok(Caller {
        actor: staff.login,
        role: staff.role,
        session: Some(s.token_hash),
        staff_id: Some(staff.id),
        hidden,
        businesses: Default::default(),
        link: None,
    })
}

/// The middleware behind every route: finds the route's policy, authenticates,
/// checks tenant and role, and hands the [`Principal`] to the handler.
pub async fn authorize(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let method = req.method().clone();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let Some(policy) = crate::policy(&method, &path) else {
        let allowed = crate::methods(&path);
        if !allowed.is_empty() {
            // The path exists with other methods: an ordinary client mistake.
            return Err(method_not_allowed(&allowed));
        }
        tracing::error!(%method, %path, "a route without a policy was refused");
        return Err(refused(
            StatusCode::FORBIDDEN,
            "E-AUTH-005",
            "この機能には権限の定義がないため利用できません",
        ));
    };
    if policy == Policy::Public {
        return Ok(next.run(req).await);
    }
    // Every non-public route is under /api/v1/tenants/{tenant}/.
    let code = req
        .uri()
        .path()
        .split('/')
        .nth(4)
        .unwrap_or_default()
        .to_string();
    let tenant = crate::routes::tenant(&state, &code).await?;
    let client = client_addr(req.extensions());
    let headers = req.headers().clone();
    let uri_path = req.uri().path().to_string();
    let deny = |actor: String, role: Option<Role>, err: ApiError| {
        let event = AuditEvent {
            at: Utc::now(),
            actor,
            role: role.map(|r| r.code().to_string()),
            action: "access".into(),
            purpose: header_text(&headers, "x-kikan-purpose"),
            persons: vec![],
            detail: format!("{method} {uri_path} を拒否: {}", err.body.code),
            outcome: Outcome::Denied,
            client: client.clone(),
            terminal: None,
            my_number: false,
        };
        (event, err)
    };
    let Caller {
        actor,
        role,
        session,
        staff_id,
        hidden,
        businesses,
        link,
    } = match authenticate(&state, tenant, &method, &headers).await {
        Ok(p) => p,
        Err(err) => {
            let (event, err) = deny("-".into(), None, err);
            state.store.append_audit(tenant, &[event]).await?;
            return Err(err);
        }
    };
    // A business system's token opens only the routes its scopes name.
    if let Some(l) = &link {
        let refusal = match policy {
            Policy::Scoped(_, resource) if l.may(resource) => None,
            Policy::Scoped(_, resource) => Some(refused(
                StatusCode::FORBIDDEN,
                "E-AUTH-012",
                &format!(
                    "このアクセストークンのスコープでは利用できません(必要なスコープ: {})",
                    kikan_security::link::Scope::new(&l.system_id, resource)
                ),
            )),
            _ => Some(refused(
                StatusCode::FORBIDDEN,
                "E-AUTH-011",
                "業務システムのアクセストークンでは利用できない機能です",
            )),
        };
        if let Some(err) = refusal {
            let (event, err) = deny(actor, Some(role), err);
            state.store.append_audit(tenant, &[event]).await?;
            return Err(err);
        }
    }
    if let Policy::Needs(permission) | Policy::Scoped(permission, _) = policy
        && link.is_none()
        && !role.allows(permission)
    {
        let err = refused(
            StatusCode::FORBIDDEN,
            "E-AUTH-003",
            &format!(
                "この操作を行う権限がありません(必要な権限: {}、あなたの役割: {})",
                permission.label(),
                role.label()
            ),
        );
        let (event, err) = deny(actor, Some(role), err);
        state.store.append_audit(tenant, &[event]).await?;
        return Err(err);
    }
    // 入力場所・入力端末: a terminal named must be registered (and in use) here.
    let terminal = match header_text(&headers, "x-kikan-terminal") {
        None => None,
        Some(code) => match crate::places::terminal_label(&state, tenant, &code).await? {
            Some(label) => Some(label),
            None => {
                let err = refused(
                    StatusCode::BAD_REQUEST,
                    "E-TERMINAL-001",
                    "この端末は登録されていないか、使用を停止しています(X-Kikan-Terminal)",
                );
                let (event, err) = deny(actor, Some(role), err);
                state.store.append_audit(tenant, &[event]).await?;
                return Err(err);
            }
        },
    };
    req.extensions_mut().insert(Principal {
        tenant,
        actor,
        role,
        // A business system states its purpose per request, or the one it was registered with.
        purpose: header_text(&headers, "x-kikan-purpose")
            .or_else(|| link.as_ref().map(|l| l.purpose.clone())),
        client,
        session,
        staff_id,
        hidden,
        terminal,
        businesses,
        link,
    });
    Ok(next.run(req).await)
}

/// What a login attempt decided, before it is stored.
pub struct LoginDecision {
    pub ok: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub totp_step: Option<u64>,
}

/// The second factor a sign-in brought, as checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// The authenticator app's code: the time step it matched (not used before), if any.
    Totp(Option<u64>),
    /// A security key (IC card or biometrics, 10.3): whether it answered a challenge of
    /// this account. An account with keys signs in with one of them only.
    Key(bool),
}

/// Decides a login: the account must be active and not locked, the password and
/// the second factor must match. Five failures lock it for 15 minutes;
/// the lock holds where `lock_applies` (the sources that failed on the account, or all
/// once it failed [`HARD_MAX_FAILURES`] times).
pub fn decide_login(
    staff: &kikan_store::accounts::StaffAccount,
    password: &str,
    second: SecondFactor,
    now: DateTime<Utc>,
    lock_applies: bool,
) -> LoginDecision {
    let locked = lock_applies && staff.locked_until.is_some_and(|t| t > now);
    let password_ok = kikan_security::password::verify(password, &staff.password_hash);
    let (second_ok, step) = match second {
        SecondFactor::Totp(step) => (step.is_some(), step),
        SecondFactor::Key(ok) => (ok, None),
    };
    // 10.3: outside its 利用期間 an account signs in no more than a deactivated one.
    let usable = staff
        .profile
        .usable_on((now + chrono::Duration::hours(9)).date_naive());
    let ok = staff.active && usable && !locked && password_ok && second_ok;
    if ok {
        return LoginDecision {
            ok,
            failed_logins: 0,
            locked_until: None,
            totp_step: step,
        };
    }
    // A lock that has run out starts the count again.
    let before = if staff.locked_until.is_some_and(|t| t <= now) {
        0
    } else {
        staff.failed_logins
    };
    let failed = if locked { before } else { before + 1 };
    let locked_until = if locked {
        staff.locked_until
    } else if failed >= MAX_FAILURES {
        Some(now + chrono::Duration::minutes(LOCK_MINUTES))
    } else {
        None
    };
    LoginDecision {
        ok,
        failed_logins: failed,
        locked_until,
        totp_step: None,
    }
}
