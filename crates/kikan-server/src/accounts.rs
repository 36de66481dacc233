//! Login, staff accounts, API tokens and the audit log's views.

use crate::AppState;
use crate::auth::ClientAddr;
use crate::auth::{self, COOKIE, Principal, SESSION_HOURS};
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ApiQuery as Query, ErrorBody};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::PersonId;
use kikan_security::{AuditEvent, AuditRecord, Outcome, Role};
use kikan_store::accounts::{LoginState, Session};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginIn {
    pub login: String,
    pub password: String,
    /// The 6-digit code of the authenticator app (TOTP), for an account without security
    /// keys.
    #[serde(default)]
    pub totp: String,
    /// 10.3: for an account with security keys (IC card or biometrics), what the key
    /// answered to the options of `POST …/login/key-options` (the `PublicKeyCredential`
    /// of `navigator.credentials.get()` as JSON, binary fields base64url).
    #[schema(value_type = Option<Object>)]
    pub security_key: Option<webauthn_rs::prelude::PublicKeyCredential>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub login: String,
    pub name: String,
    /// reception (窓口), examiner (審査), admin (管理者), auditor (監査).
    pub role: String,
    pub role_label: String,
    pub active: bool,
    pub locked: bool,
    /// 承認待ち: asked for by an administrator, not usable until approved.
    pub awaiting_approval: bool,
    /// 10.4: items hidden on this person's screens (codes), their own.
    pub hidden_items: Vec<String>,
    /// 10.3: 所属部署 (its code), and the items it hides from its members.
    pub department: Option<String>,
    pub department_items: Vec<String>,
    /// 利用期間.
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// A change prepared for a later day.
    pub scheduled: Option<ScheduledView>,
}

/// A change of an account prepared in advance (スケジューラー).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScheduledView {
    /// The day it takes effect (和暦 or 西暦 on input).
    pub on: String,
    /// The new department's code.
    pub department: Option<String>,
    /// The items hidden from that day (codes).
    pub hidden_items: Option<Vec<String>>,
    /// The account ends the day before.
    #[serde(default)]
    pub ends: bool,
}

