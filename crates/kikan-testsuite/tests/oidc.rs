//! Sign-in through an identity provider: a provider in the test (discovery, JWKS,
//! token endpoint, RS256 ID tokens made with a key generated here) and the real
//! server. The provider must assert a second factor; the account is found by the
//! linked subject; a reused or forged answer is refused.

use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use kikan_security::Role;
use kikan_testsuite::http::App;
use kikan_testsuite::{fresh_sqlite, ok};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreResponseType, CoreRsaPrivateSigningKey, CoreSubjectIdentifierType,
};
use openidconnect::{
    Audience, AuthUrl, AuthenticationMethodReference, EmptyAdditionalClaims,
    EmptyAdditionalProviderMetadata, IssuerUrl, JsonWebKeyId, JsonWebKeySetUrl, Nonce,
    PrivateSigningKey, ResponseTypes, StandardClaims, SubjectIdentifier, TokenUrl,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the provider will say when a code is redeemed: (nonce, subject, amr).
type Grants = Arc<Mutex<HashMap<String, (String, String, Vec<String>)>>>;

#[derive(Clone)]
struct Idp {
    issuer: String,
    key: Arc<CoreRsaPrivateSigningKey>,
    grants: Grants,
}

async fn discovery(State(idp): State<Idp>) -> Json<Value> {
    let issuer = ok(IssuerUrl::new(idp.issuer.clone()));
    let metadata = CoreProviderMetadata::new(
        issuer,
        ok(AuthUrl::new(format!("{}/authorize", idp.issuer))),
        ok(JsonWebKeySetUrl::new(format!("{}/jwks", idp.issuer))),
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
        EmptyAdditionalProviderMetadata {},
    )
    .set_token_endpoint(Some(ok(TokenUrl::new(format!("{}/token", idp.issuer)))));
    Json(ok(serde_json::to_value(&metadata)))
}

async fn jwks(State(idp): State<Idp>) -> Json<Value> {
    Json(ok(serde_json::to_value(CoreJsonWebKeySet::new(vec![
        idp.key.as_verification_key(),
    ]))))
}

async fn token(State(idp): State<Idp>, Form(form): Form<HashMap<String, String>>) -> Json<Value> {
    let code = form.get("code").cloned().unwrap_or_default();
    let grant = idp.grants.lock().ok().and_then(|mut g| g.remove(&code));
    let Some((nonce, subject, amr)) = grant else {
        return Json(json!({"error": "invalid_grant"}));
    };
    let claims = CoreIdTokenClaims::new(
        ok(IssuerUrl::new(idp.issuer.clone())),
        vec![Audience::new("kikan-test".into())],
        Utc::now() + chrono::Duration::minutes(5),
        Utc::now(),
        StandardClaims::new(SubjectIdentifier::new(subject)),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(nonce)))
    .set_auth_method_refs(Some(
        amr.into_iter()
            .map(AuthenticationMethodReference::new)
            .collect(),
    ));
    let id_token = ok(CoreIdToken::new(
        claims,
        &*idp.key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    ));
    Json(
        json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token.to_string()}),
    )
}

async fn spawn_idp() -> Idp {
    let listener = ok(tokio::net::TcpListener::bind("127.0.0.1:0").await);
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let private = ok(rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048));
    let pem = ok(private.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF));
    let key = ok(CoreRsaPrivateSigningKey::from_pem(
        &pem,
        Some(JsonWebKeyId::new("k1".into())),
    ));
    let idp = Idp {
        issuer: format!("http://127.0.0.1:{port}"),
        key: Arc::new(key),
        grants: Arc::default(),
    };
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(idp.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    idp
}

