//! Accounts, roles, the route policy table and the audit log, over HTTP against the
//! real server (SQLite, and PostgreSQL when KIKAN_TEST_DATABASE_URL is set).

use kikan_domain::LocalGovCode;
use kikan_security::Role;
use kikan_security::audit::ChainBreak;
use kikan_security::link::Resource;
use kikan_server::{Policy, ROUTES};
use kikan_testsuite::http::{App, Caller, audit_pairs};
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite, ok};
use serde_json::{Value, json};

const A: &str = "141003";
const B: &str = "131016";

fn concrete(path: &str, tenant: &str) -> String {
    path.replace("{tenant}", tenant)
        .replace("{id}", "1")
        .replace("{login}", "nobody")
        .replace("{actor}", "nobody")
}

async fn call(c: &Caller, method: &str, path: &str) -> (u16, Value) {
    match method {
        "get" => c.get(path).await,
        "post" => c.post(path, json!({})).await,
        "put" => c.put(path, json!({})).await,
        "delete" => c.delete(path).await,
        other => panic!("method {other} has no test yet: add it here"),
    }
}

fn move_in_body(family: &str, given: &str) -> Value {
    json!({
        "effective_on": "2026-04-01", "notified_on": "2026-04-01",
        "change": {"type": "move_in",
            "persons": [{"name": {"family": family, "given": given}, "furigana": {"family": "ヤマダ", "given": "タロウ"},
                "birth_date": "1980-01-01", "sex": "男", "relationship": "世帯主",
                "honseki": {"domicile": "神奈川県横浜市中区本町一丁目1番地", "head_name": "山田　太郎"}}],
            "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    })
}

/// Every route of the router refuses: no credentials, another municipality's
/// account, and each role its policy does not allow. The table and the OpenAPI
/// description list the same routes, so a route added without a policy fails here.
async fn every_route_is_guarded(s: TestStore) {
    let app = App::spawn(s).await;
    let (a, b) = (
        app.tenant(A, "横浜市").await,
        app.tenant(B, "千代田区").await,
    );
    let mut by_role = Vec::new();
    for role in Role::ALL {
        by_role.push((role, app.as_role(a, role).await));
    }
    let other = app.as_role(b, Role::Examiner).await;
    let other_token = app.caller(Some(
        ok(kikan_app::accounts::add_api_token(
            &*app.store,
            b,
            kikan_app::accounts::NewToken {
                name: "他団体",
                role: Role::Examiner,
                days: 1,
                created_by: None,
                hidden_items: Default::default(),
                businesses: Default::default(),
            },
        )
        .await)
        .0,
    ));
    let anonymous = app.anonymous();
    // Business systems (庁内データ連携): one with every scope, one that reads residents only.
    let every_scope = app.business_system(a, "kokuho", &Resource::ALL, true).await;
    let residents_only = app
        .business_system(a, "zeimu", &[Resource::Residents], false)
        .await;

    let mut guarded = 0;
    for (method, path, policy) in ROUTES {
        let url = concrete(path, A);
        if *policy == Policy::Public {
            continue;
        }
        guarded += 1;
        let (status, v) = call(&anonymous, method, &url).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (401, Some("E-AUTH-001")),
            "{method} {path} without credentials: {v}"
        );
        for c in [&other, &other_token] {
            let (status, v) = call(c, method, &url).await;
            assert_eq!(
                (status, v["code"].as_str()),
                (401, Some("E-AUTH-002")),
                "{method} {path} with {B}'s credentials: {v}"
            );
        }
        // A business system's token opens the routes its scopes name, and nothing else.
        let (status, v) = call(&every_scope, method, &url).await;
        if let Policy::Scoped(_, resource) = policy {
            assert!(
                ![401, 403].contains(&status),
                "{method} {path} with a token of every scope: {status} {v}"
            );
            if *resource != Resource::Residents {
                let (status, v) = call(&residents_only, method, &url).await;
                assert_eq!(
                    (status, v["code"].as_str()),
                    (403, Some("E-AUTH-012")),
                    "{method} {path} without its scope: {v}"
                );
            }
        } else {
            assert_eq!(
                (status, v["code"].as_str()),
                (403, Some("E-AUTH-011")),
                "{method} {path} with a business system's token: {v}"
            );
        }
        for (role, c) in &by_role {
            let allowed = match policy {
                Policy::Needs(p) | Policy::Scoped(p, _) => role.allows(*p),
                _ => true,
            };
            // Signing out ends the session: that route gets a session of its own.
            let fresh;
            let c = if path.ends_with("/logout") {
                fresh = app.as_role(a, *role).await;
                &fresh
            } else {
                c
            };
            let (status, v) = call(c, method, &url).await;
            if allowed {
                assert!(
                    ![401, 403].contains(&status),
                    "{method} {path} as {role:?} should pass the policy: {status} {v}"
                );
            } else {
                assert_eq!(
                    (status, v["code"].as_str()),
                    (403, Some("E-AUTH-003")),
                    "{method} {path} as {role:?}: {v}"
                );
            }
        }
    }
    assert!(guarded >= 15, "only {guarded} guarded routes");

    // The table and the API description agree, route by route.
    let (_, spec) = anonymous.get("/openapi.json").await;
    let paths = spec["paths"].as_object().cloned().unwrap_or_default();
    for (path, ops) in &paths {
        for method in ops
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            assert!(
                ROUTES.iter().any(|(m, p, _)| *m == method && p == path),
                "{method} {path} is described but has no policy in the route table"
            );
        }
    }
    for (method, path, _) in ROUTES {
        if *path == "/openapi.json" {
            continue;
        }
        assert!(
            paths.get(*path).and_then(|o| o.get(*method)).is_some(),
            "{method} {path} is not described in OpenAPI"
        );
    }
    // A route that is not in the table has no policy, and the middleware refuses it.
    assert_eq!(
        kikan_server::policy(&axum_method("POST"), "/api/v1/tenants/{tenant}/anything"),
        None
    );
}

fn axum_method(m: &str) -> axum::http::Method {
    ok(axum::http::Method::from_bytes(m.as_bytes()))
}

/// The roles of the standard, action by action, with a real resident.
async fn roles_by_action(s: TestStore) {
    let app = App::spawn(s).await;
    let a = app.tenant(A, "横浜市").await;
    let reception = app.as_role(a, Role::Reception).await;
    let examiner = app.as_role(a, Role::Examiner).await;
    let admin = app.as_role(a, Role::Admin).await;
    let auditor = app.as_role(a, Role::Auditor).await;
    let changes = format!("/api/v1/tenants/{a}/changes");

    // 窓口 cannot commit a 異動; 審査 can.
    let (status, v) = reception.post(&changes, move_in_body("山田", "太郎")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-AUTH-003")),
        "{v}"
    );
    let (status, v) = examiner.post(&changes, move_in_body("山田", "太郎")).await;
    assert_eq!(status, 201, "{v}");
    let person = v["person_ids"][0].as_i64().unwrap_or_default();

    // Reading needs a stated purpose.
    let search = format!("/api/v1/tenants/{a}/search?kana=%E3%83%A4%E3%83%9E%E3%83%80");
    let (status, v) = reception.clone().without_purpose().get(&search).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("E-AUTH-004")),
        "{v}"
    );
    let (status, v) = reception.get(&search).await;
    assert_eq!((status, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");
    // 管理者 and 監査 see no resident data.
    for c in [&admin, &auditor] {
        let (status, _) = c.get(&search).await;
        assert_eq!(status, 403);
        let (status, _) = c
            .get(&format!("/api/v1/tenants/{a}/persons/{person}"))
            .await;
        assert_eq!(status, 403);
    }
    // Only 管理者 manages accounts; only 監査 reads the audit log.
    let new_staff = json!({"login": "suzuki", "name": "鈴木　一", "role": "窓口", "password": "a long enough password"});
    for c in [&reception, &examiner, &auditor] {
        let (status, _) = c
            .post(&format!("/api/v1/tenants/{a}/staff"), new_staff.clone())
            .await;
        assert_eq!(status, 403);
    }
    let (status, v) = admin
        .post(&format!("/api/v1/tenants/{a}/staff"), new_staff.clone())
        .await;
    assert_eq!(status, 201, "{v}");
    // A 窓口 account awaits 審査's approval: the administrator gets no second factor.
    assert_eq!(
        (&v["staff"]["awaiting_approval"], &v["totp_url"]),
        (&json!(true), &json!(null)),
        "{v}"
    );
    let (status, v) = admin
        .post(&format!("/api/v1/tenants/{a}/staff"), new_staff)
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("E-EXISTS-001")),
        "{v}"
    );
    let weak =
        json!({"login": "weak", "name": "弱い　パスワード", "role": "窓口", "password": "short"});
    let (status, v) = admin
        .post(&format!("/api/v1/tenants/{a}/staff"), weak)
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-INPUT-003")),
        "{v}"
    );
    for c in [&reception, &examiner, &admin] {
        let (status, _) = c.get(&format!("/api/v1/tenants/{a}/audit")).await;
        assert_eq!(status, 403);
    }

    // Who looked at this person? The change, the search hit, and nothing else.
    let (status, log) = auditor
        .get(&format!("/api/v1/tenants/{a}/audit/persons/{person}"))
        .await;
    assert_eq!(status, 200, "{log}");
    let actions = audit_pairs(&log, "action", "purpose");
    assert_eq!(
        actions,
        vec![
            (
                "resident.search".to_string(),
                "住民票の写しの交付".to_string()
            ),
            (
                "change.record".to_string(),
                "住民票の写しの交付".to_string()
            ),
        ],
        "{log}"
    );
    // What did the reception clerk do? Including the refused commit.
    let (_, me) = reception.get(&format!("/api/v1/tenants/{a}/me")).await;
    let login = me["actor"].as_str().unwrap_or_default().to_string();
    let (_, theirs) = auditor
        .get(&format!("/api/v1/tenants/{a}/audit/staff/{login}"))
        .await;
    let outcomes: Vec<(&str, &str)> = theirs
        .as_array()
        .map(|l| {
            l.iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap_or_default(),
                        e["outcome"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(outcomes.contains(&("access", "denied")), "{theirs}");
    assert!(outcomes.contains(&("resident.search", "ok")), "{theirs}");
    assert!(outcomes.contains(&("login", "ok")), "{theirs}");
    let (_, verified) = auditor
        .get(&format!("/api/v1/tenants/{a}/audit/verify"))
        .await;
    assert_eq!(verified["ok"], true, "{verified}");
}

async fn login_second_factor_lockout_sessions(s: TestStore) {
    let app = App::spawn(s).await;
    let a: LocalGovCode = app.tenant(A, "横浜市").await;
    let staff = app.staff(a, "tanaka", Role::Reception).await;
    let code = App::code(&staff);

    let refused = |r: (u16, Value)| (r.0, r.1["code"].as_str().map(String::from));
    let e008 = (401, Some("E-AUTH-008".to_string()));
    assert_eq!(
        refused(app.login_raw(a, "tanaka", "wrong password!", &code).await),
        e008
    );
    assert_eq!(
        refused(app.login_raw(a, "tanaka", &staff.password, "000000").await),
        e008
    );
    assert_eq!(
        refused(app.login_raw(a, "nobody", &staff.password, &code).await),
        e008
    );
    // The same account in another municipality does not exist.
    app.tenant(B, "千代田区").await;
    let b = ok(LocalGovCode::parse(B));
    assert_eq!(
        refused(app.login_raw(b, "tanaka", &staff.password, &code).await),
        e008
    );

    let (status, v) = app.login_raw(a, "tanaka", &staff.password, &code).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["staff"]["role"], "reception");
    let token = v["token"].as_str().unwrap_or_default().to_string();
    let csrf = v["csrf"].as_str().unwrap_or_default().to_string();
    // The same code cannot be used twice.
    assert_eq!(
        refused(app.login_raw(a, "tanaka", &staff.password, &code).await),
        e008
    );

    // The browser's way: the cookie, and the CSRF token with every change.
    let cookie = format!("kikan_session={token}");
    let me = app
        .client
        .get(format!("{}/api/v1/tenants/{a}/me", app.base))
        .header("cookie", &cookie);
    let (status, _) = app.anonymous().send(me).await;
    assert_eq!(status, 200);
    let out = app
        .client
        .post(format!("{}/api/v1/tenants/{a}/logout", app.base))
        .header("cookie", &cookie);
    let (status, v) = app.anonymous().send(out).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("E-AUTH-010")),
        "{v}"
    );
    let caller = app.caller(Some(token.clone()));
    let out = app
        .client
        .post(format!("{}/api/v1/tenants/{a}/logout", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf);
    let (status, _) = app.anonymous().send(out).await;
    assert_eq!(status, 204);
    // The session has ended.
    let (status, v) = caller.get(&format!("/api/v1/tenants/{a}/me")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-002")),
        "{v}"
    );

    // Five failures lock the account; then even the right credentials are refused, with
    // the answer an unknown name gets (no oracle of which names exist or are locked).
    let victim = app.staff(a, "sato", Role::Examiner).await;
    for _ in 0..5 {
        assert_eq!(
            refused(app.login_raw(a, "sato", "wrong password!", "123456").await),
            e008
        );
    }
    let right = app
        .login_raw(a, "sato", &victim.password, &App::code(&victim))
        .await;
    assert_eq!(refused(right), e008);
    assert_eq!(
        refused(
            app.login_raw(a, "nobody-at-all", "wrong password!", "123456")
                .await
        ),
        e008
    );

    // A deactivated account's sessions end at once.
    let clerk = app.staff(a, "ito", Role::Reception).await;
    let session = app.signed_in(a, &clerk).await;
    let admin = app.as_role(a, Role::Admin).await;
    let (status, _) = admin
        .post(
            &format!("/api/v1/tenants/{a}/staff/ito/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = session.get(&format!("/api/v1/tenants/{a}/me")).await;
    assert_eq!(status, 401);

    // Every attempt is in the audit log, refused ones included.
    let auditor = app.as_role(a, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("/api/v1/tenants/{a}/audit/staff/sato"))
        .await;
    let denied = log
        .as_array()
        .map(|l| l.iter().filter(|e| e["outcome"] == "denied").count())
        .unwrap_or(0);
    assert_eq!(denied, 6, "{log}");
}

/// `verify` names the first edited, deleted or swapped record (tampering behind the
/// application's back, with the append-only triggers dropped as an intruder would).
async fn audit_verification_catches_tampering(make: impl AsyncFn() -> TestStore) {
    struct Case {
        name: &'static str,
        sqlite: &'static [&'static str],
        postgres: &'static [&'static str],
        expect: ChainBreak,
    }
    const SWAP: &str = "UPDATE audit SET event = CASE seq WHEN 2 THEN (SELECT event FROM audit WHERE seq = 3 AND tenant_id = '141003') ELSE (SELECT event FROM audit WHERE seq = 2 AND tenant_id = '141003') END, \
                prev_hash = CASE seq WHEN 2 THEN (SELECT prev_hash FROM audit WHERE seq = 3 AND tenant_id = '141003') ELSE (SELECT prev_hash FROM audit WHERE seq = 2 AND tenant_id = '141003') END, \
                hash = CASE seq WHEN 2 THEN (SELECT hash FROM audit WHERE seq = 3 AND tenant_id = '141003') ELSE (SELECT hash FROM audit WHERE seq = 2 AND tenant_id = '141003') END \
                WHERE tenant_id = '141003' AND seq IN (2, 3)";
    const PAST_HEAD: &str = "INSERT INTO audit (tenant_id, seq, at, actor, action, event, prev_hash, hash) \
                SELECT tenant_id, 6, at, actor, action, event, hash, hash FROM audit WHERE seq = 5 AND tenant_id = '141003'";
    let cases = [
        Case {
            name: "edited",
            sqlite: &[
                "DROP TRIGGER audit_no_update",
                "UPDATE audit SET event = replace(event, 'person.read', 'person.list') WHERE seq = 3",
            ],
            postgres: &[
                "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
                "UPDATE audit SET event = replace(event, 'person.read', 'person.list') WHERE seq = 3",
            ],
            expect: ChainBreak::Altered { seq: 3 },
        },
        Case {
            name: "deleted",
            sqlite: &[
                "DROP TRIGGER audit_no_delete",
                "DELETE FROM audit WHERE seq = 2",
            ],
            postgres: &[
                "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
                "DELETE FROM audit WHERE seq = 2",
            ],
            expect: ChainBreak::Missing {
                seq: 3,
                expected: 2,
            },
        },
        Case {
            name: "swapped",
            sqlite: &["DROP TRIGGER audit_no_update", SWAP],
            postgres: &["ALTER TABLE audit DISABLE TRIGGER audit_append_only", SWAP],
            expect: ChainBreak::Unlinked { seq: 2 },
        },
        Case {
            name: "newest removed",
            sqlite: &[
                "DROP TRIGGER audit_no_delete",
                "DELETE FROM audit WHERE seq = 5",
            ],
            postgres: &[
                "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
                "DELETE FROM audit WHERE seq = 5",
            ],
            expect: ChainBreak::Truncated {
                head_seq: 5,
                last_seq: 4,
            },
        },
        Case {
            name: "actor column edited",
            sqlite: &[
                "DROP TRIGGER audit_no_update",
                "UPDATE audit SET actor = 'someone' WHERE seq = 3",
            ],
            postgres: &[
                "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
                "UPDATE audit SET actor = 'someone' WHERE seq = 3",
            ],
            expect: ChainBreak::IndexAltered { seq: 3 },
        },
        Case {
            name: "persons index emptied",
            sqlite: &["DELETE FROM audit_persons WHERE seq = 2"],
            postgres: &["DELETE FROM audit_persons WHERE seq = 2"],
            expect: ChainBreak::IndexAltered { seq: 2 },
        },
        Case {
            name: "record past the head",
            sqlite: &[PAST_HEAD],
            postgres: &[PAST_HEAD],
            expect: ChainBreak::PastHead {
                seq: 6,
                head_seq: 5,
            },
        },
    ];
    for case in cases {
        let s = make().await;
        let store = s.store();
        let a = ok(LocalGovCode::parse(A));
        ok(store
            .add_tenant(&kikan_store::Tenant {
                code: a,
                name: "横浜市".into(),
                mayor: "横浜市長".into(),
            })
            .await);
        for i in 1..=5 {
            let event = kikan_security::AuditEvent {
                at: chrono::Utc::now(),
                actor: format!("clerk{i}"),
                role: Some("reception".into()),
                action: "person.read".into(),
                purpose: Some("住民票の写しの交付".into()),
                persons: vec![i],
                detail: String::new(),
                outcome: kikan_security::Outcome::Ok,
                client: None,
                terminal: None,
                my_number: false,
            };
            ok(store.append_audit(a, &[event]).await);
        }
        assert_eq!(
            ok(kikan_app::audit::verify(&*store, a).await),
            Ok(5),
            "{}",
            case.name
        );
        // The application itself cannot change the log.
        assert!(
            s.exec("UPDATE audit SET actor = 'x' WHERE seq = 1")
                .await
                .is_err(),
            "{}",
            case.name
        );
        assert!(
            s.exec("DELETE FROM audit WHERE seq = 1").await.is_err(),
            "{}",
            case.name
        );
        let statements = match &s {
            TestStore::Sqlite(_) => case.sqlite,
            TestStore::Postgres(_) | TestStore::PostgresApp { .. } => case.postgres,
        };
        for sql in statements {
            if let Err(e) = s.exec(sql).await {
                panic!("{}: {sql}: {e}", case.name);
            }
        }
        let expect = case.expect;
        assert_eq!(
            ok(kikan_app::audit::verify(&*store, a).await),
            Err(expect.clone()),
            "{}",
            case.name
        );
        if let ChainBreak::PastHead { .. } = expect {
            // Appending then fails plainly, with a stable code, not as a database error.
            let event = kikan_security::AuditEvent {
                at: chrono::Utc::now(),
                actor: "clerk".into(),
                role: None,
                action: "person.read".into(),
                purpose: None,
                persons: vec![],
                detail: String::new(),
                outcome: kikan_security::Outcome::Ok,
                client: None,
                terminal: None,
                my_number: false,
            };
            let r = store.append_audit(a, &[event]).await;
            assert_eq!(r.map_err(|e| e.code()), Err("E-STORE-002"));
        }
    }
}

