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
            json!({
            "effective_on": "2026-05-01", "notified_on": "2026-05-01",
            "change": {"type": "relocation", "household_id": household, "person_ids": [mother, son],
                "address": {"place": "神奈川県横浜市中区本町二丁目", "banchi": "2番地"}}}),
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

kikan_testsuite::on_both!(a_draft_is_checked_on_its_confirmation_sheet);
