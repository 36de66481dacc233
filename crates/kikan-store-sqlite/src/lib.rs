//! The SQLite engine: kikan's embedded default, one file in WAL mode.
//!
//! Writes go through one writer at a time (SQLite has one), which commits the changes
//! waiting for it as a group; reads use a small pool and see a consistent snapshot each.

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use kikan_domain::support::{MeasureId, SupportMeasure};
use kikan_domain::{Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId};
use kikan_security::crypto::Keyring;
use kikan_security::{AuditEvent, AuditRecord, Role};
use kikan_store::accounts::{ApiToken, LoginState, OidcProvider, Session, StaffAccount};
use kikan_store::bulk::{BulkRows, HouseholdRow, LedgerRow, PersonRow};
use kikan_store::certificates::{self, Certificate, CertificateQuery, Reprint};
use kikan_store::drafts::{Draft, DraftDecision};
use kikan_store::seal::Sealer;
use kikan_store::{
    HouseholdVersion, PersonIndex, PersonVersion, SearchKeys, Store, StoreError, Tenant,
    TenantCache, prefix_end,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound values).
const CHUNK: usize = 1000;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct SqliteStore {
    pool: SqlitePool,
    /// Held by every writer: the group committer, bulk loads, tenant registration.
    write: Arc<Mutex<()>>,
    commits: mpsc::Sender<Job>,
    known: TenantCache,
    sealer: Sealer,
    /// The database file, for the writer thread and the extraction scan.
    path: PathBuf,
    /// The checkpointer thread stops when the store is dropped.
    _alive: Arc<()>,
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}
fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(corrupt)
}
fn tenant_key(t: LocalGovCode) -> String {
    t.to_string()
}
fn entry_of(s: &Sealer, t: &str, row: &SqliteRow) -> Result<LedgerEntry, StoreError> {
    let mut e: LedgerEntry =
        decode(&s.unseal(t, &row.try_get::<String, _>("entry").map_err(db)?)?)?;
    e.seq = row.try_get("seq").map_err(db)?;
    Ok(e)
}
fn person_of(s: &Sealer, t: &str, row: &SqliteRow) -> Result<Person, StoreError> {
    decode(&s.unseal(t, &row.try_get::<String, _>("data").map_err(db)?)?)
}
const STAFF: &str =
    "SELECT staff_id, login, name, role, password_hash, totp_secret, totp_last_step, failed_logins,
    locked_until, active, oidc_subject, created_at FROM staff";
const AUDIT: &str = "SELECT seq, event, prev_hash, hash FROM audit";

fn role_of(code: &str) -> Result<Role, StoreError> {
    Role::parse(code).ok_or_else(|| StoreError::Corrupt(format!("unknown role {code:?}")))
}
fn staff_of(r: &SqliteRow) -> Result<StaffAccount, StoreError> {
    Ok(StaffAccount {
        id: r.try_get("staff_id").map_err(db)?,
        login: r.try_get("login").map_err(db)?,
        name: r.try_get("name").map_err(db)?,
        role: role_of(&r.try_get::<String, _>("role").map_err(db)?)?,
        password_hash: r.try_get("password_hash").map_err(db)?,
        totp_secret: r.try_get("totp_secret").map_err(db)?,
        totp_last_step: r.try_get("totp_last_step").map_err(db)?,
        failed_logins: r.try_get("failed_logins").map_err(db)?,
        locked_until: r.try_get("locked_until").map_err(db)?,
        active: r.try_get("active").map_err(db)?,
        oidc_subject: r.try_get("oidc_subject").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
    })
}
fn audit_of(r: &SqliteRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: r.try_get("seq").map_err(db)?,
        event_json: r.try_get("event").map_err(db)?,
        prev_hash: r.try_get("prev_hash").map_err(db)?,
        hash: r.try_get("hash").map_err(db)?,
    })
}
const DRAFT: &str = "SELECT draft_id, status, created_by, created_at, request, decided_by, decided_at, note, seq FROM drafts";

