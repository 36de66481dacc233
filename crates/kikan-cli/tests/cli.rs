//! The `kikan` binary end to end: demo data, the replay check, and tampering caught.

use std::path::Path;
use std::process::{Command, Output};

fn kikan(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_kikan"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("cannot run kikan: {e}"),
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn check_passes_on_demo_data_and_names_a_tampered_record() {
    let dir = std::env::temp_dir().join(format!("kikan-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_string_lossy().to_string();
    let o = kikan(&[
        "demo",
        "--data-dir",
        &d,
        "--no-serve",
        "--residents",
        "200",
        "--seed",
        "7",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kikan(&["check", "--data-dir", &d]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("OK"), "{}", text(&o));
    let o = kikan(&["tenant", "list", "--data-dir", &d]);
    assert!(text(&o).contains("149993\tみほん市"), "{}", text(&o));

    // Alter one projection row directly in the file.
    let url = format!(
        "sqlite://{}",
        Path::new(&dir).join("kikan.sqlite").display()
    );
    let pool = match sqlx::SqlitePool::connect(&url).await {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let id: i64 = match sqlx::query_scalar(
        "SELECT person_id FROM persons WHERE register = 'A' ORDER BY person_id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    {
        Ok(id) => id,
        Err(e) => panic!("{e}"),
    };
    let changed = sqlx::query("UPDATE persons SET data = json_set(data, '$.address.banchi', '99番地') WHERE person_id = ?")
        .bind(id)
        .execute(&pool)
        .await
        .map(|r| r.rows_affected());
    assert_eq!(changed.ok(), Some(1));
    pool.close().await;
    let o = kikan(&["check", "--data-dir", &d]);
    assert!(
        !o.status.success(),
        "check passed on tampered data: {}",
        text(&o)
    );
    assert!(
        text(&o).contains(&id.to_string()),
        "the message names the record: {}",
        text(&o)
    );
    assert!(text(&o).contains("address"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_refused_in_japanese() {
    let dir = std::env::temp_dir().join(format!("kikan-cli-bad-{}", std::process::id()));
    let d = dir.to_string_lossy().to_string();
    let o = kikan(&[
        "tenant",
        "add",
        "141004",
        "--name",
        "横浜市",
        "--mayor",
        "市長",
        "--data-dir",
        &d,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("地方公共団体コード"), "{}", text(&o));
    let o = kikan(&[
        "tenant",
        "add",
        "141003",
        "--name",
        "横浜市",
        "--mayor",
        "横浜市長",
        "--data-dir",
        &d,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kikan(&[
        "tenant",
        "add",
        "141003",
        "--name",
        "横浜市",
        "--mayor",
        "横浜市長",
        "--data-dir",
        &d,
    ]);
    assert!(text(&o).contains("既に登録"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
