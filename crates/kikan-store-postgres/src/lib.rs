//! The PostgreSQL engine: kikan's production store.
//!
//! Each commit locks its tenant's row (which numbers the ledger) and checks every
//! snapshot's version, so concurrent clerks never lose an update.

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use kikan_domain::support::{MeasureId, SupportMeasure};
use kikan_domain::{Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId};
use kikan_security::crypto::Keyring;
use kikan_security::{AuditEvent, AuditRecord, Role};
use kikan_store::accounts::{ApiToken, LoginState, OidcProvider, Session, StaffAccount};
use kikan_store::bulk::BulkRows;
use kikan_store::certificates::{self, Certificate, CertificateQuery, Reprint};
use kikan_store::drafts::{Draft, DraftDecision};
use kikan_store::seal::Sealer;
use kikan_store::{
    HouseholdVersion, PersonIndex, PersonVersion, SearchKeys, Store, StoreError, Tenant,
    TenantCache, prefix_end,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use std::sync::Arc;

/// Rows per multi-row INSERT (PostgreSQL allows 65,535 bound values).
const CHUNK: usize = 1000;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct PgStore {
    pool: PgPool,
    known: TenantCache,
    sealer: Sealer,
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
fn entry_of(s: &Sealer, t: &str, row: &PgRow) -> Result<LedgerEntry, StoreError> {
    let mut e: LedgerEntry =
        decode(&s.unseal(t, &row.try_get::<String, _>("entry").map_err(db)?)?)?;
    e.seq = row.try_get("seq").map_err(db)?;
    Ok(e)
}
fn person_of(s: &Sealer, t: &str, row: &PgRow) -> Result<Person, StoreError> {
    decode(&s.unseal(t, &row.try_get::<String, _>("data").map_err(db)?)?)
}
const STAFF: &str =
    "SELECT staff_id, login, name, role, password_hash, totp_secret, totp_last_step, failed_logins,
    locked_until, active, oidc_subject, created_at FROM staff";
const AUDIT: &str = "SELECT seq, event, prev_hash, hash FROM audit";

fn role_of(code: &str) -> Result<Role, StoreError> {
    Role::parse(code).ok_or_else(|| StoreError::Corrupt(format!("unknown role {code:?}")))
}
fn staff_of(r: &PgRow) -> Result<StaffAccount, StoreError> {
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
fn audit_of(r: &PgRow) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: r.try_get("seq").map_err(db)?,
        event_json: r.try_get("event").map_err(db)?,
        prev_hash: r.try_get("prev_hash").map_err(db)?,
        hash: r.try_get("hash").map_err(db)?,
    })
}

