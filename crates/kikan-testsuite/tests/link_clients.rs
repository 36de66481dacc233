//! 庁内データ連携 (7.1.2.3, 7.2.3) over HTTP, on both engines: business systems registered
//! by 管理者 and let in by 審査; the OAuth 2.0 client-credentials grant (client_secret_jwt,
//! HTTP Basic only where allowed), short-lived bearer tokens without refresh tokens, an
//! assertion used once, scopes `業務システムID:リソース名:操作名`; a token reads what its
//! scopes name and nothing else, another municipality refuses it, a 個人番号 goes only to a
//! 個人番号利用事務 with the number's scope; the change feed followed without gaps or
//! repeats; the 団体内統合宛名 records with the 世帯主 (法第7条第4号); revocation ends the
//! tokens at once; every token and read audited.

use base64::Engine;
use kikan_security::Role;
use kikan_testsuite::http::{App, Caller, person_json};
use kikan_testsuite::{TestStore, ok};
use serde_json::{Value, json};

const A: &str = "141003";
const B: &str = "131016";
const NUMBER: &str = "123456789018";

/// Asks the token endpoint with a form (and HTTP Basic when given).
async fn token_request(
    app: &App,
    tenant: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut r = app
        .client
        .post(format!("{}/api/v1/tenants/{tenant}/oauth/token", app.base))
        .form(form);
    if let Some((id, secret)) = basic {
        let raw = format!("{id}:{secret}");
        r = r.header(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            ),
        );
    }
    let resp = ok(r.send().await);
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.json().await.unwrap_or(Value::Null), headers)
}

fn assertion(app: &App, tenant: &str, client_id: &str, secret: &str, jti: &str) -> String {
    ok(kikan_security::link::make_assertion(
        client_id,
        secret.as_bytes(),
        &format!("{}/api/v1/tenants/{tenant}/oauth/token", app.base),
        jti,
        chrono::Utc::now().timestamp(),
    ))
}

fn jwt_form<'a>(assertion: &'a str, scope: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            kikan_security::link::ASSERTION_TYPE,
        ),
        ("client_assertion", assertion),
    ];
    if let Some(s) = scope {
        f.push(("scope", s));
    }
    f
}

/// The client id and secret a registration answered with (shown once).
fn credentials(reg: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        text(&reg["client"]["client_id"]),
        text(&reg["client_secret"]),
    )
}

/// A family of three moved in (the mother, head of the household, holds a 個人番号).
async fn family(examiner: &Caller, base: &str) -> (i64, i64, i64) {
    let mut mother = person_json(
        ("森", "直子"),
        ("モリ", "ナオコ"),
        "1982-05-05",
        "女",
        "世帯主",
    );
    mother["individual_number"] = json!(NUMBER);
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-04-01", "notified_on": "2026-04-01",
                "change": {"type": "move_in",
                    "persons": [mother,
                        person_json(("森", "陽介"), ("モリ", "ヨウスケ"), "2012-06-06", "男", "子"),
                        person_json(("森", "陽菜"), ("モリ", "ヒナ"), "2016-07-07", "女", "子")],
                    "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let ids = kikan_testsuite::http::members_by_given(&h, &["直子", "陽介", "陽菜"]);
    (ids[0], ids[1], ids[2])
}

/// Every entry of the change feed from `after`, page by page (`limit` each).
async fn follow(c: &Caller, base: &str, mut after: i64, limit: u32) -> (Vec<i64>, i64) {
    let mut seqs = vec![];
    loop {
        let (status, v) = c
            .get(&format!("{base}/feed/changes?after={after}&limit={limit}"))
            .await;
        assert_eq!(status, 200, "{v}");
        let page: Vec<i64> = v["changes"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["seq"].as_i64()).collect())
            .unwrap_or_default();
        let next = v["next"].as_i64().unwrap_or_default();
        if page.is_empty() {
            assert_eq!(next, after, "an empty page keeps the cursor: {v}");
            return (seqs, after);
        }
        assert_eq!(page.last(), Some(&next), "{v}");
        seqs.extend(page);
        after = next;
    }
}