/// 窓口 enters a 異動 as a draft (checked at once, recorded nowhere); 審査 commits or
/// rejects it.
async fn drafts_flow(s: TestStore) {
    let app = App::spawn(s).await;
    let a = app.tenant(A, "横浜市").await;
    let reception = app.as_role(a, Role::Reception).await;
    let examiner = app.as_role(a, Role::Examiner).await;
    let base = format!("/api/v1/tenants/{a}");
    let (_, me) = examiner.get(&format!("{base}/me")).await;
    let examiner_login = me["actor"].as_str().unwrap_or_default().to_string();

    // A mistake is caught at the counter, and nothing is kept.
    let mut bad = move_in_body("山田", "太郎");
    bad["change"]["persons"][0]["relationship"] = json!("子");
    let (status, v) = reception.post(&format!("{base}/drafts"), bad).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-IDO-010")),
        "{v}"
    );
    let (_, list) = reception.get(&format!("{base}/drafts")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));

    let (status, d) = reception
        .post(&format!("{base}/drafts"), move_in_body("山田", "太郎"))
        .await;
    assert_eq!(
        (status, d["status"].as_str()),
        (201, Some("pending")),
        "{d}"
    );
    let id = d["id"].as_i64().unwrap_or_default();
    let (_, ledger) = examiner.get(&format!("{base}/ledger")).await;
    assert_eq!(
        ledger.as_array().map(Vec::len),
        Some(0),
        "a draft reached the ledger"
    );
    let (status, _) = reception
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(status, 403);

    let (status, v) = examiner
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["operator"], examiner_login.as_str());
    let (_, ledger) = examiner.get(&format!("{base}/ledger")).await;
    assert_eq!(ledger.as_array().map(Vec::len), Some(1));
    let (_, done) = examiner
        .get(&format!("{base}/drafts?status=committed"))
        .await;
    assert_eq!(done[0]["seq"], ledger[0]["seq"], "{done}");
    let (status, v) = examiner
        .post(&format!("{base}/drafts/{id}/commit"), json!({}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("E-DRAFT-001")),
        "{v}"
    );

    let (_, d2) = reception
        .post(&format!("{base}/drafts"), move_in_body("鈴木", "一"))
        .await;
    let id2 = d2["id"].as_i64().unwrap_or_default();
    let (status, v) = examiner
        .post(
            &format!("{base}/drafts/{id2}/reject"),
            json!({"note": "本人確認書類の不備"}),
        )
        .await;
    assert_eq!(
        (status, v["status"].as_str()),
        (200, Some("rejected")),
        "{v}"
    );
    let (status, _) = examiner
        .post(&format!("{base}/drafts/{id2}/commit"), json!({}))
        .await;
    assert_eq!(status, 409);
    let (_, ledger) = examiner.get(&format!("{base}/ledger")).await;
    assert_eq!(ledger.as_array().map(Vec::len), Some(1));
}

