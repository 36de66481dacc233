//! 一括入力 (4.0.10): the 転入前の世帯主の氏名 of a 転入届 and the 転出先の世帯主の氏名 of a
//! 転出届 are kept (the one on the record, the other on the 転出予定 and its 除票), so the
//! names entered apply to each other; a name that is not one is refused.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::json;

async fn heads_of_the_households_before_and_after(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let move_in = |head: &str| {
        json!({"effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person_json(("青木", "太郎"), ("アオキ", "タロウ"), "2003-01-07", "男", "世帯主")],
                "address": {"place": "神奈川県横浜市中区松町", "banchi": "1番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"},
                "previous_head": head}})
    };
    // Refused, nothing recorded: a name too long, a control character.
    for bad in ["青".repeat(300), "青木\u{7}太郎".to_string()] {
        let (status, e) = examiner.post(&changes, move_in(&bad)).await;
        assert_eq!(
            (status, e["field"].as_str()),
            (422, Some("change.previous_head")),
            "{e}"
        );
    }
    let (status, found) = examiner.get(&format!("{base}/search?name=青木")).await;
    assert_eq!((status, found), (200, json!([])), "nothing recorded");

    let (status, v) = examiner.post(&changes, move_in(" 青木　一郎 ")).await;
    assert_eq!(status, 201, "{v}");
    let id = v["person_ids"][0].as_i64().unwrap_or_default();
    let person = format!("{base}/persons/{id}");
    let (_, p) = examiner.get(&person).await;
    assert_eq!(p["moved_in"]["previous_head"], "青木　一郎", "{p}");

    // 転出: the 転出先の世帯主 on the 転出予定, then on the 除票 the 転入通知 completes.
    let (status, v) = examiner
        .post(
            &changes,
            json!({"notified_on": "2026-09-01",
            "change": {"type": "move_out", "person_ids": [id], "planned_on": "2026-09-30",
                "destination": {"place": "大阪府大阪市北区梅田", "banchi": "3丁目1番"},
                "destination_head": "鈴木　花子"}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&person).await;
    assert_eq!(
        (
            p["status"]["state"].as_str(),
            p["status"]["destination_head"].as_str()
        ),
        (Some("転出予定"), Some("鈴木　花子")),
        "{p}"
    );
    let (status, v) = examiner
        .post(
            &changes,
            json!({"effective_on": "2026-09-30", "notified_on": "2026-10-02",
            "change": {"type": "move_out_confirmed", "person_ids": [id], "notice_from": "271004",
                "destination": {"place": "大阪府大阪市北区梅田", "banchi": "3丁目1番"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&person).await;
    assert_eq!(
        (
            p["status"]["state"].as_str(),
            p["status"]["destination_head"].as_str()
        ),
        (Some("消除"), Some("鈴木　花子")),
        "{p}"
    );
}

/// 転入者情報入力 (4.1.1.1): the 旧氏 the 転出証明書 gives is entered with the 転入, its
/// reading and フリガナ確認フラグ with it; refused for a foreign resident and at a 出生.
async fn former_surname_with_the_move_in(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let mut wife = person_json(
        ("青木", "花子"),
        ("アオキ", "ハナコ"),
        "1990-02-02",
        "女",
        "世帯主",
    );
    wife["former_surname"] =
        json!({"surname": "佐藤", "furigana": "さとう", "furigana_confirmed": true});
    let body = |p: serde_json::Value| {
        json!({"effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "persons": [p],
                "address": {"place": "神奈川県横浜市中区松町", "banchi": "2番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}})
    };
    // A foreign resident has no 旧氏: refused, nothing recorded.
    let mut foreigner = wife.clone();
    foreigner["honseki"] = serde_json::Value::Null;
    foreigner["foreign"] =
        json!({"nationality": "韓国", "category": "特別永住者", "card_number": "AB12345678CD"});
    let (status, e) = examiner.post(&changes, body(foreigner)).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-IDO-058")),
        "{e}"
    );
    let (status, found) = examiner.get(&format!("{base}/search?name=青木")).await;
    assert_eq!((status, found), (200, json!([])), "nothing recorded");

    let (status, v) = examiner.post(&changes, body(wife)).await;
    assert_eq!(status, 201, "{v}");
    let id = v["person_ids"][0].as_i64().unwrap_or_default();
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, p) = examiner.get(&format!("{base}/persons/{id}")).await;
    assert_eq!(
        (
            p["former_surname"]["surname"].as_str(),
            p["former_surname"]["furigana"].as_str(),
            p["former_surname"]["furigana_confirmed"].as_bool(),
            p["former_surname"]["recorded_on"]["iso"].as_str()
        ),
        (Some("佐藤"), Some("サトウ"), Some(true), Some("2026-04-01")),
        "{p}"
    );
    // A 出生 carries none.
    let mut baby = person_json(
        ("青木", "みらい"),
        ("アオキ", "ミライ"),
        "2026-05-05",
        "女",
        "子",
    );
    baby["former_surname"] = json!({"surname": "佐藤"});
    let (status, e) = examiner
        .post(
            &changes,
            json!({"effective_on": "2026-05-05", "notified_on": "2026-05-06",
            "change": {"type": "birth", "household_id": hid, "person": baby}}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{e}"
    );
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    assert_eq!(h["members"].as_array().map(Vec::len), Some(1), "{h}");
}

kikan_testsuite::on_both!(
    heads_of_the_households_before_and_after,
    former_surname_with_the_move_in
);
