//! 公的個人認証サービス (JPKI) による電子申請 (7.2.5): an application signed with the
//! 署名用電子証明書 of a 個人番号カード, checked before staff act on it.
//!
//! - the certificate chains to a certification authority the municipality registered
//!   (J-LIS's 署名用認証局), and is within its validity period today;
//! - it is not revoked, by that authority's CRL as the municipality last took it in —
//!   a CRL signed by the authority and not past its next update; without one, nothing is
//!   accepted (a signature that cannot be checked for revocation is not checked);
//! - the signature (RSA or ECDSA with SHA-256, over the application's bytes as received)
//!   verifies under the certificate's key;
//! - the signer's 基本4情報 come from the certificate's subjectAltName (otherName values,
//!   [`OID_NAME`] …), which J-LIS fills from the 住民基本台帳.
//!
//! OpenSSL does the cryptography and the path validation; x509-parser reads the otherName
//! values OpenSSL does not expose.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509Crl, X509StoreContext};

/// otherName OIDs of the 署名用電子証明書's 基本4情報 (J-LIS 証明書プロファイル).
pub const OID_NAME: &str = "1.2.392.200149.8.5.5.1";
pub const OID_SEX: &str = "1.2.392.200149.8.5.5.3";
pub const OID_BIRTH: &str = "1.2.392.200149.8.5.5.4";
pub const OID_ADDRESS: &str = "1.2.392.200149.8.5.5.5";

/// Why an application's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JpkiError {
    #[error("電子証明書を読み取れません({0})")]
    Certificate(String),
    #[error("電子証明書を検証できません: {0}")]
    Untrusted(String),
    #[error("電子証明書の失効を確認できません: {0}")]
    Revocation(String),
    #[error("電子証明書は失効しています")]
    Revoked,
    #[error("電子署名が申請の内容と一致しません(改ざんされたか、別の申請の署名です)")]
    Signature,
    #[error("電子証明書に基本4情報(氏名・生年月日)がありません")]
    NoIdentity,
}

impl JpkiError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            JpkiError::Certificate(_) => "E-EAPP-001",
            JpkiError::Untrusted(_) => "E-EAPP-002",
            JpkiError::Revocation(_) | JpkiError::Revoked => "E-EAPP-003",
            JpkiError::Signature => "E-EAPP-004",
            JpkiError::NoIdentity => "E-EAPP-005",
        }
    }
}

/// The signer, as the verified certificate names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The certificate's serial number (hex).
    pub serial: String,
    pub issuer: String,
    /// The last day it is valid (as OpenSSL prints it).
    pub not_after: String,
    /// 氏名, 生年月日 (`YYYYMMDD`), 性別 and 住所 as written in the certificate.
    pub name: String,
    pub birth: String,
    pub sex: Option<String>,
    pub address: Option<String>,
}

fn cert(bytes: &[u8]) -> Result<X509, JpkiError> {
    X509::from_pem(bytes)
        .or_else(|_| X509::from_der(bytes))
        .map_err(|e| JpkiError::Certificate(e.to_string()))
}

/// Reads a PEM or DER certificate (a CA being registered).
pub fn read_certificate(bytes: &[u8]) -> Result<(String, String), JpkiError> {
    let c = cert(bytes)?;
    Ok((name_text(c.subject_name()), c.not_after().to_string()))
}

/// Reads a PEM or DER CRL and checks it is signed by one of `anchors`: its issuer and
/// next update.
pub fn read_crl(bytes: &[u8], anchors: &[Vec<u8>]) -> Result<(String, String), JpkiError> {
    let crl = X509Crl::from_pem(bytes)
        .or_else(|_| X509Crl::from_der(bytes))
        .map_err(|e| JpkiError::Revocation(format!("失効リストを読み取れません({e})")))?;
    let issuer = issuer_of(&crl, anchors)?;
    let next = crl.next_update().map(|t| t.to_string()).unwrap_or_default();
    Ok((name_text(issuer.subject_name()), next))
}

