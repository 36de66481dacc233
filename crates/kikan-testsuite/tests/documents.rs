//! The counter documents made from a 異動, over HTTP on both engines:
//!
//! - 転出証明書 (4.1.3.0.3): issued for the persons of one 転出届 with the 施行令第23条
//!   items, free of charge, into the issuance register; the 転出証明書に準ずる証明書 for a
//!   転出 notified more than 14 days late (recorded by 職権); a 再交付 printing what the
//!   first issue printed, marked 再交付, even after the record was corrected.
//! - 住民異動届受理通知 (4.1.0.3): to the notifier at the address before the 異動, or to
//!   the person at the new one when there was none; refused for other entries.
//! - 職権記載等通知書 and 職権記録書 (4.2.0.1): for a 職権 entry, with each item before
//!   and after; refused for a 届出.
//! - 住民票コード通知票 / 変更通知票 (4.3.3): as the entry that set the code calls for.
//!
//! Each read is audited; each refusal has its code and leaves the register unchanged.

use kikan_security::Role;
use kikan_testsuite::http::{App, Caller, members_by_given, person_json};
use kikan_testsuite::pdf::squeezed;
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::{Value, json};

fn has_all(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(&squeezed(p)), "「{p}」 not in:\n{text}");
    }
}

fn has_none(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(!text.contains(&squeezed(p)), "「{p}」 in:\n{text}");
    }
}

async fn change(caller: &Caller, base: &str, body: Value) -> Value {
    let (status, v) = caller.post(&format!("{base}/changes"), body).await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn refused(caller: &Caller, path: &str, body: Option<Value>, code: &str) {
    let (status, v) = match body {
        Some(b) => caller.post(path, b).await,
        None => caller.get(path).await,
    };
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some(code)),
        "{path}: {v}"
    );
}

async fn register_of(caller: &Caller, base: &str, person: i64) -> Vec<Value> {
    let (status, reg) = caller
        .get(&format!("{base}/certificates?person={person}"))
        .await;
    assert_eq!(status, 200, "{reg}");
    reg.as_array().cloned().unwrap_or_default()
}

