//! What operators see: the metrics endpoint (its own credential; per-tenant request,
//! 異動 and refusal counters, latency histograms, pool and commit-queue gauges) and the
//! readiness check.

use kikan_security::Role;
use kikan_testsuite::http::App;
use kikan_testsuite::{TestStore, fresh_sqlite, ok, postgres_url};
use serde_json::{Value, json};
use std::sync::Arc;

const TOKEN: &str = "metrics-test-token-0123456789";

/// The value of one series (its name with its labels, as the text format writes them).
fn series(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(app: &App, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}/metrics", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = ok(req.send().await);
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_per_tenant_behind_their_own_token() {
    let app = App::spawn_with(fresh_sqlite().await, |s| s.with_metrics_token(Some(TOKEN))).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;

    // Not without the token, not with a staff session, not with another token.
    assert_eq!(scrape(&app, None).await.0, 401);
    assert_eq!(scrape(&app, Some("wrong")).await.0, 401);
    assert_eq!(scrape(&app, examiner.token.as_deref()).await.0, 401);

    let body = json!({
        "effective_on": "2026-04-01", "notified_on": "2026-04-01",
        "change": {"type": "move_in",
            "persons": [kikan_testsuite::http::person_json(("計測", "太郎"), ("ケイソク", "タロウ"), "1980-01-01", "男", "世帯主")],
            "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    });
    let (status, v) = examiner.post(&format!("{base}/changes"), body).await;
    assert_eq!(status, 201, "{v}");
    let (status, _) = app.anonymous().get(&format!("{base}/ledger")).await;
    assert_eq!(status, 401);
    let reception = app.as_role(t, Role::Reception).await;
    let (status, _) = reception.get(&format!("{base}/ledger")).await;
    assert_eq!(status, 403);

    let (status, text) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, 200, "{text}");
    let changes = "/api/v1/tenants/{tenant}/changes";
    assert_eq!(
        series(
            &text,
            "kikan_http_requests_total",
            &[("tenant", "141003"), ("route", changes), ("status", "201")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(
            &text,
            "kikan_changes_total",
            &[("tenant", "141003"), ("reason", "転入")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(
            &text,
            "kikan_refusals_total",
            &[("tenant", "141003"), ("code", "E-AUTH-001")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(
            &text,
            "kikan_refusals_total",
            &[("tenant", "141003"), ("code", "E-AUTH-003")]
        ),
        Some(1.0),
        "{text}"
    );
    // Latency as a histogram, by route.
    assert_eq!(
        series(
            &text,
            "kikan_http_request_duration_seconds_count",
            &[("route", changes), ("method", "POST")]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        text.contains("kikan_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE kikan_http_request_duration_seconds histogram"),
        "{text}"
    );
    // The gauges: the pool has a connection, nothing waits to commit.
    assert!(
        series(&text, "kikan_db_connections", &[("state", "idle")]).is_some(),
        "{text}"
    );
    assert_eq!(
        series(&text, "kikan_commit_queue", &[]),
        Some(0.0),
        "{text}"
    );
    // No personal data in the labels.
    assert!(!text.contains("計測"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_there_is_no_metrics_endpoint() {
    let app = App::spawn(fresh_sqlite().await).await;
    let (status, text) = scrape(&app, Some("anything")).await;
    assert_eq!(status, 404, "{text}");
}

async fn ready(app: &App) -> (u16, Value) {
    app.anonymous().get("/ready").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_says_whether_the_database_answers() {
    let app = App::spawn(fresh_sqlite().await).await;
    let (status, v) = ready(&app).await;
    assert_eq!(
        (status, &v["ready"], &v["engine"]),
        (200, &json!(true), &json!("sqlite")),
        "{v}"
    );

    let Some(url) = postgres_url() else {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL part skipped");
        return;
    };
    let schema = format!("t_{:016x}", rand::random::<u64>());
    let keys = kikan_testsuite::http::test_keys();
    let store = Arc::new(ok(kikan_store_postgres::open_in_schema(
        &url,
        Some(&schema),
        keys,
    )
    .await));
    let app = App::spawn(TestStore::Postgres(store.clone())).await;
    let (status, v) = ready(&app).await;
    assert_eq!((status, &v["ready"]), (200, &json!(true)), "{v}");
    // The database goes away (here: the pool is closed): not ready, and says so.
    store.engine().pool().close().await;
    let (status, v) = ready(&app).await;
    assert_eq!((status, &v["ready"]), (503, &json!(false)), "{v}");
    assert!(v["message"].is_string(), "{v}");
}
