//! 認証者, 電子公印, fixed phrases and 公用 (1.3.7, 1.3.9, 5.6, 5.7) over HTTP, on both
//! engines: 管理者 registers the 市区町村長 and a 職務代理者 for a period (overlaps refused),
//! a seal image (made black; red, oversized or not a PNG refused) and phrases; a
//! certificate printed within the deputy's period names the deputy with the prefecture
//! and embeds the seal, one after the period names the mayor; 公印省略 prints the phrase
//! and no seal; 「公用」 is printed when asked; only 管理者 registers, and it is audited.

use base64::Engine;
use chrono::Duration;
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, audit_pairs};
use serde_json::{Value, json};

async fn certifiers_seals_and_phrases_print_as_registered(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let today = kikan_app::clock::japan_today();
    let day = |d: i64| (today + Duration::days(d)).to_string();
    let (_, mother, _) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let copy = |extra: Value| {
        let mut c = json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
            "requester": {"kind": "self", "person_id": mother}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        c
    };
    let certificates = format!("{base}/certificates");

    // 認証者: the mayor since long ago; a deputy for a period around today.
    let certifiers = format!("{base}/certifiers");
    let (status, v) = admin
        .post(&certifiers, json!({"role": "市区町村長", "title": "横浜市長", "name": "見本　一郎", "from": "2022-04-01"}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = admin
        .post(&certifiers, json!({"role": "職務代理者", "title": "横浜市長職務代理者　横浜市副市長", "name": "代理　花子",
            "from": day(-3), "to": day(3)}))
        .await;
    assert_eq!(status, 200, "{v}");
    let deputy = v["certifiers"][1]["id"].as_i64().unwrap_or_default();
    assert_eq!(
        v["today"], "神奈川県横浜市長職務代理者　横浜市副市長　代理　花子",
        "{v}"
    );
    // Refused: a second mayor at the same time, a period ending before it starts, a role
    // that does not exist; and anyone but 管理者.
    for (body, code) in [
        (
            json!({"role": "市区町村長", "title": "横浜市長", "name": "重複　太郎", "from": day(0)}),
            "E-CERT-030",
        ),
        (
            json!({"role": "職務代理者", "title": "横浜市副市長", "name": "逆　順", "from": day(30), "to": day(20)}),
            "E-CERT-030",
        ),
        (
            json!({"role": "区長", "title": "中区長", "name": "見本", "from": day(0)}),
            "E-CODE-005",
        ),
    ] {
        let (status, v) = admin.post(&certifiers, body).await;
        assert_eq!(
            (status, v["code"].as_str().unwrap_or_default()),
            (422, code),
            "{v}"
        );
    }
    let (status, _) = examiner
        .post(
            &certifiers,
            json!({"role": "市区町村長", "title": "横浜市長", "name": "x", "from": day(0)}),
        )
        .await;
    assert_eq!(status, 403);

    // 電子公印: black, at most 25 mm; only a card's seal may be red.
    let seals = format!("{base}/seals");
    let png = base64::engine::general_purpose::STANDARD.encode(kikan_cert::seal::sample_png(240));
    for (body, code) in [
        (
            json!({"kind": "証明書専用印", "png": png, "size_mm": 21.0, "red": true}),
            "E-CERT-031",
        ),
        (
            json!({"kind": "証明書専用印", "png": png, "size_mm": 30.0}),
            "E-CERT-031",
        ),
        (
            json!({"kind": "証明書専用印", "png": "bm90IGEgcG5n", "size_mm": 21.0}),
            "E-CERT-031",
        ),
        (
            json!({"kind": "実印", "png": png, "size_mm": 21.0}),
            "E-CODE-005",
        ),
    ] {
        let (status, v) = admin.post(&seals, body).await;
        assert_eq!(
            (status, v["code"].as_str().unwrap_or_default()),
            (422, code),
            "{v}"
        );
    }
    let (status, v) = admin
        .post(
            &seals,
            json!({"kind": "証明書専用印", "png": png, "size_mm": 21.0}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["seals"][0]["kind"], "証明書専用印", "{v}");
    let (status, v) = admin
        .put(
            &format!("{base}/certificate-phrases"),
            json!({"phrases": ["公印省略", " この印は黒色です ", ""]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["phrases"], json!(["公印省略", "この印は黒色です"]), "{v}");
    // The counter reads the settings.
    let (status, v) = reception.get(&format!("{base}/certificate-settings")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["certifiers"].as_array().map(Vec::len), Some(2), "{v}");

    // Within the deputy's period: the deputy certifies, the seal embedded, 公用 printed.
    let pdf = examiner
        .post_pdf(
            &certificates,
            copy(json!({"official": true, "phrase": "この印は黒色です"})),
        )
        .await;
    let text =
        kikan_testsuite::pdf::squeezed(&kikan_testsuite::pdf::text(&pdf, "certifier-deputy"));
    assert!(
        text.contains("神奈川県横浜市長職務代理者横浜市副市長代理花子"),
        "{text}"
    );
    assert!(text.contains("公用"), "{text}");
    assert!(text.contains("この印は黒色です"), "{text}");
    assert!(!text.contains("横浜市長之印"), "no placeholder: {text}");
    // 発行番号 (5.5): date, municipality, number, page (no terminal was named).
    let number = format!("発行番号{}横浜市", today.format("%Y%m%d"));
    assert!(text.contains(&number) && text.contains("1/1"), "{text}");
    // One image (with its transparency mask): 240 pixels over 21 mm is 290 ppi.
    let images = kikan_testsuite::pdf::images(&pdf);
    let seal: Vec<Vec<&str>> = images
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|c| c.get(2) == Some(&"image"))
        .collect();
    assert_eq!(seal.len(), 1, "{images:?}");
    assert_eq!(
        (seal[0][3], seal[0][4], seal[0][12]),
        ("240", "240", "290"),
        "{images:?}"
    );
    // The mayor asked for: the mayor certifies within the period too.
    let text = examiner
        .post_pdf_text(
            &certificates,
            copy(json!({"certifier": "市区町村長"})),
            "certifier-mayor-asked",
        )
        .await;
    assert!(text.contains("神奈川県横浜市長見本一郎"), "{text}");
    assert!(!text.contains("公用"), "{text}");
    // 公印省略: the phrase, no seal.
    let pdf = examiner
        .post_pdf(
            &certificates,
            copy(json!({"seal": "なし", "phrase": "公印省略"})),
        )
        .await;
    let text =
        kikan_testsuite::pdf::squeezed(&kikan_testsuite::pdf::text(&pdf, "certifier-no-seal"));
    assert!(text.contains("公印省略"), "{text}");
    assert!(kikan_testsuite::pdf::images(&pdf).is_empty());
    // Refused, nothing issued: a phrase not registered, a seal kind not registered.
    for (extra, code) in [
        (json!({"phrase": "規定により免除"}), "E-CERT-032"),
        (json!({"seal": "職務代理者印"}), "E-CERT-031"),
    ] {
        let (status, v) = examiner.post(&certificates, copy(extra)).await;
        assert_eq!(
            (status, v["code"].as_str().unwrap_or_default()),
            (422, code),
            "{v}"
        );
    }

    // The deputy's period ended yesterday: the mayor certifies today.
    let (status, v) = admin
        .post(
            &certifiers,
            json!({"id": deputy, "role": "職務代理者", "title": "横浜市長職務代理者　横浜市副市長",
            "name": "代理　花子", "from": day(-3), "to": day(-1)}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let text = examiner
        .post_pdf_text(&certificates, copy(json!({})), "certifier-mayor")
        .await;
    assert!(text.contains("神奈川県横浜市長見本一郎"), "{text}");
    assert!(!text.contains("代理花子"), "{text}");
    // Asking for the deputy now is refused.
    let (status, v) = examiner
        .post(&certificates, copy(json!({"certifier": "職務代理者"})))
        .await;
    assert_eq!(
        (status, v["code"].as_str().unwrap_or_default()),
        (422, "E-CERT-030"),
        "{v}"
    );

    // 指定都市 (1.3.9): the 区長 of 中区 certifies what 中区役所 issues; 本庁 stays the
    // mayor's. A ward without a registered 区役所 is refused.
    let (status, v) = admin
        .post(&certifiers, json!({"role": "市区町村長", "title": "横浜市中区長", "name": "区長　三郎", "from": "2024-04-01", "ward": "中区"}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    let (status, v) = admin
        .post(&format!("{base}/places"), json!({"code": "NAKA", "name": "中区役所", "kind": "区役所", "ward": "中区", "ward_code": "141038"}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = admin
        .post(
            &format!("{base}/terminals"),
            json!({"code": "N1", "name": "中区役所窓口", "place": "NAKA"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = admin
        .post(&certifiers, json!({"role": "市区町村長", "title": "横浜市中区長", "name": "区長　三郎", "from": "2024-04-01", "ward": "中区"}))
        .await;
    assert_eq!(status, 200, "{v}");
    let at_naka = app.as_role(t, Role::Examiner).await.at_terminal("N1");
    let text = at_naka
        .post_pdf_text(&certificates, copy(json!({})), "certifier-ward-head")
        .await;
    assert!(text.contains("神奈川県横浜市中区長区長三郎"), "{text}");
    let text = examiner
        .post_pdf_text(&certificates, copy(json!({})), "certifier-city-hall")
        .await;
    assert!(text.contains("神奈川県横浜市長見本一郎"), "{text}");

    // Audited.
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=settings.certifier"))
        .await;
    let actions: Vec<String> = audit_pairs(&log, "action", "outcome")
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert!(
        actions
            .iter()
            .filter(|a| *a == "settings.certifier")
            .count()
            >= 3,
        "{actions:?}"
    );
}

kikan_testsuite::on_both!(certifiers_seals_and_phrases_print_as_registered);
