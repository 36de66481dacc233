//! `kikan`: the one binary. The commands are `kikan-cli`'s; `serve` and `demo` run
//! `kikan-server`'s HTTP API on the store the command opened.

use clap::Parser;

/// The command is `kikan demo` (its server links to a simulated CS).
static DEMO: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn serve(
    listener: tokio::net::TcpListener,
    store: std::sync::Arc<dyn kikan_cli::Store>,
    keys: std::sync::Arc<kikan_cli::Keyring>,
    data_dir: std::path::PathBuf,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>> {
    Box::pin(async move {
        // The metrics endpoint's own credential (none: no endpoint).
        let token = std::env::var("KIKAN_METRICS_TOKEN").ok();
        let mut state =
            kikan_server::AppState::new(store, keys).with_metrics_token(token.as_deref());
        // Behind TLS the session cookie is marked Secure.
        state.cookie_secure = std::env::var("KIKAN_COOKIE_SECURE").is_ok_and(|v| v == "1");
        // 通信ログ (10.2): this server's communication errors, apart from the tracing output.
        let comm_dir = std::env::var("KIKAN_COMM_LOG_DIR")
            .map_or_else(|_| data_dir.join("comm-log"), std::path::PathBuf::from);
        state.comm_log = std::sync::Arc::new(kikan_server::commlog::CommLog::new(comm_dir));
        // 二要素認証 by IC card or biometrics (10.3): keys bind to the address staff open.
        if let Ok(origin) = std::env::var("KIKAN_WEBAUTHN_ORIGIN") {
            let rp = kikan_server::keys::SecurityKeys::for_origin(&origin)
                .map_err(|e| anyhow::anyhow!("KIKAN_WEBAUTHN_ORIGIN を確認してください: {e}"))?;
            state.security_keys = Some(std::sync::Arc::new(rp));
        }
        // Behind a reverse proxy every connection comes from the proxy.
        if let Ok(v) = std::env::var("KIKAN_CONNECTIONS_PER_SOURCE") {
            let n: std::num::NonZeroUsize = v.parse().map_err(|_| {
                anyhow::anyhow!("KIKAN_CONNECTIONS_PER_SOURCE は正の整数で指定してください: {v}")
            })?;
            state.connections.per_source = n.get();
        }
        // バッチ処理 (9.1): where runs keep their files, and who hears of a failed one.
        if let Ok(dir) = std::env::var("KIKAN_BATCH_DIR") {
            state.batch_dir = dir.into();
        }
        state.alert_command = std::env::var("KIKAN_ALERT_COMMAND").ok();
        // スケジュール管理 (KIKAN_SCHEDULER=0: no job starts by itself on this server).
        if std::env::var("KIKAN_SCHEDULER").map_or(true, |v| v != "0") {
            kikan_server::jobs::spawn_scheduler(state.clone());
        }
        // 日次処理 (9.1): the work due on a date (KIKAN_DAILY=0 leaves it to `kikan daily`).
        if std::env::var("KIKAN_DAILY").map_or(true, |v| v != "0") {
            kikan_server::jobs::spawn_daily(state.clone());
        }
        // 住基ネット (CS) 連携 (7.1.1.1): `sim` for the simulator inside the server (a
        // demonstration), or the address of the CS adapter's HTTP boundary.
        // `kikan demo` links to the simulator unless KIKAN_CS says otherwise (`off`: none).
        let cs = std::env::var("KIKAN_CS")
            .ok()
            .or_else(|| {
                DEMO.load(std::sync::atomic::Ordering::Relaxed)
                    .then(|| "sim".into())
            })
            .filter(|v| v != "off");
        if let Some(cs) = cs {
            let link = kikan_server::cs_link::link(&cs).map_err(|e| anyhow::anyhow!(e))?;
            state.cs = Some(std::sync::Arc::new(kikan_server::cs::Link::new(link, cs)));
            let every = match std::env::var("KIKAN_CS_INTERVAL") {
                Ok(v) => v.parse().map_err(|_| {
                    anyhow::anyhow!("KIKAN_CS_INTERVAL は秒数(正の整数)で指定してください: {v}")
                })?,
                Err(_) => 10,
            };
            kikan_server::cs::spawn_sender(
                state.clone(),
                std::time::Duration::from_secs(every.max(1)),
            );
        }
        kikan_server::serve(listener, state).await?;
        Ok(())
    })
}

/// `kikan cs-simulator`: a simulated CS answering kikan's HTTP boundary
/// (docs/integration.md), for demonstrations and tests between servers.
#[derive(clap::Parser)]
#[command(name = "kikan cs-simulator")]
struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7301")]
    listen: String,
    /// File the simulator keeps its state in (it survives a restart).
    #[arg(long)]
    state: Option<std::path::PathBuf>,
}

async fn cs_simulator(args: SimArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    eprintln!("CSシミュレータ: http://{}", listener.local_addr()?);
    kikan_server::cs_link::serve_simulator(listener, args.state)
        .await
        .map_err(|e| anyhow::anyhow!(e))
}

/// `kikan printer-simulator`: an IPP printer (10.7) that keeps each job it takes, for
/// demonstrations and the browser test.
#[derive(clap::Parser)]
#[command(name = "kikan printer-simulator")]
struct PrinterArgs {
    /// Address to listen on (register the printer as `ipp://ADDRESS/ipp/print`).
    #[arg(long, default_value = "127.0.0.1:8631")]
    listen: String,
    /// Folder each job's PDF and attributes are written to (job-0001.pdf, job-0001.json).
    #[arg(long)]
    out: std::path::PathBuf,
    /// Its trays (IPP media-source keywords), comma-separated.
    #[arg(long, default_value = "tray-1,tray-2", value_delimiter = ',')]
    trays: Vec<String>,
}

async fn printer_simulator(args: PrinterArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    eprintln!(
        "プリンタシミュレータ: ipp://{}/ipp/print",
        listener.local_addr()?
    );
    let sim = kikan_server::printing::SimPrinter {
        trays: args.trays,
        dir: Some(args.out),
        ..Default::default()
    };
    kikan_server::printing::serve_simulator(listener, std::sync::Arc::new(sim.into()))
        .await
        .map_err(|e| anyhow::anyhow!(e))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut argv = std::env::args();
    if argv.nth(1).as_deref() == Some("cs-simulator") {
        let args =
            SimArgs::parse_from(std::iter::once("kikan cs-simulator".to_string()).chain(argv));
        if let Err(e) = cs_simulator(args).await {
            eprintln!("エラー: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("printer-simulator") {
        let args = PrinterArgs::parse_from(
            std::iter::once("kikan printer-simulator".to_string()).chain(std::env::args().skip(2)),
        );
        if let Err(e) = printer_simulator(args).await {
            eprintln!("エラー: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    let cli = kikan_cli::Cli::parse();
    DEMO.store(cli.is_demo(), std::sync::atomic::Ordering::Relaxed);
    if let Err(e) = kikan_cli::run(cli, serve).await {
        eprintln!("エラー: {e:#}");
        std::process::exit(1);
    }
}
