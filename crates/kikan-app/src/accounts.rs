//! Staff accounts and API tokens as an administrator creates them.

use chrono::NaiveDate;
use kikan_domain::{DomainError, LocalGovCode};
use kikan_security::Role;
use kikan_store::accounts::{ApiToken, Department, ScheduledChange, StaffAccount};
use kikan_store::{Store, StoreError};

/// A new account as created: the stored record, and the TOTP secret (base32) to
/// hand to the staff member once, for their authenticator app. No secret when the
/// account awaits approval: the approver is shown it (see [`approve_staff`]).
pub struct NewStaff {
    pub account: StaffAccount,
    pub totp_secret: Option<String>,
}

/// What a new account is.
pub struct StaffIn<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: &'a str,
    /// The administrator asking for it (None: the server's operator, on its command
    /// line). An administrator's request for a role that sees personal data waits for
    /// approval: the one who sets the password never also holds the second factor.
    pub requested_by: Option<i64>,
}

/// Creates and stores an account: the password hashed (argon2id), a fresh TOTP
/// secret encrypted under the installation's keys.
pub async fn add_staff(
    store: &dyn kikan_store::Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: kikan_domain::LocalGovCode,
    new: StaffIn<'_>,
) -> Result<NewStaff, kikan_store::StoreError> {
    let login = new.login.trim();
    let valid_login = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !valid_login {
        return Err(kikan_domain::DomainError::Invalid {
            field: "ログイン名",
            reason: "半角英数字と . _ - @ で64文字以内にしてください".into(),
        }
        .into());
    }
    let name = new.name;
    if name.trim().is_empty() {
        return Err(kikan_domain::DomainError::Missing { field: "氏名" }.into());
    }
    if new.role == Role::System {
        return Err(kikan_domain::DomainError::Invalid {
            field: "役割",
            reason: "連携システムの役割はAPIトークン専用です(職員には付けられません)".into(),
        }
        .into());
    }
    plain_name(name, "氏名")?;
    let password_hash = kikan_security::password::hash(new.password).map_err(|e| {
        kikan_domain::DomainError::Invalid {
            field: "パスワード",
            reason: e.to_string(),
        }
    })?;
    let totp_secret = kikan_security::totp::new_secret();
    let sealed = keys
        .encrypt(&tenant.to_string(), "staff.totp_secret", &totp_secret)
        .map_err(|e| kikan_store::StoreError::Database(e.to_string()))?;
    let awaiting = new.requested_by.is_some() && new.role.sees_personal_data();
    let account = StaffAccount {
        id: crate::ids::new_id(),
        login: login.to_string(),
        name: name.trim().to_string(),
        role: new.role,
        password_hash,
        totp_secret: sealed,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: None,
        active: !awaiting,
        oidc_subject: None,
        created_at: chrono::Utc::now(),
        awaiting_approval: awaiting,
        approved_by: None,
        hidden_items: Default::default(),
        profile: Default::default(),
    };
    store.add_staff(tenant, &account).await?;
    Ok(NewStaff {
        account,
        totp_secret: (!awaiting).then_some(totp_secret),
    })
}

/// 承認: activates an account awaiting approval and returns its TOTP secret, shown
/// to the approver once to hand to the staff member (who has the password from the
/// administrator). None when the account does not await approval.
pub async fn approve_staff(
    store: &dyn kikan_store::Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: kikan_domain::LocalGovCode,
    login: &str,
    approver: i64,
) -> Result<Option<NewStaff>, kikan_store::StoreError> {
    let Some(mut account) = store.staff_by_login(tenant, login).await? else {
        return Ok(None);
    };
    if !account.awaiting_approval || account.id == approver {
        return Ok(None);
    }
    let secret = keys
        .decrypt(
            &tenant.to_string(),
            "staff.totp_secret",
            &account.totp_secret,
        )
        .map_err(|e| kikan_store::StoreError::Corrupt(e.to_string()))?;
    if !store.approve_staff(tenant, account.id, approver).await? {
        return Ok(None);
    }
    account.active = true;
    account.awaiting_approval = false;
    account.approved_by = Some(approver);
    Ok(Some(NewStaff {
        account,
        totp_secret: Some(secret),
    }))
}

