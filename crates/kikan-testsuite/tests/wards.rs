//! 指定都市 (4.0.1, 4.5.6) over HTTP, on both engines: a 区役所 that limits its 異動 to its
//! ward — its terminal enters 異動 only for residents whose address lies in the ward
//! (by 住所コード, or by the ward's name in a free-text address), a 区間転入 into the ward
//! excepted, a newcomer always; its 入管通知 list holds its ward's residents only, and
//! applying another ward's notice is refused. Without the terminal, nothing is limited.
//!
//! 区間異動 (1.1.13, 4.0.2, 4.1.0.1): a 転居 from one ward to another is a 区間転入 into a
//! household with a new 世帯番号 (the same 宛名番号); the old ward keeps a 除票 (区間転出)
//! that prints as a 除票の写し. A 転居 within a ward stays a 転居.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, members_by_given, mother_and_son, person_json, yokohama_wards};
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

async fn a_move_between_wards_is_a_ward_move(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    yokohama_wards(&app.as_role(t, Role::Admin).await, &base).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    // 山本 花子 and 健太, in 中区山下町 since 2026-04-01.
    let (old_household, mother, son) = mother_and_son(&examiner, &base).await;
    let relocation = |place: &str, on: &str| {
        json!({"effective_on": on, "notified_on": on,
            "change": {"type": "relocation", "person_ids": [mother, son],
                "address": {"place": place, "banchi": "3番地"}}})
    };
    // Within 中区: a 転居, the household kept.
    let (status, v) = examiner
        .post(
            &changes,
            relocation("神奈川県横浜市中区本町一丁目", "2026-06-01"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "転居", "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(p["household_id"], old_household, "{p}");
    // To 西区: a 区間転入, in a household with a new 世帯番号; the 宛名番号 kept.
    let (status, v) = examiner
        .post(
            &changes,
            relocation("神奈川県横浜市西区みなとみらい二丁目", "2026-10-01"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "区間転入", "{v}");
    let seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    assert!(
        v["warnings"].as_array().is_some_and(|w| w.iter().any(|m| m
            .as_str()
            .is_some_and(|m| m.contains("中区から西区への区間異動")))),
        "{v}"
    );
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    let new_household = p["household_id"].as_i64().unwrap_or_default();
    assert_ne!(new_household, old_household, "{p}");
    assert!(
        kikan_domain::codes::is_serial_number(new_household),
        "{new_household}"
    );
    assert_eq!(p["id"], son, "{p}");
    assert_eq!(p["relationship"], "子", "{p}");
    assert_eq!(p["head_name"], "山本　花子", "{p}");
    assert!(
        p["previous_address_in_city"]["line"]
            .as_str()
            .is_some_and(|l| l.contains("中区本町一丁目")),
        "{p}"
    );
    let (_, h) = examiner
        .get(&format!("{base}/households/{new_household}"))
        .await;
    assert_eq!(
        members_by_given(&h, &["花子", "健太"]),
        [mother, son],
        "{h}"
    );
    assert_eq!(h["head_id"], mother, "{h}");
    let (_, old) = examiner
        .get(&format!("{base}/households/{old_household}"))
        .await;
    assert!(old["dissolved_on"].is_object(), "{old}");
    // The 異動元区's 除票: the record before the move, closed by it.
    let (status, removals) = examiner
        .get(&format!("{base}/persons/{son}/ward-removals"))
        .await;
    assert_eq!(status, 200, "{removals}");
    let [r] = removals.as_array().map(Vec::as_slice).unwrap_or_default() else {
        panic!("{removals}")
    };
    assert_eq!(
        (r["ward"].as_str(), r["to"].as_str()),
        (Some("中区"), Some("西区")),
        "{r}"
    );
    assert_eq!(r["seq"], seq, "{r}");
    assert_eq!(r["record"]["register"], "B", "{r}");
    assert_eq!(r["record"]["status"]["reason"], "区間転出", "{r}");
    assert_eq!(r["record"]["household_id"], old_household, "{r}");
    assert!(
        r["record"]["address"]["line"]
            .as_str()
            .is_some_and(|l| l.contains("中区本町一丁目")),
        "{r}"
    );
    // Its 除票の写し: the old ward's address, the 消除 by 区間転出 with the new address.
    let certs = format!("{base}/certificates");
    let request = |ward_removal: i64| {
        json!({"kind": "removed_copy", "layout": "individual", "persons": [son],
            "ward_removal": ward_removal, "items": ["history"],
            "requester": {"kind": "self", "person_id": son},
            "purpose": "学校への提出", "identity_check": "運転免許証"})
    };
    let text = examiner
        .post_pdf_text(&certs, request(seq), "ward-removal")
        .await;
    for want in [
        "除票の写し",
        "山本健太",
        "中区の除票",
        "神奈川県横浜市中区本町一丁目3番地",
        "区間転出",
        "神奈川県横浜市西区みなとみらい二丁目3番地",
        "山本花子",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // A 住民票の写し of today is of 西区.
    let text = examiner
        .post_pdf_text(
            &certs,
            json!({"kind": "resident_copy", "layout": "individual", "persons": [son],
                "requester": {"kind": "same_household", "person_id": mother},
                "purpose": "学校への提出", "identity_check": "運転免許証"}),
            "ward-resident",
        )
        .await;
    assert!(text.contains("西区みなとみらい二丁目"), "{text}");
    assert!(!text.contains("区間転出"), "{text}");
    // No such 区間異動: refused with its code.
    let (status, v) = examiner.post(&certs, request(seq + 1000)).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-WARD-004")),
        "{v}"
    );
    // Back to 中区, the son alone into his own household: another 区間異動.
    let (status, v) = examiner
        .post(
            &changes,
            json!({"effective_on": "2026-11-01", "notified_on": "2026-11-01",
            "change": {"type": "relocation", "person_ids": [son],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"},
                "relationships": [{"person_id": son, "relationship": "世帯主"}]}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "区間転入", "{v}");
    let back = v["entry"]["seq"].as_i64().unwrap_or_default();
    let (_, removals) = examiner
        .get(&format!("{base}/persons/{son}/ward-removals"))
        .await;
    let wards: Vec<(&str, &str)> = removals
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| Some((r["ward"].as_str()?, r["record"]["head_name"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        wards,
        [("中区", "山本　花子"), ("西区", "山本　花子")],
        "{removals}"
    );
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(p["head_name"], "山本　健太", "{p}");
    // The mother stays in 西区, head of the household he left.
    let (_, m) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(m["household_id"], new_household, "{m}");
    // That 区間異動 cancelled (4.6): its 除票 goes with it.
    let (status, v) = examiner
        .post(&format!("{base}/changes/{back}/cancel"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, removals) = examiner
        .get(&format!("{base}/persons/{son}/ward-removals"))
        .await;
    assert_eq!(removals.as_array().map(Vec::len), Some(1), "{removals}");
}

kikan_testsuite::on_both!(
    a_ward_office_enters_changes_for_its_ward,
    a_move_between_wards_is_a_ward_move
);
