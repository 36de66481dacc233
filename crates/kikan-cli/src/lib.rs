//! The commands of the `kikan` binary: the demo, tenants, staff, imports, extraction,
//! certificates, the replay check, benchmarks. They work through the use cases of
//! `kikan-app`; `serve` hands the opened store to the HTTP server the binary passes in
//! ([`Server`]), so this crate does not depend on `kikan-server`.

mod backup;
mod bench;
mod cert;
mod generate;
mod synth;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use kikan_domain::LocalGovCode;
use kikan_security::Role;
pub use kikan_security::crypto::Keyring;
pub use kikan_store::Store;
use kikan_store::Tenant;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "kikan",
    version,
    about = "kikan 基幹: an open, standard-compliant resident registry (住民記録システム)"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// `kikan demo`: the server it starts links to a simulated CS unless told otherwise.
    pub fn is_demo(&self) -> bool {
        matches!(self.command, Command::Demo { .. })
    }
}

/// Where the data lives: a directory for the embedded SQLite file, or a database URL.
#[derive(Args, Clone)]
struct StoreArgs {
    /// Directory of the embedded database (kikan.sqlite), created on first use.
    #[arg(long, env = "KIKAN_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// A database URL instead (postgres://… or sqlite://…); overrides --data-dir.
    #[arg(long, env = "KIKAN_DATABASE_URL")]
    database_url: Option<String>,
}

impl StoreArgs {
    /// The installation's keys: `KIKAN_DATA_KEYS` ("1:<base64>,2:<base64>", the highest
    /// encrypts) and `KIKAN_INDEX_KEY` from the environment (a secret store); for the
    /// embedded default without them, a key file `kikan.keys` (mode 0600) beside the
    /// database, created on first use.
    fn keys(&self) -> Result<Arc<Keyring>> {
        self.keys_with(true)
    }

    /// The keys as they are, never new ones (`kikan restore`): from the environment or
    /// an existing key file, else an error.
    fn existing_keys(&self) -> Result<Arc<Keyring>> {
        self.keys_with(false)
    }

