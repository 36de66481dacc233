//! The letters the registry sends, over HTTP on both engines: 世帯主変更依頼通知書 and its
//! 対象者リスト for a household left without a head, 世帯主変更通知書 once a head is named
//! (4.0.4, 4.0.5), and the 転入通知未着照会書 for a 転出 removed on its planned date
//! (4.1.3.1.4); each drawn as a PDF whose text says what it should, each read audited,
//! each refusal with its code.

use kikan_security::Role;
use kikan_testsuite::http::{App, Caller, members_by_given, person_json};
use kikan_testsuite::pdf::squeezed;
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::json;

async fn pdf(caller: &Caller, path: &str, name: &str) -> String {
    caller.pdf_text(path, name).await
}

fn has_all(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(&squeezed(p)), "「{p}」 not in:\n{text}");
    }
}

async fn letters(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    // A household of three; its head dies and two stay: no head (4.0.4).
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person_json(("髙橋", "太郎"), ("タカハシ", "タロウ"), "1950-01-01", "男", "世帯主"),
                            person_json(("髙橋", "花子"), ("タカハシ", "ハナコ"), "1952-02-02", "女", "妻"),
                            person_json(("髙橋", "一郎"), ("タカハシ", "イチロウ"), "1980-03-03", "男", "子")],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [taro, hanako, ichiro] = members_by_given(&h, &["太郎", "花子", "一郎"])[..] else {
        panic!("{h}")
    };
    // While it has a head, it is on no list and gets no 依頼通知書.
    let (_, list) = examiner.get(&format!("{base}/households/headless")).await;
    assert_eq!(list, json!([]));
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-06-01", "notified_on": "2026-06-03",
                "change": {"type": "death", "person_id": taro}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // 対象者リスト: the household, since the death, to the member listed first.
    let (status, list) = examiner.get(&format!("{base}/households/headless")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["household_id"], hid);
    assert_eq!(list[0]["since"]["iso"], "2026-06-01");
    assert_eq!(list[0]["addressee"], "髙橋　花子");
    assert_eq!(list[0]["members"], 2);
    let request = pdf(
        &examiner,
        &format!("{base}/households/{hid}/head-letter"),
        "head-change-request",
    )
    .await;
    has_all(
        &request,
        &[
            "世帯主変更依頼通知書",
            "髙橋　花子　様",
            "令和8年6月1日から世帯主がいない状態",
            "世帯主変更届",
            "神奈川県横浜市中区本町一丁目1番地",
            "髙橋　一郎",
            "横浜市長",
        ],
    );
    assert!(
        !request.contains(&squeezed("髙橋　太郎")),
        "the dead head is not a member"
    );
    // 世帯主変更: 花子 is named; the list empties and the letter becomes the 通知書.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-06-10", "notified_on": "2026-06-10",
                "change": {"type": "head_change", "household_id": hid, "relationships": [
                    {"person_id": hanako, "relationship": "世帯主"},
                    {"person_id": ichiro, "relationship": "子"}]}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, list) = examiner.get(&format!("{base}/households/headless")).await;
    assert_eq!(list, json!([]));
    let notice = pdf(
        &examiner,
        &format!("{base}/households/{hid}/head-letter"),
        "head-change-notice",
    )
    .await;
    has_all(
        &notice,
        &[
            "世帯主変更通知書",
            "髙橋　花子　様",
            "変更年月日令和8年6月10日",
        ],
    );
    // 転出 of 一郎 planned for 2026-07-01; the daily work removes him on that date, and
    // with no 転入通知 he is on the 未着者一覧 and gets a 照会書.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "notified_on": "2026-06-20",
                "change": {"type": "household_split", "person_ids": [ichiro], "relationships": [
                    {"person_id": ichiro, "relationship": "世帯主"}]},
                "effective_on": "2026-06-20"
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "notified_on": "2026-06-25",
                "change": {"type": "move_out", "person_ids": [ichiro], "planned_on": "2026-07-01",
                    "destination": {"place": "大阪府大阪市北区梅田一丁目", "banchi": "2番3号"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // Before the removal, no 照会書: he is still 転出予定.
    let (status, v) = examiner
        .get(&format!("{base}/persons/{ichiro}/move-in-inquiry"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-IDO-059")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&format!("{base}/jobs/daily"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, awaiting) = examiner
        .get(&format!("{base}/move-outs/awaiting-notice"))
        .await;
    assert_eq!(awaiting[0]["id"], ichiro, "{awaiting}");
    let inquiry = pdf(
        &examiner,
        &format!("{base}/persons/{ichiro}/move-in-inquiry"),
        "move-in-inquiry",
    )
    .await;
    has_all(
        &inquiry,
        &[
            "転入通知未着照会書",
            "大阪府大阪市北区梅田一丁目2番3号",
            "転出予定年月日令和8年7月1日",
            "髙橋　一郎",
            "タカハシ　イチロウ",
            "昭和55年3月3日",
            "神奈川県横浜市中区本町一丁目1番地",
            "回答欄",
            "転入届を受理しています",
            "横浜市長",
        ],
    );
    // A resident gets no 照会書; an unknown person or household is not found; a read
    // without a purpose is refused.
    let (status, v) = examiner
        .get(&format!("{base}/persons/{hanako}/move-in-inquiry"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-IDO-059")),
        "{v}"
    );
    let (status, _) = examiner
        .get(&format!("{base}/households/999999/head-letter"))
        .await;
    assert_eq!(status, 404);
    let (status, v) = examiner
        .clone()
        .without_purpose()
        .get(&format!("{base}/households/{hid}/head-letter"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("E-AUTH-004")),
        "{v}"
    );
    // 監査 finds each letter in the log, with the persons it concerned.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (status, log) = auditor.get(&format!("{base}/audit/persons/{ichiro}")).await;
    assert_eq!(status, 200, "{log}");
    let actions: Vec<&str> = log
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"letter.move_in_inquiry"), "{log}");
    assert!(actions.contains(&"letter.head_change"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letters_sqlite() {
    letters(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letters_postgres() {
    let Some(s) = fresh_postgres().await else {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL test skipped");
        return;
    };
    letters(s).await;
}

/// 画面のハードコピー (10.7): recorded in the access log with the residents shown before
/// it is printed; an oversize request refused and nothing recorded.
async fn hard_copies_are_in_the_access_log(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let (_, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let (status, v) = reception
        .post(
            &format!("{base}/hardcopies"),
            json!({"screen": format!("#/person/{mother}"),
            "title": "山本　花子 さんの住民票", "person_ids": [mother, son, mother]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["at"].is_string() && v["by"].is_string(), "{v}");
    let (status, e) = reception
        .post(
            &format!("{base}/hardcopies"),
            json!({"screen": "x".repeat(201), "title": "t"}),
        )
        .await;
    assert_eq!((status, e["field"].as_str()), (422, Some("screen")), "{e}");
    let (_, log) = app
        .as_role(t, Role::Auditor)
        .await
        .get(&format!("{base}/audit/persons/{son}"))
        .await;
    let copies: Vec<&serde_json::Value> = log
        .as_array()
        .map(|a| a.iter().filter(|e| e["action"] == "ui.hardcopy").collect())
        .unwrap_or_default();
    assert_eq!(copies.len(), 1, "{log}");
    assert!(
        copies[0].to_string().contains("山本　花子 さんの住民票"),
        "{log}"
    );
}

kikan_testsuite::on_both!(hard_copies_are_in_the_access_log);
