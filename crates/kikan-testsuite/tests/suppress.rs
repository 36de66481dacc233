//! 異動・発行・照会抑止 (3.1, j410; 9.2, j1290; 3.2, j420) over HTTP, on both engines:
//! a suppression per person or household, per process, at error or alert level; it
//! outlives its end date; a temporary release lets the work through; a release ends it;
//! search results show a held record; the list feeds other systems.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, audit_pairs};
use serde_json::{Value, json};

fn relocation(persons: &[i64], banchi: &str) -> Value {
    json!({
        "effective_on": "2026-06-01", "notified_on": "2026-06-01",
        "change": {"type": "relocation", "person_ids": persons,
            "address": {"place": "神奈川県横浜市中区元町", "banchi": banchi}}
    })
}

async fn held_records(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let (hid, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let suppressions = format!("{base}/suppressions");

    // Only those allowed set suppressions.
    let hold = json!({"subject": {"kind": "person", "id": mother}, "processes": ["certificate", "inquiry"],
        "level": "error", "reason": "裁判所の命令", "starts_on": "2026-04-01", "ends_on": "2026-05-31"});
    assert_eq!(reception.post(&suppressions, hold.clone()).await.0, 403);
    let (status, held) = examiner.post(&suppressions, hold).await;
    assert_eq!(status, 201, "{held}");
    let held_id = held["id"].as_i64().unwrap_or_default();
    // Its end date has passed: it holds all the same, and says so.
    assert_eq!(
        (&held["in_force"], &held["past_end"]),
        (&json!(true), &json!(true)),
        "{held}"
    );

    // 照会: the record is refused (and the refusal audited); search shows it held.
    let (status, v) = reception.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (423, Some("E-SUPPRESS-003")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("解除されるまで抑止は続きます"),
        "{v}"
    );
    let (status, v) = reception.get(&format!("{base}/households/{hid}")).await;
    assert_eq!(status, 423, "{v}");
    let (status, hits) = reception.get(&format!("{base}/search?kana=ヤマモト")).await;
    assert_eq!(status, 200, "{hits}");
    let marked = |hits: &Value, id: i64| {
        hits.as_array()
            .and_then(|l| l.iter().find(|h| h["id"] == id))
            .map(|h| {
                h["suppressions"]
                    .as_array()
                    .map(Vec::len)
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        (marked(&hits, mother), marked(&hits, son)),
        (1, 0),
        "{hits}"
    );
    // 証明書発行: refused.
    let copy = json!({"kind": "resident_copy", "layout": "individual", "persons": [mother],
        "requester": {"kind": "self", "person_id": mother}, "purpose": "勤務先へ提出", "identity_check": "運転免許証"});
    let (status, v) = reception
        .post(&format!("{base}/certificates"), copy.clone())
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (423, Some("E-SUPPRESS-002")),
        "{v}"
    );
    // The son is not held; 異動 of the mother is not held by it.
    assert_eq!(reception.get(&format!("{base}/persons/{son}")).await.0, 200);

    // 異動入力 held on the household at alert level: the change goes through, alerted.
    let (status, alert) = examiner
        .post(
            &suppressions,
            json!({"subject": {"kind": "household", "id": hid}, "processes": ["change"],
            "level": "alert", "reason": "転出予定の確認中"}),
        )
        .await;
    assert_eq!(status, 201, "{alert}");
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "1番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert!(
        v["warnings"].to_string().contains("転出予定の確認中"),
        "{v}"
    );
    // A draft hears the same alert from the check made at its entry.
    let (status, draft) = examiner
        .post(
            &format!("{base}/drafts"),
            relocation(&[mother, son], "2番地"),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert!(
        draft["warnings"].to_string().contains("転出予定の確認中"),
        "{draft}"
    );
    // At error level on the son: his household's next change is refused, drafts too.
    let (status, hard) = examiner
        .post(
            &suppressions,
            json!({"subject": {"kind": "person", "id": son}, "processes": ["異動入力"],
            "level": "エラー", "reason": "職権調査中"}),
        )
        .await;
    assert_eq!(status, 201, "{hard}");
    let hard_id = hard["id"].as_i64().unwrap_or_default();
    for path in ["changes", "drafts"] {
        let (status, v) = examiner
            .post(
                &format!("{base}/{path}"),
                relocation(&[mother, son], "2番地"),
            )
            .await;
        assert_eq!(
            (status, v["code"].as_str()),
            (423, Some("E-SUPPRESS-001")),
            "{path}: {v}"
        );
    }
    // 一時解除 with a reason: the change goes through, with the alert.
    let release = format!("{suppressions}/{hard_id}/release-temporarily");
    assert_eq!(
        reception.post(&release, json!({"reason": "x"})).await.0,
        403
    );
    let (status, v) = examiner
        .post(&release, json!({"minutes": 0, "reason": "本人確認済み"}))
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = examiner
        .post(&release, json!({"minutes": 10, "reason": "本人確認済み"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["temporarily_released_until"].is_string() && v["in_force"] == json!(true),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "3番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert!(v["warnings"].to_string().contains("一時解除中"), "{v}");

    // 抑止対象者一覧 (9.2) and the feed (3.2): in force, and changed since a time.
    let (status, list) = examiner.get(&format!("{suppressions}?in_force=true")).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(3)),
        "{list}"
    );
    let since = held["changed_at"].as_str().unwrap_or_default().to_string();
    let (_, changed) = examiner
        .get(&format!(
            "{suppressions}?changed_since={}",
            since.replace('+', "%2B")
        ))
        .await;
    assert_eq!(changed.as_array().map(Vec::len), Some(2), "{changed}");

    // 解除: the record is read again; a second release is refused.
    let (status, v) = examiner
        .post(
            &format!("{suppressions}/{held_id}/release"),
            json!({"note": "命令の取消し"}),
        )
        .await;
    assert_eq!((status, &v["in_force"]), (200, &json!(false)), "{v}");
    assert_eq!(
        reception.get(&format!("{base}/persons/{mother}")).await.0,
        200
    );
    let (status, v) = examiner
        .post(&format!("{suppressions}/{held_id}/release"), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    assert_eq!(
        examiner
            .get(&format!("{suppressions}?in_force=true"))
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Bad input: an unknown process, an unknown person, no reason.
    for (body, field) in [
        (
            json!({"subject": {"kind": "person", "id": mother}, "processes": ["閲覧"], "level": "error", "reason": "x"}),
            "processes[0]",
        ),
        (
            json!({"subject": {"kind": "person", "id": 1}, "processes": ["change"], "level": "error", "reason": "x"}),
            "subject.id",
        ),
        (
            json!({"subject": {"kind": "family", "id": hid}, "processes": ["change"], "level": "error", "reason": "x"}),
            "subject.kind",
        ),
    ] {
        let (status, v) = examiner.post(&suppressions, body).await;
        assert!(matches!(status, 404 | 422), "{v}");
        assert_eq!(v["field"].as_str(), Some(field), "{v}");
    }
    let (status, v) = examiner
        .post(&suppressions, json!({"subject": {"kind": "person", "id": mother}, "processes": ["change"], "level": "error", "reason": " "}))
        .await;
    assert_eq!(status, 422, "{v}");

    // Every refusal is in the audit log.
    let (_, log) = auditor.get(&format!("{base}/audit?limit=500")).await;
    let refused = audit_pairs(&log, "action", "outcome")
        .iter()
        .filter(|(action, outcome)| action == "suppress.refused" && outcome == "denied")
        .count();
    // 照会 of the person and of the household, 証明書発行, 異動入力 and its draft.
    assert_eq!(refused, 5);
}

/// 排他制御 (10.3, managed as a 抑止 under 3.1): while one staff member enters a change
/// of a household, nobody else enters or records one; reading goes on; the lock goes
/// with the holder's change or draft, is renewed by taking it again, and is released
/// by someone who manages 抑止 (with a reason); a lock that ran out holds nobody.
async fn records_in_work_are_held(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let colleague = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let (hid, mother, son) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let locks = format!("{base}/locks");
    let household =
        json!({"subjects": [{"kind": "household", "id": hid}], "purpose": "転居の受付"});

    // 窓口 opens the household's 転居 form: the household is held for them.
    let (status, v) = reception.post(&locks, household.clone()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["purpose"].as_str(), Some("転居の受付"), "{v}");
    let (_, before) = examiner.get(&format!("{base}/households/{hid}")).await;

    // Anyone else: a change, a draft, a lock of the household or of a member, refused.
    for (path, body) in [
        (
            format!("{base}/changes"),
            relocation(&[mother, son], "1番地"),
        ),
        (
            format!("{base}/drafts"),
            relocation(&[mother, son], "1番地"),
        ),
        (locks.clone(), household.clone()),
        (
            locks.clone(),
            json!({"subjects": [{"kind": "person", "id": son}]}),
        ),
    ] {
        let (status, v) = examiner.post(&path, body).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (423, Some("E-LOCK-001")),
            "{path}: {v}"
        );
        let message = v["message"].as_str().unwrap_or_default();
        assert!(message.contains("転居の受付の入力中"), "{message}");
    }
    // Nothing changed; reading goes on.
    let (status, after) = examiner.get(&format!("{base}/households/{hid}")).await;
    assert_eq!(status, 200);
    assert_eq!(after["version"], before["version"]);
    assert_eq!(
        examiner.get(&format!("{base}/persons/{mother}")).await.0,
        200
    );

    // The holder takes it again (renewed), and enters the draft: the lock goes with it.
    assert_eq!(reception.post(&locks, household.clone()).await.0, 200);
    let (status, draft) = reception
        .post(
            &format!("{base}/drafts"),
            relocation(&[mother, son], "2番地"),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let (status, held) = colleague.get(&locks).await;
    assert_eq!(status, 200, "{held}");
    assert_eq!(held.as_array().map(Vec::len), Some(0), "{held}");
    let id = draft["id"].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");

    // A lock of a person; the holder's own commit takes it away.
    let person = json!({"subjects": [{"kind": "person", "id": son}], "purpose": "転出の受付"});
    assert_eq!(examiner.post(&locks, person.clone()).await.0, 200);
    let (status, v) = colleague
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "3番地"),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (423, Some("E-LOCK-001")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "3番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        colleague.get(&locks).await.1.as_array().map(Vec::len),
        Some(0)
    );

    // Left behind (the clerk went home): released by someone who manages 抑止, with a
    // reason; 窓口 may neither list nor release others' locks.
    assert_eq!(reception.post(&locks, household.clone()).await.0, 200);
    assert_eq!(reception.get(&locks).await.0, 403);
    let release = format!("{locks}/force-release");
    let subject = json!({"kind": "household", "id": hid});
    assert_eq!(
        reception
            .post(&release, json!({"subject": subject, "reason": "x"}))
            .await
            .0,
        403
    );
    let (status, v) = colleague
        .post(&release, json!({"subject": subject, "reason": " "}))
        .await;
    assert_eq!((status, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (status, listed) = colleague.get(&locks).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let (status, v) = colleague
        .post(
            &release,
            json!({"subject": subject, "reason": "担当者が退庁したため"}),
        )
        .await;
    assert_eq!((status, v["released"].as_u64()), (200, Some(1)), "{v}");
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "4番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");

    // The holder gives their locks back when leaving the form.
    assert_eq!(reception.post(&locks, household.clone()).await.0, 200);
    let (status, v) = reception.post(&format!("{locks}/release"), json!({})).await;
    assert_eq!((status, v["released"].as_u64()), (200, Some(1)), "{v}");

    // A lock that ran out holds nobody (30 minutes after it was taken).
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(31);
    let stale = kikan_domain::suppress::Lock::new(
        kikan_domain::suppress::Subject::Household(kikan_domain::HouseholdId(hid)),
        "someone-gone",
        "転居の受付",
        long_ago,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let taken = app.store.acquire_locks(t, &[stale], long_ago).await;
    assert!(matches!(taken, Ok(None)), "{taken:?}");
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            relocation(&[mother, son], "5番地"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(examiner.post(&locks, household.clone()).await.0, 200);
    assert_eq!(
        examiner
            .post(&format!("{locks}/release"), json!({}))
            .await
            .0,
        200
    );

    // The daily work does not remove a 転出予定 whose household a clerk holds: its run
    // stays unfinished (tried again within the hour) and removes it once given back.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "notified_on": "2026-06-25",
            "change": {"type": "move_out", "person_ids": [mother, son], "planned_on": "2026-07-01",
                "destination": {"place": "大阪府大阪市北区梅田一丁目", "banchi": "2番3号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(reception.post(&locks, household.clone()).await.0, 200);
    let daily = format!("{base}/jobs/daily");
    let (status, run) = examiner.post(&daily, json!({})).await;
    assert_eq!((status, &run["ok"]), (201, &json!(false)), "{run}");
    assert!(
        run["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("次回に回した世帯 1"),
        "{run}"
    );
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["register"], "A", "{p}");
    assert_eq!(
        reception
            .post(&format!("{locks}/release"), json!({}))
            .await
            .0,
        200
    );
    let (status, run) = examiner.post(&daily, json!({})).await;
    assert_eq!((status, &run["ok"]), (201, &json!(true)), "{run}");
    let (_, p) = examiner.get(&format!("{base}/persons/{mother}")).await;
    assert_eq!(p["register"], "B", "{p}");

    // Nobody holds more than a few records at once (no clerk can hold the register).
    let mut many = vec![];
    for _ in 0..4 {
        let (h, m, s) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
        many.extend([
            json!({"kind": "household", "id": h}),
            json!({"kind": "person", "id": m}),
            json!({"kind": "person", "id": s}),
        ]);
    }
    let (status, v) = reception
        .post(&locks, json!({"subjects": many[..10]}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = reception
        .post(&locks, json!({"subjects": many[10..]}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (423, Some("E-LOCK-002")),
        "{v}"
    );
    assert_eq!(
        reception
            .post(&format!("{locks}/release"), json!({}))
            .await
            .0,
        200
    );

    // Bad input.
    for (body, field) in [
        (json!({"subjects": []}), "subjects"),
        (
            json!({"subjects": [{"kind": "family", "id": hid}]}),
            "subjects[0].kind",
        ),
        (
            json!({"subjects": [{"kind": "person", "id": 1}]}),
            "subjects[0].id",
        ),
    ] {
        let (status, v) = examiner.post(&locks, body).await;
        assert!(matches!(status, 404 | 422), "{v}");
        assert_eq!(v["field"].as_str(), Some(field), "{v}");
    }

    // Refusals and releases are in the audit log.
    let (_, log) = auditor.get(&format!("{base}/audit?limit=500")).await;
    let pairs = audit_pairs(&log, "action", "outcome");
    let count = |a: &str| pairs.iter().filter(|(action, _)| action == a).count();
    // The change and the draft refused at the commit, and the daily removal; two
    // locks refused.
    assert_eq!(
        pairs
            .iter()
            .filter(|(a, o)| a == "suppress.refused" && o == "denied")
            .count(),
        4
    );
    assert_eq!(count("lock.refused"), 2);
    assert_eq!(count("lock.force_release"), 1);
}

/// 1.3.1 (j230) and 9.2 (j1290): a designated city registers its 行政区 with their 区役所;
/// other places name the ward they lie in (a registered one); the 抑止対象者一覧 shows
/// each entry's ward and is split by ward.
async fn lists_split_by_ward(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let admin = app.as_role(t, Role::Admin).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let places = format!("{base}/places");
    kikan_testsuite::http::yokohama_wards(&admin, &base).await;
    let (status, v) = admin
        .post(&places, json!({"code": "NAKA-1", "name": "中区役所 山下町出張所", "kind": "出張所", "ward": "中区"}))
        .await;
    assert_eq!(status, 200, "{v}");
    for (body, field) in [
        (
            json!({"code": "MINAMI-1", "name": "南区の出張所", "kind": "出張所", "ward": "南区"}),
            "ward",
        ),
        (
            json!({"code": "X", "name": "区役所", "kind": "区役所"}),
            "ward",
        ),
        (
            json!({"code": "Y", "name": "港区役所", "kind": "区役所", "ward": "港区", "ward_code": "141039"}),
            "ward_code",
        ),
    ] {
        let (status, v) = admin.post(&places, body).await;
        assert_eq!((status, v["field"].as_str()), (422, Some(field)), "{v}");
    }
    // Two households, one in each ward, each held.
    let (_, mother, _) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    let (west, _) = kikan_testsuite::http::west_ward_resident(&examiner, &base).await;
    let suppressions = format!("{base}/suppressions");
    for subject in [
        json!({"kind": "person", "id": mother}),
        json!({"kind": "household", "id": west}),
    ] {
        let (status, v) = examiner
            .post(&suppressions, json!({"subject": subject, "processes": ["certificate"], "level": "alert", "reason": "確認中"}))
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let (_, all) = examiner.get(&format!("{suppressions}?in_force=true")).await;
    let mut wards: Vec<&str> = all
        .as_array()
        .map(|l| l.iter().filter_map(|x| x["ward"].as_str()).collect())
        .unwrap_or_default();
    wards.sort();
    assert_eq!(wards, ["中区", "西区"], "{all}");
    for (asked, expected) in [("中区", mother), ("141011", west)] {
        let (status, v) = examiner
            .get(&format!("{suppressions}?in_force=true&ward={asked}"))
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v.as_array().map(Vec::len), Some(1), "{asked}: {v}");
        assert_eq!(v[0]["subject_id"], expected, "{v}");
    }
    let (status, v) = examiner.get(&format!("{suppressions}?ward=南区")).await;
    assert_eq!((status, v["field"].as_str()), (422, Some("ward")), "{v}");
}

kikan_testsuite::on_both!(held_records, records_in_work_are_held, lists_split_by_ward);
