//! 除票用データベース (9.3, j1300; 1.1.5, j50; 4.6.0.1, j980), over HTTP on both engines,
//! with a calendar the test moves: a 除票 stays in the 住民記録 database for five years
//! to the day; the yearly batch then moves it (and nothing twice); the 住民記録 database
//! holds it no longer, the 除票 search and its 宛名番号 still find it, its 除票の写し is
//! issued; no change touches it until it is brought back, after which its removal can be
//! cancelled; the replay check passes throughout, and an export carries it to another
//! database where it is in the 除票用データベース again.

use chrono::{NaiveDate, Utc};
use kikan_app::Actor;
use kikan_domain::{Change, LedgerEntry, PersonId};
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, mother_and_son};
use serde_json::{Value, json};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

async fn run_move(c: &Caller, base: &str) -> Value {
    let (status, run) = c
        .post(
            &format!("{base}/jobs/archive_removed/run"),
            json!({"params": {}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["ok"], true, "{run}");
    run
}

fn detail(run: &Value) -> &str {
    run["detail"].as_str().unwrap_or_default()
}

async fn archived_ids(app: &App, t: kikan_domain::LocalGovCode, archive: bool) -> Vec<i64> {
    app.store
        .removed_records(t, archive, None, 100)
        .await
        .expect("removed")
        .iter()
        .map(|p| p.id.0)
        .collect()
}

async fn removed_db(s: TestStore) {
    let (app, calendar) = App::spawn_on(s, "2026-06-10").await;
    let set_day = |d: &str| calendar.set(d);
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (_, mother, son) = mother_and_son(&examiner, &base).await;
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-06-01", "notified_on": "2026-06-10",
                   "change": {"type": "death", "person_id": son}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let death = v["entry"]["seq"].as_i64().unwrap_or_default();
    assert!(death > 0, "{v}");

    // Five years less a day: the 除票 stays.
    set_day("2031-05-31");
    let run = run_move(&examiner, &base).await;
    assert!(detail(&run).contains(": 0人"), "{run}");
    assert!(detail(&run).contains("2026-05-31"), "{run}");
    // The rules refuse a move before its time, and of a resident.
    let entry = |persons: Vec<i64>| {
        LedgerEntry::at_intake(
            Change::Archive {
                persons: persons.into_iter().map(PersonId).collect(),
            },
            day("2031-05-31"),
            day("2031-05-31"),
            Utc::now(),
            "test".into(),
            None,
            day("2031-05-31"),
        )
        .expect("entry")
    };
    for (who, code) in [(son, "E-JOHYO-002"), (mother, "E-JOHYO-001")] {
        let err = kikan_app::record::record(&*app.store, t, entry(vec![who]), &[])
            .await
            .expect_err("refused");
        assert_eq!(err.code(), code, "{err}");
    }

    // Five years to the day: moved, once.
    set_day("2031-06-01");
    let run = run_move(&examiner, &base).await;
    assert!(detail(&run).contains(": 1人"), "{run}");
    let run = run_move(&examiner, &base).await;
    assert!(detail(&run).contains(": 0人"), "nothing twice: {run}");
    assert!(!archived_ids(&app, t, false).await.contains(&son));
    assert_eq!(archived_ids(&app, t, true).await, vec![son]);
    let check = kikan_app::check::check(&*app.store, t)
        .await
        .expect("the replay check covers both databases");
    assert_eq!(check.persons, 2);

    // Found by its 宛名番号 and by the 除票 search (after the 住民記録 database's hits);
    // not by a search of residents.
    let (status, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["register"], "B");
    assert_eq!(p["archived_on"]["iso"], "2031-06-01", "{p}");
    let (status, h) = examiner.get(&format!("{base}/persons/{son}/history")).await;
    assert_eq!(status, 200, "{h}");
    let reasons: Vec<&str> = h["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["reason"].as_str()).collect())
        .unwrap_or_default();
    assert!(reasons.contains(&"死亡"), "{h}");
    assert!(reasons.contains(&"除票用データベースへの移行"), "{h}");
    let (status, hits) = examiner
        .get(&format!(
            "{base}/search?kana=%E3%83%A4%E3%83%9E%E3%83%A2%E3%83%88&include_removed=true"
        ))
        .await;
    assert_eq!(status, 200, "{hits}");
    let ids: Vec<i64> = hits
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![mother, son], "{hits}");
    assert_eq!(hits[1]["archived_on"]["iso"], "2031-06-01");
    let (_, hits) = examiner
        .get(&format!(
            "{base}/search?kana=%E3%83%A4%E3%83%9E%E3%83%A2%E3%83%88"
        ))
        .await;
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");

    // Its 除票の写し, from the 除票用データベース.
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            json!({"kind": "removed_copy", "layout": "individual", "persons": [son],
                   "requester": {"kind": "same_household", "person_id": mother},
                   "purpose": "相続", "identity_check": "運転免許証"}),
            "removed-db-copy",
        )
        .await;
    assert!(text.contains("山本健太"), "{text}");
    assert!(text.contains("死亡"), "{text}");

    // No change touches it while it is there.
    let cancel = format!("{base}/changes/{death}/cancel");
    let (status, err) = examiner.post(&cancel, json!({})).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "E-JOHYO-003", "{err}");

    // An export carries it: in another database it is in the 除票用データベース again.
    let dir = std::env::temp_dir().join(format!("kikan-removed-db-{:016x}", rand::random::<u64>()));
    let actor = Actor::command_line(t, Some("移行"));
    kikan_app::archive::export(&*app.store, &actor, &dir)
        .await
        .expect("export");
    let target = kikan_testsuite::fresh_sqlite().await;
    let ts = target.store();
    kikan_app::archive::import(&*ts, &actor, &dir)
        .await
        .expect("import");
    let moved: Vec<i64> = ts
        .removed_records(t, true, None, 10)
        .await
        .expect("archive")
        .iter()
        .map(|p| p.id.0)
        .collect();
    assert_eq!(moved, vec![son]);
    kikan_app::check::check(&*ts, t)
        .await
        .expect("target check");
    let _ = std::fs::remove_dir_all(&dir);

    // Brought back (4.6.0.1), its removal can be cancelled.
    set_day("2031-06-02");
    let (status, v) = examiner
        .post(&format!("{base}/persons/{son}/archive-return"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, err) = examiner
        .post(&format!("{base}/persons/{son}/archive-return"), json!({}))
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "E-JOHYO-004", "{err}");
    assert!(archived_ids(&app, t, false).await.contains(&son));
    assert!(archived_ids(&app, t, true).await.is_empty());
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert!(p["archived_on"].is_null(), "{p}");
    let (status, v) = examiner.post(&cancel, json!({})).await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{son}")).await;
    assert_eq!(p["register"], "A", "{p}");
    kikan_app::check::check(&*app.store, t)
        .await
        .expect("check after the return");
}

kikan_testsuite::on_both!(removed_db);