fn draft_of(s: &Sealer, t: &str, r: &SqliteRow) -> Result<Draft, StoreError> {
    Ok(Draft {
        id: r.try_get("draft_id").map_err(db)?,
        status: r.try_get("status").map_err(db)?,
        created_by: r.try_get("created_by").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
        request: s
            .unseal(t, &r.try_get::<String, _>("request").map_err(db)?)?
            .into_owned(),
        decided_by: r.try_get("decided_by").map_err(db)?,
        decided_at: r.try_get("decided_at").map_err(db)?,
        note: r.try_get("note").map_err(db)?,
        seq: r.try_get("seq").map_err(db)?,
    })
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqliteStore {
    /// Opens (creating if needed) `kikan.sqlite` in `dir` and migrates it.
    pub async fn open_dir(dir: &Path, keys: Arc<Keyring>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Database(format!("{}: {e}", dir.display())))?;
        Self::open(
            &format!("sqlite://{}", dir.join("kikan.sqlite").display()),
            keys,
        )
        .await
    }

    /// Opens a `sqlite://PATH` URL. The database is a file: the writer thread and the
    /// readers share it through WAL, which an in-memory database cannot do.
    pub async fn open(url: &str, keys: Arc<Keyring>) -> Result<Self, StoreError> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(StoreError::Database(
                "an in-memory SQLite database is not supported: give a file (sqlite://PATH)".into(),
            ));
        }
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection: index pages of a large city stay hot.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let path = opts.get_filename().to_path_buf();
        // One connection first: it switches the new file to WAL and migrates it
        // before any other connection can race it for the lock.
        let mut first = SqliteConnection::connect_with(&opts).await.map_err(db)?;
        MIGRATOR
            .run(&mut first)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        first.close().await.map_err(db)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await
            .map_err(db)?;
        let write = Arc::new(Mutex::new(()));
        let (commits, jobs) = mpsc::channel(4 * GROUP);
        let lock = write.clone();
        let writer_path = path.clone();
        std::thread::Builder::new()
            .name("kikan-sqlite-writer".into())
            .spawn(move || writer(writer_path, lock, jobs))
            .map_err(|e| StoreError::Database(format!("starting the writer: {e}")))?;
        let alive = Arc::new(());
        let (stop, checkpoint_path) = (Arc::downgrade(&alive), path.clone());
        std::thread::Builder::new()
            .name("kikan-sqlite-checkpoint".into())
            .spawn(move || checkpointer(checkpoint_path, stop))
            .map_err(|e| StoreError::Database(format!("starting the checkpointer: {e}")))?;
        Ok(SqliteStore {
            pool,
            path,
            write,
            commits,
            known: TenantCache::default(),
            sealer: Sealer::new(keys),
            _alive: alive,
        })
    }

    /// Hands work to the writer thread and waits until it is on disk.
    async fn submit(
        &self,
        tenant: LocalGovCode,
        change: Option<ChangeRows>,
        audit: &[AuditEvent],
    ) -> Result<i64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant: tenant_key(tenant),
            change,
            audit: audit.iter().map(AuditRow::of).collect(),
            reply,
        };
        let stopped = || StoreError::Database("the writer has stopped".into());
        self.commits.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The pool, for tests and tools that must reach the file directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn engine(&self) -> &'static str {
        "sqlite"
    }

    fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    async fn add_tenant(&self, t: &Tenant) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query("INSERT INTO tenants (tenant_id, name, mayor, created_at) VALUES (?, ?, ?, ?)")
            .bind(tenant_key(t.code))
            .bind(&t.name)
            .bind(&t.mayor)
            .bind(Utc::now().to_rfc3339())
            .execute(&self.pool)
            .await
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::TenantExists(t.code.to_string())
                } else {
                    db(e)
                }
            })?;
        Ok(())
    }

    async fn tenant(&self, code: LocalGovCode) -> Result<Option<Tenant>, StoreError> {
        if let Some(t) = self.known.get(code) {
            return Ok(Some(t));
        }
        let row = sqlx::query("SELECT name, mayor FROM tenants WHERE tenant_id = ?")
            .bind(tenant_key(code))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let found = row
            .map(|r| {
                Ok::<_, StoreError>(Tenant {
                    code,
                    name: r.try_get("name").map_err(db)?,
                    mayor: r.try_get("mayor").map_err(db)?,
                })
            })
            .transpose()?;
        if let Some(t) = &found {
            self.known.put(t);
        }
        Ok(found)
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows = sqlx::query("SELECT tenant_id, name, mayor FROM tenants ORDER BY tenant_id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("tenant_id").map_err(db)?;
                Ok(Tenant {
                    code: LocalGovCode::parse(&code)?,
                    name: r.try_get("name").map_err(db)?,
                    mayor: r.try_get("mayor").map_err(db)?,
                })
            })
            .collect()
    }

    async fn persons(
        &self,
        tenant: LocalGovCode,
        ids: &[PersonId],
    ) -> Result<Vec<Person>, StoreError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT data FROM persons WHERE tenant_id = ");
        q.push_bind(tenant_key(tenant)).push(" AND person_id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.0);
        }
        q.push(")");
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter()
            .map(|r| person_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn households(
        &self,
        tenant: LocalGovCode,
        ids: &[HouseholdId],
    ) -> Result<Vec<Household>, StoreError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT data FROM households WHERE tenant_id = ");
        q.push_bind(tenant_key(tenant))
            .push(" AND household_id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.0);
        }
        q.push(")");
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter()
            .map(|r| decode(&r.try_get::<String, _>("data").map_err(db)?))
            .collect()
    }

    async fn commit(
        &self,
        tenant: LocalGovCode,
        entry: &LedgerEntry,
        persons: &[&Person],
        households: &[&Household],
        audit: &[AuditEvent],
    ) -> Result<i64, StoreError> {
        // Serialised here, on the caller's task, so that the one writer only writes.
        let t = tenant_key(tenant);
        let mut entry = LedgerRow::of(entry);
        entry.json = self.sealer.seal(&t, &entry.json)?.0;
        let mut rows = Vec::with_capacity(persons.len());
        for p in persons {
            let mut row = PersonRow::of(p);
            (row.json, row.number_index) = self.sealer.seal(&t, &row.json)?;
            rows.push(row);
        }
        let change = ChangeRows {
            entry,
            persons: rows,
            households: households.iter().map(|h| HouseholdRow::of(h)).collect(),
        };
        self.submit(tenant, Some(change), audit).await
    }

    async fn bulk_insert(&self, tenant: LocalGovCode, rows: &BulkRows) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let t = tenant_key(tenant);
        // Sealed before the lock: the encryption is the callers' work, not the writer's.
        let sealed = self.sealer.seal_bulk(&t, rows)?;
        let _w = self.write.lock().await;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let base: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ledger WHERE tenant_id = ?")
                .bind(&t)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let seq = |i: usize| base + 1 + i as i64;
        for (n, chunk) in rows.ledger.chunks(CHUNK).enumerate() {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ledger (tenant_id, seq, reason, effective_on, notified_on, recorded_at, operator, late, entry) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                b.push_bind(&t)
                    .push_bind(seq(n * CHUNK + i))
                    .push_bind(r.reason)
                    .push_bind(r.effective_on)
                    .push_bind(r.notified_on)
                    .push_bind(r.recorded_at.to_rfc3339())
                    .push_bind(&r.operator)
                    .push_bind(r.late)
                    .push_bind(&sealed.ledger[n * CHUNK + i]);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for (chunk, sealed) in rows.persons.chunks(CHUNK).zip(sealed.persons.chunks(CHUNK)) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO persons (tenant_id, person_id, version, register, household_id, kana_key, name_key, \
                 birth_date, address_line, juminhyo_code, data, number_index) ",
            );
            q.push_values(chunk.iter().zip(sealed), |mut b, (r, (json, number))| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(r.index.version)
                    .push_bind(r.index.register.to_string())
                    .push_bind(r.index.household_id.0)
                    .push_bind(&r.index.kana_key)
                    .push_bind(&r.index.name_key)
                    .push_bind(r.index.birth_date)
                    .push_bind(&r.index.address_line)
                    .push_bind(&r.index.juminhyo_code)
                    .push_bind(json)
                    .push_bind(number);
            });
            q.build().execute(&mut *tx).await.map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Conflict
                } else {
                    db(e)
                }
            })?;
        }
        for (chunk, sealed) in rows
            .person_versions
            .chunks(CHUNK)
            .zip(sealed.person_versions.chunks(CHUNK))
        {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO person_versions (tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data) ",
            );
            q.push_values(chunk.iter().zip(sealed), |mut b, (r, json)| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(seq(r.entry))
                    .push_bind(r.valid_from)
                    .push_bind(r.valid_to)
                    .push_bind(r.register.to_string())
                    .push_bind(r.household_id)
                    .push_bind(json);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in rows.households.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO households (tenant_id, household_id, version, dissolved, data) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(r.version)
                    .push_bind(r.dissolved)
                    .push_bind(&r.json);
            });
            q.build().execute(&mut *tx).await.map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Conflict
                } else {
                    db(e)
                }
            })?;
        }
        for chunk in rows.household_versions.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO household_versions (tenant_id, household_id, seq, valid_from, data) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(seq(r.entry))
                    .push_bind(r.valid_from)
                    .push_bind(&r.json);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn ledger(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, entry FROM ledger WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| entry_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn person_versions(
        &self,
        tenant: LocalGovCode,
        id: PersonId,
    ) -> Result<Vec<PersonVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, valid_from, valid_to, data FROM person_versions WHERE tenant_id = ? AND person_id = ? ORDER BY seq",
        )
        .bind(tenant_key(tenant))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| version_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn entries_for(
        &self,
        tenant: LocalGovCode,
        person: Option<PersonId>,
        household: Option<HouseholdId>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let (sql, id) = match (person, household) {
            (Some(p), _) => (
                // The person's versions first (a handful), then their entries: without
                // statistics SQLite would otherwise walk the tenant's whole ledger.
                "SELECT l.seq, l.entry FROM person_versions v CROSS JOIN ledger l
                   ON l.tenant_id = v.tenant_id AND l.seq = v.seq
                 WHERE v.tenant_id = ? AND v.person_id = ? ORDER BY v.seq",
                p.0,
            ),
            (None, Some(h)) => (
                "SELECT l.seq, l.entry FROM household_versions v CROSS JOIN ledger l
                   ON l.tenant_id = v.tenant_id AND l.seq = v.seq
                 WHERE v.tenant_id = ? AND v.household_id = ? ORDER BY v.seq",
                h.0,
            ),
            (None, None) => return Ok(vec![]),
        };
        let rows = sqlx::query(sql)
            .bind(tenant_key(tenant))
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| entry_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn person_as_of(
        &self,
        tenant: LocalGovCode,
        id: PersonId,
        on: NaiveDate,
    ) -> Result<Option<Person>, StoreError> {
        let row = sqlx::query(
            "SELECT data FROM person_versions WHERE tenant_id = ? AND person_id = ? AND valid_from <= ?
               AND (valid_to IS NULL OR valid_to > ?) ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant_key(tenant))
        .bind(id.0)
        .bind(on)
        .bind(on)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref()
            .map(|r| person_of(&self.sealer, &tenant_key(tenant), r))
            .transpose()
    }

    async fn household_as_of(
        &self,
        tenant: LocalGovCode,
        id: HouseholdId,
        on: NaiveDate,
    ) -> Result<Option<(Household, Vec<Person>)>, StoreError> {
        let t = tenant_key(tenant);
        let row = sqlx::query(
            "SELECT data FROM household_versions WHERE tenant_id = ? AND household_id = ? AND valid_from <= ?
             ORDER BY valid_from DESC, seq DESC LIMIT 1",
        )
        .bind(&t)
        .bind(id.0)
        .bind(on)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let household: Household = decode(&row.try_get::<String, _>("data").map_err(db)?)?;
        let rows = sqlx::query(
            "SELECT data FROM person_versions WHERE tenant_id = ? AND household_id = ? AND register = 'A'
               AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY person_id",
        )
        .bind(&t)
        .bind(id.0)
        .bind(on)
        .bind(on)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let members = rows
            .iter()
            .map(|r| person_of(&self.sealer, &tenant_key(tenant), r))
            .collect::<Result<_, _>>()?;
        Ok(Some((household, members)))
    }

    async fn residents_as_of_json(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<(PersonId, String)>, StoreError> {
        // A scan of the whole register: read directly on a blocking thread, one short
        // read transaction per page, without a hand-off per row.
        let path = self.path.clone();
        let (t, on, after) = (tenant_key(tenant), date(on), after.map_or(0, |p| p.0));
        tokio::task::spawn_blocking(move || {
            let c = rusqlite::Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(sql)?;
            c.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
            let mut st = c
                .prepare(
                    "SELECT person_id, data FROM person_versions WHERE tenant_id = ?1 AND person_id > ?2
                       AND register = 'A' AND valid_from <= ?3 AND (valid_to IS NULL OR valid_to > ?3)
                     ORDER BY person_id LIMIT ?4",
                )
                .map_err(sql)?;
            let rows = st
                .query_map(rusqlite::params![t, after, on, limit], |r| {
                    Ok((PersonId(r.get(0)?), r.get(1)?))
                })
                .map_err(sql)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sql)
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    async fn search(
        &self,
        tenant: LocalGovCode,
        k: &SearchKeys,
    ) -> Result<Vec<Person>, StoreError> {
        let mut sql = String::from("SELECT data FROM persons WHERE tenant_id = ?");
        if !k.include_removed {
            sql.push_str(" AND register = 'A'");
        }
        if k.kana_prefix.is_some() {
            sql.push_str(" AND kana_key >= ? AND kana_key < ?");
        }
        if k.name_prefix.is_some() {
            sql.push_str(" AND name_key >= ? AND name_key < ?");
        }
        if k.birth_date.is_some() {
            sql.push_str(" AND birth_date = ?");
        }
        if k.address_part.is_some() {
            sql.push_str(" AND instr(address_line, ?) > 0");
        }
        if k.juminhyo_code.is_some() {
            sql.push_str(" AND juminhyo_code = ?");
        }
        if k.individual_number.is_some() {
            sql.push_str(" AND number_index = ?");
        }
        // Order by the key searched, so the index gives the order and LIMIT stops early.
        let order = if k.kana_prefix.is_none() && k.name_prefix.is_some() {
            "name_key"
        } else {
            "kana_key"
        };
        sql.push_str(&format!(" ORDER BY {order}, person_id LIMIT ?"));
        let mut q = sqlx::query(&sql).bind(tenant_key(tenant));
        if let Some(p) = &k.kana_prefix {
            q = q.bind(p.clone()).bind(prefix_end(p));
        }
        if let Some(p) = &k.name_prefix {
            q = q.bind(p.clone()).bind(prefix_end(p));
        }
        if let Some(d) = k.birth_date {
            q = q.bind(d);
        }
        if let Some(a) = &k.address_part {
            q = q.bind(a.clone());
        }
        if let Some(c) = &k.juminhyo_code {
            q = q.bind(c.clone());
        }
        if let Some(n) = &k.individual_number {
            q = q.bind(self.sealer.index(&tenant_key(tenant), n));
        }
        let rows = q.bind(k.limit).fetch_all(&self.pool).await.map_err(db)?;
        rows.iter()
            .map(|r| person_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn add_staff(&self, tenant: LocalGovCode, a: &StaffAccount) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query(
            "INSERT INTO staff (tenant_id, staff_id, login, name, role, password_hash, totp_secret, totp_last_step,
                failed_logins, locked_until, active, oidc_subject, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(tenant_key(tenant))
        .bind(a.id)
        .bind(&a.login)
        .bind(&a.name)
        .bind(a.role.code())
        .bind(&a.password_hash)
        .bind(&a.totp_secret)
        .bind(a.totp_last_step)
        .bind(a.failed_logins)
        .bind(a.locked_until)
        .bind(a.active)
        .bind(&a.oidc_subject)
        .bind(a.created_at)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if unique_violation(&e) {
                StoreError::Exists(format!("ログイン名 {}", a.login))
            } else {
                db(e)
            }
        })?;
        Ok(())
    }

    async fn staff_by_login(
        &self,
        tenant: LocalGovCode,
        login: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let row = sqlx::query(&format!("{STAFF} WHERE tenant_id = ? AND login = ?"))
            .bind(tenant_key(tenant))
            .bind(login)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(staff_of).transpose()
    }

    async fn staff_by_id(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let row = sqlx::query(&format!("{STAFF} WHERE tenant_id = ? AND staff_id = ?"))
            .bind(tenant_key(tenant))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(staff_of).transpose()
    }

    async fn staff_list(&self, tenant: LocalGovCode) -> Result<Vec<StaffAccount>, StoreError> {
        let rows = sqlx::query(&format!("{STAFF} WHERE tenant_id = ? ORDER BY login"))
            .bind(tenant_key(tenant))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(staff_of).collect()
    }

    async fn set_login_state(
        &self,
        tenant: LocalGovCode,
        id: i64,
        st: &LoginState,
    ) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query(
            "UPDATE staff SET failed_logins = ?, locked_until = ?, totp_last_step = ? WHERE tenant_id = ? AND staff_id = ?",
        )
        .bind(st.failed_logins)
        .bind(st.locked_until)
        .bind(st.totp_last_step)
        .bind(tenant_key(tenant))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn set_staff_active(
        &self,
        tenant: LocalGovCode,
        id: i64,
        active: bool,
    ) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        let t = tenant_key(tenant);
        sqlx::query("UPDATE staff SET active = ? WHERE tenant_id = ? AND staff_id = ?")
            .bind(active)
            .bind(&t)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE tenant_id = ? AND staff_id = ?")
                .bind(&t)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    async fn add_session(&self, tenant: LocalGovCode, s: &Session) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        let t = tenant_key(tenant);
        // Expired sessions of the tenant go as new ones come.
        sqlx::query("DELETE FROM sessions WHERE tenant_id = ? AND expires_at < ?")
            .bind(&t)
            .bind(Utc::now())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO sessions (tenant_id, token_hash, staff_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&t)
        .bind(&s.token_hash)
        .bind(s.staff_id)
        .bind(&s.csrf)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT token_hash, staff_id, csrf, created_at, expires_at FROM sessions WHERE tenant_id = ? AND token_hash = ?",
        )
        .bind(tenant_key(tenant))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.try_get("token_hash").map_err(db)?,
                staff_id: r.try_get("staff_id").map_err(db)?,
                csrf: r.try_get("csrf").map_err(db)?,
                created_at: r.try_get("created_at").map_err(db)?,
                expires_at: r.try_get("expires_at").map_err(db)?,
            })
        })
        .transpose()
    }

    async fn end_session(&self, tenant: LocalGovCode, token_hash: &str) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query("DELETE FROM sessions WHERE tenant_id = ? AND token_hash = ?")
            .bind(tenant_key(tenant))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn add_api_token(&self, tenant: LocalGovCode, k: &ApiToken) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query(
            "INSERT INTO api_tokens (tenant_id, token_hash, name, role, created_at, revoked) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(tenant_key(tenant))
        .bind(&k.token_hash)
        .bind(&k.name)
        .bind(k.role.code())
        .bind(k.created_at)
        .bind(k.revoked)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn api_token(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(
            "SELECT token_hash, name, role, created_at, revoked FROM api_tokens WHERE tenant_id = ? AND token_hash = ?",
        )
        .bind(tenant_key(tenant))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(ApiToken {
                token_hash: r.try_get("token_hash").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
                role: role_of(&r.try_get::<String, _>("role").map_err(db)?)?,
                created_at: r.try_get("created_at").map_err(db)?,
                revoked: r.try_get("revoked").map_err(db)?,
            })
        })
        .transpose()
    }

    async fn set_oidc_provider(
        &self,
        tenant: LocalGovCode,
        o: &OidcProvider,
    ) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query(
            "INSERT INTO oidc_providers (tenant_id, issuer, client_id, client_secret, redirect_url) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
               client_secret = excluded.client_secret, redirect_url = excluded.redirect_url",
        )
        .bind(tenant_key(tenant))
        .bind(&o.issuer)
        .bind(&o.client_id)
        .bind(&o.client_secret)
        .bind(&o.redirect_url)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn oidc_provider(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let row = sqlx::query(
            "SELECT issuer, client_id, client_secret, redirect_url FROM oidc_providers WHERE tenant_id = ?",
        )
        .bind(tenant_key(tenant))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(OidcProvider {
                issuer: r.try_get("issuer").map_err(db)?,
                client_id: r.try_get("client_id").map_err(db)?,
                client_secret: r.try_get("client_secret").map_err(db)?,
                redirect_url: r.try_get("redirect_url").map_err(db)?,
            })
        })
        .transpose()
    }

    async fn set_staff_oidc(
        &self,
        tenant: LocalGovCode,
        id: i64,
        subject: Option<&str>,
    ) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        sqlx::query("UPDATE staff SET oidc_subject = ? WHERE tenant_id = ? AND staff_id = ?")
            .bind(subject)
            .bind(tenant_key(tenant))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Exists("このIDプロバイダの利用者".into())
                } else {
                    db(e)
                }
            })?;
        Ok(())
    }

    async fn staff_by_oidc(
        &self,
        tenant: LocalGovCode,
        subject: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let row = sqlx::query(&format!("{STAFF} WHERE tenant_id = ? AND oidc_subject = ?"))
            .bind(tenant_key(tenant))
            .bind(subject)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(staff_of).transpose()
    }

    async fn add_draft(&self, tenant: LocalGovCode, d: &Draft) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let request = self.sealer.seal(&t, &d.request)?.0;
        let _w = self.write.lock().await;
        sqlx::query(
            "INSERT INTO drafts (tenant_id, draft_id, status, created_by, created_at, request) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&t)
        .bind(d.id)
        .bind(&d.status)
        .bind(&d.created_by)
        .bind(d.created_at)
        .bind(&request)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn draft(&self, tenant: LocalGovCode, id: i64) -> Result<Option<Draft>, StoreError> {
        let t = tenant_key(tenant);
        let row = sqlx::query(&format!("{DRAFT} WHERE tenant_id = ? AND draft_id = ?"))
            .bind(&t)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| draft_of(&self.sealer, &t, &r)).transpose()
    }

    async fn drafts(
        &self,
        tenant: LocalGovCode,
        status: Option<&str>,
    ) -> Result<Vec<Draft>, StoreError> {
        let t = tenant_key(tenant);
        let rows = sqlx::query(&format!(
            "{DRAFT} WHERE tenant_id = ? AND (? IS NULL OR status = ?) ORDER BY created_at, draft_id LIMIT 1000"
        ))
        .bind(&t)
        .bind(status)
        .bind(status)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(|r| draft_of(&self.sealer, &t, r)).collect()
    }

    async fn decide_draft(
        &self,
        tenant: LocalGovCode,
        id: i64,
        d: &DraftDecision,
    ) -> Result<(), StoreError> {
        let _w = self.write.lock().await;
        let done = sqlx::query(
            "UPDATE drafts SET status = ?, decided_by = ?, decided_at = ?, note = ?, seq = ?
             WHERE tenant_id = ? AND draft_id = ? AND status = 'pending'",
        )
        .bind(d.status)
        .bind(&d.by)
        .bind(d.at)
        .bind(&d.note)
        .bind(d.seq)
        .bind(tenant_key(tenant))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    async fn add_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let data = serde_json::to_string(m).map_err(corrupt)?;
        let _w = self.write.lock().await;
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("INSERT INTO support_measures (tenant_id, measure_id, version, data) VALUES (?, ?, ?, ?)")
            .bind(&t)
            .bind(m.id.0)
            .bind(m.version as i64)
            .bind(&data)
            .execute(&mut *tx)
            .await
            .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?;
        for p in m.protected() {
            sqlx::query(
                "INSERT INTO support_persons (tenant_id, person_id, measure_id) VALUES (?, ?, ?)",
            )
            .bind(&t)
            .bind(p.0)
            .bind(m.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn update_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError> {
        let data = serde_json::to_string(m).map_err(corrupt)?;
        let _w = self.write.lock().await;
        let done = sqlx::query(
            "UPDATE support_measures SET version = ?, data = ? WHERE tenant_id = ? AND measure_id = ? AND version = ?",
        )
        .bind(m.version as i64)
        .bind(&data)
        .bind(tenant_key(tenant))
        .bind(m.id.0)
        .bind(m.version as i64 - 1)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    async fn support_measure(
        &self,
        tenant: LocalGovCode,
        id: MeasureId,
    ) -> Result<Option<SupportMeasure>, StoreError> {
        let row: Option<String> = sqlx::query_scalar(
            "SELECT data FROM support_measures WHERE tenant_id = ? AND measure_id = ?",
        )
        .bind(tenant_key(tenant))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|d| decode(&d)).transpose()
    }

    async fn support_measures(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<SupportMeasure>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM support_measures WHERE tenant_id = ? ORDER BY measure_id",
        )
        .bind(tenant_key(tenant))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(|d| decode(d)).collect()
    }

    async fn support_for(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<SupportMeasure>, StoreError> {
        if persons.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT DISTINCT m.measure_id, m.data FROM support_persons p JOIN support_measures m
               ON m.tenant_id = p.tenant_id AND m.measure_id = p.measure_id WHERE p.tenant_id = ",
        );
        q.push_bind(tenant_key(tenant))
            .push(" AND p.person_id IN (");
        let mut list = q.separated(", ");
        for id in persons {
            list.push_bind(id.0);
        }
        q.push(") ORDER BY m.measure_id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter()
            .map(|r| decode(&r.try_get::<String, _>("data").map_err(db)?))
            .collect()
    }

    async fn reserve_certificate_serial(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let _w = self.write.lock().await;
        let row = sqlx::query(
            "INSERT INTO certificate_serials (tenant_id, last_serial) VALUES (?, 1)
             ON CONFLICT (tenant_id) DO UPDATE SET last_serial = last_serial + 1
             RETURNING last_serial",
        )
        .bind(tenant_key(tenant))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        row.try_get::<i64, _>(0).map_err(db)
    }

    async fn add_certificate(
        &self,
        tenant: LocalGovCode,
        c: &Certificate,
    ) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let data = certificates::seal(&self.sealer, &t, c)?;
        let _w = self.write.lock().await;
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO certificates (tenant_id, serial, code, issued_at, issued_on, kind, staff, data)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&t)
        .bind(c.serial)
        .bind(&c.code)
        .bind(c.issued_at)
        .bind(c.content.issued_on)
        .bind(c.content.kind.code())
        .bind(&c.staff)
        .bind(&data)
        .execute(&mut *tx)
        .await
        .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?;
        for p in c.persons() {
            sqlx::query(
                "INSERT INTO certificate_persons (tenant_id, person_id, serial) VALUES (?, ?, ?)",
            )
            .bind(&t)
            .bind(p.0)
            .bind(c.serial)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn certificate(
        &self,
        tenant: LocalGovCode,
        serial: i64,
    ) -> Result<Option<Certificate>, StoreError> {
        let t = tenant_key(tenant);
        let row = sqlx::query("SELECT data FROM certificates WHERE tenant_id = ? AND serial = ?")
            .bind(&t)
            .bind(serial)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        match row {
            Some(r) => {
                let reprints = self.reprints(&t, serial).await?;
                let data: String = r.try_get("data").map_err(db)?;
                certificates::open(&self.sealer, &t, &data, reprints).map(Some)
            }
            None => Ok(None),
        }
    }

    async fn certificate_by_code(
        &self,
        tenant: LocalGovCode,
        code: &str,
    ) -> Result<Option<Certificate>, StoreError> {
        let row = sqlx::query("SELECT serial FROM certificates WHERE tenant_id = ? AND code = ?")
            .bind(tenant_key(tenant))
            .bind(code)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        match row {
            Some(r) => {
                self.certificate(tenant, r.try_get("serial").map_err(db)?)
                    .await
            }
            None => Ok(None),
        }
    }

    async fn certificates(
        &self,
        tenant: LocalGovCode,
        q: &CertificateQuery,
    ) -> Result<Vec<Certificate>, StoreError> {
        let t = tenant_key(tenant);
        let mut b = QueryBuilder::<Sqlite>::new(
            "SELECT serial, data FROM certificates c WHERE tenant_id = ",
        );
        b.push_bind(&t);
        if let Some(from) = q.from {
            b.push(" AND issued_on >= ").push_bind(from);
        }
        if let Some(to) = q.to {
            b.push(" AND issued_on <= ").push_bind(to);
        }
        if let Some(staff) = &q.staff {
            b.push(" AND staff = ").push_bind(staff.clone());
        }
        if let Some(kind) = &q.kind {
            b.push(" AND kind = ").push_bind(kind.clone());
        }
        if let Some(p) = q.person {
            b.push(" AND serial IN (SELECT serial FROM certificate_persons WHERE tenant_id = ")
                .push_bind(&t)
                .push(" AND person_id = ")
                .push_bind(p.0)
                .push(")");
        }
        b.push(" ORDER BY serial DESC LIMIT ")
            .push_bind(q.bounded_limit());
        let rows = b.build().fetch_all(&self.pool).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let serial: i64 = r.try_get("serial").map_err(db)?;
            let data: String = r.try_get("data").map_err(db)?;
            let reprints = self.reprints(&t, serial).await?;
            out.push(certificates::open(&self.sealer, &t, &data, reprints)?);
        }
        Ok(out)
    }

    async fn add_certificate_reprint(
        &self,
        tenant: LocalGovCode,
        serial: i64,
        r: &Reprint,
    ) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let data = certificates::reprint_json(r)?;
        let _w = self.write.lock().await;
        sqlx::query(
            "INSERT INTO certificate_reprints (tenant_id, serial, n, data)
             SELECT ?, ?, COALESCE(MAX(n), 0) + 1, ? FROM certificate_reprints WHERE tenant_id = ? AND serial = ?",
        )
        .bind(&t)
        .bind(serial)
        .bind(&data)
        .bind(&t)
        .bind(serial)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn append_audit(
        &self,
        tenant: LocalGovCode,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        self.submit(tenant, None, events).await.map(|_| ())
    }

    async fn audit_records(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{AUDIT} WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?"
        ))
        .bind(tenant_key(tenant))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(audit_of).collect()
    }

    async fn audit_head(&self, tenant: LocalGovCode) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?")
            .bind(tenant_key(tenant))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok((
                r.try_get("seq").map_err(db)?,
                r.try_get("hash").map_err(db)?,
            ))
        })
        .transpose()
    }

    async fn audit_for_person(
        &self,
        tenant: LocalGovCode,
        person: PersonId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.seq, a.event, a.prev_hash, a.hash FROM audit_persons p
               JOIN audit a ON a.tenant_id = p.tenant_id AND a.seq = p.seq
             WHERE p.tenant_id = ? AND p.person_id = ? ORDER BY p.seq DESC LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(person.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(audit_of).collect()
    }

    async fn audit_for_actor(
        &self,
        tenant: LocalGovCode,
        actor: &str,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{AUDIT} WHERE tenant_id = ? AND actor = ? ORDER BY seq DESC LIMIT ?"
        ))
        .bind(tenant_key(tenant))
        .bind(actor)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(audit_of).collect()
    }

    async fn person_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<(PersonIndex, Person)>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, register, household_id, kana_key, name_key, birth_date, address_line, juminhyo_code, data
             FROM persons WHERE tenant_id = ? AND person_id > ? ORDER BY person_id LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(after.map_or(0, |p| p.0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let register: String = r.try_get("register").map_err(db)?;
                let ix = PersonIndex {
                    register: register.chars().next().unwrap_or('?'),
                    household_id: HouseholdId(r.try_get("household_id").map_err(db)?),
                    kana_key: r.try_get("kana_key").map_err(db)?,
                    name_key: r.try_get("name_key").map_err(db)?,
                    birth_date: r.try_get("birth_date").map_err(db)?,
                    address_line: r.try_get("address_line").map_err(db)?,
                    juminhyo_code: r.try_get("juminhyo_code").map_err(db)?,
                    version: r.try_get("version").map_err(db)?,
                };
                Ok((ix, person_of(&self.sealer, &tenant_key(tenant), r)?))
            })
            .collect()
    }

    async fn household_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<HouseholdId>,
        limit: u32,
    ) -> Result<Vec<Household>, StoreError> {
        let rows = sqlx::query(
            "SELECT data FROM households WHERE tenant_id = ? AND household_id > ? ORDER BY household_id LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(after.map_or(0, |h| h.0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| decode(&r.try_get::<String, _>("data").map_err(db)?))
            .collect()
    }

    async fn version_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<(PersonId, i64)>,
        limit: u32,
    ) -> Result<Vec<(PersonId, PersonVersion)>, StoreError> {
        let (p, s) = after.map_or((0, 0), |(p, s)| (p.0, s));
        let rows = sqlx::query(
            "SELECT person_id, seq, valid_from, valid_to, data FROM person_versions
             WHERE tenant_id = ? AND (person_id, seq) > (?, ?) ORDER BY person_id, seq LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(p)
        .bind(s)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    PersonId(r.try_get("person_id").map_err(db)?),
                    version_of(&self.sealer, &tenant_key(tenant), r)?,
                ))
            })
            .collect()
    }

    async fn household_version_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<(HouseholdId, i64)>,
        limit: u32,
    ) -> Result<Vec<HouseholdVersion>, StoreError> {
        let (h, s) = after.map_or((0, 0), |(h, s)| (h.0, s));
        let rows = sqlx::query(
            "SELECT seq, valid_from, data FROM household_versions
             WHERE tenant_id = ? AND (household_id, seq) > (?, ?) ORDER BY household_id, seq LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(h)
        .bind(s)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(HouseholdVersion {
                    seq: r.try_get("seq").map_err(db)?,
                    valid_from: r.try_get("valid_from").map_err(db)?,
                    household: decode(&r.try_get::<String, _>("data").map_err(db)?)?,
                })
            })
            .collect()
    }
}

