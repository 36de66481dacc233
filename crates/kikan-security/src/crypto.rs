//! Field encryption at rest: AES-256-GCM under numbered keys, with the tenant and
//! the field as associated data (a ciphertext moved to another tenant or column
//! does not decrypt). New values use the current key; older keys still decrypt, so
//! keys rotate without downtime. Lookups use a blind index: HMAC-SHA256 under a
//! separate key, so equal values can be found without decrypting anything.
//!
//! Stored form: `enc1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`.

use crate::SecurityError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

/// The keys of an installation: numbered data keys (the highest is current) and the
/// blind-index key.
#[derive(Clone)]
pub struct Keyring {
    keys: BTreeMap<u32, Aes256Gcm>,
    current: u32,
    index_key: Vec<u8>,
    /// Each data key's fingerprint (see [`Keyring::fingerprints`]).
    fingerprints: BTreeMap<u32, String>,
}

/// What identifies the keys without revealing them: SHA-256 of a label and each key
/// (the keys are 256 random bits, so the hash gives nothing away). A backup records
/// them; a restore refuses keys that do not match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyFingerprints {
    /// Data keys by id.
    pub data: BTreeMap<u32, String>,
    pub index: String,
}

fn fingerprint(key: &[u8]) -> String {
    use sha2::Digest;
    let mut h = Sha256::new();
    h.update(b"kikan key fingerprint\0");
    h.update(key);
    crate::token::hex(&h.finalize()[..16])
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Keyring")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish()
    }
}

fn key_bytes(b64: &str) -> Result<Vec<u8>, SecurityError> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|_| SecurityError::Key("鍵は base64 で書いてください".into()))?;
    if bytes.len() != 32 {
        return Err(SecurityError::Key(format!(
            "鍵は32バイト(256ビット)です({}バイトでした)",
            bytes.len()
        )));
    }
    Ok(bytes)
}

