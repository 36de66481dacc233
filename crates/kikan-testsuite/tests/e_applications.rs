//! 公的個人認証サービスを用いた電子申請 (7.2.5) over HTTP, on both engines: 管理者 registers
//! the 署名用認証局 and takes in its CRL; an application signed with a 署名用電子証明書 is
//! verified, its applicant found by the certificate's 氏名 and 生年月日, and the request
//! handed to the counter, which issues it; a document changed after signing, a certificate
//! of an authority not registered, one revoked by the CRL, a CRL of someone else, and a
//! certificate naming no resident are refused with their codes.

use base64::Engine;
use kikan_security::Role;
use kikan_security::jpki::sample::{Authority, Holder};
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, mother_and_son, protect};
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn pem(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("pem")
}

async fn check(c: &Caller, base: &str, doc: &[u8], sig: &[u8], cert: &str) -> (u16, Value) {
    c.post(
        &format!("{base}/e-applications/verify"),
        json!({"document": b64(doc), "signature": b64(sig), "certificate": cert}),
    )
    .await
}

/// The document signed by `holder`, with their certificate.
async fn signed_by(c: &Caller, base: &str, doc: &[u8], holder: &Holder) -> (u16, Value) {
    let sig = holder.sign(doc).expect("sign");
    check(c, base, doc, &sig, &pem(holder.pem().expect("pem"))).await
}

fn refused(status: u16, v: &Value, want: u16, code: &str) {
    assert_eq!((status, v["code"].as_str()), (want, Some(code)), "{v}");
}

async fn signed_applications_are_verified_and_handed_to_the_counter(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (hid, mother, _) = mother_and_son(&examiner, &base).await;

    let ca = Authority::new("JPKI Signature CA for Test").expect("ca");
    let stranger = Authority::new("Unknown CA").expect("other");
    let hanako = ca
        .issue(
            4001,
            "山本 花子",
            "19850202",
            "女",
            "神奈川県横浜市中区山下町７番地",
            365,
        )
        .expect("cert");
    let nobody = ca
        .issue(
            4002,
            "鈴木 一郎",
            "19700101",
            "男",
            "神奈川県横浜市中区山下町７番地",
            365,
        )
        .expect("cert");
    let outsider = stranger
        .issue(
            4003,
            "山本 花子",
            "19850202",
            "女",
            "神奈川県横浜市中区山下町７番地",
            365,
        )
        .expect("cert");

    // The authority and its CRL; a CRL of an authority not registered is refused.
    let (status, v) = admin
        .post(
            &format!("{base}/jpki/authorities"),
            json!({"pem": pem(ca.pem().expect("pem"))}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["authorities"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .contains("JPKI Signature CA"),
        "{v}"
    );
    let (status, v) = admin
        .post(
            &format!("{base}/jpki/crls"),
            json!({"pem": pem(stranger.crl(&[], 30).expect("crl"))}),
        )
        .await;
    refused(status, &v, 422, "E-EAPP-003");
    let (status, v) = admin
        .post(
            &format!("{base}/jpki/authorities"),
            json!({"pem": "not a certificate"}),
        )
        .await;
    refused(status, &v, 422, "E-EAPP-001");

    let doc = json!({"kind": "resident_copy", "whole_household": true, "items": ["relationship"],
        "copies": 1, "purpose": "年金の手続"})
    .to_string()
    .into_bytes();
    let sig = hanako.sign(&doc).expect("sign");
    let cert = pem(hanako.pem().expect("pem"));

    // No CRL taken in yet: revocation cannot be checked, nothing is accepted.
    let (status, v) = check(&reception, &base, &doc, &sig, &cert).await;
    refused(status, &v, 422, "E-EAPP-003");
    let (status, v) = admin
        .post(
            &format!("{base}/jpki/crls"),
            json!({"pem": pem(ca.crl(&[9999], 7).expect("crl"))}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["crls"].as_array().map(Vec::len), Some(1), "{v}");

    // Verified: the applicant, and the request the counter issues.
    let (status, v) = check(&reception, &base, &doc, &sig, &cert).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["applicant"]["id"], mother, "{v}");
    assert_eq!(v["signer"]["serial"], "0FA1", "{v}");
    assert_eq!(v["address_matches"], true, "{v}");
    assert_eq!(v["request"]["household_id"], hid, "{v}");
    assert_eq!(v["request"]["requester"]["kind"], "same_household", "{v}");
    let request = v["request"].clone();
    let resp = reception
        .request(reqwest::Method::POST, &format!("{base}/certificates"))
        .json(&request)
        .send()
        .await
        .expect("issue");
    assert_eq!(resp.status().as_u16(), 201);
    let serial = resp
        .headers()
        .get("x-kikan-certificate-serial")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (_, c) = reception
        .get(&format!("{base}/certificates/{serial}"))
        .await;
    assert_eq!(
        c["identity_check"], "公的個人認証(署名用電子証明書 0FA1)",
        "{c}"
    );
    assert_eq!(c["purpose"], "年金の手続", "{c}");

    // The document changed after signing; the signature of another document.
    let mut changed = doc.clone();
    changed.extend_from_slice(b" ");
    let (status, v) = check(&reception, &base, &changed, &sig, &cert).await;
    refused(status, &v, 422, "E-EAPP-004");
    // An authority not registered.
    let (status, v) = signed_by(&reception, &base, &doc, &outsider).await;
    refused(status, &v, 422, "E-EAPP-002");
    // A certificate naming no resident here.
    let (status, v) = signed_by(&reception, &base, &doc, &nobody).await;
    refused(status, &v, 422, "E-EAPP-006");
    // A 支援措置 for her: the counter is not shown where she lives (審査 is).
    protect(&examiner, &base, mother).await;
    let (status, v) = check(&reception, &base, &doc, &sig, &cert).await;
    assert_eq!(status, 200, "{v}");
    assert!(!v.to_string().contains("山下町"), "{v}");
    assert_eq!(
        v["applicant"]["address"], "(支援措置により表示しません)",
        "{v}"
    );
    let (_, v) = check(&examiner, &base, &doc, &sig, &cert).await;
    assert!(
        v["applicant"]["address"]
            .as_str()
            .unwrap_or_default()
            .contains("山下町"),
        "{v}"
    );
    // Revoked: the newer CRL names it.
    let (status, v) = admin
        .post(
            &format!("{base}/jpki/crls"),
            json!({"pem": pem(ca.crl(&[4001], 7).expect("crl"))}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = check(&reception, &base, &doc, &sig, &cert).await;
    refused(status, &v, 422, "E-EAPP-003");
    assert!(
        v["message"].as_str().unwrap_or_default().contains("失効"),
        "{v}"
    );

    // The access log names the check of her application.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mother}")).await;
    assert!(log.to_string().contains("eapp.verify"), "{log}");
}

kikan_testsuite::on_both!(signed_applications_are_verified_and_handed_to_the_counter);
