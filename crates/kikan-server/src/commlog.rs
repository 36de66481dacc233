//! 通信ログ (10.2): errors in the communication between kikan and the servers it talks to
//! — the database server, the 住基ネット CS (through its adapter), the identity provider —
//! kept apart from the tracing output.
//!
//! One JSON line per error, in a file per day (Japan's) under a folder per municipality
//! (`<dir>/<団体コード>/comm-YYYY-MM-DD.jsonl`; `<dir>/installation/` for what concerns no
//! one municipality). Every line carries the hash of the line before it in its folder
//! (`prev`) and its own (`hash` = SHA-256 of the folder, `prev` and the line's content),
//! so an edited, removed or reordered line breaks the chain at that line
//! ([`CommLog::read`] names it). Files older than the municipality's 保管期間 go in the
//! daily work ([`CommLog::prune`]); the chain then starts at the oldest file kept.
//! The texts are bounded and carry no personal data: the peer, what kikan was doing
//! (the route or the job) and the error as the driver or the peer said it.

use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::LocalGovCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use utoipa::ToSchema;

/// The longest error text kept (characters).
const MAX_ERROR: usize = 300;
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The folder of what concerns no one municipality.
pub const INSTALLATION: &str = "installation";

/// Who kikan failed to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// The database server (a query or a connection failed).
    Database,
    /// The 住基ネット CS, through its adapter.
    Cs,
    /// The municipality's identity provider (OIDC).
    IdentityProvider,
}

impl Peer {
    pub fn code(self) -> &'static str {
        match self {
            Peer::Database => "database",
            Peer::Cs => "cs",
            Peer::IdentityProvider => "idp",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Peer::Database => "データベースサーバ",
            Peer::Cs => "住基ネット(CS)",
            Peer::IdentityProvider => "IDプロバイダ",
        }
    }

    fn of(code: &str) -> Option<Peer> {
        [Peer::Database, Peer::Cs, Peer::IdentityProvider]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// A communication error, as a handler hands it to the request's log (a response
/// extension the metrics layer writes down with the request's municipality and route).
#[derive(Debug, Clone)]
pub struct CommFailure {
    pub peer: Peer,
    pub error: String,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommRecord {
    pub at: DateTime<Utc>,
    /// database, cs or idp.
    pub peer: String,
    /// データベースサーバ, 住基ネット(CS), IDプロバイダ.
    pub peer_label: String,
    /// The municipality concerned (none: the installation).
    pub tenant: Option<String>,
    /// What kikan was doing: the request's method and route, or the job.
    pub operation: String,
    pub error: String,
    pub prev: String,
    pub hash: String,
}

impl CommRecord {
    fn content(&self) -> String {
        // The fields in a fixed order, without the hashes.
        serde_json::json!([
            self.at.to_rfc3339(),
            self.peer,
            self.tenant,
            self.operation,
            self.error
        ])
        .to_string()
    }

    fn link(folder: &str, prev: &str, content: &str) -> String {
        kikan_security::audit::chain_hash(&[folder, prev, content])
    }
}

/// What a read found.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommRead {
    pub records: Vec<CommRecord>,
    /// The chain holds over every file kept (not only the days asked for).
    pub chain_ok: bool,
    /// Where it breaks: the file and line.
    pub chain_error: Option<String>,
}

/// The log of one server (each server keeps its own, as web servers do).
pub struct CommLog {
    dir: PathBuf,
    /// The last hash written per folder.
    heads: Mutex<HashMap<String, String>>,
}

fn folder_of(tenant: Option<LocalGovCode>) -> String {
    tenant.map_or_else(|| INSTALLATION.to_string(), |t| t.to_string())
}

fn japan_day(at: DateTime<Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(9)).date_naive()
}

fn file_day(path: &Path) -> Option<NaiveDate> {
    let name = path.file_name()?.to_str()?;
    let day = name.strip_prefix("comm-")?.strip_suffix(".jsonl")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// The folder's day files, oldest first.
fn day_files(folder: &Path) -> Vec<(NaiveDate, PathBuf)> {
    let mut files: Vec<(NaiveDate, PathBuf)> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| file_day(&p).map(|d| (d, p)))
        .collect();
    files.sort();
    files
}

fn bounded(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match clean.char_indices().nth(MAX_ERROR) {
        Some((i, _)) => format!("{}…", &clean[..i]),
        None => clean,
    }
}

