//! The second factor: time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s,
//! one step of clock skew), as every authenticator app reads them.

use totp_rs::{Builder, Secret, Totp};

/// A new secret, base32 as authenticator apps take it.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret_b32: &str, account: &str, issuer: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(issuer))
        .build()
        .ok()
}

/// The `otpauth://` URL an authenticator app scans (as a QR code) or takes as text.
pub fn url(secret_b32: &str, account: &str, issuer: &str) -> Option<String> {
    totp(secret_b32, account, issuer)?.to_url().ok()
}

/// Checks a code at `unix_seconds`; returns the time step it belongs to. The caller
/// accepts a step only once (a code cannot be replayed).
pub fn check(secret_b32: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    totp(secret_b32, "kikan", "kikan")?.check(code.trim(), unix_seconds)
}

/// The code at `unix_seconds` (tests, and the demo's printed codes).
pub fn code_at(secret_b32: &str, unix_seconds: u64) -> Option<String> {
    Some(
        totp(secret_b32, "kikan", "kikan")?
            .generate(unix_seconds)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_check_within_one_step() {
        let s = new_secret();
        let now = 1_790_000_000;
        let code = code_at(&s, now).expect("code");
        assert_eq!(code.len(), 6);
        assert_eq!(check(&s, &code, now), Some(now / 30));
        assert_eq!(check(&s, &code, now + 30), Some(now / 30));
        assert_eq!(check(&s, &code, now + 90), None);
        assert_eq!(check(&s, "000000x", now), None);
        assert_eq!(check("not base32!", &code, now), None);
        let u = url(&s, "tanaka@141003", "kikan 横浜市").expect("url");
        assert!(u.starts_with("otpauth://totp/"));
    }

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); 6 digits: 287082.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
    }
}
