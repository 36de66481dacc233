//! 通信ログ (10.2), on both engines: errors talking to the CS and to the identity
//! provider are written apart from the tracing output, per municipality and day, in a
//! hash chain that names an edited line; 監査 reads and filters them (audited); the
//! municipality sets the 保管期間 (管理者, audited) and the daily work removes older days.

use kikan_security::Role;
use kikan_server::commlog::CommLog;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::App;
use serde_json::{Value, json};
use std::sync::Arc;

/// A CS adapter address nobody answers on (the discard port, refused).
const NOBODY: &str = "http://127.0.0.1:9";

fn peers(log: &Value) -> Vec<(String, String)> {
    log["records"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["peer"].as_str().unwrap_or_default().to_string(),
                r["operation"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn communication_errors_are_logged_apart_and_kept_for_the_period(s: TestStore) {
    let dir = std::env::temp_dir().join(format!("kikan-comm-test-{:016x}", rand::random::<u64>()));
    let folder = dir.clone();
    let app = App::spawn_with(s, move |mut st| {
        let link = kikan_server::cs_link::link(NOBODY).expect("link");
        st.cs = Some(Arc::new(kikan_server::cs::Link::new(link, NOBODY)));
        st.comm_log = Arc::new(CommLog::new(folder));
        st
    })
    .await;
    let t = app.tenant("131016", "千代田区").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let auditor = app.as_role(t, Role::Auditor).await;
    let admin = app.as_role(t, Role::Admin).await;

    // The CS does not answer: the receipt says so, and the 通信ログ keeps it.
    let (status, r) = examiner
        .post(&format!("{base}/cs/receive"), json!({}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert!(r["failure"].is_string(), "{r}");
    // Nor does the identity provider.
    let secret = app
        .keys
        .encrypt(&t.to_string(), "oidc.client_secret", "s")
        .expect("sealed");
    app.store
        .set_oidc_provider(
            t,
            &kikan_store::accounts::OidcProvider {
                issuer: NOBODY.into(),
                client_id: "kikan".into(),
                client_secret: secret,
                redirect_url: format!("{}{base}/oidc/callback", app.base),
            },
        )
        .await
        .expect("provider");
    let (status, v) = app.anonymous().get(&format!("{base}/oidc/login")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-013")),
        "{v}"
    );

    let (status, log) = auditor.get(&format!("{base}/comm-log")).await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log["chain_ok"], true, "{log}");
    let found = peers(&log);
    assert!(
        found.contains(&("cs".into(), "住基ネット受信".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "idp".into(),
            "GET /api/v1/tenants/{tenant}/oidc/login".into()
        )),
        "{found:?}"
    );
    let first = &log["records"][0];
    assert_eq!(first["tenant"], t.to_string());
    assert!(first["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(first["peer_label"], "住基ネット(CS)");
    // Filtered by peer and day; an unknown peer is refused.
    let (_, only) = auditor
        .get(&format!("{base}/comm-log?peer=idp&from=2000-01-01"))
        .await;
    assert!(
        peers(&only).iter().all(|(p, _)| p == "idp") && !peers(&only).is_empty(),
        "{only}"
    );
    let (_, none) = auditor.get(&format!("{base}/comm-log?to=2000-01-01")).await;
    assert_eq!(none["records"].as_array().map(Vec::len), Some(0));
    let (status, v) = auditor.get(&format!("{base}/comm-log?peer=ftp")).await;
    assert_eq!((status, v["field"].as_str()), (422, Some("peer")), "{v}");
    // Kept apart: another municipality's log holds none of it.
    let other = app.tenant("131024", "中央区").await;
    let other_auditor = app.as_role(other, Role::Auditor).await;
    let (_, theirs) = other_auditor
        .get(&format!("/api/v1/tenants/{other}/comm-log"))
        .await;
    assert_eq!(theirs["records"].as_array().map(Vec::len), Some(0));

    // The 保管期間: five years unless set; 管理者 sets it (audited).
    let (_, period) = auditor.get(&format!("{base}/log-retention")).await;
    assert_eq!(
        (period["years"].as_u64(), period["set"].as_bool()),
        (Some(5), Some(false))
    );
    let (status, v) = admin
        .put(&format!("{base}/log-retention"), json!({"years": 0}))
        .await;
    assert_eq!((status, v["field"].as_str()), (422, Some("years")), "{v}");
    let (status, v) = admin
        .put(&format!("{base}/log-retention"), json!({"years": 1}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, period) = auditor.get(&format!("{base}/log-retention")).await;
    assert_eq!(
        (period["years"].as_u64(), period["set"].as_bool()),
        (Some(1), Some(true))
    );
    // A day two years back goes with the daily work; today's stays.
    let folder = dir.join(t.to_string());
    let today_file = std::fs::read_dir(&folder)
        .expect("folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .next()
        .expect("a day file");
    let old_day = (chrono::Utc::now() - chrono::Duration::days(800)).format("%Y-%m-%d");
    let old_file = folder.join(format!("comm-{old_day}.jsonl"));
    std::fs::copy(&today_file, &old_file).expect("copy");
    let (status, v) = examiner
        .post(&format!("{base}/jobs/daily"), json!({}))
        .await;
    assert_eq!(status, 201, "{v}");
    assert!(!old_file.exists(), "the day past the period is removed");
    assert!(today_file.exists());
    let (_, log) = auditor.get(&format!("{base}/comm-log")).await;
    assert_eq!(log["chain_ok"], true, "{log}");

    // Tampering with a line is named by the next read.
    let text = std::fs::read_to_string(&today_file).expect("read");
    std::fs::write(&today_file, text.replacen("127.0.0.1", "127.0.0.2", 1)).expect("write");
    let (_, log) = auditor.get(&format!("{base}/comm-log")).await;
    assert_eq!(log["chain_ok"], false, "{log}");
    assert!(
        log["chain_error"]
            .as_str()
            .is_some_and(|e| e.contains("内容が変更されている")),
        "{log}"
    );

    // The reads and the setting are in the audit log.
    let (_, audit) = auditor
        .get(&format!("{base}/audit?action=settings.log_retention"))
        .await;
    assert_eq!(
        audit[0]["detail"], "ログの保管期間を5年から1年に変更",
        "{audit}"
    );
    let (_, audit) = auditor
        .get(&format!("{base}/audit?action=comm_log.read"))
        .await;
    assert!(audit.as_array().is_some_and(|a| a.len() >= 4), "{audit}");
    let _ = std::fs::remove_dir_all(&dir);
}

kikan_testsuite::on_both!(communication_errors_are_logged_apart_and_kept_for_the_period);
