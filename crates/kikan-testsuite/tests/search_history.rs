//! 検索履歴 (2.1.1), over HTTP on both engines: each staff member's searches are kept (the
//! latest 20, each set of conditions once, newest first), their own only, a search by
//! 個人番号 never; the list is what the search screen offers to run again.

use kikan_security::Role;
use kikan_testsuite::http::{App, person_json};
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::json;

async fn history(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let clerk = app.as_role(t, Role::Reception).await;
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person_json(("山田", "花子"), ("ヤマダ", "ハナコ"), "1980-01-01", "女", "世帯主")],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let search = |q: &str| format!("{base}/search?{q}");
    for q in [
        "kana=%E3%83%A4%E3%83%9E",
        "name=%E5%B1%B1%E7%94%B0&birth_date=%E6%98%AD%E5%92%8C55%E5%B9%B41%E6%9C%881%E6%97%A5",
        "kana=%E3%83%A4%E3%83%9E",
        "individual_number=123456789018",
    ] {
        let (status, v) = clerk.get(&search(q)).await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, h) = clerk.get(&format!("{base}/search-history")).await;
    assert_eq!(status, 200, "{h}");
    let list = h.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2, "{h}");
    assert_eq!(list[0]["kana"], "ヤマ", "newest first: {h}");
    assert_eq!(
        (list[1]["name"].as_str(), list[1]["birth_date"].as_str()),
        (Some("山田"), Some("昭和55年1月1日")),
        "{h}"
    );
    assert!(!h.to_string().contains("123456789018"), "{h}");
    // Another staff member's list is their own.
    let (_, theirs) = examiner.get(&format!("{base}/search-history")).await;
    assert_eq!(theirs, json!([]));
    // Only the latest 20 are kept.
    for n in 0..22 {
        let (status, _) = clerk
            .get(&search(&format!("address={n}%E7%95%AA%E5%9C%B0")))
            .await;
        assert_eq!(status, 200);
    }
    let (_, h) = clerk.get(&format!("{base}/search-history")).await;
    let list = h.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 20, "{h}");
    assert_eq!(list[0]["address"], "21番地");
    assert_eq!(list[19]["address"], "2番地");
    // Reading it states a purpose and is audited.
    let (status, _) = clerk
        .clone()
        .without_purpose()
        .get(&format!("{base}/search-history"))
        .await;
    assert_eq!(status, 400);
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=search.history"))
        .await;
    assert!(log.as_array().is_some_and(|l| l.len() >= 3), "{log}");
}

#[tokio::test]
async fn search_history_sqlite() {
    history(fresh_sqlite().await).await;
}

#[tokio::test]
async fn search_history_postgres() {
    let Some(s) = fresh_postgres().await else {
        return;
    };
    history(s).await;
}