    fn keys_with(&self, create: bool) -> Result<Arc<Keyring>> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let (Some(data), Some(index)) = (env("KIKAN_DATA_KEYS"), env("KIKAN_INDEX_KEY")) {
            return Ok(Arc::new(Keyring::parse(&data, &index)?));
        }
        if self.database_url.is_some() {
            bail!(
                "KIKAN_DATA_KEYS と KIKAN_INDEX_KEY を設定してください(データベースURLを使う場合、鍵は環境変数で渡します)"
            );
        }
        let path = self.data_dir.join("kikan.keys");
        if !path.exists() && !create {
            bail!(
                "E-BACKUP-004 鍵がありません: KIKAN_DATA_KEYS と KIKAN_INDEX_KEY を設定するか、鍵ファイル {} を戻してください(新しい鍵は作りません)",
                path.display()
            );
        }
        if !path.exists() {
            // A database restored without its keys: new keys would read none of its
            // sealed data (and every sealed read would fail). Refuse instead.
            let db = self.data_dir.join("kikan.sqlite");
            if std::fs::metadata(&db).is_ok_and(|m| m.len() > 0) {
                bail!(
                    "{} はありますが鍵ファイル {} がありません。データベースを復元した場合は、その鍵ファイル(または KIKAN_DATA_KEYS と KIKAN_INDEX_KEY)も戻してください。新しい鍵では既存の暗号化データを読めないため、鍵を作らずに終了します",
                    db.display(),
                    path.display()
                );
            }
            std::fs::create_dir_all(&self.data_dir)?;
            let text = format!(
                "# kikan keys: keep this file secret and out of backups of the database.\ndata_keys=1:{}\nindex_key={}\n",
                Keyring::new_key(),
                Keyring::new_key()
            );
            kikan_app::files::write_private(&path, text.as_bytes())?;
            tracing::warn!(path = %path.display(), "created a key file; in production pass KIKAN_DATA_KEYS and KIKAN_INDEX_KEY from a secret store");
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{} を読めません", path.display()))?;
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(name)?.strip_prefix('='))
                .map(str::to_string)
        };
        match (field("data_keys"), field("index_key")) {
            (Some(d), Some(i)) => Ok(Arc::new(Keyring::parse(&d, &i)?)),
            _ => bail!("{} に data_keys と index_key がありません", path.display()),
        }
    }

    async fn open(&self) -> Result<Arc<dyn Store>> {
        self.open_with(true).await
    }

    /// The SQLite database file: `sqlite://PATH`, or `kikan.sqlite` in the data directory.
    fn sqlite_path(&self, url: Option<&str>) -> Result<PathBuf> {
        match url {
            None => Ok(self.data_dir.join("kikan.sqlite")),
            Some(u) => match u
                .strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
            {
                Some(rest) => Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest))),
                None => bail!("unsupported database URL {u:?} (postgres://… or sqlite://…)"),
            },
        }
    }

    /// The PostgreSQL URL, when the store is PostgreSQL.
    fn postgres_url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
    }

    /// Opens the store. Without `migrate`, PostgreSQL is connected as it is (the
    /// server's role need own no table); SQLite, embedded, always migrates.
    async fn open_with(&self, migrate: bool) -> Result<Arc<dyn Store>> {
        let store = self.connect(migrate).await?;
        // Records from before the search columns of 2.1.2/2.1.3 get them now (once).
        let filled = store
            .fill_search_keys()
            .await
            .context("filling the search keys")?;
        if filled > 0 {
            tracing::info!(
                filled,
                "search keys filled for records of an earlier version"
            );
        }
        Ok(store)
    }

    async fn connect(&self, migrate: bool) -> Result<Arc<dyn Store>> {
        let keys = self.keys()?;
        Ok(match self.database_url.as_deref() {
            Some(url) if self.postgres_url().is_some() => Arc::new(if migrate {
                kikan_store_postgres::open(url, keys)
                    .await
                    .context("opening PostgreSQL")?
            } else {
                kikan_store_postgres::open_as_app(url, None, keys)
                    .await
                    .context("opening PostgreSQL (without migrating)")?
            }),
            Some(url) if url.starts_with("sqlite:") => Arc::new(
                kikan_store_sqlite::open(url, keys)
                    .await
                    .context("opening SQLite")?,
            ),
            Some(url) => bail!("unsupported database URL {url:?} (postgres://… or sqlite://…)"),
            None => Arc::new(
                kikan_store_sqlite::open_dir(&self.data_dir, keys)
                    .await
                    .context("opening the data directory")?,
            ),
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Do not migrate the schema (PostgreSQL): the server may then connect as a
        /// role that owns no table; `kikan migrate` is run by the owner beforehand.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply the schema's migrations and exit (run as the role that owns the tables).
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create a sample municipality with synthetic residents (if absent) and serve it.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// About this many residents (a few per household).
        #[arg(long, default_value_t = 300)]
        residents: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Create the data and exit instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Generate a synthetic municipality of any size (deterministic per seed) in bulk.
    Gen {
        #[command(flatten)]
        store: StoreArgs,
        /// Residents on the register at the end (5000 for a town, 3800000 for 横浜市).
        #[arg(long)]
        residents: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 全国地方公共団体コード of the new municipality.
        #[arg(long, default_value = "149993")]
        tenant: String,
        #[arg(long, default_value = "みほん市")]
        name: String,
    },
    /// Measure load, online 異動, search, as-of extraction and memory, each beside its
    /// ceiling; prints a table and writes JSON (and an SVG plot with --plot).
    Bench {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, default_value_t = 100_000)]
        residents: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seconds per concurrency level of the online test.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Concurrency levels of the online test.
        #[arg(long, value_delimiter = ',', default_value = "1,8,32,128")]
        concurrency: Vec<usize>,
        /// Clients of the open-loop test (転居 offered at a fixed rate).
        #[arg(long, default_value_t = 32)]
        paced_clients: usize,
        /// 転居 a second offered by the open-loop test.
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        /// Where to write the JSON report.
        #[arg(long, default_value = "bench.json")]
        json: PathBuf,
        /// Where to write an SVG plot of latency against concurrency.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// Many municipalities on one store instead: this many, each with
        /// `--tenant-residents` residents (one alone, all together, a noisy neighbour).
        #[arg(long)]
        tenants: Option<usize>,
        #[arg(long, default_value_t = 2_000)]
        tenant_residents: usize,
        /// Load the demo's 住所辞書 first: the online 転居 and 転入 then name their
        /// addresses' 住所コード, checked against it.
        #[arg(long)]
        dictionary: bool,
        /// Clients per municipality when all are driven together.
        #[arg(long, default_value_t = 2)]
        clients_per_tenant: usize,
        /// Residents per bulk load of the noisy neighbour.
        #[arg(long, default_value_t = 20_000)]
        bulk_residents: usize,
    },
    /// Write a whole municipality to a new directory (10.6): the ledger, the audit
    /// chain, the 住所辞書, 支援措置, 抑止, メモ, the other businesses' items, the
    /// certificate settings and the issuance register, as JSON Lines with a manifest
    /// (docs/formats.md). It holds the 個人番号 in the clear: keep it as the registry.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// 全国地方公共団体コード of the municipality.
        #[arg(long)]
        tenant: String,
        /// The directory to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// A consistent copy of the whole database taken while the server runs (SQLite:
    /// VACUUM INTO; PostgreSQL: pg_dump), with a record `<out>.json` of the keys that
    /// read it (fingerprints, never the keys) and its SHA-256. Keep the keys apart.
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The copy to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a copy from `kikan backup` back into an empty place (SQLite: a data
    /// directory or file without a database; PostgreSQL: an empty database). Refuses
    /// missing or other keys; runs the replay check and the audit verification after.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// The copy `kikan backup` wrote (its record `<copy>.json` beside it).
        #[arg(long)]
        from: PathBuf,
    },
    /// 移行: the residents of the outgoing vendor's system from CSV (UTF-8 or
    /// Shift_JIS; its 外字 mapped by --gaiji) into an empty municipality, each row
    /// checked as a counter entry; any bad row is listed and nothing is imported.
    ImportResidents {
        #[command(flatten)]
        store: StoreArgs,
        /// 全国地方公共団体コード of the (registered, empty) municipality.
        #[arg(long)]
        tenant: String,
        /// The residents' CSV (docs/formats.md, "移行").
        #[arg(long)]
        file: PathBuf,
        /// The 外字 table: `外字,文字` per line (the 外字 as itself or U+E000).
        #[arg(long)]
        gaiji: Option<PathBuf>,
        /// The cut-over day the histories are dated (和暦 or 西暦); today when absent.
        #[arg(long)]
        cut_over: Option<String>,
        /// Where to write the vendor's 宛名番号 → kikan's 宛名番号 and 世帯番号 (CSV).
        #[arg(long)]
        numbers_out: Option<PathBuf>,
    },
    /// Put a municipality written by `kikan export` into this store (either engine):
    /// the municipality must be empty; everything is checked before anything is
    /// written, and the replay check runs after.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// 全国地方公共団体コード of the municipality (the exported one).
        #[arg(long)]
        tenant: String,
        /// The directory `kikan export` wrote.
        #[arg(long)]
        from: PathBuf,
    },
    /// 基準日抽出: every resident on the register on a date, as JSON Lines.
    Extract {
        #[command(flatten)]
        store: StoreArgs,
        /// 全国地方公共団体コード of the municipality.
        #[arg(long)]
        tenant: String,
        /// The date (和暦 or 西暦, e.g. 令和8年1月1日 or 2026-01-01).
        #[arg(long)]
        as_of: String,
        /// The file to write (JSON Lines); standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 統計 (6.1): the 住民基本台帳関係年報's figures on a 基準日 and the 異動 of a period, as
    /// CSV and as charts (SVG: the 人口ピラミッド and the 異動 per month). Defaults: 1 January
    /// of this year, and the calendar year before it.
    Statistics {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        /// 基準日 (和暦 or 西暦).
        #[arg(long)]
        on: Option<String>,
        /// The period of the 異動 (by 異動日, inclusive).
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// Write the CSV here (UTF-8 with BOM); standard output when neither file is given.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Write the charts here (SVG).
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Write the tables here as the XLSX deliverable (one sheet 集計表).
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
    /// Staff accounts of a municipality (the first 管理者 is created here).
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Create an API token for another system (shown once).
    Token {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        /// The system's name (税務システム …).
        #[arg(long)]
        name: String,
        /// reception, examiner, admin or auditor (or 窓口, 審査, 管理者, 監査).
        #[arg(long)]
        role: String,
        /// Days until the token expires (at most 365).
        #[arg(long, default_value_t = kikan_app::accounts::TOKEN_DAYS)]
        days: u32,
    },
    /// Configure sign-in through the municipality's identity provider (OIDC); the
    /// client secret is read from KIKAN_OIDC_CLIENT_SECRET and stored encrypted.
    Oidc {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        /// The issuer URL (https://idp.example.lg.jp/realms/city).
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// Where the provider returns: https://<kikan>/api/v1/tenants/<code>/oidc/callback
        #[arg(long)]
        redirect_url: String,
    },
    /// 支援措置 in force whose period ends within DAYS (for a daily reminder job).
    SupportExpiring {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// Certificates: issue, preview, re-print, verify, the register, and their benchmark.
    Cert {
        #[command(subcommand)]
        command: Box<cert::CertCommand>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 日次処理 (9.1): run the work due today (a 転出 whose planned date has come leaves
    /// the register on it); with --list, show the latest runs instead. The server runs
    /// it once a day by itself (unless KIKAN_DAILY=0).
    Daily {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        list: bool,
    },
    /// 続柄 stored in forms the standard does not use (1.1.11: 孫, 祖父, おじ …): list
    /// them with the standard's forms; with --migrate, record a 職権修正 for each that has
    /// exactly one (孫 → 子の子) and list the rest for staff.
    Relationships {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        migrate: bool,
    },
    /// 住所辞書 (1.3.2–1.3.3): import the public address data.
    Address {
        #[command(subcommand)]
        command: AddressCommand,
    },
    /// Print a new random key (base64, 256 bits) for KIKAN_DATA_KEYS or KIKAN_INDEX_KEY.
    KeysNew,
    /// Print the current TOTP code of a secret (the demo's accounts; tests).
    TotpCode {
        #[arg(long)]
        secret: String,
    },
    /// Manage municipalities (tenants).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Replay the ledger and prove the projections equal it (every tenant, or one).
    Check {
        #[command(flatten)]
        store: StoreArgs,
        /// 全国地方公共団体コード of one tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// At most this many persons and households held replayed in memory at once;
        /// beyond it the least recently changed are read back from their stored
        /// versions when needed (about 2 KB each).
        #[arg(long, default_value_t = kikan_app::check::CheckOptions::default().live)]
        held: usize,
    },
}

#[derive(Subcommand)]
enum AddressCommand {
    /// Import a file into the 住所辞書: all of it, or nothing when a line is bad.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        /// towns (アドレス・ベース・レジストリ 町字マスター, UTF-8 CSV), residence
        /// (住居表示-住居マスター), parcel (地番マスター), postal (Japan Post's
        /// KEN_ALL.CSV, Shift_JIS) or countries (国名: code,name[,alpha2][,kana]).
        #[arg(long)]
        kind: String,
        file: PathBuf,
    },
    /// Give the free-text addresses on the register the 住所コード of the 町字 that reads
    /// the same (a 軽微な修正 each, with --apply); list those that match none.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create an account; prints the password (unless KIKAN_NEW_PASSWORD is set) and
    /// the TOTP secret once.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// reception, examiner, admin or auditor (or 窓口, 審査, 管理者, 監査).
        #[arg(long)]
        role: String,
    },
    /// 一括メンテナンス (10.3): create and update accounts from a CSV file with the
    /// heading ログイン名,氏名,役割,所属部署,利用開始日,利用終了日,非表示項目. Every line
    /// is checked first; with any error nothing is written. New accounts' initial
    /// passwords and TOTP secrets are printed once.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// 操作権限一覧表 (10.3) as CSV: every account, its role's permissions (○), its
    /// department, 利用期間 and hidden items.
    Permissions {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
    },
    /// List the accounts of a municipality.
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
    },
    /// Link an account to its subject (`sub`) at the municipality's identity provider.
    LinkOidc {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        subject: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify every municipality's audit chain (or one); exit 1 naming the first bad record.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Write a municipality's access log as CSV (UTF-8, a header row) on standard
    /// output, for analysis (10.2): by period, staff, action, resident, outcome, hours.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        tenant: String,
        /// From this day (和暦 or 西暦), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// Until this day, inclusive.
        #[arg(long)]
        to: Option<String>,
        /// One staff login or `token:<name>`.
        #[arg(long)]
        actor: Option<String>,
        /// One action code (resident.search, person.read, login …).
        #[arg(long)]
        action: Option<String>,
        /// Records naming this resident (宛名番号).
        #[arg(long)]
        person: Option<i64>,
        /// Only refused requests.
        #[arg(long)]
        denied: bool,
        /// Only outside office hours (深夜・休業日).
        #[arg(long)]
        after_hours: bool,
        /// Only work that read, wrote or printed a 個人番号.
        #[arg(long)]
        my_number: bool,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Register a municipality by its 6-digit 全国地方公共団体コード.
    Add {
        code: String,
        #[arg(long)]
        name: String,
        /// The mayor's title and name for certificates (横浜市長　山田　太郎).
        #[arg(long)]
        mayor: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the registered municipalities.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// The demo municipality: fictional, with a valid code (14999 + check digit).
const DEMO_CODE: &str = "14999";
const DEMO_NAME: &str = "みほん市";

/// The HTTP server `serve` and `demo` hand the opened store to. The binary (crate
/// `kikan`) passes `kikan-server`'s; the commands themselves do not know HTTP.
pub type Server = fn(
    tokio::net::TcpListener,
    Arc<dyn Store>,
    Arc<Keyring>,
    PathBuf,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send>>;

/// Runs one command line.
pub async fn run(cli: Cli, server: Server) -> Result<()> {
    match cli.command {
        Command::Serve {
            store,
            port,
            bind,
            no_migrate,
        } => {
            let keys = store.keys()?;
            let data_dir = store.data_dir.clone();
            serve(
                server,
                store.open_with(!no_migrate).await?,
                keys,
                &bind,
                port,
                data_dir,
            )
            .await
        }
        Command::Migrate { store } => {
            match store.postgres_url() {
                Some(url) => kikan_store_postgres::migrate(url, None).await?,
                None => {
                    store.open().await?;
                }
            }
            println!("スキーマを最新にしました");
            Ok(())
        }
        Command::Demo {
            store,
            port,
            bind,
            residents,
            seed,
            no_serve,
        } => {
            let keys = store.keys()?;
            let data_dir = store.data_dir.clone();
            let store = store.open().await?;
            let code = LocalGovCode::from_five(DEMO_CODE)?;
            if store.tenant(code).await?.is_none() {
                store
                    .add_tenant(&Tenant {
                        code,
                        name: DEMO_NAME.into(),
                        mayor: "みほん市長　見本　一郎".into(),
                    })
                    .await?;
                let n = load_demo(&*store, code, residents, seed).await?;
                eprintln!("{DEMO_NAME}({code})に住民 {n} 人を作成しました");
                demo_accounts(&*store, &keys, code, &data_dir).await?;
            } else {
                eprintln!("{DEMO_NAME}({code})は作成済みです");
            }
            if no_serve {
                Ok(())
            } else {
                serve(server, store, keys, &bind, port, data_dir).await
            }
        }
        Command::Gen {
            store,
            residents,
            seed,
            tenant,
            name,
        } => {
            let store = store.open().await?;
            let code = LocalGovCode::parse(&tenant)?;
            let mayor = format!("{name}長　見本　一郎");
            let t = Tenant {
                code,
                name: name.clone(),
                mayor,
            };
            let progress = std::io::stderr().is_terminal();
            let g = generate::generate(
                store,
                t,
                residents,
                seed,
                kikan_app::japan_today(),
                progress,
                true,
            )
            .await?;
            let secs = g.elapsed.as_secs_f64();
            println!(
                "{name}({code}): 住民 {} 人・世帯 {} 件・異動 {} 件を {:.1} 秒で生成しました({:.0} 人/秒、うち書き込み {:.1} 秒)",
                g.residents,
                g.households,
                g.entries,
                secs,
                g.residents as f64 / secs.max(1e-9),
                g.insert_time.as_secs_f64()
            );
            Ok(())
        }
        Command::Bench {
            store: store_args,
            residents,
            seed,
            duration,
            concurrency,
            paced_clients,
            rate,
            json,
            plot,
            tenants,
            tenant_residents,
            clients_per_tenant,
            bulk_residents,
            dictionary,
        } => {
            let store = store_args.open().await?;
            if !store.tenants().await?.is_empty() {
                bail!(
                    "ベンチマークは空のデータベースで実行してください(--data-dir に新しいディレクトリを指定)"
                );
            }
            let server_args = match &store_args.database_url {
                Some(url) => vec!["--database-url".to_string(), url.clone()],
                None => vec![
                    "--data-dir".to_string(),
                    store_args.data_dir.display().to_string(),
                ],
            };
            if let Some(tenants) = tenants {
                let options = bench::TenantsOptions {
                    tenants,
                    residents: tenant_residents,
                    seed,
                    duration,
                    one_clients: 32,
                    clients_per_tenant,
                    bulk_residents,
                    progress: std::io::stderr().is_terminal(),
                };
                let report = bench::run_tenants(store, server_args, &options).await?;
                bench::print_tenants(&report);
                std::fs::write(&json, serde_json::to_string_pretty(&report)?)?;
                return Ok(());
            }
            let options = bench::BenchOptions {
                residents,
                seed,
                duration,
                concurrency,
                paced_clients,
                rate,
                progress: std::io::stderr().is_terminal(),
                dictionary,
            };
            let report = bench::run(store, server_args, &options).await?;
            bench::print(&report);
            std::fs::write(&json, serde_json::to_string_pretty(&report)?)?;
            if let Some(plot) = plot {
                bench::plot(&report, &plot)?;
            }
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Add {
                    code,
                    name,
                    mayor,
                    store,
                },
        } => {
            let store = store.open().await?;
            let code = LocalGovCode::parse(&code)?;
            store
                .add_tenant(&Tenant {
                    code,
                    name: name.clone(),
                    mayor,
                })
                .await?;
            println!("{code} {name} を登録しました");
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::List { store },
        } => {
            for t in store.open().await?.tenants().await? {
                println!("{}\t{}\t{}", t.code, t.name, t.mayor);
            }
            Ok(())
        }
        Command::Backup { store, out } => {
            // The copy is of an existing database: its keys exist too (never made here).
            let keys = store.existing_keys()?;
            let started = std::time::Instant::now();
            let (engine, heads) = match (store.postgres_url(), store.database_url.as_deref()) {
                (Some(url), _) => {
                    backup::postgres_copy(url, &out)?;
                    ("postgresql", Vec::new())
                }
                (None, url) => {
                    let db = store.sqlite_path(url)?;
                    ("sqlite", backup::sqlite_copy(&db, &out)?)
                }
            };
            let (sha256, bytes) = backup::sha256_file(&out)?;
            let record = backup::BackupRecord {
                format: backup::FORMAT.into(),
                version: backup::VERSION,
                engine: engine.into(),
                created_at: chrono::Utc::now(),
                file: out
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256,
                bytes,
                keys: keys.fingerprints(),
                ledger_heads: heads,
            };
            backup::write_private(
                &backup::record_path(&out),
                &serde_json::to_string_pretty(&record)?,
            )?;
            let opened = store.open().await?;
            for t in opened.tenants().await? {
                opened
                    .append_audit(
                        t.code,
                        &[cli_event(
                            t.code,
                            "backup.create",
                            Some("バックアップ"),
                            format!("データベース全体のバックアップ {} を取得", out.display()),
                        )],
                    )
                    .await?;
            }
            println!(
                "{} に {engine} のバックアップを取りました({:.1} MB, {:.1} 秒)。鍵は含みません: 鍵は別に保管してください",
                out.display(),
                bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { store, from } => {
            let record = backup::read_record(&from)?;
            let keys = store.existing_keys()?;
            backup::check_keys(&record, &keys)?;
            match (store.postgres_url(), record.engine.as_str()) {
                (Some(url), "postgresql") => backup::postgres_put_back(url, &from)?,
                (None, "sqlite") => {
                    let db = store.sqlite_path(store.database_url.as_deref())?;
                    backup::sqlite_put_back(&from, &db)?;
                }
                (_, engine) => bail!(
                    "E-BACKUP-005 {engine} のバックアップはこの戻し先に戻せません(同じ種類のデータベースに戻し、別の種類へは kikan export / import で移してください)"
                ),
            }
            let opened = store.open().await?;
            let mut heads = Vec::new();
            for t in opened.tenants().await? {
                let r = kikan_app::check::check(&*opened, t.code)
                    .await
                    .with_context(|| format!("団体 {} の再生検査に失敗しました", t.code))?;
                match kikan_app::audit::verify(&*opened, t.code).await? {
                    Ok(_) => {}
                    Err(b) => bail!("団体 {} の監査ログが壊れています: {b}", t.code),
                }
                heads.push((t.code, r.entries as i64));
                println!(
                    "{}: OK — 異動 {} 件を再生して一致、監査ログのつながりを確認",
                    t.code, r.entries
                );
            }
            let short = backup::short_ledgers(&record, &heads);
            if !short.is_empty() {
                bail!(
                    "戻したデータの異動記録がバックアップの記録より少なくなっています: {short:?}"
                );
            }
            println!(
                "{} を戻しました({} に取得したバックアップ)",
                from.display(),
                record.created_at.format("%Y-%m-%d %H:%M:%S UTC")
            );
            Ok(())
        }
        Command::ImportResidents {
            store,
            tenant,
            file,
            gaiji,
            cut_over,
            numbers_out,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let today = kikan_app::japan_today();
            let cut_over = match cut_over {
                Some(d) => kikan_domain::wareki::parse_date(&d)?,
                None => today,
            };
            let map = match &gaiji {
                Some(p) => kikan_app::migration::GaijiMap::read(
                    &std::fs::read(p).with_context(|| format!("{} を読めません", p.display()))?,
                )
                .map_err(|e| anyhow::anyhow!("{} {e}", e.code()))?,
                None => kikan_app::migration::GaijiMap::default(),
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("{} を読めません", file.display()))?;
            let started = std::time::Instant::now();
            let plan = match kikan_app::migration::read(&bytes, &map, cut_over) {
                Ok(p) => p,
                Err(kikan_app::migration::MigrationError::Rows(rows)) => {
                    for r in &rows {
                        eprintln!("{r}");
                    }
                    bail!(
                        "E-MIGRATE-002 取り込めない行が {} 件あります(上に列挙)。何も取り込んでいません",
                        rows.len()
                    );
                }
                Err(e) => bail!("{} {e}", e.code()),
            };
            let read = started.elapsed().as_secs_f64();
            let actor = kikan_app::Actor::command_line(tenant, Some("移行"));
            let done = kikan_app::migration::write(&*store, &actor, plan, cut_over, today)
                .await
                .map_err(|e| anyhow::anyhow!("{} {e}", e.code()))?;
            if let Some(out) = numbers_out {
                let mut text = String::from("旧宛名番号,宛名番号,世帯番号\n");
                for (old, id, hid) in &done.numbers {
                    text.push_str(&format!("{old},{},{}\n", id.0, hid.0));
                }
                backup::write_private(&out, &text)?;
            }
            println!(
                "{tenant}: 移行しました — 世帯 {} 件、住民 {} 人、異動記録 {} 件(読込・検査 {read:.1} 秒、全体 {:.1} 秒)",
                done.households,
                done.persons,
                done.entries,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Export { store, tenant, out } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let started = std::time::Instant::now();
            let actor = kikan_app::Actor::command_line(tenant, Some("団体全体の書き出し"));
            let done = kikan_app::archive::export(&*store, &actor, &out)
                .await
                .map_err(|e| anyhow::anyhow!("{} {e}", e.code()))?;
            let m = &done.manifest;
            println!(
                "{tenant}: {} に書き出しました — 異動記録 {} 件, 監査記録 {} 件, 証明書 {} 件 ({:.1} 秒)。個人番号を含みます: 台帳と同じに保管してください",
                out.display(),
                m.ledger_last_seq,
                m.files["audit.jsonl"].lines,
                m.files["certificates.jsonl"].lines,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import {
            store,
            tenant,
            from,
        } => {
            let store = store.open().await?;
            let tenant = LocalGovCode::parse(&tenant)?;
            let started = std::time::Instant::now();
            let actor = kikan_app::Actor::command_line(tenant, Some("団体全体の取込"));
            let done = kikan_app::archive::import(&*store, &actor, &from)
                .await
                .map_err(|e| anyhow::anyhow!("{} {e}", e.code()))?;
            let loaded = started.elapsed().as_secs_f64();
            let r = kikan_app::check::check(&*store, tenant)
                .await
                .with_context(|| format!("団体 {tenant} の取込後の検査に失敗しました"))?;
            println!(
                "{tenant}: 取り込みました — 異動記録 {} 件, 住民 {} 人 (住民票 {} 人), 監査記録 {} 件, 証明書 {} 件 ({loaded:.1} 秒)。再生検査 OK (住民の版 {} 件)",
                done.entries,
                done.persons,
                done.on_register,
                done.audit_records,
                done.certificates,
                r.person_versions
            );
            Ok(())
        }
        Command::Statistics {
            store,
            tenant,
            on,
            from,
            to,
            csv,
            svg,
            xlsx,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let day = |s: Option<String>| {
                s.as_deref()
                    .map(kikan_domain::wareki::parse_date)
                    .transpose()
            };
            let (on, from, to) = kikan_app::statistics::dates(
                kikan_app::japan_today(),
                day(on)?,
                day(from)?,
                day(to)?,
            )?;
            let pop = kikan_app::statistics::population(&*store, tenant, on).await?;
            let mov = kikan_app::statistics::movement(&*store, tenant, from, to).await?;
            let table = kikan_app::statistics::csv(&pop, &mov);
            let mut written = Vec::new();
            if let Some(path) = &csv {
                std::fs::write(path, &table)
                    .with_context(|| format!("{} に書けません", path.display()))?;
                written.push(path.display().to_string());
            }
            if let Some(path) = &svg {
                std::fs::write(path, kikan_app::statistics::svg(&pop, &mov))
                    .with_context(|| format!("{} に書けません", path.display()))?;
                written.push(path.display().to_string());
            }
            if let Some(path) = &xlsx {
                std::fs::write(path, kikan_app::statistics::xlsx(&pop, &mov)?)
                    .with_context(|| format!("{} に書けません", path.display()))?;
                written.push(path.display().to_string());
            }
            if written.is_empty() {
                print!("{}", table.trim_start_matches('\u{feff}'));
            }
            store
                .append_audit(
                    tenant,
                    &[cli_event(
                        tenant,
                        "statistics.read",
                        Some("統計"),
                        format!("統計 基準日={on} 期間={from}〜{to} {}", written.join(" ")),
                    )],
                )
                .await?;
            if !written.is_empty() {
                eprintln!(
                    "統計(基準日 {on}、異動 {from}〜{to})を書き出しました: {}",
                    written.join("、")
                );
            }
            Ok(())
        }
        Command::Extract {
            store,
            tenant,
            as_of,
            out,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let on = kikan_domain::wareki::parse_date(&as_of)?;
            let started = std::time::Instant::now();
            let mut sink: Box<dyn std::io::Write + Send> = match &out {
                Some(path) => Box::new(std::io::BufWriter::with_capacity(
                    1 << 20,
                    std::fs::File::create(path)
                        .with_context(|| format!("{} を作成できません", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::with_capacity(
                    1 << 20,
                    std::io::stdout(),
                )),
            };
            let done = kikan_app::extract::residents_as_of(
                &*store,
                tenant,
                on,
                kikan_app::japan_today(),
                &mut *sink,
            )
            .await?;
            let target = out
                .as_ref()
                .map_or("標準出力".to_string(), |p| p.display().to_string());
            store
                .append_audit(
                    tenant,
                    &[cli_event(
                        tenant,
                        "export.residents",
                        Some("基準日抽出"),
                        format!(
                            "{on} 時点の住民 {} 人を {target} に書き出し",
                            done.residents
                        ),
                    )],
                )
                .await?;
            eprintln!(
                "{tenant}: {on} 現在の住民 {} 人を書き出しました({} バイト、{:.1} 秒)",
                done.residents,
                done.bytes,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    store,
                    tenant,
                    login,
                    name,
                    role,
                },
        } => {
            let keys = store.keys()?;
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let role = Role::parse(&role).with_context(|| {
                format!("役割「{role}」は登録されていない区分です(窓口・審査・管理者・監査)")
            })?;
            let (password, generated) = match std::env::var("KIKAN_NEW_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (kikan_security::token::new_token(), true),
            };
            let new = kikan_app::accounts::StaffIn {
                login: &login,
                name: &name,
                role,
                password: &password,
                requested_by: None,
            };
            let created = kikan_app::accounts::add_staff(&*store, &keys, tenant, new).await?;
            // The operator's accounts need no approval: the secret is always there.
            let secret = created.totp_secret.unwrap_or_default();
            store
                .append_audit(
                    tenant,
                    &[cli_event(
                        tenant,
                        "staff.add",
                        None,
                        format!("職員 {login} を{}として登録(コマンド)", role.label()),
                    )],
                )
                .await?;
            println!("職員 {login}({})を登録しました", role.label());
            if generated {
                println!("初期パスワード: {password}");
            }
            println!("TOTP秘密鍵: {secret}");
            if let Some(url) =
                kikan_security::totp::url(&secret, &login, &format!("kikan {tenant}"))
            {
                println!("認証アプリ用URL: {url}");
            }
            Ok(())
        }
        Command::Staff {
            command:
                StaffCommand::Import {
                    store,
                    tenant,
                    file,
                },
        } => {
            let keys = store.keys()?;
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let mut reader = csv::Reader::from_path(&file)
                .with_context(|| format!("{} を読めません", file.display()))?;
            let mut lines = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let r = record.with_context(|| format!("{}行目を読めません", i + 1))?;
                let at = |k: usize| r.get(k).unwrap_or_default().trim().to_string();
                lines.push(kikan_app::accounts::StaffLine {
                    login: at(0),
                    name: at(1),
                    role: at(2),
                    department: at(3),
                    valid_from: at(4),
                    valid_until: at(5),
                    hidden_items: at(6),
                });
            }
            let outcome =
                match kikan_app::accounts::apply_batch(&*store, &keys, tenant, lines).await {
                    Ok(o) => o,
                    Err(errors) => {
                        for e in &errors {
                            eprintln!("{e}");
                        }
                        anyhow::bail!("{}件の誤りがあるため、何も登録していません", errors.len());
                    }
                };
            store
                .append_audit(
                    tenant,
                    &[cli_event(
                        tenant,
                        "staff.import",
                        None,
                        format!(
                            "職員の一括メンテナンス: 登録 {} 件、変更 {} 件(コマンド)",
                            outcome.created.len(),
                            outcome.changed.len()
                        ),
                    )],
                )
                .await?;
            for (login, password, secret) in &outcome.created {
                println!("登録 {login} 初期パスワード: {password} TOTP秘密鍵: {secret}");
            }
            for login in &outcome.changed {
                println!("変更 {login}");
            }
            eprintln!(
                "{tenant}: 登録 {} 件、変更 {} 件",
                outcome.created.len(),
                outcome.changed.len()
            );
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::Permissions { store, tenant },
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let today = kikan_app::japan_today();
            let rows = kikan_app::accounts::permission_table(&*store, tenant, today).await?;
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            let mut head = vec![
                "職員ID",
                "氏名",
                "役割",
                "所属部署",
                "利用開始日",
                "利用終了日",
                "利用可否",
            ];
            head.extend(kikan_security::Permission::ALL.iter().map(|p| p.label()));
            head.push("非表示項目");
            out.write_record(&head)?;
            for r in &rows {
                let day =
                    |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                let mut line = vec![
                    r.login.clone(),
                    r.name.clone(),
                    r.role.label().to_string(),
                    r.department.clone().unwrap_or_default(),
                    day(r.valid_from),
                    day(r.valid_until),
                    if r.usable { "可" } else { "不可" }.to_string(),
                ];
                line.extend(
                    r.allowed
                        .iter()
                        .map(|a| if *a { "○" } else { "" }.to_string()),
                );
                line.push(r.hidden.join("・"));
                out.write_record(&line)?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::List { store, tenant },
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            for a in store.staff_list(tenant).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    a.login,
                    a.name,
                    a.role.label(),
                    if a.active { "有効" } else { "無効" }
                );
            }
            Ok(())
        }
        Command::Staff {
            command:
                StaffCommand::LinkOidc {
                    store,
                    tenant,
                    login,
                    subject,
                },
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let staff = store
                .staff_by_login(tenant, &login)
                .await?
                .with_context(|| format!("職員 {login} は登録されていません"))?;
            store
                .set_staff_oidc(tenant, staff.id, Some(subject.trim()))
                .await?;
            println!("職員 {login} をIDプロバイダの利用者 {subject} に紐付けました");
            Ok(())
        }
        Command::Oidc {
            store,
            tenant,
            issuer,
            client_id,
            redirect_url,
        } => {
            let keys = store.keys()?;
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let secret = std::env::var("KIKAN_OIDC_CLIENT_SECRET")
                .ok()
                .filter(|s| !s.is_empty())
                .context("KIKAN_OIDC_CLIENT_SECRET を設定してください(クライアントシークレットはコマンド引数に書きません)")?;
            let sealed = keys.encrypt(&tenant.to_string(), "oidc.client_secret", &secret)?;
            store
                .set_oidc_provider(
                    tenant,
                    &kikan_store::accounts::OidcProvider {
                        issuer,
                        client_id,
                        client_secret: sealed,
                        redirect_url,
                    },
                )
                .await?;
            println!("団体 {tenant} のIDプロバイダを設定しました");
            Ok(())
        }
        Command::Token {
            store,
            tenant,
            name,
            role,
            days,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let role = Role::parse(&role).with_context(|| {
                format!("役割「{role}」は登録されていない区分です(窓口・審査・管理者・監査)")
            })?;
            let new = kikan_app::accounts::NewToken {
                name: &name,
                role,
                days,
                created_by: None,
                hidden_items: Default::default(),
                businesses: Default::default(),
            };
            let (token, _) = kikan_app::accounts::add_api_token(&*store, tenant, new).await?;
            println!("{token}");
            Ok(())
        }
        Command::Audit {
            command:
                AuditCommand::Export {
                    store,
                    tenant,
                    from,
                    to,
                    actor,
                    action,
                    person,
                    denied,
                    after_hours,
                    my_number,
                },
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let day =
                |s: &Option<String>, end: bool| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
                    s.as_deref()
                        .map(|s| {
                            let d = kikan_domain::wareki::parse_date(s)
                                .with_context(|| format!("日付「{s}」を読めません"))?;
                            Ok(kikan_app::audit::day_bound(d, end))
                        })
                        .transpose()
                };
            let filter = kikan_app::audit::Filter {
                query: kikan_store::AuditQuery {
                    from: day(&from, false)?,
                    to: day(&to, true)?,
                    actor,
                    action,
                    person: person.map(kikan_domain::PersonId),
                    after_seq: 0,
                    limit: 1000,
                },
                outcome: denied.then_some(kikan_security::Outcome::Denied),
                after_hours,
                my_number,
            };
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record([
                "番号",
                "日時",
                "職員",
                "役割",
                "操作",
                "利用目的",
                "対象者",
                "結果",
                "内容",
                "接続元",
                "入力端末",
                "個人番号",
            ])?;
            let mut rows = 0u64;
            let mut f = filter.clone();
            loop {
                let (page, last) =
                    kikan_app::audit::search(&*store, tenant, &f, 10_000, 100_000).await?;
                for (r, e) in &page {
                    let jst = e.at + chrono::Duration::hours(9);
                    let persons: Vec<String> = e.persons.iter().map(i64::to_string).collect();
                    out.write_record([
                        r.seq.to_string(),
                        jst.format("%Y-%m-%d %H:%M:%S").to_string(),
                        e.actor.clone(),
                        e.role.clone().unwrap_or_default(),
                        e.action.clone(),
                        e.purpose.clone().unwrap_or_default(),
                        persons.join(" "),
                        match e.outcome {
                            kikan_security::Outcome::Ok => "許可".to_string(),
                            kikan_security::Outcome::Denied => "拒否".to_string(),
                        },
                        e.detail.clone(),
                        e.client.clone().unwrap_or_default(),
                        e.terminal.clone().unwrap_or_default(),
                        if e.my_number { "有" } else { "" }.to_string(),
                    ])?;
                    rows += 1;
                }
                if last == f.query.after_seq {
                    break;
                }
                f.query.after_seq = last;
            }
            out.flush()?;
            store
                .append_audit(
                    tenant,
                    &[cli_event(
                        tenant,
                        "audit.export",
                        Some("アクセスログの分析"),
                        format!("監査ログを CSV で {rows} 件書き出し"),
                    )],
                )
                .await?;
            eprintln!("{tenant}: 監査ログ {rows} 件を書き出しました");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { store, tenant },
        } => {
            let store = store.open().await?;
            let tenants = match tenant {
                Some(c) => vec![registered(&*store, &c).await?],
                None => store.tenants().await?.into_iter().map(|t| t.code).collect(),
            };
            let mut broken = false;
            for t in tenants {
                // Audited first: the chain then holds at least this record, so an empty
                // view (row security not seeing the tenant) cannot pass as "0 件".
                let event = cli_event(
                    t,
                    "audit.verify",
                    Some("監査ログの検証"),
                    "kikan audit verify".into(),
                );
                store.append_audit(t, &[event]).await.with_context(|| {
                    format!("団体 {t} の監査ログに書けません(行レベルセキュリティの設定を確認してください)")
                })?;
                match kikan_app::audit::verify(&*store, t).await? {
                    Ok(0) => {
                        println!(
                            "{t}: 監査ログが1件も見えません(書いた記録が読めない: 行レベルセキュリティの設定を確認してください)"
                        );
                        broken = true;
                    }
                    Ok(n) => println!("{t}: OK — 監査ログ {n} 件のつながりを確認しました"),
                    Err(b) => {
                        println!("{t}: 改ざんを検出 — 最初の不正な記録: {} — {b}", b.seq());
                        broken = true;
                    }
                }
            }
            if broken {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::SupportExpiring {
            store,
            tenant,
            days,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let today = kikan_app::japan_today();
            let mut n = 0;
            for m in store.support_measures(tenant).await? {
                let left = (m.ends_on - today).num_days();
                // A measure past its period stays in force until someone ends it: it
                // is listed as overdue until then.
                if m.in_force(today) && m.provisional.is_none() && left <= days {
                    n += 1;
                    let when = if left < 0 {
                        format!("期間経過 {} 日(延長も終了もされていません)", -left)
                    } else {
                        format!("あと {left} 日")
                    };
                    println!(
                        "支援措置 {}\t申出者 {}\t期限 {}\t{when}",
                        m.id,
                        m.applicant,
                        kikan_domain::wareki::format_wareki(m.ends_on)
                            .unwrap_or_else(|_| m.ends_on.to_string())
                    );
                }
            }
            store
                .append_audit(
                    tenant,
                    &[cli_event(
                        tenant,
                        "support.list",
                        Some("期限の通知"),
                        format!("{days}日以内に期限の支援措置 {n} 件"),
                    )],
                )
                .await?;
            eprintln!("{days}日以内に期限を迎える支援措置: {n} 件");
            Ok(())
        }
        Command::Cert { command } => cert::run(*command).await,
        Command::Address {
            command:
                AddressCommand::Import {
                    store,
                    tenant,
                    kind,
                    file,
                },
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let started = std::time::Instant::now();
            let bytes =
                std::fs::read(&file).with_context(|| format!("{} を読めません", file.display()))?;
            eprintln!(
                "{}: {} バイトを読み込みました。取り込みます…",
                file.display(),
                bytes.len()
            );
            let s = &*store;
            let report = match kind.as_str() {
                "towns" => kikan_app::addresses::import_towns(s, tenant, &bytes).await?,
                "postal" => kikan_app::addresses::import_postal_codes(s, tenant, &bytes).await?,
                "countries" => kikan_app::addresses::import_countries(s, tenant, &bytes).await?,
                k => match kikan_domain::address::NumberKind::parse(k) {
                    Some(kind) => {
                        kikan_app::addresses::import_numbers(s, tenant, kind, &bytes).await?
                    }
                    None => bail!(
                        "--kind は towns・residence・parcel・postal・countries のいずれかです"
                    ),
                },
            };
            let detail = format!(
                "住所辞書の取込み({kind}): {} 行、{} 件書込み、{} 件(職員修正済み)を保持",
                report.lines, report.written, report.kept
            );
            store
                .append_audit(
                    tenant,
                    &[cli_event(tenant, "address.import", None, detail.clone())],
                )
                .await?;
            println!("{detail}({:.1} 秒)", started.elapsed().as_secs_f64());
            if kind == "postal" {
                println!("郵便番号を設定した町字: {} 件", report.towns_coded);
                for t in &report.ambiguous {
                    println!("複数の郵便番号があり設定しなかった町字: {t}");
                }
            }
            Ok(())
        }
        Command::Address {
            command:
                AddressCommand::Migrate {
                    store,
                    tenant,
                    apply,
                },
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let actor = kikan_app::Actor::command_line(tenant, Some("住所辞書への移行"));
            let today = kikan_app::japan_today();
            let m =
                kikan_app::addresses::migrate(&*store, &actor, today, chrono::Utc::now(), apply)
                    .await?;
            for x in &m.coded {
                println!(
                    "{}\t世帯{}\t{}\t→ {}({})",
                    if apply { "付番" } else { "付番できる" },
                    x.household_id,
                    x.place,
                    x.town.as_deref().unwrap_or(""),
                    x.code.as_deref().unwrap_or("")
                );
            }
            for x in &m.unmatched {
                println!("一致なし\t世帯{}\t{}", x.household_id, x.place);
            }
            println!(
                "{}: 付番{} {} 件、一致なし {} 件、付番済み {} 件",
                tenant,
                if apply { "" } else { "できる" },
                m.coded.len(),
                m.unmatched.len(),
                m.already
            );
            Ok(())
        }
        Command::Daily {
            store,
            tenant,
            list,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            if list {
                for r in store.job_runs(tenant, kikan_app::daily::JOB, 50).await? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        r.started_at.format("%Y-%m-%d %H:%M:%S"),
                        r.on,
                        if r.ok { "正常終了" } else { "異常終了" },
                        r.by,
                        r.detail
                    );
                }
                return Ok(());
            }
            let by = format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            );
            let run = kikan_app::daily::run(&*store, tenant, kikan_app::japan_today(), &by).await?;
            eprintln!("日次処理({}): {}", run.on, run.detail);
            if !run.ok {
                anyhow::bail!("日次処理が異常終了しました: {}", run.detail);
            }
            Ok(())
        }
        Command::Relationships {
            store,
            tenant,
            migrate,
        } => {
            let store = store.open().await?;
            let tenant = registered(&*store, &tenant).await?;
            let today = kikan_app::japan_today();
            let line = |r: &kikan_app::relationships::LegacyForm| {
                format!(
                    "{}\t{}\t{}\t{}",
                    r.person,
                    r.name,
                    r.stored,
                    r.forms.join(" または ")
                )
            };
            if migrate {
                let actor = kikan_app::Actor::command_line(tenant, Some("続柄の表記の移行"));
                let done =
                    kikan_app::relationships::migrate(&*store, &actor, today, chrono::Utc::now())
                        .await?;
                for r in &done.corrected {
                    println!("修正\t{}", line(r));
                }
                for r in &done.left {
                    println!("要確認\t{}", line(r));
                }
                eprintln!(
                    "続柄 {} 件を標準の表記に修正しました。{} 件は職員の確認が必要です",
                    done.corrected.len(),
                    done.left.len()
                );
            } else {
                let rows = kikan_app::relationships::legacy(&*store, tenant, today).await?;
                for r in &rows {
                    println!("{}", line(r));
                }
                eprintln!("標準仕様で使わない表記の続柄: {} 件", rows.len());
            }
            Ok(())
        }
        Command::KeysNew => {
            println!("{}", Keyring::new_key());
            Ok(())
        }
        Command::TotpCode { secret } => {
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            match kikan_security::totp::code_at(&secret, now) {
                Some(code) => {
                    println!("{code}");
                    Ok(())
                }
                None => bail!("TOTP秘密鍵を読めません(base32)"),
            }
        }
        Command::Check {
            store,
            tenant,
            held,
        } => {
            let store = store.open().await?;
            let tenants = match tenant {
                Some(c) => vec![LocalGovCode::parse(&c)?],
                None => store.tenants().await?.into_iter().map(|t| t.code).collect(),
            };
            for t in tenants {
                // The check reads every record: it is audited first. Where row security
                // does not see the tenant (a misconfigured cluster), this write fails
                // instead of the check passing on an empty view ("OK — 0 件").
                let event = cli_event(
                    t,
                    "check.run",
                    Some("台帳と記録の照合"),
                    "kikan check: 台帳を再生して記録と照合".into(),
                );
                store.append_audit(t, &[event]).await.with_context(|| {
                    format!("団体 {t} の監査ログに書けません(行レベルセキュリティの設定を確認してください)")
                })?;
                let options = kikan_app::check::CheckOptions { live: held };
                let r = kikan_app::check::check_with(&*store, t, options)
                    .await
                    .with_context(|| format!("団体 {t} の検査に失敗しました"))?;
                println!(
                    "{t}: OK — 異動 {} 件を再生し、住民 {} 人・世帯 {} 件・住民の版 {} 件・世帯の版 {} 件が一致しました(保存版からの読み戻し {} 件)",
                    r.entries,
                    r.persons,
                    r.households,
                    r.person_versions,
                    r.household_versions,
                    r.reloads
                );
                if r.unsealed > 0 {
                    println!(
                        "{t}: 注意 — 封印のない異動 {} 件(封印の導入前に記録されたもの)は、書換えを検出できません",
                        r.unsealed
                    );
                }
            }
            Ok(())
        }
    }
}

/// An audit event of a command run on the server by an operating-system user
/// (`cli:$USER`, as `kikan_app::Actor::command_line` names them).
fn cli_event(
    tenant: LocalGovCode,
    action: &str,
    purpose: Option<&str>,
    detail: String,
) -> kikan_security::AuditEvent {
    kikan_app::Actor::command_line(tenant, purpose).event(action, vec![], detail)
}

/// Parses a tenant code and makes sure it is registered.
async fn registered(store: &dyn Store, code: &str) -> Result<LocalGovCode> {
    let code = LocalGovCode::parse(code)?;
    if store.tenant(code).await?.is_none() {
        bail!("団体 {code} は登録されていません");
    }
    Ok(code)
}

async fn load_demo(
    store: &dyn Store,
    code: LocalGovCode,
    residents: usize,
    seed: u64,
) -> Result<usize> {
    let today = kikan_app::japan_today();
    // The 住所辞書 first, through the import a municipality uses for the registry's file.
    let towns = synth::town_csv("神奈川県", "カナガワケン", DEMO_NAME, "ミホンシ");
    kikan_app::addresses::import_towns(store, code, towns.as_bytes()).await?;
    kikan_app::addresses::import_countries(store, code, include_bytes!("../data/countries.csv"))
        .await?;
    let mut synth = synth::Synth::new(seed, "神奈川県みほん市", today).with_dictionary();
    let mut people = 0;
    while people < residents {
        for entry in synth.household() {
            let recorded = kikan_app::record::record(store, code, entry, &[]).await?;
            people += match &recorded.entry.change {
                kikan_domain::Change::MoveIn { persons, .. } => persons.len(),
                kikan_domain::Change::Birth { .. } => 1,
                _ => 0,
            };
        }
    }
    Ok(people)
}

/// The demo's staff: one account per role, with random passwords and TOTP secrets,
/// printed once and kept in `demo-accounts.txt` (mode 0600) in the data directory.
async fn demo_accounts(
    store: &dyn Store,
    keys: &Keyring,
    code: LocalGovCode,
    data_dir: &std::path::Path,
) -> Result<()> {
    let mut text = String::from(
        "# みほん市のデモ用アカウント(合成データ専用。本番では使わないこと)\n# login\trole\tpassword\ttotp_secret\n",
    );
    for (login, name, role) in [
        ("madoguchi", "窓口　花子", Role::Reception),
        ("shinsa", "審査　次郎", Role::Examiner),
        ("kanri", "管理　三郎", Role::Admin),
        ("kansa", "監査　四郎", Role::Auditor),
    ] {
        let password = kikan_security::token::new_token();
        let new = kikan_app::accounts::StaffIn {
            login,
            name,
            role,
            password: &password,
            requested_by: None,
        };
        let created = kikan_app::accounts::add_staff(store, keys, code, new).await?;
        text.push_str(&format!(
            "{login}\t{}\t{password}\t{}\n",
            role.code(),
            created.totp_secret.unwrap_or_default()
        ));
    }
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join("demo-accounts.txt");
    std::io::Write::write_all(
        &mut kikan_app::files::replace_private(&path)?,
        text.as_bytes(),
    )?;
    eprintln!(
        "デモ用の職員アカウント(窓口・審査・管理者・監査)を作成し、{} に書き出しました。確認コードは `kikan totp-code --secret …` で表示できます",
        path.display()
    );
    Ok(())
}

async fn serve(
    server: Server,
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    bind: &str,
    port: u16,
    data_dir: PathBuf,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind((bind, port))
        .await
        .with_context(|| format!("binding {bind}:{port}"))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "kikan: http://{addr}/ で待ち受けています(API: /api/v1, 仕様: /openapi.json, 保存先: {})",
        store.engine()
    );
    server(listener, store, keys, data_dir).await
}
