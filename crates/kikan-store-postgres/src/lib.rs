//! The PostgreSQL engine: kikan's production store.
//!
//! What is PostgreSQL's own lives here; every statement comes from `kikan-store-sql`.
//! Every transaction names its tenant with `SET LOCAL app.tenant_id`, which row-level
//! security policies (FORCE) compare every row with, and which Citus passes on to
//! the workers that hold the tenant's shard (with `citus.propagate_set_commands =
//! 'local'`; `set_config(…)` would not travel). Migrations are a step of their own
//! ([`migrate`]), run by the role that owns the tables; the server can connect as a
//! role that owns nothing ([`open_as_app`]), so that row security binds it.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_security::crypto::Keyring;
use kikan_store::StoreError;
use kikan_store::seal::Sealer;
use kikan_store_sql::write::{self, Job};
use kikan_store_sql::{DbError, Engine, Q, Row, SqlStore, Tx, Value};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow, PgValueFormat};
use sqlx::{Column, PgPool, Postgres, Row as _, TypeInfo, ValueRef};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// kikan's store on PostgreSQL.
pub type PgStore = SqlStore<PgEngine>;

#[derive(Clone)]
pub struct PgEngine {
    pool: PgPool,
    /// Changes and audit appends waiting, per tenant (see [`PgEngine::write`]).
    groups: Arc<Groups>,
}

/// Jobs waiting per tenant, and whether a committer is draining that tenant's queue.
#[derive(Default)]
struct Groups(std::sync::Mutex<HashMap<String, Pending>>);

type Reply = oneshot::Sender<Result<i64, StoreError>>;

#[derive(Default)]
struct Pending {
    jobs: Vec<(Job, Reply)>,
    draining: bool,
}

/// Jobs written in one transaction at most (one savepoint each); `KIKAN_PG_COMMIT_GROUP`
/// overrides it (1: a transaction per change, as before group commit).
const GROUP: usize = 64;

fn group_size() -> usize {
    static SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        std::env::var("KIKAN_PG_COMMIT_GROUP")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| (1..=1000).contains(n))
            .unwrap_or(GROUP)
    })
}

impl Groups {
    /// Queues a job; true when no committer drains the tenant yet (the caller starts one).
    fn push(&self, job: Job, reply: Reply) -> bool {
        let Ok(mut map) = self.0.lock() else {
            let _ = reply.send(Err(StoreError::Database(
                "the commit queue is poisoned".into(),
            )));
            return false;
        };
        let pending = map.entry(job.tenant.clone()).or_default();
        pending.jobs.push((job, reply));
        !std::mem::replace(&mut pending.draining, true)
    }

    /// The next group of a tenant; empty (and the committer stops) when none waits.
    fn take(&self, tenant: &str) -> Vec<(Job, Reply)> {
        let Ok(mut map) = self.0.lock() else {
            return Vec::new();
        };
        let Some(pending) = map.get_mut(tenant) else {
            return Vec::new();
        };
        if pending.jobs.is_empty() {
            pending.draining = false;
            return Vec::new();
        }
        let n = pending.jobs.len().min(group_size());
        pending.jobs.drain(..n).collect()
    }
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn db_error(e: sqlx::Error) -> DbError {
    let unique = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
    DbError {
        unique,
        message: e.to_string(),
    }
}

async fn pool(url: &str, schema: Option<&str>) -> Result<PgPool, StoreError> {
    let mut opts = PgConnectOptions::from_str(url).map_err(db)?;
    if let Some(schema) = schema {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::Database(format!("bad schema name {schema}")));
        }
        opts = opts.options([("search_path", schema)]);
    }
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .map_err(db)
}

/// Applies the migrations (as the role that owns the schema), creating `schema`
/// first when one is named.
pub async fn migrate(url: &str, schema: Option<&str>) -> Result<(), StoreError> {
    if let Some(schema) = schema {
        let admin = pool(url, None).await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .execute(&admin)
            .await
            .map_err(db)?;
        admin.close().await;
    }
    let pool = pool(url, schema).await?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    pool.close().await;
    Ok(())
}

/// Connects to a `postgres://` URL and migrates the database.
pub async fn open(url: &str, keys: Arc<Keyring>) -> Result<PgStore, StoreError> {
    open_in_schema(url, None, keys).await
}

/// Migrates, then connects with every session's `search_path` set to `schema`
/// (created if missing): the test suite gives each test a schema of its own.
pub async fn open_in_schema(
    url: &str,
    schema: Option<&str>,
    keys: Arc<Keyring>,
) -> Result<PgStore, StoreError> {
    migrate(url, schema).await?;
    open_as_app(url, schema, keys).await
}

/// Connects without migrating: as the application's own role, which owns no table
/// and is no superuser, so that row-level security binds it. The schema must have
/// been migrated by its owner (`kikan migrate`).
pub async fn open_as_app(
    url: &str,
    schema: Option<&str>,
    keys: Arc<Keyring>,
) -> Result<PgStore, StoreError> {
    let engine = PgEngine {
        pool: pool(url, schema).await?,
        groups: Arc::default(),
    };
    Ok(SqlStore::new(engine, Sealer::new(keys)))
}

