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
    // The check and the verification are audited first: the chain they verify holds
    // their own records, so an empty view cannot pass as "0 件".
    let o = kikan(&["audit", "verify", "--data-dir", &d]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("監査ログ 0 件"), "{}", text(&o));
    let o = kikan(&["tenant", "list", "--data-dir", &d]);
    assert!(text(&o).contains("149993\tみほん市"), "{}", text(&o));
    // The access log as CSV for analysis (10.2): by action, and by period.
    let o = kikan(&[
        "audit",
        "export",
        "--data-dir",
        &d,
        "--tenant",
        "149993",
        "--action",
        "check.run",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("番号,日時,職員,役割,操作"), "{csv}");
    assert!(
        lines.len() >= 2 && lines[1..].iter().all(|l| l.contains(",check.run,")),
        "{csv}"
    );
    let o = kikan(&[
        "audit",
        "export",
        "--data-dir",
        &d,
        "--tenant",
        "149993",
        "--from",
        "2099-01-01",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        1,
        "{}",
        text(&o)
    );
    let o = kikan(&[
        "audit",
        "export",
        "--data-dir",
        &d,
        "--tenant",
        "149993",
        "--from",
        "2026-13-01",
    ]);
    assert!(
        !o.status.success() && text(&o).contains("日付"),
        "{}",
        text(&o)
    );

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

    // The database without its key file (a restore that forgot it): refused, and no
    // new key is made.
    let keys = Path::new(&dir).join("kikan.keys");
    let kept = Path::new(&dir).join("kikan.keys.kept");
    assert!(std::fs::rename(&keys, &kept).is_ok());
    let o = kikan(&["check", "--data-dir", &d]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("kikan.keys"), "{}", text(&o));
    assert!(!keys.exists(), "a new key file was made");
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

/// PostgreSQL as production runs it: `kikan migrate` as the owner, then `kikan serve
/// --no-migrate` as a role that owns no table; without `--no-migrate` that role
/// cannot start the server (it may not change the schema).
#[tokio::test]
async fn migrate_as_owner_then_serve_as_a_role_that_owns_nothing() {
    let Some(base) = std::env::var("KIKAN_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL test skipped");
        return;
    };
    let Some((_, host_db)) = base.split_once("://").and_then(|(_, r)| r.split_once('@')) else {
        panic!("KIKAN_TEST_DATABASE_URL must name user@host/db: {base}")
    };
    let host = host_db.split('/').next().unwrap_or(host_db);
    let db = format!("kikan_cli_{}", std::process::id());
    let admin = match sqlx::PgPool::connect(&base).await {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let run = |sql: String| {
        let admin = admin.clone();
        async move {
            if let Err(e) = sqlx::query(&sql).execute(&admin).await {
                panic!("{sql}: {e}");
            }
        }
    };
    run(format!("DROP DATABASE IF EXISTS {db}")).await;
    run(format!("CREATE DATABASE {db}")).await;
    let owner_url = format!("postgres://postgres@{host}/{db}");
    let o = kikan(&["migrate", "--database-url", &owner_url]);
    assert!(o.status.success(), "{}", text(&o));
    let owner = match sqlx::PgPool::connect(&owner_url).await {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    for sql in [
        "DO $$ BEGIN CREATE ROLE kikan_app LOGIN NOSUPERUSER NOBYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        "GRANT USAGE ON SCHEMA public TO kikan_app",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kikan_app",
    ] {
        if let Err(e) = sqlx::query(sql).execute(&owner).await {
            panic!("{sql}: {e}");
        }
    }
    owner.close().await;
    let app_url = format!("postgres://kikan_app@{host}/{db}");
    let keys = [
        (
            "KIKAN_DATA_KEYS",
            "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ),
        (
            "KIKAN_INDEX_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ),
    ];
    let serve = |extra: &[&str], port: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kikan"));
        c.args(["serve", "--database-url", &app_url, "--port", port])
            .args(extra)
            .envs(keys)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        match c.spawn() {
            Ok(child) => child,
            Err(e) => panic!("cannot run kikan: {e}"),
        }
    };
    // Migrating needs the owner: the application's role is refused.
    let refused = serve(&[], "18391");
    let out = match refused.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert!(!out.status.success(), "{}", text(&out));
    // Without migrating it serves, and reads the tenants through row security.
    let mut child = serve(&["--no-migrate"], "18392");
    let client = reqwest::Client::new();
    let mut answered = None;
    for _ in 0..100 {
        if let Ok(r) = client
            .get("http://127.0.0.1:18392/api/v1/tenants")
            .send()
            .await
        {
            answered = Some(r.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answered, Some(200));
    run(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
}

/// 操作権限の一括メンテナンス (10.3): accounts created and updated from a CSV file; a
/// file with any bad line writes nothing and names each bad line.
#[test]
fn staff_are_maintained_in_a_batch() {
    let dir = std::env::temp_dir().join(format!("kikan-cli-staff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_string_lossy().to_string();
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
    let file = dir.join("staff.csv");
    let f = file.to_string_lossy().to_string();
    let head = "ログイン名,氏名,役割,所属部署,利用開始日,利用終了日,非表示項目\n";
    let write = |body: &str| {
        std::fs::write(&file, format!("{head}{body}")).unwrap_or_else(|e| panic!("{e}"));
    };
    let import = || {
        kikan(&[
            "staff",
            "import",
            "--data-dir",
            &d,
            "--tenant",
            "141003",
            "--file",
            &f,
        ])
    };
    let list = || {
        text(&kikan(&[
            "staff",
            "list",
            "--data-dir",
            &d,
            "--tenant",
            "141003",
        ]))
    };
    write(
        "kimura,木村　一,窓口,,令和8年4月1日,,個人番号\n\
         sato,佐藤　二,係長,,,,\n\
         suzuki,鈴木　三,審査,SHIMIN,,,\n\
         tanaka,田中　四,審査,,令和8年2月30日,,\n",
    );
    let o = import();
    assert!(!o.status.success(), "{}", text(&o));
    for expected in [
        "2行目",
        "係長",
        "3行目",
        "SHIMIN",
        "4行目",
        "何も登録していません",
    ] {
        assert!(text(&o).contains(expected), "{expected}: {}", text(&o));
    }
    assert!(!list().contains("kimura"), "{}", list());
    write(
        "kimura,木村　一,窓口,,令和8年4月1日,,個人番号\n\
         sato,佐藤　二,審査,,,令和9年3月31日,\n",
    );
    let o = import();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("登録 kimura 初期パスワード: "),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("登録 sato "), "{}", text(&o));
    assert!(
        list().contains("kimura") && list().contains("sato"),
        "{}",
        list()
    );
    // Again, with other items: the existing account is changed, not created.
    write("kimura,木村　一,窓口,,,,個人番号・戸籍の表示\n");
    let o = import();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("変更 kimura"), "{}", text(&o));
    // A role is not changed by a batch.
    write("kimura,木村　一,審査,,,,\n");
    let o = import();
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("役割・氏名は一括メンテナンスでは変えられません"),
        "{}",
        text(&o)
    );
    // 操作権限一覧表: one line per account, a ○ per permission its role gives.
    let o = kikan(&[
        "staff",
        "permissions",
        "--data-dir",
        &d,
        "--tenant",
        "141003",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        table
            .starts_with("職員ID,氏名,役割,所属部署,利用開始日,利用終了日,利用可否,住民情報の参照"),
        "{table}"
    );
    assert!(
        table.contains("kimura,木村　一,窓口,,,,可,○,○,,○,"),
        "{table}"
    );
    assert!(
        table.contains("sato,佐藤　二,審査,,,2027-03-31,可,○,○,○,○"),
        "{table}"
    );
    assert!(table.contains("戸籍の表示・個人番号"), "{table}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kikan backup` and `kikan restore` on the embedded store: the copy's record holds
/// the keys' fingerprints, never the keys; a restore without keys, with other keys, or
/// onto an existing database is refused (nothing written), and with the keys it puts
/// the copy back and checks it. `kikan export` and `kikan import` move the
/// municipality into a new store with other keys.
#[test]
fn backup_restore_and_export_import_from_the_command_line() {
    let root = std::env::temp_dir().join(format!("kikan-cli-bk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let p = |n: &str| root.join(n).to_string_lossy().to_string();
    let o = kikan(&[
        "demo",
        "--data-dir",
        &p("live"),
        "--no-serve",
        "--residents",
        "300",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kikan(&["backup", "--data-dir", &p("live"), "--out", &p("copy.db")]);
    assert!(o.status.success(), "{}", text(&o));
    let record = std::fs::read_to_string(root.join("copy.db.json")).expect("record");
    let keys = std::fs::read_to_string(root.join("live/kikan.keys")).expect("keys");
    for line in keys.lines().filter(|l| l.contains('=')) {
        let secret = line
            .split_once('=')
            .map(|(_, v)| v.trim_start_matches("1:"))
            .unwrap_or("");
        assert!(!record.contains(secret), "the record holds no key");
    }
    assert!(record.contains("\"149993\""), "{record}");

    // No keys: refused, nothing written, no key made.
    let o = kikan(&["restore", "--data-dir", &p("none"), "--from", &p("copy.db")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("E-BACKUP-004"), "{}", text(&o));
    assert!(!root.join("none/kikan.sqlite").exists());
    assert!(!root.join("none/kikan.keys").exists());
    // Other keys: refused.
    std::fs::create_dir_all(root.join("other")).expect("dir");
    let new_key = || {
        String::from_utf8_lossy(&kikan(&["keys-new"]).stdout)
            .trim()
            .to_string()
    };
    std::fs::write(
        root.join("other/kikan.keys"),
        format!("data_keys=1:{}\nindex_key={}\n", new_key(), new_key()),
    )
    .expect("keys");
    let o = kikan(&[
        "restore",
        "--data-dir",
        &p("other"),
        "--from",
        &p("copy.db"),
    ]);
    assert!(text(&o).contains("E-BACKUP-003"), "{}", text(&o));
    assert!(!root.join("other/kikan.sqlite").exists());
    // A changed copy: refused.
    std::fs::copy(root.join("copy.db"), root.join("bad.db")).expect("copy");
    std::fs::copy(root.join("copy.db.json"), root.join("bad.db.json")).expect("copy");
    let mut bytes = std::fs::read(root.join("bad.db")).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(root.join("bad.db"), bytes).expect("write");
    std::fs::create_dir_all(root.join("back")).expect("dir");
    std::fs::write(root.join("back/kikan.keys"), &keys).expect("keys");
    let o = kikan(&["restore", "--data-dir", &p("back"), "--from", &p("bad.db")]);
    assert!(text(&o).contains("E-BACKUP-002"), "{}", text(&o));
    // The keys: restored and checked; a second restore onto it is refused.
    let o = kikan(&["restore", "--data-dir", &p("back"), "--from", &p("copy.db")]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("149993: OK"), "{}", text(&o));
    let o = kikan(&["restore", "--data-dir", &p("back"), "--from", &p("copy.db")]);
    assert!(text(&o).contains("E-BACKUP-006"), "{}", text(&o));

    // Export and import into a store with keys of its own.
    let o = kikan(&[
        "export",
        "--data-dir",
        &p("live"),
        "--tenant",
        "149993",
        "--out",
        &p("export"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kikan(&[
        "import",
        "--data-dir",
        &p("moved"),
        "--tenant",
        "149993",
        "--from",
        &p("export"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("再生検査 OK"), "{}", text(&o));
    let o = kikan(&[
        "import",
        "--data-dir",
        &p("moved"),
        "--tenant",
        "149993",
        "--from",
        &p("export"),
    ]);
    assert!(text(&o).contains("E-ARCHIVE-005"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&root);
}

/// `kikan backup` and `kikan restore` on PostgreSQL (pg_dump, pg_restore): a copy of a
/// database restored into an empty one passes the checks; other keys are refused.
#[tokio::test]
async fn postgres_backup_restores_into_an_empty_database() {
    let Some(base) = std::env::var("KIKAN_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL test skipped");
        return;
    };
    let Some((_, host_db)) = base.split_once("://").and_then(|(_, r)| r.split_once('@')) else {
        panic!("KIKAN_TEST_DATABASE_URL must name user@host/db: {base}")
    };
    let host = host_db.split('/').next().unwrap_or(host_db);
    let admin = sqlx::PgPool::connect(&base).await.expect("connect");
    let (from, to) = (
        format!("kikan_bk_from_{}", std::process::id()),
        format!("kikan_bk_to_{}", std::process::id()),
    );
    for db in [&from, &to] {
        for sql in [
            format!("DROP DATABASE IF EXISTS {db}"),
            format!("CREATE DATABASE {db}"),
        ] {
            sqlx::query(&sql).execute(&admin).await.expect("database");
        }
    }
    let url = |db: &str| format!("postgres://postgres@{host}/{db}");
    let new_key = || {
        String::from_utf8_lossy(&kikan(&["keys-new"]).stdout)
            .trim()
            .to_string()
    };
    let keys = [
        ("KIKAN_DATA_KEYS", format!("1:{}", new_key())),
        ("KIKAN_INDEX_KEY", new_key()),
    ];
    let with = |args: &[&str], keys: &[(&str, String)]| {
        Command::new(env!("CARGO_BIN_EXE_kikan"))
            .args(args)
            .envs(keys.iter().map(|(k, v)| (*k, v.as_str())))
            .env("RUST_LOG", "warn")
            .output()
            .expect("run kikan")
    };
    let dir = std::env::temp_dir().join(format!("kikan-pg-bk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let copy = dir.join("copy.dump").to_string_lossy().to_string();
    let o = with(
        &[
            "demo",
            "--database-url",
            &url(&from),
            "--no-serve",
            "--residents",
            "150",
        ],
        &keys,
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = with(
        &["backup", "--database-url", &url(&from), "--out", &copy],
        &keys,
    );
    assert!(o.status.success(), "{}", text(&o));
    let other = [
        ("KIKAN_DATA_KEYS", format!("1:{}", new_key())),
        ("KIKAN_INDEX_KEY", new_key()),
    ];
    let o = with(
        &["restore", "--database-url", &url(&to), "--from", &copy],
        &other,
    );
    assert!(text(&o).contains("E-BACKUP-003"), "{}", text(&o));
    let o = with(
        &["restore", "--database-url", &url(&to), "--from", &copy],
        &keys,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("149993: OK"), "{}", text(&o));
    let o = with(
        &["restore", "--database-url", &url(&to), "--from", &copy],
        &keys,
    );
    assert!(text(&o).contains("E-BACKUP-006"), "{}", text(&o));
    admin.close().await;
    let admin = sqlx::PgPool::connect(&base).await.expect("connect");
    for db in [&from, &to] {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .execute(&admin)
            .await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn statistics_as_csv_and_charts() {
    let root = std::env::temp_dir().join(format!("kikan-cli-st-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let p = |n: &str| root.join(n).to_string_lossy().to_string();
    let o = kikan(&[
        "demo",
        "--data-dir",
        &p("d"),
        "--no-serve",
        "--residents",
        "120",
        "--seed",
        "5",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kikan(&[
        "statistics",
        "--data-dir",
        &p("d"),
        "--tenant",
        "149993",
        "--on",
        "2999-01-01",
        "--from",
        "2000-01-01",
        "--to",
        "2998-12-31",
        "--csv",
        &p("s.csv"),
        "--svg",
        &p("s.svg"),
        "--xlsx",
        &p("s.xlsx"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // The XLSX deliverable (9.1): a zip package (tests/batch.rs reads its cells).
    let xlsx = std::fs::read(root.join("s.xlsx")).expect("xlsx");
    assert!(xlsx.starts_with(b"PK\x03\x04"), "not an XLSX package");
    let csv = std::fs::read_to_string(root.join("s.csv")).expect("csv");
    assert!(
        csv.starts_with("\u{feff}区分,項目,日本人住民,外国人住民,計\r\n"),
        "{csv}"
    );
    let total: u64 = csv
        .lines()
        .find(|l| l.starts_with("人口（2999-01-01現在）,計,"))
        .and_then(|l| l.rsplit(',').next())
        .and_then(|n| n.parse().ok())
        .expect("the total");
    let svg = std::fs::read_to_string(root.join("s.svg")).expect("svg");
    assert!(svg.starts_with("<svg"), "{svg}");
    // 21 bands a side, and the persons they hold are the population.
    let shown: u64 = svg
        .split("<title>")
        .skip(1)
        .filter(|t| t.contains("歳 男 ") || t.contains("歳 女 "))
        .filter_map(|t| {
            t.split(' ')
                .nth(2)
                .and_then(|n| n.trim_end_matches(|c| c != '人').strip_suffix('人'))
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum();
    assert_eq!(svg.matches("歳 男 ").count(), 21);
    assert_eq!(shown, total, "{svg}");
    // Standard output when no file is named; a bad date is refused.
    let o = kikan(&[
        "statistics",
        "--data-dir",
        &p("d"),
        "--tenant",
        "149993",
        "--on",
        "2999-01-01",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("区分,項目"),
        "{}",
        text(&o)
    );
    let o = kikan(&[
        "statistics",
        "--data-dir",
        &p("d"),
        "--tenant",
        "149993",
        "--on",
        "2026-02-30",
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("2026-02-30」を読み取れません"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A free port on loopback (bound, then let go for the process to take).
fn free_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => panic!("no free port: {e}"),
    }
}

/// A `kikan` process that is killed (SIGKILL) when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str], env: &[(&str, String)]) -> Process {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kikan"));
    c.args(args)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    match c.spawn() {
        Ok(child) => Process(child),
        Err(e) => panic!("cannot run kikan: {e}"),
    }
}

/// Waits until `check` holds (at most 30 s).
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("waited 30 s for: {what}");
}

/// One municipality on its own `kikan serve` process, linked to the simulated CS.
struct Server {
    dir: std::path::PathBuf,
    port: u16,
    code: &'static str,
    cs: String,
    token: String,
    client: reqwest::Client,
}

impl Server {
    fn start(&self) -> Process {
        let port = self.port.to_string();
        let dir = self.dir.to_string_lossy().to_string();
        spawn(
            &["serve", "--data-dir", &dir, "--port", &port],
            &[
                ("KIKAN_CS", self.cs.clone()),
                ("KIKAN_CS_INTERVAL", "1".into()),
                ("KIKAN_SCHEDULER", "0".into()),
                ("KIKAN_DAILY", "0".into()),
            ],
        )
    }

    fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/api/v1/tenants/{}/{path}",
            self.port, self.code
        )
    }

    async fn up(&self) {
        let health = format!("http://127.0.0.1:{}/health", self.port);
        until("the server answers", || async {
            self.client.get(&health).send().await.is_ok()
        })
        .await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("X-Kikan-Purpose", "%E8%A9%A6%E9%A8%93");
        if let Some(b) = body {
            r = r.json(&b);
        }
        match r.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                (status, resp.json().await.unwrap_or(serde_json::Value::Null))
            }
            Err(e) => panic!("{path}: {e}"),
        }
    }

    async fn pending(&self) -> usize {
        let (_, v) = self
            .call(reqwest::Method::GET, "cs/items?state=pending", None)
            .await;
        v.as_array().map(Vec::len).unwrap_or(usize::MAX)
    }
}

/// Makes a municipality and its 審査 in `dir`, starts its server and signs in.
async fn municipality(dir: &Path, code: &'static str, name: &str, cs: &str) -> (Server, Process) {
    let d = dir.to_string_lossy().to_string();
    let o = kikan(&[
        "tenant",
        "add",
        code,
        "--name",
        name,
        "--mayor",
        &format!("{name}長　見本　一郎"),
        "--data-dir",
        &d,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = match Command::new(env!("CARGO_BIN_EXE_kikan"))
        .args([
            "staff",
            "add",
            "--tenant",
            code,
            "--login",
            "shinsa",
            "--name",
            "審査　花子",
            "--role",
            "examiner",
            "--data-dir",
            &d,
        ])
        .env("KIKAN_NEW_PASSWORD", "a long enough password")
        .env("RUST_LOG", "warn")
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("TOTP秘密鍵: "))
        .unwrap_or_else(|| panic!("no secret: {out}"))
        .trim()
        .to_string();
    let code_now = text(&kikan(&["totp-code", "--secret", &secret]))
        .trim()
        .to_string();
    let mut server = Server {
        dir: dir.to_path_buf(),
        port: free_port(),
        code,
        cs: cs.to_string(),
        token: String::new(),
        client: reqwest::Client::new(),
    };
    let process = server.start();
    server.up().await;
    let login = format!(
        "http://127.0.0.1:{}/api/v1/tenants/{code}/login",
        server.port
    );
    let v: serde_json::Value = match server
        .client
        .post(login)
        .json(&serde_json::json!({"login": "shinsa", "password": "a long enough password", "totp": code_now}))
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(e) => panic!("{e}"),
    };
    server.token = v["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {v}"))
        .to_string();
    (server, process)
}

/// 特例転出 between two `kikan serve` processes through the simulated 住基ネット (a
/// third process), the old municipality's server killed with SIGKILL in the middle of
/// the exchange: the CS has taken the 転出証明書情報 and its answer has not come back.
/// Started again on its database, the server sends the item again by itself; the CS
/// takes it once (a duplicate, answered 受付済み), the new municipality receives it once
/// and records the 特例転入, its 転入通知 comes back and the 除票 is completed; both
/// replay checks pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_move_survives_a_server_killed_mid_exchange() {
    use reqwest::Method;
    use serde_json::json;
    let root = std::env::temp_dir().join(format!("kikan-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let sim_port = free_port();
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let state = root.join("cs.json");
    let _ = std::fs::create_dir_all(&root);
    let _sim = spawn(
        &[
            "cs-simulator",
            "--listen",
            &format!("127.0.0.1:{sim_port}"),
            "--state",
            &state.to_string_lossy(),
        ],
        &[],
    );
    let client = reqwest::Client::new();
    until("the simulator answers", || async {
        client.get(format!("{sim_url}/state")).send().await.is_ok()
    })
    .await;
    let sim_state = || async {
        match client.get(format!("{sim_url}/state")).send().await {
            Ok(r) => r.json::<serde_json::Value>().await.unwrap_or_default(),
            Err(e) => panic!("simulator: {e}"),
        }
    };
    let (a, process_a) = municipality(&root.join("a"), "131016", "千代田区", &sim_url).await;
    let (b, _process_b) = municipality(&root.join("b"), "141003", "横浜市", &sim_url).await;

    // A resident of a, whose items reach the CS by themselves.
    let long_ago = (chrono::Utc::now().date_naive() - chrono::Duration::days(400)).to_string();
    let (status, v) = a
        .call(Method::POST, "changes", Some(json!({"effective_on": long_ago, "notified_on": long_ago,
            "change": {"type": "move_in", "kind": "転入", "persons": [{
                "name": {"family": "田中", "given": "一郎"}, "furigana": {"family": "タナカ", "given": "イチロウ"},
                "birth_date": "1980-04-01", "sex": "男", "relationship": "世帯主",
                "honseki": {"domicile": "東京都千代田区神田一丁目1番地", "head_name": "田中　一郎"}}],
                "address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}})))
        .await;
    assert_eq!(status, 201, "{v}");
    let person = v["person_ids"][0].as_i64().unwrap_or_default();
    until("a's items are sent", || async { a.pending().await == 0 }).await;
    let applied_before = sim_state().await["applied"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default();

    // The CS will take the next message and answer only 20 s later.
    let r = client
        .post(format!("{sim_url}/faults"))
        .json(&json!([{"fault": "slow_reply", "millis": 20000}]))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status().is_success()));
    let today = chrono::Utc::now().date_naive().to_string();
    let (status, v) = a
        .call(
            Method::POST,
            "changes",
            Some(
                json!({"notified_on": today, "cs": {"special_move_out_to": b.code},
            "change": {"type": "move_out", "person_ids": [person], "planned_on": today,
                "destination": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"}}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // The CS has it; a's server waits for the answer: killed now.
    until("the CS takes the 転出証明書情報", || async {
        sim_state().await["applied"]
            .as_array()
            .map(Vec::len)
            .unwrap_or_default()
            > applied_before
    })
    .await;
    drop(process_a);
    assert_eq!(sim_state().await["duplicates"], 0);

    // Started again on its database: the item is still to send, and is sent again.
    let _process_a = a.start();
    a.up().await;
    until("a sends the item again after the restart", || async {
        a.pending().await == 0
    })
    .await;
    let st = sim_state().await;
    assert_eq!(
        st["duplicates"], 1,
        "taken once, answered 受付済み the second time"
    );
    let (_, items) = a.call(Method::GET, "cs/items?state=accepted", None).await;
    let certificate = items
        .as_array()
        .and_then(|l| l.iter().find(|i| i["kind"] == "転出証明書情報"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(certificate["state"], "accepted", "{items}");

    // b receives it once and records the 特例転入 from it.
    let (status, r) = b.call(Method::POST, "cs/receive", Some(json!({}))).await;
    assert_eq!((status, r["kept"].as_u64()), (200, Some(1)), "{r}");
    let (_, inbox) = b.call(Method::GET, "cs/inbox?state=new", None).await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(1), "{inbox}");
    let key = inbox[0]["key"].as_str().unwrap_or_default().to_string();
    let (status, mut req) = b
        .call(Method::GET, &format!("cs/inbox/{key}/move-in"), None)
        .await;
    assert_eq!(status, 200, "{req}");
    req["effective_on"] = json!(today);
    req["change"]["address"] = json!({"place": "神奈川県横浜市中区山下町", "banchi": "8番地"});
    let (status, v) = b.call(Method::POST, "changes", Some(req)).await;
    assert_eq!(status, 201, "{v}");
    // b's 転入通知 goes back by itself; a takes it in and completes the 除票.
    until("b's 転入通知 is sent", || async {
        b.pending().await == 0
    })
    .await;
    let (status, r) = a.call(Method::POST, "cs/receive", Some(json!({}))).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["applied"].as_array().map(Vec::len), Some(1), "{r}");
    let (_, p) = a
        .call(Method::GET, &format!("persons/{person}"), None)
        .await;
    assert_eq!(p["status"]["state"], "消除", "{p}");
    let (_, history) = a
        .call(Method::GET, &format!("persons/{person}/history"), None)
        .await;
    let confirmed = history["entries"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["reason"] == "転出確定").count())
        .unwrap_or_default();
    assert_eq!(confirmed, 1, "{history}");
    drop(_process_a);
    drop(_process_b);

    // Each side's replay check passes.
    for side in [&a, &b] {
        let o = kikan(&["check", "--data-dir", &side.dir.to_string_lossy()]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let _ = std::fs::remove_dir_all(&root);
}