impl From<&kikan_store::accounts::StaffAccount> for StaffView {
    fn from(a: &kikan_store::accounts::StaffAccount) -> Self {
        StaffView {
            login: a.login.clone(),
            name: a.name.clone(),
            role: a.role.code().into(),
            role_label: a.role.label().into(),
            active: a.active,
            locked: a.locked_until.is_some_and(|t| t > Utc::now()),
            awaiting_approval: a.awaiting_approval,
            hidden_items: a.hidden_items.iter().map(|i| i.code().into()).collect(),
            department: a.profile.department.clone(),
            department_items: a
                .profile
                .department_items
                .iter()
                .map(|i| i.code().into())
                .collect(),
            valid_from: a.profile.valid_from,
            valid_until: a.profile.valid_until,
            scheduled: a.profile.scheduled.as_ref().map(|c| ScheduledView {
                on: c.on.to_string(),
                department: c.department.clone(),
                hidden_items: c
                    .hidden_items
                    .as_ref()
                    .map(|s| s.iter().map(|i| i.code().into()).collect()),
                ends: c.ends,
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginOut {
    /// The session token: send it as `Authorization: Bearer …` (or use the cookie).
    pub token: String,
    /// Send this in `X-CSRF-Token` with every change made through the cookie.
    pub csrf: String,
    pub expires_at: String,
    pub staff: StaffView,
}

fn login_refused() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "E-AUTH-008",
        "ログイン名、パスワードまたは確認コードが違います",
    )
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/login", tag = "accounts", request_body = LoginIn,
    params(("tenant" = String, Path)),
    responses((status = 200, body = LoginOut), (status = 401, body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins from this source (E-AUTH-015)", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddr(client): ClientAddr,
    Json(input): Json<LoginIn>,
) -> R<Response> {
    let tenant = crate::routes::tenant(&state, &code).await?;
    let now = Utc::now();
    let event = |actor: &str, role: Option<Role>, outcome: Outcome, detail: &str| AuditEvent {
        at: now,
        actor: actor.to_string(),
        role: role.map(|r| r.code().to_string()),
        action: "login".into(),
        purpose: None,
        persons: vec![],
        detail: detail.into(),
        outcome,
        client: client.clone(),
        terminal: None,
        my_number: false,
    };
    let login = input.login.trim();
    let source = client.clone().unwrap_or_else(|| "-".into());
    match state.sign_ins.attempt(tenant, &source) {
        auth::Attempt::Allowed => {}
        limited => {
            if limited == auth::Attempt::JustLimited {
                let detail = format!(
                    "ログインの失敗が{}秒間に{}回を超えたため、この接続元からのログインを制限",
                    auth::FAILURE_WINDOW.as_secs(),
                    auth::MAX_FAILURES_PER_SOURCE
                );
                state
                    .store
                    .append_audit(tenant, &[event(login, None, Outcome::Denied, &detail)])
                    .await?;
            }
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "E-AUTH-015",
                "ログインの失敗が続いています。しばらく待ってから再度お試しください",
            ));
        }
    }
    let Some(staff) = state.store.staff_by_login(tenant, login).await? else {
        state.sign_ins.failed(tenant, &source);
        // The same work and the same answer as a wrong password: names cannot be probed.
        let _ =
            kikan_security::password::verify(&input.password, kikan_security::password::decoy());
        state
            .store
            .append_audit(
                tenant,
                &[event(login, None, Outcome::Denied, "未登録のログイン名")],
            )
            .await?;
        return Err(login_refused());
    };
    // A lock holds the sources that failed on this account (or every source once
    // the failures pile up): whoever knows a login name cannot lock its owner out.
    let lock_applies = state.sign_ins.failed_here(tenant, staff.id, &source)
        || staff.failed_logins >= auth::HARD_MAX_FAILURES;
    // 10.3: an account with security keys signs in with one of them, not the app's code.
    let keys = state.store.staff_keys(tenant, staff.id).await?;
    let (second, used_key) = if keys.is_empty() {
        let secret =
            state
                .keys
                .decrypt(&tenant.to_string(), "staff.totp_secret", &staff.totp_secret)?;
        let step = kikan_security::totp::check(&secret, &input.totp, now.timestamp().max(0) as u64)
            .filter(|s| *s as i64 > staff.totp_last_step);
        (auth::SecondFactor::Totp(step), None)
    } else {
        let used = match (&input.security_key, state.security_keys.as_deref()) {
            (Some(answer), Some(rp)) => rp.verify_sign_in(tenant, &staff, &keys, answer),
            _ => None,
        };
        (auth::SecondFactor::Key(used.is_some()), used)
    };
    let decision = auth::decide_login(&staff, &input.password, second, now, lock_applies);
    state
        .store
        .set_login_state(
            tenant,
            staff.id,
            &LoginState {
                failed_logins: decision.failed_logins,
                locked_until: decision.locked_until,
                totp_last_step: decision
                    .totp_step
                    .map_or(staff.totp_last_step, |s| s as i64),
            },
        )
        .await?;
    if !decision.ok {
        state.sign_ins.failed(tenant, &source);
        state.sign_ins.account_failed(tenant, staff.id, &source);
        let locked = decision.locked_until.is_some_and(|t| t > now);
        let detail = if !staff.active {
            "無効なアカウント"
        } else if locked {
            "ロック中"
        } else if matches!(second, auth::SecondFactor::Key(_)) {
            "パスワードまたはセキュリティキーの誤り"
        } else {
            "パスワードまたは確認コードの誤り"
        };
        state
            .store
            .append_audit(
                tenant,
                &[event(
                    &staff.login,
                    Some(staff.role),
                    Outcome::Denied,
                    detail,
                )],
            )
            .await?;
        // A locked account answers as any other refusal: whether a login name exists
        // (and is locked) cannot be probed. Administrators see the lock in the staff
        // list, auditors in the log.
        return Err(login_refused());
    }
    let detail = match &used_key {
        Some(k) => {
            // The key's signature counter moves on (a cloned key shows as a step back).
            state.store.put_staff_key(tenant, k).await?;
            format!("ログイン(セキュリティキー「{}」)", k.name)
        }
        None => "ログイン".to_string(),
    };
    open_session(
        &state,
        tenant,
        &staff,
        event(&staff.login, Some(staff.role), Outcome::Ok, &detail),
    )
    .await
}

/// Starts a session for a staff member who proved who they are: stores its hash,
/// audits the login, and answers with the token (also as the session cookie).
pub async fn open_session(
    state: &AppState,
    tenant: kikan_domain::LocalGovCode,
    staff: &kikan_store::accounts::StaffAccount,
    login_event: AuditEvent,
) -> R<Response> {
    let now = Utc::now();
    let token = kikan_security::token::new_token();
    let csrf = kikan_security::token::new_token();
    let session = Session {
        token_hash: kikan_security::token::hash(&token),
        staff_id: staff.id,
        csrf: csrf.clone(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(SESSION_HOURS),
    };
    state.store.add_session(tenant, &session).await?;
    state.store.append_audit(tenant, &[login_event]).await?;
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if state.cookie_secure { "; Secure" } else { "" }
    );
    let body = LoginOut {
        token,
        csrf,
        expires_at: session.expires_at.to_rfc3339(),
        staff: StaffView::from(staff),
    };
    let mut res = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/logout", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Response> {
    if let Some(hash) = &p.session {
        state.store.end_session(p.tenant, hash).await?;
    }
    // 排他制御 (10.3): whatever they held for a change goes back to the others.
    let released = state
        .store
        .release_locks(p.tenant, Some(&p.actor), &[])
        .await?;
    let detail = if released > 0 {
        format!("ログアウト(排他 {released}件を返却)")
    } else {
        "ログアウト".to_string()
    };
    state
        .store
        .append_audit(p.tenant, &[p.event("logout", vec![], detail)])
        .await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("kikan_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(res)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub tenant: String,
    pub actor: String,
    pub role: String,
    pub role_label: String,
    /// What this role may do (permission codes).
    pub permissions: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/me", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, body = MeView)))]
pub async fn me(Extension(p): Extension<Principal>) -> Json<MeView> {
    Json(MeView {
        tenant: p.tenant.to_string(),
        actor: p.actor.clone(),
        role: p.role.code().into(),
        role_label: p.role.label().into(),
        permissions: kikan_security::Permission::ALL
            .into_iter()
            .filter(|x| p.role.allows(*x))
            .map(|x| {
                serde_json::to_value(x)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/staff", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, body = Vec<StaffView>)))]
pub async fn list_staff(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<StaffView>>> {
    let staff = state.store.staff_list(p.tenant).await?;
    state
        .store
        .append_audit(p.tenant, &[p.event("staff.list", vec![], "職員一覧")])
        .await?;
    Ok(Json(staff.iter().map(StaffView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffIn {
    pub login: String,
    pub name: String,
    /// reception, examiner, admin, auditor (or 窓口, 審査, 管理者, 監査).
    pub role: String,
    /// At least 12 characters.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewStaffView {
    pub staff: StaffView,
    /// The TOTP secret (base32), shown this once: register it in the authenticator app.
    /// Absent when the account awaits approval: the approver is shown it.
    pub totp_secret: Option<String>,
    /// The same as an `otpauth://` URL (for a QR code).
    pub totp_url: Option<String>,
}

impl NewStaffView {
    fn of(created: kikan_app::accounts::NewStaff, tenant: kikan_domain::LocalGovCode) -> Self {
        let issuer = format!("kikan {tenant}");
        let login = &created.account.login;
        NewStaffView {
            staff: StaffView::from(&created.account),
            totp_url: created
                .totp_secret
                .as_deref()
                .and_then(|s| kikan_security::totp::url(s, login, &issuer)),
            totp_secret: created.totp_secret,
        }
    }
}

/// What an audit detail adds for a credential that awaits approval.
fn awaiting_note(awaiting: bool) -> &'static str {
    if awaiting { "(承認待ち)" } else { "" }
}

fn role_in(s: &str) -> R<Role> {
    Role::parse(s).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-CODE-005",
            format!("役割「{s}」は登録されていない区分です(窓口・審査・管理者・監査)"),
        )
        .at("role")
    })
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff", tag = "accounts", request_body = StaffIn,
    params(("tenant" = String, Path)),
    responses((status = 201, body = NewStaffView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_staff(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<StaffIn>,
) -> R<(StatusCode, Json<NewStaffView>)> {
    let role = role_in(&input.role)?;
    let new = kikan_app::accounts::StaffIn {
        login: &input.login,
        name: &input.name,
        role,
        password: &input.password,
        requested_by: p.staff_id,
    };
    let created = kikan_app::accounts::add_staff(&*state.store, &state.keys, p.tenant, new).await?;
    let awaiting = awaiting_note(created.account.awaiting_approval);
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.add",
                vec![],
                format!(
                    "職員 {} を{}として登録{awaiting}",
                    created.account.login,
                    role.label()
                ),
            )],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewStaffView::of(created, p.tenant)),
    ))
}

/// What awaits approval: accounts and API tokens an administrator asked for with a
/// role that sees personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRequests {
    pub staff: Vec<StaffView>,
    pub tokens: Vec<TokenView>,
    /// Business systems (庁内データ連携) registered and awaiting approval.
    pub clients: Vec<crate::link::ClientView>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/access-requests", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, body = AccessRequests)))]
pub async fn access_requests(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<AccessRequests>> {
    let staff = state.store.staff_list(p.tenant).await?;
    let now = Utc::now();
    let tokens = state
        .store
        .api_tokens(p.tenant)
        .await?
        .iter()
        .filter(|t| t.awaiting_approval(now))
        .map(|t| TokenView::of(t, &staff, now))
        .collect();
    let clients = kikan_app::link::clients(&*state.store, p.tenant)
        .await?
        .iter()
        .filter(|c| c.awaiting_approval())
        .map(|c| crate::link::ClientView::of(c, &staff))
        .collect();
    Ok(Json(AccessRequests {
        clients,
        staff: staff
            .iter()
            .filter(|s| s.awaiting_approval)
            .map(StaffView::from)
            .collect(),
        tokens,
    }))
}

fn not_awaiting(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "E-ACCESS-001",
        format!(
            "この{what}は承認待ちではありません(承認済み・利用停止・失効、または依頼者本人による承認)"
        ),
    )
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/approve", tag = "accounts",
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 200, description = "Approved: active from now; the TOTP secret is shown this once, to hand to the staff member", body = NewStaffView),
        (status = 404, body = ErrorBody), (status = 409, description = "Not awaiting approval (E-ACCESS-001)", body = ErrorBody)))]
pub async fn approve_staff(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<NewStaffView>> {
    let login = path.1;
    staff_named(&state, &p, &login).await?;
    let approver = p.staff_id.ok_or_else(|| not_awaiting("職員"))?;
    let approved =
        kikan_app::accounts::approve_staff(&*state.store, &state.keys, p.tenant, &login, approver)
            .await?
            .ok_or_else(|| not_awaiting("職員"))?;
    let role = approved.account.role.label();
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.approve",
                vec![],
                format!("職員 {login}({role})の利用を承認"),
            )],
        )
        .await?;
    Ok(Json(NewStaffView::of(approved, p.tenant)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeIn {
    pub current: String,
    /// At least 12 characters.
    pub new: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/me/password", tag = "accounts", request_body = PasswordChangeIn,
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Changed; every session of the account ends (sign in again)"),
        (status = 400, description = "Not a signed-in staff member (an API token)", body = ErrorBody),
        (status = 422, description = "The current password does not match, or the new one is too weak", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<PasswordChangeIn>,
) -> R<StatusCode> {
    let Some(staff_id) = p.staff_id else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E-AUTH-017",
            "パスワードを変更できるのはログインした職員だけです",
        ));
    };
    let result = kikan_app::accounts::change_password(
        &*state.store,
        p.tenant,
        staff_id,
        &input.current,
        &input.new,
    )
    .await;
    let mut event = p.event("staff.password", vec![], "パスワードの変更(本人)");
    if result.is_err() {
        event.outcome = Outcome::Denied;
    }
    state.store.append_audit(p.tenant, &[event]).await?;
    result?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetIn {
    /// The new initial password (at least 12 characters), to hand to the staff member.
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/password", tag = "accounts", request_body = PasswordResetIn,
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 204, description = "Reset: the lock cleared, every session ended; the second factor is unchanged"),
        (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Json(input): Json<PasswordResetIn>,
) -> R<StatusCode> {
    let login = path.1;
    kikan_app::accounts::reset_password(&*state.store, p.tenant, &login, &input.password).await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.password_reset",
                vec![],
                format!("職員 {login} のパスワードを初期化"),
            )],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/totp-reset", tag = "accounts",
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 200, description = "A new second factor. For a role that sees personal data the account awaits 審査's approval again and the secret is shown to the approver only; for 管理者 it is shown here, once", body = NewStaffView),
        (status = 422, body = ErrorBody)))]
pub async fn reset_second_factor(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<NewStaffView>> {
    let login = path.1;
    let reset =
        kikan_app::accounts::reset_second_factor(&*state.store, &state.keys, p.tenant, &login)
            .await?;
    let awaiting = awaiting_note(reset.account.awaiting_approval);
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.totp_reset",
                vec![],
                format!("職員 {login} の確認コード(二要素目)を再発行{awaiting}"),
            )],
        )
        .await?;
    Ok(Json(NewStaffView::of(reset, p.tenant)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemsIn {
    /// The items to hide on this person's screens: honseki (戸籍の表示),
    /// individual_number (個人番号), juminhyo_code (住民票コード), residence_status
    /// (在留資格等); empty shows them all.
    pub hidden_items: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/items", tag = "accounts", request_body = ItemsIn,
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 200, description = "10.4 操作権限設定: the items hidden on every screen of this staff member, from their next request", body = StaffView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_items(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Json(input): Json<ItemsIn>,
) -> R<Json<StaffView>> {
    let login = path.1;
    let hidden = items_in(&input.hidden_items, "hidden_items")?;
    let mut staff = state
        .store
        .staff_by_login(p.tenant, &login)
        .await?
        .ok_or_else(|| ApiError::not_found("職員"))?;
    state
        .store
        .set_staff_items(p.tenant, staff.id, &hidden)
        .await?;
    let labels: Vec<&str> = hidden.iter().map(|i| i.label()).collect();
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "staff.items",
                vec![],
                format!(
                    "職員 {login} の非表示項目を設定: {}",
                    if labels.is_empty() {
                        "なし".to_string()
                    } else {
                        labels.join("・")
                    }
                ),
            )],
        )
        .await?;
    staff.hidden_items = hidden;
    Ok(Json(StaffView::from(&staff)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/deactivate", tag = "accounts",
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 204, description = "Deactivated; their sessions end"), (status = 404, body = ErrorBody)))]
pub async fn deactivate_staff(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<StatusCode> {
    let login = path.1;
    let staff = state
        .store
        .staff_by_login(p.tenant, &login)
        .await?
        .ok_or_else(|| ApiError::not_found("職員"))?;
    state
        .store
        .set_staff_active(p.tenant, staff.id, false)
        .await?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event("staff.deactivate", vec![], format!("職員 {login} を無効化"))],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenIn {
    /// The system's name (e.g. 税務システム).
    pub name: String,
    pub role: String,
    /// Days until it expires: 1 to 365, 90 when not given.
    pub days: Option<u32>,
    /// 10.4: items the system does not see: honseki (戸籍の表示), individual_number,
    /// juminhyo_code, residence_status (在留資格等).
    #[serde(default)]
    pub hidden_items: Vec<String>,
    /// The businesses whose 法第7条 items a 連携システム sets (its scope): elector,
    /// national_health_insurance, late_stage_medical, long_term_care, national_pension,
    /// child_allowance, card (or their Japanese names).
    #[serde(default)]
    pub businesses: Vec<String>,
}

/// Businesses named by code or label (the scope of a 連携システム's token).
fn businesses_in(
    names: &[String],
) -> R<std::collections::BTreeSet<kikan_domain::business::Business>> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            kikan_domain::business::Business::parse(n)
                .map_err(|e| ApiError::from(e).at(format!("businesses[{i}]")))
        })
        .collect()
}

