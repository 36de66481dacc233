//! メモ (1.1.15, j150) over HTTP, on both engines: a memo on a person with its author
//! and time; edits and deletions kept as its history; stale edits, empty or overlong
//! text and unknown persons refused with nothing written; reads and writes audited; and
//! never printed on a certificate. 備考 (1.1.14, C類型; 4.1.4.3, the 事実上の世帯主): written by
//! 審査, listed apart, printed in the 統合記載欄.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, audit_pairs};
use serde_json::{Value, json};

/// The role part of a test login (`reception-1a2b3c`).
fn role_of(author: &Value) -> String {
    let a = author.as_str().unwrap_or_default();
    a.split('-').next().unwrap_or_default().to_string()
}

async fn memos_are_kept_with_history_and_never_printed(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let memos = format!("{base}/persons/{mother}/memos");
    let secret = "本人から郵送希望の申出あり(電話にて確認済み)";

    // Written by 窓口: author and time kept.
    let (status, m) = reception.post(&memos, json!({"text": secret})).await;
    assert_eq!(status, 200, "{m}");
    let id = m["id"].as_i64().unwrap_or_default();
    assert_eq!(m["current"]["revision"], 1, "{m}");
    assert!(role_of(&m["current"]["author"]) == "reception", "{m}");
    assert!(m["current"]["at"].is_string(), "{m}");

    // Refused, nothing written: empty, too long, a control character, an unknown person,
    // and a reader without a stated purpose.
    for (body, path, want) in [
        (json!({"text": "  "}), memos.clone(), (422, "E-MEMO-001")),
        (
            json!({"text": "あ".repeat(2001)}),
            memos.clone(),
            (422, "E-MEMO-002"),
        ),
        (
            json!({"text": "a\u{7}b"}),
            memos.clone(),
            (422, "E-NAME-001"),
        ),
        (
            json!({"text": "x"}),
            format!("{base}/persons/999999999/memos"),
            (404, "E-IDO-001"),
        ),
    ] {
        let (status, v) = reception.post(&path, body).await;
        assert_eq!(
            (status, v["code"].as_str().unwrap_or_default()),
            want,
            "{v}"
        );
    }
    let (status, _) = reception.clone().without_purpose().get(&memos).await;
    assert_eq!(status, 400);

    // Edited by 審査; an edit from the old revision is refused (someone changed it).
    let one = format!("{memos}/{id}");
    let (status, m) = examiner
        .post(
            &one,
            json!({"revision": 1, "text": format!("{secret}。9月に再確認")}),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    assert!(role_of(&m["current"]["author"]) == "examiner", "{m}");
    let (status, v) = reception
        .post(&one, json!({"revision": 1, "text": "上書き"}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("E-MEMO-004")),
        "{v}"
    );
    // A second memo, then deleted: its history stays, with who deleted it.
    let (_, m2) = reception
        .post(&memos, json!({"text": "来庁予定 10月"}))
        .await;
    let id2 = m2["id"].as_i64().unwrap_or_default();
    let (status, m2) = examiner
        .post(&format!("{memos}/{id2}"), json!({"revision": 1}))
        .await;
    assert_eq!((status, &m2["deleted"]), (200, &json!(true)), "{m2}");
    let (status, v) = examiner
        .post(
            &format!("{memos}/{id2}"),
            json!({"revision": 2, "text": "復活"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-MEMO-003")),
        "{v}"
    );
    let (status, all) = reception.get(&memos).await;
    assert_eq!(status, 200, "{all}");
    let history = |all: &Value, id: i64| -> Vec<(Value, Value)> {
        all.as_array()
            .and_then(|l| l.iter().find(|m| m["id"] == id))
            .and_then(|m| m["history"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|r| (json!(role_of(&r["author"])), r["text"].clone()))
            .collect()
    };
    assert_eq!(
        history(&all, id),
        vec![
            (json!("reception"), json!(secret)),
            (json!("examiner"), json!(format!("{secret}。9月に再確認"))),
        ]
    );
    assert_eq!(
        history(&all, id2),
        vec![
            (json!("reception"), json!("来庁予定 10月")),
            (json!("examiner"), Value::Null),
        ]
    );
    // Memos are the person's own: none on the son.
    let (_, none) = reception.get(&format!("{base}/persons/{son}/memos")).await;
    assert_eq!(none, json!([]));

    // 備考 (統合記載欄 C類型): 審査 writes them (窓口 may not), the 事実上の世帯主 among them;
    // they are listed apart from the メモ, and a メモ cannot be edited as a 備考.
    let remarks = format!("{base}/persons/{mother}/remarks");
    let (status, _) = reception.post(&remarks, json!({"text": "x"})).await;
    assert_eq!(status, 403);
    let (status, r) = examiner
        .post(&remarks, json!({"de_facto_head": "在日米軍　司令官"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["current"]["text"], "事実上の世帯主　在日米軍　司令官",
        "{r}"
    );
    let (status, v) = examiner.post(&remarks, json!({})).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-MEMO-001")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &format!("{remarks}/{id}"),
            json!({"revision": 2, "text": "備考として上書き"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-MEMO-003")),
        "{v}"
    );
    let (_, listed) = reception.get(&remarks).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let (_, listed) = reception.get(&memos).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    // Never printed: a 住民票の写し of the mother with every item asked for.
    let copy = json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
        "items": ["honseki", "relationship", "juminhyo_code"],
        "requester": {"kind": "self", "person_id": mother}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"});
    let text = examiner
        .post_pdf_text(&format!("{base}/certificates"), copy, "memo-not-printed")
        .await;
    assert!(text.contains("山本"), "{text}");
    // The 備考 is printed in the 統合記載欄; the メモ never.
    assert!(text.contains("備考事実上の世帯主在日米軍司令官"), "{text}");
    for word in ["郵送希望", "再確認", "来庁予定", "メモ"] {
        assert!(!text.contains(word), "{word} printed: {text}");
    }

    // Every read and write audited, naming the person.
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mother}")).await;
    let actions: Vec<String> = audit_pairs(&log, "action", "outcome")
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert!(
        actions.iter().filter(|a| *a == "memo.write").count() >= 4,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "memo.read"), "{actions:?}");
}

kikan_testsuite::on_both!(memos_are_kept_with_history_and_never_printed);
