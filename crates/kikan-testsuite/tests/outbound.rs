//! 市町村通知・市町村伝達 (4.5.7, j970) over HTTP, on both engines: the items the ledger
//! gives for foreign residents only, classed 住基法・入管法 (a 転入 that was also the
//! 住居地の届出, a 転居) or 住基法; a 帰化 notified as the foreign record's end; a 転出
//! held until its planned day; a send as one batch file in the ledger's order; the
//! 連携端末's results read back (a bad line or an unknown item refused, nothing changed);
//! a refused item sent again in the next batch; only 審査 does it, and it is audited.

use chrono::Duration;
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, audit_pairs};
use serde_json::{Value, json};

const RESULTS: &str = "送信番号,処理結果,エラー内容";

fn states(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .map(|l| {
            l.iter()
                .map(|i| {
                    (
                        i["reason"].as_str().unwrap_or_default().to_string(),
                        i["kind"].as_str().unwrap_or_default().to_string(),
                        i["class"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn immigration_outbox_sends_in_order_and_reads_results(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let changes = format!("{base}/changes");
    let outbox = format!("{base}/immigration-outbox");
    let today = kikan_app::clock::japan_today();
    let day = |d: i64| (today + Duration::days(d)).to_string();
    let move_in = |name: &str, kana: &str, foreign: Value| {
        json!({
            "effective_on": day(0), "notified_on": day(0),
            "change": {"type": "move_in", "kind": "転入",
                "persons": [{"name": {"family": name, "given": ""}, "furigana": {"family": kana, "given": ""},
                    "birth_date": "1990-01-01", "sex": "女", "relationship": "世帯主", "foreign": foreign}],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                "previous_address": {"place": "東京都新宿区大久保", "banchi": "1番地"}}
        })
    };
    // A 中長期在留者 whose 転入 was also the 住居地の届出; a 特別永住者 whose was not; a
    // Japanese resident (no item).
    let (status, v) = examiner
        .post(
            &changes,
            move_in(
                "TRAN THI MAI",
                "チャン　ティ　マイ",
                json!({"nationality": "ベトナム",
            "category": "中長期在留者", "status": "留学", "period": "2年", "expires_on": day(400),
            "card_number": "AB12345678CD", "residence_notified": true}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let mai = v["person_ids"][0].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(
            &changes,
            move_in(
                "PARK JI YEON",
                "パク　ジヨン",
                json!({"nationality": "韓国",
            "category": "特別永住者", "card_number": "SP87654321ZZ"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let park = v["person_ids"][0].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(&changes, move_in("見本", "ミホン", Value::Null))
        .await;
    assert_eq!(status, 201, "{v}");
    // Mai's 転居 (住居地変更届出), Park's 帰化, then Mai's 転出 planned in ten days.
    let (status, v) = examiner
        .post(&changes, json!({"effective_on": day(0), "notified_on": day(0),
            "change": {"type": "relocation", "person_ids": [mai], "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(&changes, json!({"effective_on": day(0), "notified_on": day(0), "basis": "職権",
            "change": {"type": "nationality_change", "person_id": park, "kind": "帰化",
                "name": {"family": "朴", "given": "智妍"}, "furigana": {"family": "パク", "given": "ジヨン"},
                "honseki": {"domicile": "神奈川県横浜市中区山下町8番地", "head_name": "朴　智妍"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(
            &changes,
            json!({"effective_on": day(0), "notified_on": day(0),
            "change": {"type": "move_out", "person_ids": [mai], "planned_on": day(10),
                "destination": {"place": "大阪府大阪市北区梅田", "banchi": "1番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");

    // The items: foreign residents only, in the ledger's order, classed.
    let (status, list) = examiner.get(&outbox).await;
    assert_eq!(status, 200, "{list}");
    let want = |r: &str, k: &str, c: &str| (r.to_string(), k.to_string(), c.to_string());
    assert_eq!(
        states(&list),
        vec![
            want("転入", "市町村通知", "住基法・入管法"),
            want("転入", "市町村伝達", "住基法・入管法"),
            want("転入", "市町村通知", "住基法"),
            want("転居", "市町村通知", "住基法・入管法"),
            want("転居", "市町村伝達", "住基法・入管法"),
            want("帰化", "市町村通知", "住基法"),
            want("転出", "市町村通知", "住基法"),
        ],
        "{list}"
    );
    assert_eq!(
        list[5]["name"], "PARK JI YEON",
        "the record as the 帰化 found it: {list}"
    );
    assert_eq!(list[6]["due_on"], day(10), "{list}");
    // Read again: nothing made twice.
    let (_, again) = examiner.get(&outbox).await;
    assert_eq!(again.as_array().map(Vec::len), Some(7), "{again}");
    let (status, v) = examiner.get(&format!("{outbox}?state=done")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{v}"
    );
    // Only 審査.
    let (status, _) = reception.get(&outbox).await;
    assert_eq!(status, 403);

    // Sent: every item due, as one batch, in order; the 転出 waits for its day.
    let (status, sent) = examiner.post(&format!("{outbox}/send"), json!({})).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["batch"], 1, "{sent}");
    assert_eq!(sent["items"].as_array().map(Vec::len), Some(6), "{sent}");
    let file = sent["file"].as_str().unwrap_or_default();
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("送信番号,区分,届出の法令,異動事由,異動日,宛名番号,氏名,在留カード等番号")
    );
    assert_eq!(lines.len(), 7, "{file}");
    assert!(
        lines[1].contains(&format!(
            ",市町村通知,住基法・入管法,転入,{},{mai},",
            day(0)
        )) && lines[1].ends_with(",AB12345678CD"),
        "{file}"
    );
    let ids: Vec<i64> = sent["items"]
        .as_array()
        .map(|l| l.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let (_, pending) = examiner.get(&format!("{outbox}?state=pending")).await;
    assert_eq!(states(&pending), vec![want("転出", "市町村通知", "住基法")]);
    // Nothing more due: an empty send.
    let (_, none) = examiner.post(&format!("{outbox}/send"), json!({})).await;
    assert_eq!(
        (
            none["batch"].as_i64(),
            none["items"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0)),
        "{none}"
    );

    // Results: a bad line or an item not awaiting one refuses the file, nothing changed.
    let post_results = |csv: String| {
        let examiner = &examiner;
        let outbox = &outbox;
        async move {
            examiner
                .post(
                    &format!("{outbox}/results"),
                    json!({"name": "result.csv", "csv": csv}),
                )
                .await
        }
    };
    let (status, v) =
        post_results(format!("{RESULTS}\n{},正常,\n{},保留,\n", ids[0], ids[1])).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-OUTBOX-001")),
        "{v}"
    );
    assert!(
        v["message"].as_str().unwrap_or_default().contains("3行目"),
        "{v}"
    );
    let (status, v) = post_results(format!("{RESULTS}\n{},正常,\n999999,正常,\n", ids[0])).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-OUTBOX-002")),
        "{v}"
    );
    let (_, still) = examiner.get(&format!("{outbox}?state=sent")).await;
    assert_eq!(
        still.as_array().map(Vec::len),
        Some(6),
        "nothing changed: {still}"
    );
    let mut csv = format!("{RESULTS}\n");
    for (i, id) in ids.iter().enumerate() {
        if i == 2 {
            csv.push_str(&format!("{id},エラー,在留カード番号が一致しません\n"));
        } else {
            csv.push_str(&format!("{id},正常,\n"));
        }
    }
    let (status, read) = post_results(csv).await;
    assert_eq!(status, 200, "{read}");
    let (_, failed) = examiner.get(&format!("{outbox}?state=failed")).await;
    assert_eq!(failed[0]["id"], ids[2], "{failed}");
    assert_eq!(
        failed[0]["error"], "在留カード番号が一致しません",
        "{failed}"
    );
    let (_, accepted) = examiner.get(&format!("{outbox}?state=accepted")).await;
    assert_eq!(accepted.as_array().map(Vec::len), Some(5), "{accepted}");

    // Sent again: an accepted item cannot be; the refused one goes in the next batch.
    let (status, v) = examiner
        .post(&format!("{outbox}/{}/resend", ids[0]), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-OUTBOX-002")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&format!("{outbox}/{}/resend", ids[2]), json!({}))
        .await;
    assert_eq!((status, v["state"].as_str()), (200, Some("pending")), "{v}");
    let (_, second) = examiner.post(&format!("{outbox}/send"), json!({})).await;
    assert_eq!(second["batch"], 2, "{second}");
    assert_eq!(second["items"][0]["id"], ids[2], "{second}");

    // Audited, naming the residents.
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mai}")).await;
    let actions: Vec<String> = audit_pairs(&log, "action", "outcome")
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    for a in ["outbox.list", "outbox.send", "outbox.results"] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
}

/// 特別永住者証明書に関する市町村通知及び市町村伝達 (4.5.7): an application taken at the
/// counter is passed on as a 市町村伝達 (入管法), the new certificate's 交付 notified as a
/// 市町村通知 with its number written on the 住民票; neither is a 異動 of the 住民票. Only
/// a 特別永住者's, the number only with the 交付.
async fn special_permanent_certificates_are_passed_on(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let today = kikan_app::clock::japan_today().to_string();
    let move_in = |name: &str, foreign: Value| {
        json!({"effective_on": today, "notified_on": today,
            "change": {"type": "move_in", "kind": "転入",
                "persons": [{"name": {"family": name, "given": ""}, "furigana": {"family": "パク", "given": ""},
                    "birth_date": "1960-01-01", "sex": "女", "relationship": "世帯主", "foreign": foreign}],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"},
                "previous_address": {"place": "東京都新宿区大久保", "banchi": "1番地"}}})
    };
    let (status, v) = examiner
        .post(
            &changes,
            move_in(
                "PARK MI RA",
                json!({"nationality": "韓国",
            "category": "特別永住者", "card_number": "SP11111111ZZ"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let park = v["person_ids"][0].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(&changes, move_in("NGUYEN", json!({"nationality": "ベトナム",
            "category": "中長期在留者", "status": "留学", "period": "2年", "expires_on": "2030-03-31",
            "card_number": "AB22222222CD"})))
        .await;
    assert_eq!(status, 201, "{v}");
    let nguyen = v["person_ids"][0].as_i64().unwrap_or_default();
    let apply = |id: i64, kind: &str, number: Option<&str>| {
        json!({"effective_on": today, "notified_on": today,
            "change": {"type": "special_permanent_certificate", "person_id": id, "kind": kind, "card_number": number}})
    };
    let code = |v: &Value| v["code"].as_str().map(str::to_string);
    let (status, v) = examiner
        .post(&changes, apply(nguyen, "有効期間更新申請", None))
        .await;
    assert_eq!((status, code(&v)), (422, Some("E-IDO-072".into())), "{v}");
    let (status, v) = examiner
        .post(
            &changes,
            apply(park, "有効期間更新申請", Some("SP33333333ZZ")),
        )
        .await;
    assert_eq!((status, code(&v)), (422, Some("E-IDO-073".into())), "{v}");
    let (status, v) = examiner.post(&changes, apply(park, "交付", None)).await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = examiner
        .post(&changes, apply(park, "有効期間の延長", None))
        .await;
    assert_eq!(status, 422, "{v}");
    // The application: no version of the record, one 市町村伝達.
    let (status, v) = examiner
        .post(&changes, apply(park, "有効期間更新申請", None))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["person_ids"], json!([]), "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{park}")).await;
    assert_eq!(p["foreign"]["card_number"], "SP11111111ZZ", "{p}");
    // The 交付: the new number on the 住民票, one 市町村通知.
    let (status, v) = examiner
        .post(&changes, apply(park, "交付", Some("SP44444444ZZ")))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{park}")).await;
    assert_eq!(p["foreign"]["card_number"], "SP44444444ZZ", "{p}");
    let (status, list) = examiner.get(&format!("{base}/immigration-outbox")).await;
    assert_eq!(status, 200, "{list}");
    let park_items: Vec<(String, String, String)> = list
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|i| i["person_id"] == park)
                .map(|i| {
                    (
                        i["reason"].as_str().unwrap_or_default().to_string(),
                        i["kind"].as_str().unwrap_or_default().to_string(),
                        i["class"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let want: Vec<(String, String, String)> = [
        ("転入", "市町村通知", "住基法"),
        ("有効期間更新申請", "市町村伝達", "入管法"),
        ("特別永住者証明書の交付", "市町村通知", "入管法"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(park_items, want, "{list}");
    // Not a 異動 of the 住民票: the 統合記載欄 has the 転入 only.
    let (_, lines) = examiner
        .get(&format!("{base}/persons/{park}/integrated"))
        .await;
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
}

kikan_testsuite::on_both!(
    immigration_outbox_sends_in_order_and_reads_results,
    special_permanent_certificates_are_passed_on
);