impl CommLog {
    pub fn new(dir: PathBuf) -> Self {
        CommLog {
            dir,
            heads: Mutex::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes down one error (and says so in the tracing output, as before). A log that
    /// cannot be written is reported there: the request goes on.
    pub fn record(&self, peer: Peer, tenant: Option<LocalGovCode>, operation: &str, error: &str) {
        tracing::warn!(peer = peer.code(), tenant = ?tenant.map(|t| t.to_string()), %operation, %error, "communication error");
        if let Err(e) = self.write(peer, tenant, operation, error, Utc::now()) {
            tracing::error!(error = %e, dir = %self.dir.display(), "通信ログに書き込めません");
        }
    }

    /// [`CommLog::record`] off the async workers (the file is synced).
    pub async fn note(
        self: &std::sync::Arc<Self>,
        peer: Peer,
        tenant: Option<LocalGovCode>,
        operation: &str,
        error: &str,
    ) {
        let (log, operation, error) = (self.clone(), operation.to_string(), error.to_string());
        let _ =
            tokio::task::spawn_blocking(move || log.record(peer, tenant, &operation, &error)).await;
    }

    fn write(
        &self,
        peer: Peer,
        tenant: Option<LocalGovCode>,
        operation: &str,
        error: &str,
        at: DateTime<Utc>,
    ) -> std::io::Result<()> {
        let folder = folder_of(tenant);
        let path = self.dir.join(&folder);
        let mut heads = self
            .heads
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        let prev = match heads.get(&folder) {
            Some(h) => h.clone(),
            None => last_hash(&path)?,
        };
        let mut record = CommRecord {
            at,
            peer: peer.code().into(),
            peer_label: peer.label().into(),
            tenant: tenant.map(|t| t.to_string()),
            operation: bounded(operation),
            error: bounded(error),
            prev: prev.clone(),
            hash: String::new(),
        };
        record.hash = CommRecord::link(&folder, &prev, &record.content());
        std::fs::create_dir_all(&path)?;
        let file = path.join(format!("comm-{}.jsonl", japan_day(at).format("%Y-%m-%d")));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)?;
        let line = serde_json::to_string(&record).map_err(std::io::Error::other)?;
        f.write_all(format!("{line}\n").as_bytes())?;
        f.sync_data()?;
        heads.insert(folder, record.hash);
        Ok(())
    }

    /// The records of `tenant` (None: the installation's) from `from` to `to` (days in
    /// Japan, both included), of `peer` when named; the whole folder's chain checked.
    pub fn read(
        &self,
        tenant: Option<LocalGovCode>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        peer: Option<&str>,
    ) -> std::io::Result<CommRead> {
        let folder = folder_of(tenant);
        let mut prev: Option<String> = None;
        let mut chain_error = None;
        let mut records = Vec::new();
        for (day, path) in day_files(&self.dir.join(&folder)) {
            let f = std::fs::File::open(&path)?;
            for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
                let line = line?;
                let at = || format!("{}:{}", path.display(), n + 1);
                let Ok(r) = serde_json::from_str::<CommRecord>(&line) else {
                    chain_error.get_or_insert_with(|| format!("{} 読み取れない行", at()));
                    continue;
                };
                // The oldest file kept starts the chain wherever it was cut.
                let linked = prev.as_ref().is_none_or(|p| *p == r.prev);
                let sealed = CommRecord::link(&folder, &r.prev, &r.content()) == r.hash;
                if !(linked && sealed) && chain_error.is_none() {
                    chain_error = Some(if sealed {
                        format!("{} 前の行とつながらない(削除・入替え)", at())
                    } else {
                        format!("{} 内容が変更されている", at())
                    });
                }
                prev = Some(r.hash.clone());
                let wanted = from.is_none_or(|d| day >= d)
                    && to.is_none_or(|d| day <= d)
                    && peer.is_none_or(|p| Peer::of(p).is_some_and(|p| p.code() == r.peer));
                if wanted {
                    records.push(r);
                }
            }
        }
        Ok(CommRead {
            records,
            chain_ok: chain_error.is_none(),
            chain_error,
        })
    }

