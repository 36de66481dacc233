//! kikan-store-sql: the one SQL core under every engine.
//!
//! Every statement kikan runs, the mapping of rows to records, the commit of a change
//! (ledger, snapshots, versions, audit chain) and the bulk load are written here once,
//! in PostgreSQL's dialect. An engine supplies only what is truly its own through
//! [`Engine`]: how to open a tenant-scoped transaction, how to run a statement and
//! hand back its rows ([`Tx`]), and how it translates the dialect (SQLite turns `$1`
//! into `?1` and drops what it lacks).
//!
//! **Architecture invariant:** no engine crate holds a statement of the registry;
//! they hold connection handling, dialect translation and their own performance
//! paths (SQLite's group-committing writer thread).

mod store;
mod value;
pub mod write;

pub use store::SqlStore;
pub use value::{FromValue, Q, Row, Value};
pub use write::{AuditRow, ChangeRows, Job};

use async_trait::async_trait;
use kikan_store::StoreError;

/// A database error as the core needs to tell it apart: a unique-key violation
/// (mapped to a conflict or "already exists" where the statement is) or anything else.
#[derive(Debug, Clone)]
pub struct DbError {
    pub unique: bool,
    pub message: String,
}

impl DbError {
    pub fn other(message: impl Into<String>) -> Self {
        DbError {
            unique: false,
            message: message.into(),
        }
    }

    /// A unique violation becomes `on_unique`; anything else a database error.
    pub fn or_unique(self, on_unique: StoreError) -> StoreError {
        if self.unique {
            on_unique
        } else {
            StoreError::Database(self.message)
        }
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError::Database(e.message)
    }
}

/// One unit of work on one connection: statements run in order, rows come back owned.
#[async_trait]
pub trait Tx: Send {
    /// Runs a statement; returns the rows it changed.
    async fn exec(&mut self, q: Q) -> Result<u64, DbError>;
    /// Runs a query; returns every row.
    async fn rows(&mut self, q: Q) -> Result<Vec<Row>, DbError>;
    /// Runs a query; returns the first row, if any.
    async fn row(&mut self, q: Q) -> Result<Option<Row>, DbError> {
        Ok(self.rows(q).await?.into_iter().next())
    }
}

/// What an engine supplies to the core.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// A transaction of this engine.
    type Txn: Tx;

    /// The engine's name for logs and `kikan bench` (sqlite, postgres).
    fn name(&self) -> &'static str;

    /// Opens a unit of work. With a tenant, every statement in it sees that tenant's
    /// rows only (PostgreSQL's row-level security); `write` says it will write.
    async fn begin(&self, tenant: Option<&str>, write: bool) -> Result<Self::Txn, StoreError>;

    /// Commits a unit of work. Dropping one uncommitted rolls it back.
    async fn commit(&self, tx: Self::Txn) -> Result<(), StoreError>;

    /// Writes a change and its audit events (or audit events alone), durably, and
    /// returns the change's ledger number (0 for audit alone). By default one
    /// transaction per job; SQLite commits the jobs waiting together.
    async fn write(&self, job: Job) -> Result<i64, StoreError> {
        let mut tx = self.begin(Some(&job.tenant), true).await?;
        let seq = write::write_job(&mut tx, &job).await?;
        self.commit(tx).await?;
        Ok(seq)
    }

    /// After a bulk load: lets the planner learn the new table sizes.
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Connections open and idle, for monitoring.
    fn connections(&self) -> (u32, u32) {
        (0, 0)
    }
}
