//! 指定都市 (4.0.1, 4.5.6) over HTTP, on both engines: a 区役所 that limits its 異動 to its
//! ward — its terminal enters 異動 only for residents whose address lies in the ward
//! (by 住所コード, or by the ward's name in a free-text address), a 区間転入 into the ward
//! excepted, a newcomer always; its 入管通知 list holds its ward's residents only, and
//! applying another ward's notice is refused. Without the terminal, nothing is limited.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};

async fn a_ward_office_enters_changes_for_its_ward(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    for (code, name, ward, ward_code) in [
        ("NAKA", "中区役所", "中区", "141038"),
        ("NISHI", "西区役所", "西区", "141020"),
    ] {
        let (status, v) = admin
            .post(
                &format!("{base}/places"),
                json!({"code": code, "name": name, "kind": "区役所", "ward": ward,
                "ward_code": ward_code, "limit_changes": code == "NAKA"}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, v) = admin
        .post(
            &format!("{base}/terminals"),
            json!({"code": "T1", "name": "中区役所窓口1", "place": "NAKA"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let move_in = |family: &str, place: &str| {
        json!({"effective_on": "2026-09-01", "notified_on": "2026-09-01",
            "change": {"type": "move_in",
                "persons": [person_json((family, "太郎"), ("クカン", "タロウ"), "1980-01-01", "男", "世帯主")],
                "address": {"place": place, "banchi": "1番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}})
    };
    let ids = |v: &Value| v["person_ids"][0].as_i64().unwrap_or_default();
    let (_, naka) = examiner
        .post(&changes, move_in("中野", "神奈川県横浜市中区本町一丁目"))
        .await;
    let (_, nishi) = examiner
        .post(
            &changes,
            move_in("西野", "神奈川県横浜市西区みなとみらい二丁目"),
        )
        .await;
    let (naka, nishi) = (ids(&naka), ids(&nishi));
    let at_naka = app.as_role(t, Role::Examiner).await.at_terminal("T1");
    let relocation = |id: i64, place: &str| {
        json!({"effective_on": "2026-10-01", "notified_on": "2026-10-01",
            "change": {"type": "relocation", "person_ids": [id], "address": {"place": place, "banchi": "2番地"}}})
    };
    // Another ward's resident, staying there: refused at 中区役所.
    let (status, v) = at_naka
        .post(&changes, relocation(nishi, "神奈川県横浜市西区高島一丁目"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-WARD-001")),
        "{v}"
    );
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("中区")),
        "{v}"
    );
    // The same as a draft: refused too.
    let (status, v) = at_naka
        .post(
            &format!("{base}/drafts"),
            relocation(nishi, "神奈川県横浜市西区高島一丁目"),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-WARD-001")),
        "{v}"
    );
    // Its own resident: taken.
    let (status, v) = at_naka
        .post(&changes, relocation(naka, "神奈川県横浜市中区山下町"))
        .await;
    assert_eq!(status, 201, "{v}");
    // A 区間転入 into the ward: taken.
    let (status, v) = at_naka
        .post(
            &changes,
            relocation(nishi, "神奈川県横浜市中区海岸通一丁目"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // A newcomer: taken.
    let (status, v) = at_naka
        .post(&changes, move_in("新井", "神奈川県横浜市中区本町二丁目"))
        .await;
    assert_eq!(status, 201, "{v}");
    // Without the terminal (本庁), nothing is limited.
    let (_, other) = examiner
        .post(&changes, move_in("北野", "神奈川県横浜市西区高島二丁目"))
        .await;
    let (status, v) = examiner
        .post(
            &changes,
            relocation(ids(&other), "神奈川県横浜市西区高島一丁目"),
        )
        .await;
    assert_eq!(status, 201, "{v}");

    // 入管通知 (4.5.6): 中区役所 lists its ward's residents only.
    for (card, given, place) in [
        ("AB12345678CD", "AN", "神奈川県横浜市中区山下町"),
        ("EF12345678GH", "BINH", "神奈川県横浜市西区高島一丁目"),
    ] {
        let (status, v) = examiner
            .post(&changes, json!({"effective_on": "2026-09-01", "notified_on": "2026-09-01",
                "change": {"type": "move_in", "kind": "国外からの転入",
                    "persons": [{"name": {"family": "TRAN", "given": given}, "furigana": {"family": "チャン", "given": ""},
                        "birth_date": "1995-05-05", "sex": "男", "relationship": "世帯主",
                        "foreign": {"nationality": "ベトナム", "category": "中長期在留者", "status": "留学", "period": "2年",
                            "expires_on": "2027-03-31", "card_number": card}}],
                    "address": {"place": place, "banchi": "8番地"}}}))
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let notices = format!("{base}/immigration-notices");
    let file = "通知日,在留カード等番号,通知の種類,在留資格,在留期間,満了日,新しい在留カード等番号,消除事由\n\
        2026-10-01,AB12345678CD,変更,技術・人文知識・国際業務,5年,2031-03-31,,\n\
        2026-10-01,EF12345678GH,変更,技術・人文知識・国際業務,5年,2031-03-31,,\n";
    let (status, read) = examiner
        .post(&notices, json!({"name": "notice.csv", "csv": file}))
        .await;
    assert_eq!(status, 201, "{read}");
    let (_, all) = examiner.get(&notices).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");
    let (_, mine) = at_naka.get(&notices).await;
    let cards: Vec<&str> = mine
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["card_number"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(cards, ["AB12345678CD"], "{mine}");
    let other_id = all
        .as_array()
        .and_then(|a| a.iter().find(|n| n["card_number"] == "EF12345678GH"))
        .and_then(|n| n["id"].as_i64())
        .unwrap_or_default();
    let (status, v) = at_naka
        .post(&format!("{notices}/{other_id}/apply"), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-WARD-001")),
        "{v}"
    );
}

kikan_testsuite::on_both!(a_ward_office_enters_changes_for_its_ward);
