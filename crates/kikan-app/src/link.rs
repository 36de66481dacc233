//! 庁内データ連携 (7.1.2.3, 7.2.3): the other business systems of the municipality as OAuth
//! 2.0 clients. An administrator registers a system (its 業務システムID, what it may read,
//! whether it is a 個人番号利用事務); someone who may approve access lets it in; the system
//! then gets short-lived bearer tokens with the client-credentials grant
//! (`client_secret_jwt`, or its secret over HTTP Basic where allowed as an interim) and
//! reads what its scopes name. No refresh token is ever given: a system asks again.

use chrono::{DateTime, Duration, Utc};
use kikan_domain::{DomainError, LocalGovCode};
use kikan_security::link::{self, Resource, Scope};
use kikan_store::StoreError;
use kikan_store::accounts::LinkToken;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How long an access token lasts (seconds): short, as the 庁内データ連携 rules ask.
pub const TOKEN_SECONDS: i64 = 300;

/// A business system registered as a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClient {
    pub client_id: String,
    /// 業務システムID: the first part of every scope it is given.
    pub system_id: String,
    /// 業務システム名.
    pub name: String,
    /// 利用目的: recorded with every read it makes (it may state its own per request).
    pub purpose: String,
    /// 個人番号利用事務: only such a system may read 個人番号.
    pub number_use: bool,
    /// HTTP Basic (client_secret_basic) allowed as an interim; `client_secret_jwt` always is.
    pub allow_basic: bool,
    /// What it may read: the scopes a token may be given.
    pub resources: BTreeSet<Resource>,
    /// The shared secret (the store seals it with the rest of the record).
    pub secret: String,
    pub created_at: DateTime<Utc>,
    /// The staff member who registered it (None: the command line).
    pub created_by: Option<i64>,
    /// Who let it in; until then it gets no token.
    pub approved_by: Option<i64>,
    pub revoked: bool,
}

impl LinkClient {
    /// Every scope it may be given.
    pub fn scopes(&self) -> BTreeSet<Scope> {
        self.resources
            .iter()
            .map(|r| Scope::new(&self.system_id, *r))
            .collect()
    }

    /// 承認待ち: registered, neither approved nor revoked.
    pub fn awaiting_approval(&self) -> bool {
        self.approved_by.is_none() && !self.revoked
    }

    /// Approved and not revoked.
    pub fn usable(&self) -> bool {
        self.approved_by.is_some() && !self.revoked
    }
}

/// What an administrator registers.
#[derive(Debug, Clone)]
pub struct NewClient<'a> {
    pub system_id: &'a str,
    pub name: &'a str,
    pub purpose: &'a str,
    pub number_use: bool,
    pub allow_basic: bool,
    pub resources: BTreeSet<Resource>,
    pub created_by: Option<i64>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> StoreError {
    DomainError::Invalid {
        field,
        reason: reason.into(),
    }
    .into()
}

fn new_secret() -> String {
    kikan_security::token::new_token()
}

