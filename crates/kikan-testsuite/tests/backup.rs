//! A backup taken under load (`kikan backup` on the embedded store: `VACUUM INTO` on a
//! connection of its own) holds every 異動 acknowledged before it began, and the copy
//! passes the replay check and the audit verification.

use kikan_domain::PersonId;
use kikan_security::Role;
use kikan_store::Store;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_taken_under_load_holds_every_acknowledged_change() {
    let s = kikan_testsuite::fresh_sqlite().await;
    let db = match &s {
        TestStore::Sqlite(st) => st.engine().path().to_path_buf(),
        _ => unreachable!("fresh_sqlite gives SQLite"),
    };
    let app = App::spawn(s).await;
    let t = app.tenant("149993", "みほん市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = Arc::new(app.as_role(t, Role::Examiner).await);
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (examiner, stop, base) = (examiner.clone(), stop.clone(), base.clone());
        writers.push(tokio::spawn(async move {
            let mut acked: Vec<(Instant, i64)> = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let (status, v) = examiner
                    .post(&format!("{base}/changes"), json!({"effective_on": "2026-04-01", "notified_on": "2026-04-01",
                        "change": {"type": "move_in",
                            "persons": [person_json(("負荷", "太郎"), ("フカ", "タロウ"), "1980-01-01", "男", "世帯主")],
                            "address": {"place": "みほん県みほん市中央一丁目", "banchi": format!("{w}番{n}号")},
                            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}))
                    .await;
                assert_eq!(status, 201, "{v}");
                acked.push((Instant::now(), v["person_ids"][0].as_i64().unwrap_or_default()));
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let dest = std::env::temp_dir().join(format!("kikan-backup-{:016x}.db", rand::random::<u64>()));
    let began = Instant::now();
    let (d, c) = (db.clone(), dest.clone());
    tokio::task::spawn_blocking(move || kikan_store_sqlite::backup_file(&d, &c))
        .await
        .expect("join")
        .expect("backup");
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);
    let mut before = Vec::new();
    let mut total = 0;
    for w in writers {
        let acked = w.await.expect("writer");
        total += acked.len();
        before.extend(
            acked
                .into_iter()
                .filter(|(at, _)| *at < began)
                .map(|(_, id)| PersonId(id)),
        );
    }
    assert!(
        !before.is_empty() && total > before.len(),
        "load ran across the backup: {} of {total}",
        before.len()
    );

    let copy = kikan_store_sqlite::open(&format!("sqlite://{}", dest.display()), app.keys.clone())
        .await
        .expect("open the copy");
    let found = copy.persons(t, &before).await.expect("persons");
    assert_eq!(
        found.len(),
        before.len(),
        "every change acknowledged before the backup is in it"
    );
    let r = kikan_app::check::check(&copy, t)
        .await
        .expect("replay check of the copy");
    assert!(r.entries as usize >= before.len());
    assert!(matches!(kikan_app::audit::verify(&copy, t).await, Ok(Ok(n)) if n > 0));
    let _ = std::fs::remove_file(&dest);
}
