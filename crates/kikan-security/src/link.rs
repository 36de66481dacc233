//! 庁内データ連携: how another business system of the municipality (税務, 国保, 介護 …, and
//! the 団体内統合宛名システム) is let in. It authenticates with the OAuth 2.0
//! client-credentials grant (RFC 6749 §4.4): a `client_secret_jwt` assertion (RFC 7523
//! §2.2, an HMAC-signed JWT), or its secret over HTTP Basic where the municipality allows
//! that as an interim; it gets a short-lived bearer token, never a refresh token; and the
//! token carries scopes written `業務システムID:リソース名:操作名`.
//!
//! A scope token may hold only printable ASCII (RFC 6749 §3.3), so the resource and
//! operation names are ASCII words (`kokuho:residents:read`), their Japanese names given
//! by [`Resource::label`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// What a business system may read (リソース名).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// 住民情報 (全件): every resident on a date, page by page.
    Residents,
    /// 異動差分: the change feed after a cursor (宛名連携, 7.2.3).
    Changes,
    /// 団体内統合宛名 (7.1.2.3): the 宛名 items and the 世帯 (法第7条第4号) of each person,
    /// in full and after a cursor.
    Atena,
    /// 個人番号: the number itself, with the 団体内統合宛名 records. Only a system of a
    /// 個人番号利用事務 may hold this scope.
    IndividualNumber,
    /// 証明書発行抑止 (3.1): the suppressions of certificates, set and released, for the
    /// コンビニ交付システム (never a 一時解除, never the reason).
    IssuanceHolds,
    /// コンビニ交付 (7.2.5): certificates issued at a terminal (a convenience store's
    /// multi-copy machine, a キオスク端末) to the holder of a 個人番号カード, asked by the
    /// 証明書交付センター with the card's 利用者証明用電子証明書のシリアル番号. The one
    /// resource whose operation is `issue`.
    KioskCertificates,
}

impl Resource {
    pub const ALL: [Resource; 6] = [
        Resource::Residents,
        Resource::Changes,
        Resource::Atena,
        Resource::IndividualNumber,
        Resource::IssuanceHolds,
        Resource::KioskCertificates,
    ];

    /// What may be done with it: `issue` for [`Resource::KioskCertificates`], else `read`.
    pub fn operation(self) -> Operation {
        match self {
            Resource::KioskCertificates => Operation::Issue,
            _ => Operation::Read,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Resource::Residents => "residents",
            Resource::Changes => "changes",
            Resource::Atena => "atena",
            Resource::IndividualNumber => "individual_number",
            Resource::IssuanceHolds => "issuance_holds",
            Resource::KioskCertificates => "kiosk_certificates",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Resource::Residents => "住民情報",
            Resource::Changes => "異動差分",
            Resource::Atena => "団体内統合宛名",
            Resource::IndividualNumber => "個人番号",
            Resource::IssuanceHolds => "証明書発行抑止",
            Resource::KioskCertificates => "コンビニ交付",
        }
    }

    pub fn parse(s: &str) -> Option<Resource> {
        Resource::ALL
            .into_iter()
            .find(|r| r.code() == s || r.label() == s)
    }
}

/// What a business system may do with a resource (操作名): reads, and the one issue of
/// コンビニ交付.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// 参照.
    Read,
    /// 交付: certificates issued at a terminal (コンビニ交付).
    Issue,
}

impl Operation {
    pub fn code(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Issue => "issue",
        }
    }

    pub fn parse(s: &str) -> Option<Operation> {
        match s {
            "read" | "参照" => Some(Operation::Read),
            "issue" | "交付" => Some(Operation::Issue),
            _ => None,
        }
    }
}

/// One scope: `業務システムID:リソース名:操作名`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    /// 業務システムID: the business system the client is (its own id, never another's).
    pub system: String,
    pub resource: Resource,
    pub operation: Operation,
}

/// Why a scope or a system id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("業務システムID「{0}」は英数字・ハイフン・下線の1〜32文字にしてください")]
    SystemId(String),
    #[error("スコープ「{0}」は 業務システムID:リソース名:操作名 の形にしてください")]
    Form(String),
    #[error(
        "リソース名「{0}」はありません(residents, changes, atena, individual_number, issuance_holds, kiosk_certificates)"
    )]
    Resource(String),
    #[error("操作名「{0}」はこのリソースにはありません(kiosk_certificatesはissue、ほかはread)")]
    Operation(String),
}