/// Registers a business system; it is usable once approved. Returns the record, whose
/// secret is shown to the administrator this once.
pub async fn register(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
    new: NewClient<'_>,
) -> Result<LinkClient, StoreError> {
    link::check_system_id(new.system_id).map_err(|e| invalid("業務システムID", e.to_string()))?;
    for (text, field) in [(new.name, "業務システム名"), (new.purpose, "利用目的")] {
        if text.trim().is_empty() {
            return Err(DomainError::Missing { field }.into());
        }
        crate::accounts::plain_name(text, field)?;
    }
    if new.resources.is_empty() {
        return Err(DomainError::Missing {
            field: "参照できる情報",
        }
        .into());
    }
    if new.resources.contains(&Resource::IndividualNumber) {
        if !new.number_use {
            return Err(invalid(
                "参照できる情報",
                "個人番号を参照できるのは個人番号利用事務の業務システムだけです",
            ));
        }
        if !new.resources.contains(&Resource::Atena) {
            return Err(invalid(
                "参照できる情報",
                "個人番号は団体内統合宛名(atena)とともに参照します",
            ));
        }
    }
    let suffix: [u8; 6] = rand::random();
    let client = LinkClient {
        client_id: format!(
            "{}.{}",
            new.system_id,
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
        system_id: new.system_id.to_string(),
        name: new.name.trim().to_string(),
        purpose: new.purpose.trim().to_string(),
        number_use: new.number_use,
        allow_basic: new.allow_basic,
        resources: new.resources,
        secret: new_secret(),
        created_at: Utc::now(),
        created_by: new.created_by,
        approved_by: None,
        revoked: false,
    };
    put(store, tenant, &client).await?;
    Ok(client)
}

async fn put(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
    c: &LinkClient,
) -> Result<(), StoreError> {
    let data = serde_json::to_string(c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.put_link_client(tenant, &c.client_id, &data).await
}

/// Every registered system, by client id.
pub async fn clients(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
) -> Result<Vec<LinkClient>, StoreError> {
    store
        .link_clients(tenant)
        .await?
        .iter()
        .map(|(_, data)| decode(data))
        .collect()
}

/// One system by its client id.
pub async fn client(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
    client_id: &str,
) -> Result<Option<LinkClient>, StoreError> {
    store
        .link_client(tenant, client_id)
        .await?
        .as_deref()
        .map(decode)
        .transpose()
}

fn decode(data: &str) -> Result<LinkClient, StoreError> {
    serde_json::from_str(data).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// What a staff member did to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// アクセス権の承認: by someone other than who registered it.
    Approve { approver: i64 },
    /// Revoked: its tokens end at once.
    Revoke,
    /// A new secret: the old one and every token given for it end at once.
    NewSecret,
}

/// Applies a decision; None when there is no such client, or (approval) when it is not
/// awaiting approval or the approver registered it.
pub async fn decide(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
    client_id: &str,
    decision: Decision,
) -> Result<Option<LinkClient>, StoreError> {
    let Some(mut c) = client(store, tenant, client_id).await? else {
        return Ok(None);
    };
    match decision {
        Decision::Approve { approver } => {
            if c.approved_by.is_some() || c.revoked || c.created_by == Some(approver) {
                return Ok(None);
            }
            c.approved_by = Some(approver);
        }
        Decision::Revoke => c.revoked = true,
        Decision::NewSecret => {
            if c.revoked {
                return Ok(None);
            }
            c.secret = new_secret();
        }
    }
    put(store, tenant, &c).await?;
    if !matches!(decision, Decision::Approve { .. }) {
        store.end_link_tokens(tenant, client_id).await?;
    }
    Ok(Some(c))
}

/// How a client proves who it is at the token endpoint.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// `client_secret_jwt`: an assertion signed with the secret.
    Assertion {
        client_id: Option<String>,
        assertion: String,
    },
    /// `client_secret_basic` (interim).
    Basic { client_id: String, secret: String },
}

/// Why the token endpoint refused (RFC 6749 §5.2), with a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidClient(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error("grant_type は client_credentials だけが使えます")]
    UnsupportedGrantType,
}

impl TokenError {
    /// The OAuth error code.
    pub fn oauth(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient(_) => "invalid_client",
            TokenError::UnauthorizedClient(_) => "unauthorized_client",
            TokenError::InvalidScope(_) => "invalid_scope",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
        }
    }

    /// kikan's stable code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "E-OAUTH-001",
            TokenError::InvalidClient(_) => "E-OAUTH-002",
            TokenError::UnauthorizedClient(_) => "E-OAUTH-003",
            TokenError::InvalidScope(_) => "E-OAUTH-004",
            TokenError::UnsupportedGrantType => "E-OAUTH-005",
        }
    }
}

/// A token given.
#[derive(Debug, Clone)]
pub struct Issued {
    pub client: LinkClient,
    pub access_token: String,
    pub expires_in: i64,
    pub scopes: BTreeSet<Scope>,
}

/// Either a token error or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const UNKNOWN_CLIENT: &str = "クライアント認証に失敗しました";

