//! 世帯ごとに共通のデータも個人ごとに保持する (1.2.1) over HTTP, on both engines: each
//! member's record holds the 世帯主の氏名, so every version of it holds the head of its
//! time. A 世帯主変更 and a correction of the head's name give each member a new version;
//! the earlier versions keep the earlier head; a 除票 keeps the head of the household it
//! left.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, mother_and_son};
use serde_json::{Value, json};

/// The 世帯主の氏名 of each version of a person's record, oldest first.
async fn heads(c: &Caller, base: &str, id: i64) -> Vec<String> {
    let (status, v) = c.get(&format!("{base}/persons/{id}/history")).await;
    assert_eq!(status, 200, "{v}");
    v["versions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["record"]["head_name"].as_str().unwrap_or("-").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn each_version_holds_the_head_of_its_time(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let post =
        |on: &str, change: Value| json!({"effective_on": on, "notified_on": on, "change": change});
    let (household, mother, son) = mother_and_son(&examiner, &base).await;
    assert_eq!(heads(&examiner, &base, son).await, ["山本　花子"]);
    assert_eq!(heads(&examiner, &base, mother).await, ["山本　花子"]);
    // 世帯主変更: the son heads the household from 2026-06-01.
    let (status, v) = examiner
        .post(&changes, post("2026-06-01", json!({"type": "head_change", "household_id": household,
            "relationships": [{"person_id": son, "relationship": "世帯主"}, {"person_id": mother, "relationship": "母"}]})))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        heads(&examiner, &base, son).await,
        ["山本　花子", "山本　健太"]
    );
    assert_eq!(
        heads(&examiner, &base, mother).await,
        ["山本　花子", "山本　健太"]
    );
    // The head's name corrected: the mother's record takes it too, in a version of its own.
    let (status, v) = examiner
        .post(
            &changes,
            post(
                "2026-07-01",
                json!({"type": "correction", "person_id": son,
            "correction": {"item": "name", "new": {"family": "山本", "given": "健大"}}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        heads(&examiner, &base, mother).await,
        ["山本　花子", "山本　健太", "山本　健大"]
    );
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["head_name"], "山本　健大", "{p}");
    // As of a day before, the record shows the head of that day.
    let (_, then) = examiner
        .get(&format!("{base}/persons/{mother}?as_of=2026-05-01"))
        .await;
    assert_eq!(then["head_name"], "山本　花子", "{then}");
    // A change of another item of a member writes no version of the others.
    let (status, v) = examiner
        .post(
            &changes,
            post(
                "2026-08-01",
                json!({"type": "correction", "person_id": mother,
            "correction": {"item": "name", "new": {"family": "山本", "given": "華子"}}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(heads(&examiner, &base, son).await.len(), 3);
    // The head dies: the mother, alone, heads the household (職権); his 除票 keeps his own
    // name as its head's.
    let (status, v) = examiner
        .post(
            &changes,
            post("2026-09-01", json!({"type": "death", "person_id": son})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["head_name"], "山本　華子", "{p}");
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(
        (p["register"].as_str(), p["head_name"].as_str()),
        (Some("B"), Some("山本　健大")),
        "{p}"
    );
}

kikan_testsuite::on_both!(each_version_holds_the_head_of_its_time);
