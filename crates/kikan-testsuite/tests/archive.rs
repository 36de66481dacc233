//! A whole municipality exported and imported into the other engine (10.6, a vendor
//! switch): the replay check passes, every as-of view, the statistics, the audit
//! chain's head, the メモ and 支援措置 are the same, and a certificate re-printed on the
//! new store is the issued one, byte for byte. A damaged export, a municipality that
//! already holds data and another municipality's export are refused, nothing written.

use chrono::NaiveDate;
use kikan_app::Actor;
use kikan_app::archive::{self, ArchiveError};
use kikan_domain::LocalGovCode;
use kikan_security::Role;
use kikan_store::Store;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, mother_and_son, person_json};
use serde_json::{Value, json};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kikan-{name}-{:016x}", rand::random::<u64>()))
}

async fn pdf(c: &kikan_testsuite::http::Caller, path: &str, body: Value) -> (u16, Vec<u8>) {
    let resp = c
        .request(reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.bytes().await.expect("body").to_vec())
}

/// Everything a reader of the register sees on these days, decoded.
async fn views(store: &dyn Store, t: LocalGovCode, days: &[NaiveDate]) -> Vec<Value> {
    let mut out = Vec::new();
    for &d in days {
        let persons = store
            .residents_as_of(t, d, None, 10_000)
            .await
            .expect("as of");
        out.push(serde_json::to_value(&persons).expect("json"));
        let pop = kikan_app::statistics::population(store, t, d)
            .await
            .expect("population");
        out.push(serde_json::to_value(&pop).expect("json"));
    }
    let from = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let to = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
    let mov = kikan_app::statistics::movement(store, t, from, to)
        .await
        .expect("movement");
    out.push(serde_json::to_value(&mov).expect("json"));
    out
}

