//! 支援措置 over HTTP: markers, withheld addresses, refused and approved requests,
//! the one-year period with extension, end and reminders (SQLite, and PostgreSQL
//! when KIKAN_TEST_DATABASE_URL is set).

use kikan_security::Role;
use kikan_testsuite::http::{App, audit_pairs, members_by_given, person_json};
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::{Value, json};

const WITHHELD: &str = "(支援措置のため表示しません)";

fn member(
    family: &str,
    given: &str,
    kana: (&str, &str),
    birth: &str,
    sex: &str,
    rel: &str,
    number: &str,
) -> Value {
    let mut p = person_json((family, given), kana, birth, sex, rel);
    p["individual_number"] = json!(number);
    p
}

async fn protected_family(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let base = format!("/api/v1/tenants/{t}");

    // A mother and her son move in; a neighbour household lives in the same town.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [member("山本", "花子", ("ヤマモト", "ハナコ"), "1985-02-02", "女", "世帯主", "123456789018"),
                            member("山本", "健太", ("ヤマモト", "ケンタ"), "2015-03-03", "男", "子", "876543210989")],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "7番地", "katagaki": "山下荘201"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [mother, son] = members_by_given(&h, &["花子", "健太"])[..] else {
        panic!("{h}")
    };

    // 審査 registers the measure: the mother applies, with her son; the former husband is shielded from.
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": mother, "together": [son], "kind": "DV",
            "offenders": [{"name": "山本　剛", "birth_date": "昭和55年1月1日", "relation": "元配偶者", "address": "東京都千代田区千代田1番1号"}]
        }))
        .await;
    assert_eq!(status, 201, "{m}");
    let measure = m["id"].as_i64().unwrap_or_default();
    assert_eq!(m["in_force"], true);
    // 窓口 cannot register or list measures.
    let (status, _) = reception.get(&format!("{base}/support-measures")).await;
    assert_eq!(status, 403);

    // 窓口 sees the marker and no address — in the person, the household, the history, search.
    let (_, p) = reception.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(
        (
            p["support_measure"].as_bool(),
            p["address_withheld"].as_bool()
        ),
        (Some(true), Some(true)),
        "{p}"
    );
    assert_eq!(p["address"]["line"], WITHHELD);
    assert!(p["moved_in"].is_null());
    let (_, hh) = reception.get(&format!("{base}/households/{hid}")).await;
    assert_eq!(hh["address"]["line"], WITHHELD, "{hh}");
    let (_, hist) = reception
        .get(&format!("{base}/persons/{son}/history"))
        .await;
    let (_, hhist) = reception
        .get(&format!("{base}/households/{hid}/history"))
        .await;
    let (_, hits) = reception
        .get(&format!(
            "{base}/search?kana=%E3%83%A4%E3%83%9E%E3%83%A2%E3%83%88"
        ))
        .await;
    assert_eq!(hits.as_array().map(Vec::len), Some(2), "{hits}");
    for doc in [&p, &hh, &hist, &hhist, &hits] {
        let text = doc.to_string();
        assert!(!text.contains("山下"), "the address leaked: {text}");
        assert!(
            !text.contains("123456789018") && !text.contains("876543210989"),
            "a 個人番号 leaked: {text}"
        );
    }
    // A search by address does not confirm where they live.
    let (_, by_address) = reception
        .get(&format!("{base}/search?address=%E5%B1%B1%E4%B8%8B"))
        .await;
    assert_eq!(by_address.as_array().map(Vec::len), Some(0), "{by_address}");
    // 審査 sees the address, with the marker.
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(
        (
            p["support_measure"].as_bool(),
            p["address_withheld"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert!(
        p["address"]["line"]
            .as_str()
            .unwrap_or_default()
            .contains("山下町")
    );

    // Requests: the former husband (his name written with a space, as people write it) is refused.
    let decide = format!("{base}/requests/decide");
    let (status, v) = reception
        .post(&decide, json!({"persons": [son], "kind": "certificate", "requester": {"name": "山本 剛", "birth_date": "1980-01-01"}}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-SUPPORT-001")),
        "{v}"
    );
    assert!(!v.to_string().contains("山下"));
    // A third party needs 審査's approval; 窓口 cannot give it.
    let third = json!({"persons": [mother], "kind": "inspection", "requester": {"name": "佐藤 次郎", "birth_date": "1970-07-07"}, "approval_reason": "債権回収"});
    let (_, v) = reception.post(&decide, third.clone()).await;
    assert_eq!(v["decision"], "needs_approval", "{v}");
    let (_, v) = examiner.post(&decide, third).await;
    assert_eq!(v["decision"], "approved", "{v}");
    // The mother herself may ask.
    let (_, v) = reception.post(&decide, json!({"persons": [mother, son], "kind": "certificate", "requester": {"person_id": mother}})).await;
    assert_eq!(v["decision"], "allowed", "{v}");

    // The audit log has the refusal and the approval.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{son}")).await;
    let actions = audit_pairs(&log, "action", "outcome");
    assert!(
        actions.contains(&("request.refused".to_string(), "denied".to_string())),
        "{log}"
    );
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{mother}")).await;
    assert!(log.to_string().contains("support.approve"), "{log}");

    // An extraction leaves the registry: the protected are in it, without their address.
    let mut out = Vec::new();
    let today = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let done = kikan_testsuite::ok(
        kikan_app::extract::residents_as_of(
            &*app.store,
            t,
            today,
            kikan_app::japan_today(),
            &mut out,
        )
        .await,
    );
    let text = String::from_utf8_lossy(&out);
    assert_eq!((done.residents, done.withheld), (2, 2), "{text}");
    assert!(!text.contains("山下"), "{text}");
    assert_eq!(
        text.matches("\"support_measure\":true").count(),
        2,
        "{text}"
    );

    // Reminders, extension, end.
    let (_, soon) = examiner
        .get(&format!("{base}/support-measures?expiring_within=30"))
        .await;
    assert_eq!(soon.as_array().map(Vec::len), Some(0), "{soon}");
    let (_, within_year) = examiner
        .get(&format!("{base}/support-measures?expiring_within=400"))
        .await;
    assert_eq!(within_year.as_array().map(Vec::len), Some(1));
    assert_eq!(within_year[0]["status"], "措置中", "{within_year}");
    // Too early to extend: from a month before the period's end.
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures/{measure}/extend"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1か月前"),
        "{v}"
    );
    // The end corrected to ten days from now: an alert on the list and on the record.
    let today = kikan_app::japan_today();
    let in_ten = today + chrono::Duration::days(10);
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures/{measure}/period"),
            json!({"ends_on": in_ten.to_string(), "note": "申出書の期間に合わせて修正"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["alert"].as_str().unwrap_or_default().contains("10日後"),
        "{v}"
    );
    let (_, soon) = examiner
        .get(&format!("{base}/support-measures?expiring_within=30"))
        .await;
    assert_eq!(soon.as_array().map(Vec::len), Some(1), "{soon}");
    let (_, p) = reception.get(&format!("{base}/persons/{son}")).await;
    let notes = &p["support_measures"];
    assert_eq!(notes[0]["id"], measure, "{p}");
    assert!(
        notes[0]["alert"]
            .as_str()
            .unwrap_or_default()
            .contains("終了します"),
        "{p}"
    );
    let (status, ext) = examiner
        .post(
            &format!("{base}/support-measures/{measure}/extend"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{ext}");
    let next_end = kikan_domain::support::one_year_from(in_ten + chrono::Duration::days(1));
    assert_eq!(ext["ends_on"]["iso"], next_end.to_string(), "{ext}");
    assert!(ext["alert"].is_null(), "{ext}");
    let (status, ended) = examiner
        .post(
            &format!("{base}/support-measures/{measure}/end"),
            json!({"note": "申出者の求めにより終了"}),
        )
        .await;
    assert_eq!(
        (status, ended["in_force"].as_bool()),
        (200, Some(false)),
        "{ended}"
    );
    let (status, v) = examiner
        .post(&format!("{base}/support-measures/{measure}/end"), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    // Once ended, nothing is withheld.
    let (_, p) = reception.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["support_measure"], false);
    assert!(
        p["address"]["line"]
            .as_str()
            .unwrap_or_default()
            .contains("山下町")
    );
}

/// 3.4 (j440), 1.1.16 (j160): a measure whose period has run out stays in force (and
/// says so) until someone ends or extends it; a 仮支援措置 protects from the
/// application until the need is confirmed.
async fn no_lapse_and_provisional(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let base = format!("/api/v1/tenants/{t}");
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2024-04-01", "notified_on": "2024-04-01",
            "change": {"type": "move_in",
                "persons": [member("川村", "直美", ("カワムラ", "ナオミ"), "1980-02-02", "女", "世帯主", "123456789018"),
                            member("川村", "翼", ("カワムラ", "ツバサ"), "2012-03-03", "男", "子", "876543210989")],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "2番1号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [mother, son] = members_by_given(&h, &["直美", "翼"])[..] else {
        panic!("{h}")
    };
    // A measure from two years ago, never extended: its period is over, it is not.
    let (status, m) = examiner
        .post(
            &format!("{base}/support-measures"),
            json!({
                "applicant": mother, "together": [son], "kind": "DV", "starts_on": "2024-04-01",
                "contact": "090-0000-0000", "relations": {son.to_string(): "子"},
                "offenders": [{"name": "川村　剛", "sex": "男", "note": "車で来庁したことがある"}]
            }),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        (&m["in_force"], &m["status"], &m["ends_on"]["iso"]),
        (
            &json!(true),
            &json!("期間経過(措置継続)"),
            &json!("2025-03-31")
        ),
        "{m}"
    );
    assert!(
        m["alert"]
            .as_str()
            .unwrap_or_default()
            .contains("延長も終了もされていません"),
        "{m}"
    );
    assert_eq!(
        (&m["contact"], &m["relations"][son.to_string()]),
        (&json!("090-0000-0000"), &json!("子")),
        "{m}"
    );
    assert_eq!(
        (&m["offenders"][0]["sex"], &m["offenders"][0]["note"]),
        (&json!("男"), &json!("車で来庁したことがある"))
    );
    // Still withheld from 窓口, with the alert on the record.
    let (_, p) = reception.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(
        (&p["support_measure"], &p["address_withheld"]),
        (&json!(true), &json!(true)),
        "{p}"
    );
    assert!(
        p["support_measures"][0]["alert"]
            .as_str()
            .unwrap_or_default()
            .contains("延長も終了もされていません"),
        "{p}"
    );
    // Overdue measures are on the reminder list.
    let (_, soon) = examiner
        .get(&format!("{base}/support-measures?expiring_within=0"))
        .await;
    assert_eq!(soon.as_array().map(Vec::len), Some(1), "{soon}");
    // A late extension runs from the day after the old end.
    let (status, ext) = examiner
        .post(
            &format!("{base}/support-measures/{}/extend", m["id"]),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, &ext["ends_on"]["iso"]),
        (200, &json!("2026-03-31")),
        "{ext}"
    );
    let (_, ended) = examiner
        .post(
            &format!("{base}/support-measures/{}/end", m["id"]),
            json!({"note": "終了"}),
        )
        .await;
    assert_eq!(ended["status"], "終了");
    let (_, p) = reception.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["support_measure"], false, "{p}");

    // A 仮支援措置: protects at once; confirmed, its year starts that day.
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": son, "kind": "児童虐待", "provisional": true, "first_municipality": "東京都千代田区",
            "offenders": [{"name": "川村　剛"}]
        }))
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        (&m["status"], &m["first_municipality"]),
        (&json!("仮支援措置"), &json!("東京都千代田区")),
        "{m}"
    );
    let (_, p) = reception.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(
        (
            &p["address_withheld"],
            &p["support_measures"][0]["provisional"]
        ),
        (&json!(true), &json!(true)),
        "{p}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures/{}/extend", m["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, c) = examiner
        .post(
            &format!("{base}/support-measures/{}/confirm", m["id"]),
            json!({}),
        )
        .await;
    assert_eq!((status, &c["status"]), (200, &json!("措置中")), "{c}");
    let today = kikan_app::japan_today();
    assert_eq!(c["starts_on"]["iso"], today.to_string());
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures/{}/confirm", m["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    // A measure restricting 閲覧 only: a copy asked by the offender goes through, 閲覧 not.
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": mother, "kind": "ストーカー", "services": {"inspection": true, "copies": false, "fuhyo": false},
            "offenders": [{"name": "川村　剛"}]
        }))
        .await;
    assert_eq!(
        (status, &m["services"]["copies"]),
        (201, &json!(false)),
        "{m}"
    );
    let ask =
        |kind: &str| json!({"persons": [mother], "kind": kind, "requester": {"name": "川村　剛"}});
    let (status, v) = examiner
        .post(&format!("{base}/requests/decide"), ask("certificate"))
        .await;
    assert_eq!((status, &v["decision"]), (200, &json!("allowed")), "{v}");
    let (status, v) = examiner
        .post(&format!("{base}/requests/decide"), ask("inspection"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-SUPPORT-001")),
        "{v}"
    );
    let (status, v) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": mother, "kind": "DV", "services": {"inspection": false, "copies": false, "fuhyo": false},
            "offenders": [{"name": "川村　剛"}]
        }))
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (422, Some("services")),
        "{v}"
    );
    // 転送情報.
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures/{}/transfer", m["id"]),
            json!({"forwarded_to": "東京都千代田区", "forwarded_on": "2026-06-01"}),
        )
        .await;
    assert_eq!(
        (
            status,
            &v["transfer"]["forwarded_to"],
            &v["transfer"]["forwarded_on"]
        ),
        (200, &json!("東京都千代田区"), &json!("2026-06-01")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures/{}/transfer", m["id"]),
            json!({"forwarded_to": "東京都千代田区"}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    // The family moves away (転出): the measures go on, as the former municipality's
    // 仮支援措置, and say so.
    for body in [
        json!({"notified_on": "2026-11-20", "change": {"type": "move_out", "person_ids": [mother, son],
            "planned_on": "2026-11-25", "destination": {"place": "大阪府大阪市北区梅田", "banchi": "3丁目1番"}}}),
        json!({"effective_on": "2026-11-25", "notified_on": "2026-11-26", "change": {"type": "move_out_confirmed",
            "person_ids": [mother, son], "notice_from": "271004",
            "destination": {"place": "大阪府大阪市北区梅田", "banchi": "3丁目1番"}}}),
    ] {
        let (status, v) = examiner.post(&format!("{base}/changes"), body).await;
        assert_eq!(status, 201, "{v}");
    }
    let (_, list) = examiner.get(&format!("{base}/support-measures")).await;
    let of = |id: &Value| {
        list.as_array()
            .and_then(|l| l.iter().find(|x| &x["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    let moved = of(&c["id"]);
    assert_eq!(moved["status"], "前住所地として継続(仮支援措置)", "{moved}");
    assert!(
        moved["alert"]
            .as_str()
            .unwrap_or_default()
            .contains("転出しました"),
        "{moved}"
    );
    assert_eq!(
        (&moved["in_force"], &of(&m["id"])["status"]),
        (&json!(true), &json!("前住所地として継続(仮支援措置)"))
    );
    // A relation for someone not protected with the applicant is refused.
    let (status, v) = examiner
        .post(
            &format!("{base}/support-measures"),
            json!({
                "applicant": mother, "kind": "DV", "relations": {"12345": "子"},
                "offenders": [{"name": "川村　剛"}]
            }),
        )
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (422, Some("relations")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lapse_sqlite() {
    no_lapse_and_provisional(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lapse_postgres() {
    match fresh_postgres().await {
        Some(s) => no_lapse_and_provisional(s).await,
        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: skipped"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_measures_sqlite() {
    protected_family(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_measures_postgres() {
    match fresh_postgres().await {
        Some(s) => protected_family(s).await,
        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL run skipped"),
    }
}

/// 1.1.16 (j160): the measure's database shows each protected person from their record
/// (住所, 前住所, 本籍, 前本籍, 通称 …) and, once they moved away, the 前住所地 items: the
/// 転出先 as the 統合記載欄 keeps it, as the 転出届 gave it and as the 転入通知 confirmed it.
/// 3.4 (j440, 帳票 20.5.1): the 支援措置期間終了通知 to the 申出者.
async fn the_database_and_the_end_notice(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let base = format!("/api/v1/tenants/{t}");
    let mut mother = member(
        "森",
        "由美",
        ("モリ", "ユミ"),
        "1983-05-05",
        "女",
        "世帯主",
        "123456789018",
    );
    mother["honseki"] = json!({"domicile": "東京都千代田区千代田1番", "head_name": "森　由美"});
    let son = member(
        "森",
        "陸",
        ("モリ", "リク"),
        "2014-06-06",
        "男",
        "子",
        "876543210989",
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-04-01", "notified_on": "2026-04-01",
                "change": {"type": "move_in", "persons": [mother, son],
                    "address": {"place": "神奈川県横浜市中区山下町", "banchi": "9番地"},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "3番1号"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [mother, son] = members_by_given(&h, &["由美", "陸"])[..] else {
        panic!("{h}")
    };
    // 本籍 changes (転籍): the old one is the 前本籍.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-05-01", "notified_on": "2026-05-01",
            "change": {"type": "correction", "person_id": mother, "kind": "職権修正",
                "correction": {"item": "honseki", "new": {"domicile": "神奈川県横浜市中区山下町9番地", "head_name": "森　由美"}}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, m) = examiner
        .post(
            &format!("{base}/support-measures"),
            json!({
                "applicant": mother, "together": [son], "kind": "DV", "starts_on": "2026-01-15",
                "relations": {son.to_string(): "子"}, "offenders": [{"name": "森　健"}]
            }),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_i64().unwrap_or_default();
    let persons = m["persons"].as_array().cloned().unwrap_or_default();
    assert_eq!(persons.len(), 2, "{m}");
    let a = &persons[0];
    assert_eq!(
        (&a["role"], &a["name"], &a["furigana"], &a["sex"]),
        (
            &json!("申出者"),
            &json!("森　由美"),
            &json!("モリ　ユミ"),
            &json!("女")
        ),
        "{a}"
    );
    assert_eq!(a["address"], "神奈川県横浜市中区山下町9番地", "{a}");
    assert_eq!(a["previous_address"], "東京都千代田区千代田3番1号", "{a}");
    assert_eq!(
        (&a["honseki"], &a["previous_honseki"]),
        (
            &json!("神奈川県横浜市中区山下町9番地"),
            &json!(["東京都千代田区千代田1番"])
        ),
        "{a}"
    );
    assert_eq!(a["moved_away"], Value::Null);
    assert_eq!(
        (&persons[1]["role"], &persons[1]["relation"]),
        (&json!("併せて支援を求める者"), &json!("子"))
    );

    // 支援措置期間終了通知: the period ends 令和9年1月14日; an extension may be asked
    // for from 令和8年12月14日. 窓口 may not draw it; it needs a purpose.
    let notice = format!("{base}/support-measures/{id}/end-notice");
    assert_eq!(reception.get(&notice).await.0, 403);
    let text = examiner.pdf_text(&notice, "support-period-notice").await;
    for expected in [
        "支援措置期間終了通知",
        "森由美様",
        "神奈川県横浜市中区山下町9番地",
        "令和9年1月14日をもって終了",
        "令和8年12月14日から令和9年1月14日まで",
        "森陸",
        "横浜市長",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    let (status, v) = examiner.clone().without_purpose().get(&notice).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(
        examiner
            .get(&format!("{base}/support-measures/1/end-notice"))
            .await
            .0,
        404
    );
    // Not for a 仮支援措置 (no period yet), nor a measure ended.
    let (_, provisional) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": son, "kind": "DV", "provisional": true, "offenders": [{"name": "森　健"}]
        }))
        .await;
    let (status, v) = examiner
        .get(&format!(
            "{base}/support-measures/{}/end-notice",
            provisional["id"]
        ))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );

    // They move away: the 前住所地 items.
    for body in [
        json!({"notified_on": "2026-06-10", "change": {"type": "move_out", "person_ids": [mother, son],
            "planned_on": "2026-06-20", "destination": {"place": "大阪府大阪市北区梅田", "banchi": "1丁目1番"}}}),
        json!({"effective_on": "2026-06-18", "notified_on": "2026-06-25", "change": {"type": "move_out_confirmed",
            "person_ids": [mother, son], "notice_from": "271004",
            "destination": {"place": "大阪府大阪市北区茶屋町", "banchi": "2番"}}}),
    ] {
        let (status, v) = examiner.post(&format!("{base}/changes"), body).await;
        assert_eq!(status, 201, "{v}");
    }
    let (_, list) = examiner.get(&format!("{base}/support-measures")).await;
    let moved = list
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == json!(id)))
        .cloned()
        .unwrap_or_default();
    let a = &moved["persons"][0];
    assert_eq!(a["address"], "神奈川県横浜市中区山下町9番地", "{a}");
    let away = &a["moved_away"];
    assert_eq!(
        (
            &away["planned_destination"],
            &away["notified_destination"],
            &away["recorded_destination"]
        ),
        (
            &json!("大阪府大阪市北区梅田1丁目1番"),
            &json!("大阪府大阪市北区茶屋町2番"),
            &json!("大阪府大阪市北区茶屋町2番")
        ),
        "{away}"
    );
    assert_eq!(away["on"], "2026-06-18", "{away}");
    // The notice goes to the 転出先 the register knows.
    let text = examiner
        .pdf_text(&notice, "support-period-notice-moved")
        .await;
    assert!(text.contains("大阪府大阪市北区茶屋町2番"), "{text}");

    // Every notice drawn is in the audit log, naming the persons.
    let (_, log) = auditor.get(&format!("{base}/audit?limit=500")).await;
    let drawn = audit_pairs(&log, "action", "outcome")
        .iter()
        .filter(|(action, _)| action == "letter.support_period")
        .count();
    assert_eq!(drawn, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_and_the_end_notice_sqlite() {
    the_database_and_the_end_notice(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_and_the_end_notice_postgres() {
    match fresh_postgres().await {
        Some(s) => the_database_and_the_end_notice(s).await,
        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: skipped"),
    }
}
