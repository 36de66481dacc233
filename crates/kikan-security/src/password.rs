//! Staff passwords: argon2id (the crate's default parameters, m=19 MiB, t=2), PHC strings.

use crate::SecurityError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// Hashes a new password (argon2id, random salt) after checking its length.
pub fn hash(password: &str) -> Result<String, SecurityError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(SecurityError::WeakPassword { min: MIN_LENGTH });
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| SecurityError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that no password matches, verified against when the login name is unknown,
/// so that an unknown name costs the same time as a wrong password.
pub fn decoy() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZW1wdHllbXB0eWVtcHR5ZW1wdHllbXB0eWVtcHR5ZW0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
        assert!(!verify("anything", decoy()));
        assert_eq!(
            hash("short"),
            Err(SecurityError::WeakPassword { min: MIN_LENGTH })
        );
    }
}
