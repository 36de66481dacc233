//! 無作為抽出 (9.6) over HTTP, on both engines: residents drawn at random by 性別,
//! 生年月日, 地区, 抽出人数 and 日本人・外国人の別 from a recorded seed (the same seed
//! draws the same residents), as CSV, and their 宛名シール as PDF; bad input refused
//! with a stable code; audited.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, person_json};
use serde_json::{Value, json};

/// The CSV answered and its seed.
async fn draw(caller: &Caller, base: &str, body: Value) -> (String, String) {
    let res = caller
        .request(reqwest::Method::POST, &format!("{base}/random-extract"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 200);
    let seed = res
        .headers()
        .get("x-kikan-seed")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (res.text().await.unwrap_or_default(), seed)
}

async fn random_extraction(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    for (i, (family, given, kana, sex)) in [
        ("佐藤", "一郎", "イチロウ", "男"),
        ("鈴木", "二郎", "ジロウ", "男"),
        ("高橋", "三子", "ミツコ", "女"),
        ("田中", "四郎", "シロウ", "男"),
        ("伊藤", "五月", "サツキ", "女"),
        ("渡辺", "六郎", "ロクロウ", "男"),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, v) = examiner
            .post(&changes, json!({
                "effective_on": "2026-04-01", "notified_on": "2026-04-01",
                "change": {"type": "move_in",
                    "persons": [person_json((family, given), ("カナ", kana), &format!("19{}0-01-01", 5 + i % 3), sex, "世帯主")],
                    "address": {"place": if i < 4 { "神奈川県横浜市中区本町一丁目" } else { "神奈川県横浜市中区山下町" },
                        "banchi": format!("{}番地", i + 1), "postal_code": "231-0005"},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
            }))
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let (status, v) = examiner
        .post(&changes, json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "kind": "国外からの転入",
                "persons": [{"name": {"family": "NGUYEN VAN AN", "given": ""}, "furigana": {"family": "グエン　ヴァン　アン", "given": ""},
                    "birth_date": "1995-05-05", "sex": "男", "relationship": "世帯主",
                    "foreign": {"nationality": "ベトナム", "category": "中長期在留者", "status": "留学", "period": "2年",
                        "expires_on": "2027-03-31", "card_number": "AB12345678CD"}}],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "9番地"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");

    let clerk = app.as_role(t, Role::Reception).await;
    // Three of the 日本人住民 of 本町一丁目 (four there), drawn from seed 42; the same
    // seed draws the same three, another seed (given) another order.
    let body = json!({"place_prefix": "神奈川県横浜市中区本町一丁目", "nationality": "日本人", "count": 3, "seed": 42});
    let (csv, seed) = draw(&clerk, &base, body.clone()).await;
    assert_eq!(seed, "42");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0], "\u{feff}氏名,生年月日,性別,郵便番号,住所",
        "{csv}"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains("本町一丁目") && l.contains(",231-0005,")),
        "{csv}"
    );
    assert!(!csv.contains("NGUYEN"), "{csv}");
    assert_eq!(draw(&clerk, &base, body).await.0, csv);
    // Conditions: 性別 and 生年月日, 外国人住民.
    let (women, _) = draw(&clerk, &base, json!({"sex": "女", "count": 10})).await;
    assert_eq!(women.lines().count(), 3, "{women}");
    assert!(women.contains("高橋") && women.contains("伊藤"), "{women}");
    let (born, _) = draw(
        &clerk,
        &base,
        json!({"born_from": "1960-01-01", "born_to": "1960-12-31", "count": 10}),
    )
    .await;
    assert_eq!(born.lines().count(), 3, "{born}");
    let (foreign, _) = draw(&clerk, &base, json!({"nationality": "外国人", "count": 5})).await;
    assert_eq!(foreign.lines().count(), 2, "{foreign}");
    assert!(foreign.contains("NGUYEN VAN AN"), "{foreign}");
    // 宛名シール: 〒, address and name with 様.
    let labels = clerk
        .post_pdf_text(
            &format!("{base}/random-extract"),
            json!({"sex": "女", "count": 10, "format": "labels", "seed": 7}),
            "labels.pdf",
        )
        .await;
    assert!(labels.contains("〒231-0005"), "{labels}");
    assert!(
        labels.contains("高橋三子様") && labels.contains("伊藤五月様"),
        "{labels}"
    );
    // Refused: no 抽出人数, too many, an unknown kind or format.
    for (body, code) in [
        (json!({}), "E-INPUT-001"),
        (json!({"count": 0}), "E-INPUT-003"),
        (json!({"count": 3, "nationality": "火星人"}), "E-CODE-005"),
        (json!({"count": 3, "format": "xlsx"}), "E-CODE-005"),
    ] {
        let (status, v) = clerk
            .post(&format!("{base}/random-extract"), body.clone())
            .await;
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some(code)),
            "{body}: {v}"
        );
    }
    // A purpose is stated; the draw is audited with its conditions and seed.
    let (status, _) = clerk
        .clone()
        .without_purpose()
        .post(&format!("{base}/random-extract"), json!({"count": 1}))
        .await;
    assert_eq!(status, 400);
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=extract.random"))
        .await;
    assert!(log.to_string().contains("シード 42"), "{log}");
}

#[tokio::test]
async fn random_extract_sqlite() {
    random_extraction(kikan_testsuite::fresh_sqlite().await).await;
}

#[tokio::test]
async fn random_extract_postgres() {
    let Some(s) = kikan_testsuite::fresh_postgres().await else {
        return;
    };
    random_extraction(s).await;
}
