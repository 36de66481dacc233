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

/// Creates an API token for a system; returns the token, shown once.
pub async fn add_api_token(
    store: &dyn kikan_store::Store,
    tenant: kikan_domain::LocalGovCode,
    name: &str,
    role: Role,
) -> Result<String, kikan_store::StoreError> {
    if name.trim().is_empty() {
        return Err(kikan_domain::DomainError::Missing {
            field: "トークン名",
        }
        .into());
    }
    let token = kikan_security::token::new_token();
    store
        .add_api_token(
            tenant,
            &ApiToken {
                token_hash: kikan_security::token::hash(&token),
                name: name.trim().to_string(),
                role,
                created_at: chrono::Utc::now(),
                revoked: false,
            },
        )
        .await?;
    Ok(token)
}
