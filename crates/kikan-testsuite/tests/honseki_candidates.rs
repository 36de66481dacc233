//! 本籍入力補助 (4.0.6) for a 再転入者 over HTTP, on both engines: the 本籍 of their own
//! history are offered, newest first, each once — never one whose municipality no longer
//! exists (市町村合併: 保谷市, now 西東京市), checked against the postal code file; without
//! the file nothing is offered.

use base64::Engine;
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};

const KEN_ALL: &[u8] = include_bytes!("../data/address/KEN_ALL_sample.CSV");

async fn a_returning_resident_is_offered_the_honseki_of_today(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("131130", "渋谷区").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let mut person = person_json(
        ("戻井", "一郎"),
        ("モドイ", "イチロウ"),
        "1970-01-01",
        "男",
        "世帯主",
    );
    person["honseki"] =
        json!({"domicile": "東京都西多摩郡瑞穂町箱根ケ崎1番地", "head_name": "戻井　一郎"});
    let (status, v) = examiner
        .post(
            &changes,
            json!({"effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "persons": [person],
                "address": {"place": "東京都渋谷区神南一丁目", "banchi": "1番"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let id = v["person_ids"][0].as_i64().unwrap_or_default();
    // His 本籍 once lay in 保谷市 (a correction back to what the 戸籍 says of an earlier day).
    for (on, domicile) in [
        ("2026-05-01", "東京都保谷市東町一丁目1番地"),
        ("2026-06-01", "東京都日野市神明一丁目1番地"),
    ] {
        let (status, v) = examiner
            .post(&changes, json!({"effective_on": on, "notified_on": on,
                "change": {"type": "correction", "person_id": id,
                    "correction": {"item": "honseki", "new": {"domicile": domicile, "head_name": "戻井　一郎"}}}}))
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let (status, v) = examiner
        .post(&changes, json!({"effective_on": "2026-07-01", "notified_on": "2026-07-01",
            "change": {"type": "move_out", "person_ids": [id], "planned_on": "2026-07-01", "abroad": true,
                "destination": {"place": "アメリカ合衆国", "banchi": ""}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let candidates = format!("{base}/persons/{id}/honseki-candidates");
    let domiciles = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["domicile"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // No postal code file: nothing can be checked, nothing is offered.
    let (status, v) = examiner.get(&candidates).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["checked"].as_bool(), domiciles(&v, "candidates").len()),
        (Some(false), 0),
        "{v}"
    );
    let admin = app.as_role(t, Role::Admin).await;
    let (status, v) = admin
        .post(
            &format!("{base}/address-dictionary/import"),
            json!({"kind": "postal", "base64": base64::engine::general_purpose::STANDARD.encode(KEN_ALL)}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // With it: 日野市 and 瑞穂町, newest first; 保谷市 left out.
    let (_, v) = examiner.get(&candidates).await;
    assert_eq!(v["checked"], true, "{v}");
    assert_eq!(
        domiciles(&v, "candidates"),
        [
            "東京都日野市神明一丁目1番地",
            "東京都西多摩郡瑞穂町箱根ケ崎1番地"
        ],
        "{v}"
    );
    assert_eq!(
        domiciles(&v, "left_out"),
        ["東京都保谷市東町一丁目1番地"],
        "{v}"
    );
    assert_eq!(v["candidates"][0]["head_name"], "戻井　一郎", "{v}");
}

kikan_testsuite::on_both!(a_returning_resident_is_offered_the_honseki_of_today);
