//! コンビニ交付 (7.2.5) over HTTP, on both engines: the 証明書交付センター, a business system
//! with the scope `konbini:kiosk_certificates:issue`, asks with the card's
//! 利用者証明用電子証明書のシリアル番号 (from the CS, 7.1.2.4) and gets the PDF for the
//! terminal — the cardholder's or the household's 住民票の写し, every copy its own number,
//! the terminal in the 発行番号 and the register. A serial no current card carries, a
//! replaced card's serial, items and kinds a terminal never issues, staff and systems
//! without the scope are refused; a suppression of certificates (even an alert) or a
//! 支援措置 sends the resident to the counter without telling the terminal why.

use kikan_domain::business::{BusinessItems, CardItems, CardKind};
use kikan_domain::{LocalGovCode, PersonId};
use kikan_security::Role;
use kikan_security::link::Resource;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, audit_pairs, mother_and_son, protect};
use kikan_testsuite::pdf::text;
use serde_json::{Value, json};

async fn card(app: &App, tenant: &str, person: i64, serial: &str) {
    let tenant = LocalGovCode::parse(tenant).expect("code");
    kikan_app::business::set(
        &*app.store,
        tenant,
        PersonId(person),
        BusinessItems::Card(CardItems {
            holds: true,
            kind: Some(CardKind::Individual),
            status: Some("交付済み".into()),
            expires_on: chrono::NaiveDate::from_ymd_opt(2035, 2, 2),
            certificate_serial: Some(serial.into()),
            signature_serial: None,
        }),
        "system:住基ネット",
        chrono::Utc::now(),
    )
    .await
    .expect("card");
}

struct Answer {
    status: u16,
    pdf: Vec<u8>,
    serial: i64,
    error: Value,
}

async fn ask(c: &Caller, base: &str, body: Value) -> Answer {
    let resp = c
        .request(reqwest::Method::POST, &format!("{base}/kiosk/certificates"))
        .json(&body)
        .send()
        .await
        .expect("kiosk");
    let status = resp.status().as_u16();
    let serial = resp
        .headers()
        .get("x-kikan-certificate-serial")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let error = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        pdf: bytes,
        serial,
        error,
    }
}

/// Refused with this status and code.
fn refused(a: &Answer, status: u16, code: &str) {
    assert_eq!(
        (a.status, a.error["code"].as_str()),
        (status, Some(code)),
        "{}",
        a.error
    );
}

/// The terminal is not told why.
fn untold(a: &Answer, why: &str) {
    let message = a.error["message"].as_str().unwrap_or_default();
    assert!(!message.contains(why), "{}", a.error);
}

fn request(serial: &str, whole: bool) -> Value {
    json!({"card_serial": serial, "kind": "resident_copy", "whole_household": whole,
        "items": ["relationship"], "copies": 1, "kiosk": "7E-123456-01"})
}

