//! `kikan`: the one binary. The commands are `kikan-cli`'s; `serve` and `demo` run
//! `kikan-server`'s HTTP API on the store the command opened.

use clap::Parser;

fn serve(
    listener: tokio::net::TcpListener,
    store: std::sync::Arc<dyn kikan_cli::Store>,
    keys: std::sync::Arc<kikan_cli::Keyring>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>> {
    Box::pin(async move {
        // The metrics endpoint's own credential (none: no endpoint).
        let token = std::env::var("KIKAN_METRICS_TOKEN").ok();
        let mut state =
            kikan_server::AppState::new(store, keys).with_metrics_token(token.as_deref());
        // Behind TLS the session cookie is marked Secure.
        state.cookie_secure = std::env::var("KIKAN_COOKIE_SECURE").is_ok_and(|v| v == "1");
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
        kikan_server::serve(listener, state).await?;
        Ok(())
    })
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
    if let Err(e) = kikan_cli::run(kikan_cli::Cli::parse(), serve).await {
        eprintln!("エラー: {e:#}");
        std::process::exit(1);
    }
}