/// Items named by code or label (10.4).
fn items_in(names: &[String], field: &str) -> R<std::collections::BTreeSet<kikan_security::Item>> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            kikan_security::Item::parse(n).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "E-CODE-006",
                    format!("項目「{n}」は表示を制御できる項目ではありません(戸籍の表示・個人番号・住民票コード・在留資格等)"),
                )
                .at(format!("{field}[{i}]"))
            })
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// Shown this once; only its hash is stored. Absent when the token awaits
    /// approval (a role that sees personal data): the approver is shown it.
    pub token: Option<String>,
    pub awaiting_approval: bool,
    /// The token's name in lists and in `…/tokens/{id}/revoke`.
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/tokens", tag = "accounts", request_body = TokenIn,
    params(("tenant" = String, Path)), responses((status = 201, body = TokenOut), (status = 422, description = "A name missing or not plain, an unknown role, or days outside 1 to 365", body = ErrorBody)))]
pub async fn add_token(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<TokenIn>,
) -> R<(StatusCode, Json<TokenOut>)> {
    let role = role_in(&input.role)?;
    let days = input.days.unwrap_or(kikan_app::accounts::TOKEN_DAYS);
    let new = kikan_app::accounts::NewToken {
        name: &input.name,
        role,
        days,
        created_by: p.staff_id,
        hidden_items: items_in(&input.hidden_items, "hidden_items")?,
        businesses: businesses_in(&input.businesses)?,
    };
    let (token, stored) =
        kikan_app::accounts::request_api_token(&*state.store, &state.keys, p.tenant, new).await?;
    let awaiting = awaiting_note(token.is_none());
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "token.add",
                vec![],
                format!(
                    "APIトークン「{}」({})を{}として{days}日間有効で発行{awaiting}",
                    input.name.trim(),
                    stored.id(),
                    role.label()
                ),
            )],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenOut {
            awaiting_approval: token.is_none(),
            token,
            id: stored.id().to_string(),
            expires_at: stored.expires_at,
        }),
    ))
}

