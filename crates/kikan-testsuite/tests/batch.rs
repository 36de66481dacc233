//! バッチ処理 (9.1) over HTTP, on both engines: a job run by hand with parameters, the
//! next run starting from them and naming the ones changed; its file kept and read back
//! (audited, with a purpose); a failed run recorded with its error's code and handed to
//! the notification command; schedules of each kind, a due slot run once however often
//! the scheduler looks; bad schedules and parameters refused with codes; 窓口 kept out.

use chrono::NaiveDateTime;
use kikan_security::{Item, Role};
use kikan_server::AppState;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, mother_and_son};
use serde_json::json;
use std::sync::Arc;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
}

/// The file a run wrote, as the API answers it.
async fn output(c: &Caller, base: &str, id: i64) -> reqwest::Response {
    c.request(
        reqwest::Method::GET,
        &format!("{base}/jobs/runs/{id}/output"),
    )
    .send()
    .await
    .expect("output")
}

/// An XLSX workbook's shared strings and its first sheet, as XML text.
fn workbook(bytes: &[u8]) -> (String, String) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).expect(name), &mut s).expect(name);
        s
    };
    (
        read("xl/sharedStrings.xml"),
        read("xl/worksheets/sheet1.xml"),
    )
}

async fn batch_work(s: TestStore) {
    let dir = std::env::temp_dir().join(format!("kikan-batch-{:016x}", rand::random::<u64>()));
    let alerts = dir.join("alerts.jsonl");
    let batch_dir = dir.join("out");
    let (bd, al) = (batch_dir.clone(), alerts.clone());
    let app = App::spawn_with(s, move |mut st| {
        st.batch_dir = bd;
        st.alert_command = Some(format!("cat >> '{}'", al.display()));
        st
    })
    .await;
    std::fs::create_dir_all(&dir).expect("dir");
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    mother_and_son(&examiner, &base).await;

    // The catalogue: eight jobs, none run yet.
    let (status, jobs) = examiner.get(&format!("{base}/jobs")).await;
    assert_eq!(status, 200, "{jobs}");
    assert_eq!(jobs.as_array().map(Vec::len), Some(8));
    assert!(jobs[1]["last_params"].is_null());

    // 統計 by hand: the file of the 年報's figures, kept and read back.
    let params = json!({"on": "2026-06-01", "from": "2026-04-01", "to": "2026-04-30"});
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/statistics/run"),
            json!({"params": params}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["ok"], true, "{run}");
    assert!(
        run["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("人口 2人"),
        "{run}"
    );
    assert!(
        run["by"]
            .as_str()
            .unwrap_or_default()
            .starts_with("examiner-")
    );
    assert_eq!(run["has_output"], true);
    let id = run["id"].as_i64().unwrap_or_default();
    let res = output(&examiner, &base, id).await;
    assert_eq!(res.status().as_u16(), 200);
    let csv = res.text().await.expect("text");
    assert!(
        csv.starts_with("\u{feff}区分,項目,日本人住民,外国人住民,計"),
        "{csv}"
    );
    let (status, _) = examiner
        .clone()
        .without_purpose()
        .get(&format!("{base}/jobs/runs/{id}/output"))
        .await;
    assert_eq!(
        status, 400,
        "the file names residents' figures: a purpose first"
    );

    // The next run starts from those parameters (前回のパラメータ); one changed is named.
    let (_, jobs) = examiner.get(&format!("{base}/jobs")).await;
    assert_eq!(jobs[1]["last_params"], params);
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/statistics/run"),
            json!({"params":
            {"on": "2026-07-01", "from": "2026-04-01", "to": "2026-04-30"}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert!(
        run["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("前回から変更したパラメータ: on"),
        "{run}"
    );

    // The deliverable as XLSX (9.1): the same figures in a workbook, numbers as numbers.
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/statistics/run"),
            json!({"params": {"on": "2026-06-01", "from": "2026-04-01", "to": "2026-04-30", "format": "xlsx"}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    let res = output(&examiner, &base, run["id"].as_i64().unwrap_or_default()).await;
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let (strings, sheet) = workbook(&res.bytes().await.expect("bytes"));
    for want in [
        "<t>区分</t>",
        "<t>日本人住民</t>",
        "<t>人口（2026-06-01現在）</t>",
    ] {
        assert!(strings.contains(want), "{want} not in {strings}");
    }
    // 人口 計: 2 Japanese residents, 0 foreign, 2 in all (row 4: C, D, E).
    for cell in [r#"<c r="C4"><v>2</v></c>"#, r#"<c r="E4"><v>2</v></c>"#] {
        assert!(sheet.contains(cell), "{cell} not in {sheet}");
    }
    let res = examiner
        .request(
            reqwest::Method::GET,
            &format!("{base}/statistics?on=2026-06-01&format=xlsx"),
        )
        .send()
        .await
        .expect("statistics");
    assert_eq!(res.status().as_u16(), 200);
    let (_, online) = workbook(&res.bytes().await.expect("bytes"));
    assert!(online.contains(r#"<c r="E4"><v>2</v></c>"#), "{online}");
    let (status, v) = examiner
        .post(
            &format!("{base}/jobs/statistics/run"),
            json!({"params": {"format": "pdf"}}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CODE-005")),
        "{v}"
    );

    // 閲覧用リスト (9.5) as a batch, at a registered terminal.
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/inspection/run"),
            json!({"params": {"place_prefix": "神奈川県横浜市中区山下町", "sex": "女"}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert!(
        run["detail"].as_str().unwrap_or_default().contains("1人"),
        "{run}"
    );
    let id = run["id"].as_i64().unwrap_or_default();
    let res = output(&examiner, &base, id).await;
    let csv = res.text().await.expect("text");
    assert!(
        csv.starts_with("\u{feff}氏名,生年月日,性別,住所\r\n山本　花子,"),
        "{csv}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/jobs/inspection/run"),
            json!({"params": {"sex": "不明"}}),
        )
        .await;
    assert_eq!(status, 422, "checked before it runs: {v}");

    // 無作為抽出 (9.6) as a batch: the seed recorded with the run draws the same again;
    // 抑止対象者一覧 (9.2) likewise, as CSV.
    let mut drawn = vec![];
    for _ in 0..2 {
        let (status, run) = examiner
            .post(
                &format!("{base}/jobs/random_extract/run"),
                json!({"params": {"count": "1", "seed": "42"}}),
            )
            .await;
        assert_eq!(status, 201, "{run}");
        let detail = run["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("シード 42") && detail.contains("1人"),
            "{run}"
        );
        let res = output(&examiner, &base, run["id"].as_i64().unwrap_or_default()).await;
        drawn.push(res.text().await.expect("text"));
    }
    assert!(
        drawn[0].starts_with("\u{feff}氏名,生年月日,性別,郵便番号,住所\r\n山本　"),
        "{drawn:?}"
    );
    assert_eq!(drawn[0], drawn[1], "the same seed, the same draw");
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/random_extract/run"),
            json!({"params": {"count": "1"}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert!(
        run["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("シード "),
        "a new seed is recorded: {run}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/jobs/random_extract/run"),
            json!({"params": {"seed": "7"}}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-001")),
        "抽出人数 first: {v}"
    );
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/suppressed/run"),
            json!({"params": {}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    let res = output(&examiner, &base, run["id"].as_i64().unwrap_or_default()).await;
    let csv = res.text().await.expect("text");
    assert!(csv.starts_with("\u{feff}抑止番号,対象,"), "{csv}");

    // EUC as a batch: a saved extraction, its file in Shift_JIS.
    let (status, run) = examiner
        .post(
            &format!("{base}/jobs/euc/run"),
            json!({"params":
            {"sql": "SELECT 氏名, 住所 FROM 住民 ORDER BY 宛名番号", "format": "csv_sjis"}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["ok"], true, "{run}");
    assert_eq!(
        run["params"]["purpose"], "住民票の写しの交付",
        "the caller's purpose: {run}"
    );
    let id = run["id"].as_i64().unwrap_or_default();
    let res = output(&examiner, &base, id).await;
    let bytes = res.bytes().await.expect("bytes");
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(
        !bad && text.starts_with("氏名,住所\r\n山本　花子,"),
        "{text}"
    );

    // A 連携システム whose token hides 本籍 runs an extraction of 本籍: the run fails,
    // recorded with the error's code, and the notification command hears of it.
    let system = app.system(t, "税務システム", &[Item::Honseki]).await;
    let (status, run) = system
        .post(
            &format!("{base}/jobs/euc/run"),
            json!({"params":
            {"sql": "SELECT 本籍 FROM 住民", "purpose": "課税資料の作成", "hidden": []}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(
        (run["ok"].as_bool(), run["error_code"].as_str()),
        (Some(false), Some("E-EUC-002")),
        "{run}"
    );
    assert_eq!(
        run["params"]["hidden"],
        json!(["honseki"]),
        "the caller's own hidden items: {run}"
    );
    let alert = std::fs::read_to_string(&alerts).expect("the alert was written");
    let alert: serde_json::Value = serde_json::from_str(alert.trim()).expect("json");
    assert_eq!(
        (alert["job"].as_str(), alert["error_code"].as_str()),
        (Some("euc"), Some("E-EUC-002")),
        "{alert}"
    );
    assert_eq!(alert["tenant"], t.to_string());
    let (_, runs) = examiner.get(&format!("{base}/jobs/euc/runs")).await;
    assert_eq!(runs.as_array().map(Vec::len), Some(2));

    // Schedules: a daily 統計, a weekly one (Wednesdays), a month end and a one-off.
    let mut ids = Vec::new();
    for schedule in [
        json!({"kind": "daily", "time": "02:00:00"}),
        json!({"kind": "weekly", "weekday": 2, "time": "06:30:00"}),
        json!({"kind": "month_end", "time": "20:00:00"}),
        json!({"kind": "once", "at": "2030-01-04T09:00:00"}),
    ] {
        let (status, v) = examiner
            .post(
                &format!("{base}/jobs/schedules"),
                json!({"job": "statistics", "schedule": schedule,
                "params": {"period": "previous_month"}}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_i64().unwrap_or_default());
    }
    let (_, list) = examiner.get(&format!("{base}/jobs/schedules")).await;
    let labels: Vec<&str> = list
        .as_array()
        .map(|l| l.iter().filter_map(|s| s["label"].as_str()).collect())
        .unwrap_or_default();
    for l in [
        "毎日 02:00",
        "毎週水曜日 06:30",
        "毎月末 20:00",
        "2030-01-04 09:00 1回",
    ] {
        assert!(labels.contains(&l), "{labels:?}");
    }
    // The scheduler, as the server runs it every minute, at chosen times.
    let state = AppState {
        batch_dir: batch_dir.clone(),
        ..AppState::new(
            app.store.clone(),
            Arc::new(app.store.sealer().keys().clone()),
        )
    };
    let runs = kikan_server::jobs::run_due(&state, at("2030-01-02 02:01")).await;
    // 2030-01-02 is a Wednesday: the daily slot of 02:00 is due; the weekly one's of
    // today (06:30) not yet, but its slot missed on 12-26 is (the latest missed slot
    // runs, once); the month end of 2029-12-31 20:00 is due.
    let mut started: Vec<i64> = runs.iter().filter_map(|r| r.schedule).collect();
    started.sort();
    let mut expected = vec![ids[0], ids[1], ids[2]];
    expected.sort();
    assert_eq!(started, expected, "{runs:?}");
    assert!(runs.iter().all(|r| r.ok), "{runs:?}");
    let month_end = runs
        .iter()
        .find(|r| r.schedule == Some(ids[2]))
        .map(|r| r.on.to_string());
    assert_eq!(
        month_end.as_deref(),
        Some("2029-12-31"),
        "the work of the slot's day"
    );
    assert!(
        kikan_server::jobs::run_due(&state, at("2030-01-02 02:05"))
            .await
            .is_empty(),
        "a slot runs once"
    );
    let runs = kikan_server::jobs::run_due(&state, at("2030-01-04 09:00")).await;
    let mut started: Vec<i64> = runs.iter().filter_map(|r| r.schedule).collect();
    started.sort();
    let mut expected = vec![ids[0], ids[1], ids[3]];
    expected.sort();
    assert_eq!(
        started, expected,
        "daily (01-04 02:00), weekly (01-02 06:30), once: {runs:?}"
    );
    assert!(
        kikan_server::jobs::run_due(&state, at("2030-01-05 01:00"))
            .await
            .is_empty()
    );
    // A paused schedule starts nothing.
    let (status, v) = examiner
        .post(
            &format!("{base}/jobs/schedules"),
            json!({"id": ids[0], "job": "statistics",
            "schedule": {"kind": "daily", "time": "02:00:00"}, "params": {}, "active": false}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert!(v["next"].is_null());
    let runs = kikan_server::jobs::run_due(&state, at("2030-01-06 03:00")).await;
    assert!(runs.iter().all(|r| r.schedule != Some(ids[0])), "{runs:?}");

    // Refused with codes: a weekday out of range, parameters the job does not take, an
    // unknown job, an unknown schedule; 窓口 cannot run or schedule.
    for (body, code) in [
        (
            json!({"job": "statistics", "schedule": {"kind": "weekly", "weekday": 9, "time": "01:00:00"}}),
            "E-INPUT-003",
        ),
        (
            json!({"job": "statistics", "schedule": {"kind": "daily", "time": "01:00:00"}, "params": {"period": "毎週"}}),
            "E-INPUT-003",
        ),
        (
            json!({"job": "payroll", "schedule": {"kind": "daily", "time": "01:00:00"}}),
            "E-CODE-005",
        ),
    ] {
        let (status, v) = examiner
            .post(&format!("{base}/jobs/schedules"), body.clone())
            .await;
        assert_eq!(
            (status, v["code"].as_str()),
            (422, Some(code)),
            "{body}: {v}"
        );
    }
    let (status, _) = examiner
        .post(
            &format!("{base}/jobs/schedules"),
            json!({"id": 1, "job": "daily", "schedule": {"kind": "daily", "time": "01:00:00"}}),
        )
        .await;
    assert_eq!(status, 404);
    let reception = app.as_role(t, Role::Reception).await;
    let (status, _) = reception
        .post(
            &format!("{base}/jobs/statistics/run"),
            json!({"params": {}}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = reception.get(&format!("{base}/jobs/schedules")).await;
    assert_eq!(status, 403);
    let _ = std::fs::remove_dir_all(&dir);
}

kikan_testsuite::on_both!(batch_work);
