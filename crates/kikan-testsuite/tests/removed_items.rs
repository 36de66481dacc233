//! 除票固有の記載事項 (1.1.5) in the 統合記載欄 (1.1.14) over HTTP, on both engines: a
//! 転出's A line carries its 転出予定年月日 and 転出先住所（予定）, on the screen and on a
//! 除票の写し with its 異動履歴; the 消除 has its own A line. A reader a 支援措置 keeps from
//! the person's whereabouts does not get the 転出先.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Calendar, Caller, mother_and_son};
use serde_json::{Value, json};

async fn a_lines(c: &Caller, base: &str, id: i64) -> Vec<String> {
    let (status, v) = c.get(&format!("{base}/persons/{id}/integrated")).await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .map(|a| {
            a.iter()
                .filter(|l| l["class"] == "A")
                .filter_map(|l| l["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn the_move_out_is_written_in_the_integrated_column(s: TestStore) {
    let (app, calendar): (App, Calendar) = App::spawn_on(s, "2026-10-01").await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (_, mother, son) = mother_and_son(&examiner, &base).await;
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-10-01", "notified_on": "2026-10-01",
            "change": {"type": "move_out", "person_ids": [son], "planned_on": "2026-10-10",
                "destination": {"place": "大阪府大阪市北区梅田一丁目", "banchi": "2番3号"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let lines = a_lines(&examiner, &base, son).await;
    let move_out = lines
        .iter()
        .find(|l| l.contains("転出　"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(
        move_out.contains("転出予定年月日 令和8年10月10日"),
        "{move_out}"
    );
    assert!(
        move_out.contains("転出先住所（予定） 大阪府大阪市北区梅田一丁目2番3号"),
        "{move_out}"
    );
    // The planned day comes: the 除票, its 消除 an A line of its own.
    calendar.set("2026-10-11");
    let (status, v) = examiner
        .post(&format!("{base}/jobs/daily"), json!({}))
        .await;
    assert!(status == 200 || status == 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(p["register"], "B", "{p}");
    let lines = a_lines(&examiner, &base, son).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("令和8年10月10日") && !l.contains("転出先")),
        "{lines:?}"
    );
    // Its 除票の写し with the 異動履歴 prints them.
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            json!({"kind": "removed_copy", "layout": "individual", "persons": [son], "items": ["history"],
                "requester": {"kind": "same_household", "person_id": mother},
                "purpose": "相続", "identity_check": "運転免許証"}),
            "removed-items",
        )
        .await;
    assert!(text.contains("転出予定年月日令和8年10月10日"), "{text}");
    assert!(
        text.contains("転出先住所（予定）大阪府大阪市北区梅田一丁目2番3号"),
        "{text}"
    );
    // Under a 支援措置, 窓口 reads the lines without the 転出先.
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": son, "kind": "DV",
            "offenders": [{"name": "山本　剛", "birth_date": "昭和55年1月1日", "relation": "父", "address": "東京都千代田区千代田1番1号"}]}))
        .await;
    assert_eq!(status, 201, "{m}");
    let lines: Value = json!(a_lines(&reception, &base, son).await);
    assert!(!lines.to_string().contains("梅田"), "{lines}");
    assert!(lines.to_string().contains("転出予定年月日"), "{lines}");
}

kikan_testsuite::on_both!(the_move_out_is_written_in_the_integrated_column);
