//! 住所一括変更 (9.7) over HTTP, on both engines: a 住居表示の実施 over a 町字 from a CSV of
//! 世帯番号 with the address before and after — 仮処理 writes nothing and lists each line,
//! 本処理 records one dated 軽微な修正 per household, leaves out a household with a
//! 転出予定者 or whose address is no longer the file's, and a second run applies nothing
//! twice; views as of a day before the 実施日 show the old address, after it the new one,
//! and the certificate prints the new one; the 本籍 by 宛名番号; the notices before and
//! after; the ledger replays.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};

const TOWNS: &str = include_str!("../data/address/mt_town_sample.csv");

fn statuses(v: &Value) -> Vec<(String, String)> {
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["status"].as_str().unwrap_or_default().to_string(),
                        i["reason"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn residential_addressing_over_a_town(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("132128", "日野市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let (status, v) = admin
        .post(
            &format!("{base}/address-dictionary/import"),
            json!({"kind": "towns", "csv": TOWNS}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let mut households = vec![];
    let mut people = vec![];
    let mut wife_id = 0;
    for (i, banchi) in ["123番地4", "125番地", "130番地", "140番地"]
        .iter()
        .enumerate()
    {
        let given = ["一郎", "二郎", "三郎", "四郎"][i];
        let kana = ["イチロウ", "ジロウ", "サブロウ", "シロウ"][i];
        let mut persons = vec![person_json(
            ("程久", given),
            ("ホドク", kana),
            "1970-01-01",
            "男",
            "世帯主",
        )];
        if i == 0 {
            persons.push(person_json(
                ("程久", "花子"),
                ("ホドク", "ハナコ"),
                "1972-02-02",
                "女",
                "妻",
            ));
        }
        let (status, v) = examiner
            .post(&changes, json!({"effective_on": "2026-09-01", "notified_on": "2026-09-01",
                "change": {"type": "move_in", "persons": persons,
                    "address": {"place": "東京都日野市程久保", "banchi": banchi, "code": "13212003000"},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}))
            .await;
        assert_eq!(status, 201, "{v}");
        households.push(v["household_ids"][0].as_i64().unwrap_or_default());
        if i == 0 {
            wife_id = v["person_ids"][1].as_i64().unwrap_or_default();
        }
        people.push(v["person_ids"][0].as_i64().unwrap_or_default());
    }
    // The third household's head has notified a 転出 (転出予定者).
    let (status, v) = examiner
        .post(
            &changes,
            json!({"effective_on": "2026-09-10", "notified_on": "2026-09-10",
            "change": {"type": "move_out", "person_ids": [people[2]], "planned_on": "2026-12-20",
                "destination": {"place": "大阪府大阪市北区梅田", "banchi": "1丁目1番"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let csv = format!(
        "世帯番号,変更前住所,変更前番地,変更後住所,変更後番地,変更後住所コード,変更後郵便番号\n\
         {},東京都日野市程久保,123番地4,東京都日野市神明四丁目,5番6号,13212001004,191-0016\n\
         {},東京都日野市程久保,125番地,東京都日野市神明四丁目,5番7号,13212001004,191-0016\n\
         {},東京都日野市程久保,130番地,東京都日野市神明四丁目,6番1号,13212001004,191-0016\n\
         {},東京都日野市程久保,999番地,東京都日野市神明四丁目,7番1号,13212001004,191-0016\n",
        households[0], households[1], households[2], households[3]
    );
    let batch = |apply: bool| json!({"kind": "address", "reason": "住居表示の実施", "effective_on": "2026-10-01", "csv": csv, "apply": apply});
    let url = format!("{base}/address-changes");
    // 窓口 cannot run it.
    let clerk = app.as_role(t, Role::Reception).await;
    let (status, _) = clerk.post(&url, batch(false)).await;
    assert_eq!(status, 403);
    // A malformed file: its line, nothing done.
    let (status, v) = examiner
        .post(&url, json!({"kind": "address", "reason": "住居表示の実施", "effective_on": "2026-10-01",
            "csv": "世帯番号,変更前住所,変更前番地,変更後住所,変更後番地\nabc,a,b,c,d\n", "apply": true}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-010")),
        "{v}"
    );
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("2行目")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&url, json!({"kind": "address", "reason": "引っ越し", "effective_on": "2026-10-01", "csv": csv, "apply": true}))
        .await;
    assert_eq!(status, 422, "an unknown reason: {v}");

    // 仮処理: the list, nothing written.
    let (status, v) = examiner.post(&url, batch(false)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        statuses(&v),
        [
            ("対象".into(), String::new()),
            ("対象".into(), String::new()),
            ("除外".into(), "転出予定者がいる世帯です".into()),
            (
                "除外".into(),
                "現在の住所が変更前の住所と一致しません".into()
            ),
        ],
        "{v}"
    );
    assert_eq!(
        v["items"][0]["names"],
        json!(["程久　一郎", "程久　花子"]),
        "{v}"
    );
    let person = |id: i64, as_of: Option<&str>| {
        let q = as_of.map(|d| format!("?as_of={d}")).unwrap_or_default();
        format!("{base}/persons/{id}{q}")
    };
    let (_, p) = examiner.get(&person(people[0], None)).await;
    assert_eq!(
        p["address"]["place"], "東京都日野市程久保",
        "仮処理 writes nothing: {p}"
    );

    // The notice before: a letter per household not left out.
    let notices = |when: &str| {
        let mut b = batch(false);
        b["when"] = json!(when);
        b
    };
    let text = examiner
        .post_pdf_text(
            &format!("{url}/notices"),
            notices("before"),
            "address-change-before",
        )
        .await;
    for want in [
        "住所の表示の変更について（お知らせ）",
        "東京都日野市神明四丁目5番6号",
        "程久花子",
        "住居表示の実施",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }

    // 本処理.
    let ledger_before = examiner.get(&format!("{base}/ledger")).await.1;
    let (status, v) = examiner.post(&url, batch(true)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["changed"].as_i64(), v["excluded"].as_i64()),
        (Some(2), Some(2)),
        "{v}"
    );
    assert_eq!(v["items"][0]["status"], "変更済み");
    assert!(v["items"][0]["seq"].as_i64().is_some(), "{v}");
    let (_, p) = examiner.get(&person(people[0], None)).await;
    assert_eq!(p["address"]["place"], "東京都日野市神明四丁目", "{p}");
    assert_eq!(p["address"]["banchi"], "5番6号");
    assert_eq!(p["address"]["code"], "13212001004");
    assert_eq!(p["address"]["postal_code"], "191-0016");
    let (_, wife) = examiner.get(&person(wife_id, None)).await;
    assert_eq!(
        wife["address"]["banchi"], "5番6号",
        "the whole household: {wife}"
    );
    // As of a day before the 実施日, the old address; the history names the reason.
    let (_, old) = examiner.get(&person(people[0], Some("2026-09-30"))).await;
    assert_eq!(old["address"]["place"], "東京都日野市程久保", "{old}");
    let (_, history) = examiner
        .get(&format!("{base}/persons/{}/history", people[0]))
        .await;
    assert!(history.to_string().contains("軽微な修正"), "{history}");
    // The one left out is as it was.
    let (_, third) = examiner.get(&person(people[2], None)).await;
    assert_eq!(third["address"]["place"], "東京都日野市程久保", "{third}");
    // 住基ネット (9.7): each person changed gets their 本人確認情報, 戸籍附票記載事項通知
    // and 送付先情報, the 異動事由 「軽微な修正」.
    let (status, items) = examiner
        .get(&format!("{base}/cs/items?person_id={}", people[0]))
        .await;
    assert_eq!(status, 200, "{items}");
    let minor: Vec<&str> = items
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|i| i["reason"] == "軽微な修正")
                .filter_map(|i| i["kind"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for kind in ["本人確認情報", "戸籍附票記載事項通知", "送付先情報"] {
        assert!(minor.contains(&kind), "{kind}: {items}");
    }

    // Run again: nothing applied twice.
    let (status, v) = examiner.post(&url, batch(true)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["changed"].as_i64(), Some(0), "{v}");
    assert_eq!(v["items"][1]["status"], "変更済み", "{v}");
    let ledger_after = examiner.get(&format!("{base}/ledger")).await.1;
    let count = |l: &Value| l.as_array().map(Vec::len).unwrap_or_default();
    assert_eq!(
        count(&ledger_after),
        count(&ledger_before) + 2,
        "{ledger_after}"
    );

    // The certificate prints the new address; the notice after the change.
    let cert = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            json!({"kind": "resident_copy", "layout": "individual", "persons": [people[0]], "items": [],
                "requester": {"kind": "self", "person_id": people[0]}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"}),
            "address-change-certificate",
        )
        .await;
    assert!(cert.contains("神明四丁目5番6号"), "{cert}");
    let text = examiner
        .post_pdf_text(
            &format!("{url}/notices"),
            notices("after"),
            "address-change-after",
        )
        .await;
    assert!(text.contains("住所の表示の変更について（通知）"), "{text}");

    // 本籍 by 宛名番号 (a 職権修正).
    let honseki_csv = format!(
        "宛名番号,変更前本籍,変更後本籍\n{},神奈川県横浜市中区本町一丁目1番地,神奈川県横浜市中区本町一丁目1番\n",
        people[1]
    );
    let (status, v) = examiner
        .post(&url, json!({"kind": "honseki", "reason": "地番変更", "effective_on": "2026-10-01", "csv": honseki_csv, "apply": true}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["changed"].as_i64(), Some(1), "{v}");
    let (_, p) = examiner.get(&person(people[1], None)).await;
    assert_eq!(p["honseki"], "神奈川県横浜市中区本町一丁目1番", "{p}");

    // Audited, and the ledger replays to the same records.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=address.batch.apply"))
        .await;
    assert!(log.to_string().contains("本処理"), "{log}");
    let (status, v) = admin.post(&format!("{base}/check"), json!({})).await;
    assert_eq!((status, v["ok"].as_bool()), (200, Some(true)), "{v}");
}

kikan_testsuite::on_both!(residential_addressing_over_a_town);
