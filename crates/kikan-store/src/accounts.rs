//! Stored records of staff accounts, sessions and API tokens (issue 4). The checks
//! themselves (passwords, second factor, roles) live in `kikan-security`.

use chrono::{DateTime, NaiveDate, Utc};
use kikan_security::{Item, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A staff member's account in one municipality.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    /// The login name, unique within the tenant.
    pub login: String,
    /// The name shown to colleagues and in the audit log's views.
    pub name: String,
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    /// The TOTP secret, encrypted at rest (`enc1:…`).
    pub totp_secret: String,
    /// The last accepted TOTP step: a code is accepted once.
    pub totp_last_step: i64,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub active: bool,
    /// The subject (`sub`) of the municipality's identity provider, when linked.
    pub oidc_subject: Option<String>,
    pub created_at: DateTime<Utc>,
    /// 承認待ち: asked for by an administrator for a role that sees personal data; not
    /// usable (and not active) until someone who may approve access approves it.
    pub awaiting_approval: bool,
    /// Who approved it (None: needed no approval).
    pub approved_by: Option<i64>,
    /// 10.4: items hidden on this person's screens.
    pub hidden_items: BTreeSet<Item>,
    /// 10.3: 所属部署, 利用期間 and a change prepared in advance.
    pub profile: StaffProfile,
}

impl StaffAccount {
    /// The items hidden from this person: their own, and their department's.
    pub fn hidden(&self) -> BTreeSet<Item> {
        self.hidden_items
            .union(&self.profile.department_items)
            .copied()
            .collect()
    }
}

/// 10.3 (j1380): what kikan keeps of a staff member beyond the role and credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProfile {
    /// 所属部署: the code of their department ([`Department`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// 利用期間: the first day the account may be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// 利用期間: the last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The items their department hides (組織単位), copied here whenever the
    /// department or their membership changes.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub department_items: BTreeSet<Item>,
    /// スケジューラー: a change prepared in advance, made on its day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<ScheduledChange>,
}

impl StaffProfile {
    /// Whether the account may be used on `day` (its 利用期間).
    pub fn usable_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_until.is_none_or(|u| day <= u)
    }
}

/// A change of a staff member's account prepared in advance (人事異動 on 4月1日 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// The day it takes effect.
    pub on: NaiveDate,
    /// The new department (its code), if it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The items hidden from them from that day, if they change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_items: Option<BTreeSet<Item>>,
    /// The account ends the day before (退職, 転出 to another office).
    #[serde(default)]
    pub ends: bool,
    /// Who prepared it.
    pub by: String,
}

/// 所属部署: a department whose members share settings (10.3: アクセス権限の付与は組織単位で).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// The municipality's own code for it (as a place's: letters, digits, `-`, `_`).
    pub code: String,
    /// 市民課, 保険年金課 …
    pub name: String,
    /// Items hidden from every member (on top of each member's own).
    pub hidden_items: BTreeSet<Item>,
}

impl std::fmt::Debug for StaffAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hashes and secrets stay out of logs.
        f.debug_struct("StaffAccount")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// New credentials for an account (10.3: the user changes the password, the
/// administrator resets it or the second factor). Whatever is set, the failures and
/// the lock are cleared and every session of the account ends.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CredentialReset {
    /// argon2id PHC string.
    pub password_hash: Option<String>,
    /// A new TOTP secret, encrypted (`enc1:…`); its used-step count starts again.
    pub totp_secret: Option<String>,
    /// The account waits for approval again (and is not active until then).
    pub awaiting_approval: bool,
}

impl std::fmt::Debug for CredentialReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialReset")
            .field("password", &self.password_hash.is_some())
            .field("totp", &self.totp_secret.is_some())
            .field("awaiting_approval", &self.awaiting_approval)
            .finish()
    }
}

/// What a login attempt changes on the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginState {
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub totp_last_step: i64,
}

/// A signed-in person's session. Only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub staff_id: i64,
    /// The token the UI sends back in `X-CSRF-Token` with every change.
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A system's credential (another business system reading the registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub token_hash: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// After this the token is refused.
    pub expires_at: DateTime<Utc>,
    /// The staff member who made it (None: made on the server's command line); the
    /// token is revoked when that account is deactivated.
    pub created_by: Option<i64>,
    pub revoked: bool,
    /// 承認待ち: the token itself, sealed under the installation's keys, while it
    /// awaits approval (see [`StaffAccount::awaiting_approval`]); the approver is
    /// shown it once and it is erased. Never usable while set.
    pub sealed: Option<String>,
    /// Who approved it (None: needed no approval).
    pub approved_by: Option<i64>,
    /// 10.4: items this system does not see (its business has no need of them).
    pub hidden_items: BTreeSet<Item>,
    /// The businesses whose 法第7条 items this system sets (選挙, 国保 …): its scope; none
    /// for a system that only reads.
    pub businesses: BTreeSet<kikan_domain::business::Business>,
}

impl ApiToken {
    /// How long a token made before expiry dates existed stays valid.
    pub const LEGACY_DAYS: i64 = 365;
    /// Characters of the hash that name a token in lists and URLs.
    pub const ID_CHARS: usize = 16;

    /// The token's public name in lists and URLs: the start of its hash (never the
    /// token itself).
    pub fn id(&self) -> &str {
        self.token_hash
            .get(..Self::ID_CHARS)
            .unwrap_or(&self.token_hash)
    }

    /// Whether the token may be used at `now`.
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.sealed.is_none() && now < self.expires_at
    }

    /// Whether it awaits approval (and is neither revoked nor expired).
    pub fn awaiting_approval(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.sealed.is_some() && now < self.expires_at
    }
}

/// A staff member's security key (二要素認証 by IC card or biometrics, 10.3): a WebAuthn
/// credential, kept as the relying party needs it (public key and signature counter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffKey {
    /// The credential's id (base64url), unique within the municipality.
    pub credential_id: String,
    pub staff_id: i64,
    /// What the staff member called it (「庁内ICカード」, 「指紋リーダー」 …).
    pub name: String,
    /// The credential as JSON (the relying party library's own form).
    pub data: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A municipality's identity provider (OIDC), for staff who sign in there.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// The issuer URL (discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    /// Encrypted at rest (`enc1:…`); the server decrypts it with the installation's keys.
    pub client_secret: String,
    /// Where the provider sends the browser back: `…/api/v1/tenants/{tenant}/oidc/callback`.
    pub redirect_url: String,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// An access token given to a 庁内データ連携 client (a business system): short-lived,
/// stored only as its hash, with the scopes granted (space-separated, as the token
/// endpoint answered them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    pub token_hash: String,
    pub client_id: String,
    /// The `jti` of the client_secret_jwt assertion it was given for (None: HTTP Basic):
    /// one assertion gives one token, so a replayed assertion is refused.
    pub jti: Option<String>,
    pub scopes: String,
    pub expires_at: DateTime<Utc>,
}