async fn business_systems_read_only_their_scopes(s: TestStore) {
    let app = App::spawn(s).await;
    let (a, b) = (
        app.tenant(A, "横浜市").await,
        app.tenant(B, "千代田区").await,
    );
    let base = format!("/api/v1/tenants/{A}");
    let admin = app.as_role(a, Role::Admin).await;
    let examiner = app.as_role(a, Role::Examiner).await;
    let auditor = app.as_role(a, Role::Auditor).await;
    let (mother, son, _) = family(&examiner, &base).await;

    // 管理者 registers 国保: residents and changes. The secret is shown once.
    let (status, reg) = admin
        .post(
            &format!("{base}/link/clients"),
            json!({"system_id": "kokuho", "name": "国民健康保険システム",
                   "purpose": "国民健康保険の資格管理", "resources": ["residents", "異動差分"]}),
        )
        .await;
    assert_eq!(status, 201, "{reg}");
    assert_eq!(reg["client"]["awaiting_approval"], true, "{reg}");
    assert_eq!(
        reg["client"]["scopes"],
        json!(["kokuho:residents:read", "kokuho:changes:read"])
    );
    let (id, secret) = credentials(&reg);
    assert_eq!(reg["token_endpoint"], format!("{base}/oauth/token"));
    // A 個人番号 only for a 個人番号利用事務; an unknown resource; a malformed system id.
    for (body, code) in [
        (
            json!({"system_id": "zeimu", "name": "税務", "purpose": "課税",
                "resources": ["atena", "individual_number"]}),
            "E-INPUT-003",
        ),
        (
            json!({"system_id": "zeimu", "name": "税務", "purpose": "課税",
                "resources": ["taxes"]}),
            "E-CODE-007",
        ),
        (
            json!({"system_id": "税務", "name": "税務", "purpose": "課税",
                "resources": ["residents"]}),
            "E-INPUT-003",
        ),
    ] {
        let (status, v) = admin.post(&format!("{base}/link/clients"), body).await;
        assert_eq!((status, v["code"].as_str()), (422, Some(code)), "{v}");
    }

    // Before approval: no token.
    let first = assertion(&app, A, &id, &secret, "a-1");
    let (status, v, _) = token_request(&app, A, &jwt_form(&first, None), None).await;
    assert_eq!(
        (status, v["error"].as_str(), v["code"].as_str()),
        (400, Some("unauthorized_client"), Some("E-OAUTH-003")),
        "{v}"
    );
    // 管理者 cannot let it in; 審査 can.
    let (status, _) = admin
        .post(&format!("{base}/link/clients/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 403);
    let (status, v) = examiner
        .post(&format!("{base}/link/clients/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["awaiting_approval"], false);

    // The grant: a bearer token, short-lived, no refresh token, the scopes granted.
    let second = assertion(&app, A, &id, &secret, "a-2");
    let (status, v, headers) = token_request(&app, A, &jwt_form(&second, None), None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 300);
    assert_eq!(v["scope"], "kokuho:residents:read kokuho:changes:read");
    assert!(v.get("refresh_token").is_none(), "{v}");
    assert_eq!(
        headers.get("cache-control").and_then(|h| h.to_str().ok()),
        Some("no-store")
    );
    let kokuho = app.caller(v["access_token"].as_str().map(String::from));
    // The same assertion twice: refused (its jti is used).
    let (status, v, _) = token_request(&app, A, &jwt_form(&second, None), None).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );
    // An assertion made for another municipality's endpoint, a wrong secret, a scope
    // not registered, another grant type, HTTP Basic not allowed for this system.
    let elsewhere = assertion(&app, B, &id, &secret, "a-3");
    let wrong = assertion(&app, A, &id, "not the secret", "a-4");
    let fresh = assertion(&app, A, &id, &secret, "a-5");
    for (form, basic, expected) in [
        (jwt_form(&elsewhere, None), None, (401, "invalid_client")),
        (jwt_form(&wrong, None), None, (401, "invalid_client")),
        (
            jwt_form(&fresh, Some("kokuho:atena:read")),
            None,
            (400, "invalid_scope"),
        ),
        (
            jwt_form(&fresh, Some("zeimu:residents:read")),
            None,
            (400, "invalid_scope"),
        ),
        (
            vec![("grant_type", "password")],
            None,
            (400, "unsupported_grant_type"),
        ),
        (
            vec![("grant_type", "client_credentials")],
            Some((id.as_str(), secret.as_str())),
            (400, "unauthorized_client"),
        ),
        (
            vec![("grant_type", "client_credentials")],
            Some((id.as_str(), "wrong")),
            (401, "invalid_client"),
        ),
    ] {
        let (status, v, _) = token_request(&app, A, &form, basic).await;
        assert_eq!(
            (status, v["error"].as_str()),
            (expected.0, Some(expected.1)),
            "{v}"
        );
        assert!(
            v["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("E-OAUTH-")),
            "{v}"
        );
    }
    // The client is unknown to the other municipality.
    let there = assertion(&app, B, &id, &secret, "a-6");
    let (status, v, _) = token_request(&app, B, &jwt_form(&there, None), None).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );

    // Its scopes: residents (without 住民票コード, 本籍 or whether a number is held).
    let (status, v) = kokuho.get(&format!("{base}/residents")).await;
    assert_eq!(status, 200, "{v}");
    let me = v
        .as_array()
        .and_then(|l| l.iter().find(|p| p["id"] == mother))
        .cloned()
        .unwrap_or_default();
    assert_eq!(me["name"]["full"], "森　直子", "{me}");
    assert_eq!(me["juminhyo_code"], Value::Null, "{me}");
    assert_eq!(me["honseki"], Value::Null, "{me}");
    assert_eq!(me["has_individual_number"], false, "{me}");
    // Not its scopes, nor any other route.
    for (path, code) in [
        (format!("{base}/atena"), "E-AUTH-012"),
        (format!("{base}/atena/changes"), "E-AUTH-012"),
        (format!("{base}/persons/{mother}"), "E-AUTH-011"),
        (format!("{base}/search?kana=モリ"), "E-AUTH-011"),
        (format!("{base}/ledger"), "E-AUTH-011"),
        (format!("{base}/me"), "E-AUTH-011"),
    ] {
        let (status, v) = kokuho.get(&path).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (403, Some(code)),
            "{path}: {v}"
        );
    }
    // Another municipality does not know the token.
    let (status, v) = kokuho.get(&format!("/api/v1/tenants/{B}/residents")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-002")),
        "{v}"
    );
    let _ = b;

    // The change feed, followed two entries at a time: every entry of the ledger once,
    // in order, then nothing; a new change is the next page.
    let (_, ledger) = examiner.get(&format!("{base}/ledger")).await;
    let all: Vec<i64> = ledger
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["seq"].as_i64()).collect())
        .unwrap_or_default();
    let (seen, cursor) = follow(&kokuho, &base, 0, 2).await;
    assert_eq!(seen, all);
    let hid = ledger_household(&examiner, &base, mother).await;
    for (given, kana, born) in [("蓮", "レン", "2026-05-01"), ("葵", "アオイ", "2026-11-01")]
    {
        let (status, v) = examiner
            .post(
                &format!("{base}/changes"),
                json!({"effective_on": born, "notified_on": born,
                       "change": {"type": "birth", "household_id": hid,
                         "person": person_json(("森", given), ("モリ", kana), born, "男", "子")}}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let (more, cursor2) = follow(&kokuho, &base, cursor, 2).await;
    let (_, ledger) = examiner.get(&format!("{base}/ledger?after={cursor}")).await;
    let new: Vec<i64> = ledger
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["seq"].as_i64()).collect())
        .unwrap_or_default();
    assert!(!new.is_empty());
    assert_eq!(more, new);
    assert!(cursor2 > cursor);
    let (again, _) = follow(&kokuho, &base, cursor2, 2).await;
    assert!(again.is_empty());
    // The feed marks 抑止 and 支援措置 (the flags are there for every person).
    let (_, v) = kokuho
        .get(&format!("{base}/feed/changes?after=0&limit=1"))
        .await;
    let p0 = &v["changes"][0]["persons"][0];
    assert!(
        p0["support_measure"].is_boolean() && p0["suppressions"].is_array(),
        "{p0}"
    );

    // 団体内統合宛名 for a 個人番号利用事務: the head, the number.
    let atena = app
        .business_system(
            a,
            "atena",
            &[
                kikan_security::link::Resource::Atena,
                kikan_security::link::Resource::IndividualNumber,
            ],
            true,
        )
        .await;
    let (status, v) = atena.get(&format!("{base}/atena?limit=10000")).await;
    assert_eq!(status, 200, "{v}");
    let rec = |id: i64| {
        v["records"]
            .as_array()
            .and_then(|l| l.iter().find(|r| r["atena_number"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(rec(mother)["individual_number"], NUMBER, "{v}");
    assert_eq!(
        rec(mother)["head"],
        Value::Null,
        "the head has no head: {v}"
    );
    assert_eq!(rec(son)["head"]["atena_number"], mother, "{v}");
    assert_eq!(rec(son)["head"]["name"]["full"], "森　直子", "{v}");
    assert_eq!(rec(son)["person"]["relationship"], "子", "{v}");
    assert_eq!(rec(son)["individual_number"], Value::Null, "{v}");
    let (status, v) = atena.get(&format!("{base}/atena/changes?after=0")).await;
    assert_eq!(status, 200, "{v}");
    let numbers: Vec<Value> = v["changes"]
        .as_array()
        .map(|l| {
            l.iter()
                .flat_map(|c| c["records"].as_array().cloned().unwrap_or_default())
                .map(|r| r["individual_number"].clone())
                .collect()
        })
        .unwrap_or_default();
    assert!(numbers.contains(&json!(NUMBER)), "{v}");
    // The same system with a token for atena only: no number.
    let (_, list) = admin.get(&format!("{base}/link/clients")).await;
    let atena_id = list
        .as_array()
        .and_then(|l| l.iter().find(|c| c["system_id"] == "atena"))
        .and_then(|c| c["client_id"].as_str())
        .unwrap_or_default()
        .to_string();
    let (status, fresh) = admin
        .post(&format!("{base}/link/clients/{atena_id}/secret"), json!({}))
        .await;
    assert_eq!(status, 200, "{fresh}");
    // The new secret ended the old tokens.
    let (status, _) = atena.get(&format!("{base}/atena")).await;
    assert_eq!(status, 401);
    let narrow = app.caller(Some(
        app.client_token(
            a,
            &atena_id,
            fresh["client_secret"].as_str().unwrap_or_default(),
            Some("atena:atena:read"),
        )
        .await,
    ));
    let (status, v) = narrow.get(&format!("{base}/atena?limit=10000")).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["records"]
            .as_array()
            .is_some_and(|l| !l.is_empty() && l.iter().all(|r| r["individual_number"].is_null())),
        "{v}"
    );

    // A token lasts five minutes.
    let hash = kikan_security::token::hash(kokuho.token.as_deref().unwrap_or_default());
    let now = chrono::Utc::now();
    let live = ok(kikan_app::link::resolve(&*app.store, a, &hash, now).await);
    assert!(live.is_some());
    let later = now + chrono::Duration::seconds(301);
    assert!(ok(kikan_app::link::resolve(&*app.store, a, &hash, later).await).is_none());

    // Every token and read is audited, under the client's name; a number read is marked.
    let (status, log) = auditor
        .get(&format!("{base}/audit/staff/client:{id}"))
        .await;
    assert_eq!(status, 200, "{log}");
    let actions: Vec<(String, String)> =
        kikan_testsuite::http::audit_pairs(&log, "action", "outcome");
    for wanted in ["link.token", "export.residents", "feed.changes"] {
        assert!(
            actions.iter().any(|(a, _)| a == wanted),
            "{wanted}: {actions:?}"
        );
    }
    assert!(
        actions.iter().any(|(a, o)| a == "access" && o == "denied"),
        "{actions:?}"
    );
    let (_, log) = auditor
        .get(&format!("{base}/audit/staff/client:{atena_id}"))
        .await;
    assert!(
        log.as_array().is_some_and(|l| l
            .iter()
            .any(|e| e["action"] == "link.atena" && e["my_number"] == true)),
        "{log}"
    );

    // Revoked: its token ends at once.
    let (status, _) = admin
        .post(&format!("{base}/link/clients/{id}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, v) = kokuho.get(&format!("{base}/residents")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-002")),
        "{v}"
    );
}

/// The household of a person.
async fn ledger_household(examiner: &Caller, base: &str, person: i64) -> i64 {
    let (_, p) = examiner.get(&format!("{base}/persons/{person}")).await;
    p["household_id"].as_i64().unwrap_or_default()
}

/// HTTP Basic, where the municipality allows it as an interim.
async fn basic_where_allowed(s: TestStore) {
    let app = App::spawn(s).await;
    let a = app.tenant(A, "横浜市").await;
    let base = format!("/api/v1/tenants/{A}");
    let admin = app.as_role(a, Role::Admin).await;
    let examiner = app.as_role(a, Role::Examiner).await;
    let (_, reg) = admin
        .post(
            &format!("{base}/link/clients"),
            json!({"system_id": "kaigo", "name": "介護保険システム", "purpose": "介護保険の資格管理",
                   "allow_basic": true, "resources": ["changes"]}),
        )
        .await;
    let (id, secret) = credentials(&reg);
    let (status, _) = examiner
        .post(&format!("{base}/link/clients/{id}/approve"), json!({}))
        .await;
    assert_eq!(status, 200);
    let form = [("grant_type", "client_credentials")];
    let (status, v, _) = token_request(&app, A, &form, Some((&id, &secret))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["scope"], "kaigo:changes:read");
    // The secret in the body is refused (client_secret_post is not offered).
    let body = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (status, v, _) = token_request(&app, A, &body, None).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_request")),
        "{v}"
    );
    // A wrong secret over Basic: 401 with the challenge.
    let (status, v, headers) = token_request(&app, A, &form, Some((&id, "wrong"))).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );
    assert!(headers.get("www-authenticate").is_some());
}

kikan_testsuite::on_both!(business_systems_read_only_their_scopes, basic_where_allowed);
