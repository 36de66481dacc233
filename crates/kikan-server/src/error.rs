//! The API's error body: a stable code, a Japanese message, and the field if known.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kikan_app::check::CheckError;
use kikan_domain::DomainError;
use kikan_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Every error response has this body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `E-IDO-010`.
    #[schema(example = "E-IDO-010")]
    pub code: String,
    /// Message for staff, in Japanese.
    #[schema(example = "世帯主がいません。世帯主を1人指定してください")]
    pub message: String,
    /// The request field the error is about, when known (`persons[1].birth_date`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// The `Allow` header of a 405.
    pub allow: Option<String>,
    /// 通信ログ (10.2): the communication error behind it, if any.
    pub comm: Option<Box<crate::commlog::CommFailure>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            allow: None,
            comm: None,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                field: None,
            },
        }
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E-HTTP-404",
            format!("{what}が見つかりません"),
        )
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "E-HTTP-400", message)
    }
    /// 422 `E-INPUT-003`: `field` (its Japanese name) is not right, for `reason`; `at`
    /// names the request field.
    pub fn invalid(field: &'static str, reason: impl Into<String>, at: &str) -> Self {
        ApiError::from(DomainError::Invalid {
            field,
            reason: reason.into(),
        })
        .at(at)
    }
    /// Marks the error as one of talking to `peer` (written to the 通信ログ, 10.2).
    pub fn talking_to(mut self, peer: crate::commlog::Peer, error: impl ToString) -> Self {
        self.comm = Some(Box::new(crate::commlog::CommFailure {
            peer,
            error: error.to_string(),
        }));
        self
    }
    /// Attaches the request field the error is about.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        if self.body.field.is_none() {
            self.body.field = Some(field.into());
        }
        self
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = match e {
            DomainError::PersonNotFound(_)
            | DomainError::HouseholdNotFound(_)
            | DomainError::MemoNotFound { .. }
            | DomainError::NoticeNotPending { .. }
            | DomainError::KatagakiNotFound { .. }
            | DomainError::NoticeSubjectUnknown { .. }
            | DomainError::OutboundItemNotFound { .. }
            | DomainError::CsItemNotFound { .. }
            | DomainError::NoGaiji { .. }
            | DomainError::KioskCardUnknown => StatusCode::NOT_FOUND,
            DomainError::KioskRefused => StatusCode::FORBIDDEN,
            DomainError::CsResendStale { .. } | DomainError::GaijiRegistered { .. } => {
                StatusCode::CONFLICT
            }
            DomainError::Conflict { .. } | DomainError::MemoStale { .. } => StatusCode::CONFLICT,
            // 4.0.1: this terminal's 区役所 enters 異動 for its ward's residents only.
            DomainError::OutsideWard { .. } => StatusCode::FORBIDDEN,
            // 抑止: the record is held for this processing until released.
            DomainError::Suppressed { .. }
            | DomainError::Locked { .. }
            | DomainError::TooManyLocks { .. } => StatusCode::LOCKED,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Conflict => ApiError::new(StatusCode::CONFLICT, e.code(), e.to_string()),
            StoreError::TenantNotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string())
            }
            StoreError::TenantExists(_) | StoreError::Exists(_) => {
                ApiError::new(StatusCode::CONFLICT, e.code(), e.to_string())
            }
            StoreError::Corrupt(ref cause) => {
                // The cause goes to the log; staff see the plain message.
                tracing::error!(code = e.code(), %cause, "store failure");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string())
            }
            StoreError::Database(ref cause) => {
                tracing::error!(code = e.code(), %cause, "store failure");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string())
                    .talking_to(crate::commlog::Peer::Database, cause)
            }
        }
    }
}

impl From<kikan_security::SecurityError> for ApiError {
    fn from(e: kikan_security::SecurityError) -> Self {
        match e {
            kikan_security::SecurityError::WeakPassword { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            }
            other => {
                tracing::error!(code = other.code(), "key or hash failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    other.code(),
                    "暗号処理でエラーが発生しました。管理者に連絡してください",
                )
            }
        }
    }
}

impl From<CheckError> for ApiError {
    fn from(e: CheckError) -> Self {
        match e {
            CheckError::Store(s) => s.into(),
            other => ApiError::new(StatusCode::CONFLICT, "E-CHECK-001", other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = crate::metrics::ErrorCode(self.body.code.clone());
        let mut res = (self.status, Json(self.body)).into_response();
        res.extensions_mut().insert(code);
        if let Some(comm) = self.comm {
            res.extensions_mut().insert(*comm);
        }
        if let Some(allow) = self.allow.and_then(|a| a.parse().ok()) {
            res.headers_mut().insert(axum::http::header::ALLOW, allow);
        }
        res
    }
}

/// `Json` whose rejection is an [`ApiError`] with a Japanese message.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query` whose rejection is an [`ApiError`].
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejection is an [`ApiError`].
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "E-HTTP-400",
            format!("リクエストの形式が正しくありません({})", r.body_text()),
        )
    }
}
impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "E-HTTP-400",
            format!("検索条件の形式が正しくありません({})", r.body_text()),
        )
    }
}
impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "E-HTTP-404",
            format!("URLが正しくありません({})", r.body_text()),
        )
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
