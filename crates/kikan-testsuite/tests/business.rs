//! The 法第7条 items other businesses keep (1.1.1, j10; 1.1.2, j20; 7.2.2, j1180) over
//! HTTP, on both engines: a business system's own token (asked for by 管理者 with its
//! scope, approved by 審査) sets its items and is refused anything else; bad items are
//! refused with nothing written; every value is kept with who set it and when; the record
//! reads the latest, and a certificate prints them only when asked for.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, audit_pairs};
use serde_json::{Value, json};

async fn business_systems_set_their_own_items(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let admin = app.as_role(t, Role::Admin).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;

    // 国保システム's token: asked for with its scope, approved by 審査. A scope on a role
    // other than 連携システム, or an unknown business, is refused.
    let tokens = format!("{base}/tokens");
    let (status, v) = admin
        .post(
            &tokens,
            json!({"name": "税務", "role": "reception", "businesses": ["国民健康保険"]}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    let (status, v) = admin
        .post(
            &tokens,
            json!({"name": "国保", "role": "system", "businesses": ["国保"]}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{v}"
    );
    let (status, asked) = admin
        .post(&tokens, json!({"name": "国保システム", "role": "system", "businesses": ["national_health_insurance"]}))
        .await;
    assert_eq!(status, 201, "{asked}");
    let (status, ok) = examiner
        .post(
            &format!(
                "{tokens}/{}/approve",
                asked["id"].as_str().unwrap_or_default()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{ok}");
    let nhi = app.caller(ok["token"].as_str().map(str::to_string));
    let (_, list) = admin.get(&tokens).await;
    assert!(
        list.as_array().is_some_and(|l| l
            .iter()
            .any(|t| t["businesses"] == json!(["national_health_insurance"]))),
        "{list}"
    );

    let items = format!("{base}/persons/{mother}/business-items");
    // Its own items: recorded, with who and when.
    let (status, v) = nhi
        .post(&items, json!({"items": {"business": "national_health_insurance", "insured": true, "acquired_on": "2026-04-01", "lost_on": null}}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["set_by"], "token:国保システム", "{v}");
    assert_eq!(v["line"], "該当　資格取得 令和8年4月1日", "{v}");
    // Anything else: refused (and audited), nothing written; so is a 窓口.
    let (status, v) = nhi
        .post(
            &items,
            json!({"items": {"business": "elector", "registered": true}}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-BIZ-002")),
        "{v}"
    );
    let (status, _) = reception
        .post(
            &items,
            json!({"items": {"business": "elector", "registered": true}}),
        )
        .await;
    assert_eq!(status, 403);
    // Items that do not fit together, or not in the documented form; an unknown person.
    for (body, path, want) in [
        (
            json!({"business": "national_health_insurance", "insured": true, "acquired_on": null, "lost_on": null}),
            items.clone(),
            (422, "E-BIZ-001"),
        ),
        (
            json!({"business": "national_health_insurance", "insured": "はい"}),
            items.clone(),
            (422, "E-BIZ-003"),
        ),
        (
            json!({"business": "national_health_insurance", "insured": false, "acquired_on": null, "lost_on": null}),
            format!("{base}/persons/999999999/business-items"),
            (404, "E-IDO-001"),
        ),
    ] {
        let (status, v) = nhi.post(&path, json!({"items": body})).await;
        assert_eq!(
            (status, v["code"].as_str().unwrap_or_default()),
            want,
            "{v}"
        );
    }
    // 審査 sets the others (選挙, 国民年金, 児童手当, the card).
    for body in [
        json!({"business": "elector", "registered": true}),
        json!({"business": "national_pension", "insured": true, "acquired_on": "2005-02-01", "lost_on": null,
            "basic_pension_number": "1234-567890", "kind": "第1号被保険者", "kind_changed_on": "2026-04-01"}),
        json!({"business": "card", "holds": true}),
    ] {
        let (status, v) = examiner.post(&items, json!({"items": body})).await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, v) = examiner
        .post(
            &format!("{base}/persons/{son}/business-items"),
            json!({"items": {"business": "child_allowance", "from": "2026-05", "until": null}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // 国保 loses the insured: a new value; the history keeps both, the latest is current.
    let (status, _) = nhi
        .post(&items, json!({"items": {"business": "national_health_insurance", "insured": false, "acquired_on": "2026-04-01", "lost_on": "2026-09-30"}}))
        .await;
    assert_eq!(status, 200);
    let (status, all) = reception.get(&items).await;
    assert_eq!(status, 200, "{all}");
    let lines = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|l| {
                l.iter()
                    .map(|x| {
                        format!(
                            "{}:{}",
                            x["label"].as_str().unwrap_or_default(),
                            x["line"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let current = lines(&all["current"]);
    assert_eq!(current.len(), 4, "{current:?}");
    assert!(
        current.contains(
            &"国民健康保険:非該当　資格取得 令和8年4月1日　資格喪失 令和8年9月30日".to_string()
        ),
        "{current:?}"
    );
    assert_eq!(
        lines(&all["history"])
            .iter()
            .filter(|l| l.starts_with("国民健康保険"))
            .count(),
        2
    );

    // A foreign resident's record has no 選挙人名簿 item; the others it has.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "kind": "国外からの転入",
                "persons": [{"name": {"family": "NGUYEN VAN AN", "given": ""}, "furigana": {"family": "グエン　ヴァン　アン", "given": ""},
                    "birth_date": "1995-05-05", "sex": "男", "relationship": "世帯主",
                    "foreign": {"nationality": "ベトナム", "category": "特別永住者", "card_number": "SP12345678AB"}}],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let alien = v["person_ids"][0].as_i64().unwrap_or_default();
    let alien_items = format!("{base}/persons/{alien}/business-items");
    let (status, v) = examiner
        .post(
            &alien_items,
            json!({"items": {"business": "elector", "registered": false}}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-BIZ-001")),
        "{v}"
    );
    let (status, v) = nhi
        .post(&alien_items, json!({"items": {"business": "national_health_insurance", "insured": true, "acquired_on": "2026-04-01", "lost_on": null}}))
        .await;
    assert_eq!(status, 200, "{v}");

    // 成年被後見人 (9.4) set by 審査; the 国保 token may not.
    let (status, v) = examiner
        .post(&items, json!({"items": {"business": "adult_ward", "ward": true, "since": "2020-04-01", "until": null}}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = nhi
        .post(&items, json!({"items": {"business": "adult_ward", "ward": false, "since": null, "until": null}}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-BIZ-002")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&items, json!({"items": {"business": "adult_ward", "ward": true, "since": "2020-04-01", "until": "2021-01-01"}}))
        .await;
    assert_eq!(status, 422, "{v}");

    // A certificate prints them only when asked for.
    let copy = |items: Value| {
        json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
        "items": items, "requester": {"kind": "self", "person_id": mother}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"})
    };
    let plain = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy(json!([])),
            "business-not-asked",
        )
        .await;
    assert!(!plain.contains("国民健康保険"), "{plain}");
    let asked = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy(json!(["business_items"])),
            "business-asked",
        )
        .await;
    for word in [
        "国民健康保険",
        "資格喪失令和8年9月30日",
        "選挙人名簿",
        "登録あり",
        "基礎年金番号1234-567890",
    ] {
        assert!(asked.contains(word), "{word}: {asked}");
    }
    assert!(
        !asked.contains("保有あり"),
        "the card is no 住民票 item: {asked}"
    );
    assert!(
        !asked.contains("成年被後見人"),
        "成年被後見人 is never printed: {asked}"
    );

    // Audited: each value set, the refusal, the reads.
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mother}")).await;
    let pairs = audit_pairs(&log, "action", "outcome");
    let count = |a: &str| pairs.iter().filter(|(x, _)| x == a).count();
    assert!(count("business.write") >= 5, "{pairs:?}");
    assert_eq!(count("business.refused"), 2, "{pairs:?}");
    assert!(count("business.read") >= 1, "{pairs:?}");
}

/// 成年被後見人 (9.4): set for a person, and when they move out, the notice to the
/// municipality they move to, naming them and not the others of the 転出.
async fn adult_wards_are_notified_on_move_out(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let (status, v) = examiner
        .post(
            &format!("{base}/persons/{mother}/business-items"),
            json!({"items": {"business": "adult_ward", "ward": true, "since": "2020-04-01", "until": null}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, p) = examiner
        .get(&format!("{base}/persons/{mother}/business-items"))
        .await;
    assert!(p.to_string().contains("成年被後見人"), "{p}");
    let move_out = |persons: Vec<i64>| {
        json!({"effective_on": "2026-11-20", "notified_on": "2026-11-20",
            "change": {"type": "move_out", "person_ids": persons, "planned_on": "2026-12-20",
                "destination": {"place": "神奈川県川崎市川崎区宮本町", "banchi": "1番地"}}})
    };
    // The son alone first (he is none): refused; then the mother.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), move_out(vec![son]))
        .await;
    assert_eq!(status, 201, "{v}");
    let seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .get(&format!("{base}/entries/{seq}/ward-notice"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CERT-040")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&format!("{base}/changes"), move_out(vec![mother]))
        .await;
    assert_eq!(status, 201, "{v}");
    let seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let text = examiner
        .pdf_text(&format!("{base}/entries/{seq}/ward-notice"), "ward-notice")
        .await;
    for word in [
        "成年被後見人に関する通知書",
        "神奈川県川崎市川崎区宮本町1番地",
        "山本花子",
        "令和2年4月1日",
        "令和8年12月20日",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
    assert!(!text.contains("健太"), "{text}");
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=letter.ward_notice"))
        .await;
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
}

kikan_testsuite::on_both!(
    business_systems_set_their_own_items,
    adult_wards_are_notified_on_move_out
);
