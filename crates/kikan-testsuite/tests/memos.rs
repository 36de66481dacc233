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

/// 統合記載欄 (1.1.14): the 異動履歴 made by itself (A類型), 留意事項 tied to an 異動 and
/// one of its 異動項目 (B類型) — written, in the standard's wording for a 特別養子縁組, or
/// by itself for a 未届転入 (4.1.1.4) — and the 備考 (C類型) apart; printed with the
/// 異動履歴 on a 写し that asks for it.
async fn cautions_are_tied_to_changes_and_printed_with_the_history(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    // A 未届転入 of a child (his 転入前住所 never notified there).
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-10",
            "change": {"type": "move_in",
                "persons": [kikan_testsuite::http::person_json(("森", "陽太"), ("モリ", "ヨウタ"), "2020-05-05", "男", "世帯主")],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                "previous_address": {"place": "東京都千代田区霞が関一丁目", "banchi": "1番1号"},
                "unnotified": true}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let child = v["person_ids"][0].as_i64().unwrap_or_default();
    let seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let (_, mother, _) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let cautions = format!("{base}/persons/{child}/cautions");

    // Written by 審査 on the 転入, tied to the 転入前住所; in the standard's wording.
    let (status, c) = examiner
        .post(
            &cautions,
            json!({"seq": seq, "item": "転入前住所", "wording": "special_adoption"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(
        (c["seq"].as_i64(), c["item"].as_str()),
        (Some(seq), Some("転入前住所")),
        "{c}"
    );
    assert_eq!(c["current"]["text"], "特別養子縁組", "{c}");
    let (status, c2) = examiner
        .post(
            &cautions,
            json!({"seq": seq, "item": "住所(確認)", "text": "x"}),
        )
        .await;
    assert_eq!((status, c2["field"].as_str()), (422, Some("item")), "{c2}");

    // Refused, nothing written: an 異動 not his, an unknown wording, no text, 窓口.
    let (_, mine) = examiner
        .get(&format!("{base}/persons/{mother}/history"))
        .await;
    let hers = mine["entries"][0]["seq"].as_i64().unwrap_or_default();
    for (who, body, want) in [
        (
            &examiner,
            json!({"seq": hers, "item": "住所", "text": "x"}),
            (422, Some("seq")),
        ),
        (
            &examiner,
            json!({"seq": seq, "item": "住所", "wording": "養子"}),
            (422, Some("wording")),
        ),
        (
            &examiner,
            json!({"seq": seq, "item": "住所"}),
            (422, Some("text")),
        ),
        (
            &reception,
            json!({"seq": seq, "item": "住所", "text": "x"}),
            (403, None),
        ),
    ] {
        let (status, e) = who.post(&cautions, body).await;
        assert_eq!(
            (
                status,
                if want.1.is_some() {
                    e["field"].as_str()
                } else {
                    None
                }
            ),
            want,
            "{e}"
        );
    }
    let (_, listed) = reception.get(&cautions).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    // A 備考 beside them, apart from the 異動履歴.
    let (status, _) = examiner
        .post(
            &format!("{base}/persons/{child}/remarks"),
            json!({"text": "施設入所中"}),
        )
        .await;
    assert_eq!(status, 200);

    // The 統合記載欄: A (no address), its B lines (the 未届転入's by itself), then C.
    let (status, lines) = reception
        .get(&format!("{base}/persons/{child}/integrated"))
        .await;
    assert_eq!(status, 200, "{lines}");
    let got: Vec<(String, bool, String)> = lines
        .as_array()
        .map(|l| {
            l.iter()
                .map(|x| {
                    (
                        x["class"].as_str().unwrap_or_default().to_string(),
                        x["automatic"].as_bool().unwrap_or_default(),
                        x["printed"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        got,
        vec![
            (
                "A".into(),
                false,
                "令和8年4月1日　転入　令和8年4月10日届出".into()
            ),
            ("B".into(), false, "　（転入前住所）特別養子縁組".into()),
            ("B".into(), true, "　（転入前住所）未届転入".into()),
            ("C".into(), false, "施設入所中".into()),
        ],
        "{lines}"
    );

    // Printed with the 異動履歴 when asked for; not otherwise. The 転入 of a 特別養子縁組
    // is a 特別な事由 (1.1.4): off the 異動履歴 unless that too is asked for.
    let copy = |items: Value| {
        json!({"kind": "resident_copy", "layout": "individual", "persons": [child],
            "items": items, "requester": {"kind": "self", "person_id": child},
            "purpose": "勤務先へ提出", "identity_check": "運転免許証"})
    };
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy(json!(["history"])),
            "history",
        )
        .await;
    assert!(
        !text.contains("特別養子縁組")
            && !text.contains("令和8年4月1日転入")
            && text.contains("施設入所中"),
        "{text}"
    );
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy(json!(["history", "special_history"])),
            "special-history",
        )
        .await;
    for want in [
        "異動履歴令和8年4月1日転入令和8年4月10日届出",
        "（転入前住所）特別養子縁組",
        "（転入前住所）未届転入",
        "備考施設入所中",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy(json!([])),
            "no-history",
        )
        .await;
    assert!(
        !text.contains("特別養子縁組") && text.contains("施設入所中"),
        "{text}"
    );

    // Deleted: gone from the 統合記載欄, its history kept.
    let id = c["id"].as_i64().unwrap_or_default();
    let (status, d) = examiner
        .post(&format!("{cautions}/{id}"), json!({"revision": 1}))
        .await;
    assert_eq!((status, d["deleted"].as_bool()), (200, Some(true)), "{d}");
    let (_, lines) = reception
        .get(&format!("{base}/persons/{child}/integrated"))
        .await;
    assert_eq!(lines.as_array().map(Vec::len), Some(3), "{lines}");

    // A 除票 (1.1.5): a 誤記 found in its 消除 is written as a 留意事項 on that 異動.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-06-01", "notified_on": "2026-06-02",
            "change": {"type": "death", "person_id": mother}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let death = v["entry"]["seq"].as_i64().unwrap_or_default();
    let (status, c) = examiner
        .post(&format!("{base}/persons/{mother}/cautions"),
            json!({"seq": death, "item": "消除", "text": "消除の年月日は誤記。正しくは令和8年5月31日"}))
        .await;
    assert_eq!(status, 200, "{c}");
    let (_, lines) = reception
        .get(&format!("{base}/persons/{mother}/integrated"))
        .await;
    let printed: Vec<&str> = lines
        .as_array()
        .map(|l| l.iter().filter_map(|x| x["printed"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        printed.last().copied(),
        Some("　（消除）消除の年月日は誤記。正しくは令和8年5月31日"),
        "{lines}"
    );
    assert!(
        printed.iter().any(|l| l.starts_with("令和8年6月1日　死亡")),
        "{lines}"
    );
}

kikan_testsuite::on_both!(
    memos_are_kept_with_history_and_never_printed,
    cautions_are_tied_to_changes_and_printed_with_the_history
);
