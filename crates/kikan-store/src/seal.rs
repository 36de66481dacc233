//! 個人番号 at rest: every stored JSON document (snapshots, versions, ledger entries)
//! carries the number encrypted (`enc1:…`, AES-256-GCM, the tenant and the field as
//! associated data), and the person rows carry a blind index (HMAC) of it for lookup.
//! Engines seal on every write and unseal on every read; nothing above the engines
//! sees a sealed value, and nothing below them sees a plain one.

use crate::StoreError;
use kikan_security::crypto::Keyring;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// The JSON field that holds a 個人番号, wherever it appears.
const FIELD: &str = "individual_number";

/// The sealed documents of a bulk batch (see [`Sealer::seal_bulk`]).
pub struct SealedBulk {
    pub ledger: Vec<String>,
    /// (document, blind index of the number).
    pub persons: Vec<(String, Option<String>)>,
    pub person_versions: Vec<String>,
}

/// The installation's keys, as the engines use them.
#[derive(Clone)]
pub struct Sealer {
    keys: Arc<Keyring>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl Sealer {
    pub fn new(keys: Arc<Keyring>) -> Self {
        Sealer { keys }
    }

    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Encrypts every plain 個人番号 in `json`. Returns the sealed document and the
    /// blind index of its top-level number (the person's own), if any.
    pub fn seal(&self, tenant: &str, json: &str) -> Result<(String, Option<String>), StoreError> {
        if !json.contains(FIELD) && !json.contains("\"IndividualNumber\"") {
            return Ok((json.to_string(), None));
        }
        let mut v: Value = serde_json::from_str(json).map_err(corrupt)?;
        let index = match v.get(FIELD) {
            Some(Value::String(n)) if !n.starts_with("enc1:") => {
                Some(self.keys.blind_index(tenant, FIELD, n))
            }
            _ => None,
        };
        self.walk(
            &mut v,
            &mut |n| self.keys.encrypt(tenant, FIELD, n).map_err(corrupt),
            |n| !n.starts_with("enc1:"),
        )?;
        Ok((serde_json::to_string(&v).map_err(corrupt)?, index))
    }

    /// Decrypts every sealed 個人番号 in `json` (documents without one pass as they are).
    pub fn unseal<'a>(&self, tenant: &str, json: &'a str) -> Result<Cow<'a, str>, StoreError> {
        if !json.contains("enc1:") {
            return Ok(Cow::Borrowed(json));
        }
        let mut v: Value = serde_json::from_str(json).map_err(corrupt)?;
        self.walk(
            &mut v,
            &mut |n| self.keys.decrypt(tenant, FIELD, n).map_err(corrupt),
            |n| n.starts_with("enc1:"),
        )?;
        Ok(Cow::Owned(serde_json::to_string(&v).map_err(corrupt)?))
    }

    /// A bulk batch's documents sealed (ledger entries, persons with their blind
    /// index, person versions), in the batch's order; households carry no number.
    pub fn seal_bulk(
        &self,
        tenant: &str,
        rows: &crate::bulk::BulkRows,
    ) -> Result<SealedBulk, StoreError> {
        let only = |json: &str| Ok::<_, StoreError>(self.seal(tenant, json)?.0);
        Ok(SealedBulk {
            ledger: rows
                .ledger
                .iter()
                .map(|r| only(&r.json))
                .collect::<Result<_, _>>()?,
            persons: rows
                .persons
                .iter()
                .map(|r| self.seal(tenant, &r.json))
                .collect::<Result<_, _>>()?,
            person_versions: rows
                .person_versions
                .iter()
                .map(|r| only(&r.json))
                .collect::<Result<_, _>>()?,
        })
    }

    /// 封印: the keyed digest of the ledger entry numbered `seq`, over its canonical
    /// text ([`crate::bulk::canonical`]). Whoever can edit the database but does not
    /// hold the installation's keys cannot make an edited entry (its 届出日, 届出人,
    /// operator, anything) or a moved one match its seal.
    pub fn entry_mac(&self, tenant: &str, seq: i64, canonical: &str) -> String {
        self.keys
            .blind_index(tenant, "ledger.entry", &format!("{seq}\n{canonical}"))
    }

    /// The blind index of a number, for lookups.
    pub fn index(&self, tenant: &str, number: &str) -> String {
        self.keys.blind_index(tenant, FIELD, number)
    }

    fn walk(
        &self,
        v: &mut Value,
        f: &mut dyn FnMut(&str) -> Result<String, StoreError>,
        applies: fn(&str) -> bool,
    ) -> Result<(), StoreError> {
        match v {
            Value::Object(map) => {
                // A 職権修正 of the number: {"item": "IndividualNumber", "old": …, "new": …}.
                let correction =
                    map.get("item").and_then(Value::as_str) == Some("IndividualNumber");
                for (k, child) in map.iter_mut() {
                    let holds_number = k == FIELD || (correction && (k == "old" || k == "new"));
                    match child {
                        Value::String(s) if holds_number && applies(s) => *s = f(s)?,
                        _ => self.walk(child, f, applies)?,
                    }
                }
            }
            Value::Array(items) => {
                for child in items {
                    self.walk(child, f, applies)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        let keys = Keyring::parse(&format!("1:{}", Keyring::new_key()), &Keyring::new_key());
        Sealer::new(Arc::new(keys.unwrap_or_else(|e| panic!("{e}"))))
    }

    #[test]
    fn numbers_are_sealed_wherever_they_are() {
        let s = sealer();
        let doc = r#"{"id":1,"individual_number":"123456789018","change":{"persons":[{"individual_number":"876543210987"}],
            "correction":{"item":"IndividualNumber","old":"123456789018","new":null}},"name":"高橋"}"#;
        let (sealed, index) = s.seal("141003", doc).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !sealed.contains("123456789018") && !sealed.contains("876543210987"),
            "{sealed}"
        );
        assert_eq!(sealed.matches("enc1:").count(), 3);
        assert_eq!(index, Some(s.index("141003", "123456789018")));
        // Sealing again changes nothing; unsealing restores the document.
        let (again, _) = s.seal("141003", &sealed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.matches("enc1:").count(), 3);
        let back = s
            .unseal("141003", &sealed)
            .unwrap_or_else(|e| panic!("{e}"));
        let (a, b): (Value, Value) = (
            serde_json::from_str(&back).unwrap_or_default(),
            serde_json::from_str(doc).unwrap_or_default(),
        );
        assert_eq!(a, b);
        // Another tenant's key context cannot open it.
        assert!(s.unseal("130001", &sealed).is_err());
        // Documents without a number pass untouched.
        assert_eq!(
            s.seal("141003", r#"{"a":1}"#).map(|x| x.0).ok().as_deref(),
            Some(r#"{"a":1}"#)
        );
    }
}
