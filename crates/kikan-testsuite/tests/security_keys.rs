//! 二要素認証 by IC card or biometrics (10.3), on both engines: a staff member registers
//! a security key (a software authenticator here, standing for a FIDO2 IC card with its
//! PIN or a fingerprint reader; the browser test uses Chromium's virtual authenticator),
//! then signs in with the password and the key only; a key answer is used once, binds to
//! its account, and the options do not tell whether a login name exists; 管理者's reset
//! takes every key away.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller};
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

fn origin(app: &App) -> Url {
    let port = app.base.rsplit(':').next().unwrap_or_default();
    Url::parse(&format!("http://localhost:{port}")).expect("origin")
}

/// The WebAuthn options a POST answers (200 asserted).
async fn options(caller: &Caller, path: &str, body: Value) -> Value {
    let (status, v) = caller.post(path, body).await;
    assert_eq!(status, 200, "{v}");
    v["options"].clone()
}

/// A key registered for the signed-in caller under `name`.
async fn register(
    app: &App,
    caller: &Caller,
    base: &str,
    key: &mut WebauthnAuthenticator<SoftPasskey>,
    name: &str,
) -> Value {
    let path = format!("{base}/me/security-keys/options");
    let options: CreationChallengeResponse =
        serde_json::from_value(options(caller, &path, json!({"name": name})).await)
            .expect("creation options");
    let credential = key
        .do_registration(origin(app), options)
        .expect("the key registers");
    let (status, v) = caller
        .post(
            &format!("{base}/me/security-keys"),
            json!({"credential": credential}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    v
}

/// What the key answers to a sign-in begun for `login`.
async fn key_answer(
    app: &App,
    base: &str,
    login: &str,
    key: &mut WebauthnAuthenticator<SoftPasskey>,
) -> Value {
    let path = format!("{base}/login/key-options");
    let options: RequestChallengeResponse =
        serde_json::from_value(options(&app.anonymous(), &path, json!({"login": login})).await)
            .expect("request options");
    let answer = key
        .do_authentication(origin(app), options)
        .expect("the key answers");
    serde_json::to_value(answer).expect("json")
}

async fn staff_sign_in_with_a_security_key(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("131016", "千代田区").await;
    let base = format!("/api/v1/tenants/{t}");
    let staff = app.staff(t, "kanda", Role::Reception).await;
    let other = app.staff(t, "ogawa", Role::Reception).await;
    let me = app.signed_in(t, &staff).await;
    let mut card = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let mut intruder = WebauthnAuthenticator::new(SoftPasskey::new(true));

    // Bad names are refused before any key is asked.
    let (status, v) = me
        .post(
            &format!("{base}/me/security-keys/options"),
            json!({"name": " "}),
        )
        .await;
    assert_eq!((status, v["code"].as_str()), (422, Some("E-KEY-103")));
    let view = register(&app, &me, &base, &mut card, "庁内ICカード").await;
    assert_eq!(view["name"], "庁内ICカード");
    let (_, list) = me.get(&format!("{base}/me/security-keys")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert!(list[0]["last_used_at"].is_null());

    // From now on the app's code is not taken for this account (a fresh one: the next
    // step's, which the sign-in above did not use).
    let next_code = || {
        let soon = chrono::Utc::now().timestamp().max(0) as u64 + 30;
        kikan_security::totp::code_at(&staff.totp_secret, soon).unwrap_or_default()
    };
    let (status, v) = app
        .login_raw(t, &staff.login, &staff.password, &next_code())
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-008")),
        "{v}"
    );

    // Password and key: signed in, and the log names the key.
    let answer = key_answer(&app, &base, &staff.login, &mut card).await;
    let login = |password: &str, answer: &Value| json!({"login": staff.login, "password": password, "security_key": answer});
    let (status, v) = app
        .anonymous()
        .post(&format!("{base}/login"), login(&staff.password, &answer))
        .await;
    assert_eq!(status, 200, "{v}");
    let token = v["token"].as_str().map(String::from);
    // The same answer again: the challenge was used once.
    let (status, _) = app
        .anonymous()
        .post(&format!("{base}/login"), login(&staff.password, &answer))
        .await;
    assert_eq!(status, 401);
    // The right key with a wrong password.
    let answer = key_answer(&app, &base, &staff.login, &mut card).await;
    let (status, _) = app
        .anonymous()
        .post(&format!("{base}/login"), login("wrong-password", &answer))
        .await;
    assert_eq!(status, 401);
    // Another key (registered to nobody here) cannot answer for this account.
    let other_me = app.signed_in(t, &other).await;
    register(&app, &other_me, &base, &mut intruder, "別の職員のキー").await;
    let answer = key_answer(&app, &base, &other.login, &mut intruder).await;
    let (status, _) = app
        .anonymous()
        .post(&format!("{base}/login"), login(&staff.password, &answer))
        .await;
    assert_eq!(status, 401, "a key of another account is refused");
    // No key answer at all.
    let (status, _) = app
        .anonymous()
        .post(
            &format!("{base}/login"),
            json!({"login": staff.login, "password": staff.password}),
        )
        .await;
    assert_eq!(status, 401);

    // The key's use is shown to its owner; the log has the sign-in and its refusals.
    let me = app.caller(token);
    let (_, list) = me.get(&format!("{base}/me/security-keys")).await;
    assert!(list[0]["last_used_at"].is_string(), "{list}");
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?actor={}&action=login", staff.login))
        .await;
    let details: Vec<&str> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert!(
        details.contains(&"ログイン(セキュリティキー「庁内ICカード」)"),
        "{details:?}"
    );
    assert!(
        details.contains(&"パスワードまたはセキュリティキーの誤り"),
        "{details:?}"
    );
    let (_, log) = auditor
        .get(&format!(
            "{base}/audit?actor={}&action=staff.key_added",
            staff.login
        ))
        .await;
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");

    // The options do not tell a login name with keys from one without, or none.
    let options = |login: &'static str| {
        let app = &app;
        let base = base.clone();
        async move {
            let (status, v) = app
                .anonymous()
                .post(
                    &format!("{base}/login/key-options"),
                    json!({"login": login}),
                )
                .await;
            assert_eq!(status, 200, "{v}");
            v["options"]["publicKey"].clone()
        }
    };
    let shape = |v: &Value| {
        let mut keys: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        (keys, v["allowCredentials"].as_array().map(Vec::len))
    };
    let real = options("kanda").await;
    let nobody = options("nobody").await;
    assert_eq!(shape(&real), shape(&nobody), "{real} / {nobody}");
    assert_eq!(
        nobody["allowCredentials"],
        options("nobody").await["allowCredentials"],
        "the same made-up key for the same name"
    );
    assert_ne!(nobody["challenge"], options("nobody").await["challenge"]);

    // Only a signed-in staff member registers keys: not a system's token.
    let system = app.as_role(t, Role::System).await;
    let (status, v) = system
        .post(
            &format!("{base}/me/security-keys/options"),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-KEY-102")),
        "{v}"
    );

    // Removing the last key brings the app's code back; 管理者's reset removes them all.
    let id = list[0]["id"].as_str().unwrap_or_default().to_string();
    let (status, _) = me.delete(&format!("{base}/me/security-keys/{id}")).await;
    assert_eq!(status, 204);
    let (status, v) = app
        .login_raw(t, &staff.login, &staff.password, &next_code())
        .await;
    assert_eq!(status, 200, "{v}");
    let admin = app.as_role(t, Role::Admin).await;
    let (status, v) = admin
        .post(
            &format!("{base}/staff/{}/totp-reset", other.login),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let other_id = app
        .store
        .staff_by_login(t, &other.login)
        .await
        .ok()
        .flatten()
        .map(|a| a.id)
        .unwrap_or_default();
    let left = app.store.staff_keys(t, other_id).await.expect("keys");
    assert!(left.is_empty(), "{left:?}");
}

kikan_testsuite::on_both!(staff_sign_in_with_a_security_key);
