//! Store errors, with stable codes and Japanese messages like the domain's.

use kikan_domain::DomainError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A domain rule refused the change.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Another clerk committed a change to the same records first.
    #[error(
        "他の職員が同じ世帯・住民を先に更新しました。最新の内容を確認して、もう一度入力してください"
    )]
    Conflict,
    #[error("団体コード {0} の団体は登録されていません")]
    TenantNotFound(String),
    #[error("団体コード {0} の団体は既に登録されています")]
    TenantExists(String),
    /// A name already taken (a staff login in the tenant).
    #[error("{0} は既に使われています")]
    Exists(String),
    /// Stored data that does not decode: a sign of tampering or a bug.
    #[error("保存データが壊れています({0})")]
    Corrupt(String),
    /// The database failed; the cause is for the log, not for staff.
    #[error("データベースでエラーが発生しました。時間をおいて再度お試しください")]
    Database(String),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Domain(e) => e.code(),
            StoreError::Conflict => "E-CONFLICT-002",
            StoreError::TenantNotFound(_) => "E-TENANT-001",
            StoreError::TenantExists(_) => "E-TENANT-002",
            StoreError::Exists(_) => "E-EXISTS-001",
            StoreError::Corrupt(_) => "E-STORE-002",
            StoreError::Database(_) => "E-STORE-001",
        }
    }
}
