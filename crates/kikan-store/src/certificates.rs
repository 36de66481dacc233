//! The issuance register (証明書交付簿): every certificate issued, with its request,
//! what it printed, the hash of the PDF and its verification code (照合番号), and every
//! re-print. The whole record is stored encrypted (it holds names, addresses and perhaps a
//! 個人番号); the serial, the code, the date, the kind, the staff member and the persons
//! are kept beside it in the clear so that the register can be searched.

use crate::StoreError;
use crate::seal::Sealer;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::PersonId;
use kikan_domain::certificate::{CertificateContent, CertificateRequest};
use serde::{Deserialize, Serialize};

/// The field name the register's records are encrypted under.
const FIELD: &str = "certificate";

/// One issue, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// 交付番号: per municipality, from 1, never reused.
    pub serial: i64,
    /// 照合番号: random, printed on every page.
    pub code: String,
    pub issued_at: DateTime<Utc>,
    /// The staff member who issued it (login).
    pub staff: String,
    pub request: CertificateRequest,
    pub content: CertificateContent,
    /// The 支援措置 decision, when a measure concerned a printed person: the examiner's
    /// approval reason, or `self` for the protected person themselves.
    pub support: Option<String>,
    /// 交付場所 (1.3.1): where it was issued, as `terminal@place`, when known.
    #[serde(default)]
    pub place: Option<String>,
    /// The registered printer it was printed on by kikan (10.7), part of its 発行番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<i64>,
    pub fee: u32,
    pub pages: u32,
    /// SHA-256 of the PDF as issued (hex).
    pub pdf_sha256: String,
    /// Re-prints, oldest first (filled by the store from its own table).
    #[serde(default)]
    pub reprints: Vec<Reprint>,
}

impl Certificate {
    pub fn persons(&self) -> &[PersonId] {
        &self.request.persons
    }
    /// The 処分 recorded for it, if any (1.3.8).
    pub fn disposal(&self) -> Option<&Reprint> {
        self.reprints.iter().find(|r| r.disposed)
    }
}

/// A re-print of an issued certificate (用紙詰まり, 汚損 …): the same serial and code.
/// With `disposed`, the register's 処分情報 (1.3.8) instead: the certificate was issued
/// in error and destroyed; it is kept with the re-prints, as one more event of the
/// certificate, and nothing is printed under its number after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reprint {
    pub at: DateTime<Utc>,
    pub staff: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disposed: bool,
}

/// A search of the register; every criterion is optional, newest first.
#[derive(Debug, Clone, Default)]
pub struct CertificateQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub person: Option<PersonId>,
    pub staff: Option<String>,
    pub kind: Option<String>,
    pub limit: u32,
}

impl CertificateQuery {
    /// The limit, bounded to 1..=500 (default 100).
    pub fn bounded_limit(&self) -> i64 {
        match self.limit {
            0 => 100,
            n => i64::from(n.min(500)),
        }
    }
}

/// The stored form of a record: encrypted JSON (without the re-prints).
pub fn seal(sealer: &Sealer, tenant: &str, c: &Certificate) -> Result<String, StoreError> {
    let mut plain = c.clone();
    plain.reprints.clear();
    let json = serde_json::to_string(&plain).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sealer
        .keys()
        .encrypt(tenant, FIELD, &json)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Reads a stored record back.
pub fn open(
    sealer: &Sealer,
    tenant: &str,
    stored: &str,
    reprints: Vec<Reprint>,
) -> Result<Certificate, StoreError> {
    let json = sealer
        .keys()
        .decrypt(tenant, FIELD, stored)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut c: Certificate =
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    c.reprints = reprints;
    Ok(c)
}

/// Reads a stored re-print.
pub fn reprint_of(json: &str) -> Result<Reprint, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The stored form of a re-print.
pub fn reprint_json(r: &Reprint) -> Result<String, StoreError> {
    serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))
}
