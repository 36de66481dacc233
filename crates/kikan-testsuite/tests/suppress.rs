//! 異動・発行・照会抑止 (3.1, j410; 9.2, j1290; 3.2, j420) over HTTP, on both engines:
//! a suppression per person or household, per process, at error or alert level; it
//! outlives its end date; a temporary release lets the work through; a release ends it;
//! search results show a held record; the list feeds other systems.

use kikan_security::Role;
use kikan_testsuite::http::{App, audit_pairs};
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::{Value, json};

fn relocation(persons: &[i64], banchi: &str) -> Value {
    json!({
        "effective_on": "2026-06-01", "notified_on": "2026-06-01",
        "change": {"type": "relocation", "person_ids": persons,
            "address": {"place": "神奈川県横浜市中区元町", "banchi": banchi}}
    })
}

async fn held_records(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let (hid, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let suppressions = format!("{base}/suppressions");

    // Only those allowed set suppressions.
    let hold = json!({"subject": {"kind": "person", "id": mother}, "processes": ["certificate", "inquiry"],
        "level": "error", "reason": "裁判所の命令", "starts_on": "2026-04-01", "ends_on": "2026-05-31"});
    assert_eq!(reception.post(&suppressions, hold.clone()).await.0, 403);
    let (status, held) = examiner.post(&suppressions, hold).await;
    assert_eq!(status, 201, "{held}");
    let held_id = held["id"].as_i64().unwrap_or_default();
    // Its end date has passed: it holds all the same, and says so.
    assert_eq!(
        (&held["in_force"], &held["past_end"]),
        (&json!(true), &json!(true)),
        "{held}"
    );

    // 照会: the record is refused (and the refusal audited); search shows it held.
    let (status, v) = reception.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (423, Some("E-SUPPRESS-003")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("解除されるまで抑止は続きます"),
        "{v}"
    );
    let (status, v) = reception.get(&format!("{base}/households/{hid}")).await;
    assert_eq!(status, 423, "{v}");
    let (status, hits) = reception.get(&format!("{base}/search?kana=ヤマモト")).await;
    assert_eq!(status, 200, "{hits}");
    let marked = |hits: &Value, id: i64| {
        hits.as_array()
            .and_then(|l| l.iter().find(|h| h["id"] == id))
            .map(|h| {
                h["suppressions"]
                    .as_array()
                    .map(Vec::len)
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        (marked(&hits, mother), marked(&hits, son)),
        (1, 0),
        "{hits}"
    );
    // 証明書発行: refused.
    let copy = json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
        "requester": {"kind": "self", "person_id": mother}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"});
    let (status, v) = reception
        .post(&format!("{base}/certificates"), copy.clone())
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (423, Some("E-SUPPRESS-002")),
        "{v}"
    );
    // The son is not held; 異動 of the mother is not held by it.
    assert_eq!(reception.get(&format!("{base}/persons/{son}")).await.0, 200);

    // 異動入力 held on the household at alert level: the change goes through, alerted.
    let (status, alert) = examiner
        .post(
            &suppressions,
            json!({"subject": {"kind": "household", "id": hid}, "processes": ["change"],
            "level": "alert", "reason": "転出予定の確認中"}),
        )
        .await;
    assert_eq!(status, 201, "{alert}");
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "1番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert!(
        v["warnings"].to_string().contains("転出予定の確認中"),
        "{v}"
    );
    // A draft hears the same alert from the check made at its entry.
    let (status, draft) = examiner
        .post(
            &format!("{base}/drafts"),
            relocation(&[mother, son], "2番地"),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert!(
        draft["warnings"].to_string().contains("転出予定の確認中"),
        "{draft}"
    );
    // At error level on the son: his household's next change is refused, drafts too.
    let (status, hard) = examiner
        .post(
            &suppressions,
            json!({"subject": {"kind": "person", "id": son}, "processes": ["異動入力"],
            "level": "エラー", "reason": "職権調査中"}),
        )
        .await;
    assert_eq!(status, 201, "{hard}");
    let hard_id = hard["id"].as_i64().unwrap_or_default();
    for path in ["changes", "drafts"] {
        let (status, v) = examiner
            .post(
                &format!("{base}/{path}"),
                relocation(&[mother, son], "2番地"),
            )
            .await;
        assert_eq!(
            (status, v["code"].as_str()),
            (423, Some("E-SUPPRESS-001")),
            "{path}: {v}"
        );
    }
    // 一時解除 with a reason: the change goes through, with the alert.
    let release = format!("{suppressions}/{hard_id}/release-temporarily");
    assert_eq!(
        reception.post(&release, json!({"reason": "x"})).await.0,
        403
    );
    let (status, v) = examiner
        .post(&release, json!({"minutes": 0, "reason": "本人確認済み"}))
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = examiner
        .post(&release, json!({"minutes": 10, "reason": "本人確認済み"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["temporarily_released_until"].is_string() && v["in_force"] == json!(true),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "3番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert!(v["warnings"].to_string().contains("一時解除中"), "{v}");

    // 抑止対象者一覧 (9.2) and the feed (3.2): in force, and changed since a time.
    let (status, list) = examiner.get(&format!("{suppressions}?in_force=true")).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(3)),
        "{list}"
    );
    let since = held["changed_at"].as_str().unwrap_or_default().to_string();
    let (_, changed) = examiner
        .get(&format!(
            "{suppressions}?changed_since={}",
            since.replace('+', "%2B")
        ))
        .await;
    assert_eq!(changed.as_array().map(Vec::len), Some(2), "{changed}");

    // 解除: the record is read again; a second release is refused.
    let (status, v) = examiner
        .post(
            &format!("{suppressions}/{held_id}/release"),
            json!({"note": "命令の取消し"}),
        )
        .await;
    assert_eq!((status, &v["in_force"]), (200, &json!(false)), "{v}");
    assert_eq!(
        reception.get(&format!("{base}/persons/{mother}")).await.0,
        200
    );
    let (status, v) = examiner
        .post(&format!("{suppressions}/{held_id}/release"), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    assert_eq!(
        examiner
            .get(&format!("{suppressions}?in_force=true"))
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Bad input: an unknown process, an unknown person, no reason.
    for (body, field) in [
        (
            json!({"subject": {"kind": "person", "id": mother}, "processes": ["閲覧"], "level": "error", "reason": "x"}),
            "processes[0]",
        ),
        (
            json!({"subject": {"kind": "person", "id": 1}, "processes": ["change"], "level": "error", "reason": "x"}),
            "subject.id",
        ),
        (
            json!({"subject": {"kind": "family", "id": hid}, "processes": ["change"], "level": "error", "reason": "x"}),
            "subject.kind",
        ),
    ] {
        let (status, v) = examiner.post(&suppressions, body).await;
        assert!(matches!(status, 404 | 422), "{v}");
        assert_eq!(v["field"].as_str(), Some(field), "{v}");
    }
    let (status, v) = examiner
        .post(&suppressions, json!({"subject": {"kind": "person", "id": mother}, "processes": ["change"], "level": "error", "reason": " "}))
        .await;
    assert_eq!(status, 422, "{v}");

    // Every refusal is in the audit log.
    let (_, log) = auditor.get(&format!("{base}/audit?limit=500")).await;
    let refused = audit_pairs(&log, "action", "outcome")
        .iter()
        .filter(|(action, outcome)| action == "suppress.refused" && outcome == "denied")
        .count();
    // 照会 of the person and of the household, 証明書発行, 異動入力 and its draft.
    assert_eq!(refused, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_records_sqlite() {
    held_records(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_records_postgres() {
    match fresh_postgres().await {
        Some(s) => held_records(s).await,
        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: skipped"),
    }
}