async fn documents(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let certs = format!("{base}/certificates");

    // 佐藤 一郎 (住民票コード and 個人番号 recorded) and 二葉 move in, notified by him.
    let mut ichiro = person_json(
        ("佐藤", "一郎"),
        ("サトウ", "イチロウ"),
        "1970-05-05",
        "男",
        "世帯主",
    );
    ichiro["juminhyo_code"] = json!("12345678903");
    ichiro["individual_number"] = json!("123456789018");
    let futaba = person_json(
        ("佐藤", "二葉"),
        ("サトウ", "フタバ"),
        "1972-06-06",
        "女",
        "妻",
    );
    let v = change(
        &examiner,
        &base,
        json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-03",
            "notifier": {"name": "佐藤　一郎", "capacity": "本人"},
            "change": {"type": "move_in", "persons": [ichiro, futaba],
                "address": {"place": "神奈川県横浜市中区本町二丁目", "banchi": "2番地"},
                "previous_address": {"place": "東京都港区芝公園", "banchi": "4番2号"}}
        }),
    )
    .await;
    let move_in_seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [ichiro, futaba] = members_by_given(&h, &["一郎", "二葉"])[..] else {
        panic!("{h}")
    };

    // 住民異動届受理通知 of the 転入: to the notifier at the 転入前住所.
    let text = examiner
        .pdf_text(
            &format!("{base}/entries/{move_in_seq}/receipt-notice"),
            "receipt-move-in",
        )
        .await;
    has_all(
        &text,
        &[
            "住民異動届受理通知",
            "東京都港区芝公園4番2号",
            "佐藤　一郎　様",
            "令和8年4月3日",
            "転入",
            "佐藤　一郎、佐藤　二葉",
            "住民異動届を受理しましたので通知します",
        ],
    );

    // Their 転出 to 川崎市, notified in time (4.1.3.0.3: the 転出証明書 itself).
    let v = change(&examiner, &base, json!({
        "notified_on": "2026-11-10",
        "notifier": {"name": "佐藤　二葉", "capacity": "世帯員"},
        "change": {"type": "move_out", "person_ids": [ichiro, futaba], "planned_on": "2026-11-20",
            "destination": {"place": "神奈川県川崎市川崎区宮本町", "banchi": "1番地"}}
    }))
    .await;
    let move_out_seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let request = |extra: Value| {
        let mut r = json!({"kind": "move_out", "persons": [ichiro, futaba],
            "requester": {"kind": "same_household", "person_id": futaba},
            "identity_check": "運転免許証"});
        if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        r
    };
    // Refused, nothing issued: a second copy, a third party, a person not moving out.
    refused(
        &examiner,
        &certs,
        Some(request(json!({"copies": 2}))),
        "E-INPUT-003",
    )
    .await;
    refused(
        &examiner,
        &certs,
        Some(request(json!({"requester": {"kind": "third_party", "name": "第三者　太郎", "reason": "債権回収"}}))),
        "E-CERT-004",
    )
    .await;
    assert!(register_of(&examiner, &base, ichiro).await.is_empty());

    let text = examiner
        .post_pdf_text(&certs, request(json!({})), "move-out-certificate")
        .await;
    has_all(
        &text,
        &[
            "転出証明書",
            "神奈川県横浜市中区本町二丁目2番地",
            "転出先",
            "神奈川県川崎市川崎区宮本町1番地",
            "転出の予定年月日",
            "令和8年11月20日",
            "佐藤　一郎",
            "佐藤　二葉",
            "12345678903",
            "123456789018",
            "本籍・筆頭者",
            "神奈川県横浜市中区本町一丁目1番地",
            "住所を定めた年月日",
            "上記の者は、転出の届出をしたことを証明する。",
        ],
    );
    has_none(&text, &["準ずる", "再交付"]);
    // In the register: free of charge, its purpose the 転入届.
    let reg = register_of(&examiner, &base, ichiro).await;
    assert_eq!(reg.len(), 1, "{reg:?}");
    assert_eq!(
        (
            reg[0]["fee"].as_u64(),
            reg[0]["purpose"].as_str(),
            reg[0]["title"].as_str()
        ),
        (Some(0), Some("転入届の添付書類"), Some("転出証明書")),
        "{}",
        reg[0]
    );
    let first_serial = reg[0]["serial"].as_i64().unwrap_or_default();

    // 住民異動届受理通知 of the 転出: to the notifier at the address she leaves.
    let text = examiner
        .pdf_text(
            &format!("{base}/entries/{move_out_seq}/receipt-notice"),
            "receipt-move-out",
        )
        .await;
    has_all(
        &text,
        &[
            "神奈川県横浜市中区本町二丁目2番地",
            "佐藤　二葉　様",
            "令和8年11月10日",
            "転出",
        ],
    );
    // Not for a 職権 entry nor for an entry that is no 届出 of those kinds.
    // 職権修正 of his name after the issue (a 誤記 found).
    let v = change(
        &examiner,
        &base,
        json!({
            "effective_on": "2026-11-12", "notified_on": "2026-11-12", "basis": "職権",
            "notifier": {"name": "横浜市中区戸籍課", "capacity": "戸籍担当"},
            "change": {"type": "correction", "person_id": ichiro,
                "correction": {"item": "name", "new": {"family": "佐藤", "given": "壱郎"}}}
        }),
    )
    .await;
    let correction_seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    refused(
        &examiner,
        &format!("{base}/entries/{correction_seq}/receipt-notice"),
        None,
        "E-CERT-040",
    )
    .await;

    // 職権記録書: what was corrected, before and after, on what grounds, by whom.
    let text = examiner
        .pdf_text(
            &format!("{base}/entries/{correction_seq}/ex-officio-record"),
            "ex-officio-record",
        )
        .await;
    has_all(
        &text,
        &[
            "職権記録書",
            "職権修正",
            "令和8年11月12日",
            "横浜市中区戸籍課(戸籍担当)",
            "氏名",
            "佐藤　一郎",
            "佐藤　壱郎",
        ],
    );
    // 職権記載等通知書: to him, at his address.
    let text = examiner
        .pdf_text(
            &format!("{base}/entries/{correction_seq}/ex-officio-notice"),
            "ex-officio-notice",
        )
        .await;
    has_all(
        &text,
        &[
            "職権記載等通知書",
            "佐藤　壱郎　様",
            "神奈川県横浜市中区本町二丁目2番地",
            "職権で住民票の修正をしました",
        ],
    );
    // A notice kikan does not know.
    let (status, _) = examiner
        .get(&format!("{base}/entries/{correction_seq}/unknown-letter"))
        .await;
    assert_eq!(status, 404);
    // A 届出 has neither.
    for doc in ["ex-officio-record", "ex-officio-notice"] {
        refused(
            &examiner,
            &format!("{base}/entries/{move_out_seq}/{doc}"),
            None,
            "E-CERT-040",
        )
        .await;
    }

    // 再交付: a new 交付番号, marked, printing the first issue's state (the old name).
    let text = examiner
        .post_pdf_text(
            &format!("{certs}/{first_serial}/reissue"),
            json!({"reason": "紛失"}),
            "move-out-reissue",
        )
        .await;
    has_all(
        &text,
        &[
            "転出証明書（再交付）",
            "当初の交付",
            "佐藤　一郎",
            "12345678903",
        ],
    );
    has_none(&text, &["壱郎"]);
    let reg = register_of(&examiner, &base, ichiro).await;
    assert_eq!(reg.len(), 2, "{reg:?}");
    assert_ne!(reg[0]["serial"], reg[1]["serial"]);
    // Without a reason, or of another kind: refused.
    refused(
        &examiner,
        &format!("{certs}/{first_serial}/reissue"),
        Some(json!({"reason": " "})),
        "E-INPUT-001",
    )
    .await;

    // 鈴木 三郎: a 転出届 more than 14 days after the move — recorded by 職権, and the
    // 転出証明書に準ずる証明書 issued instead (4.1.3.0.1, 4.1.3.0.3).
    let mut saburo = person_json(
        ("鈴木", "三郎"),
        ("スズキ", "サブロウ"),
        "1990-07-07",
        "男",
        "世帯主",
    );
    saburo["honseki"] =
        json!({"domicile": "東京都新宿区西新宿二丁目8番地", "head_name": "鈴木　三郎"});
    let v = change(
        &examiner,
        &base,
        json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "persons": [saburo],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"},
                "previous_address": {"place": "東京都新宿区西新宿", "banchi": "2番8号"}}
        }),
    )
    .await;
    let saburo = v["entry"]["person_ids"][0].as_i64().unwrap_or_default();
    // A resident copy is no 転出証明書, and cannot be re-issued as one.
    let resident_copy = examiner
        .post_pdf(
            &certs,
            json!({"kind": "resident_copy", "persons": [saburo], "purpose": "確認",
                "requester": {"kind": "self", "person_id": saburo}, "identity_check": "旅券"}),
        )
        .await;
    assert!(!resident_copy.is_empty());
    let copy_serial = register_of(&examiner, &base, saburo).await[0]["serial"]
        .as_i64()
        .unwrap_or_default();
    refused(
        &examiner,
        &format!("{certs}/{copy_serial}/reissue"),
        Some(json!({"reason": "紛失"})),
        "E-CERT-003",
    )
    .await;
    // Not moving out: no 転出証明書.
    refused(
        &examiner,
        &certs,
        Some(json!({"kind": "move_out", "persons": [saburo],
            "requester": {"kind": "self", "person_id": saburo}, "identity_check": "旅券"})),
        "E-CERT-002",
    )
    .await;
    let v = change(
        &examiner,
        &base,
        json!({
            "notified_on": "2026-10-01",
            "change": {"type": "move_out", "person_ids": [saburo], "planned_on": "2026-09-01",
                "destination": {"place": "千葉県千葉市中央区千葉港", "banchi": "1番1号"}}
        }),
    )
    .await;
    assert_eq!(v["entry"]["basis"], "職権", "{v}");
    let late_seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let text = examiner
        .post_pdf_text(
            &certs,
            json!({"kind": "move_out", "persons": [saburo],
                "requester": {"kind": "self", "person_id": saburo}, "identity_check": "旅券"}),
            "move-out-quasi",
        )
        .await;
    has_all(
        &text,
        &[
            "転出証明書に準ずる証明書",
            "転入届に添付すべき書類として発行した",
            "千葉県千葉市中央区千葉港1番1号",
            "令和8年9月1日",
        ],
    );
    // Its 受理通知 says so.
    let text = examiner
        .pdf_text(
            &format!("{base}/entries/{late_seq}/receipt-notice"),
            "receipt-quasi",
        )
        .await;
    has_all(
        &text,
        &["転出(転出証明書に準ずる証明書の交付)", "鈴木　三郎　様"],
    );

    // 住民票コード: 二葉 had none of her own; the 転入 recorded one (通知票), then it is
    // corrected by 職権 (修正通知票) and changed on her request (変更通知票).
    let text = examiner
        .pdf_text(
            &format!("{base}/persons/{futaba}/code-notice"),
            "code-notice",
        )
        .await;
    has_all(
        &text,
        &[
            "住民票コード通知票",
            "佐藤　二葉　様",
            "住民票コードを記載しました",
            "令和8年4月1日",
            "交付番号",
        ],
    );
    // Recorded in the issuance register (1.3.8): for whom, what it says, its number.
    let notices: Vec<Value> = register_of(&examiner, &base, futaba)
        .await
        .into_iter()
        .filter(|c| c["kind"] == "code_notice")
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["persons"][0]["name"], "佐藤　二葉");
    assert_eq!(notices[0]["items"], json!(["氏名", "住所", "住民票コード"]));
    assert_eq!(notices[0]["pages"], 1);
    let serial = notices[0]["serial"].as_i64().unwrap_or_default();
    assert!(text.contains(&format!("交付番号第{serial:06}号")), "{text}");
    for (basis, code, title, verb) in [
        ("職権", "23456789013", "住民票コード修正通知票", "修正"),
        ("申出", "13579135799", "住民票コード変更通知票", "変更"),
    ] {
        change(
            &examiner,
            &base,
            json!({
                "effective_on": "2026-11-13", "notified_on": "2026-11-13", "basis": basis,
                "change": {"type": "correction", "person_id": futaba,
                    "correction": {"item": "juminhyo_code", "new": code}}
            }),
        )
        .await;
        let text = examiner
            .pdf_text(
                &format!("{base}/persons/{futaba}/code-notice"),
                "code-notice",
            )
            .await;
        has_all(
            &text,
            &[
                title,
                "佐藤　二葉　様",
                code,
                &format!("住民票コードを{verb}しました"),
                "令和8年11月13日",
            ],
        );
    }

    // Every read audited, by person.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (status, log) = auditor.get(&format!("{base}/audit/persons/{ichiro}")).await;
    assert_eq!(status, 200, "{log}");
    let actions: Vec<&str> = log
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    for a in [
        "letter.receipt_notice",
        "letter.ex_officio_record",
        "letter.ex_officio_notice",
        "certificate.issue",
        "certificate.reissue",
    ] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
}

