//! Staff accounts and API tokens as an administrator creates them.

use kikan_security::Role;
use kikan_store::accounts::{ApiToken, StaffAccount};

/// A new account as created: the stored record, and the TOTP secret (base32) to
/// hand to the staff member once, for their authenticator app.
pub struct NewStaff {
    pub account: StaffAccount,
    pub totp_secret: String,
}

/// Creates and stores an account: the password hashed (argon2id), a fresh TOTP
/// secret encrypted under the installation's keys.
pub async fn add_staff(
    store: &dyn kikan_store::Store,
    keys: &kikan_security::crypto::Keyring,
    tenant: kikan_domain::LocalGovCode,
    login: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<NewStaff, kikan_store::StoreError> {
    let login = login.trim();
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
    if name.trim().is_empty() {
        return Err(kikan_domain::DomainError::Missing { field: "氏名" }.into());
    }
    plain_name(name, "氏名")?;
    let password_hash = kikan_security::password::hash(password).map_err(|e| {
        kikan_domain::DomainError::Invalid {
            field: "パスワード",
            reason: e.to_string(),
        }
    })?;
    let totp_secret = kikan_security::totp::new_secret();
    let sealed = keys
        .encrypt(&tenant.to_string(), "staff.totp_secret", &totp_secret)
        .map_err(|e| kikan_store::StoreError::Database(e.to_string()))?;
    let account = StaffAccount {
        id: crate::ids::new_id(),
        login: login.to_string(),
        name: name.trim().to_string(),
        role,
        password_hash,
        totp_secret: sealed,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: None,
        active: true,
        oidc_subject: None,
        created_at: chrono::Utc::now(),
    };
    store.add_staff(tenant, &account).await?;
    Ok(NewStaff {
        account,
        totp_secret,
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
}

/// Creates an API token for a system; returns the token (shown once) and the record
/// stored for it.
pub async fn add_api_token(
    store: &dyn kikan_store::Store,
    tenant: kikan_domain::LocalGovCode,
    new: NewToken<'_>,
) -> Result<(String, ApiToken), kikan_store::StoreError> {
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
    };
    store.add_api_token(tenant, &record).await?;
    Ok((token, record))
}

/// A name that becomes an audit actor or is shown beside one: at most 100 characters,
/// no control characters and no bidirectional overrides (which would make a log line
/// read other than it is).
fn plain_name(name: &str, field: &'static str) -> Result<(), kikan_store::StoreError> {
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
