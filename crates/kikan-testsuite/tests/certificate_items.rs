//! What a 写し prints and leaves out (5.1, j1000), over HTTP on both engines: a foreign
//! resident's 国籍・地域 and 30条の45の区分 left out on request and named as 省略, the
//! 在留カード等番号 on request, the 通称の記載及び削除に関する事項 on a 別紙 with the
//! 認証文 on its last page; and a 転出届 left off the 異動履歴 before its planned date.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, mother_and_son};
use kikan_testsuite::pdf::{page_text, squeezed};
use serde_json::json;

async fn foreign_items_and_a_pending_move_out(s: TestStore) {
    // The counter's calendar, moved by the test.
    let (app, calendar) = App::spawn_on(s, "2026-06-10").await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");

    // A foreign resident whose 通称 came with the 転出証明書 and was replaced here.
    let (status, v) = examiner
        .post(&changes, json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-02",
            "change": {"type": "move_in",
                "persons": [{"name": {"family": "KIM", "given": "YOUNGSU"}, "furigana": {"family": "キム", "given": "ヨンス"},
                    "birth_date": "1960-02-29", "sex": "男", "relationship": "世帯主",
                    "foreign": {"nationality": "韓国", "category": "特別永住者", "card_number": "AB12345678CD",
                        "foreign_resident_since": "2012-07-09",
                        "alias": {"name": {"family": "金山", "given": "英夫"}, "recorded_on": "2000-04-01",
                            "municipality_code": "271004", "municipality_name": "大阪市"}}}],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                "previous_address": {"place": "大阪府大阪市生野区桃谷", "banchi": "1番地"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let kim = v["person_ids"][0].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(&changes, json!({
            "effective_on": "2026-05-01", "notified_on": "2026-05-01",
            "change": {"type": "alias_record", "person_id": kim, "alias": {"family": "金田", "given": "英夫"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let copy = |omit: serde_json::Value, items: serde_json::Value, person: i64| {
        json!({"kind": "resident_copy", "layout": "individual", "persons": [person],
            "items": items, "omit": omit, "requester": {"kind": "self", "person_id": person},
            "purpose": "勤務先へ提出", "identity_check": "在留カード"})
    };
    let certificates = format!("{base}/certificates");
    let pdf = examiner
        .post_pdf(
            &certificates,
            copy(
                json!(["nationality", "category"]),
                json!(["card_number", "alias_history"]),
                kim,
            ),
        )
        .await;
    let first = squeezed(&page_text(&pdf, 1, "kim-1"));
    let annex = squeezed(&page_text(&pdf, 2, "kim-2"));
    let certification = squeezed("この写しは、住民票の原本と相違ないことを証明する。");
    for want in [
        "KIMYOUNGSU",
        "通称金田英夫",
        "在留カード等番号AB12345678CD",
        "次頁に続く",
    ] {
        assert!(first.contains(want), "{want:?} not on page 1: {first}");
    }
    for absent in ["韓国", "特別永住者", "金山", &certification] {
        assert!(!first.contains(absent), "{absent:?} on page 1: {first}");
    }
    for want in [
        "別紙",
        "通称の記載及び削除に関する事項",
        "金田英夫令和8年5月1日記載横浜市(141003)",
        "金山英夫平成12年4月1日記載大阪市(271004)令和8年5月1日削除横浜市(141003)",
        "個人番号、国籍・地域、法第30条の45に規定する区分、在留資格等）",
        &certification,
        "2／2頁",
    ] {
        assert!(annex.contains(want), "{want:?} not on the 別紙: {annex}");
    }
    // An item a 写し must print cannot be left out; an unknown one is named at its place.
    let (status, v) = examiner
        .post(&certificates, copy(json!(["address"]), json!([]), kim))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CERT-001")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&certificates, copy(json!(["nope"]), json!([]), kim))
        .await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["field"], "omit[0]", "{v}");

    // A 転出届 (5.1): until its planned date the 写し leaves off what it recorded.
    let (hid, _mother, son) = mother_and_son(&examiner, &base).await;
    let (status, v) = examiner
        .post(&changes, json!({
            "effective_on": "2026-06-10", "notified_on": "2026-06-10",
            "change": {"type": "move_out", "household_id": hid, "person_ids": [son], "planned_on": "2026-07-01",
                "destination": {"place": "東京都港区芝公園", "banchi": "4番地"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let history = |pdf: &[u8]| squeezed(&kikan_testsuite::pdf::text(pdf, "son"));
    let before = history(
        &examiner
            .post_pdf(&certificates, copy(json!([]), json!(["history"]), son))
            .await,
    );
    assert!(before.contains("令和8年4月1日転入"), "{before}");
    assert!(
        !before.contains("転出"),
        "the 転出届 printed before its day: {before}"
    );
    // On the planned date (before the day's removal has run) it is printed.
    calendar.set("2026-07-01");
    let on_the_day = history(
        &examiner
            .post_pdf(&certificates, copy(json!([]), json!(["history"]), son))
            .await,
    );
    assert!(on_the_day.contains("転出"), "{on_the_day}");
}

kikan_testsuite::on_both!(foreign_items_and_a_pending_move_out);