/// The client-credentials grant: authenticates the client, checks the scopes asked for
/// (none asked: every scope it may have), stores and returns a short-lived token.
/// `audience_path` is this municipality's token endpoint (an assertion must name it).
pub async fn issue(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
    credentials: Credentials,
    scope: Option<&str>,
    audience_path: &str,
    now: DateTime<Utc>,
) -> Result<Issued, IssueError> {
    let claimed = match &credentials {
        Credentials::Assertion {
            client_id,
            assertion,
        } => {
            let issuer = link::assertion_issuer(assertion).ok_or_else(|| {
                TokenError::InvalidClient("クライアントアサーションを読み取れません".into())
            })?;
            if client_id.as_ref().is_some_and(|c| *c != issuer) {
                return Err(TokenError::InvalidClient(
                    "client_id とアサーションの発行者が一致しません".into(),
                )
                .into());
            }
            issuer
        }
        Credentials::Basic { client_id, .. } => client_id.clone(),
    };
    // Unknown, revoked and other municipalities' clients look the same.
    let c = client(store, tenant, &claimed)
        .await?
        .filter(|c| !c.revoked)
        .ok_or_else(|| TokenError::InvalidClient(UNKNOWN_CLIENT.into()))?;
    let jti = match &credentials {
        Credentials::Assertion { assertion, .. } => {
            let a = link::verify_assertion(
                assertion,
                &c.client_id,
                c.secret.as_bytes(),
                audience_path,
                now.timestamp(),
            )
            .map_err(|e| TokenError::InvalidClient(e.to_string()))?;
            Some(a.jti)
        }
        Credentials::Basic { secret, .. } => {
            if !link::same_secret(secret.as_bytes(), c.secret.as_bytes()) {
                return Err(TokenError::InvalidClient(UNKNOWN_CLIENT.into()).into());
            }
            if !c.allow_basic {
                return Err(TokenError::UnauthorizedClient(
                    "この業務システムにはBasic認証が許可されていません(client_secret_jwt を使ってください)"
                        .into(),
                )
                .into());
            }
            None
        }
    };
    if c.approved_by.is_none() {
        return Err(
            TokenError::UnauthorizedClient("この業務システムの登録は承認待ちです".into()).into(),
        );
    }
    let allowed = c.scopes();
    let scopes = match scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed,
        Some(asked) => {
            let asked =
                link::parse_scopes(asked).map_err(|e| TokenError::InvalidScope(e.to_string()))?;
            if let Some(s) = asked.iter().find(|s| !allowed.contains(s)) {
                return Err(TokenError::InvalidScope(format!(
                    "スコープ「{s}」はこの業務システムに許可されていません"
                ))
                .into());
            }
            asked
        }
    };
    let access_token = kikan_security::token::new_token();
    let record = LinkToken {
        token_hash: kikan_security::token::hash(&access_token),
        client_id: c.client_id.clone(),
        jti,
        scopes: link::scope_text(&scopes),
        expires_at: now + Duration::seconds(TOKEN_SECONDS),
    };
    // A used assertion is kept until it could no longer be used; then it goes.
    let purge_before = now - Duration::seconds(link::ASSERTION_MAX_SECONDS + 120);
    match store.add_link_token(tenant, &record, purge_before).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            return Err(TokenError::InvalidClient(
                "このクライアントアサーションは使用済みです(jti の再使用)".into(),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Issued {
        client: c,
        access_token,
        expires_in: TOKEN_SECONDS,
        scopes,
    })
}

/// The client and scopes of a bearer token, when it is one of ours and still good (not
/// expired, its client approved and not revoked).
pub async fn resolve(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(LinkClient, BTreeSet<Scope>)>, StoreError> {
    let Some(t) = store.link_token(tenant, token_hash).await? else {
        return Ok(None);
    };
    if t.expires_at <= now {
        return Ok(None);
    }
    let Some(c) = client(store, tenant, &t.client_id).await? else {
        return Ok(None);
    };
    if !c.usable() {
        return Ok(None);
    }
    // Scopes are re-checked against the registration as it stands now.
    let allowed = c.scopes();
    let scopes = link::parse_scopes(&t.scopes)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .into_iter()
        .filter(|s| allowed.contains(s))
        .collect();
    Ok(Some((c, scopes)))
}