fn name_text(n: &openssl::x509::X509NameRef) -> String {
    n.entries()
        .filter_map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            e.data().to_string().ok().map(|v| format!("{key}={v}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The registered authority that signed a CRL.
fn issuer_of(crl: &X509Crl, anchors: &[Vec<u8>]) -> Result<X509, JpkiError> {
    for a in anchors {
        let ca = cert(a)?;
        let same = ca
            .subject_name()
            .try_cmp(crl.issuer_name())
            .is_ok_and(|o| o.is_eq());
        if same
            && let Ok(key) = ca.public_key()
            && crl.verify(&key).unwrap_or(false)
        {
            return Ok(ca);
        }
    }
    Err(JpkiError::Revocation(
        "失効リストの発行者が登録された認証局ではないか、署名が正しくありません".into(),
    ))
}

/// Verifies a signed application: `document` as received, `signature` over it, the
/// signer's `certificate`, against the registered `anchors` and `crls` (PEM or DER, in
/// the order taken in).
pub fn verify(
    document: &[u8],
    signature: &[u8],
    certificate: &[u8],
    anchors: &[Vec<u8>],
    crls: &[Vec<u8>],
) -> Result<Signer, JpkiError> {
    let signer = cert(certificate)?;
    // The path to a registered authority, valid today.
    let mut store = X509StoreBuilder::new().map_err(|e| JpkiError::Untrusted(e.to_string()))?;
    for a in anchors {
        store
            .add_cert(cert(a)?)
            .map_err(|e| JpkiError::Untrusted(e.to_string()))?;
    }
    let store = store.build();
    let chain = Stack::new().map_err(|e| JpkiError::Untrusted(e.to_string()))?;
    let mut ctx = X509StoreContext::new().map_err(|e| JpkiError::Untrusted(e.to_string()))?;
    let checked = ctx
        .init(&store, &signer, &chain, |c| {
            let ok = c.verify_cert()?;
            Ok((ok, c.error().error_string().to_string()))
        })
        .map_err(|e| JpkiError::Untrusted(e.to_string()))?;
    if !checked.0 {
        return Err(JpkiError::Untrusted(checked.1));
    }
    // Revocation: the newest CRL of the certificate's issuer, signed by it, current.
    let mut newest: Option<X509Crl> = None;
    for c in crls {
        let Ok(crl) = X509Crl::from_pem(c).or_else(|_| X509Crl::from_der(c)) else {
            continue;
        };
        let same = crl
            .issuer_name()
            .try_cmp(signer.issuer_name())
            .is_ok_and(|o| o.is_eq());
        if !same || issuer_of(&crl, anchors).is_err() {
            continue;
        }
        // The later issued; of two issued the same second, the one taken in later.
        let newer = newest.as_ref().is_none_or(|n| {
            n.last_update()
                .compare(crl.last_update())
                .is_ok_and(|o| o.is_le())
        });
        if newer {
            newest = Some(crl);
        }
    }
    let crl = newest.ok_or_else(|| {
        JpkiError::Revocation("この認証局の失効リスト(CRL)が取り込まれていません".into())
    })?;
    let now = openssl::asn1::Asn1Time::days_from_now(0)
        .map_err(|e| JpkiError::Revocation(e.to_string()))?;
    match crl.next_update() {
        Some(next) if next.compare(&now).is_ok_and(|o| o.is_gt()) => {}
        _ => {
            return Err(JpkiError::Revocation(
                "取り込まれた失効リストの次回更新日を過ぎています。最新の失効リストを取り込んでください"
                    .into(),
            ));
        }
    }
    if matches!(
        crl.get_by_serial(signer.serial_number()),
        openssl::x509::CrlStatus::Revoked(_) | openssl::x509::CrlStatus::RemoveFromCrl(_)
    ) {
        return Err(JpkiError::Revoked);
    }
    // The signature over the bytes received.
    let key = signer
        .public_key()
        .map_err(|e| JpkiError::Certificate(e.to_string()))?;
    let good = verify_signature(&key, document, signature).unwrap_or(false);
    if !good {
        return Err(JpkiError::Signature);
    }
    identity(&signer)
}

fn verify_signature(
    key: &PKey<openssl::pkey::Public>,
    document: &[u8],
    signature: &[u8],
) -> Result<bool, openssl::error::ErrorStack> {
    let mut v = Verifier::new(MessageDigest::sha256(), key)?;
    v.update(document)?;
    v.verify(signature)
}

/// The content of one DER TLV: (its tag, its value, what follows).
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// An otherName value (`[0] EXPLICIT` around a string) as text.
fn other_name_text(value: &[u8]) -> Option<String> {
    let (_, inner, _) = tlv(value)?;
    let (tag, text, _) = tlv(inner)?;
    match tag {
        // UTF8String, PrintableString, IA5String.
        0x0c | 0x13 | 0x16 => std::str::from_utf8(text).ok().map(str::to_string),
        _ => None,
    }
}

fn identity(c: &X509) -> Result<Signer, JpkiError> {
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
    let der = c
        .to_der()
        .map_err(|e| JpkiError::Certificate(e.to_string()))?;
    let (_, parsed) =
        X509Certificate::from_der(&der).map_err(|e| JpkiError::Certificate(e.to_string()))?;
    let mut values = std::collections::BTreeMap::new();
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::OtherName(oid, value) = n
                && let Some(text) = other_name_text(value)
            {
                values.insert(oid.to_id_string(), text);
            }
        }
    }
    let (Some(name), Some(birth)) = (values.remove(OID_NAME), values.remove(OID_BIRTH)) else {
        return Err(JpkiError::NoIdentity);
    };
    let serial = c
        .serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .map_err(|e| JpkiError::Certificate(e.to_string()))?;
    Ok(Signer {
        serial,
        issuer: name_text(c.issuer_name()),
        not_after: c.not_after().to_string(),
        name,
        birth,
        sex: values.remove(OID_SEX),
        address: values.remove(OID_ADDRESS),
    })
}

/// A certification authority and the certificates it signs, as J-LIS's would be: for the
/// tests, and the documentation's example (never for real use).
pub mod sample {
    use openssl::asn1::{Asn1Integer, Asn1Object, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::error::ErrorStack;
    use openssl::hash::MessageDigest;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::Rsa;
    use openssl::sign::Signer;
    use openssl::x509::extension::{
        AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectAlternativeName,
        SubjectKeyIdentifier,
    };
    use openssl::x509::{X509, X509Builder, X509CrlBuilder, X509NameBuilder, X509RevokedBuilder};

    pub struct Authority {
        key: PKey<Private>,
        cert: X509,
    }

    /// A card holder's key and 署名用電子証明書.
    pub struct Holder {
        pub key: PKey<Private>,
        pub cert: X509,
    }

    fn name(cn: &str) -> Result<openssl::x509::X509Name, ErrorStack> {
        let mut n = X509NameBuilder::new()?;
        n.append_entry_by_text("C", "JP")?;
        n.append_entry_by_text("O", "JPKI")?;
        n.append_entry_by_text("CN", cn)?;
        Ok(n.build())
    }

    fn int(n: u32) -> Result<Asn1Integer, ErrorStack> {
        let bn = BigNum::from_u32(n)?;
        Asn1Integer::from_bn(&bn)
    }

    fn utf8(text: &str) -> Vec<u8> {
        let b = text.as_bytes();
        let mut v = vec![0x0c];
        if b.len() < 0x80 {
            v.push(b.len() as u8);
        } else {
            v.extend([0x81, b.len() as u8]);
        }
        v.extend_from_slice(b);
        v
    }

    /// A new key and a v3 certificate builder for it: its serial, subject, issuer and
    /// validity from today for `days` set.
    fn builder(
        serial: u32,
        subject: &openssl::x509::X509NameRef,
        issuer: &openssl::x509::X509NameRef,
        days: u32,
    ) -> Result<(PKey<Private>, X509Builder), ErrorStack> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut b = X509Builder::new()?;
        b.set_version(2)?;
        let number = int(serial)?;
        b.set_serial_number(&number)?;
        b.set_subject_name(subject)?;
        b.set_issuer_name(issuer)?;
        b.set_pubkey(&key)?;
        b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
        b.set_not_after(&*Asn1Time::days_from_now(days)?)?;
        Ok((key, b))
    }

    impl Authority {
        pub fn new(cn: &str) -> Result<Self, ErrorStack> {
            let n = name(cn)?;
            let (key, mut b) = builder(1, &n, &n, 3650)?;
            b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
            let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
            b.append_extension(ski)?;
            b.sign(&key, MessageDigest::sha256())?;
            Ok(Authority {
                key,
                cert: b.build(),
            })
        }

        pub fn pem(&self) -> Result<Vec<u8>, ErrorStack> {
            self.cert.to_pem()
        }

        /// A 署名用電子証明書 with its 基本4情報, valid for `days` from today.
        pub fn issue(
            &self,
            serial: u32,
            holder: &str,
            birth: &str,
            sex: &str,
            address: &str,
            days: u32,
        ) -> Result<Holder, ErrorStack> {
            let subject = name(&format!("JPKI Signer {serial}"))?;
            let (key, mut b) = builder(serial, &subject, self.cert.subject_name(), days)?;
            let mut san = SubjectAlternativeName::new();
            for (oid, value) in [
                (super::OID_NAME, holder),
                (super::OID_SEX, sex),
                (super::OID_BIRTH, birth),
                (super::OID_ADDRESS, address),
            ] {
                san.other_name2(Asn1Object::from_str(oid)?, &utf8(value));
            }
            let ext = san.build(&b.x509v3_context(Some(&self.cert), None))?;
            b.append_extension(ext)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .non_repudiation()
                    .digital_signature()
                    .build()?,
            )?;
            b.sign(&self.key, MessageDigest::sha256())?;
            Ok(Holder {
                key,
                cert: b.build(),
            })
        }

        /// The authority's CRL revoking `serials`, its next update `days` ahead.
        pub fn crl(&self, serials: &[u32], days: u32) -> Result<Vec<u8>, ErrorStack> {
            let mut b = X509CrlBuilder::new()?;
            b.set_issuer_name(self.cert.subject_name())?;
            let scratch = X509Builder::new()?;
            let aki = AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&scratch.x509v3_context(Some(&self.cert), None))?;
            b.append_extension(aki)?;
            // cRLNumber (2.5.29.20): an INTEGER, here 1.
            let number = openssl::asn1::Asn1OctetString::new_from_bytes(&[0x02, 0x01, 0x01])?;
            let oid = Asn1Object::from_str("2.5.29.20")?;
            b.append_extension(openssl::x509::X509Extension::new_from_der(
                &oid, false, &number,
            )?)?;
            b.set_last_update(&*Asn1Time::days_from_now(0)?)?;
            b.set_next_update(&*Asn1Time::days_from_now(days)?)?;
            for s in serials {
                let mut r = X509RevokedBuilder::new()?;
                let number = int(*s)?;
                r.set_serial_number(&number)?;
                r.set_revocation_date(&*Asn1Time::days_from_now(0)?)?;
                b.add_revoked(r.build())?;
            }
            b.sign(&self.key, MessageDigest::sha256())?;
            b.build()?.to_pem()
        }
    }

    impl Holder {
        pub fn pem(&self) -> Result<Vec<u8>, ErrorStack> {
            self.cert.to_pem()
        }

        /// The signature (RSA, SHA-256) of `document`, as the card makes it.
        pub fn sign(&self, document: &[u8]) -> Result<Vec<u8>, ErrorStack> {
            let mut s = Signer::new(MessageDigest::sha256(), &self.key)?;
            s.update(document)?;
            s.sign_to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sample::Authority;
    use super::*;

    #[test]
    fn a_signed_application_is_checked_link_by_link() -> Result<(), openssl::error::ErrorStack> {
        let ca = Authority::new("JPKI Signature CA")?;
        let other = Authority::new("Someone Else CA")?;
        let holder = ca.issue(
            1001,
            "山本　花子",
            "19850202",
            "女",
            "神奈川県横浜市中区山下町1番地",
            365,
        )?;
        let doc = "{\"kind\":\"resident_copy\"}".as_bytes();
        let sig = holder.sign(doc)?;
        let anchors = vec![ca.pem()?];
        let crls = vec![ca.crl(&[7], 30)?];
        let signer = verify(doc, &sig, &holder.pem()?, &anchors, &crls).expect("verified");
        assert_eq!(signer.name, "山本　花子");
        assert_eq!(signer.birth, "19850202");
        assert_eq!(signer.sex.as_deref(), Some("女"));
        assert_eq!(signer.serial, "03E9");

        let code = |r: Result<Signer, JpkiError>| r.map(|_| ()).map_err(|e| e.code());
        // Another document, another authority, no CRL, a CRL revoking it, a stale CRL, a
        // CRL from someone else, not a certificate.
        assert_eq!(
            code(verify(b"{}", &sig, &holder.pem()?, &anchors, &crls)),
            Err("E-EAPP-004")
        );
        assert_eq!(
            code(verify(doc, &sig, &holder.pem()?, &[other.pem()?], &crls)),
            Err("E-EAPP-002")
        );
        assert_eq!(
            code(verify(doc, &sig, &holder.pem()?, &anchors, &[])),
            Err("E-EAPP-003")
        );
        assert_eq!(
            verify(doc, &sig, &holder.pem()?, &anchors, &[ca.crl(&[1001], 30)?]),
            Err(JpkiError::Revoked)
        );
        assert_eq!(
            code(verify(
                doc,
                &sig,
                &holder.pem()?,
                &anchors,
                &[ca.crl(&[], 0)?]
            )),
            Err("E-EAPP-003")
        );
        assert_eq!(
            code(verify(
                doc,
                &sig,
                &holder.pem()?,
                &anchors,
                &[other.crl(&[], 30)?]
            )),
            Err("E-EAPP-003")
        );
        assert_eq!(
            code(verify(doc, &sig, b"garbage", &anchors, &crls)),
            Err("E-EAPP-001")
        );
        // A CRL read in is checked against the registered authorities.
        assert!(read_crl(&ca.crl(&[], 30)?, &anchors).is_ok());
        assert!(read_crl(&other.crl(&[], 30)?, &anchors).is_err());
        Ok(())
    }
}