    /// Removes the day files of `tenant`'s folder older than `years` before `today`;
    /// how many.
    pub fn prune(
        &self,
        tenant: Option<LocalGovCode>,
        years: u32,
        today: NaiveDate,
    ) -> std::io::Result<usize> {
        let Some(keep_from) = today.checked_sub_months(chrono::Months::new(12 * years)) else {
            return Ok(0);
        };
        let mut removed = 0;
        for (day, path) in day_files(&self.dir.join(folder_of(tenant))) {
            if day < keep_from {
                std::fs::remove_file(path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The last hash of a folder's newest file (the chain's head), or the genesis.
fn last_hash(folder: &Path) -> std::io::Result<String> {
    let Some((_, path)) = day_files(folder).pop() else {
        return Ok(GENESIS.into());
    };
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<CommRecord>(l).ok())
        .map_or_else(|| GENESIS.into(), |r| r.hash))
}

// ---------- the API: the log read, its 保管期間 set ----------

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson as Json, ApiQuery as Query, ErrorBody};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa::IntoParams;

type R<T> = Result<T, ApiError>;

/// The 保管期間 of the logs when the municipality set none (years).
pub const DEFAULT_YEARS: u32 = 5;
/// The shortest and longest 保管期間 that can be set (years).
pub const MIN_YEARS: u32 = 1;
pub const MAX_YEARS: u32 = 30;
/// Where the setting is kept (a settings document of this kind).
const SETTING: &str = "log_retention";

/// The municipality's 保管期間 of its logs (years).
pub async fn retention_years(
    store: &dyn kikan_store::Store,
    tenant: LocalGovCode,
) -> Result<u32, kikan_store::StoreError> {
    let docs = store.certificate_settings(tenant, SETTING).await?;
    Ok(docs
        .first()
        .and_then(|(_, d)| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|v| v["years"].as_u64())
        .and_then(|y| u32::try_from(y).ok())
        .unwrap_or(DEFAULT_YEARS))
}

/// A municipality's day files older than its 保管期間 removed; the period (years).
pub async fn prune_tenant(state: &AppState, tenant: LocalGovCode, today: NaiveDate) -> u32 {
    let years = retention_years(&*state.store, tenant)
        .await
        .unwrap_or(DEFAULT_YEARS);
    if let Err(e) = state.comm_log.prune(Some(tenant), years, today) {
        tracing::warn!(%tenant, error = %e, "通信ログを整理できません");
    }
    years
}

/// The daily upkeep: each municipality's day files older than its 保管期間 removed, and
/// the installation's older than the longest of all (the folders are per server: each
/// server prunes its own).
pub async fn upkeep(state: &AppState, today: NaiveDate) {
    let tenants = match state.store.tenants().await {
        Ok(t) => t,
        Err(e) => {
            state
                .comm_log
                .note(Peer::Database, None, "通信ログの整理", &e.to_string())
                .await;
            return;
        }
    };
    let mut longest = DEFAULT_YEARS;
    for t in tenants {
        longest = longest.max(prune_tenant(state, t.code, today).await);
    }
    if let Err(e) = state.comm_log.prune(None, longest, today) {
        tracing::warn!(error = %e, "通信ログを整理できません");
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CommQuery {
    /// From this day (Japan's; 和暦 or 西暦).
    pub from: Option<String>,
    /// To this day, included.
    pub to: Option<String>,
    /// database, cs or idp.
    pub peer: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/comm-log", tag = "audit",
    params(("tenant" = String, Path), CommQuery),
    responses((status = 200, description = "通信ログ (10.2): this server's errors talking to the database, the CS and the identity provider for the municipality, with the chain over every day kept checked", body = CommRead),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<CommQuery>,
) -> R<Json<CommRead>> {
    let day = |s: &Option<String>, field: &str| {
        s.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| crate::dto::date_in(s, field))
            .transpose()
    };
    let (from, to) = (day(&q.from, "from")?, day(&q.to, "to")?);
    let peer = q.peer.as_deref().filter(|s| !s.is_empty());
    if let Some(code) = peer
        && Peer::of(code).is_none()
    {
        return Err(ApiError::invalid(
            "通信先",
            format!("「{code}」は database、cs、idp のいずれかにしてください"),
            "peer",
        ));
    }
    let log = state.comm_log.clone();
    let tenant = p.tenant;
    let peer_owned = peer.map(str::to_string);
    let read = tokio::task::spawn_blocking(move || {
        log.read(Some(tenant), from, to, peer_owned.as_deref())
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E-COMM-001",
            e.to_string(),
        )
    })?
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E-COMM-001",
            format!("通信ログを読めません: {e}"),
        )
    })?;
    crate::routes::audit(
        &state,
        &p,
        "comm_log.read",
        vec![],
        format!("通信ログの参照({}件)", read.records.len()),
    )
    .await?;
    Ok(Json(read))
}