async fn the_centre_asks_with_the_cards_serial(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, son) = mother_and_son(&examiner, &base).await;
    card(&app, &t.to_string(), mother, "3A5F00001").await;
    let centre = app
        .business_system(t, "konbini", &[Resource::KioskCertificates], false)
        .await;

    // The household's 住民票の写し, two copies, each its own number.
    let mut body = request("3A5F00001", true);
    body["copies"] = json!(2);
    let a = ask(&centre, &base, body).await;
    assert_eq!(a.status, 201, "{}", a.error);
    let printed = text(&a.pdf, "kiosk");
    for want in [
        "住民票の写し",
        "山本",
        "花子",
        "健太",
        &format!("7E-123456-01 {:06} 1/1", a.serial),
        &format!("7E-123456-01 {:06} 1/1", a.serial + 1),
    ] {
        assert!(printed.contains(want), "{want}: {printed}");
    }
    let (_, c) = examiner
        .get(&format!("{base}/certificates/{}", a.serial))
        .await;
    assert_eq!(c["place"], "7E-123456-01@コンビニ交付", "{c}");
    assert_eq!(c["purpose"], "コンビニ交付", "{c}");
    let (_, next) = examiner
        .get(&format!("{base}/certificates/{}", a.serial + 1))
        .await;
    assert_eq!(next["place"], "7E-123456-01@コンビニ交付", "{next}");

    // The cardholder alone.
    let a = ask(&centre, &base, request("3A5F00001", false)).await;
    assert_eq!(a.status, 201, "{}", a.error);
    let alone = text(&a.pdf, "kiosk-alone");
    assert!(alone.contains("花子") && !alone.contains("健太"), "{alone}");
    let (_, c) = examiner
        .get(&format!("{base}/certificates/{}", a.serial))
        .await;
    assert_eq!(c["requester_kind"], "本人", "{c}");

    // No card carries the serial; a card replaced: its old serial is no one's.
    let a = ask(&centre, &base, request("FFFF", false)).await;
    refused(&a, 404, "E-KIOSK-001");
    card(&app, &t.to_string(), mother, "3A5F00002").await;
    let a = ask(&centre, &base, request("3A5F00001", false)).await;
    refused(&a, 404, "E-KIOSK-001");
    let a = ask(&centre, &base, request("3A5F00002", false)).await;
    assert_eq!(a.status, 201, "{}", a.error);

    // What a terminal never issues.
    for (change, field) in [
        (json!({"items": ["individual_number"]}), "items[0]"),
        (
            json!({"items": ["relationship", "juminhyo_code"]}),
            "items[1]",
        ),
        (json!({"kind": "removed_copy"}), "kind"),
        (json!({"copies": 11}), "copies"),
        (json!({"kiosk": ""}), "kiosk"),
    ] {
        let mut body = request("3A5F00002", false);
        for (k, v) in change.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let a = ask(&centre, &base, body).await;
        assert_eq!(a.status, 422, "{change}: {}", a.error);
        assert_eq!(a.error["code"], "E-KIOSK-003", "{}", a.error);
        assert_eq!(a.error["field"], field, "{}", a.error);
    }

    // Staff cannot use the terminal's door; a system without the scope neither.
    let a = ask(&examiner, &base, request("3A5F00002", false)).await;
    refused(&a, 403, "E-AUTH-011");
    let holds = app
        .business_system(t, "konbini2", &[Resource::IssuanceHolds], false)
        .await;
    let a = ask(&holds, &base, request("3A5F00002", false)).await;
    refused(&a, 403, "E-AUTH-012");

    // An alert-level suppression of the son's certificates: the household's copy goes to
    // the counter (no reason told); the mother's own is issued.
    let (status, v) = examiner
        .post(
            &format!("{base}/suppressions"),
            json!({"subject": {"kind": "person", "id": son},
                "processes": ["certificate"], "level": "alert", "reason": "確認中"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let before = a_serial(&examiner, &base).await;
    let a = ask(&centre, &base, request("3A5F00002", true)).await;
    refused(&a, 403, "E-KIOSK-002");
    untold(&a, "抑止");
    assert_eq!(a_serial(&examiner, &base).await, before, "nothing issued");
    let a = ask(&centre, &base, request("3A5F00002", false)).await;
    assert_eq!(a.status, 201, "{}", a.error);

    // A 支援措置 for the mother: even her own copy is for the counter.
    protect(&examiner, &base, mother).await;
    let a = ask(&centre, &base, request("3A5F00002", false)).await;
    refused(&a, 403, "E-KIOSK-002");
    untold(&a, "支援");

    // The access log keeps each issue and each refusal with its reason.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mother}")).await;
    let pairs = audit_pairs(&log, "action", "detail");
    assert!(
        pairs
            .iter()
            .any(|(a, d)| a == "kiosk.issue" && d.contains("コンビニ交付")),
        "{log}"
    );
    assert!(
        pairs
            .iter()
            .any(|(a, d)| a == "kiosk.refused" && d.contains("支援措置")),
        "{log}"
    );
}

async fn a_serial(c: &Caller, base: &str) -> i64 {
    let (_, v) = c.get(&format!("{base}/certificates?limit=1")).await;
    v.as_array()
        .and_then(|l| l.first())
        .and_then(|c| c["serial"].as_i64())
        .unwrap_or(0)
}

kikan_testsuite::on_both!(the_centre_asks_with_the_cards_serial);