fn hashed(password: &str, field: &'static str) -> Result<String, kikan_store::StoreError> {
    kikan_security::password::hash(password).map_err(|e| {
        kikan_domain::DomainError::Invalid {
            field,
            reason: e.to_string(),
        }
        .into()
    })
}

fn no_such_staff(login: &str) -> kikan_store::StoreError {
    kikan_domain::DomainError::Invalid {
        field: "職員",
        reason: format!("{login} は利用中の職員アカウントではありません"),
    }
    .into()
}

/// 10.3: a staff member changes their own password (the current one proven). Their
/// sessions end; they sign in again with the new one.
pub async fn change_password(
    store: &dyn kikan_store::Store,
    tenant: kikan_domain::LocalGovCode,
    staff_id: i64,
    current: &str,
    new: &str,
) -> Result<(), kikan_store::StoreError> {
    let account = store
        .staff_by_id(tenant, staff_id)
        .await?
        .filter(|a| a.active)
        .ok_or_else(|| no_such_staff(&staff_id.to_string()))?;
    if !kikan_security::password::verify(current, &account.password_hash) {
        return Err(kikan_domain::DomainError::Invalid {
            field: "現在のパスワード",
            reason: "一致しません".into(),
        }
        .into());
    }
    let reset = kikan_store::accounts::CredentialReset {
        password_hash: Some(hashed(new, "新しいパスワード")?),
        ..Default::default()
    };
    store
        .reset_staff_credentials(tenant, account.id, &reset)
        .await
}

/// 10.3: the administrator sets a new initial password for an account (the staff
/// member forgot theirs). The second factor stays the staff member's: the password
/// alone signs nobody in.
pub async fn reset_password(
    store: &dyn kikan_store::Store,
    tenant: kikan_domain::LocalGovCode,
    login: &str,
    new: &str,
) -> Result<StaffAccount, kikan_store::StoreError> {
    let account = store
        .staff_by_login(tenant, login)
        .await?
        .filter(|a| a.active || a.awaiting_approval)
        .ok_or_else(|| no_such_staff(login))?;
    let reset = kikan_store::accounts::CredentialReset {
        password_hash: Some(hashed(new, "パスワード")?),
        ..Default::default()
    };
    store
        .reset_staff_credentials(tenant, account.id, &reset)
        .await?;
    Ok(account)
}

/// 10.3: the administrator resets an account's second factor (a lost phone, IC card or key). A new
/// TOTP secret is made; for a role that sees personal data the account waits for
/// approval again and only the approver is shown the secret ([`approve_staff`]), so
/// that the administrator, who may know the password, never holds both.
pub async fn reset_second_factor(
    store: &dyn kikan_store::Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: kikan_domain::LocalGovCode,
    login: &str,
) -> Result<NewStaff, kikan_store::StoreError> {
    let mut account = store
        .staff_by_login(tenant, login)
        .await?
        .filter(|a| a.active || a.awaiting_approval)
        .ok_or_else(|| no_such_staff(login))?;
    let secret = kikan_security::totp::new_secret();
    let sealed = keys
        .encrypt(&tenant.to_string(), "staff.totp_secret", &secret)
        .map_err(|e| kikan_store::StoreError::Database(e.to_string()))?;
    let awaiting = account.role.sees_personal_data();
    let reset = kikan_store::accounts::CredentialReset {
        password_hash: None,
        totp_secret: Some(sealed.clone()),
        awaiting_approval: awaiting,
    };
    store
        .reset_staff_credentials(tenant, account.id, &reset)
        .await?;
    // A lost IC card or a broken reader: every security key goes with the old secret.
    store.remove_staff_keys(tenant, account.id, None).await?;
    account.totp_secret = sealed;
    account.awaiting_approval = awaiting;
    account.active = account.active && !awaiting;
    Ok(NewStaff {
        account,
        totp_secret: (!awaiting).then_some(secret),
    })
}

/// How long a new API token stays valid unless said otherwise, and at most.
pub const TOKEN_DAYS: u32 = 90;
pub const TOKEN_DAYS_MAX: u32 = 365;

/// What a new API token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken<'a> {
    /// The system's name (税務システム …).
    pub name: &'a str,
    pub role: Role,
    /// Days until it expires (1 to [`TOKEN_DAYS_MAX`]).
    pub days: u32,
    /// The staff member making it (None on the command line).
    pub created_by: Option<i64>,
    /// 10.4: items the system does not see.
    pub hidden_items: std::collections::BTreeSet<kikan_security::Item>,
    /// The businesses whose 法第7条 items the system sets (its scope): 連携システム only.
    pub businesses: std::collections::BTreeSet<kikan_domain::business::Business>,
}

