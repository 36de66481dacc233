//! The SQLite engine: kikan's embedded default, one file in WAL mode.
//!
//! What is SQLite's own lives here; every statement comes from `kikan-store-sql`.
//! Changes go to one writer thread, which commits the changes waiting for it as a
//! group (one fsync for the group); other writes take the same writer lock; reads use
//! a small pool of connections, each statement run on a blocking thread.

mod dialect;

use async_trait::async_trait;
use kikan_security::crypto::Keyring;
use kikan_store::StoreError;
use kikan_store::seal::Sealer;
use kikan_store_sql::{DbError, Engine, Job, Q, Row, SqlStore, Tx};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, oneshot};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// kikan's store on SQLite.
pub type SqliteStore = SqlStore<SqliteEngine>;

/// Most changes committed together in one transaction.
const GROUP: usize = 256;
/// Read connections kept open.
const READERS: usize = 4;

pub struct SqliteEngine {
    path: PathBuf,
    /// Held by every writer: the group committer, bulk loads, other writes.
    write: Arc<Mutex<()>>,
    jobs: mpsc::Sender<(Job, oneshot::Sender<Result<i64, StoreError>>)>,
    idle: Arc<std::sync::Mutex<Vec<rusqlite::Connection>>>,
    /// Units of work holding a connection now.
    busy: Arc<AtomicU32>,
    /// The checkpointer thread stops when the engine is dropped.
    _alive: Arc<()>,
}

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// Opens (creating if needed) `kikan.sqlite` in `dir` and migrates it.
pub async fn open_dir(dir: &Path, keys: Arc<Keyring>) -> Result<SqliteStore, StoreError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Database(format!("{}: {e}", dir.display())))?;
    open(
        &format!("sqlite://{}", dir.join("kikan.sqlite").display()),
        keys,
    )
    .await
}

/// Opens a `sqlite://PATH` URL. The database is a file: the writer thread and the
/// readers share it through WAL, which an in-memory database cannot do.
pub async fn open(url: &str, keys: Arc<Keyring>) -> Result<SqliteStore, StoreError> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::Database(
            "an in-memory SQLite database is not supported: give a file (sqlite://PATH)".into(),
        ));
    }
    let db = |e: sqlx::Error| StoreError::Database(e.to_string());
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map_err(db)?
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    let path = opts.get_filename().to_path_buf();
    // One connection first: it switches the new file to WAL and migrates it.
    let mut first = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .map_err(db)?;
    MIGRATOR
        .run(&mut first)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    first.close().await.map_err(db)?;

    let write = Arc::new(Mutex::new(()));
    let (jobs, queue) = mpsc::channel(4 * GROUP);
    let (lock, writer_path) = (write.clone(), path.clone());
    std::thread::Builder::new()
        .name("kikan-sqlite-writer".into())
        .spawn(move || writer(writer_path, lock, queue))
        .map_err(|e| StoreError::Database(format!("starting the writer: {e}")))?;
    let alive = Arc::new(());
    let (stop, checkpoint_path) = (Arc::downgrade(&alive), path.clone());
    std::thread::Builder::new()
        .name("kikan-sqlite-checkpoint".into())
        .spawn(move || checkpointer(checkpoint_path, stop))
        .map_err(|e| StoreError::Database(format!("starting the checkpointer: {e}")))?;
    let engine = SqliteEngine {
        path,
        write,
        jobs,
        idle: Arc::default(),
        busy: Arc::default(),
        _alive: alive,
    };
    Ok(SqlStore::new(engine, Sealer::new(keys)))
}

impl SqliteEngine {
    /// The database file, for tests and tools that must reach it directly.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connection(&self) -> Result<rusqlite::Connection, StoreError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => connect(&self.path),
        }
    }
}

/// A connection with kikan's settings. FULL: an acknowledged 異動 survives a power loss.
fn connect(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path).map_err(sql)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
    // 64 MiB of page cache per connection: index pages of a large city stay hot.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536; PRAGMA temp_store = memory;",
    )
    .map_err(sql)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// A unit of work on a pooled connection; each statement runs on a blocking thread.
pub struct SqliteTxn {
    conn: Option<rusqlite::Connection>,
    idle: Arc<std::sync::Mutex<Vec<rusqlite::Connection>>>,
    /// The writer lock, held by a writing unit until it ends.
    write: Option<OwnedMutexGuard<()>>,
    _busy: Busy,
}

/// Counts a unit of work as holding a connection while it lives.
struct Busy(Arc<AtomicU32>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl SqliteTxn {
    async fn run<T: Send + 'static>(
        &mut self,
        q: Q,
        f: fn(&rusqlite::Connection, &Q) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| DbError::other("the connection was lost by an earlier failure"))?;
        let (conn, out) = tokio::task::spawn_blocking(move || {
            let out = f(&conn, &q);
            (conn, out)
        })
        .await
        .map_err(|e| DbError::other(e.to_string()))?;
        self.conn = Some(conn);
        out
    }
}

impl Drop for SqliteTxn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A writing unit dropped before its commit is rolled back.
            if self.write.is_some()
                && !conn.is_autocommit()
                && let Err(e) = conn.execute_batch("ROLLBACK")
            {
                tracing::warn!(error = %e, "rollback failed; the connection is closed");
                return;
            }
            if let Ok(mut idle) = self.idle.lock()
                && idle.len() < READERS
            {
                idle.push(conn);
            }
        }
    }
}

#[async_trait]
impl Tx for SqliteTxn {
    async fn exec(&mut self, q: Q) -> Result<u64, DbError> {
        self.run(q, dialect::exec).await
    }
    async fn rows(&mut self, q: Q) -> Result<Vec<Row>, DbError> {
        self.run(q, dialect::rows).await
    }
}

