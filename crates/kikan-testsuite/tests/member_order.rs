//! 世帯員の並び順 (5.2), on both engines: a household of every 順位 moved in out of order;
//! the 世帯連記式 写し prints it as the members joined until 管理者 sets the standard's
//! 順位 (kept as the municipality's setting), then by 順位 — a married child's family
//! (sharing its 戸籍) after the children without one; a household's own order, set by
//! 審査, over both; a list that is not the household's members refused.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};

fn with_honseki(mut p: Value, domicile: &str, head: &str) -> Value {
    p["honseki"] = json!({"domicile": domicile, "head_name": head});
    p
}

fn ids(v: &Value) -> Vec<i64> {
    v["person_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

async fn members_print_in_the_order_set(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    // 一郎 married: he heads his own 戸籍 with his wife and son.
    let ichiro = |p: Value| with_honseki(p, "神奈川県横浜市西区一丁目1番地", "髙橋　一郎");
    let persons = vec![
        with_honseki(
            person_json(
                ("田中", "実"),
                ("タナカ", "ミノル"),
                "1990-01-01",
                "男",
                "同居人",
            ),
            "東京都港区芝一丁目1番地",
            "田中　実",
        ),
        ichiro(person_json(
            ("髙橋", "翔"),
            ("タカハシ", "ショウ"),
            "2005-05-05",
            "男",
            "子の子",
        )),
        person_json(
            ("髙橋", "太郎"),
            ("タカハシ", "タロウ"),
            "1950-01-01",
            "男",
            "世帯主",
        ),
        with_honseki(
            person_json(
                ("髙橋", "キヨ"),
                ("タカハシ", "キヨ"),
                "1925-03-03",
                "女",
                "母",
            ),
            "神奈川県横浜市中区本町一丁目1番地",
            "髙橋　正",
        ),
        ichiro(person_json(
            ("髙橋", "一郎"),
            ("タカハシ", "イチロウ"),
            "1975-07-07",
            "男",
            "子",
        )),
        person_json(
            ("髙橋", "幸子"),
            ("タカハシ", "サチコ"),
            "1955-02-02",
            "女",
            "妹",
        ),
        ichiro(person_json(
            ("髙橋", "洋子"),
            ("タカハシ", "ヨウコ"),
            "1977-08-08",
            "女",
            "子の妻",
        )),
        person_json(
            ("髙橋", "花子"),
            ("タカハシ", "ハナコ"),
            "1952-04-04",
            "女",
            "妻",
        ),
        person_json(
            ("髙橋", "次郎"),
            ("タカハシ", "ジロウ"),
            "1980-09-09",
            "男",
            "子",
        ),
    ];
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-04-01", "notified_on": "2026-04-01",
                "change": {"type": "move_in", "persons": persons,
                    "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"},
                    "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let household = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner
        .get(&format!("{base}/households/{household}"))
        .await;
    let by_given = |given: &str| -> i64 {
        h["members"]
            .as_array()
            .and_then(|m| m.iter().find(|x| x["name"]["given"] == given))
            .and_then(|x| x["id"].as_i64())
            .unwrap_or_default()
    };
    let names = [
        "実", "翔", "太郎", "キヨ", "一郎", "幸子", "洋子", "花子", "次郎",
    ];
    let joined: Vec<i64> = names.iter().map(|n| by_given(n)).collect();
    let order = format!("{base}/households/{household}/member-order");

    // As they joined, by default.
    let (status, v) = reception.get(&order).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((ids(&v), v["own"].as_bool()), (joined.clone(), Some(false)));

    // The standard's 順位, set by 管理者 (審査 may not; a rule not known refused).
    let rule = format!("{base}/certificate-member-order");
    let (status, _) = examiner.put(&rule, json!({"order": "standard"})).await;
    assert_eq!(status, 403);
    let (status, e) = admin.put(&rule, json!({"order": "年齢順"})).await;
    assert_eq!((status, e["field"].as_str()), (422, Some("order")), "{e}");
    let (status, v) = admin.put(&rule, json!({"order": "standard"})).await;
    assert_eq!(
        (status, v["member_order"].as_str()),
        (200, Some("standard")),
        "{v}"
    );
    let standard: Vec<i64> = [
        "太郎", "花子", "次郎", "一郎", "洋子", "翔", "キヨ", "幸子", "実",
    ]
    .iter()
    .map(|n| by_given(n))
    .collect();
    let (_, v) = reception.get(&order).await;
    assert_eq!(ids(&v), standard, "{v}");

    // The 世帯連記式 写し of the whole household prints them so.
    let copy = json!({"kind": "resident_copy", "layout": "household", "persons": joined,
        "whole_household": true, "items": [],
        "requester": {"kind": "same_household", "person_id": by_given("太郎")},
        "purpose": "勤務先へ提出", "identity_check": "運転免許証"});
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy.clone(),
            "member-order",
        )
        .await;
    let at = |given: &str| {
        text.find(&format!("髙橋{given}"))
            .or_else(|| text.find(&format!("田中{given}")))
    };
    let printed: Vec<usize> = [
        "太郎", "花子", "次郎", "一郎", "洋子", "翔", "キヨ", "幸子", "実",
    ]
    .iter()
    .map(|n| at(n).unwrap_or_else(|| panic!("{n} not printed: {text}")))
    .collect();
    assert!(
        printed.windows(2).all(|w| w[0] < w[1]),
        "{printed:?}: {text}"
    );

    // A household's own order (審査), over the rule; not every member once: refused.
    let mut own = standard.clone();
    own.swap(2, 3);
    let (status, e) = examiner.put(&order, json!({"person_ids": &own[..8]})).await;
    assert_eq!(
        (status, e["field"].as_str()),
        (422, Some("person_ids")),
        "{e}"
    );
    let (status, _) = reception.put(&order, json!({"person_ids": own})).await;
    assert_eq!(status, 403);
    let (status, v) = examiner.put(&order, json!({"person_ids": own})).await;
    assert_eq!(
        (status, ids(&v), v["own"].as_bool()),
        (200, own.clone(), Some(true)),
        "{v}"
    );
    let text = examiner
        .post_pdf_text(&format!("{base}/certificates"), copy, "member-order-own")
        .await;
    assert!(text.find("髙橋一郎") < text.find("髙橋次郎"), "{text}");
    // Cleared: the rule again.
    let (_, v) = examiner.put(&order, json!({"person_ids": []})).await;
    assert_eq!(
        (ids(&v), v["own"].as_bool()),
        (standard, Some(false)),
        "{v}"
    );
}

kikan_testsuite::on_both!(members_print_in_the_order_set);
