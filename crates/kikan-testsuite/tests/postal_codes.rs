//! 郵便番号 (1.1.17) over HTTP, on both engines: kept for the 住所, the 転入前住所, the
//! 転出先住所（予定） and the 転出先住所（確定）, each as given; a malformed one is refused
//! with a stable code and nothing written.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::json;

async fn postal_codes_of_every_address(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let move_in = |previous_postal: &str| {
        json!({"effective_on": "2026-11-01", "notified_on": "2026-11-01",
            "change": {"type": "move_in",
                "persons": [person_json(("郵便", "太郎"), ("ユウビン", "タロウ"), "1980-01-01", "男", "世帯主")],
                "address": {"postal_code": "231-0005", "place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
                "previous_address": {"postal_code": previous_postal, "place": "東京都千代田区千代田", "banchi": "1番1号"}}})
    };
    // A malformed 郵便番号 of the 転入前住所: refused, at its field.
    let (status, v) = examiner.post(&changes, move_in("1000-01")).await;
    assert_eq!(status, 422, "{v}");
    assert!(
        v["field"]
            .as_str()
            .is_some_and(|f| f.contains("previous_address")),
        "{v}"
    );
    let (status, v) = examiner.post(&changes, move_in("１００－０００１")).await;
    assert_eq!(status, 201, "{v}");
    let id = v["person_ids"][0].as_i64().unwrap_or_default();
    let person = format!("{base}/persons/{id}");
    let (_, p) = examiner.get(&person).await;
    assert_eq!(p["address"]["postal_code"], "231-0005", "{p}");
    assert_eq!(
        p["moved_in"]["previous_address"]["postal_code"], "100-0001",
        "{p}"
    );

    // 転出先住所（予定）, then （確定） from the 転入通知: both kept.
    let (status, v) = examiner
        .post(&changes, json!({"effective_on": "2026-11-20", "notified_on": "2026-11-20",
            "change": {"type": "move_out", "person_ids": [id], "planned_on": "2026-12-20",
                "destination": {"postal_code": "530-0001", "place": "大阪府大阪市北区梅田", "banchi": "1丁目1番"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&person).await;
    assert_eq!(p["status"]["state"], "転出予定", "{p}");
    assert_eq!(p["status"]["destination"]["postal_code"], "530-0001", "{p}");
    let (status, v) = examiner
        .post(&changes, json!({"effective_on": "2026-12-01", "notified_on": "2026-12-02",
            "change": {"type": "move_out_confirmed", "person_ids": [id], "notice_from": "271004",
                "destination": {"postal_code": "530-0002", "place": "大阪府大阪市北区曽根崎", "banchi": "2丁目2番"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&person).await;
    assert_eq!(p["status"]["destination"]["postal_code"], "530-0002", "{p}");
    assert_eq!(
        p["status"]["moved_out"]["planned_destination"]["postal_code"], "530-0001",
        "the 予定 is never overwritten: {p}"
    );
}

kikan_testsuite::on_both!(postal_codes_of_every_address);
