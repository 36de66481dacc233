//! 消除対象者記載 (3.3) over HTTP, on both engines: the household view lists the members
//! removed from the register (here by 死亡) with their 消除事由 and date, apart from the
//! members; a view as of a past date lists the members then and no removed ones.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::json;

async fn removed_members_are_shown_with_the_household(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person_json(("消除", "太郎"), ("ショウジョ", "タロウ"), "1940-01-01", "男", "世帯主"),
                            person_json(("消除", "花子"), ("ショウジョ", "ハナコ"), "1942-02-02", "女", "妻")],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (taro, hanako) = (v["person_ids"][0].clone(), v["person_ids"][1].clone());
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": "2026-09-01", "notified_on": "2026-09-02",
            "change": {"type": "death", "person_id": taro, "succession": [{"person_id": hanako, "relationship": "世帯主"}]}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["members"].as_array().map(Vec::len), Some(1), "{h}");
    assert_eq!(h["members"][0]["id"], hanako);
    assert_eq!(
        h["removed_members"].as_array().map(Vec::len),
        Some(1),
        "{h}"
    );
    assert_eq!(h["removed_members"][0]["id"], taro);
    assert_eq!(h["removed_members"][0]["status"]["reason"], "死亡", "{h}");
    assert_eq!(
        h["removed_members"][0]["status"]["removed_on"]["iso"], "2026-09-01",
        "{h}"
    );
    let (_, then) = examiner
        .get(&format!("{base}/households/{hid}?as_of=2026-08-31"))
        .await;
    assert_eq!(then["members"].as_array().map(Vec::len), Some(2), "{then}");
    assert_eq!(then["removed_members"], json!([]), "{then}");
}

kikan_testsuite::on_both!(removed_members_are_shown_with_the_household);