/// An API token as listed: never the token, only its public id.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// reception (窓口), examiner (審査), admin (管理者), auditor (監査).
    pub role: String,
    pub role_label: String,
    pub created_at: DateTime<Utc>,
    /// The login of the staff member who made it (None: made on the command line).
    pub created_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
    /// Neither revoked nor expired, nor awaiting approval.
    pub usable: bool,
    /// 承認待ち: asked for by an administrator, not usable until approved.
    pub awaiting_approval: bool,
    /// The login of the staff member who approved it.
    pub approved_by: Option<String>,
    /// 10.4: items the system does not see (codes).
    pub hidden_items: Vec<String>,
    /// The businesses whose 法第7条 items it sets (codes).
    pub businesses: Vec<String>,
}

impl TokenView {
    fn of(
        t: &kikan_store::accounts::ApiToken,
        staff: &[kikan_store::accounts::StaffAccount],
        now: DateTime<Utc>,
    ) -> Self {
        let login = |id: Option<i64>| {
            id.and_then(|id| staff.iter().find(|s| s.id == id))
                .map(|s| s.login.clone())
        };
        TokenView {
            id: t.id().to_string(),
            name: t.name.clone(),
            role: t.role.code().into(),
            role_label: t.role.label().into(),
            created_at: t.created_at,
            created_by: login(t.created_by),
            expires_at: t.expires_at,
            revoked: t.revoked,
            usable: t.usable(now),
            awaiting_approval: t.awaiting_approval(now),
            approved_by: login(t.approved_by),
            hidden_items: t.hidden_items.iter().map(|i| i.code().into()).collect(),
            businesses: t.businesses.iter().map(|b| b.code().into()).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/tokens", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, body = Vec<TokenView>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<TokenView>>> {
    let staff = state.store.staff_list(p.tenant).await?;
    let now = Utc::now();
    let views = state
        .store
        .api_tokens(p.tenant)
        .await?
        .iter()
        .map(|t| TokenView::of(t, &staff, now))
        .collect();
    Ok(Json(views))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/tokens/{id}/revoke", tag = "accounts",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204, description = "Revoked: refused from now on"), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<StatusCode> {
    let id = path.1;
    // The store takes only a whole public id (no prefix matching several).
    if !state.store.revoke_api_token(p.tenant, &id).await? {
        return Err(ApiError::not_found("APIトークン"));
    }
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event("token.revoke", vec![], format!("APIトークン {id} を失効"))],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/tokens/{id}/approve", tag = "accounts",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "Approved: usable from now for the days asked; the token is shown this once", body = TokenOut),
        (status = 404, body = ErrorBody), (status = 409, description = "Not awaiting approval (E-ACCESS-001)", body = ErrorBody)))]
