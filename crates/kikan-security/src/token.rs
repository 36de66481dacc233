//! Session and API tokens: 32 random bytes shown once; only their SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A new random token, as the client will send it (`kikan_…`).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("kikan_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a token (lowercase hex SHA-256).
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (super::new_token(), super::new_token());
        assert_ne!(a, b);
        assert!(a.starts_with("kikan_") && a.len() > 40);
        assert_eq!(super::hash(&a).len(), 64);
        assert_eq!(super::hash(&a), super::hash(&a));
        assert_ne!(super::hash(&a), super::hash(&b));
    }
}