/// Creates an API token for a system at once; returns the token (shown once) and the
/// record stored for it. For the server's operator (its command line) and for roles
/// that see no personal data; what an administrator asks for goes through
/// [`request_api_token`].
pub async fn add_api_token(
    store: &dyn kikan_store::Store,
    tenant: kikan_domain::LocalGovCode,
    new: NewToken<'_>,
) -> Result<(String, ApiToken), kikan_store::StoreError> {
    let (token, record) = token_record(&new)?;
    store.add_api_token(tenant, &record).await?;
    Ok((token, record))
}

/// An administrator asks for an API token: one with a role that sees personal data is
/// stored sealed under the installation's keys, awaiting approval, and not returned
/// (see [`approve_api_token`]); others are made at once.
pub async fn request_api_token(
    store: &dyn kikan_store::Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: kikan_domain::LocalGovCode,
    new: NewToken<'_>,
) -> Result<(Option<String>, ApiToken), kikan_store::StoreError> {
    if !new.role.sees_personal_data() {
        let (token, record) = add_api_token(store, tenant, new).await?;
        return Ok((Some(token), record));
    }
    let (token, mut record) = token_record(&new)?;
    let sealed = keys
        .encrypt(&tenant.to_string(), TOKEN_CONTEXT, &token)
        .map_err(|e| kikan_store::StoreError::Database(e.to_string()))?;
    record.sealed = Some(sealed);
    store.add_api_token(tenant, &record).await?;
    Ok((None, record))
}

/// A new token and its record, the input checked.
fn token_record(new: &NewToken<'_>) -> Result<(String, ApiToken), kikan_store::StoreError> {
    let name = new.name;
    if name.trim().is_empty() {
        return Err(kikan_domain::DomainError::Missing {
            field: "トークン名",
        }
        .into());
    }
    plain_name(name, "トークン名")?;
    if !(1..=TOKEN_DAYS_MAX).contains(&new.days) {
        return Err(kikan_domain::DomainError::Invalid {
            field: "有効日数",
            reason: format!("1から{TOKEN_DAYS_MAX}日までにしてください"),
        }
        .into());
    }
    if !new.businesses.is_empty() && new.role != Role::System {
        return Err(kikan_domain::DomainError::Invalid {
            field: "業務の範囲",
            reason: "法第7条の業務事項を設定できるのは連携システムのトークンだけです".into(),
        }
        .into());
    }
    let token = kikan_security::token::new_token();
    let now = chrono::Utc::now();
    let record = ApiToken {
        token_hash: kikan_security::token::hash(&token),
        name: name.trim().to_string(),
        role: new.role,
        created_at: now,
        expires_at: now + chrono::Duration::days(i64::from(new.days)),
        created_by: new.created_by,
        revoked: false,
        sealed: None,
        approved_by: None,
        hidden_items: new.hidden_items.clone(),
        businesses: new.businesses.clone(),
    };
    Ok((token, record))
}

/// What a sealed token awaiting approval is sealed for.
const TOKEN_CONTEXT: &str = "api_token.awaiting_approval";

/// 承認: makes a token awaiting approval usable for the days it was asked for, from
/// now, and returns it (shown to the approver once) with its record. None when the
/// token does not await approval, or the approver asked for it.
pub async fn approve_api_token(
    store: &dyn kikan_store::Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: kikan_domain::LocalGovCode,
    id: &str,
    approver: i64,
) -> Result<Option<(String, ApiToken)>, kikan_store::StoreError> {
    let now = chrono::Utc::now();
    let Some(mut record) = store
        .api_tokens(tenant)
        .await?
        .into_iter()
        .find(|t| t.id() == id && t.awaiting_approval(now))
    else {
        return Ok(None);
    };
    let Some(sealed) = record.sealed.take() else {
        return Ok(None);
    };
    if record.created_by == Some(approver) {
        return Ok(None);
    }
    let token = keys
        .decrypt(&tenant.to_string(), TOKEN_CONTEXT, &sealed)
        .map_err(|e| kikan_store::StoreError::Corrupt(e.to_string()))?;
    record.expires_at = now + (record.expires_at - record.created_at);
    if !store
        .approve_api_token(tenant, id, approver, record.expires_at)
        .await?
    {
        return Ok(None);
    }
    record.approved_by = Some(approver);
    Ok(Some((token, record)))
}