/// Whether a 業務システムID is well formed: 1–32 ASCII letters, digits, `-` or `_`.
pub fn check_system_id(s: &str) -> Result<(), ScopeError> {
    let ok = (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(())
        .ok_or_else(|| ScopeError::SystemId(s.to_string()))
}

impl Scope {
    pub fn new(system: &str, resource: Resource) -> Self {
        Scope {
            system: system.to_string(),
            resource,
            operation: resource.operation(),
        }
    }

    pub fn parse(s: &str) -> Result<Scope, ScopeError> {
        let mut parts = s.split(':');
        let (Some(system), Some(resource), Some(operation), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ScopeError::Form(s.to_string()));
        };
        check_system_id(system)?;
        let resource =
            Resource::parse(resource).ok_or_else(|| ScopeError::Resource(resource.to_string()))?;
        // Each resource has its one operation (`read`, or `issue` for コンビニ交付).
        let operation = Operation::parse(operation)
            .filter(|o| *o == resource.operation())
            .ok_or_else(|| ScopeError::Operation(operation.to_string()))?;
        Ok(Scope {
            system: system.to_string(),
            resource,
            operation,
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.system,
            self.resource.code(),
            self.operation.code()
        )
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Scope::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A space-separated scope list (the form of the `scope` parameter and answer).
pub fn parse_scopes(s: &str) -> Result<BTreeSet<Scope>, ScopeError> {
    s.split_ascii_whitespace().map(Scope::parse).collect()
}

/// The space-separated form of a scope set.
pub fn scope_text(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `client_assertion_type` of a `client_secret_jwt` assertion.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest an assertion may live (its `exp` after now): a used assertion's `jti` is
/// kept at least this long, so that it cannot be replayed.
pub const ASSERTION_MAX_SECONDS: i64 = 300;

/// Why an assertion was refused (each is `invalid_client` to the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("クライアントアサーションを読み取れません")]
    Malformed,
    #[error("クライアントアサーションの署名が正しくありません")]
    Signature,
    #[error("クライアントアサーションの有効期限が切れています")]
    Expired,
    #[error(
        "クライアントアサーションの有効期間が長すぎます({ASSERTION_MAX_SECONDS}秒以内にしてください)"
    )]
    TooLong,
    #[error("クライアントアサーションの{0}が正しくありません")]
    Claim(&'static str),
}

/// What a verified assertion tells: its id (for the replay check) and until when it
/// could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub jti: String,
    pub expires_at: i64,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    #[serde(default)]
    aud: Audience,
    exp: i64,
    jti: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

/// The client id an assertion claims to be from (`iss`), read before its signature
/// is checked, so that the client's secret can be looked up. Nothing it says is trusted.
pub fn assertion_issuer(assertion: &str) -> Option<String> {
    use base64::Engine;
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iss")?.as_str().map(String::from)
}

/// Verifies a `client_secret_jwt` assertion (RFC 7523 §3): an HS256/384/512 signature
/// under the client's secret; `iss` and `sub` the client id; `aud` naming the token
/// endpoint (an address whose path is `audience_path`, so that an assertion made for one
/// municipality's endpoint is refused by another's); `exp` in the future and at most
/// [`ASSERTION_MAX_SECONDS`] away; a `jti`. `now` is seconds since the epoch.
pub fn verify_assertion(
    assertion: &str,
    client_id: &str,
    secret: &[u8],
    audience_path: &str,
    now: i64,
) -> Result<Assertion, AssertionError> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| AssertionError::Malformed)?;
    if !matches!(
        header.alg,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    ) {
        return Err(AssertionError::Malformed);
    }
    let mut validation = Validation::new(header.alg);
    // Time and audience are checked below, against `now` and the endpoint's path.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<Claims>(assertion, &DecodingKey::from_secret(secret), &validation)
            .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => AssertionError::Signature,
            _ => AssertionError::Malformed,
        })?;
    let c = data.claims;
    if c.iss != client_id {
        return Err(AssertionError::Claim("発行者(iss)"));
    }
    if c.sub != client_id {
        return Err(AssertionError::Claim("主体(sub)"));
    }
    let names_endpoint = |a: &str| {
        let path = a
            .split_once("://")
            .map(|(_, rest)| rest.find('/').map_or("", |i| &rest[i..]))
            .unwrap_or(a);
        path.trim_end_matches('/') == audience_path
    };
    let aud_ok = match &c.aud {
        Audience::One(a) => names_endpoint(a),
        Audience::Many(list) => list.iter().any(|a| names_endpoint(a)),
        Audience::None => false,
    };
    if !aud_ok {
        return Err(AssertionError::Claim("宛先(aud)"));
    }
    // A minute's leeway for clocks that differ.
    if c.exp + 60 <= now {
        return Err(AssertionError::Expired);
    }
    if c.exp > now + ASSERTION_MAX_SECONDS {
        return Err(AssertionError::TooLong);
    }
    let jti = c
        .jti
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or(AssertionError::Claim("識別子(jti)"))?;
    Ok(Assertion {
        jti,
        expires_at: c.exp,
    })
}

