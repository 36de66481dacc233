//! The SQLite engine: kikan's embedded default, one file in WAL mode.
//!
//! Writes go through one writer at a time (SQLite has one), which commits the changes
//! waiting for it as a group; reads use a small pool and see a consistent snapshot each.

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use kikan_domain::{Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId};
use kikan_store::bulk::BulkRows;
use kikan_store::{
    HouseholdVersion, PersonIndex, PersonVersion, SearchKeys, Store, StoreError, Tenant, prefix_end,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound values).
const CHUNK: usize = 1000;
use std::path::Path;
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
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}
fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(corrupt)
}
fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(corrupt)
}
fn tenant_key(t: LocalGovCode) -> String {
    t.to_string()
}
fn entry_of(row: &SqliteRow) -> Result<LedgerEntry, StoreError> {
    let mut e: LedgerEntry = decode(&row.try_get::<String, _>("entry").map_err(db)?)?;
    e.seq = row.try_get("seq").map_err(db)?;
    Ok(e)
}
fn person_of(row: &SqliteRow) -> Result<Person, StoreError> {
    decode(&row.try_get::<String, _>("data").map_err(db)?)
}
fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqliteStore {
    /// Opens (creating if needed) `kikan.sqlite` in `dir` and migrates it.
    pub async fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Database(format!("{}: {e}", dir.display())))?;
        Self::open(&format!("sqlite://{}", dir.join("kikan.sqlite").display())).await
    }

    /// Opens a `sqlite://PATH` URL (`sqlite::memory:` for tests).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let memory = url.contains(":memory:");
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            // FULL: an acknowledged 異動 survives a power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection: index pages of a large city stay hot.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = if memory {
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await
                .map_err(db)?;
            MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| StoreError::Database(e.to_string()))?;
            pool
        } else {
            // One connection first: it switches the new file to WAL and migrates it
            // before any other connection can race it for the lock.
            let mut first = SqliteConnection::connect_with(&opts).await.map_err(db)?;
            MIGRATOR
                .run(&mut first)
                .await
                .map_err(|e| StoreError::Database(e.to_string()))?;
            first.close().await.map_err(db)?;
            SqlitePoolOptions::new()
                .max_connections(4)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await
                .map_err(db)?
        };
        let write = Arc::new(Mutex::new(()));
        let (commits, jobs) = mpsc::channel(4 * GROUP);
        tokio::spawn(writer(pool.clone(), write.clone(), jobs));
        Ok(SqliteStore {
            pool,
            write,
            commits,
        })
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
        let row = sqlx::query("SELECT name, mayor FROM tenants WHERE tenant_id = ?")
            .bind(tenant_key(code))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(Tenant {
                code,
                name: r.try_get("name").map_err(db)?,
                mayor: r.try_get("mayor").map_err(db)?,
            })
        })
        .transpose()
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
        rows.iter().map(person_of).collect()
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
    ) -> Result<i64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant: tenant_key(tenant),
            entry: entry.clone(),
            persons: persons.iter().map(|p| (*p).clone()).collect(),
            households: households.iter().map(|h| (*h).clone()).collect(),
            reply,
        };
        self.commits
            .send(job)
            .await
            .map_err(|_| StoreError::Database("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Database("the writer has stopped".into()))?
    }

    async fn bulk_insert(&self, tenant: LocalGovCode, rows: &BulkRows) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let t = tenant_key(tenant);
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
                    .push_bind(&r.json);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in rows.persons.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO persons (tenant_id, person_id, version, register, household_id, kana_key, name_key, \
                 birth_date, address_line, juminhyo_code, data) ",
            );
            q.push_values(chunk, |mut b, r| {
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
        for chunk in rows.person_versions.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO person_versions (tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(seq(r.entry))
                    .push_bind(r.valid_from)
                    .push_bind(r.valid_to)
                    .push_bind(r.register.to_string())
                    .push_bind(r.household_id)
                    .push_bind(&r.json);
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
        rows.iter().map(entry_of).collect()
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
        rows.iter().map(version_of).collect()
    }

    async fn entries_for(
        &self,
        tenant: LocalGovCode,
        person: Option<PersonId>,
        household: Option<HouseholdId>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let (sql, id) = match (person, household) {
            (Some(p), _) => (
                "SELECT l.seq, l.entry FROM ledger l JOIN person_versions v ON v.tenant_id = l.tenant_id AND v.seq = l.seq
                 WHERE l.tenant_id = ? AND v.person_id = ? ORDER BY l.seq",
                p.0,
            ),
            (None, Some(h)) => (
                "SELECT l.seq, l.entry FROM ledger l JOIN household_versions v ON v.tenant_id = l.tenant_id AND v.seq = l.seq
                 WHERE l.tenant_id = ? AND v.household_id = ? ORDER BY l.seq",
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
        rows.iter().map(entry_of).collect()
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
        row.as_ref().map(person_of).transpose()
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
        let members = rows.iter().map(person_of).collect::<Result<_, _>>()?;
        Ok(Some((household, members)))
    }

    async fn residents_as_of(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query(
            "SELECT data FROM person_versions WHERE tenant_id = ? AND person_id > ? AND register = 'A'
               AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY person_id LIMIT ?",
        )
        .bind(tenant_key(tenant))
        .bind(after.map_or(0, |p| p.0))
        .bind(on)
        .bind(on)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(person_of).collect()
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
        let rows = q.bind(k.limit).fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(person_of).collect()
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
                Ok((ix, person_of(r)?))
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
                    version_of(r)?,
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

fn version_of(r: &SqliteRow) -> Result<PersonVersion, StoreError> {
    Ok(PersonVersion {
        seq: r.try_get("seq").map_err(db)?,
        valid_from: r.try_get("valid_from").map_err(db)?,
        valid_to: r.try_get("valid_to").map_err(db)?,
        person: person_of(r)?,
    })
}

/// Writes one change inside the group's transaction (see [`writer`]).
async fn write_change(tx: &mut SqliteConnection, job: &Job) -> Result<i64, StoreError> {
    let (t, entry) = (&job.tenant, &job.entry);
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger WHERE tenant_id = ?")
            .bind(t)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
    sqlx::query(
        "INSERT INTO ledger (tenant_id, seq, reason, effective_on, notified_on, recorded_at, operator, late, entry)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(t)
    .bind(seq)
    .bind(entry.reason().label())
    .bind(entry.effective_on)
    .bind(entry.notified_on)
    .bind(entry.recorded_at.to_rfc3339())
    .bind(&entry.operator)
    .bind(entry.late)
    .bind(json(entry)?)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    for p in &job.persons {
        let ix = PersonIndex::of(p);
        let data = json(p)?;
        let done = if p.version == 1 {
            sqlx::query(
                "INSERT INTO persons (tenant_id, person_id, version, register, household_id, kana_key, name_key,
                    birth_date, address_line, juminhyo_code, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(t)
            .bind(p.id.0)
            .bind(ix.version)
            .bind(ix.register.to_string())
            .bind(ix.household_id.0)
            .bind(&ix.kana_key)
            .bind(&ix.name_key)
            .bind(ix.birth_date)
            .bind(&ix.address_line)
            .bind(&ix.juminhyo_code)
            .bind(&data)
            .execute(&mut *tx)
            .await
            .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE persons SET version = ?, register = ?, household_id = ?, kana_key = ?, name_key = ?,
                    birth_date = ?, address_line = ?, juminhyo_code = ?, data = ?
                 WHERE tenant_id = ? AND person_id = ? AND version = ?",
            )
            .bind(ix.version)
            .bind(ix.register.to_string())
            .bind(ix.household_id.0)
            .bind(&ix.kana_key)
            .bind(&ix.name_key)
            .bind(ix.birth_date)
            .bind(&ix.address_line)
            .bind(&ix.juminhyo_code)
            .bind(&data)
            .bind(t)
            .bind(p.id.0)
            .bind(ix.version - 1)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
        };
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "UPDATE person_versions SET valid_to = ? WHERE tenant_id = ? AND person_id = ? AND valid_to IS NULL",
        )
        .bind(entry.effective_on)
        .bind(t)
        .bind(p.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO person_versions (tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data)
             VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
        )
        .bind(t)
        .bind(p.id.0)
        .bind(seq)
        .bind(entry.effective_on)
        .bind(ix.register.to_string())
        .bind(ix.household_id.0)
        .bind(&data)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    for h in &job.households {
        let data = json(h)?;
        let version = h.version as i64;
        let done = if version == 1 {
            sqlx::query(
                "INSERT INTO households (tenant_id, household_id, version, dissolved, data) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(t)
            .bind(h.id.0)
            .bind(version)
            .bind(h.dissolved_on.is_some())
            .bind(&data)
            .execute(&mut *tx)
            .await
            .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE households SET version = ?, dissolved = ?, data = ?
                 WHERE tenant_id = ? AND household_id = ? AND version = ?",
            )
            .bind(version)
            .bind(h.dissolved_on.is_some())
            .bind(&data)
            .bind(t)
            .bind(h.id.0)
            .bind(version - 1)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
        };
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "INSERT INTO household_versions (tenant_id, household_id, seq, valid_from, data) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(t)
        .bind(h.id.0)
        .bind(seq)
        .bind(entry.effective_on)
        .bind(&data)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    Ok(seq)
}

/// Every change of a group fails when the group's transaction does.
fn fail_all(n: usize, e: &StoreError) -> Vec<Result<i64, StoreError>> {
    (0..n)
        .map(|_| Err(StoreError::Database(e.to_string())))
        .collect()
}

/// One change waiting for the writer.
struct Job {
    tenant: String,
    entry: LedgerEntry,
    persons: Vec<Person>,
    households: Vec<Household>,
    reply: oneshot::Sender<Result<i64, StoreError>>,
}

/// Most changes committed together in one transaction.
const GROUP: usize = 256;

/// The one writer: group commit. It takes every change waiting, writes each inside
/// its own savepoint (a change that fails is rolled back alone), commits the group
/// with one fsync, and only then answers each caller. An acknowledged change is on disk.
async fn writer(pool: SqlitePool, lock: Arc<Mutex<()>>, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP {
            match jobs.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let _w = lock.lock().await;
        let outcomes = write_group(&pool, &group).await;
        for (job, outcome) in group.into_iter().zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }
}

async fn write_group(pool: &SqlitePool, group: &[Job]) -> Vec<Result<i64, StoreError>> {
    let mut tx = match pool.begin().await.map_err(db) {
        Ok(tx) => tx,
        Err(e) => return fail_all(group.len(), &e),
    };
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        if let Err(e) = sqlx::query("SAVEPOINT change")
            .execute(&mut *tx)
            .await
            .map_err(db)
        {
            return fail_all(group.len(), &e);
        }
        let outcome = write_change(&mut tx, job).await;
        if outcome.is_err()
            && let Err(e) = sqlx::query("ROLLBACK TO change")
                .execute(&mut *tx)
                .await
                .map_err(db)
        {
            return fail_all(group.len(), &e);
        }
        if let Err(e) = sqlx::query("RELEASE change")
            .execute(&mut *tx)
            .await
            .map_err(db)
        {
            return fail_all(group.len(), &e);
        }
        outcomes.push(outcome);
    }
    match tx.commit().await.map_err(db) {
        Ok(()) => outcomes,
        Err(e) => fail_all(group.len(), &e),
    }
}