fn version_of(s: &Sealer, t: &str, r: &SqliteRow) -> Result<PersonVersion, StoreError> {
    Ok(PersonVersion {
        seq: r.try_get("seq").map_err(db)?,
        valid_from: r.try_get("valid_from").map_err(db)?,
        valid_to: r.try_get("valid_to").map_err(db)?,
        person: person_of(s, t, r)?,
    })
}

/// One change's rows.
struct ChangeRows {
    entry: LedgerRow,
    persons: Vec<PersonRow>,
    households: Vec<HouseholdRow>,
}

/// One audit event, serialised, with its index columns.
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    persons: Vec<i64>,
    json: String,
}

impl AuditRow {
    fn of(e: &AuditEvent) -> Self {
        let mut persons = e.persons.clone();
        persons.sort_unstable();
        persons.dedup();
        AuditRow {
            at: e.at.to_rfc3339(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            persons,
            json: e.canonical(),
        }
    }
}

/// Work waiting for the writer, already serialised by the caller's task: a change
/// with its audit events, or audit events alone.
struct Job {
    tenant: String,
    change: Option<ChangeRows>,
    audit: Vec<AuditRow>,
    reply: oneshot::Sender<Result<i64, StoreError>>,
}

/// Most changes committed together in one transaction.
const GROUP: usize = 256;

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// The writer's own connection: synchronous, with cached prepared statements, so that
/// a change costs a dozen calls into SQLite and no thread hand-off per statement.
fn open_writer(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path).map_err(sql)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
    // FULL: an acknowledged 異動 survives a power loss.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536; PRAGMA temp_store = memory;
         PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(sql)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
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

/// The one writer, on its own thread: group commit. It takes every change waiting,
/// writes each inside its own savepoint (a change that fails is rolled back alone),
/// commits the group with one fsync, and only then answers each caller. An
/// acknowledged change is on disk.
fn writer(path: PathBuf, lock: Arc<Mutex<()>>, mut jobs: mpsc::Receiver<Job>) {
    let mut conn = match open_writer(&path) {
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
        for (job, outcome) in group.into_iter().zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }
}

fn write_group(conn: &mut rusqlite::Connection, group: &[Job]) -> Vec<Result<i64, StoreError>> {
    let mut tx = match conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)
    {
        Ok(tx) => tx,
        Err(e) => return fail_all(group.len(), &e),
    };
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        let outcome = match tx.savepoint().map_err(sql) {
            Err(e) => return fail_all(group.len(), &e),
            Ok(sp) => {
                let outcome = write_job(&sp, job);
                let ended = if outcome.is_ok() {
                    sp.commit()
                } else {
                    // Dropping back: ROLLBACK TO and RELEASE (the savepoint's default).
                    sp.finish()
                };
                if let Err(e) = ended.map_err(sql) {
                    return fail_all(group.len(), &e);
                }
                outcome
            }
        };
        outcomes.push(outcome);
    }
    match tx.commit().map_err(sql) {
        Ok(()) => outcomes,
        Err(e) => fail_all(group.len(), &e),
    }
}