#[async_trait]
impl Engine for SqliteEngine {
    type Txn = SqliteTxn;

    fn name(&self) -> &'static str {
        "sqlite"
    }

    /// The pool's connections (busy and idle) and the writer thread's own.
    fn connections(&self) -> (u32, u32) {
        let idle = self.idle.lock().map(|v| v.len() as u32).unwrap_or(0);
        (idle + self.busy.load(Ordering::Relaxed) + 1, idle)
    }

    async fn begin(&self, _tenant: Option<&str>, write: bool) -> Result<SqliteTxn, StoreError> {
        let guard = match write {
            true => Some(self.write.clone().lock_owned().await),
            false => None,
        };
        self.busy.fetch_add(1, Ordering::Relaxed);
        let busy = Busy(self.busy.clone());
        let mut tx = SqliteTxn {
            conn: Some(self.connection()?),
            idle: self.idle.clone(),
            write: guard,
            _busy: busy,
        };
        if write {
            tx.exec(Q::new("BEGIN IMMEDIATE")).await?;
        }
        Ok(tx)
    }

    async fn commit(&self, mut tx: SqliteTxn) -> Result<(), StoreError> {
        if tx.write.is_some() {
            tx.exec(Q::new("COMMIT")).await?;
        }
        Ok(())
    }

    /// Hands the job to the writer thread and waits until it is on disk.
    async fn write(&self, job: Job) -> Result<i64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Database("the writer has stopped".into());
        self.jobs.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Copies the WAL back into the database file once a second, on its own connection,
/// so that no committing change waits for a checkpoint (the writer's automatic
/// checkpoint is off). PASSIVE never blocks the writer or the readers.
fn checkpointer(path: PathBuf, stop: std::sync::Weak<()>) {
    let conn = match rusqlite::Connection::open(&path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the SQLite checkpointer cannot open the database");
            return;
        }
    };
    while stop.upgrade().is_some() {
        std::thread::sleep(Duration::from_secs(1));
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

type Queue = mpsc::Receiver<(Job, oneshot::Sender<Result<i64, StoreError>>)>;

/// The one writer, on its own thread: group commit. It takes every job waiting,
/// writes each inside its own savepoint (a change that fails is rolled back alone),
/// commits the group with one fsync, and only then answers each caller. An
/// acknowledged change is on disk.
fn writer(path: PathBuf, lock: Arc<Mutex<()>>, mut jobs: Queue) {
    let mut conn = match connect(&path).and_then(|c| {
        c.execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(sql)?;
        Ok(c)
    }) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!(error = %e, "the SQLite writer cannot open the database");
            None
        }
    };
    while let Some(first) = jobs.blocking_recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match jobs.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let outcomes = match conn.as_mut() {
            Some(conn) => {
                let _w = lock.blocking_lock();
                write_group(conn, &group)
            }
            None => fail_all(
                group.len(),
                &StoreError::Database("the writer has no connection".into()),
            ),
        };
        for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
            let _ = reply.send(outcome);
        }
    }
}

fn write_group(
    conn: &mut rusqlite::Connection,
    group: &[(Job, oneshot::Sender<Result<i64, StoreError>>)],
) -> Vec<Result<i64, StoreError>> {
    // Statements by hand rather than rusqlite's Transaction and Savepoint, which lend
    // the connection only shared (`&Connection` is not `Send`, and the core's write
    // path wants a `Send` handle).
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE").map_err(sql) {
        return fail_all(group.len(), &e);
    }
    let jobs = group.iter().map(|(job, _)| job);
    let outcomes = match dialect::now(kikan_store_sql::write::write_group(
        &mut dialect::Direct(conn),
        jobs,
    )) {
        Ok(outcomes) => outcomes,
        Err(e) => return abandon(conn, group.len(), &e),
    };
    match conn.execute_batch("COMMIT").map_err(sql) {
        Ok(()) => outcomes,
        Err(e) => abandon(conn, group.len(), &e),
    }
}

/// The group's transaction failed: roll it back, and fail every change in it.
fn abandon(conn: &rusqlite::Connection, n: usize, e: &StoreError) -> Vec<Result<i64, StoreError>> {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(error = %e, "the writer could not roll back a failed group");
    }
    fail_all(n, e)
}

/// Every change of a group fails when the group's transaction does.
fn fail_all(n: usize, e: &StoreError) -> Vec<Result<i64, StoreError>> {
    (0..n)
        .map(|_| Err(StoreError::Database(e.to_string())))
        .collect()
}

/// A consistent copy of a live database file, taken online with `VACUUM INTO`: it
/// reads in one transaction, so the copy holds every change committed before it began
/// and none after, while the writer goes on. `dest` must not exist.
pub fn backup_file(db: &Path, dest: &Path) -> Result<(), StoreError> {
    let fail = |e: rusqlite::Error| StoreError::Database(format!("{}: {e}", db.display()));
    if dest.exists() {
        return Err(StoreError::Database(format!(
            "{} は既にあります",
            dest.display()
        )));
    }
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(fail)?;
    let target = dest
        .to_str()
        .ok_or_else(|| StoreError::Database(format!("{}: not UTF-8", dest.display())))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(fail)?;
    Ok(())
}

/// Each municipality's last ledger number in a database file (a backup's contents).
pub fn ledger_heads(db: &Path) -> Result<Vec<(String, i64)>, StoreError> {
    let fail = |e: rusqlite::Error| StoreError::Database(format!("{}: {e}", db.display()));
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(fail)?;
    let mut stmt = conn
        .prepare("SELECT tenant_id, COALESCE(MAX(seq), 0) FROM ledger GROUP BY tenant_id ORDER BY tenant_id")
        .map_err(fail)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(fail)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(fail)
}