async fn municipality_moves_to_the_other_engine(s: TestStore) {
    let from_sqlite = matches!(s, TestStore::Sqlite(_));
    let app = App::spawn(s).await;
    let t = app.tenant("149993", "みほん市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;

    // A small history: a family, a birth, a 転居, a second household, a メモ, a 支援措置
    // and a certificate issued (of another household).
    let (hid, mother, son) = mother_and_son(&examiner, &base).await;
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": "2026-05-10", "notified_on": "2026-05-12",
            "change": {"type": "birth", "household_id": hid,
                "person": person_json(("山本", "陽菜"), ("ヤマモト", "ヒナ"), "2026-05-10", "女", "子")}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let baby = v["person_ids"][0].clone();
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({"effective_on": "2026-07-01", "notified_on": "2026-07-01",
            "change": {"type": "relocation", "person_ids": [mother, son, baby],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "2番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": "2026-06-01", "notified_on": "2026-06-02",
            "change": {"type": "move_in",
                "persons": [person_json(("佐藤", "一郎"), ("サトウ", "イチロウ"), "1950-01-01", "男", "世帯主")],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "2番2号"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let sato = v["person_ids"][0].clone();
    let (status, m) = reception
        .post(
            &format!("{base}/persons/{son}/memos"),
            json!({"text": "郵送希望(電話で確認)"}),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    let (status, issued) = pdf(
        &reception,
        &format!("{base}/certificates"),
        json!({"kind": "resident_copy", "household_id": hid,
               "requester": {"kind": "same_household", "person_id": son},
               "purpose": "勤務先へ提出", "identity_check": "運転免許証", "copies": 1}),
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&issued));
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": sato, "together": [], "kind": "DV",
            "offenders": [{"name": "佐藤　剛", "birth_date": "昭和50年1月1日", "relation": "元配偶者"}]
        }))
        .await;
    assert_eq!(status, 201, "{m}");
    let (_, memos_before) = examiner.get(&format!("{base}/persons/{son}/memos")).await;
    let (_, measures_before) = examiner.get(&format!("{base}/support-measures")).await;
    // The 住基ネット統一文字 conversion table and a 送付先 (layout version 2).
    let (status, v) = examiner
        .post(&format!("{base}/cs/chars"), json!({"name": "mj.csv",
            "csv": "対応するUCS,実装したMoji_JohoコレクションIVS,住基ネット統一文字コード\nU+20BB7,20BB7_E0100,J+B9D9\n"}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = examiner
        .put(
            &format!("{base}/cs/persons/{son}/sending-address"),
            json!({
            "address": {"place": "東京都新宿区西早稲田一丁目", "banchi": "6番地"},
            "print_category": "2", "special_circumstances": true}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let chars_before = app.store.cs_chars(t).await.expect("chars");
    let son_id = kikan_domain::PersonId(son);
    let sending_before = app
        .store
        .sending_addresses(t, &[son_id])
        .await
        .expect("sending");
    assert!(!chars_before.is_empty());
    assert_eq!(sending_before.len(), 1);

    // Out.
    let dir = temp_dir("export");
    let actor = Actor::command_line(t, Some("移行"));
    let out = archive::export(&*app.store, &actor, &dir)
        .await
        .expect("export");
    assert!(out.manifest.ledger_last_seq >= 4, "{:?}", out.manifest);
    assert_eq!(out.manifest.certificate_last_serial, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("ledger.jsonl"))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the export is readable by its owner only");
    }

    // In, on the other engine (PostgreSQL when configured, else another SQLite file).
    let target = if from_sqlite {
        match kikan_testsuite::fresh_postgres().await {
            Some(pg) => pg,
            None => kikan_testsuite::fresh_sqlite().await,
        }
    } else {
        kikan_testsuite::fresh_sqlite().await
    };
    let ts = target.store();
    let done = archive::import(&*ts, &actor, &dir).await.expect("import");
    assert_eq!(done.entries as i64, out.manifest.ledger_last_seq);
    assert_eq!(done.audit_head, out.manifest.audit_head);
    assert!(done.audit_records > 10, "{done:?}");

    let before = kikan_app::check::check(&*app.store, t)
        .await
        .expect("source check");
    let after = kikan_app::check::check(&*ts, t)
        .await
        .expect("target check");
    assert_eq!(
        (
            before.entries,
            before.persons,
            before.households,
            before.person_versions
        ),
        (
            after.entries,
            after.persons,
            after.households,
            after.person_versions
        )
    );
    let days: Vec<NaiveDate> = [
        "2026-04-01",
        "2026-05-09",
        "2026-05-10",
        "2026-06-30",
        "2026-07-01",
        "2026-12-01",
    ]
    .iter()
    .map(|d| d.parse().expect("date"))
    .collect();
    assert_eq!(
        views(&*app.store, t, &days).await,
        views(&*ts, t, &days).await,
        "every as-of view and statistic"
    );
    assert_eq!(
        ts.audit_records(t, 0, 100_000)
            .await
            .expect("audit")
            .iter()
            .find(|r| Some(r.seq) == out.manifest.audit_head.as_ref().map(|h| h.0))
            .map(|r| r.hash.clone()),
        out.manifest.audit_head.as_ref().map(|h| h.1.clone()),
        "the exported head is in the new chain"
    );

    // The conversion table and the 送付先 came along.
    assert_eq!(ts.cs_chars(t).await.expect("chars"), chars_before);
    assert_eq!(
        ts.sending_addresses(t, &[son_id]).await.expect("sending"),
        sending_before
    );

    // The new server: the same メモ, 支援措置 and a re-print of the issued bytes.
    let app2 = App::spawn(target).await;
    let examiner2 = app2.as_role(t, Role::Examiner).await;
    let reception2 = app2.as_role(t, Role::Reception).await;
    let (_, memos_after) = examiner2.get(&format!("{base}/persons/{son}/memos")).await;
    assert_eq!(memos_after, memos_before);
    let (_, measures_after) = examiner2.get(&format!("{base}/support-measures")).await;
    assert_eq!(measures_after, measures_before);
    let (status, again) = pdf(
        &reception2,
        &format!("{base}/certificates/1/reprint"),
        json!({"reason": "用紙詰まり"}),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&again));
    assert_eq!(
        again, issued,
        "a re-print on the new store is the issued certificate"
    );
    // The register goes on after the imported numbers.
    let (status, next) = pdf(
        &reception2,
        &format!("{base}/certificates"),
        json!({"kind": "resident_copy", "household_id": hid,
               "requester": {"kind": "same_household", "person_id": son},
               "purpose": "勤務先へ提出", "identity_check": "運転免許証", "copies": 1}),
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&next));
    let (_, register) = examiner2.get(&format!("{base}/certificates")).await;
    assert_eq!(register[0]["serial"], 2, "{register}");

    // Refused, nothing written: a municipality that holds data.
    let err = archive::import(&*ts, &actor, &dir)
        .await
        .expect_err("not empty");
    assert_eq!(err.code(), "E-ARCHIVE-005", "{err}");

    // Another municipality's export.
    let fresh = kikan_testsuite::fresh_sqlite().await.store();
    let other = Actor::command_line(LocalGovCode::parse("141003").expect("code"), None);
    let err = archive::import(&*fresh, &other, &dir)
        .await
        .expect_err("other tenant");
    assert!(matches!(err, ArchiveError::OtherTenant { .. }), "{err}");

    // A damaged file: one character of the ledger changed.
    let ledger = dir.join("ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).expect("ledger");
    std::fs::write(&ledger, text.replacen("山本", "山木", 1)).expect("write");
    let err = archive::import(&*fresh, &actor, &dir)
        .await
        .expect_err("damaged");
    assert_eq!(err.code(), "E-ARCHIVE-003", "{err}");
    assert!(err.to_string().contains("ledger.jsonl"), "{err}");
    assert!(
        fresh.tenant(t).await.expect("tenant").is_none(),
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

kikan_testsuite::on_both!(municipality_moves_to_the_other_engine);