impl PgEngine {
    /// The pool, for tests and tools that must reach the database directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Commits a tenant's waiting jobs, a group at a time, until none waits.
    async fn drain(self, tenant: String) {
        loop {
            let group = self.groups.take(&tenant);
            if group.is_empty() {
                return;
            }
            let outcomes = self.write_group(&tenant, &group).await;
            for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
    }

    /// One transaction for the group: the tenant's ledger counter is locked once and
    /// the commit is one fsync for every change in it.
    async fn write_group(
        &self,
        tenant: &str,
        group: &[(Job, Reply)],
    ) -> Vec<Result<i64, StoreError>> {
        let fail = |e: StoreError| -> Vec<Result<i64, StoreError>> {
            let text = e.to_string();
            tracing::warn!(tenant, error = %text, "a commit group failed");
            group
                .iter()
                .map(|_| Err(StoreError::Database(text.clone())))
                .collect()
        };
        let mut tx = match self.begin(Some(tenant), true).await {
            Ok(tx) => tx,
            Err(e) => return fail(e),
        };
        let jobs: Vec<&Job> = group.iter().map(|(job, _)| job).collect();
        let outcomes = match write::write_group(&mut tx, jobs).await {
            Ok(outcomes) => outcomes,
            Err(e) => return fail(e),
        };
        match self.commit(tx).await {
            Ok(()) => outcomes,
            Err(e) => fail(e),
        }
    }
}

/// A transaction, scoped to a tenant when it names one.
pub struct PgTxn(sqlx::Transaction<'static, Postgres>);

/// The statement with its values bound (moved, not copied: they hold documents).
fn query(sql: &str, args: Vec<Value>) -> sqlx::query::Query<'_, Postgres, PgArguments> {
    args.into_iter().fold(sqlx::query(sql), |q, v| match v {
        Value::Null => q.bind(None::<String>),
        Value::Int(n) => q.bind(n),
        Value::Text(s) => q.bind(s),
        Value::Bool(b) => q.bind(b),
        Value::Date(d) => q.bind(d),
        Value::Time(t) => q.bind(t),
    })
}

/// A column as a [`Value`], by its PostgreSQL type. `jsonb` comes back as its text
/// (in the binary format, after the version byte).
fn column(r: &PgRow, i: usize) -> Result<Value, sqlx::Error> {
    let raw = r.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let ty = raw.type_info();
    Ok(match ty.name() {
        "INT8" => Value::Int(Some(r.try_get(i)?)),
        "INT4" => Value::Int(Some(i64::from(r.try_get::<i32, _>(i)?))),
        "INT2" => Value::Int(Some(i64::from(r.try_get::<i16, _>(i)?))),
        "BOOL" => Value::Bool(r.try_get(i)?),
        "DATE" => Value::Date(Some(r.try_get::<NaiveDate, _>(i)?)),
        "TIMESTAMPTZ" => Value::Time(Some(r.try_get::<DateTime<Utc>, _>(i)?)),
        "JSONB" => {
            let bytes = raw.as_bytes().map_err(sqlx::Error::Decode)?;
            let text = match raw.format() {
                PgValueFormat::Binary => bytes.get(1..).unwrap_or_default(),
                PgValueFormat::Text => bytes,
            };
            Value::Text(Some(String::from_utf8_lossy(text).into_owned()))
        }
        _ => Value::Text(Some(r.try_get::<String, _>(i)?)),
    })
}

fn row_of(cols: &Arc<[String]>, r: &PgRow) -> Result<Row, sqlx::Error> {
    let vals = (0..cols.len())
        .map(|i| column(r, i))
        .collect::<Result<_, _>>()?;
    Ok(Row::new(cols.clone(), vals))
}

#[async_trait]
impl Tx for PgTxn {
    async fn exec(&mut self, q: Q) -> Result<u64, DbError> {
        let done = query(&q.sql, q.args)
            .execute(&mut *self.0)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    async fn rows(&mut self, q: Q) -> Result<Vec<Row>, DbError> {
        let rows = query(&q.sql, q.args)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_error)?;
        let Some(first) = rows.first() else {
            return Ok(vec![]);
        };
        let cols: Arc<[String]> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        rows.iter()
            .map(|r| row_of(&cols, r))
            .collect::<Result<_, _>>()
            .map_err(db_error)
    }
}

#[async_trait]
impl Engine for PgEngine {
    type Txn = PgTxn;

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn connections(&self) -> (u32, u32) {
        (self.pool.size(), self.pool.num_idle() as u32)
    }

    async fn begin(&self, tenant: Option<&str>, _write: bool) -> Result<PgTxn, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if let Some(t) = tenant {
            // SET takes no parameters; the code is the tenant key, digits only.
            if !t.chars().all(|c| c.is_ascii_digit()) {
                return Err(StoreError::Database(format!("bad tenant key {t:?}")));
            }
            sqlx::query(&format!("SET LOCAL app.tenant_id = '{t}'"))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        Ok(PgTxn(tx))
    }

    async fn commit(&self, tx: PgTxn) -> Result<(), StoreError> {
        tx.0.commit().await.map_err(db)
    }

    /// Group commit per tenant: a change waits in its tenant's queue, and one committer
    /// per tenant writes every change waiting in one transaction (a savepoint each, so a
    /// failing change is undone alone) and commits them with one fsync. The tenant's
    /// ledger counter row is locked once per group instead of once per change, so the
    /// per-tenant order stays gapless while the lock is held through one fsync for many
    /// changes; other tenants commit at the same time on their own connections.
    async fn write(&self, job: Job) -> Result<i64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let tenant = job.tenant.clone();
        if self.groups.push(job, reply) {
            tokio::spawn(self.clone().drain(tenant));
        }
        answer
            .await
            .map_err(|_| StoreError::Database("the committer stopped".into()))?
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        // Without statistics after a bulk load the planner guesses tiny tables and sorts
        // every match of a search instead of reading the index in order.
        sqlx::query("ANALYZE")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}