pub async fn approve_token(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
) -> R<Json<TokenOut>> {
    let id = path.1;
    let known = state.store.api_tokens(p.tenant).await?;
    if !known.iter().any(|t| t.id() == id) {
        return Err(ApiError::not_found("APIトークン"));
    }
    let approver = p.staff_id.ok_or_else(|| not_awaiting("APIトークン"))?;
    let (token, record) =
        kikan_app::accounts::approve_api_token(&*state.store, &state.keys, p.tenant, &id, approver)
            .await?
            .ok_or_else(|| not_awaiting("APIトークン"))?;
    state
        .store
        .append_audit(
            p.tenant,
            &[p.event(
                "token.approve",
                vec![],
                format!(
                    "APIトークン「{}」({id}、{})の利用を承認",
                    record.name,
                    record.role.label()
                ),
            )],
        )
        .await?;
    Ok(Json(TokenOut {
        token: Some(token),
        awaiting_approval: false,
        id,
        expires_at: record.expires_at,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub purpose: Option<String>,
    pub persons: Vec<i64>,
    pub detail: String,
    /// ok or denied.
    pub outcome: String,
    pub client: Option<String>,
    /// 入力場所・入力端末 (`terminal@place`), when the request named one.
    pub terminal: Option<String>,
    /// 個人番号へのアクセス有無: the work read, wrote or printed a 個人番号.
    pub my_number: bool,
    pub hash: String,
}

fn audit_views(records: &[AuditRecord]) -> Vec<AuditView> {
    records
        .iter()
        .filter_map(|r| {
            let e = r.event()?;
            Some(AuditView {
                seq: r.seq,
                at: e.at.to_rfc3339(),
                actor: e.actor,
                role: e.role,
                action: e.action,
                purpose: e.purpose,
                persons: e.persons,
                detail: e.detail,
                outcome: match e.outcome {
                    Outcome::Ok => "ok".into(),
                    Outcome::Denied => "denied".into(),
                },
                client: e.client,
                terminal: e.terminal,
                my_number: e.my_number,
                hash: r.hash.clone(),
            })
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// Records after this sequence number (the log), or the newest (by person/staff).
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u32>,
}

/// Reading the audit log is itself audited.
async fn audited_read(state: &AppState, p: &Principal, detail: String) -> R<()> {
    state
        .store
        .append_audit(p.tenant, &[p.event("audit.read", vec![], detail)])
        .await?;
    Ok(())
}

/// 10.2 (j1370): the access log searched by period, staff, action, resident, outcome
/// and hours.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditSearchParams {
    /// Records after this sequence number.
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u32>,
    /// From this day (和暦 or 西暦, in Japan) or instant (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Until this day (inclusive) or instant (exclusive).
    pub to: Option<String>,
    /// One staff login or `token:<name>`.
    pub actor: Option<String>,
    /// One action code (`resident.search`, `person.read`, `login` …).
    pub action: Option<String>,
    /// Records naming this resident (宛名番号).
    pub person: Option<i64>,
    /// ok or denied.
    pub outcome: Option<String>,
    /// Only outside office hours (深夜・休業日: before 8:30, from 17:15, weekends, 国民の祝日 and 振替休日, 12/29–1/3).
    #[serde(default)]
    pub after_hours: bool,
    /// Only work that read, wrote or printed a 個人番号 (個人番号へのアクセス有無).
    #[serde(default)]
    pub my_number: bool,
}

/// A bound of a period: a day (its start in Japan; `end` takes the next day's start)
/// or an instant.
fn bound(s: &str, end: bool, field: &str) -> R<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = kikan_domain::wareki::parse_date(s).map_err(|e| ApiError::from(e).at(field))?;
    Ok(kikan_app::audit::day_bound(day, end))
}

/// The filter of a search, read from its parameters.
fn audit_filter(q: &AuditSearchParams) -> R<kikan_app::audit::Filter> {
    let outcome = match q.outcome.as_deref() {
        None | Some("") => None,
        Some("ok") => Some(Outcome::Ok),
        Some("denied") => Some(Outcome::Denied),
        Some(other) => {
            return Err(ApiError::from(kikan_domain::DomainError::Invalid {
                field: "結果",
                reason: format!("「{other}」は ok か denied にしてください"),
            })
            .at("outcome"));
        }
    };
    Ok(kikan_app::audit::Filter {
        query: kikan_store::AuditQuery {
            from: q
                .from
                .as_deref()
                .map(|s| bound(s, false, "from"))
                .transpose()?,
            to: q.to.as_deref().map(|s| bound(s, true, "to")).transpose()?,
            actor: q.actor.clone().filter(|s| !s.is_empty()),
            action: q.action.clone().filter(|s| !s.is_empty()),
            person: q.person.map(kikan_domain::PersonId),
            after_seq: q.after.unwrap_or(0),
            limit: 1000,
        },
        outcome,
        after_hours: q.after_hours,
        my_number: q.my_number,
    })
}

/// How many records one search reads at most (a year of a large city's log is more:
/// narrow by period, staff or resident).
const AUDIT_SCAN_MAX: usize = 500_000;

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit", tag = "audit",
    params(("tenant" = String, Path), AuditSearchParams), responses((status = 200, body = Vec<AuditView>), (status = 422, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AuditSearchParams>,
) -> R<Json<Vec<AuditView>>> {
    let filter = audit_filter(&q)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000) as usize;
    let (found, _) =
        kikan_app::audit::search(&*state.store, p.tenant, &filter, limit, AUDIT_SCAN_MAX).await?;
    let records: Vec<AuditRecord> = found.into_iter().map(|(r, _)| r).collect();
    audited_read(
        &state,
        &p,
        format!(
            "監査ログの検索(番号 {} 以降、{}件)",
            q.after.unwrap_or(0),
            records.len()
        ),
    )
    .await?;
    Ok(Json(audit_views(&records)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SummaryParams {
    /// From this day or instant.
    pub from: Option<String>,
    /// Until this day (inclusive) or instant (exclusive).
    pub to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit/summary", tag = "audit",
    params(("tenant" = String, Path), SummaryParams),
    responses((status = 200, description = "Per staff member or system: sign-ins, failed sign-ins, reads, searches and their hits, extractions, refusals, after-hours records", body = Vec<kikan_app::audit::ActorSummary>), (status = 422, body = ErrorBody)))]
pub async fn audit_summary(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<SummaryParams>,
) -> R<Json<Vec<kikan_app::audit::ActorSummary>>> {
    let from = q
        .from
        .as_deref()
        .map(|s| bound(s, false, "from"))
        .transpose()?;
    let to = q.to.as_deref().map(|s| bound(s, true, "to")).transpose()?;
    let summary = kikan_app::audit::summary(&*state.store, p.tenant, from, to).await?;
    audited_read(&state, &p, "監査ログの集計".into()).await?;
    Ok(Json(summary))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit/persons/{id}", tag = "audit",
    params(("tenant" = String, Path), ("id" = i64, Path), AuditParams),
    responses((status = 200, description = "Who accessed this resident, newest first", body = Vec<AuditView>)))]
pub async fn audit_person(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Query(q): Query<AuditParams>,
) -> R<Json<Vec<AuditView>>> {
    let id = path.1;
    let records = state
        .store
        .audit_for_person(
            p.tenant,
            PersonId(id),
            q.limit.unwrap_or(100).clamp(1, 1000),
        )
        .await?;
    audited_read(&state, &p, format!("住民 {id} へのアクセス記録")).await?;
    Ok(Json(audit_views(&records)))
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit/staff/{actor}", tag = "audit",
    params(("tenant" = String, Path), ("actor" = String, Path), AuditParams),
    responses((status = 200, description = "What this staff member or system did, newest first", body = Vec<AuditView>)))]
pub async fn audit_actor(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Query(q): Query<AuditParams>,
) -> R<Json<Vec<AuditView>>> {
    let actor = path.1;
    let records = state
        .store
        .audit_for_actor(p.tenant, &actor, q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    audited_read(&state, &p, format!("職員 {actor} の操作記録")).await?;
    Ok(Json(audit_views(&records)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyView {
    pub ok: bool,
    /// Records checked.
    pub records: i64,
    /// The first bad record, when the chain is broken.
    pub first_bad: Option<i64>,
    pub message: String,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/audit/verify", tag = "audit",
    params(("tenant" = String, Path)), responses((status = 200, body = AuditVerifyView)))]
pub async fn audit_verify(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<AuditVerifyView>> {
    let outcome = kikan_app::audit::verify(&*state.store, p.tenant).await?;
    audited_read(&state, &p, "監査ログの検証".into()).await?;
    Ok(Json(match outcome {
        Ok(n) => AuditVerifyView {
            ok: true,
            records: n,
            first_bad: None,
            message: format!("監査ログ {n} 件のつながりを確認しました"),
        },
        Err(b) => AuditVerifyView {
            ok: false,
            records: 0,
            first_bad: Some(b.seq()),
            message: b.to_string(),
        },
    }))
}

// ---- 10.3 (j1380): departments, 利用期間, changes prepared in advance ----

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DepartmentIo {
    /// The municipality's own code (letters, digits, `-`, `_`; up to 16).
    pub code: String,
    /// 市民課, 保険年金課 …
    pub name: String,
    /// Items hidden from every member (codes: honseki, individual_number,
    /// juminhyo_code, residence_status), on top of each member's own.
    #[serde(default)]
    pub hidden_items: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/departments", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, description = "所属部署, by code", body = Vec<DepartmentIo>)))]
pub async fn departments(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<Vec<DepartmentIo>>> {
    let list = state.store.departments(p.tenant).await?;
    Ok(Json(
        list.into_iter()
            .map(|d| DepartmentIo {
                code: d.code,
                name: d.name,
                hidden_items: d.hidden_items.iter().map(|i| i.code().into()).collect(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/departments", tag = "accounts", request_body = DepartmentIo,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "10.3 組織単位: the department added or changed; its hidden items apply to every member from their next request", body = DepartmentIo),
        (status = 422, body = ErrorBody)))]
pub async fn put_department(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<DepartmentIo>,
) -> R<Json<DepartmentIo>> {
    let d = kikan_store::accounts::Department {
        code: input.code.trim().to_string(),
        name: input.name.trim().to_string(),
        hidden_items: items_in(&input.hidden_items, "hidden_items")?,
    };
    let members = kikan_app::accounts::put_department(&*state.store, p.tenant, d.clone())
        .await
        .map_err(|e| field_of(e, "code"))?;
    crate::routes::audit(
        &state,
        &p,
        "department.put",
        vec![],
        format!(
            "所属部署 {} ({}) を設定、所属職員 {members} 人に反映",
            d.code, d.name
        ),
    )
    .await?;
    Ok(Json(DepartmentIo {
        code: d.code,
        name: d.name,
        hidden_items: d.hidden_items.iter().map(|i| i.code().into()).collect(),
    }))
}

/// The account `login` names in the caller's municipality (404 otherwise).
async fn staff_named(
    state: &AppState,
    p: &Principal,
    login: &str,
) -> R<kikan_store::accounts::StaffAccount> {
    state
        .store
        .staff_by_login(p.tenant, login)
        .await?
        .ok_or_else(|| ApiError::not_found("職員"))
}

/// Points a store error at the request's field when it is about the input.
fn field_of(e: kikan_store::StoreError, field: &str) -> ApiError {
    match e {
        kikan_store::StoreError::Domain(d) => ApiError::from(d).at(field),
        other => other.into(),
    }
}

fn day_in(s: &Option<String>, field: &str) -> R<Option<NaiveDate>> {
    s.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| kikan_domain::wareki::parse_date(s).map_err(|e| ApiError::from(e).at(field)))
        .transpose()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileIn {
    /// 所属部署 (its code); none when absent.
    pub department: Option<String>,
    /// 利用期間 (和暦 or 西暦): the first and the last day the account may be used.
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/profile", tag = "accounts", request_body = ProfileIn,
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 200, description = "10.3: the staff member's department and 利用期間 (outside it the account neither signs in nor is used)", body = StaffView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_profile(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Json(input): Json<ProfileIn>,
) -> R<Json<StaffView>> {
    let login = path.1;
    staff_named(&state, &p, &login).await?;
    let from = day_in(&input.valid_from, "valid_from")?;
    let until = day_in(&input.valid_until, "valid_until")?;
    let department = input
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let staff =
        kikan_app::accounts::set_profile(&*state.store, p.tenant, &login, department, from, until)
            .await
            .map_err(|e| {
                field_of(
                    e,
                    if department.is_some() {
                        "department"
                    } else {
                        "valid_until"
                    },
                )
            })?;
    crate::routes::audit(
        &state,
        &p,
        "staff.profile",
        vec![],
        format!(
            "職員 {login} の所属部署・利用期間を設定: {} {}〜{}",
            department.unwrap_or("所属なし"),
            from.map(|d| d.to_string()).unwrap_or_default(),
            until.map(|d| d.to_string()).unwrap_or_default()
        ),
    )
    .await?;
    Ok(Json(StaffView::from(&staff)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/staff/{login}/schedule", tag = "accounts", request_body = ScheduledView,
    params(("tenant" = String, Path), ("login" = String, Path)),
    responses((status = 200, description = "10.3 スケジューラー: a change prepared for a later day (department, hidden items, the account's end), made on that day (at the staff member's next request or by the daily job)", body = StaffView),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, String)>,
    Json(input): Json<ScheduledView>,
) -> R<Json<StaffView>> {
    let login = path.1;
    staff_named(&state, &p, &login).await?;
    let on = day_in(&Some(input.on.clone()), "on")?.ok_or_else(|| {
        ApiError::from(kikan_domain::DomainError::Missing { field: "予定日" }).at("on")
    })?;
    let hidden_items = input
        .hidden_items
        .as_ref()
        .map(|h| items_in(h, "hidden_items"))
        .transpose()?;
    let change = kikan_store::accounts::ScheduledChange {
        on,
        department: input.department.clone().filter(|d| !d.trim().is_empty()),
        hidden_items,
        ends: input.ends,
        by: p.actor.clone(),
    };
    let field = if change.department.is_some() {
        "department"
    } else {
        "on"
    };
    let staff =
        kikan_app::accounts::schedule(&*state.store, p.tenant, &login, change, state.clock.today())
            .await
            .map_err(|e| field_of(e, field))?;
    crate::routes::audit(
        &state,
        &p,
        "staff.schedule",
        vec![],
        format!("職員 {login} の変更を {on} に予定"),
    )
    .await?;
    Ok(Json(StaffView::from(&staff)))
}

/// 操作権限一覧表 (10.3): the permissions every staff member's role gives, in columns.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionTable {
    /// The columns: each permission's label, in order.
    pub permissions: Vec<String>,
    pub rows: Vec<PermissionRowView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionRowView {
    pub login: String,
    pub name: String,
    pub role_label: String,
    /// 所属部署 (its name).
    pub department: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Active, approved and within its 利用期間 today.
    pub usable: bool,
    /// One per column of `permissions`.
    pub allowed: Vec<bool>,
    /// Items hidden from them (labels).
    pub hidden: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/staff/permission-table", tag = "accounts",
    params(("tenant" = String, Path)), responses((status = 200, description = "10.3 操作権限一覧表", body = PermissionTable)))]
pub async fn permission_table(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<PermissionTable>> {
    let rows =
        kikan_app::accounts::permission_table(&*state.store, p.tenant, state.clock.today()).await?;
    Ok(Json(PermissionTable {
        permissions: kikan_security::Permission::ALL
            .iter()
            .map(|x| x.label().to_string())
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| PermissionRowView {
                login: r.login,
                name: r.name,
                role_label: r.role.label().into(),
                department: r.department,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
                usable: r.usable,
                allowed: r.allowed,
                hidden: r.hidden.into_iter().map(String::from).collect(),
            })
            .collect(),
    }))
}