/// The 保管期間 of the logs.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RetentionView {
    /// Years (1 to 30; 5 unless set).
    pub years: u32,
    /// Set by the municipality (false: the default).
    #[serde(default)]
    pub set: bool,
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/log-retention", tag = "audit",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "ログの保管期間 (10.2)", body = RetentionView)))]
pub async fn retention(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> R<Json<RetentionView>> {
    let set = !state
        .store
        .certificate_settings(p.tenant, SETTING)
        .await?
        .is_empty();
    let years = retention_years(&*state.store, p.tenant).await?;
    Ok(Json(RetentionView { years, set }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RetentionIn {
    pub years: u32,
}

#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/log-retention", tag = "audit", request_body = RetentionIn,
    params(("tenant" = String, Path)),
    responses((status = 200, description = "ログの保管期間 (10.2) set by the municipality: the 通信ログ's day files older than it are removed by the daily work (the audit log is kept longer: never removed)", body = RetentionView),
        (status = 422, body = ErrorBody)))]
pub async fn set_retention(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(input): Json<RetentionIn>,
) -> R<Json<RetentionView>> {
    if !(MIN_YEARS..=MAX_YEARS).contains(&input.years) {
        return Err(ApiError::invalid(
            "保管期間",
            format!("{MIN_YEARS}〜{MAX_YEARS}年で指定してください"),
            "years",
        ));
    }
    let before = retention_years(&*state.store, p.tenant).await?;
    state
        .store
        .put_certificate_setting(
            p.tenant,
            SETTING,
            0,
            &serde_json::json!({"years": input.years}).to_string(),
        )
        .await?;
    crate::routes::audit(
        &state,
        &p,
        "settings.log_retention",
        vec![],
        format!("ログの保管期間を{before}年から{}年に変更", input.years),
    )
    .await?;
    Ok(Json(RetentionView {
        years: input.years,
        set: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("kikan-comm-{}", rand::random::<u64>()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn records_chain_across_days_and_edits_are_named() {
        let d = dir();
        let log = CommLog::new(d.clone());
        let t = LocalGovCode::parse("131016").ok();
        let day = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default()
        };
        let w = |at: &str, e: &str| log.write(Peer::Cs, t, "POST /cs/send", e, day(at));
        assert!(w("2026-11-30T02:00:00Z", "connection refused").is_ok());
        assert!(w("2026-12-01T02:00:00Z", "timed out").is_ok());
        assert!(w("2026-12-01T03:00:00Z", "502").is_ok());
        // Another server process on the same folder continues the chain.
        let again = CommLog::new(d.clone());
        assert!(
            again
                .write(
                    Peer::Database,
                    t,
                    "GET /x",
                    "pool timed out",
                    day("2026-12-02T01:00:00Z")
                )
                .is_ok()
        );
        let read = again.read(t, None, None, None).ok();
        let read = read.as_ref();
        assert_eq!(read.map(|r| r.records.len()), Some(4));
        assert_eq!(read.map(|r| r.chain_ok), Some(true));
        let dec1 = NaiveDate::from_ymd_opt(2026, 12, 1);
        let only = again.read(t, dec1, dec1, Some("cs")).ok();
        assert_eq!(only.map(|r| r.records.len()), Some(2));
        // An edited line is named.
        let file = d.join("131016").join("comm-2026-12-01.jsonl");
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let _ = std::fs::write(&file, text.replace("timed out", "all fine"));
        let read = again.read(t, None, None, None).ok();
        let err = read.and_then(|r| r.chain_error).unwrap_or_default();
        assert!(
            err.contains("comm-2026-12-01.jsonl:1") && err.contains("内容が変更"),
            "{err}"
        );
        // A removed line breaks the link of the next.
        let _ = std::fs::write(&file, text.lines().nth(1).unwrap_or_default());
        let err = again
            .read(t, None, None, None)
            .ok()
            .and_then(|r| r.chain_error)
            .unwrap_or_default();
        assert!(err.contains("つながらない"), "{err}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn files_older_than_the_period_go_and_the_rest_still_verify() {
        let d = dir();
        let log = CommLog::new(d.clone());
        let at = |y: i32| {
            NaiveDate::from_ymd_opt(y, 6, 1)
                .and_then(|d| d.and_hms_opt(3, 0, 0))
                .map(|d| d.and_utc())
                .unwrap_or_default()
        };
        for y in [2020, 2022, 2025] {
            assert!(
                log.write(Peer::Database, None, "job", "refused", at(y))
                    .is_ok()
            );
        }
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        assert_eq!(log.prune(None, 5, today).ok(), Some(1));
        let read = log.read(None, None, None, None).ok();
        assert_eq!(read.as_ref().map(|r| r.records.len()), Some(2));
        assert_eq!(read.map(|r| r.chain_ok), Some(true));
        let _ = std::fs::remove_dir_all(&d);
    }
}
