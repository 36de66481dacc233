//! 統計 (6.1) over HTTP, on both engines: the 住民基本台帳関係年報's population and
//! households on 1 January and the year's 異動 by cause, by 日本人住民 and 外国人住民, the
//! 定期報告's 住居地の届出 and 在留資格, as JSON and CSV; a 転出予定者 whose date has not
//! come counts as a resident; a past period's figures do not change when later 異動 are
//! recorded; bad dates and formats are refused with a stable code.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};

async fn yearly_figures(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let post = |body: Value| {
        let examiner = examiner.clone();
        let changes = changes.clone();
        async move {
            let (status, v) = examiner.post(&changes, body).await;
            assert_eq!(status, 201, "{v}");
            v
        }
    };
    // 2025: a couple moves in, a child is born, the husband dies; a foreign resident
    // comes from abroad (his 転入 is his 住居地の届出).
    let v = post(json!({
        "effective_on": "2025-06-01", "notified_on": "2025-06-01",
        "change": {"type": "move_in",
            "persons": [person_json(("佐藤", "太郎"), ("サトウ", "タロウ"), "1985-04-01", "男", "世帯主"),
                        person_json(("佐藤", "花子"), ("サトウ", "ハナコ"), "1987-05-01", "女", "妻")],
            "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    }))
    .await;
    let (taro, hanako) = (v["person_ids"][0].clone(), v["person_ids"][1].clone());
    let hid = v["household_ids"][0].clone();
    let (_, p) = examiner.get(&format!("{base}/persons/{taro}")).await;
    let hid = if hid.is_null() {
        p["household_id"].clone()
    } else {
        hid
    };
    post(json!({
        "effective_on": "2025-08-10", "notified_on": "2025-08-12",
        "change": {"type": "birth", "household_id": hid,
            "person": person_json(("佐藤", "一郎"), ("サトウ", "イチロウ"), "2025-08-10", "男", "子")}
    }))
    .await;
    post(json!({
        "effective_on": "2025-09-01", "notified_on": "2025-09-02",
        "change": {"type": "death", "person_id": taro}
    }))
    .await;
    post(json!({
        "effective_on": "2025-07-01", "notified_on": "2025-07-01",
        "change": {"type": "move_in", "kind": "国外からの転入",
            "persons": [{"name": {"family": "NGUYEN VAN AN", "given": ""}, "furigana": {"family": "グエン　ヴァン　アン", "given": ""},
                "birth_date": "1995-05-05", "sex": "男", "relationship": "世帯主",
                "foreign": {"nationality": "ベトナム", "category": "中長期在留者", "status": "技術・人文知識・国際業務", "period": "5年",
                    "expires_on": "2030-06-30", "card_number": "AB12345678CD"}}],
            "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"}}
    }))
    .await;
    // 花子 notifies a 転出 planned for 5 January 2026: on 1 January she still counts.
    post(json!({
        "effective_on": "2025-12-20", "notified_on": "2025-12-20",
        "change": {"type": "move_out", "person_ids": [hanako], "planned_on": "2026-01-05",
            "destination": {"place": "神奈川県川崎市川崎区宮本町", "banchi": "1番地"}}
    }))
    .await;

    let clerk = app.as_role(t, Role::Reception).await;
    let url = format!("{base}/statistics?on=2026-01-01&from=2025-01-01&to=2025-12-31");
    let (status, first) = clerk.get(&url).await;
    assert_eq!(status, 200, "{first}");
    let pop = &first["population"];
    assert_eq!(pop["japanese"], json!({"male": 1, "female": 1}), "{pop}");
    assert_eq!(pop["foreign"], json!({"male": 1, "female": 0}), "{pop}");
    assert_eq!(pop["households_japanese"], 1, "{pop}");
    assert_eq!(pop["households_foreign"], 1, "{pop}");
    assert_eq!(pop["households_mixed"], 0, "{pop}");
    // Ages on 1 January 2026: 一郎 0 (band 0–4), 花子 38 (35–39), AN 30 (30–34).
    assert_eq!(pop["bands_japanese"][0]["male"], 1, "{pop}");
    assert_eq!(pop["bands_japanese"][7]["female"], 1, "{pop}");
    assert_eq!(pop["bands_foreign"][6]["male"], 1, "{pop}");
    assert_eq!(pop["by_status"]["技術・人文知識・国際業務"], 1, "{pop}");
    assert_eq!(pop["by_nationality"]["ベトナム"], 1, "{pop}");
    assert_eq!(pop["by_place"]["神奈川県横浜市中区本町一丁目"], 2, "{pop}");
    let mov = &first["movement"];
    assert_eq!(mov["japanese"]["moved_in"], 2, "{mov}");
    assert_eq!(mov["japanese"]["births"], 1, "{mov}");
    assert_eq!(mov["japanese"]["deaths"], 1, "{mov}");
    assert_eq!(mov["japanese"]["moved_out"], 0, "{mov}");
    assert_eq!(mov["foreign"]["moved_in_from_abroad"], 1, "{mov}");
    assert_eq!(mov["residence_notified_new"], 1, "{mov}");
    assert!(
        mov["monthly"].as_array().is_some_and(|m| m
            .iter()
            .any(|r| r["month"] == "2025-08" && r["reason"] == "出生" && r["japanese"] == 1)),
        "{mov}"
    );

    // The 転出 takes effect in 2026 (the daily run records it on its date): counted in
    // the 2026 period, once.
    let (status, v) = examiner
        .post(&format!("{base}/jobs/daily"), json!({}))
        .await;
    assert!(status == 200 || status == 201, "{v}");
    let (_, y2026) = clerk
        .get(&format!(
            "{base}/statistics?on=2026-12-01&from=2026-01-01&to=2026-11-30"
        ))
        .await;
    assert_eq!(y2026["movement"]["japanese"]["moved_out"], 1, "{y2026}");
    assert_eq!(y2026["population"]["japanese"]["female"], 0, "{y2026}");

    // A later 異動 leaves the 2025 figures as they were.
    post(json!({
        "effective_on": "2026-03-01", "notified_on": "2026-03-01",
        "change": {"type": "move_in",
            "persons": [person_json(("鈴木", "次郎"), ("スズキ", "ジロウ"), "1970-01-01", "男", "世帯主")],
            "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "2番地"},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    }))
    .await;
    let (_, again) = clerk.get(&url).await;
    assert_eq!(again, first);

    // CSV: one row per figure, in Japanese.
    let req = clerk.request(reqwest::Method::GET, &format!("{url}&format=csv"));
    let res = req.send().await.ok();
    let text = match res {
        Some(r) => r.text().await.unwrap_or_default(),
        None => String::new(),
    };
    assert!(
        text.starts_with("\u{FEFF}区分,項目,日本人住民,外国人住民,計\r\n"),
        "{text}"
    );
    assert!(
        text.contains("人口の増減（2025-01-01〜2025-12-31）,出生,1,0,1\r\n"),
        "{text}"
    );
    assert!(
        text.contains("人口（2026-01-01現在）,計,2,1,3\r\n"),
        "{text}"
    );

    // Refused: a period that ends before it begins, an unknown format.
    let (status, v) = clerk
        .get(&format!("{base}/statistics?from=2025-12-31&to=2025-01-01"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-DATE-001")),
        "{v}"
    );
    let (status, v) = clerk.get(&format!("{base}/statistics?format=xml")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{v}"
    );
    // Read by staff who may read residents; audited.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=statistics.read"))
        .await;
    assert!(log.as_array().is_some_and(|l| l.len() >= 3), "{log}");
}

#[tokio::test]
async fn statistics_sqlite() {
    yearly_figures(kikan_testsuite::fresh_sqlite().await).await;
}

#[tokio::test]
async fn statistics_postgres() {
    let Some(s) = kikan_testsuite::fresh_postgres().await else {
        return;
    };
    yearly_figures(s).await;
}
