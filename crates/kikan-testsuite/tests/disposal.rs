//! 処分情報 (1.3.8) over HTTP, on both engines: a certificate issued in error and
//! destroyed is recorded as such in the issuance register (who, when, why), is not
//! printed again under its number, answers its 照合番号 as not valid, and is audited;
//! a second 処分 or one without a reason is refused with a stable code.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::App;
use serde_json::json;

async fn disposed_certificates(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, _) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let clerk = app.as_role(t, Role::Reception).await;
    let copy = json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
        "requester": {"kind": "self", "person_id": mother}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"});
    let res = clerk
        .request(reqwest::Method::POST, &format!("{base}/certificates"))
        .json(&copy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 201);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (serial, code) = (
        header("x-kikan-certificate-serial"),
        header("x-kikan-verification-code"),
    );
    assert!(!serial.is_empty() && !code.is_empty());

    // No reason: refused, nothing recorded.
    let dispose = format!("{base}/certificates/{serial}/dispose");
    let (status, v) = clerk.post(&dispose, json!({"reason": " "})).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-001")),
        "{v}"
    );
    let (status, v) = clerk
        .post(
            &dispose,
            json!({"reason": "別人の住民票を交付したため回収・廃棄"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["disposed"]["reason"], "別人の住民票を交付したため回収・廃棄",
        "{v}"
    );
    assert!(
        v["disposed"]["staff"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{v}"
    );
    assert_eq!(v["reprints"], json!([]), "{v}");
    // The register shows it; it is not printed or disposed of again.
    let (_, register) = clerk.get(&format!("{base}/certificates")).await;
    assert!(register[0]["disposed"]["at"].is_string(), "{register}");
    for (path, body) in [
        (
            format!("{base}/certificates/{serial}/reprint"),
            json!({"reason": "用紙詰まり"}),
        ),
        (dispose.clone(), json!({"reason": "もう一度"})),
    ] {
        let (status, v) = clerk.post(&path, body).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some("E-CERT-041")),
            "{path}: {v}"
        );
    }
    // Its 照合番号: issued, but not valid.
    let (status, v) = clerk
        .post(
            &format!("{base}/certificates/verify"),
            json!({"code": code}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["genuine"], false, "{v}");
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("処分")),
        "{v}"
    );
    // Audited with the person.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=certificate.dispose"))
        .await;
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
    assert!(log.to_string().contains("処分"), "{log}");
}

kikan_testsuite::on_both!(disposed_certificates);
