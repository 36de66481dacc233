//! 交付履歴照会 (2.2.2), on both engines: a person's certificates, the 住民票コード通知票
//! drawn for them and their card as last reported, in one answer; the issuance register
//! searched by 1.3.8's items (記載事項, 枚数, 発行番号, 処分情報, 交付場所); audited.

use kikan_domain::business::{BusinessItems, CardItems, CardKind};
use kikan_domain::{LocalGovCode, PersonId};
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::App;
use serde_json::{Value, json};

fn serials(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|c| c["serial"].as_i64()).collect())
        .unwrap_or_default()
}

async fn a_persons_issuance_history_and_the_register_by_item(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let copy = |person: i64, items: Value, copies: u32| {
        json!({"kind": "resident_copy", "layout": "individual", "persons": [person],
            "items": items, "copies": copies, "requester": {"kind": "self", "person_id": person},
            "purpose": "勤務先へ提出", "identity_check": "運転免許証"})
    };
    let certs = format!("{base}/certificates");
    reception
        .post_pdf_text(&certs, copy(mother, json!([]), 1), "history-1")
        .await;
    reception
        .post_pdf_text(&certs, copy(mother, json!(["honseki"]), 2), "history-2")
        .await;
    reception
        .post_pdf_text(&certs, copy(son, json!([]), 1), "history-3")
        .await;
    reception
        .pdf_text(
            &format!("{base}/persons/{mother}/code-notice"),
            "history-code",
        )
        .await;
    // The カード管理システム's report, as the CS link keeps it.
    let tenant = LocalGovCode::parse(&t.to_string()).expect("code");
    kikan_app::business::set(
        &*app.store,
        tenant,
        PersonId(mother),
        BusinessItems::Card(CardItems {
            holds: true,
            kind: Some(CardKind::Individual),
            status: Some("交付済み".into()),
            expires_on: chrono::NaiveDate::from_ymd_opt(2035, 2, 2),
            certificate_serial: None,
            signature_serial: None,
        }),
        "system:住基ネット",
        chrono::Utc::now(),
    )
    .await
    .expect("card");

    let (status, h) = reception
        .get(&format!("{base}/persons/{mother}/issuance-history"))
        .await;
    assert_eq!(status, 200, "{h}");
    let mine = serials(&h["certificates"]);
    // Two copies are two certificates, each with its 発行番号 (5.5); the 住民票コード
    // 通知票 is in the register too (1.3.8).
    assert_eq!(mine.len(), 4, "hers only: {h}");
    assert_eq!(h["certificates"][0]["kind"], "code_notice", "{h}");
    assert_eq!(h["code_notices"].as_array().map(Vec::len), Some(1), "{h}");
    assert_eq!(
        (
            h["card"]["kind"].as_str(),
            h["card"]["status"].as_str(),
            h["card"]["holds"].as_bool()
        ),
        (Some("個人番号カード"), Some("交付済み"), Some(true)),
        "{h}"
    );
    let (_, none) = reception
        .get(&format!("{base}/persons/{son}/issuance-history"))
        .await;
    assert!(
        none["card"].is_null() && none["code_notices"] == json!([]),
        "{none}"
    );

    // The register by 1.3.8's items.
    let (_, all) = reception.get(&certs).await;
    assert_eq!(serials(&all).len(), 5, "{all}");
    let (_, honseki) = reception.get(&format!("{certs}?item=本籍・筆頭者")).await;
    assert_eq!(serials(&honseki).len(), 2, "{honseki}");
    let (_, ones) = reception.get(&format!("{certs}?copies=1")).await;
    let (_, twos) = reception.get(&format!("{certs}?copies=2")).await;
    assert_eq!((serials(&ones).len(), serials(&twos).len()), (5, 0));
    let one = serials(&honseki)[0];
    let (_, by_serial) = reception.get(&format!("{certs}?serial={one}")).await;
    assert_eq!(serials(&by_serial), vec![one]);
    let (_, kept) = reception.get(&format!("{certs}?disposed=false")).await;
    assert_eq!(serials(&kept).len(), 5);
    let (_, disposed) = reception.get(&format!("{certs}?disposed=true")).await;
    assert_eq!(serials(&disposed).len(), 0);
    let (_, nowhere) = reception
        .get(&format!("{certs}?place=存在しない場所"))
        .await;
    assert_eq!(serials(&nowhere).len(), 0);
    let (status, e) = reception.get(&format!("{certs}?item=趣味")).await;
    assert_eq!((status, e["field"].as_str()), (422, Some("item")), "{e}");

    let (_, log) = app
        .as_role(t, Role::Auditor)
        .await
        .get(&format!("{base}/audit/persons/{mother}"))
        .await;
    assert!(log.to_string().contains("certificate.history"), "{log}");
}

kikan_testsuite::on_both!(a_persons_issuance_history_and_the_register_by_item);