/// Starts a sign-in at kikan and returns (state, nonce) from the redirect to the provider.
async fn start(client: &reqwest::Client, base: &str, tenant: &str) -> (String, String) {
    let r = ok(client
        .get(format!("{base}/api/v1/tenants/{tenant}/oidc/login"))
        .send()
        .await);
    assert_eq!(r.status().as_u16(), 303);
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let url = ok(reqwest::Url::parse(&location));
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(location.contains("/authorize?"), "{location}");
    assert_eq!(
        q.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    (
        q.get("state").cloned().unwrap_or_default(),
        q.get("nonce").cloned().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_through_the_identity_provider() {
    let idp = spawn_idp().await;
    let app = App::spawn(fresh_sqlite().await).await;
    let t = app.tenant("141003", "横浜市").await;
    let secret = ok(app
        .keys
        .encrypt(&t.to_string(), "oidc.client_secret", "client-secret"));
    ok(app
        .store
        .set_oidc_provider(
            t,
            &kikan_store::accounts::OidcProvider {
                issuer: idp.issuer.clone(),
                client_id: "kikan-test".into(),
                client_secret: secret,
                redirect_url: format!("{}/api/v1/tenants/{t}/oidc/callback", app.base),
            },
        )
        .await);
    let staff = app.staff(t, "yamada", Role::Reception).await;
    let account =
        ok(app.store.staff_by_login(t, "yamada").await).unwrap_or_else(|| panic!("no account"));
    ok(app
        .store
        .set_staff_oidc(t, account.id, Some("idp-user-1"))
        .await);
    let client = ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build());
    let grant = |code: &str, nonce: &str, sub: &str, amr: &[&str]| {
        if let Ok(mut g) = idp.grants.lock() {
            g.insert(
                code.into(),
                (
                    nonce.into(),
                    sub.into(),
                    amr.iter().map(|s| s.to_string()).collect(),
                ),
            );
        }
    };
    let callback = |state: &str, code: &str| {
        format!("/api/v1/tenants/{t}/oidc/callback?state={state}&code={code}")
    };

    // Signed in with a second factor at the provider: a session of the linked account.
    let (state, nonce) = start(&client, &app.base, &t.to_string()).await;
    grant("c1", &nonce, "idp-user-1", &["pwd", "otp"]);
    let (status, v) = app.anonymous().get(&callback(&state, "c1")).await;
    assert_eq!(status, 200, "{v}");
    let me = app.caller(v["token"].as_str().map(String::from));
    let (_, who) = me.get(&format!("/api/v1/tenants/{t}/me")).await;
    assert_eq!(who["actor"], "yamada");
    assert_eq!(who["role"], "reception");
    let _ = staff;

    // The same answer cannot be used twice.
    grant("c1b", &nonce, "idp-user-1", &["pwd", "otp"]);
    let (status, v) = app.anonymous().get(&callback(&state, "c1b")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-013")),
        "{v}"
    );

    // A password alone at the provider is not enough.
    let (state, nonce) = start(&client, &app.base, &t.to_string()).await;
    grant("c2", &nonce, "idp-user-1", &["pwd"]);
    let (status, v) = app.anonymous().get(&callback(&state, "c2")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-011")),
        "{v}"
    );

    // A subject linked to no account.
    let (state, nonce) = start(&client, &app.base, &t.to_string()).await;
    grant("c3", &nonce, "stranger", &["mfa"]);
    let (status, v) = app.anonymous().get(&callback(&state, "c3")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-014")),
        "{v}"
    );

    // An ID token for another sign-in (wrong nonce) is refused.
    let (state, _) = start(&client, &app.base, &t.to_string()).await;
    grant("c4", "someone-elses-nonce", "idp-user-1", &["mfa"]);
    let (status, v) = app.anonymous().get(&callback(&state, "c4")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-013")),
        "{v}"
    );

    // The audit log has the sign-in and the refusals.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("/api/v1/tenants/{t}/audit?limit=1000"))
        .await;
    let logins: Vec<(String, String)> = log
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|e| {
                    e["action"] == "login"
                        && e["detail"]
                            .as_str()
                            .unwrap_or_default()
                            .starts_with("IDプロバイダ")
                })
                .map(|e| {
                    (
                        e["actor"].as_str().unwrap_or_default().to_string(),
                        e["outcome"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(logins.contains(&("yamada".into(), "ok".into())), "{log}");
    assert_eq!(
        logins.iter().filter(|(_, o)| o == "denied").count(),
        4,
        "{logins:?}"
    );
}