/// Appends to the tenant's audit chain inside `tx`. The head row's lock orders
/// concurrent appends of one tenant, so the chain has no forks.
async fn append_audit_tx(
    tx: &mut sqlx::PgConnection,
    t: &str,
    events: &[AuditEvent],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING")
        .bind(t)
        .bind(kikan_security::audit::GENESIS)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1 FOR UPDATE")
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let mut seq: i64 = head.try_get("seq").map_err(db)?;
    let mut prev: String = head.try_get("hash").map_err(db)?;
    for e in events {
        seq += 1;
        let json = e.canonical();
        let hash = kikan_security::audit::link(t, seq, &prev, &json);
        sqlx::query(
            "INSERT INTO audit (tenant_id, seq, at, actor, action, event, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(t)
        .bind(seq)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&json)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let mut persons = e.persons.clone();
        persons.sort_unstable();
        persons.dedup();
        if !persons.is_empty() {
            sqlx::query("INSERT INTO audit_persons (tenant_id, person_id, seq) SELECT $1, p, $2 FROM unnest($3::bigint[]) AS p")
                .bind(t)
                .bind(seq)
                .bind(&persons)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        prev = hash;
    }
    sqlx::query("UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1")
        .bind(t)
        .bind(seq)
        .bind(&prev)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    Ok(())
}

const DRAFT: &str = "SELECT draft_id, status, created_by, created_at, request, decided_by, decided_at, note, seq FROM drafts";

fn draft_of(s: &Sealer, t: &str, r: &PgRow) -> Result<Draft, StoreError> {
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

impl PgStore {
    /// A transaction scoped to one tenant: row-level security lets it see and write
    /// that tenant's rows only (the second wall behind the application's checks).
    async fn begin(
        &self,
        tenant: LocalGovCode,
    ) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant_key(tenant))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        Ok(tx)
    }

    /// Connects to a `postgres://` URL and migrates the database.
    pub async fn open(url: &str, keys: Arc<Keyring>) -> Result<Self, StoreError> {
        Self::open_in_schema(url, None, keys).await
    }

    /// Connects with every session's `search_path` set to `schema` (created if
    /// missing): the test suite gives each test a schema of its own.
    pub async fn open_in_schema(
        url: &str,
        schema: Option<&str>,
        keys: Arc<Keyring>,
    ) -> Result<Self, StoreError> {
        let mut opts = PgConnectOptions::from_str(url).map_err(db)?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Database(format!("bad schema name {schema}")));
            }
            let admin = PgPool::connect_with(opts.clone()).await.map_err(db)?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&admin)
                .await
                .map_err(db)?;
            admin.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(db)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(PgStore {
            pool,
            known: TenantCache::default(),
            sealer: Sealer::new(keys),
        })
    }

    /// Connects as the application's own role, without migrating: in production the
    /// schema belongs to an owner role that runs the migrations (any `kikan` command
    /// with the owner's URL), and the server connects as a role that is neither
    /// owner nor superuser, so that row-level security binds it.
    pub async fn open_as_app(
        url: &str,
        schema: Option<&str>,
        keys: Arc<Keyring>,
    ) -> Result<Self, StoreError> {
        let mut opts = PgConnectOptions::from_str(url).map_err(db)?;
        if let Some(schema) = schema {
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(db)?;
        Ok(PgStore {
            pool,
            known: TenantCache::default(),
            sealer: Sealer::new(keys),
        })
    }

    /// The pool, for tests and tools that must reach the database directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PgStore {
    fn engine(&self) -> &'static str {
        "postgres"
    }

    fn sealer(&self) -> &Sealer {
        &self.sealer
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

    async fn add_tenant(&self, t: &Tenant) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO tenants (tenant_id, name, mayor, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant_key(t.code))
        .bind(&t.name)
        .bind(&t.mayor)
        .bind(Utc::now())
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
        let row = sqlx::query("SELECT name, mayor FROM tenants WHERE tenant_id = $1")
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
        let mut tx = self.begin(tenant).await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows = sqlx::query(
            "SELECT data::text AS data FROM persons WHERE tenant_id = $1 AND person_id = ANY($2)",
        )
        .bind(tenant_key(tenant))
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| person_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn households(
        &self,
        tenant: LocalGovCode,
        ids: &[HouseholdId],
    ) -> Result<Vec<Household>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows = sqlx::query("SELECT data::text AS data FROM households WHERE tenant_id = $1 AND household_id = ANY($2)")
            .bind(tenant_key(tenant))
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
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
        let t = tenant_key(tenant);
        let mut tx = self.begin(tenant).await?;
        // The tenant row's lock orders this tenant's commits; the seq is gapless.
        let seq: i64 = sqlx::query_scalar("UPDATE tenants SET ledger_seq = ledger_seq + 1 WHERE tenant_id = $1 RETURNING ledger_seq")
            .bind(&t)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO ledger (tenant_id, seq, reason, effective_on, notified_on, recorded_at, operator, late, entry)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)",
        )
        .bind(&t)
        .bind(seq)
        .bind(entry.reason().label())
        .bind(entry.effective_on)
        .bind(entry.notified_on)
        .bind(entry.recorded_at)
        .bind(&entry.operator)
        .bind(entry.late)
        .bind(self.sealer.seal(&t, &json(entry)?)?.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for p in persons {
            let ix = PersonIndex::of(p);
            let (data, number_index) = self.sealer.seal(&t, &json(p)?)?;
            let done = if p.version == 1 {
                sqlx::query(
                    "INSERT INTO persons (tenant_id, person_id, version, register, household_id, kana_key, name_key,
                        birth_date, address_line, juminhyo_code, data, number_index)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12)",
                )
                .bind(&t)
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
                .bind(&number_index)
                .execute(&mut *tx)
                .await
                .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?
                .rows_affected()
            } else {
                sqlx::query(
                    "UPDATE persons SET version = $1, register = $2, household_id = $3, kana_key = $4, name_key = $5,
                        birth_date = $6, address_line = $7, juminhyo_code = $8, data = $9::jsonb, number_index = $13
                     WHERE tenant_id = $10 AND person_id = $11 AND version = $12",
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
                .bind(&t)
                .bind(p.id.0)
                .bind(ix.version - 1)
                .bind(&number_index)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected()
            };
            if done != 1 {
                return Err(StoreError::Conflict);
            }
            sqlx::query(
                "UPDATE person_versions SET valid_to = $1 WHERE tenant_id = $2 AND person_id = $3 AND valid_to IS NULL",
            )
            .bind(entry.effective_on)
            .bind(&t)
            .bind(p.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query(
                "INSERT INTO person_versions (tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data)
                 VALUES ($1, $2, $3, $4, NULL, $5, $6, $7::jsonb)",
            )
            .bind(&t)
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
        for h in households {
            let data = json(h)?;
            let version = h.version as i64;
            let done = if version == 1 {
                sqlx::query(
                    "INSERT INTO households (tenant_id, household_id, version, dissolved, data) VALUES ($1, $2, $3, $4, $5::jsonb)",
                )
                .bind(&t)
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
                    "UPDATE households SET version = $1, dissolved = $2, data = $3::jsonb
                     WHERE tenant_id = $4 AND household_id = $5 AND version = $6",
                )
                .bind(version)
                .bind(h.dissolved_on.is_some())
                .bind(&data)
                .bind(&t)
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
                "INSERT INTO household_versions (tenant_id, household_id, seq, valid_from, data) VALUES ($1, $2, $3, $4, $5::jsonb)",
            )
            .bind(&t)
            .bind(h.id.0)
            .bind(seq)
            .bind(entry.effective_on)
            .bind(&data)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit_tx(&mut tx, &t, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(seq)
    }

    async fn bulk_insert(&self, tenant: LocalGovCode, rows: &BulkRows) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let t = tenant_key(tenant);
        let mut tx = self.begin(tenant).await?;
        let n = rows.ledger.len() as i64;
        let end: i64 =
            sqlx::query_scalar("UPDATE tenants SET ledger_seq = ledger_seq + $2 WHERE tenant_id = $1 RETURNING ledger_seq")
                .bind(&t)
                .bind(n)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let base = end - n;
        let seq = |i: usize| base + 1 + i as i64;
        let sealed = self.sealer.seal_bulk(&t, rows)?;
        for (n, chunk) in rows.ledger.chunks(CHUNK).enumerate() {
            let mut q = QueryBuilder::<Postgres>::new(
                "INSERT INTO ledger (tenant_id, seq, reason, effective_on, notified_on, recorded_at, operator, late, entry) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                b.push_bind(&t)
                    .push_bind(seq(n * CHUNK + i))
                    .push_bind(r.reason)
                    .push_bind(r.effective_on)
                    .push_bind(r.notified_on)
                    .push_bind(r.recorded_at)
                    .push_bind(&r.operator)
                    .push_bind(r.late)
                    .push_bind(&sealed.ledger[n * CHUNK + i])
                    .push_unseparated("::jsonb");
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for (chunk, sealed) in rows.persons.chunks(CHUNK).zip(sealed.persons.chunks(CHUNK)) {
            let mut q = QueryBuilder::<Postgres>::new(
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
                    .push_unseparated("::jsonb")
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
            let mut q = QueryBuilder::<Postgres>::new(
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
                    .push_bind(json)
                    .push_unseparated("::jsonb");
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in rows.households.chunks(CHUNK) {
            let mut q = QueryBuilder::<Postgres>::new(
                "INSERT INTO households (tenant_id, household_id, version, dissolved, data) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(r.version)
                    .push_bind(r.dissolved)
                    .push_bind(&r.json)
                    .push_unseparated("::jsonb");
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
            let mut q = QueryBuilder::<Postgres>::new(
                "INSERT INTO household_versions (tenant_id, household_id, seq, valid_from, data) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&t)
                    .push_bind(r.id)
                    .push_bind(seq(r.entry))
                    .push_bind(r.valid_from)
                    .push_bind(&r.json)
                    .push_unseparated("::jsonb");
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query("SELECT seq, entry::text AS entry FROM ledger WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(tenant_key(tenant))
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT seq, valid_from, valid_to, data::text AS data FROM person_versions WHERE tenant_id = $1 AND person_id = $2 ORDER BY seq",
        )
        .bind(tenant_key(tenant))
        .bind(id.0)
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let (sql, id) = match (person, household) {
            (Some(p), _) => (
                "SELECT l.seq, l.entry::text AS entry FROM ledger l JOIN person_versions v ON v.tenant_id = l.tenant_id AND v.seq = l.seq
                 WHERE l.tenant_id = $1 AND v.person_id = $2 ORDER BY l.seq",
                p.0,
            ),
            (None, Some(h)) => (
                "SELECT l.seq, l.entry::text AS entry FROM ledger l JOIN household_versions v ON v.tenant_id = l.tenant_id AND v.seq = l.seq
                 WHERE l.tenant_id = $1 AND v.household_id = $2 ORDER BY l.seq",
                h.0,
            ),
            (None, None) => return Ok(vec![]),
        };
        let rows = sqlx::query(sql)
            .bind(tenant_key(tenant))
            .bind(id)
            .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "SELECT data::text AS data FROM person_versions WHERE tenant_id = $1 AND person_id = $2 AND valid_from <= $3
               AND (valid_to IS NULL OR valid_to > $4) ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant_key(tenant))
        .bind(id.0)
        .bind(on)
        .bind(on)
        .fetch_optional(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let t = tenant_key(tenant);
        let row = sqlx::query(
            "SELECT data::text AS data FROM household_versions WHERE tenant_id = $1 AND household_id = $2 AND valid_from <= $3
             ORDER BY valid_from DESC, seq DESC LIMIT 1",
        )
        .bind(&t)
        .bind(id.0)
        .bind(on)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let household: Household = decode(&row.try_get::<String, _>("data").map_err(db)?)?;
        let rows = sqlx::query(
            "SELECT data::text AS data FROM person_versions WHERE tenant_id = $1 AND household_id = $2 AND register = 'A'
               AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $4) ORDER BY person_id",
        )
        .bind(&t)
        .bind(id.0)
        .bind(on)
        .bind(on)
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT person_id, data::text AS data FROM person_versions WHERE tenant_id = $1 AND person_id > $2 AND register = 'A'
               AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $4) ORDER BY person_id LIMIT $5",
        )
        .bind(tenant_key(tenant))
        .bind(after.map_or(0, |p| p.0))
        .bind(on)
        .bind(on)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    PersonId(r.try_get("person_id").map_err(db)?),
                    r.try_get("data").map_err(db)?,
                ))
            })
            .collect()
    }

    async fn search(
        &self,
        tenant: LocalGovCode,
        k: &SearchKeys,
    ) -> Result<Vec<Person>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let mut sql = String::from("SELECT data::text AS data FROM persons WHERE tenant_id = $1");
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !k.include_removed {
            sql.push_str(" AND register = 'A'");
        }
        if k.kana_prefix.is_some() {
            sql.push_str(&format!(
                " AND kana_key >= {} AND kana_key < {}",
                next(),
                next()
            ));
        }
        if k.name_prefix.is_some() {
            sql.push_str(&format!(
                " AND name_key >= {} AND name_key < {}",
                next(),
                next()
            ));
        }
        if k.birth_date.is_some() {
            sql.push_str(&format!(" AND birth_date = {}", next()));
        }
        if k.address_part.is_some() {
            sql.push_str(&format!(" AND strpos(address_line, {}) > 0", next()));
        }
        if k.juminhyo_code.is_some() {
            sql.push_str(&format!(" AND juminhyo_code = {}", next()));
        }
        if k.individual_number.is_some() {
            sql.push_str(&format!(" AND number_index = {}", next()));
        }
        // Order by the key searched, so the index gives the order and LIMIT stops early.
        let order = if k.kana_prefix.is_none() && k.name_prefix.is_some() {
            "name_key"
        } else {
            "kana_key"
        };
        sql.push_str(&format!(" ORDER BY {order}, person_id LIMIT {}", next()));
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
        let rows = q
            .bind(i64::from(k.limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| person_of(&self.sealer, &tenant_key(tenant), r))
            .collect()
    }

    async fn add_staff(&self, tenant: LocalGovCode, a: &StaffAccount) -> Result<(), StoreError> {
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "INSERT INTO staff (tenant_id, staff_id, login, name, role, password_hash, totp_secret, totp_last_step,
                failed_logins, locked_until, active, oidc_subject, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if unique_violation(&e) {
                StoreError::Exists(format!("ログイン名 {}", a.login))
            } else {
                db(e)
            }
        })?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn staff_by_login(
        &self,
        tenant: LocalGovCode,
        login: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(&format!("{STAFF} WHERE tenant_id = $1 AND login = $2"))
            .bind(tenant_key(tenant))
            .bind(login)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        row.as_ref().map(staff_of).transpose()
    }

    async fn staff_by_id(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(&format!("{STAFF} WHERE tenant_id = $1 AND staff_id = $2"))
            .bind(tenant_key(tenant))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        row.as_ref().map(staff_of).transpose()
    }

    async fn staff_list(&self, tenant: LocalGovCode) -> Result<Vec<StaffAccount>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(&format!("{STAFF} WHERE tenant_id = $1 ORDER BY login"))
            .bind(tenant_key(tenant))
            .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "UPDATE staff SET failed_logins = $1, locked_until = $2, totp_last_step = $3 WHERE tenant_id = $4 AND staff_id = $5",
        )
        .bind(st.failed_logins)
        .bind(st.locked_until)
        .bind(st.totp_last_step)
        .bind(tenant_key(tenant))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn set_staff_active(
        &self,
        tenant: LocalGovCode,
        id: i64,
        active: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin(tenant).await?;
        let t = tenant_key(tenant);
        sqlx::query("UPDATE staff SET active = $1 WHERE tenant_id = $2 AND staff_id = $3")
            .bind(active)
            .bind(&t)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND staff_id = $2")
                .bind(&t)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn add_session(&self, tenant: LocalGovCode, s: &Session) -> Result<(), StoreError> {
        let mut tx = self.begin(tenant).await?;
        let t = tenant_key(tenant);
        // Expired sessions of the tenant go as new ones come.
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND expires_at < $2")
            .bind(&t)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO sessions (tenant_id, token_hash, staff_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t)
        .bind(&s.token_hash)
        .bind(s.staff_id)
        .bind(&s.csrf)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn session(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<Session>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "SELECT token_hash, staff_id, csrf, created_at, expires_at FROM sessions WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant_key(tenant))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant_key(tenant))
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn add_api_token(&self, tenant: LocalGovCode, k: &ApiToken) -> Result<(), StoreError> {
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "INSERT INTO api_tokens (tenant_id, token_hash, name, role, created_at, revoked) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_key(tenant))
        .bind(&k.token_hash)
        .bind(&k.name)
        .bind(k.role.code())
        .bind(k.created_at)
        .bind(k.revoked)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn api_token(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "SELECT token_hash, name, role, created_at, revoked FROM api_tokens WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant_key(tenant))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "INSERT INTO oidc_providers (tenant_id, issuer, client_id, client_secret, redirect_url) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
               client_secret = excluded.client_secret, redirect_url = excluded.redirect_url",
        )
        .bind(tenant_key(tenant))
        .bind(&o.issuer)
        .bind(&o.client_id)
        .bind(&o.client_secret)
        .bind(&o.redirect_url)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn oidc_provider(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "SELECT issuer, client_id, client_secret, redirect_url FROM oidc_providers WHERE tenant_id = $1",
        )
        .bind(tenant_key(tenant))
        .fetch_optional(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        sqlx::query("UPDATE staff SET oidc_subject = $1 WHERE tenant_id = $2 AND staff_id = $3")
            .bind(subject)
            .bind(tenant_key(tenant))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Exists("このIDプロバイダの利用者".into())
                } else {
                    db(e)
                }
            })?;
        tx.commit().await.map_err(db)
    }

    async fn staff_by_oidc(
        &self,
        tenant: LocalGovCode,
        subject: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(&format!(
            "{STAFF} WHERE tenant_id = $1 AND oidc_subject = $2"
        ))
        .bind(tenant_key(tenant))
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        row.as_ref().map(staff_of).transpose()
    }

    async fn add_draft(&self, tenant: LocalGovCode, d: &Draft) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let request = self.sealer.seal(&t, &d.request)?.0;
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "INSERT INTO drafts (tenant_id, draft_id, status, created_by, created_at, request) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t)
        .bind(d.id)
        .bind(&d.status)
        .bind(&d.created_by)
        .bind(d.created_at)
        .bind(&request)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn draft(&self, tenant: LocalGovCode, id: i64) -> Result<Option<Draft>, StoreError> {
        let t = tenant_key(tenant);
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(&format!("{DRAFT} WHERE tenant_id = $1 AND draft_id = $2"))
            .bind(&t)
            .bind(id)
            .fetch_optional(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(&format!(
            "{DRAFT} WHERE tenant_id = $1 AND ($2 IS NULL OR status = $3) ORDER BY created_at, draft_id LIMIT 1000"
        ))
        .bind(&t)
        .bind(status)
        .bind(status)
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let done = sqlx::query(
            "UPDATE drafts SET status = $1, decided_by = $2, decided_at = $3, note = $4, seq = $5
             WHERE tenant_id = $6 AND draft_id = $7 AND status = 'pending'",
        )
        .bind(d.status)
        .bind(&d.by)
        .bind(d.at)
        .bind(&d.note)
        .bind(d.seq)
        .bind(tenant_key(tenant))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        tx.commit().await.map_err(db)
    }

    async fn add_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let data = serde_json::to_string(m).map_err(corrupt)?;
        let mut tx = self.begin(tenant).await?;
        sqlx::query("INSERT INTO support_measures (tenant_id, measure_id, version, data) VALUES ($1, $2, $3, $4)")
            .bind(&t)
            .bind(m.id.0)
            .bind(m.version as i64)
            .bind(&data)
            .execute(&mut *tx)
            .await
            .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?;
        for p in m.protected() {
            sqlx::query("INSERT INTO support_persons (tenant_id, person_id, measure_id) VALUES ($1, $2, $3)")
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
        let mut tx = self.begin(tenant).await?;
        let done = sqlx::query(
            "UPDATE support_measures SET version = $1, data = $2 WHERE tenant_id = $3 AND measure_id = $4 AND version = $5",
        )
        .bind(m.version as i64)
        .bind(&data)
        .bind(tenant_key(tenant))
        .bind(m.id.0)
        .bind(m.version as i64 - 1)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        tx.commit().await.map_err(db)
    }

    async fn support_measure(
        &self,
        tenant: LocalGovCode,
        id: MeasureId,
    ) -> Result<Option<SupportMeasure>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row: Option<String> = sqlx::query_scalar(
            "SELECT data FROM support_measures WHERE tenant_id = $1 AND measure_id = $2",
        )
        .bind(tenant_key(tenant))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        row.map(|d| decode(&d)).transpose()
    }

    async fn support_measures(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<SupportMeasure>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM support_measures WHERE tenant_id = $1 ORDER BY measure_id",
        )
        .bind(tenant_key(tenant))
        .fetch_all(&mut *tx)
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
        let mut q = QueryBuilder::<Postgres>::new(
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
        let mut tx = self.begin(tenant).await?;
        let rows = q.build().fetch_all(&mut *tx).await.map_err(db)?;
        rows.iter()
            .map(|r| decode(&r.try_get::<String, _>("data").map_err(db)?))
            .collect()
    }

    async fn reserve_certificate_serial(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query(
            "INSERT INTO certificate_serials (tenant_id, last_serial) VALUES ($1, 1)
             ON CONFLICT (tenant_id) DO UPDATE SET last_serial = certificate_serials.last_serial + 1
             RETURNING last_serial",
        )
        .bind(tenant_key(tenant))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let serial = row.try_get::<i64, _>(0).map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(serial)
    }

    async fn add_certificate(
        &self,
        tenant: LocalGovCode,
        c: &Certificate,
    ) -> Result<(), StoreError> {
        let t = tenant_key(tenant);
        let data = certificates::seal(&self.sealer, &t, c)?;
        let mut tx = self.begin(tenant).await?;
        sqlx::query(
            "INSERT INTO certificates (tenant_id, serial, code, issued_at, issued_on, kind, staff, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
        let persons: Vec<i64> = c.persons().iter().map(|p| p.0).collect();
        sqlx::query(
            "INSERT INTO certificate_persons (tenant_id, person_id, serial)
             SELECT $1, p, $3 FROM unnest($2::bigint[]) AS p",
        )
        .bind(&t)
        .bind(&persons)
        .bind(c.serial)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn certificate(
        &self,
        tenant: LocalGovCode,
        serial: i64,
    ) -> Result<Option<Certificate>, StoreError> {
        let t = tenant_key(tenant);
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query("SELECT data FROM certificates WHERE tenant_id = $1 AND serial = $2")
            .bind(&t)
            .bind(serial)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        match row {
            Some(r) => {
                let reprints = reprints(&mut tx, &t, serial).await?;
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
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query("SELECT serial FROM certificates WHERE tenant_id = $1 AND code = $2")
            .bind(tenant_key(tenant))
            .bind(code)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        drop(tx);
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
        let mut b = QueryBuilder::<Postgres>::new(
            "SELECT serial, data FROM certificates WHERE tenant_id = ",
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
        let mut tx = self.begin(tenant).await?;
        let rows = b.build().fetch_all(&mut *tx).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let serial: i64 = r.try_get("serial").map_err(db)?;
            let data: String = r.try_get("data").map_err(db)?;
            let reprints = reprints(&mut tx, &t, serial).await?;
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
        let mut tx = self.begin(tenant).await?;
        // The certificate's row, locked: re-prints of one certificate number in turn.
        sqlx::query(
            "SELECT serial FROM certificates WHERE tenant_id = $1 AND serial = $2 FOR SHARE",
        )
        .bind(&t)
        .bind(serial)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO certificate_reprints (tenant_id, serial, n, data)
             SELECT $1, $2, COALESCE(MAX(n), 0) + 1, $3 FROM certificate_reprints WHERE tenant_id = $1 AND serial = $2",
        )
        .bind(&t)
        .bind(serial)
        .bind(&data)
        .execute(&mut *tx)
        .await
        .map_err(|e| if unique_violation(&e) { StoreError::Conflict } else { db(e) })?;
        tx.commit().await.map_err(db)
    }

    async fn append_audit(
        &self,
        tenant: LocalGovCode,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin(tenant).await?;
        append_audit_tx(&mut tx, &tenant_key(tenant), events).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_records(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(&format!(
            "{AUDIT} WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(tenant_key(tenant))
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        rows.iter().map(audit_of).collect()
    }

    async fn audit_head(&self, tenant: LocalGovCode) -> Result<Option<(i64, String)>, StoreError> {
        let mut tx = self.begin(tenant).await?;
        let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1")
            .bind(tenant_key(tenant))
            .fetch_optional(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT a.seq, a.event, a.prev_hash, a.hash FROM audit_persons p
               JOIN audit a ON a.tenant_id = p.tenant_id AND a.seq = p.seq
             WHERE p.tenant_id = $1 AND p.person_id = $2 ORDER BY p.seq DESC LIMIT $3",
        )
        .bind(tenant_key(tenant))
        .bind(person.0)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(&format!(
            "{AUDIT} WHERE tenant_id = $1 AND actor = $2 ORDER BY seq DESC LIMIT $3"
        ))
        .bind(tenant_key(tenant))
        .bind(actor)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT version, register, household_id, kana_key, name_key, birth_date, address_line, juminhyo_code, data::text AS data
             FROM persons WHERE tenant_id = $1 AND person_id > $2 ORDER BY person_id LIMIT $3",
        )
        .bind(tenant_key(tenant))
        .bind(after.map_or(0, |p| p.0))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let rows = sqlx::query(
            "SELECT data::text AS data FROM households WHERE tenant_id = $1 AND household_id > $2 ORDER BY household_id LIMIT $3",
        )
        .bind(tenant_key(tenant))
        .bind(after.map_or(0, |h| h.0))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let (p, s) = after.map_or((0, 0), |(p, s)| (p.0, s));
        let rows = sqlx::query(
            "SELECT person_id, seq, valid_from, valid_to, data::text AS data FROM person_versions
             WHERE tenant_id = $1 AND (person_id, seq) > ($2, $3) ORDER BY person_id, seq LIMIT $4",
        )
        .bind(tenant_key(tenant))
        .bind(p)
        .bind(s)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
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
        let mut tx = self.begin(tenant).await?;
        let (h, s) = after.map_or((0, 0), |(h, s)| (h.0, s));
        let rows = sqlx::query(
            "SELECT seq, valid_from, data::text AS data FROM household_versions
             WHERE tenant_id = $1 AND (household_id, seq) > ($2, $3) ORDER BY household_id, seq LIMIT $4",
        )
        .bind(tenant_key(tenant))
        .bind(h)
        .bind(s)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
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

fn version_of(s: &Sealer, t: &str, r: &PgRow) -> Result<PersonVersion, StoreError> {
    Ok(PersonVersion {
        seq: r.try_get("seq").map_err(db)?,
        valid_from: r.try_get("valid_from").map_err(db)?,
        valid_to: r.try_get("valid_to").map_err(db)?,
        person: person_of(s, t, r)?,
    })
}

/// The re-prints of one certificate, oldest first.
async fn reprints(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    t: &str,
    serial: i64,
) -> Result<Vec<Reprint>, StoreError> {
    let rows = sqlx::query(
        "SELECT data FROM certificate_reprints WHERE tenant_id = $1 AND serial = $2 ORDER BY n",
    )
    .bind(t)
    .bind(serial)
    .fetch_all(&mut **tx)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| certificates::reprint_of(&r.try_get::<String, _>("data").map_err(db)?))
        .collect()
}
