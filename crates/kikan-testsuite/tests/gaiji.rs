//! 外字 registered with their 異体字 (2.1.2, j330) over HTTP: a search for any of them finds
//! names written with the others, at once and only in the municipality that registered
//! them; registrations are checked, kept by 審査 and 管理者, audited, offered when a
//! character is chosen, and make a 転入's double-record check see the names as one.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, audit_pairs, person_json};
use serde_json::{Value, json};

/// Records a household of one in `base` (2026-04-01): its person's id and the warnings.
async fn move_in(
    examiner: &Caller,
    base: &str,
    name: (&str, &str),
    kana: (&str, &str),
) -> (i64, Vec<String>) {
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-04-01", "notified_on": "2026-04-01",
                "change": {"type": "move_in",
                    "persons": [person_json(name, kana, "1970-05-05", "男", "世帯主")],
                    "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let warnings = v["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (v["person_ids"][0].as_i64().unwrap_or_default(), warnings)
}

/// The 宛名番号 a search by 氏名 finds (`matching`: exact, prefix or partial).
async fn by_name(c: &Caller, base: &str, name: &str, matching: &str, past: bool) -> Vec<i64> {
    let (status, v) = c
        .get(&format!(
            "{base}/search?name={}&matching={matching}&past={past}",
            enc(name)
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    let mut ids: Vec<i64> = v
        .as_array()
        .map(|l| l.iter().filter_map(|p| p["id"].as_i64()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn registered(c: &Caller, base: &str) -> Value {
    let (status, v) = c.get(&format!("{base}/gaiji")).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn registered_gaiji_are_searched_with_their_variants(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let admin = app.as_role(t, Role::Admin).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (tsuchi, _) = move_in(&examiner, &base, ("𠮷田", "一郎"), ("ヨシダ", "イチロウ")).await;
    let (yoshi, _) = move_in(&examiner, &base, ("吉田", "二郎"), ("ヨシダ", "ジロウ")).await;
    let (kashiwa, _) = move_in(&examiner, &base, ("栢木", "三郎"), ("カシワギ", "サブロウ")).await;
    // Another municipality with its own 𠮷田, which registers nothing.
    let other = app.tenant("131016", "千代田区").await;
    let other_base = format!("/api/v1/tenants/{other}");
    let other_examiner = app.as_role(other, Role::Examiner).await;
    let (other_tsuchi, _) = move_in(
        &other_examiner,
        &other_base,
        ("𠮷田", "四郎"),
        ("ヨシダ", "シロウ"),
    )
    .await;

    // Nothing registered: 吉 and 𠮷 are two characters.
    assert_eq!(
        by_name(&reception, &base, "吉田", "exact", false).await,
        vec![yoshi]
    );
    assert_eq!(
        by_name(&reception, &base, "𠮷田", "exact", false).await,
        vec![tsuchi]
    );

    // Bad registrations: a clear code, nothing kept.
    for (who, body, status, code) in [
        (
            &admin,
            json!({"text": "𠮷田", "variants": ["吉"]}),
            422,
            "E-GAIJI-001",
        ),
        (
            &admin,
            json!({"text": "𠮷", "variants": []}),
            422,
            "E-GAIJI-001",
        ),
        (
            &admin,
            json!({"text": "𠮷", "variants": ["吉"], "mj": "12345"}),
            422,
            "E-GAIJI-001",
        ),
        // 邊 is found as 辺 already.
        (
            &admin,
            json!({"text": "辺", "variants": ["邊"]}),
            422,
            "E-GAIJI-001",
        ),
        (
            &admin,
            json!({"id": 7, "text": "𠮷", "variants": ["吉"]}),
            404,
            "E-GAIJI-003",
        ),
        (
            &reception,
            json!({"text": "𠮷", "variants": ["吉"]}),
            403,
            "E-AUTH-003",
        ),
    ] {
        let (s, v) = who.post(&format!("{base}/gaiji"), body.clone()).await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{body}: {v}");
        if status == 422 {
            assert!(
                v["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("外字を登録できません")),
                "{v}"
            );
        }
    }
    assert_eq!(registered(&admin, &base).await, json!([]));

    // 管理者 registers 𠮷 (MJ number given) with 吉; 審査 registers 栢 with 柏.
    let (status, v) = admin
        .post(
            &format!("{base}/gaiji"),
            json!({"text": "𠮷", "mj": "MJ000000", "note": "つちよし", "variants": ["吉"]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["id"], 1, "{v}");
    assert_eq!(v[0]["codes"], "U+20BB7", "{v}");
    assert_eq!(
        v[0]["printable"], true,
        "the certificate font draws 𠮷: {v}"
    );
    assert_eq!(v[0]["variants"][0]["text"], "吉", "{v}");
    let (status, v) = examiner
        .post(
            &format!("{base}/gaiji"),
            json!({"text": "栢", "variants": ["柏"]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // One character is registered once.
    let (status, v) = admin
        .post(
            &format!("{base}/gaiji"),
            json!({"text": "吉", "variants": ["桔"]}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("E-GAIJI-002")),
        "{v}"
    );

    // At once: either spelling finds both, exact, by prefix and in part.
    assert_eq!(
        by_name(&reception, &base, "吉田", "exact", false).await,
        vec![tsuchi, yoshi]
    );
    assert_eq!(
        by_name(&reception, &base, "𠮷田", "exact", false).await,
        vec![tsuchi, yoshi]
    );
    assert_eq!(
        by_name(&reception, &base, "吉", "prefix", false).await,
        vec![tsuchi, yoshi]
    );
    assert_eq!(
        by_name(&reception, &base, "𠮷田一", "partial", false).await,
        vec![tsuchi]
    );
    assert_eq!(
        by_name(&reception, &base, "柏木", "exact", false).await,
        vec![kashiwa]
    );
    // Each spelling is searched on its own; the first hits by 氏名 of them all are kept.
    let (status, v) = reception
        .get(&format!(
            "{base}/search?name={}&matching=exact&limit=1",
            enc("𠮷田")
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    let ids: Vec<i64> = v
        .as_array()
        .map(|l| l.iter().filter_map(|p| p["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![yoshi], "吉田 comes before 𠮷田: {v}");
    // The other municipality registered nothing: its search is as before.
    let other_reception = app.as_role(other, Role::Reception).await;
    assert_eq!(
        by_name(&other_reception, &other_base, "吉田", "exact", false).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        by_name(&other_reception, &other_base, "𠮷田", "exact", false).await,
        vec![other_tsuchi]
    );
    assert_eq!(registered(&other_reception, &other_base).await, json!([]));

    // Past names too: 吉田 二郎 becomes 佐藤; a search of past names for 𠮷田 finds him.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-05-01", "notified_on": "2026-05-01",
            "change": {"type": "correction", "person_id": yoshi,
                "correction": {"item": "name", "new": {"family": "佐藤", "given": "二郎"}}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        by_name(&reception, &base, "𠮷田", "exact", false).await,
        vec![tsuchi]
    );
    assert_eq!(
        by_name(&reception, &base, "𠮷田", "exact", true).await,
        vec![tsuchi, yoshi]
    );

    // A 転入 of 吉田 一郎 with 𠮷田 一郎's sex and birth date: the double-record alert.
    let (_, warnings) = move_in(&examiner, &base, ("吉田", "一郎"), ("ヨシダ", "イチロウ")).await;
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&format!("宛名番号{tsuchi}"))
                && w.contains("氏名・性別・生年月日が一致")),
        "{warnings:?}"
    );

    // Choosing a character offers the registered ones.
    let (status, v) = reception
        .get(&format!("{base}/chars/variants?char={}", enc("吉")))
        .await;
    assert_eq!(status, 200, "{v}");
    let first = &v["candidates"][0];
    assert_eq!(
        (first["text"].as_str(), first["kind"].as_str()),
        (Some("𠮷"), Some("登録外字")),
        "{v}"
    );
    let (_, v) = reception
        .get(&format!("{base}/chars/variants?char={}", enc("𠮷")))
        .await;
    assert_eq!(
        (
            v["candidates"][0]["text"].as_str(),
            v["candidates"][0]["kind"].as_str()
        ),
        (Some("吉"), Some("登録外字の異体字")),
        "{v}"
    );

    // Taken out of use: the search is as before, the number kept.
    let (status, v) = admin
        .post(
            &format!("{base}/gaiji"),
            json!({"id": 1, "text": "𠮷", "variants": ["吉"], "in_use": false}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v[0]["id"].as_i64(), v[0]["in_use"].as_bool()),
        (Some(1), Some(false)),
        "{v}"
    );
    assert_eq!(
        by_name(&reception, &base, "𠮷田", "exact", false).await,
        vec![tsuchi]
    );
    let (_, v) = reception
        .get(&format!("{base}/chars/variants?char={}", enc("吉")))
        .await;
    assert!(
        v["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().all(|x| x["kind"] != "登録外字")),
        "{v}"
    );

    // Every registration is in the access log.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit?action=gaiji.put")).await;
    let details: Vec<String> = audit_pairs(&log, "action", "detail")
        .into_iter()
        .filter(|(a, _)| a == "gaiji.put")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(details.len(), 3, "{log}");
    assert!(
        details
            .iter()
            .any(|d| d.contains("𠮷") && d.contains("U+20BB7") && d.contains("吉")),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.contains("使用停止")),
        "{details:?}"
    );
}

kikan_testsuite::on_both!(registered_gaiji_are_searched_with_their_variants);
