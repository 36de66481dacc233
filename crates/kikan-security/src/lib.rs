//! kikan-security: who may do what, how staff prove who they are, and the
//! tamper-evident audit chain. Pure functions and types: no SQL, no HTTP.
//!
//! - [`roles`]: the roles of the standard (窓口, 審査, 管理者, 監査) and what each allows.
//! - [`password`]: argon2id hashes of staff passwords.
//! - [`totp`]: the second factor (RFC 6238 time-based one-time codes).
//! - [`token`]: session and API tokens, stored only as hashes.
//! - [`audit`]: the audit event, its hash chain and the chain's verification.
//! - [`link`]: 庁内データ連携: the scopes other business systems are given and their
//!   client_secret_jwt assertions (OAuth 2.0 client credentials).
//! - [`crypto`]: field encryption (AES-256-GCM, key rotation) and blind indexes.

pub mod audit;
pub mod crypto;
pub mod jpki;
pub mod link;
pub mod password;
pub mod roles;
pub mod token;
pub mod totp;

pub use audit::{AuditEvent, AuditRecord, Outcome};
pub use roles::{Item, Permission, Role};

/// A failure of a security check, with a stable code for the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityError {
    #[error("パスワードは{min}文字以上にしてください")]
    WeakPassword { min: usize },
    #[error("暗号鍵が正しくありません: {0}")]
    Key(String),
    #[error("暗号文を復号できません(改ざん、または鍵の誤り)")]
    Decrypt,
    #[error("パスワードのハッシュを作成できません: {0}")]
    Hash(String),
}

impl SecurityError {
    pub fn code(&self) -> &'static str {
        match self {
            SecurityError::WeakPassword { .. } => "E-AUTH-006",
            SecurityError::Key(_) => "E-KEY-001",
            SecurityError::Decrypt => "E-KEY-002",
            SecurityError::Hash(_) => "E-AUTH-007",
        }
    }
}