macro_rules! on_both {
    ($($name:ident => $body:ident),+ $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $body(fresh_sqlite().await).await;
                }
            )+
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match fresh_postgres().await {
                        Some(s) => $body(s).await,
                        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL run skipped"),
                    }
                }
            )+
        }
    };
}

on_both!(
    every_route_refuses_without_the_right => every_route_is_guarded,
    each_role_can_do_its_work_and_nothing_else => roles_by_action,
    login_needs_both_factors_and_locks => login_second_factor_lockout_sessions,
    drafts_are_entered_by_reception_and_committed_by_examination => drafts_flow,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_tampering_is_named_sqlite() {
    audit_verification_catches_tampering(fresh_sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_tampering_is_named_postgres() {
    if fresh_postgres().await.is_none() {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL run skipped");
        return;
    }
    audit_verification_catches_tampering(async || {
        fresh_postgres()
            .await
            .unwrap_or_else(|| panic!("no PostgreSQL"))
    })
    .await;
}

/// A method a path does not have is 405 with the methods it has (`Allow`), for
/// anyone, before any credential is looked at: not a refusal, not an error in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_the_path_does_not_have_is_405() {
    let app = App::spawn(fresh_sqlite().await).await;
    let a = app.tenant(A, "横浜市").await;
    let clerk = app.as_role(a, Role::Examiner).await;
    for (caller, method, path, allow) in [
        (
            &clerk,
            "DELETE",
            format!("/api/v1/tenants/{A}/persons/1"),
            "GET, HEAD",
        ),
        (
            &clerk,
            "PUT",
            format!("/api/v1/tenants/{A}/drafts"),
            "POST, GET, HEAD",
        ),
        (&app.anonymous(), "POST", "/health".to_string(), "GET, HEAD"),
    ] {
        let req = caller.request(ok(reqwest::Method::from_bytes(method.as_bytes())), &path);
        let resp = ok(caller.client.execute(ok(req.build())).await);
        let status = resp.status().as_u16();
        let allowed = resp
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, body["code"].as_str(), allowed.as_str()),
            (405, Some("E-HTTP-405"), allow),
            "{method} {path}: {body}"
        );
        assert!(kikan_testsuite::spec::check(method, &path, status, Some(&body)).is_ok());
    }
}