impl Keyring {
    /// Parses `"1:<base64 key>,2:<base64 key>"` (data keys; the highest id encrypts)
    /// and the blind-index key (base64, 32 bytes).
    pub fn parse(data_keys: &str, index_key: &str) -> Result<Self, SecurityError> {
        let mut keys = BTreeMap::new();
        let mut fingerprints = BTreeMap::new();
        for part in data_keys.split(',').filter(|p| !p.trim().is_empty()) {
            let (id, key) = part
                .split_once(':')
                .ok_or_else(|| SecurityError::Key("「番号:鍵」の形で書いてください".into()))?;
            let id: u32 = id
                .trim()
                .parse()
                .map_err(|_| SecurityError::Key(format!("鍵番号 {id:?} が数字ではありません")))?;
            let bytes = key_bytes(key)?;
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| SecurityError::Key("鍵の長さが違います".into()))?;
            keys.insert(id, cipher);
            fingerprints.insert(id, fingerprint(&bytes));
        }
        let current = *keys
            .keys()
            .next_back()
            .ok_or_else(|| SecurityError::Key("データ鍵がありません".into()))?;
        Ok(Keyring {
            keys,
            current,
            index_key: key_bytes(index_key)?,
            fingerprints,
        })
    }

    /// The keys' fingerprints (never the keys).
    pub fn fingerprints(&self) -> KeyFingerprints {
        KeyFingerprints {
            data: self.fingerprints.clone(),
            index: fingerprint(&self.index_key),
        }
    }

    /// A fresh random key, base64 (for `kikan keys new`).
    pub fn new_key() -> String {
        STANDARD.encode(rand::random::<[u8; 32]>())
    }

    /// The id of the key new values are encrypted under.
    pub fn current(&self) -> u32 {
        self.current
    }

    fn aad(tenant: &str, field: &str) -> Vec<u8> {
        format!("kikan\0{tenant}\0{field}").into_bytes()
    }

    /// Encrypts `plain` for `field` of `tenant` under the current key.
    pub fn encrypt(&self, tenant: &str, field: &str, plain: &str) -> Result<String, SecurityError> {
        let cipher = self
            .keys
            .get(&self.current)
            .ok_or_else(|| SecurityError::Key("現在の鍵がありません".into()))?;
        let nonce_bytes: [u8; 12] = rand::random();
        let nonce = Nonce::try_from(&nonce_bytes[..]).map_err(|_| SecurityError::Decrypt)?;
        let aad = Self::aad(tenant, field);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| SecurityError::Key("暗号化に失敗しました".into()))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!(
            "enc1:{}:{}",
            self.current,
            URL_SAFE_NO_PAD.encode(out)
        ))
    }

    /// Decrypts a stored value of `field` of `tenant`.
    pub fn decrypt(
        &self,
        tenant: &str,
        field: &str,
        stored: &str,
    ) -> Result<String, SecurityError> {
        let rest = stored.strip_prefix("enc1:").ok_or(SecurityError::Decrypt)?;
        let (id, body) = rest.split_once(':').ok_or(SecurityError::Decrypt)?;
        let id: u32 = id.parse().map_err(|_| SecurityError::Decrypt)?;
        let cipher = self
            .keys
            .get(&id)
            .ok_or_else(|| SecurityError::Key(format!("鍵 {id} が設定にありません")))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SecurityError::Decrypt)?;
        if bytes.len() < 12 + 16 {
            return Err(SecurityError::Decrypt);
        }
        let nonce = Nonce::try_from(&bytes[..12]).map_err(|_| SecurityError::Decrypt)?;
        let aad = Self::aad(tenant, field);
        let plain = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &bytes[12..],
                    aad: &aad,
                },
            )
            .map_err(|_| SecurityError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| SecurityError::Decrypt)
    }

    /// The key id a stored value was encrypted under (rotation finds old values).
    pub fn key_of(stored: &str) -> Option<u32> {
        stored
            .strip_prefix("enc1:")?
            .split_once(':')?
            .0
            .parse()
            .ok()
    }

    /// The blind index of `value` for `field` of `tenant`: equal inputs give equal
    /// indexes; nothing about the value can be read from it without the index key.
    pub fn blind_index(&self, tenant: &str, field: &str, value: &str) -> String {
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.index_key) {
            Ok(m) => m,
            // HMAC takes keys of any length; this cannot happen.
            Err(_) => return String::new(),
        };
        mac.update(&Self::aad(tenant, field));
        mac.update(b"\0");
        mac.update(value.as_bytes());
        crate::token::hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(keys: &[(u32, &str)], index: &str) -> Keyring {
        let spec: Vec<String> = keys.iter().map(|(i, k)| format!("{i}:{k}")).collect();
        Keyring::parse(&spec.join(","), index).expect("keyring")
    }

    #[test]
    fn round_trip_bound_to_tenant_and_field() {
        let (k1, ix) = (Keyring::new_key(), Keyring::new_key());
        let r = ring(&[(1, &k1)], &ix);
        let c = r
            .encrypt("141003", "individual_number", "123456789018")
            .expect("enc");
        assert!(c.starts_with("enc1:1:"));
        assert!(!c.contains("123456789018"));
        assert_eq!(
            r.decrypt("141003", "individual_number", &c).as_deref(),
            Ok("123456789018")
        );
        assert_eq!(
            r.decrypt("130001", "individual_number", &c),
            Err(SecurityError::Decrypt)
        );
        assert_eq!(
            r.decrypt("141003", "totp_secret", &c),
            Err(SecurityError::Decrypt)
        );
        let mut tampered = c.clone();
        tampered.pop();
        tampered.push(if c.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            r.decrypt("141003", "individual_number", &tampered),
            Err(SecurityError::Decrypt)
        );
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let (k1, k2, ix) = (Keyring::new_key(), Keyring::new_key(), Keyring::new_key());
        let old = ring(&[(1, &k1)], &ix);
        let c1 = old.encrypt("141003", "f", "v").expect("enc");
        let new = ring(&[(1, &k1), (2, &k2)], &ix);
        assert_eq!(new.current(), 2);
        assert_eq!(new.decrypt("141003", "f", &c1).as_deref(), Ok("v"));
        let c2 = new.encrypt("141003", "f", "v").expect("enc");
        assert_eq!(Keyring::key_of(&c2), Some(2));
        // After re-encryption the old key can go.
        let only2 = ring(&[(2, &k2)], &ix);
        assert_eq!(only2.decrypt("141003", "f", &c2).as_deref(), Ok("v"));
        assert!(only2.decrypt("141003", "f", &c1).is_err());
        // The blind index depends on the index key only.
        assert_eq!(
            old.blind_index("141003", "f", "v"),
            only2.blind_index("141003", "f", "v")
        );
        assert_ne!(
            old.blind_index("141003", "f", "v"),
            old.blind_index("130001", "f", "v")
        );
    }

    #[test]
    fn bad_keys_are_refused_clearly() {
        assert!(Keyring::parse("", &Keyring::new_key()).is_err());
        assert!(Keyring::parse("1:short", &Keyring::new_key()).is_err());
        assert!(Keyring::parse(&format!("x:{}", Keyring::new_key()), &Keyring::new_key()).is_err());
    }
}
