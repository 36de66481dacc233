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
    ]);
    assert!(o.status.success(), "{}", text(&o));
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