/// The low finding: headers over the limit were answered by hyper, a bare 431 without
/// a code or the security headers. kikan now answers them itself; nothing is logged
/// or recorded for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_too_large_are_431_with_a_code() {
    let app = App::spawn(fresh_sqlite().await).await;
    let a = app.tenant(A, "横浜市").await;
    let clerk = app.as_role(a, Role::Examiner).await;
    for (caller, path) in [
        (&clerk, format!("/api/v1/tenants/{A}/search?kana=ヤマ")),
        (&app.anonymous(), "/health".to_string()),
    ] {
        let req = caller
            .request(reqwest::Method::GET, &path)
            .header("X-Padding", "a".repeat(kikan_server::MAX_HEADER_BYTES));
        let resp = ok(caller.client.execute(ok(req.build())).await);
        let status = resp.status().as_u16();
        let nosniff = resp
            .headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, body["code"].as_str(), nosniff.as_str()),
            (431, Some("E-HTTP-431"), "nosniff"),
            "{path}: {body}"
        );
    }
    // Just under the limit goes through.
    let req = clerk
        .request(reqwest::Method::GET, "/health")
        .header("X-Padding", "a".repeat(kikan_server::MAX_HEADER_BYTES / 2));
    let resp = ok(clerk.client.execute(ok(req.build())).await);
    assert_eq!(resp.status().as_u16(), 200);
}