/// `true` when an insert failed on a primary key or unique index.
fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

fn date(d: NaiveDate) -> String {
    d.format("%F").to_string()
}

/// Writes one change inside the group's transaction (see [`writer`]). Dates are
/// stored as `YYYY-MM-DD` text, as the read side's sqlx decodes them.
fn write_job(c: &rusqlite::Connection, job: &Job) -> Result<i64, StoreError> {
    let seq = match &job.change {
        Some(change) => write_change(c, &job.tenant, change)?,
        None => 0,
    };
    if !job.audit.is_empty() {
        append_audit_rows(c, &job.tenant, &job.audit)?;
    }
    Ok(seq)
}

/// Appends to the tenant's audit chain, after its head.
fn append_audit_rows(
    c: &rusqlite::Connection,
    t: &str,
    rows: &[AuditRow],
) -> Result<(), StoreError> {
    let head: Option<(i64, String)> = c
        .prepare_cached("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?1")
        .and_then(|mut s| {
            let mut rows = s.query([t])?;
            match rows.next()? {
                Some(r) => Ok(Some((r.get(0)?, r.get(1)?))),
                None => Ok(None),
            }
        })
        .map_err(sql)?;
    let (mut seq, mut prev) = head.unwrap_or((0, kikan_security::audit::GENESIS.to_string()));
    for r in rows {
        seq += 1;
        let hash = kikan_security::audit::link(t, seq, &prev, &r.json);
        c.prepare_cached(
            "INSERT INTO audit (tenant_id, seq, at, actor, action, event, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut s| {
            s.execute(rusqlite::params![
                t, seq, r.at, r.actor, r.action, r.json, prev, hash
            ])
        })
        .map_err(sql)?;
        for p in &r.persons {
            c.prepare_cached(
                "INSERT INTO audit_persons (tenant_id, person_id, seq) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(rusqlite::params![t, p, seq]))
            .map_err(sql)?;
        }
        prev = hash;
    }
    c.prepare_cached(
        "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?1, ?2, ?3)
         ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .and_then(|mut s| s.execute(rusqlite::params![t, seq, prev]))
    .map_err(sql)?;
    Ok(())
}

fn write_change(
    c: &rusqlite::Connection,
    t: &String,
    change: &ChangeRows,
) -> Result<i64, StoreError> {
    let e = &change.entry;
    let effective_on = date(e.effective_on);
    let seq: i64 = c
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger WHERE tenant_id = ?1")
        .and_then(|mut s| s.query_row([t], |r| r.get(0)))
        .map_err(sql)?;
    c.prepare_cached(
        "INSERT INTO ledger (tenant_id, seq, reason, effective_on, notified_on, recorded_at, operator, late, entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            t,
            seq,
            e.reason,
            effective_on,
            date(e.notified_on),
            e.recorded_at.to_rfc3339(),
            e.operator,
            e.late,
            e.json
        ])
    })
    .map_err(sql)?;
    for p in &change.persons {
        let ix = &p.index;
        let register = ix.register.to_string();
        let row = rusqlite::params![
            t,
            p.id,
            ix.version,
            register,
            ix.household_id.0,
            ix.kana_key,
            ix.name_key,
            date(ix.birth_date),
            ix.address_line,
            ix.juminhyo_code,
            p.json,
            p.number_index
        ];
        let done = if ix.version == 1 {
            c.prepare_cached(
                "INSERT INTO persons (tenant_id, person_id, version, register, household_id, kana_key, name_key,
                    birth_date, address_line, juminhyo_code, data, number_index)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .and_then(|mut s| s.execute(row))
            .map_err(|e| if is_unique(&e) { StoreError::Conflict } else { sql(e) })?
        } else {
            c.prepare_cached(
                "UPDATE persons SET version = ?3, register = ?4, household_id = ?5, kana_key = ?6, name_key = ?7,
                    birth_date = ?8, address_line = ?9, juminhyo_code = ?10, data = ?11, number_index = ?12
                 WHERE tenant_id = ?1 AND person_id = ?2 AND version = ?3 - 1",
            )
            .and_then(|mut s| s.execute(row))
            .map_err(sql)?
        };
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        c.prepare_cached(
            "UPDATE person_versions SET valid_to = ?1 WHERE tenant_id = ?2 AND person_id = ?3 AND valid_to IS NULL",
        )
        .and_then(|mut s| s.execute(rusqlite::params![effective_on, t, p.id]))
        .map_err(sql)?;
        c.prepare_cached(
            "INSERT INTO person_versions (tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data)
             VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            s.execute(rusqlite::params![
                t,
                p.id,
                seq,
                effective_on,
                register,
                ix.household_id.0,
                p.json
            ])
        })
        .map_err(sql)?;
    }
    for h in &change.households {
        let row = rusqlite::params![t, h.id, h.version, h.dissolved, h.json];
        let done = if h.version == 1 {
            c.prepare_cached(
                "INSERT INTO households (tenant_id, household_id, version, dissolved, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute(row))
            .map_err(|e| if is_unique(&e) { StoreError::Conflict } else { sql(e) })?
        } else {
            c.prepare_cached(
                "UPDATE households SET version = ?3, dissolved = ?4, data = ?5
                 WHERE tenant_id = ?1 AND household_id = ?2 AND version = ?3 - 1",
            )
            .and_then(|mut s| s.execute(row))
            .map_err(sql)?
        };
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        c.prepare_cached(
            "INSERT INTO household_versions (tenant_id, household_id, seq, valid_from, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| s.execute(rusqlite::params![t, h.id, seq, effective_on, h.json]))
        .map_err(sql)?;
    }
    Ok(seq)
}

/// Every change of a group fails when the group's transaction does.
fn fail_all(n: usize, e: &StoreError) -> Vec<Result<i64, StoreError>> {
    (0..n)
        .map(|_| Err(StoreError::Database(e.to_string())))
        .collect()
}

impl SqliteStore {
    /// The re-prints of one certificate, oldest first.
    async fn reprints(&self, t: &str, serial: i64) -> Result<Vec<Reprint>, StoreError> {
        let rows = sqlx::query(
            "SELECT data FROM certificate_reprints WHERE tenant_id = ? AND serial = ? ORDER BY n",
        )
        .bind(t)
        .bind(serial)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| certificates::reprint_of(&r.try_get::<String, _>("data").map_err(db)?))
            .collect()
    }
}