/// Makes a `client_secret_jwt` assertion (HS256), as a business system would; for tests,
/// the simulator and the documentation's example.
pub fn make_assertion(
    client_id: &str,
    secret: &[u8],
    audience: &str,
    jti: &str,
    now: i64,
) -> Result<String, AssertionError> {
    let claims = serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": jti,
        "iat": now,
        "exp": now + 60,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .map_err(|_| AssertionError::Malformed)
}

/// Compares two secrets in constant time (HTTP Basic, the interim method).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use hmac::Mac;
    // Comparing the MACs of both under one key takes the same time whatever differs.
    let mac = |x: &[u8]| {
        let mut m = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(b"kikan-basic")
            .expect("HMAC takes a key of any length");
        m.update(x);
        m.finalize().into_bytes()
    };
    let (x, y) = (mac(a), mac(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/api/v1/tenants/149993/oauth/token";

    #[test]
    fn scopes_read_and_print_in_the_standards_form() {
        let s = Scope::parse("kokuho:residents:read").expect("scope");
        assert_eq!(s, Scope::new("kokuho", Resource::Residents));
        assert_eq!(s.to_string(), "kokuho:residents:read");
        assert_eq!(
            Scope::parse("kokuho:住民情報:参照").expect("labels"),
            Scope::new("kokuho", Resource::Residents)
        );
        assert!(matches!(
            Scope::parse("kokuho:residents"),
            Err(ScopeError::Form(_))
        ));
        assert!(matches!(
            Scope::parse("kokuho:taxes:read"),
            Err(ScopeError::Resource(_))
        ));
        assert!(matches!(
            Scope::parse("kokuho:residents:write"),
            Err(ScopeError::Operation(_))
        ));
        assert!(matches!(
            Scope::parse("国保:residents:read"),
            Err(ScopeError::SystemId(_))
        ));
        // コンビニ交付: the one resource that is issued, not read.
        let kiosk = Scope::parse("konbini:kiosk_certificates:issue").expect("kiosk");
        assert_eq!(kiosk, Scope::new("konbini", Resource::KioskCertificates));
        assert_eq!(
            Scope::parse("konbini:コンビニ交付:交付").expect("labels"),
            kiosk
        );
        for wrong in ["konbini:kiosk_certificates:read", "konbini:residents:issue"] {
            assert!(
                matches!(Scope::parse(wrong), Err(ScopeError::Operation(_))),
                "{wrong}"
            );
        }
        let set = parse_scopes(" kokuho:changes:read  kokuho:residents:read ").expect("set");
        assert_eq!(
            scope_text(&set),
            "kokuho:residents:read kokuho:changes:read"
        );
    }

    #[test]
    fn an_assertion_is_checked_claim_by_claim() {
        let now = 1_800_000_000;
        let secret = b"0123456789abcdef0123456789abcdef";
        let aud = format!("https://kikan.example.lg.jp{PATH}");
        let good = make_assertion("c1", secret, &aud, "j1", now).expect("make");
        assert_eq!(assertion_issuer(&good).as_deref(), Some("c1"));
        assert_eq!(
            verify_assertion(&good, "c1", secret, PATH, now),
            Ok(Assertion {
                jti: "j1".into(),
                expires_at: now + 60
            })
        );
        assert_eq!(
            verify_assertion(&good, "c1", b"another secret", PATH, now),
            Err(AssertionError::Signature)
        );
        assert_eq!(
            verify_assertion(&good, "c2", secret, PATH, now),
            Err(AssertionError::Claim("発行者(iss)"))
        );
        assert_eq!(
            verify_assertion(
                &good,
                "c1",
                secret,
                "/api/v1/tenants/131016/oauth/token",
                now
            ),
            Err(AssertionError::Claim("宛先(aud)"))
        );
        assert_eq!(
            verify_assertion(&good, "c1", secret, PATH, now + 121),
            Err(AssertionError::Expired)
        );
        assert_eq!(
            verify_assertion(&good, "c1", secret, PATH, now - 400),
            Err(AssertionError::TooLong)
        );
        // The path alone names the endpoint too.
        let bare = make_assertion("c1", secret, PATH, "j2", now).expect("make");
        assert!(verify_assertion(&bare, "c1", secret, PATH, now).is_ok());
        assert_eq!(
            verify_assertion("not.a.jwt", "c1", secret, PATH, now),
            Err(AssertionError::Malformed)
        );
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