#[tokio::test]
async fn documents_sqlite() {
    documents(fresh_sqlite().await).await;
}

#[tokio::test]
async fn documents_postgres() {
    let Some(s) = fresh_postgres().await else {
        return;
    };
    documents(s).await;
}

/// A POST answered by a file: its status, headers and body.
async fn file(
    caller: &Caller,
    path: &str,
    body: Value,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = caller
        .request(reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap_or_default().to_vec();
    (status, headers, bytes)
}

fn header(h: &reqwest::header::HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// 住民基本台帳の一部の写し（閲覧用） (9.5): by 町字, 性別 and 生年月日, in address order
/// (番地 as numbers) or a random one drawn again from its seed; CSV and PDF; the
/// protected never listed; bad conditions refused; the making audited.
async fn inspection(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let list = format!("{base}/inspection-list");
    let mut ids = vec![];
    for (people, place, banchi) in [
        (
            vec![(
                ("青木", "一"),
                ("アオキ", "ハジメ"),
                "1980-01-01",
                "男",
                "世帯主",
            )],
            "神奈川県横浜市中区本町一丁目",
            "10番地",
        ),
        (
            vec![
                (
                    ("石井", "二美"),
                    ("イシイ", "フタミ"),
                    "1990-02-02",
                    "女",
                    "世帯主",
                ),
                (
                    ("石井", "三郎"),
                    ("イシイ", "サブロウ"),
                    "2010-03-03",
                    "男",
                    "子",
                ),
            ],
            "神奈川県横浜市中区本町一丁目",
            "2番地",
        ),
        (
            vec![(
                ("上田", "四子"),
                ("ウエダ", "ヨツコ"),
                "1985-04-04",
                "女",
                "世帯主",
            )],
            "神奈川県横浜市中区山下町",
            "1番地",
        ),
        (
            vec![(
                ("江藤", "五月"),
                ("エトウ", "サツキ"),
                "1975-05-05",
                "女",
                "世帯主",
            )],
            "神奈川県横浜市中区本町一丁目",
            "5番地",
        ),
    ] {
        let persons: Vec<Value> = people
            .iter()
            .map(|(n, k, b, s, r)| person_json(*n, *k, b, s, r))
            .collect();
        let v = change(
            &examiner,
            &base,
            json!({
                "effective_on": "2026-04-01", "notified_on": "2026-04-01",
                "change": {"type": "move_in", "persons": persons,
                    "address": {"place": place, "banchi": banchi},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
            }),
        )
        .await;
        ids.push(v["entry"]["person_ids"][0].as_i64().unwrap_or_default());
    }
    // 江藤 五月 is protected by a 支援措置.
    let (status, m) = examiner
        .post(
            &format!("{base}/support-measures"),
            json!({
                "applicant": ids[3], "kind": "DV",
                "offenders": [{"name": "江藤　剛", "relation": "元配偶者"}]
            }),
        )
        .await;
    assert_eq!(status, 201, "{m}");

    let csv = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    let (status, h, body) = file(
        &examiner,
        &list,
        json!({"place_prefix": "神奈川県横浜市中区本町一丁目"}),
    )
    .await;
    assert_eq!(status, 200, "{}", csv(&body));
    assert_eq!(header(&h, "x-kikan-rows"), "3");
    assert!(header(&h, "content-type").starts_with("text/csv"));
    let text = csv(&body);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "\u{feff}氏名,生年月日,性別,住所", "{text}");
    // Address order: 2番地 before 10番地; the protected one not at all.
    assert_eq!(
        &lines[1..],
        [
            "石井　二美,平成2年2月2日,女,神奈川県横浜市中区本町一丁目2番地",
            "石井　三郎,平成22年3月3日,男,神奈川県横浜市中区本町一丁目2番地",
            "青木　一,昭和55年1月1日,男,神奈川県横浜市中区本町一丁目10番地",
        ],
        "{text}"
    );
    // By 性別, by 生年月日.
    let (_, _, body) = file(&examiner, &list, json!({"sex": "女"})).await;
    let text = csv(&body);
    assert!(
        text.contains("石井　二美") && text.contains("上田　四子"),
        "{text}"
    );
    assert!(!text.contains("青木") && !text.contains("江藤"), "{text}");
    let (_, _, body) = file(
        &examiner,
        &list,
        json!({"born_from": "2000-01-01", "born_to": "令和8年1月1日"}),
    )
    .await;
    assert_eq!(csv(&body).lines().count(), 2, "{}", csv(&body));
    // ランダム順位: its seed told; the same seed draws the same list.
    let (_, h, first) = file(&examiner, &list, json!({"order": "random"})).await;
    let seed: u64 = header(&h, "x-kikan-seed").parse().unwrap_or_default();
    assert!(seed > 0, "{h:?}");
    let (_, h2, again) = file(&examiner, &list, json!({"order": "random", "seed": seed})).await;
    assert_eq!(
        (first, header(&h2, "x-kikan-seed")),
        (again, seed.to_string())
    );
    let orders: std::collections::BTreeSet<String> = random_orders(&examiner, &list).await;
    assert!(
        orders.len() > 1,
        "every seed gave the same order: {orders:?}"
    );
    // PDF.
    let (status, h, pdf) = file(
        &examiner,
        &list,
        json!({"format": "pdf", "place_prefix": "神奈川県横浜市中区"}),
    )
    .await;
    assert_eq!(
        (status, header(&h, "content-type").as_str()),
        (200, "application/pdf")
    );
    let text = squeezed(&kikan_testsuite::pdf::text(&pdf, "inspection-list"));
    has_all(
        &text,
        &[
            "住民基本台帳の一部の写し（閲覧用）",
            "石井　二美",
            "上田　四子",
            "神奈川県横浜市中区山下町1番地",
            "住所順",
        ],
    );
    has_none(&text, &["江藤"]);
    // In the issuance register under its own 交付番号, printed on it (1.3.8); the CSV
    // too, with no pages; neither re-printed from the register, both disposable.
    let serial = header(&h, "x-kikan-certificate-serial");
    assert!(
        text.contains(&format!("交付番号第{:0>6}号", serial)),
        "{serial}: {text}"
    );
    let (_, csv_headers, _) = file(&examiner, &list, json!({"sex": "女"})).await;
    let csv_serial = header(&csv_headers, "x-kikan-certificate-serial");
    let (status, register) = examiner.get(&format!("{base}/certificates")).await;
    assert_eq!(status, 200, "{register}");
    let row = |serial: &str| {
        register
            .as_array()
            .and_then(|r| {
                r.iter().find(|c| {
                    c["serial"].as_i64().map(|n| n.to_string()).as_deref() == Some(serial)
                })
            })
            .cloned()
            .unwrap_or_else(|| panic!("{serial} not in {register}"))
    };
    let (pdf_row, csv_row) = (row(&serial), row(&csv_serial));
    assert_eq!(pdf_row["kind"], "inspection_copy", "{pdf_row}");
    assert_eq!(pdf_row["title"], "住民基本台帳の一部の写し（閲覧用）");
    assert!(
        pdf_row["pages"].as_u64().unwrap_or_default() >= 1,
        "{pdf_row}"
    );
    assert_eq!(
        pdf_row["items"],
        json!(["氏名", "生年月日", "性別", "住所"])
    );
    assert!(
        pdf_row["about"].as_array().is_some_and(|a| a
            .iter()
            .any(|l| l.as_str().unwrap_or_default().contains("出力形式: PDF"))),
        "{pdf_row}"
    );
    assert!(
        pdf_row["staff"]
            .as_str()
            .unwrap_or_default()
            .starts_with("examiner-")
    );
    assert_eq!(csv_row["pages"], 0, "{csv_row}");
    assert!(
        csv_row["about"].as_array().is_some_and(|a| a
            .iter()
            .filter_map(|l| l.as_str())
            .any(|l| l.starts_with("抽出条件: ") && l.contains('女'))),
        "{csv_row}"
    );
    let (status, e) = examiner
        .post(
            &format!("{base}/certificates/{serial}/reprint"),
            json!({"reason": "用紙詰まり"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-CERT-040")),
        "{e}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/certificates/{csv_serial}/dispose"),
            json!({"reason": "条件を誤って作成したため廃棄"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // Not a certificate a request can ask for.
    let (status, e) = examiner
        .post(
            &format!("{base}/certificates"),
            json!({"kind": "inspection_copy", "persons": [ids[0]], "requester": {"kind": "self", "person_id": ids[0]},
                "purpose": "閲覧", "identity_check": "運転免許証"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str(), e["field"].as_str()),
        (422, Some("E-CODE-005"), Some("kind")),
        "{e}"
    );
    // Refused with the field named.
    for (body, code, field) in [
        (
            json!({"born_from": "2010-01-01", "born_to": "2000-01-01"}),
            "E-INPUT-003",
            None,
        ),
        (json!({"format": "xlsx"}), "E-CODE-005", Some("format")),
        (json!({"order": "生年月日順"}), "E-CODE-005", Some("order")),
        (
            json!({"born_from": "令和8年2月30日"}),
            "E-DATE-001",
            Some("born_from"),
        ),
    ] {
        let (status, e) = examiner.post(&list, body).await;
        assert_eq!(
            (
                status,
                e["code"].as_str(),
                e["field"].as_str().map(str::to_string)
            ),
            (422, Some(code), field.map(str::to_string)),
            "{e}"
        );
    }
    // Audited with its conditions and count.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (status, log) = auditor
        .get(&format!("{base}/audit?action=inspection.list"))
        .await;
    assert_eq!(status, 200, "{log}");
    let details: Vec<&str> = log
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["detail"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        details
            .iter()
            .any(|d| d.contains("住所 神奈川県横浜市中区本町一丁目")
                && d.contains("3件(支援措置の対象者 1件を除く)")),
        "{details:?}"
    );
}

/// The first line of the random list under a few seeds.
async fn random_orders(caller: &Caller, list: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for seed in 1..=8u64 {
        let (_, _, body) = file(caller, list, json!({"order": "random", "seed": seed})).await;
        out.insert(String::from_utf8_lossy(&body).to_string());
    }
    out
}

#[tokio::test]
async fn inspection_list_sqlite() {
    inspection(fresh_sqlite().await).await;
}

#[tokio::test]
async fn inspection_list_postgres() {
    let Some(s) = fresh_postgres().await else {
        return;
    };
    inspection(s).await;
}

/// 文字溢れ (5.8, 10.7): a value too long for its box even at the smallest size is
/// printed as far as it fits (the default) or blank (the setting), the counter alerted
/// (X-Kikan-Overflow on the preview and the issue), and the 文字超過リスト (the register's
/// `overflow=true`) gives it whole beside what was printed.
async fn overflow(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let admin = app.as_role(t, Role::Admin).await;
    let certs = format!("{base}/certificates");
    let building = "みほん総合開発記念ガーデンタワーレジデンス".repeat(6) + "東棟";
    let v = change(&examiner, &base, json!({
        "effective_on": "2026-04-01", "notified_on": "2026-04-01",
        "change": {"type": "move_in",
            "persons": [person_json(("長井", "溢子"), ("ナガイ", "アフコ"), "1980-08-08", "女", "世帯主")],
            "address": {"place": "神奈川県横浜市中区本町三丁目", "banchi": "3番地", "katagaki": building},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    }))
    .await;
    let id = v["entry"]["person_ids"][0].as_i64().unwrap_or_default();
    let request = json!({"kind": "resident_copy", "persons": [id], "purpose": "確認",
        "requester": {"kind": "self", "person_id": id}, "identity_check": "旅券"});
    // The preview alerts.
    let (status, h, _) = file(&examiner, &format!("{certs}/preview"), request.clone()).await;
    assert_eq!(
        (status, header(&h, "x-kikan-overflow").as_str()),
        (200, "1")
    );
    // Issued: as far as it fits.
    let (status, h, pdf) = file(&examiner, &certs, request.clone()).await;
    assert_eq!(
        (status, header(&h, "x-kikan-overflow").as_str()),
        (201, "1")
    );
    let text = squeezed(&kikan_testsuite::pdf::text(&pdf, "overflow-limit"));
    has_all(&text, &["神奈川県横浜市中区本町三丁目3番地みほん総合開発"]);
    has_none(&text, &["東棟"]);
    // The 文字超過リスト: this one, the whole value and what was printed.
    let (status, list) = examiner.get(&format!("{certs}?overflow=true")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let o = &list[0]["overflow"][0];
    assert_eq!(o["label"], "住所", "{o}");
    let whole = o["value"].as_str().unwrap_or_default();
    let printed = o["printed"].as_str().unwrap_or_default();
    assert!(
        whole.ends_with("東棟") && whole.starts_with(printed) && printed.len() > 30,
        "{o}"
    );
    // Set to blank (管理者; a word not known refused): the next prints no address.
    let (status, e) = admin
        .put(
            &format!("{base}/certificate-overflow"),
            json!({"mode": "縮小"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{e}"
    );
    let (status, v) = admin
        .put(
            &format!("{base}/certificate-overflow"),
            json!({"mode": "blank"}),
        )
        .await;
    assert_eq!(
        (status, v["overflow"].as_str()),
        (200, Some("空白で出力")),
        "{v}"
    );
    let (_, h, pdf) = file(&examiner, &certs, request).await;
    assert_eq!(header(&h, "x-kikan-overflow"), "1");
    let text = squeezed(&kikan_testsuite::pdf::text(&pdf, "overflow-blank"));
    has_none(&text, &["みほん総合開発", "本町三丁目3番地"]);
    has_all(&text, &["長井　溢子"]);
    // A certificate whose values fit (her birth date only) alerts nothing and is on no list.
    let (status, h, _) = file(
        &examiner,
        &certs,
        json!({"kind": "resident_items", "persons": [id],
        "items": ["birth_date"], "purpose": "確認",
        "requester": {"kind": "self", "person_id": id}, "identity_check": "旅券"}),
    )
    .await;
    assert_eq!((status, header(&h, "x-kikan-overflow").as_str()), (201, ""));
    let (_, list) = examiner.get(&format!("{certs}?overflow=true")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let (_, all) = examiner.get(&certs).await;
    assert_eq!(all.as_array().map(Vec::len), Some(3), "{all}");
}

#[tokio::test]
async fn overflow_sqlite() {
    overflow(fresh_sqlite().await).await;
}

#[tokio::test]
async fn overflow_postgres() {
    let Some(s) = fresh_postgres().await else {
        return;
    };
    overflow(s).await;
}
