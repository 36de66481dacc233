//! A draft is committed once, even by two servers that share nothing but the
//! database: the change and the draft's decision are one transaction.

use kikan_security::Role;
use kikan_testsuite::http::{App, test_keys};
use kikan_testsuite::{TestStore, ok, postgres_url};
use serde_json::{Value, json};
use std::sync::Arc;

fn move_in_body(given: &str) -> Value {
    json!({
        "effective_on": "2026-04-01", "notified_on": "2026-04-01",
        "change": {"type": "move_in",
            "persons": [kikan_testsuite::http::person_json(("競合", given), ("キョウゴウ", "タロウ"), "1980-01-01", "男", "世帯主")],
            "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    })
}

/// A 転居 of mother and son to 本町二丁目.
fn relocation_body(household: i64, mother: i64, son: i64) -> Value {
    json!({
        "effective_on": "2026-05-01", "notified_on": "2026-05-01",
        "change": {"type": "relocation", "household_id": household, "person_ids": [mother, son],
            "address": {"place": "神奈川県横浜市中区本町二丁目", "banchi": "2番地"}}
    })
}

/// Two servers (each with its own store and connections) on one database; the same
/// draft is committed through both at the same moment, several times over.
async fn one_draft_two_servers(first: TestStore, second: TestStore) {
    let (one, two) = (App::spawn(first).await, App::spawn(second).await);
    let t = one.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let reception = one.as_role(t, Role::Reception).await;
    let examiner_one = one.as_role(t, Role::Examiner).await;
    let examiner_two = {
        let staff = two.staff(t, "shinsa2", Role::Examiner).await;
        two.signed_in(t, &staff).await
    };
    const ROUNDS: usize = 6;
    for round in 0..ROUNDS {
        let given = format!("太郎{}", ["一", "二", "三", "四", "五", "六"][round]);
        let (status, d) = reception
            .post(&format!("{base}/drafts"), move_in_body(&given))
            .await;
        assert_eq!(status, 201, "{d}");
        let id = d["id"].as_i64().unwrap_or_default();
        let path = format!("{base}/drafts/{id}/commit");
        let ((s1, v1), (s2, v2)) = tokio::join!(
            examiner_one.post(&path, json!({})),
            examiner_two.post(&path, json!({}))
        );
        let mut statuses = [s1, s2];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: {v1} / {v2}");
        let loser = if s1 == 409 { &v1 } else { &v2 };
        assert!(
            matches!(
                loser["code"].as_str(),
                Some("E-CONFLICT-002" | "E-DRAFT-001")
            ),
            "{loser}"
        );
        let (_, found) = examiner_one
            .get(&format!("{base}/search?name={}", "競合"))
            .await;
        let named: Vec<&Value> = found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|p| p["name"]["given"] == given.as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            named.len(),
            1,
            "round {round}: the family was recorded twice: {found}"
        );
    }
    let (_, ledger) = examiner_one.get(&format!("{base}/ledger")).await;
    assert_eq!(ledger.as_array().map(Vec::len), Some(ROUNDS), "{ledger}");
    let (_, drafts) = examiner_one
        .get(&format!("{base}/drafts?status=committed"))
        .await;
    assert_eq!(drafts.as_array().map(Vec::len), Some(ROUNDS), "{drafts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_committed_by_two_servers_lands_once_sqlite() {
    let first = kikan_testsuite::fresh_sqlite().await;
    let TestStore::Sqlite(s) = &first else {
        panic!("fresh_sqlite gives SQLite")
    };
    let url = format!("sqlite://{}", s.engine().path().display());
    let keys = Arc::new(first.store().sealer().keys().clone());
    let second = TestStore::Sqlite(Arc::new(ok(kikan_store_sqlite::open(&url, keys).await)));
    one_draft_two_servers(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_committed_by_two_servers_lands_once_postgres() {
    let Some(url) = postgres_url() else {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL test skipped");
        return;
    };
    let schema = format!("t_{:016x}", rand::random::<u64>());
    let keys = test_keys();
    let first = ok(kikan_store_postgres::open_in_schema(&url, Some(&schema), keys.clone()).await);
    let second = ok(kikan_store_postgres::open_as_app(&url, Some(&schema), keys).await);
    one_draft_two_servers(
        TestStore::Postgres(Arc::new(first)),
        TestStore::Postgres(Arc::new(second)),
    )
    .await;
}

/// A draft keeps the change as checked at intake: the examiner commits what the
/// counter entered (the 個人番号 too), while no view of the draft shows the number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_keeps_its_checked_change_and_shows_no_number() {
    let app = App::spawn(kikan_testsuite::fresh_sqlite().await).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let reception = app.as_role(t, Role::Reception).await;
    let staff = app.staff(t, "shinsa", Role::Examiner).await;
    let examiner = app.signed_in(t, &staff).await;
    const NUMBER: &str = "123456789018";
    let mut body = move_in_body("番号");
    body["change"]["persons"][0]["individual_number"] = json!(NUMBER);
    let (status, d) = reception.post(&format!("{base}/drafts"), body).await;
    assert_eq!(status, 201, "{d}");
    assert!(!d.to_string().contains(NUMBER), "{d}");
    assert_eq!(d["kind"], "move_in", "{d}");
    assert_eq!(
        d["request"]["change"]["persons"][0]["name"]["given"], "番号",
        "{d}"
    );
    let (_, list) = examiner.get(&format!("{base}/drafts?status=all")).await;
    assert!(!list.to_string().contains(NUMBER), "{list}");
    let id = d["id"].as_i64().unwrap_or_default();
    let (status, done) = examiner
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(status, 201, "{done}");
    assert!(!done.to_string().contains(NUMBER), "{done}");
    assert_eq!(done["entry"]["operator"], "shinsa", "{done}");
    let pid = done["person_ids"][0].as_i64().unwrap_or_default();
    let (status, p) = examiner.get(&format!("{base}/persons/{pid}")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["has_individual_number"], true, "{p}");
    // The committed number is the one entered: the person is found by it.
    let (_, found) = examiner
        .get(&format!("{base}/search?individual_number={NUMBER}"))
        .await;
    assert_eq!(found[0]["id"].as_i64(), Some(pid), "{found}");
}

/// 確認用帳票 (4.0.9): a 仮登録 drawn as the register would be written — a 転入's persons
/// as recorded, a 転居's address before and after — with nothing recorded; refused once
/// the draft is committed.
async fn a_draft_is_checked_on_its_confirmation_sheet(s: kikan_testsuite::TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let reception = app.as_role(t, Role::Reception).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let (status, d) = reception
        .post(&format!("{base}/drafts"), move_in_body("確認"))
        .await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap_or_default();
    let sheet = format!("{base}/drafts/{id}/confirmation");
    let text = reception.pdf_text(&sheet, "confirmation-move-in").await;
    for want in [
        "異動入力確認用帳票",
        "仮登録",
        "転入",
        "競合確認",
        "記載",
        "神奈川県横浜市中区本町一丁目1番地",
    ] {
        let want = kikan_testsuite::pdf::squeezed(want);
        assert!(text.contains(&want), "{want}: {text}");
    }
    let (_, found) = examiner.get(&format!("{base}/search?name=競合")).await;
    assert_eq!(
        found.as_array().map(Vec::len),
        Some(0),
        "nothing recorded: {found}"
    );

    // A 転居 of a resident: the address before and after.
    let (household, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let (status, r) = reception
        .post(
            &format!("{base}/drafts"),
            relocation_body(household, mother, son),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    let rid = r["id"].as_i64().unwrap_or_default();
    let text = reception
        .pdf_text(
            &format!("{base}/drafts/{rid}/confirmation"),
            "confirmation-relocation",
        )
        .await;
    for want in [
        "転居",
        "山本　花子",
        "修正",
        "住所",
        "神奈川県横浜市中区山下町7番地",
        "神奈川県横浜市中区本町二丁目2番地",
    ] {
        let want = kikan_testsuite::pdf::squeezed(want);
        assert!(text.contains(&want), "{want}: {text}");
    }
    // Committed: no more a 仮登録.
    let (status, v) = examiner
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    let res = reception
        .request(reqwest::Method::GET, &sheet)
        .send()
        .await
        .expect("sheet");
    assert_eq!(res.status().as_u16(), 409);
    let (_, log) = app
        .as_role(t, Role::Auditor)
        .await
        .get(&format!("{base}/audit/persons/{mother}"))
        .await;
    assert!(log.to_string().contains("letter.confirmation"), "{log}");
}

/// 一括本登録 (4.0.8): the 仮登録 list by 入力場所, and committed all at once (up to a
/// limit), by place, or as chosen; a draft that cannot be committed stays pending with
/// its reason while the others go on.
async fn drafts_are_committed_by_choice_place_and_all_up_to_a_limit(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    for (code, name, kind) in [
        ("HONCHO", "本庁市民課", "本庁"),
        ("KITA", "北出張所", "出張所"),
    ] {
        let (status, v) = admin
            .post(
                &format!("{base}/places"),
                json!({"code": code, "name": name, "kind": kind}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let (status, v) = admin
            .post(
                &format!("{base}/terminals"),
                json!({"code": format!("T-{code}"), "name": name, "place": code}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let honcho = app
        .as_role(t, Role::Reception)
        .await
        .at_terminal("T-HONCHO");
    let kita = app.as_role(t, Role::Reception).await.at_terminal("T-KITA");
    let examiner = app.as_role(t, Role::Examiner).await;
    let mut ids = vec![];
    for (clerk, given) in [
        (&honcho, "一郎"),
        (&honcho, "二郎"),
        (&kita, "三郎"),
        (&kita, "四郎"),
        (&kita, "五郎"),
    ] {
        let (status, d) = clerk
            .post(&format!("{base}/drafts"), move_in_body(given))
            .await;
        assert_eq!(status, 201, "{d}");
        ids.push(d["id"].as_i64().unwrap_or_default());
    }
    // The list by place.
    let (_, at_kita) = examiner.get(&format!("{base}/drafts?place=KITA")).await;
    let listed: Vec<i64> = at_kita
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    assert_eq!(listed, ids[2..].to_vec(), "{at_kita}");
    assert_eq!(at_kita[0]["place"], "KITA");

    // Chosen ones: 二郎 and 四郎.
    let (status, r) = examiner
        .post(
            &format!("{base}/drafts/commit"),
            json!({"ids": [ids[3], ids[1]]}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let committed: Vec<i64> = r["committed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(committed, vec![ids[1], ids[3]], "{r}");
    assert!(r["committed"][0]["seq"].as_i64().is_some_and(|s| s > 0));
    // A place: what is left at 本庁 (一郎).
    let (_, r) = examiner
        .post(&format!("{base}/drafts/commit"), json!({"place": "HONCHO"}))
        .await;
    assert_eq!(r["committed"][0]["id"].as_i64(), Some(ids[0]), "{r}");
    assert_eq!(r["left"], 0);
    // 全部本登録 with its upper limit: one of the two left at 北 goes, one stays.
    let (status, v) = examiner
        .post(&format!("{base}/drafts/commit"), json!({"limit": 0}))
        .await;
    assert_eq!((status, v["field"].as_str()), (422, Some("limit")), "{v}");
    let (_, r) = examiner
        .post(&format!("{base}/drafts/commit"), json!({"limit": 1}))
        .await;
    assert_eq!(
        (r["committed"].as_array().map(Vec::len), r["left"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    // One that cannot be committed (decided already) is named; the rest go on.
    let (_, r) = examiner
        .post(
            &format!("{base}/drafts/commit"),
            json!({"ids": [ids[0], ids[4]]}),
        )
        .await;
    assert_eq!(r["failed"][0]["id"].as_i64(), Some(ids[0]), "{r}");
    assert!(r["failed"][0]["code"].is_string(), "{r}");
    assert_eq!(r["committed"][0]["id"].as_i64(), Some(ids[4]), "{r}");
    let (_, pending) = examiner.get(&format!("{base}/drafts")).await;
    assert_eq!(pending.as_array().map(Vec::len), Some(0), "{pending}");
    // The five are residents now, each once.
    let (_, found) = examiner.get(&format!("{base}/search?name=競合")).await;
    assert_eq!(found.as_array().map(Vec::len), Some(5), "{found}");
}

/// 仮登録 (4.0.8): a draft reaches nothing until it is committed — the record, the
/// 住基ネット's items and the business systems' change feed keep the data before it; after
/// the 本登録 all three have it.
async fn a_draft_reaches_no_record_cs_or_feed_until_committed(s: TestStore) {
    let app = App::spawn_with(s, |mut st| {
        let link = kikan_server::cs_link::link("sim").expect("simulator");
        st.cs = Some(Arc::new(kikan_server::cs::Link::new(link, "sim")));
        st
    })
    .await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let reception = app.as_role(t, Role::Reception).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let (household, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let (_, page) = examiner.get(&format!("{base}/feed/changes?after=0")).await;
    let cursor = page["next"].as_i64().unwrap_or_default();
    let items = |person: i64| {
        let path = format!("{base}/cs/items?person_id={person}");
        let examiner = &examiner;
        async move {
            let (status, v) = examiner.get(&path).await;
            assert_eq!(status, 200, "{v}");
            v.as_array().map(Vec::len).unwrap_or_default()
        }
    };
    let before = items(mother).await;
    let address = |v: &Value| {
        v["address"]["place"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (_, record) = examiner.get(&format!("{base}/persons/{mother}")).await;
    let old_place = address(&record);

    let (status, d) = reception
        .post(
            &format!("{base}/drafts"),
            relocation_body(household, mother, son),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap_or_default();
    // Provisional: nothing of it anywhere.
    let (_, record) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(address(&record), old_place, "{record}");
    assert_eq!(
        items(mother).await,
        before,
        "no 住基ネット item for a 仮登録"
    );
    let (_, page) = examiner
        .get(&format!("{base}/feed/changes?after={cursor}"))
        .await;
    assert_eq!(page["changes"], json!([]), "{page}");

    let (status, v) = examiner
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, record) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(address(&record), "神奈川県横浜市中区本町二丁目", "{record}");
    assert!(items(mother).await > before, "the 本登録 goes to the CS");
    let (_, page) = examiner
        .get(&format!("{base}/feed/changes?after={cursor}"))
        .await;
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1), "{page}");
}

kikan_testsuite::on_both!(
    a_draft_is_checked_on_its_confirmation_sheet,
    drafts_are_committed_by_choice_place_and_all_up_to_a_limit,
    a_draft_reaches_no_record_cs_or_feed_until_committed
);