/// A name that becomes an audit actor or is shown beside one: at most 100 characters,
/// no control characters and no bidirectional overrides (which would make a log line
/// read other than it is).
pub(crate) fn plain_name(name: &str, field: &'static str) -> Result<(), kikan_store::StoreError> {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
    if name.chars().count() > 100 || name.chars().any(|c| c.is_control() || bidi(c)) {
        return Err(kikan_domain::DomainError::Invalid {
            field,
            reason: "制御文字や書字方向の制御文字を含まない100文字以内にしてください".into(),
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_without_control_or_direction_characters() {
        assert!(super::plain_name("窓口　花子", "氏名").is_ok());
        assert!(super::plain_name("住基連携システム", "トークン名").is_ok());
        for bad in [
            "a\u{0}b",
            "tab\there",
            "\u{202E}evil",
            "x\u{2066}y",
            &"あ".repeat(101),
        ] {
            assert!(super::plain_name(bad, "氏名").is_err(), "{bad:?}");
        }
    }
}

// ---- 10.3 (j1380): departments, 利用期間, changes prepared in advance ----

fn staff_not_found(login: &str) -> StoreError {
    DomainError::Invalid {
        field: "ログイン名",
        reason: format!("職員 {login} は登録されていません"),
    }
    .into()
}

/// The department `code` names, or an error naming the field.
async fn department(
    store: &dyn Store,
    tenant: LocalGovCode,
    code: &str,
) -> Result<Department, StoreError> {
    store
        .departments(tenant)
        .await?
        .into_iter()
        .find(|d| d.code == code)
        .ok_or_else(|| {
            DomainError::UnknownCode {
                kind: "所属部署",
                value: code.to_string(),
            }
            .into()
        })
}

/// Adds or replaces a department (所属部署); its hidden items are copied to each of its
/// members at once (they apply from their next request). Returns how many members.
pub async fn put_department(
    store: &dyn Store,
    tenant: LocalGovCode,
    d: Department,
) -> Result<usize, StoreError> {
    if !kikan_store::places::valid_code(&d.code) {
        return Err(DomainError::Invalid {
            field: "部署コード",
            reason: "半角英数字と - _ で16文字以内にしてください".into(),
        }
        .into());
    }
    plain_name(&d.name, "部署名")?;
    if d.name.trim().is_empty() {
        return Err(DomainError::Missing { field: "部署名" }.into());
    }
    store.put_department(tenant, &d).await?;
    let mut members = 0;
    for s in store.staff_list(tenant).await? {
        if s.profile.department.as_deref() == Some(d.code.as_str()) {
            let mut profile = s.profile.clone();
            profile.department_items = d.hidden_items.clone();
            store.set_staff_profile(tenant, s.id, &profile).await?;
            members += 1;
        }
    }
    Ok(members)
}

/// 10.3: sets a staff member's department (its hidden items with it) and 利用期間.
pub async fn set_profile(
    store: &dyn Store,
    tenant: LocalGovCode,
    login: &str,
    department_code: Option<&str>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
) -> Result<StaffAccount, StoreError> {
    let mut s = store
        .staff_by_login(tenant, login)
        .await?
        .ok_or_else(|| staff_not_found(login))?;
    if let (Some(f), Some(u)) = (valid_from, valid_until)
        && u < f
    {
        return Err(DomainError::Invalid {
            field: "利用期間",
            reason: "終了日を開始日より前にはできません".into(),
        }
        .into());
    }
    s.profile.department_items = match department_code {
        Some(code) => department(store, tenant, code).await?.hidden_items,
        None => Default::default(),
    };
    s.profile.department = department_code.map(String::from);
    s.profile.valid_from = valid_from;
    s.profile.valid_until = valid_until;
    store.set_staff_profile(tenant, s.id, &s.profile).await?;
    Ok(s)
}

/// スケジューラー: prepares a change of a staff member's account for a later day (a
/// new department, other hidden items, the account's end). One change waits at a
/// time: a new one replaces it.
pub async fn schedule(
    store: &dyn Store,
    tenant: LocalGovCode,
    login: &str,
    change: ScheduledChange,
    today: NaiveDate,
) -> Result<StaffAccount, StoreError> {
    let mut s = store
        .staff_by_login(tenant, login)
        .await?
        .ok_or_else(|| staff_not_found(login))?;
    if change.on <= today {
        return Err(DomainError::Invalid {
            field: "予定日",
            reason: "明日以降の日にしてください(今日の変更はその場で行えます)".into(),
        }
        .into());
    }
    if change.department.is_none() && change.hidden_items.is_none() && !change.ends {
        return Err(DomainError::Missing {
            field: "予定する変更",
        }
        .into());
    }
    if let Some(code) = &change.department {
        department(store, tenant, code).await?;
    }
    s.profile.scheduled = Some(change);
    store.set_staff_profile(tenant, s.id, &s.profile).await?;
    Ok(s)
}

/// Makes a staff member's prepared change if its day has come (on `today`); returns the
/// account as it now is, and whether a change was made.
pub async fn apply_due(
    store: &dyn Store,
    tenant: LocalGovCode,
    mut s: StaffAccount,
    today: NaiveDate,
) -> Result<(StaffAccount, bool), StoreError> {
    let Some(change) = s.profile.scheduled.clone().filter(|c| c.on <= today) else {
        return Ok((s, false));
    };
    if let Some(code) = &change.department {
        // A department removed since is left out rather than blocking the rest.
        let found = store
            .departments(tenant)
            .await?
            .into_iter()
            .find(|d| &d.code == code);
        if let Some(d) = found {
            s.profile.department = Some(d.code);
            s.profile.department_items = d.hidden_items;
        }
    }
    if let Some(items) = &change.hidden_items {
        store.set_staff_items(tenant, s.id, items).await?;
        s.hidden_items = items.clone();
    }
    if change.ends {
        s.profile.valid_until = change.on.pred_opt();
    }
    s.profile.scheduled = None;
    store.set_staff_profile(tenant, s.id, &s.profile).await?;
    Ok((s, true))
}

/// Makes every prepared change whose day has come (the daily job); returns the logins.
pub async fn apply_schedules(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    let mut done = Vec::new();
    for s in store.staff_list(tenant).await? {
        let login = s.login.clone();
        if apply_due(store, tenant, s, today).await?.1 {
            done.push(login);
        }
    }
    Ok(done)
}

/// One line of a batch of accounts (一括メンテナンス, 10.3), as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffLine {
    pub login: String,
    pub name: String,
    pub role: String,
    /// 所属部署 (code); empty: none.
    pub department: String,
    /// 利用期間 (和暦 or 西暦); empty: open.
    pub valid_from: String,
    pub valid_until: String,
    /// Hidden items, by code or label, separated by `・`, `,` or spaces.
    pub hidden_items: String,
}

/// What a batch did: the accounts created (with the initial password and the TOTP
/// secret to hand over once) and the logins changed.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub created: Vec<(String, String, String)>,
    pub changed: Vec<String>,
}

struct Checked {
    line: StaffLine,
    role: Role,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    items: std::collections::BTreeSet<kikan_security::Item>,
    existing: Option<StaffAccount>,
}

/// 操作権限の一括メンテナンス (10.3): creates the accounts of a batch that do not exist
/// and sets, for every line, the department, the 利用期間 and the hidden items. Every
/// line is checked first: with any error (numbered from 1, the heading not counted)
/// nothing is written. A line may not change an existing account's role or name.
pub async fn apply_batch(
    store: &dyn Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: LocalGovCode,
    lines: Vec<StaffLine>,
) -> Result<BatchOutcome, Vec<String>> {
    let departments = store
        .departments(tenant)
        .await
        .map_err(|e| vec![e.to_string()])?;
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in lines.into_iter().enumerate() {
        let n = i + 1;
        let mut fail = |m: String| errors.push(format!("{n}行目: {m}"));
        if !seen.insert(line.login.clone()) {
            fail(format!("ログイン名 {} が重複しています", line.login));
            continue;
        }
        let Some(role) = Role::parse(line.role.trim()) else {
            fail(format!("役割「{}」は登録されていない区分です", line.role));
            continue;
        };
        if !line.department.trim().is_empty()
            && !departments.iter().any(|d| d.code == line.department.trim())
        {
            fail(format!(
                "所属部署「{}」は登録されていません",
                line.department
            ));
            continue;
        }
        let day = |s: &str| -> Result<Option<NaiveDate>, String> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            kikan_domain::wareki::parse_date(s)
                .map(Some)
                .map_err(|e| e.to_string())
        };
        let (from, until) = match (day(&line.valid_from), day(&line.valid_until)) {
            (Ok(f), Ok(u)) => (f, u),
            (Err(e), _) | (_, Err(e)) => {
                fail(format!("利用期間: {e}"));
                continue;
            }
        };
        let mut items = std::collections::BTreeSet::new();
        let mut bad = None;
        for name in line
            .hidden_items
            .split(['・', ',', '、', ' ', '　'])
            .filter(|s| !s.is_empty())
        {
            match kikan_security::Item::parse(name) {
                Some(item) => {
                    items.insert(item);
                }
                None => bad = Some(name.to_string()),
            }
        }
        if let Some(name) = bad {
            fail(format!(
                "項目「{name}」は表示を制御できる項目ではありません"
            ));
            continue;
        }
        let existing = match store.staff_by_login(tenant, line.login.trim()).await {
            Ok(e) => e,
            Err(e) => {
                fail(e.to_string());
                continue;
            }
        };
        if let Some(e) = &existing
            && (e.role != role || e.name != line.name.trim())
        {
            fail(format!(
                "既存の職員 {} の役割・氏名は一括メンテナンスでは変えられません",
                line.login
            ));
            continue;
        }
        checked.push(Checked {
            line,
            role,
            from,
            until,
            items,
            existing,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = BatchOutcome::default();
    let failed = |e: StoreError| vec![e.to_string()];
    for c in checked {
        let login = c.line.login.trim().to_string();
        if c.existing.is_none() {
            let password = kikan_security::token::new_token();
            let created = add_staff(
                store,
                keys,
                tenant,
                StaffIn {
                    login: &login,
                    name: &c.line.name,
                    role: c.role,
                    password: &password,
                    requested_by: None,
                },
            )
            .await
            .map_err(failed)?;
            out.created.push((
                login.clone(),
                password,
                created.totp_secret.unwrap_or_default(),
            ));
        } else {
            out.changed.push(login.clone());
        }
        let department = Some(c.line.department.trim()).filter(|d| !d.is_empty());
        let s = set_profile(store, tenant, &login, department, c.from, c.until)
            .await
            .map_err(failed)?;
        store
            .set_staff_items(tenant, s.id, &c.items)
            .await
            .map_err(failed)?;
    }
    Ok(out)
}

/// One staff member in the 操作権限一覧表 (10.3): what their role allows, in the order of
/// [`kikan_security::Permission::ALL`], and what is hidden from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRow {
    pub login: String,
    pub name: String,
    pub role: Role,
    /// 所属部署, by name (its code when the department is gone).
    pub department: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Usable: active, approved, within its 利用期間 on the day asked.
    pub usable: bool,
    pub allowed: Vec<bool>,
    /// Items hidden from them (their own and their department's), by label.
    pub hidden: Vec<&'static str>,
}

/// 操作権限一覧表 (10.3): every staff member with the permissions of their role and
/// the items hidden from them, on `today`, by login.
pub async fn permission_table(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
) -> Result<Vec<PermissionRow>, StoreError> {
    let departments = store.departments(tenant).await?;
    let mut rows: Vec<PermissionRow> = store
        .staff_list(tenant)
        .await?
        .into_iter()
        .map(|s| PermissionRow {
            department: s.profile.department.as_ref().map(|code| {
                departments
                    .iter()
                    .find(|d| &d.code == code)
                    .map_or(code.clone(), |d| d.name.clone())
            }),
            valid_from: s.profile.valid_from,
            valid_until: s.profile.valid_until,
            usable: s.active && s.profile.usable_on(today),
            allowed: kikan_security::Permission::ALL
                .iter()
                .map(|p| s.role.allows(*p))
                .collect(),
            hidden: s.hidden().iter().map(|i| i.label()).collect(),
            login: s.login,
            name: s.name,
            role: s.role,
        })
        .collect();
    rows.sort_by(|a, b| a.login.cmp(&b.login));
    Ok(rows)
}
