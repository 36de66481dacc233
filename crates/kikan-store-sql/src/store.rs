//! [`Store`] for any [`Engine`]: every statement of the registry, written once.

use crate::write::{self, AuditRow, ChangeRows, Job};
use crate::{Engine, Q, Row, Tx};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::support::{MeasureId, SupportMeasure};
use kikan_domain::suppress::{Lock, Subject, Suppression, SuppressionId};
use kikan_domain::{Household, HouseholdId, LedgerEntry, LocalGovCode, Person, PersonId};
use kikan_security::{AuditEvent, AuditRecord, Role};
use kikan_store::accounts::{
    ApiToken, LinkToken, LoginState, OidcProvider, Session, StaffAccount, StaffKey,
};
use kikan_store::bulk::{BulkRows, HouseholdRow, LedgerRow, PersonRow};
use kikan_store::certificates::{self, Certificate, CertificateQuery, Reprint};
use kikan_store::drafts::{Draft, DraftDecision};
use kikan_store::seal::Sealer;
use kikan_store::{
    EmptyItem, EntryWithPersons, HouseholdVersion, NameMatch, PersonIndex, PersonVersion,
    SearchKeys, Store, StoreError, Tenant, TenantCache, prefix_end,
};

/// The registry's store over one engine.
pub struct SqlStore<E: Engine> {
    engine: E,
    known: TenantCache,
    sealer: Sealer,
    /// Writes submitted and not yet answered (the commit queue's gauge).
    writing: std::sync::atomic::AtomicU32,
    /// 宛名番号・世帯番号 serials taken from the database a block at a time, per tenant
    /// and kind: (next, last) of the block at hand.
    serial_blocks: std::sync::Mutex<SerialBlocks>,
}

/// (tenant, kind) → (next, last) of the block of serials at hand.
type SerialBlocks = std::collections::HashMap<(String, &'static str), (i64, i64)>;

/// Serials reserved per write: one short write per this many new persons or households
/// (on SQLite a write outside the commit queue waits for the writer). A block not used
/// up when the process stops leaves a gap, as a refused change does.
const SERIAL_BLOCK: i64 = 64;

/// Counts a write as in the commit queue while it lives.
struct Writing<'a>(&'a std::sync::atomic::AtomicU32);

impl<'a> Writing<'a> {
    fn new(n: &'a std::sync::atomic::AtomicU32) -> Self {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Writing(n)
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Search hits as staff read them: by reading (フリガナ), then 宛名番号.
fn in_reading_order(found: &mut [Person]) {
    found.sort_by_cached_key(|p| (p.furigana.key(), p.id));
}

impl<E: Engine> SqlStore<E> {
    /// A search of one spelling (see [`SearchKeys::spelled_out`]).
    async fn search_one(
        &self,
        tenant: LocalGovCode,
        k: &SearchKeys,
    ) -> Result<Vec<Person>, StoreError> {
        let t = key(tenant);
        let table = persons_table(k.archive);
        let mut q = Q::new(format!("SELECT data FROM {table} WHERE tenant_id = $1")).arg(&t);
        let mut cond = String::new();
        if !k.include_removed {
            cond.push_str(" AND register = 'A'");
        }
        for c in &k.texts {
            let on_column = text_conds(&mut q, c.column, c.matching, &c.values);
            match c.past {
                None => cond.push_str(&format!(" AND {on_column}")),
                Some(kind) => {
                    let kind = q.param(kind.code());
                    let on_key = text_conds(&mut q, "key", c.matching, &c.values);
                    cond.push_str(&format!(
                        " AND ({on_column} OR person_id IN (SELECT person_id FROM person_past
                              WHERE tenant_id = $1 AND kind = {kind} AND {on_key}))"
                    ));
                }
            }
        }
        if let Some(d) = k.birth_date {
            cond.push_str(&format!(" AND birth_date = {}", q.param(d)));
        }
        if let Some((from, to)) = k.born {
            let (a, b) = (q.param(from), q.param(to));
            cond.push_str(&format!(" AND birth_date >= {a} AND birth_date <= {b}"));
        }
        if let Some(prefix) = &k.address_code {
            let (lo, hi) = code_range(prefix);
            cond.push_str(&format!(" AND address_code >= {}", q.param(lo)));
            if let Some(hi) = hi {
                cond.push_str(&format!(" AND address_code < {}", q.param(hi)));
            }
        }
        if let Some(c) = &k.juminhyo_code {
            cond.push_str(&format!(" AND juminhyo_code = {}", q.param(c)));
        }
        if let Some(c) = &k.card_number {
            cond.push_str(&format!(" AND card_number = {}", q.param(c)));
        }
        if let Some(n) = &k.individual_number {
            let index = self.sealer.index(&t, n);
            cond.push_str(&format!(" AND number_index = {}", q.param(index)));
        }
        for (column, v) in &k.labels {
            cond.push_str(&format!(" AND {column} = {}", q.param(v)));
        }
        if let Some(h) = k.household_id {
            cond.push_str(&format!(" AND household_id = {}", q.param(h)));
        }
        if let Some(p) = k.person_id {
            cond.push_str(&format!(" AND person_id = {}", q.param(p)));
        }
        for e in &k.empty {
            cond.push_str(match e {
                EmptyItem::JuminhyoCode => " AND juminhyo_code IS NULL",
                EmptyItem::IndividualNumber => " AND number_index IS NULL",
                EmptyItem::GivenReading => " AND given_kana = ''",
                EmptyItem::Katagaki => " AND strpos(address_line, '　') = 0",
            });
        }
        // Order by the key searched, so the index gives the order and LIMIT stops early;
        // an exact code or number finds its few rows by its own index (ordering those by
        // reading would have the planner walk the whole reading index instead), as does
        // a lookup that wants every hit: those are put in order here.
        let exact = !k.walks();
        let walked = k.walked();
        let order = match walked {
            _ if exact => String::new(),
            Some(column) => format!(" ORDER BY {column}, person_id"),
            None => " ORDER BY kana_key, person_id".to_string(),
        };
        let by_reading = !exact && matches!(walked, None | Some("kana_key"));
        let limit = q.param(k.limit);
        cond.push_str(&format!("{order} LIMIT {limit}"));
        q.push(&cond);
        let rows = self.read(tenant, q).await?;
        let mut found = self.persons_of(&t, &rows)?;
        if !by_reading {
            in_reading_order(&mut found);
        }
        Ok(found)
    }

    pub fn new(engine: E, sealer: Sealer) -> Self {
        SqlStore {
            engine,
            known: TenantCache::default(),
            sealer,
            writing: Default::default(),
            serial_blocks: Default::default(),
        }
    }

    /// The engine, for tools and tests that must reach the database directly.
    pub fn engine(&self) -> &E {
        &self.engine
    }

    /// Takes `n` serials from the database's counter (initialised above the highest in
    /// use) and returns the last.
    async fn reserve_serial_block(
        &self,
        tenant: LocalGovCode,
        kind: kikan_store::SerialKind,
        n: i64,
    ) -> Result<i64, StoreError> {
        let t = key(tenant);
        // The highest serial in use: numbers below 10¹¹ are a serial and a check digit
        // (earlier numbers were drawn at random from a far larger range).
        let (table, column) = match kind {
            kikan_store::SerialKind::Persons => ("persons", "person_id"),
            kikan_store::SerialKind::Households => ("households", "household_id"),
        };
        let mut tx = self.engine.begin(Some(&t), true).await?;
        tx.exec(
            Q::new(format!(
                "INSERT INTO number_serials (tenant_id, kind, last_serial)
                 SELECT $1, $2, COALESCE(MAX({column}), 0) / 10 FROM {table}
                 WHERE tenant_id = $1 AND {column} < 100000000000
                 ON CONFLICT (tenant_id, kind) DO NOTHING"
            ))
            .arg(&t)
            .arg(kind.as_str()),
        )
        .await?;
        let row = tx
            .row(
                Q::new(
                    "UPDATE number_serials SET last_serial = last_serial + $3
                     WHERE tenant_id = $1 AND kind = $2 RETURNING last_serial",
                )
                .arg(&t)
                .arg(kind.as_str())
                .arg(n),
            )
            .await?
            .ok_or_else(|| StoreError::Database("no serial returned".into()))?;
        let last = row.get("last_serial")?;
        self.engine.commit(tx).await?;
        Ok(last)
    }

    /// Runs one read in a transaction of the tenant.
    async fn read(&self, tenant: LocalGovCode, q: Q) -> Result<Vec<Row>, StoreError> {
        let mut tx = self.engine.begin(Some(&key(tenant)), false).await?;
        Ok(tx.rows(q).await?)
    }

    async fn read_one(&self, tenant: LocalGovCode, q: Q) -> Result<Option<Row>, StoreError> {
        Ok(self.read(tenant, q).await?.into_iter().next())
    }

    /// Runs statements that write, in one transaction of the tenant; a unique
    /// violation becomes `on_unique`.
    async fn write(
        &self,
        tenant: LocalGovCode,
        statements: Vec<Q>,
        on_unique: impl Fn() -> StoreError,
    ) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.engine.begin(Some(&key(tenant)), true).await?;
        let mut done = Vec::with_capacity(statements.len());
        for q in statements {
            done.push(tx.exec(q).await.map_err(|e| e.or_unique(on_unique()))?);
        }
        self.engine.commit(tx).await?;
        Ok(done)
    }

    /// Statements that must each change exactly one row (compare-and-sets), in one
    /// transaction: one that changes none rolls all of them back as a conflict.
    async fn write_each_one(
        &self,
        tenant: LocalGovCode,
        statements: Vec<Q>,
    ) -> Result<(), StoreError> {
        let mut tx = self.engine.begin(Some(&key(tenant)), true).await?;
        for q in statements {
            let n = tx
                .exec(q)
                .await
                .map_err(|e| e.or_unique(StoreError::Conflict))?;
            if n != 1 {
                // Dropped unfinished: rolled back.
                return Err(StoreError::Conflict);
            }
        }
        self.engine.commit(tx).await
    }

    /// One statement that must change exactly one row (a compare-and-set).
    async fn write_one(&self, tenant: LocalGovCode, q: Q) -> Result<(), StoreError> {
        self.write_each_one(tenant, vec![q]).await
    }

    fn person(&self, t: &str, r: &Row) -> Result<Person, StoreError> {
        decode(&self.sealer.unseal(t, r.text("data")?)?)
    }

    fn persons_of(&self, t: &str, rows: &[Row]) -> Result<Vec<Person>, StoreError> {
        rows.iter().map(|r| self.person(t, r)).collect()
    }

    /// A ledger row read back ([`LEDGER_COLUMNS`]), its seal and index columns checked:
    /// an entry edited outside kikan (its 届出日, 届出人, operator or anything else) or
    /// moved to another number is refused as corrupt, naming its number. Entries
    /// recorded before seals existed (numbers below `sealed_from`) carry none.
    fn entry(&self, t: &str, r: &Row, sealed_from: i64) -> Result<LedgerEntry, StoreError> {
        let mut e: LedgerEntry = decode(&self.sealer.unseal(t, r.text("entry")?)?)?;
        let seq: i64 = r.get("seq")?;
        e.seq = 0;
        let row = LedgerRow::of(&e);
        let mac: Option<String> = r.get("mac")?;
        let sealed = match mac {
            Some(mac) => mac == self.sealer.entry_mac(t, seq, &row.json),
            None => seq < sealed_from,
        };
        if !sealed {
            return Err(StoreError::Corrupt(format!(
                "異動 {seq} が封印と一致しません(内容・届出日・届出人・操作者の書換えまたは番号の付替え)"
            )));
        }
        let stored = LedgerRow {
            reason: row.reason,
            effective_on: r.get("effective_on")?,
            notified_on: r.get("notified_on")?,
            recorded_at: r.get("recorded_at")?,
            operator: r.get("operator")?,
            late: r.get("late")?,
            json: String::new(),
        };
        let reason: String = r.get("reason")?;
        if reason != row.reason || !stored.same_columns(&row) {
            return Err(StoreError::Corrupt(format!(
                "異動 {seq} の索引列(事由・日付・操作者)が記録内容と一致しません"
            )));
        }
        e.seq = seq;
        Ok(e)
    }

    fn version(&self, t: &str, r: &Row) -> Result<PersonVersion, StoreError> {
        Ok(PersonVersion {
            seq: r.get("seq")?,
            valid_from: r.get("valid_from")?,
            valid_to: r.get("valid_to")?,
            person: self.person(t, r)?,
        })
    }

    fn draft(&self, t: &str, r: &Row) -> Result<Draft, StoreError> {
        Ok(Draft {
            id: r.get("draft_id")?,
            status: r.get("status")?,
            created_by: r.get("created_by")?,
            created_at: r.get("created_at")?,
            request: self.sealer.unseal(t, r.text("request")?)?.into_owned(),
            intake: r
                .get::<Option<String>>("intake")?
                .map(|i| self.sealer.unseal(t, &i).map(|p| p.into_owned()))
                .transpose()?,
            decided_by: r.get("decided_by")?,
            decided_at: r.get("decided_at")?,
            note: r.get("note")?,
            seq: r.get("seq")?,
        })
    }

    /// The register's certificates a query of `certificates` finds (serial, data),
    /// with their re-prints loaded in one more query for all of them.
    async fn certificates_where(
        &self,
        tenant: LocalGovCode,
        found: Q,
    ) -> Result<Vec<Certificate>, StoreError> {
        let t = key(tenant);
        let mut tx = self.engine.begin(Some(&t), false).await?;
        let rows = tx.rows(found).await?;
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let mut q =
            Q::new("SELECT serial, data FROM certificate_reprints WHERE tenant_id = $1").arg(&t);
        let serials = rows
            .iter()
            .map(|r| r.get::<i64>("serial"))
            .collect::<Result<Vec<_>, _>>()?;
        let list = in_list(&mut q, serials.into_iter());
        q.push(&format!(" AND serial IN {list} ORDER BY serial, n"));
        let mut reprints: std::collections::HashMap<i64, Vec<Reprint>> = Default::default();
        for r in tx.rows(q).await? {
            reprints
                .entry(r.get("serial")?)
                .or_default()
                .push(certificates::reprint_of(r.text("data")?)?);
        }
        rows.iter()
            .map(|r| {
                let serial: i64 = r.get("serial")?;
                let reprints = reprints.remove(&serial).unwrap_or_default();
                certificates::open(&self.sealer, &t, r.text("data")?, reprints)
            })
            .collect()
    }
}

/// The range of codes that begin with a digit prefix: from the prefix to the next
/// prefix of its length (none after 99…9). Digits compare alike in every collation.
fn code_range(prefix: &str) -> (String, Option<String>) {
    let mut hi: Vec<u8> = prefix.as_bytes().to_vec();
    while let Some(last) = hi.pop() {
        if last < b'9' {
            hi.push(last + 1);
            return (
                prefix.to_string(),
                Some(String::from_utf8_lossy(&hi).into_owned()),
            );
        }
    }
    (prefix.to_string(), None)
}

/// The table of current records: the 住民記録 database's, or the 除票用データベース's (9.3).
fn persons_table(archive: bool) -> &'static str {
    if archive {
        "archive_persons"
    } else {
        "persons"
    }
}

fn key(t: LocalGovCode) -> String {
    t.to_string()
}

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// `IN ($n, …)` for a list of ids, bound in `q`.
fn in_list(q: &mut Q, ids: impl Iterator<Item = i64>) -> String {
    let list: Vec<String> = ids.map(|id| q.param(id)).collect();
    format!("({})", list.join(", "))
}

const STAFF: &str =
    "SELECT staff_id, login, name, role, password_hash, totp_secret, totp_last_step,
    failed_logins, locked_until, active, oidc_subject, created_at, awaiting_approval, approved_by,
    hidden_items, profile FROM staff";
/// The columns of a ledger row (table alias `l`) that [`SqlStore::entry`] reads.
const LEDGER_COLUMNS: &str = "l.seq, l.reason, l.effective_on, l.notified_on, l.recorded_at, \
    l.operator, l.late, l.entry, l.mac";
/// A suppression's subject as its lookup columns hold it.
fn subject_key(s: &Subject) -> (&'static str, i64) {
    match s {
        Subject::Person(p) => ("person", p.0),
        Subject::Household(h) => ("household", h.0),
    }
}

/// `(subject_kind = … AND subject_id = …) OR …` for `subjects`, their values bound to `q`.
fn subject_alternatives(q: &mut Q, subjects: &[Subject]) -> String {
    let mut alternatives = Vec::new();
    for s in subjects {
        let (kind, id) = subject_key(s);
        let (k, i) = (q.param(kind), q.param(id));
        alternatives.push(format!("(subject_kind = {k} AND subject_id = {i})"));
    }
    alternatives.join(" OR ")
}

const AUDIT: &str = "SELECT seq, at, actor, action, event, prev_hash, hash FROM audit";
const DRAFT: &str = "SELECT draft_id, status, created_by, created_at, request, intake,
    decided_by, decided_at, note, seq FROM drafts";

fn role_of(r: &Row) -> Result<Role, StoreError> {
    let code: String = r.get("role")?;
    Role::parse(&code).ok_or_else(|| StoreError::Corrupt(format!("unknown role {code:?}")))
}

fn staff_of(r: &Row) -> Result<StaffAccount, StoreError> {
    Ok(StaffAccount {
        id: r.get("staff_id")?,
        login: r.get("login")?,
        name: r.get("name")?,
        role: role_of(r)?,
        password_hash: r.get("password_hash")?,
        totp_secret: r.get("totp_secret")?,
        totp_last_step: r.get("totp_last_step")?,
        failed_logins: r.get("failed_logins")?,
        locked_until: r.get("locked_until")?,
        active: r.get("active")?,
        oidc_subject: r.get("oidc_subject")?,
        created_at: r.get("created_at")?,
        awaiting_approval: r.get("awaiting_approval")?,
        approved_by: r.get("approved_by")?,
        hidden_items: kikan_security::roles::items_from_json(r.text("hidden_items")?),
        profile: decode(r.text("profile")?)?,
    })
}

const TOKEN: &str =
    "SELECT token_hash, name, role, created_at, revoked, expires_at, created_by, sealed_token,
    approved_by, hidden_items, businesses FROM api_tokens";

fn token_of(r: &Row) -> Result<ApiToken, StoreError> {
    let created_at: chrono::DateTime<chrono::Utc> = r.get("created_at")?;
    let expires_at: Option<chrono::DateTime<chrono::Utc>> = r.get("expires_at")?;
    Ok(ApiToken {
        token_hash: r.get("token_hash")?,
        name: r.get("name")?,
        role: role_of(r)?,
        created_at,
        expires_at: expires_at
            .unwrap_or(created_at + chrono::Duration::days(ApiToken::LEGACY_DAYS)),
        created_by: r.get("created_by")?,
        revoked: r.get("revoked")?,
        sealed: r.get("sealed_token")?,
        approved_by: r.get("approved_by")?,
        hidden_items: kikan_security::roles::items_from_json(r.text("hidden_items")?),
        businesses: decode(r.text("businesses")?)?,
    })
}

fn audit_of(r: &Row) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: r.get("seq")?,
        event_json: r.get("event")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
        index: kikan_security::audit::AuditIndex {
            at: r.get("at")?,
            actor: r.get("actor")?,
            action: r.get("action")?,
            persons: Vec::new(),
        },
    })
}

fn tenant_of(code: LocalGovCode, r: &Row) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        code,
        name: r.get("name")?,
        mayor: r.get("mayor")?,
    })
}

#[async_trait]
impl<E: Engine> Store for SqlStore<E> {
    fn engine(&self) -> &'static str {
        self.engine.name()
    }

    fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    fn gauges(&self) -> kikan_store::StoreGauges {
        let (connections, idle) = self.engine.connections();
        kikan_store::StoreGauges {
            connections,
            idle,
            commit_queue: self.writing.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut tx = self.engine.begin(None, false).await?;
        tx.rows(Q::new("SELECT 1 AS one"))
            .await
            .map_err(|e| StoreError::Database(e.message))?;
        Ok(())
    }

    async fn fill_search_keys(&self) -> Result<u64, StoreError> {
        let mut filled = 0u64;
        for tenant in self.tenants().await? {
            let t = key(tenant.code);
            loop {
                let rows = self
                    .read(
                        tenant.code,
                        Q::new(
                            "SELECT person_id, data FROM persons WHERE tenant_id = $1
                               AND kana_fuzzy IS NULL ORDER BY person_id LIMIT 500",
                        )
                        .arg(&t),
                    )
                    .await?;
                let persons = self.persons_of(&t, &rows)?;
                let (Some(first), Some(last)) = (persons.first(), persons.last()) else {
                    break;
                };
                let versions = self
                    .read(
                        tenant.code,
                        Q::new(
                            "SELECT person_id, data FROM person_versions WHERE tenant_id = $1
                               AND person_id >= $2 AND person_id <= $3 ORDER BY person_id, seq",
                        )
                        .arg(&t)
                        .arg(first.id.0)
                        .arg(last.id.0),
                    )
                    .await?;
                let mut past = std::collections::BTreeSet::new();
                let mut before: Option<(i64, PersonIndex)> = None;
                for r in &versions {
                    let id: i64 = r.get("person_id")?;
                    let ix = PersonIndex::of(&self.person(&t, r)?);
                    if let Some((prev_id, prev)) = &before
                        && *prev_id == id
                    {
                        past.extend(prev.past_keys(&ix).into_iter().map(|(k, v)| (id, k, v)));
                    }
                    before = Some((id, ix));
                }
                let mut statements = Vec::with_capacity(persons.len() + past.len());
                for p in &persons {
                    let ix = PersonIndex::of(p);
                    statements.push(
                        Q::new(
                            "UPDATE persons SET kana_key = $3, name_key = $4, kana_fuzzy = $5,
                                given_kana = $6, given_fuzzy = $7, given_key = $8, alias_key = $9,
                                alias_kana = $10, sex = $11, relationship = $12, removal_reason = $13
                             WHERE tenant_id = $1 AND person_id = $2",
                        )
                        .arg(&t)
                        .arg(p.id.0)
                        .arg(&ix.kana_key)
                        .arg(&ix.name_key)
                        .arg(&ix.kana_fuzzy)
                        .arg(&ix.given_kana)
                        .arg(&ix.given_fuzzy)
                        .arg(&ix.given_key)
                        .arg(&ix.alias_key)
                        .arg(&ix.alias_kana)
                        .arg(&ix.sex)
                        .arg(&ix.relationship)
                        .arg(&ix.removal_reason),
                    );
                }
                for (id, kind, k) in past {
                    statements.push(
                        Q::new(
                            "INSERT INTO person_past (tenant_id, kind, key, person_id)
                             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        )
                        .arg(&t)
                        .arg(kind.code())
                        .arg(k)
                        .arg(id),
                    );
                }
                self.write(tenant.code, statements, || StoreError::Conflict)
                    .await?;
                filled += persons.len() as u64;
            }
        }
        Ok(filled)
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        self.engine.refresh_statistics().await
    }

    async fn add_tenant(&self, t: &Tenant) -> Result<(), StoreError> {
        let mut tx = self.engine.begin(None, true).await?;
        tx.exec(
            Q::new(
                "INSERT INTO tenants (tenant_id, name, mayor, created_at) VALUES ($1, $2, $3, $4)",
            )
            .arg(key(t.code))
            .arg(&t.name)
            .arg(&t.mayor)
            .arg(Utc::now()),
        )
        .await
        .map_err(|e| e.or_unique(StoreError::TenantExists(t.code.to_string())))?;
        self.engine.commit(tx).await
    }

    async fn tenant(&self, code: LocalGovCode) -> Result<Option<Tenant>, StoreError> {
        if let Some(t) = self.known.get(code) {
            return Ok(Some(t));
        }
        let mut tx = self.engine.begin(None, false).await?;
        let row = tx
            .row(Q::new("SELECT name, mayor FROM tenants WHERE tenant_id = $1").arg(key(code)))
            .await?;
        let found = row.map(|r| tenant_of(code, &r)).transpose()?;
        if let Some(t) = &found {
            self.known.put(t);
        }
        Ok(found)
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let mut tx = self.engine.begin(None, false).await?;
        let rows = tx
            .rows(Q::new(
                "SELECT tenant_id, name, mayor FROM tenants ORDER BY tenant_id",
            ))
            .await?;
        rows.iter()
            .map(|r| tenant_of(LocalGovCode::parse(r.text("tenant_id")?)?, r))
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
        // A 除票 in the 除票用データベース (9.3) is found by its id as well.
        let mut q = Q::new("SELECT data FROM persons WHERE tenant_id = $1").arg(key(tenant));
        let list = in_list(&mut q, ids.iter().map(|i| i.0));
        q.push(&format!(
            " AND person_id IN {list}
             UNION ALL SELECT data FROM archive_persons WHERE tenant_id = $1 AND person_id IN {list}"
        ));
        let rows = self.read(tenant, q).await?;
        self.persons_of(&key(tenant), &rows)
    }

    async fn households(
        &self,
        tenant: LocalGovCode,
        ids: &[HouseholdId],
    ) -> Result<Vec<Household>, StoreError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT data FROM households WHERE tenant_id = $1").arg(key(tenant));
        let list = in_list(&mut q, ids.iter().map(|i| i.0));
        q.push(&format!(" AND household_id IN {list}"));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn commit(
        &self,
        tenant: LocalGovCode,
        entry: &LedgerEntry,
        persons: &[&Person],
        households: &[&Household],
        audit: &[AuditEvent],
        draft: Option<(i64, &DraftDecision)>,
    ) -> Result<i64, StoreError> {
        // Serialised and sealed here, on the caller's task: the engine only writes.
        let t = key(tenant);
        let entry = LedgerRow::of(entry);
        let entry_sealed = self.sealer.seal(&t, &entry.json)?.0;
        let mut rows = Vec::with_capacity(persons.len());
        for p in persons {
            let mut row = PersonRow::of(p);
            (row.json, row.number_index) = self.sealer.seal(&t, &row.json)?;
            rows.push(row);
        }
        let change = ChangeRows {
            entry,
            entry_sealed,
            sealer: self.sealer.clone(),
            persons: rows,
            households: households.iter().map(|h| HouseholdRow::of(h)).collect(),
        };
        let _queued = Writing::new(&self.writing);
        self.engine
            .write(Job {
                tenant: t,
                change: Some(change),
                draft: draft.map(|(id, d)| (id, d.clone())),
                audit: audit.iter().map(AuditRow::of).collect(),
            })
            .await
    }

    async fn bulk_insert(&self, tenant: LocalGovCode, rows: &BulkRows) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let t = key(tenant);
        // Sealed before the transaction: the encryption is the caller's work.
        let sealed = self.sealer.seal_bulk(&t, rows)?;
        let mut tx = self.engine.begin(Some(&t), true).await?;
        write::bulk_insert(&mut tx, &t, rows, &sealed, &self.sealer).await?;
        self.engine.commit(tx).await
    }

    async fn sealed_from(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let q =
            Q::new("SELECT sealed_from FROM ledger_heads WHERE tenant_id = $1").arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => r.get("sealed_from"),
            None => Ok(1),
        }
    }

    async fn ledger(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let t = key(tenant);
        let rows = self
            .read(
                tenant,
                Q::new(format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger l
                     WHERE l.tenant_id = $1 AND l.seq > $2 ORDER BY l.seq LIMIT $3"
                ))
                .arg(&t)
                .arg(after_seq)
                .arg(limit),
            )
            .await?;
        let sealed_from = self.sealed_from(tenant).await?;
        rows.iter()
            .map(|r| self.entry(&t, r, sealed_from))
            .collect()
    }

    async fn entries_between(
        &self,
        tenant: LocalGovCode,
        from: NaiveDate,
        to: NaiveDate,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<EntryWithPersons>, StoreError> {
        let t = key(tenant);
        let rows = self
            .read(
                tenant,
                Q::new(format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger l
                     WHERE l.tenant_id = $1 AND l.seq > $2 AND l.effective_on >= $3
                       AND l.effective_on <= $4 ORDER BY l.seq LIMIT $5"
                ))
                .arg(&t)
                .arg(after_seq)
                .arg(from)
                .arg(to)
                .arg(limit),
            )
            .await?;
        let sealed_from = self.sealed_from(tenant).await?;
        let entries: Vec<LedgerEntry> = rows
            .iter()
            .map(|r| self.entry(&t, r, sealed_from))
            .collect::<Result<_, _>>()?;
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(vec![]);
        };
        let versions = self
            .read(
                tenant,
                Q::new(
                    "SELECT v.seq, v.data,
                        (SELECT b.register FROM person_versions b
                          WHERE b.tenant_id = v.tenant_id AND b.person_id = v.person_id AND b.seq < v.seq
                          ORDER BY b.seq DESC LIMIT 1) AS before
                     FROM person_versions v
                     WHERE v.tenant_id = $1 AND v.seq >= $2 AND v.seq <= $3 ORDER BY v.seq, v.person_id",
                )
                .arg(&t)
                .arg(first.seq)
                .arg(last.seq),
            )
            .await?;
        let mut by_seq: std::collections::HashMap<i64, Vec<(Person, Option<char>)>> =
            std::collections::HashMap::new();
        for r in &versions {
            let before: Option<String> = r.get("before")?;
            by_seq
                .entry(r.get("seq")?)
                .or_default()
                .push((self.person(&t, r)?, before.and_then(|b| b.chars().next())));
        }
        Ok(entries
            .into_iter()
            .map(|e| {
                let persons = by_seq.remove(&e.seq).unwrap_or_default();
                (e, persons)
            })
            .collect())
    }

    async fn person_versions(
        &self,
        tenant: LocalGovCode,
        id: PersonId,
    ) -> Result<Vec<PersonVersion>, StoreError> {
        let t = key(tenant);
        let rows = self
            .read(
                tenant,
                Q::new(
                    "SELECT seq, valid_from, valid_to, data FROM person_versions
                      WHERE tenant_id = $1 AND person_id = $2
                     UNION ALL
                     SELECT seq, valid_from, valid_to, data FROM archive_versions
                      WHERE tenant_id = $1 AND person_id = $2
                     ORDER BY seq",
                )
                .arg(&t)
                .arg(id.0),
            )
            .await?;
        rows.iter().map(|r| self.version(&t, r)).collect()
    }

    async fn entries_for(
        &self,
        tenant: LocalGovCode,
        person: Option<PersonId>,
        household: Option<HouseholdId>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let t = key(tenant);
        // The record's versions first (a handful), then their entries: a planner
        // without statistics would otherwise walk the tenant's whole ledger.
        let (sql, id) = match (person, household) {
            (Some(p), _) => (
                "FROM (SELECT tenant_id, person_id, seq FROM person_versions
                       UNION ALL SELECT tenant_id, person_id, seq FROM archive_versions) v
                 CROSS JOIN ledger l
                 WHERE l.tenant_id = v.tenant_id AND l.seq = v.seq
                   AND v.tenant_id = $1 AND v.person_id = $2 ORDER BY v.seq",
                p.0,
            ),
            (None, Some(h)) => (
                "FROM household_versions v CROSS JOIN ledger l
                 WHERE l.tenant_id = v.tenant_id AND l.seq = v.seq
                   AND v.tenant_id = $1 AND v.household_id = $2 ORDER BY v.seq",
                h.0,
            ),
            (None, None) => return Ok(vec![]),
        };
        let sql = format!("SELECT {LEDGER_COLUMNS} {sql}");
        let rows = self.read(tenant, Q::new(sql).arg(&t).arg(id)).await?;
        let sealed_from = self.sealed_from(tenant).await?;
        rows.iter()
            .map(|r| self.entry(&t, r, sealed_from))
            .collect()
    }

    async fn person_as_of(
        &self,
        tenant: LocalGovCode,
        id: PersonId,
        on: NaiveDate,
    ) -> Result<Option<Person>, StoreError> {
        let t = key(tenant);
        let row = self
            .read_one(
                tenant,
                Q::new(
                    "SELECT seq, data FROM person_versions WHERE tenant_id = $1 AND person_id = $2
                       AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
                     UNION ALL
                     SELECT seq, data FROM archive_versions WHERE tenant_id = $1 AND person_id = $2
                       AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
                     ORDER BY seq DESC LIMIT 1",
                )
                .arg(&t)
                .arg(id.0)
                .arg(on),
            )
            .await?;
        row.map(|r| self.person(&t, &r)).transpose()
    }

    async fn household_as_of(
        &self,
        tenant: LocalGovCode,
        id: HouseholdId,
        on: NaiveDate,
    ) -> Result<Option<(Household, Vec<Person>)>, StoreError> {
        let t = key(tenant);
        let mut tx = self.engine.begin(Some(&t), false).await?;
        let row = tx
            .row(
                Q::new(
                    "SELECT data FROM household_versions WHERE tenant_id = $1 AND household_id = $2
                       AND valid_from <= $3 ORDER BY valid_from DESC, seq DESC LIMIT 1",
                )
                .arg(&t)
                .arg(id.0)
                .arg(on),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let household: Household = decode(row.text("data")?)?;
        let rows = tx
            .rows(
                Q::new(
                    "SELECT person_id, data FROM person_versions WHERE tenant_id = $1 AND household_id = $2
                       AND register = 'A' AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
                     UNION ALL
                     SELECT person_id, data FROM archive_versions WHERE tenant_id = $1 AND household_id = $2
                       AND register = 'A' AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
                     ORDER BY person_id",
                )
                .arg(&t)
                .arg(id.0)
                .arg(on),
            )
            .await?;
        Ok(Some((household, self.persons_of(&t, &rows)?)))
    }

    async fn residents_as_of_json(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<(PersonId, String)>, StoreError> {
        let rows = self
            .read(
                tenant,
                Q::new(
                    "SELECT person_id, data FROM person_versions WHERE tenant_id = $1 AND person_id > $2
                       AND register = 'A' AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)
                     ORDER BY person_id LIMIT $4",
                )
                .arg(key(tenant))
                .arg(after.map_or(0, |p| p.0))
                .arg(on)
                .arg(limit),
            )
            .await?;
        rows.into_iter()
            .map(|mut r| Ok((PersonId(r.get("person_id")?), r.take_text("data")?)))
            .collect()
    }

    async fn search(
        &self,
        tenant: LocalGovCode,
        k: &SearchKeys,
    ) -> Result<Vec<Person>, StoreError> {
        let spelled = k.spelled_out();
        if spelled.len() == 1 {
            return self.search_one(tenant, k).await;
        }
        // A text widened by registered 外字 (2.1.2): one search per spelling, the hits
        // merged in the order each walked, the first `limit` kept.
        let mut hits: std::collections::BTreeMap<PersonId, (String, Person)> =
            std::collections::BTreeMap::new();
        let column = k.walked();
        for one in &spelled {
            for p in self.search_one(tenant, one).await? {
                let at = match column {
                    Some(c) if k.walks() => PersonIndex::walked_of(&p, c),
                    _ => p.furigana.key(),
                };
                hits.entry(p.id).or_insert((at, p));
            }
        }
        let mut found: Vec<(String, Person)> = hits.into_values().collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
        found.truncate(k.limit as usize);
        let mut found: Vec<Person> = found.into_iter().map(|(_, p)| p).collect();
        in_reading_order(&mut found);
        Ok(found)
    }

    async fn add_staff(&self, tenant: LocalGovCode, a: &StaffAccount) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO staff (tenant_id, staff_id, login, name, role, password_hash, totp_secret,
                totp_last_step, failed_logins, locked_until, active, oidc_subject, created_at,
                awaiting_approval, approved_by, hidden_items, profile)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .arg(key(tenant))
        .arg(a.id)
        .arg(&a.login)
        .arg(&a.name)
        .arg(a.role.code())
        .arg(&a.password_hash)
        .arg(&a.totp_secret)
        .arg(a.totp_last_step)
        .arg(a.failed_logins)
        .arg(a.locked_until)
        .arg(a.active)
        .arg(&a.oidc_subject)
        .arg(a.created_at)
        .arg(a.awaiting_approval)
        .arg(a.approved_by)
        .arg(kikan_security::roles::items_to_json(&a.hidden_items))
        .arg(json(&a.profile)?);
        self.write(tenant, vec![q], || {
            StoreError::Exists(format!("ログイン名 {}", a.login))
        })
        .await?;
        Ok(())
    }

    async fn staff_by_login(
        &self,
        tenant: LocalGovCode,
        login: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let q = Q::new(format!("{STAFF} WHERE tenant_id = $1 AND login = $2"))
            .arg(key(tenant))
            .arg(login);
        self.read_one(tenant, q)
            .await?
            .as_ref()
            .map(staff_of)
            .transpose()
    }

    async fn staff_by_id(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let q = Q::new(format!("{STAFF} WHERE tenant_id = $1 AND staff_id = $2"))
            .arg(key(tenant))
            .arg(id);
        self.read_one(tenant, q)
            .await?
            .as_ref()
            .map(staff_of)
            .transpose()
    }

    async fn staff_list(&self, tenant: LocalGovCode) -> Result<Vec<StaffAccount>, StoreError> {
        let q = Q::new(format!("{STAFF} WHERE tenant_id = $1 ORDER BY login")).arg(key(tenant));
        self.read(tenant, q).await?.iter().map(staff_of).collect()
    }

    async fn set_login_state(
        &self,
        tenant: LocalGovCode,
        id: i64,
        st: &LoginState,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "UPDATE staff SET failed_logins = $3, locked_until = $4, totp_last_step = $5
             WHERE tenant_id = $1 AND staff_id = $2",
        )
        .arg(key(tenant))
        .arg(id)
        .arg(st.failed_logins)
        .arg(st.locked_until)
        .arg(st.totp_last_step);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn set_staff_active(
        &self,
        tenant: LocalGovCode,
        id: i64,
        active: bool,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut statements = vec![
            // A deactivated account no longer awaits approval either.
            Q::new(
                "UPDATE staff SET active = $3, awaiting_approval = $4
                 WHERE tenant_id = $1 AND staff_id = $2",
            )
            .arg(&t)
            .arg(id)
            .arg(active)
            .arg(false),
        ];
        if !active {
            statements.push(
                Q::new("DELETE FROM sessions WHERE tenant_id = $1 AND staff_id = $2")
                    .arg(&t)
                    .arg(id),
            );
            // The tokens this staff member made die with the account.
            statements.push(
                Q::new(
                    "UPDATE api_tokens SET revoked = $3 WHERE tenant_id = $1 AND created_by = $2",
                )
                .arg(&t)
                .arg(id)
                .arg(true),
            );
        }
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn reset_staff_credentials(
        &self,
        tenant: LocalGovCode,
        id: i64,
        r: &kikan_store::accounts::CredentialReset,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut statements = vec![
            Q::new(
                "UPDATE staff SET failed_logins = $3, locked_until = NULL WHERE tenant_id = $1 AND staff_id = $2",
            )
            .arg(&t)
            .arg(id)
            .arg(0i64),
            Q::new("DELETE FROM sessions WHERE tenant_id = $1 AND staff_id = $2")
                .arg(&t)
                .arg(id),
        ];
        if let Some(hash) = &r.password_hash {
            statements.push(
                Q::new(
                    "UPDATE staff SET password_hash = $3 WHERE tenant_id = $1 AND staff_id = $2",
                )
                .arg(&t)
                .arg(id)
                .arg(hash.as_str()),
            );
        }
        if let Some(secret) = &r.totp_secret {
            statements.push(
                Q::new(
                    "UPDATE staff SET totp_secret = $3, totp_last_step = $4 WHERE tenant_id = $1 AND staff_id = $2",
                )
                .arg(&t)
                .arg(id)
                .arg(secret.as_str())
                .arg(0i64),
            );
        }
        if r.awaiting_approval {
            statements.push(
                Q::new(
                    "UPDATE staff SET awaiting_approval = $3, active = $4, approved_by = NULL
                     WHERE tenant_id = $1 AND staff_id = $2",
                )
                .arg(&t)
                .arg(id)
                .arg(true)
                .arg(false),
            );
        }
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn set_staff_items(
        &self,
        tenant: LocalGovCode,
        id: i64,
        hidden: &std::collections::BTreeSet<kikan_security::Item>,
    ) -> Result<(), StoreError> {
        let q = Q::new("UPDATE staff SET hidden_items = $3 WHERE tenant_id = $1 AND staff_id = $2")
            .arg(key(tenant))
            .arg(id)
            .arg(kikan_security::roles::items_to_json(hidden));
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn set_staff_profile(
        &self,
        tenant: LocalGovCode,
        id: i64,
        profile: &kikan_store::accounts::StaffProfile,
    ) -> Result<(), StoreError> {
        let q = Q::new("UPDATE staff SET profile = $3 WHERE tenant_id = $1 AND staff_id = $2")
            .arg(key(tenant))
            .arg(id)
            .arg(json(profile)?);
        self.write_one(tenant, q).await
    }

    async fn put_department(
        &self,
        tenant: LocalGovCode,
        d: &kikan_store::accounts::Department,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO departments (tenant_id, code, data) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, code) DO UPDATE SET data = excluded.data",
        )
        .arg(key(tenant))
        .arg(d.code.as_str())
        .arg(json(d)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn departments(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_store::accounts::Department>, StoreError> {
        let q = Q::new("SELECT data FROM departments WHERE tenant_id = $1 ORDER BY code")
            .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn approve_staff(
        &self,
        tenant: LocalGovCode,
        id: i64,
        approver: i64,
    ) -> Result<bool, StoreError> {
        let q = Q::new(
            "UPDATE staff SET active = $4, awaiting_approval = $5, approved_by = $3
             WHERE tenant_id = $1 AND staff_id = $2 AND awaiting_approval = $4",
        )
        .arg(key(tenant))
        .arg(id)
        .arg(approver)
        .arg(true)
        .arg(false);
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.first().is_some_and(|n| *n > 0))
    }

    async fn add_session(&self, tenant: LocalGovCode, s: &Session) -> Result<(), StoreError> {
        let t = key(tenant);
        let statements = vec![
            // Expired sessions of the tenant go as new ones come.
            Q::new("DELETE FROM sessions WHERE tenant_id = $1 AND expires_at < $2")
                .arg(&t)
                .arg(Utc::now()),
            Q::new(
                "INSERT INTO sessions (tenant_id, token_hash, staff_id, csrf, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .arg(&t)
            .arg(&s.token_hash)
            .arg(s.staff_id)
            .arg(&s.csrf)
            .arg(s.created_at)
            .arg(s.expires_at),
        ];
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn session(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<Session>, StoreError> {
        let q = Q::new(
            "SELECT token_hash, staff_id, csrf, created_at, expires_at FROM sessions
             WHERE tenant_id = $1 AND token_hash = $2",
        )
        .arg(key(tenant))
        .arg(token_hash);
        let row = self.read_one(tenant, q).await?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.get("token_hash")?,
                staff_id: r.get("staff_id")?,
                csrf: r.get("csrf")?,
                created_at: r.get("created_at")?,
                expires_at: r.get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn end_session(&self, tenant: LocalGovCode, token_hash: &str) -> Result<(), StoreError> {
        let q = Q::new("DELETE FROM sessions WHERE tenant_id = $1 AND token_hash = $2")
            .arg(key(tenant))
            .arg(token_hash);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn add_api_token(&self, tenant: LocalGovCode, k: &ApiToken) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO api_tokens
               (tenant_id, token_hash, name, role, created_at, revoked, expires_at, created_by,
                sealed_token, approved_by, hidden_items, businesses)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .arg(key(tenant))
        .arg(&k.token_hash)
        .arg(&k.name)
        .arg(k.role.code())
        .arg(k.created_at)
        .arg(k.revoked)
        .arg(k.expires_at)
        .arg(k.created_by)
        .arg(&k.sealed)
        .arg(k.approved_by)
        .arg(kikan_security::roles::items_to_json(&k.hidden_items))
        .arg(json(&k.businesses)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn api_token(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        let q = Q::new(format!("{TOKEN} WHERE tenant_id = $1 AND token_hash = $2"))
            .arg(key(tenant))
            .arg(token_hash);
        self.read_one(tenant, q)
            .await?
            .as_ref()
            .map(token_of)
            .transpose()
    }

    async fn api_tokens(&self, tenant: LocalGovCode) -> Result<Vec<ApiToken>, StoreError> {
        let q = Q::new(format!(
            "{TOKEN} WHERE tenant_id = $1 ORDER BY created_at, token_hash"
        ))
        .arg(key(tenant));
        self.read(tenant, q).await?.iter().map(token_of).collect()
    }

    async fn revoke_api_token(&self, tenant: LocalGovCode, id: &str) -> Result<bool, StoreError> {
        if id.len() != ApiToken::ID_CHARS {
            return Ok(false);
        }
        let q = Q::new(format!(
            "UPDATE api_tokens SET revoked = $3
             WHERE tenant_id = $1 AND substr(token_hash, 1, {}) = $2",
            ApiToken::ID_CHARS
        ))
        .arg(key(tenant))
        .arg(id)
        .arg(true);
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.first().is_some_and(|n| *n > 0))
    }

    async fn approve_api_token(
        &self,
        tenant: LocalGovCode,
        id: &str,
        approver: i64,
        expires_at: chrono::DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if id.len() != ApiToken::ID_CHARS {
            return Ok(false);
        }
        let q = Q::new(format!(
            "UPDATE api_tokens SET sealed_token = NULL, approved_by = $3, expires_at = $4
             WHERE tenant_id = $1 AND substr(token_hash, 1, {}) = $2
               AND sealed_token IS NOT NULL AND revoked = $5",
            ApiToken::ID_CHARS
        ))
        .arg(key(tenant))
        .arg(id)
        .arg(approver)
        .arg(expires_at)
        .arg(false);
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.first().is_some_and(|n| *n > 0))
    }

    async fn put_staff_key(&self, tenant: LocalGovCode, k: &StaffKey) -> Result<(), StoreError> {
        let t = key(tenant);
        let q = Q::new(
            "INSERT INTO staff_keys (tenant_id, credential_id, staff_id, name, data, created_at,
                 last_used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (tenant_id, credential_id) DO UPDATE SET data = excluded.data,
                 last_used_at = excluded.last_used_at
             WHERE staff_keys.staff_id = excluded.staff_id",
        )
        .arg(&t)
        .arg(&k.credential_id)
        .arg(k.staff_id)
        .arg(&k.name)
        .arg(self.sealer.seal(&t, &k.data)?.0)
        .arg(k.created_at)
        .arg(k.last_used_at);
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        // A credential id another staff member holds is not taken over.
        if done.first().is_some_and(|n| *n == 0) {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    async fn staff_keys(
        &self,
        tenant: LocalGovCode,
        staff_id: i64,
    ) -> Result<Vec<StaffKey>, StoreError> {
        let t = key(tenant);
        let q = Q::new(
            "SELECT credential_id, staff_id, name, data, created_at, last_used_at FROM staff_keys
             WHERE tenant_id = $1 AND staff_id = $2 ORDER BY created_at, credential_id",
        )
        .arg(&t)
        .arg(staff_id);
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| {
                Ok(StaffKey {
                    credential_id: r.get("credential_id")?,
                    staff_id: r.get("staff_id")?,
                    name: r.get("name")?,
                    data: self.sealer.unseal(&t, r.text("data")?)?.into_owned(),
                    created_at: r.get("created_at")?,
                    last_used_at: r.get("last_used_at")?,
                })
            })
            .collect()
    }

    async fn remove_staff_keys(
        &self,
        tenant: LocalGovCode,
        staff_id: i64,
        credential_id: Option<&str>,
    ) -> Result<u64, StoreError> {
        let t = key(tenant);
        let q = match credential_id {
            Some(id) => Q::new(
                "DELETE FROM staff_keys WHERE tenant_id = $1 AND staff_id = $2
                 AND credential_id = $3",
            )
            .arg(&t)
            .arg(staff_id)
            .arg(id),
            None => Q::new("DELETE FROM staff_keys WHERE tenant_id = $1 AND staff_id = $2")
                .arg(&t)
                .arg(staff_id),
        };
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.first().copied().unwrap_or(0))
    }

    async fn put_link_client(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
        data: &str,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let q = Q::new(
            "INSERT INTO link_clients (tenant_id, client_id, data) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, client_id) DO UPDATE SET data = excluded.data",
        )
        .arg(&t)
        .arg(client_id)
        .arg(self.sealer.seal(&t, data)?.0);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn link_client(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let t = key(tenant);
        let q = Q::new("SELECT data FROM link_clients WHERE tenant_id = $1 AND client_id = $2")
            .arg(&t)
            .arg(client_id);
        self.read_one(tenant, q)
            .await?
            .map(|r| Ok(self.sealer.unseal(&t, r.text("data")?)?.into_owned()))
            .transpose()
    }

    async fn link_clients(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let t = key(tenant);
        let q = Q::new(
            "SELECT client_id, data FROM link_clients WHERE tenant_id = $1 ORDER BY client_id",
        )
        .arg(&t);
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get("client_id")?,
                    self.sealer.unseal(&t, r.text("data")?)?.into_owned(),
                ))
            })
            .collect()
    }

    async fn add_link_token(
        &self,
        tenant: LocalGovCode,
        k: &LinkToken,
        purge_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let purge = Q::new("DELETE FROM link_tokens WHERE tenant_id = $1 AND expires_at < $2")
            .arg(key(tenant))
            .arg(purge_before);
        let add = Q::new(
            "INSERT INTO link_tokens (tenant_id, token_hash, client_id, jti, scopes, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(key(tenant))
        .arg(&k.token_hash)
        .arg(&k.client_id)
        .arg(&k.jti)
        .arg(&k.scopes)
        .arg(k.expires_at);
        self.write(tenant, vec![purge, add], || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn link_token(
        &self,
        tenant: LocalGovCode,
        token_hash: &str,
    ) -> Result<Option<LinkToken>, StoreError> {
        let q = Q::new(
            "SELECT token_hash, client_id, jti, scopes, expires_at FROM link_tokens
             WHERE tenant_id = $1 AND token_hash = $2",
        )
        .arg(key(tenant))
        .arg(token_hash);
        let row = self.read_one(tenant, q).await?;
        row.map(|r| {
            Ok(LinkToken {
                token_hash: r.get("token_hash")?,
                client_id: r.get("client_id")?,
                jti: r.get("jti")?,
                scopes: r.get("scopes")?,
                expires_at: r.get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn end_link_tokens(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
    ) -> Result<(), StoreError> {
        let q = Q::new("DELETE FROM link_tokens WHERE tenant_id = $1 AND client_id = $2")
            .arg(key(tenant))
            .arg(client_id);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn set_oidc_provider(
        &self,
        tenant: LocalGovCode,
        o: &OidcProvider,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO oidc_providers (tenant_id, issuer, client_id, client_secret, redirect_url)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
               client_secret = excluded.client_secret, redirect_url = excluded.redirect_url",
        )
        .arg(key(tenant))
        .arg(&o.issuer)
        .arg(&o.client_id)
        .arg(&o.client_secret)
        .arg(&o.redirect_url);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn oidc_provider(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let q = Q::new(
            "SELECT issuer, client_id, client_secret, redirect_url FROM oidc_providers WHERE tenant_id = $1",
        )
        .arg(key(tenant));
        let row = self.read_one(tenant, q).await?;
        row.map(|r| {
            Ok(OidcProvider {
                issuer: r.get("issuer")?,
                client_id: r.get("client_id")?,
                client_secret: r.get("client_secret")?,
                redirect_url: r.get("redirect_url")?,
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
        let q = Q::new("UPDATE staff SET oidc_subject = $3 WHERE tenant_id = $1 AND staff_id = $2")
            .arg(key(tenant))
            .arg(id)
            .arg(subject);
        self.write(tenant, vec![q], || {
            StoreError::Exists("このIDプロバイダの利用者".into())
        })
        .await?;
        Ok(())
    }

    async fn staff_by_oidc(
        &self,
        tenant: LocalGovCode,
        subject: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let q = Q::new(format!(
            "{STAFF} WHERE tenant_id = $1 AND oidc_subject = $2"
        ))
        .arg(key(tenant))
        .arg(subject);
        self.read_one(tenant, q)
            .await?
            .as_ref()
            .map(staff_of)
            .transpose()
    }

    async fn add_draft(&self, tenant: LocalGovCode, d: &Draft) -> Result<(), StoreError> {
        let t = key(tenant);
        let request = self.sealer.seal(&t, &d.request)?.0;
        let intake = match &d.intake {
            Some(i) => Some(self.sealer.seal(&t, i)?.0),
            None => None,
        };
        let q = Q::new(
            "INSERT INTO drafts (tenant_id, draft_id, status, created_by, created_at, request, intake)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .arg(&t)
        .arg(d.id)
        .arg(&d.status)
        .arg(&d.created_by)
        .arg(d.created_at)
        .arg(request)
        .arg(intake);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn draft(&self, tenant: LocalGovCode, id: i64) -> Result<Option<Draft>, StoreError> {
        let t = key(tenant);
        let q = Q::new(format!("{DRAFT} WHERE tenant_id = $1 AND draft_id = $2"))
            .arg(&t)
            .arg(id);
        let row = self.read_one(tenant, q).await?;
        row.map(|r| self.draft(&t, &r)).transpose()
    }

    async fn drafts(
        &self,
        tenant: LocalGovCode,
        status: Option<&str>,
    ) -> Result<Vec<Draft>, StoreError> {
        let t = key(tenant);
        let mut q = Q::new(format!("{DRAFT} WHERE tenant_id = $1")).arg(&t);
        if let Some(s) = status {
            let p = q.param(s);
            q.push(&format!(" AND status = {p}"));
        }
        q.push(" ORDER BY created_at, draft_id LIMIT 1000");
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| self.draft(&t, r)).collect()
    }

    async fn decide_draft(
        &self,
        tenant: LocalGovCode,
        id: i64,
        d: &DraftDecision,
    ) -> Result<(), StoreError> {
        self.write_one(tenant, write::decide_draft(&key(tenant), id, d, d.seq))
            .await
    }

    async fn add_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut statements = vec![
            Q::new(
                "INSERT INTO support_measures (tenant_id, measure_id, version, data) VALUES ($1, $2, $3, $4)",
            )
            .arg(&t)
            .arg(m.id.0)
            .arg(m.version as i64)
            .arg(json(m)?),
        ];
        for p in m.protected() {
            statements.push(
                Q::new(
                    "INSERT INTO support_persons (tenant_id, person_id, measure_id) VALUES ($1, $2, $3)",
                )
                .arg(&t)
                .arg(p.0)
                .arg(m.id.0),
            );
        }
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn update_support_measure(
        &self,
        tenant: LocalGovCode,
        m: &SupportMeasure,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "UPDATE support_measures SET version = $3, data = $4
             WHERE tenant_id = $1 AND measure_id = $2 AND version = $3 - 1",
        )
        .arg(key(tenant))
        .arg(m.id.0)
        .arg(m.version as i64)
        .arg(json(m)?);
        self.write_one(tenant, q).await
    }

    async fn support_measure(
        &self,
        tenant: LocalGovCode,
        id: MeasureId,
    ) -> Result<Option<SupportMeasure>, StoreError> {
        let q =
            Q::new("SELECT data FROM support_measures WHERE tenant_id = $1 AND measure_id = $2")
                .arg(key(tenant))
                .arg(id.0);
        let row = self.read_one(tenant, q).await?;
        row.map(|r| decode(r.text("data")?)).transpose()
    }

    async fn support_measures(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<SupportMeasure>, StoreError> {
        let q =
            Q::new("SELECT data FROM support_measures WHERE tenant_id = $1 ORDER BY measure_id")
                .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn support_for(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<SupportMeasure>, StoreError> {
        if persons.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new(
            "SELECT DISTINCT m.measure_id, m.data FROM support_persons p JOIN support_measures m
               ON m.tenant_id = p.tenant_id AND m.measure_id = p.measure_id WHERE p.tenant_id = $1",
        )
        .arg(key(tenant));
        let list = in_list(&mut q, persons.iter().map(|p| p.0));
        q.push(&format!(" AND p.person_id IN {list} ORDER BY m.measure_id"));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn add_business_record(
        &self,
        tenant: LocalGovCode,
        r: &kikan_domain::business::BusinessRecord,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO business_items (tenant_id, person_id, business, revision, data)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .arg(key(tenant))
        .arg(r.person.0)
        .arg(r.items.business().code())
        .arg(i64::from(r.revision))
        .arg(json(r)?);
        let mut statements = vec![q];
        // コンビニ交付 (7.2.5): the card's 利用者証明用電子証明書 serial, for lookup.
        if let kikan_domain::business::BusinessItems::Card(c) = &r.items
            && let Some(serial) = c.certificate_serial.as_deref()
        {
            statements.push(
                Q::new(
                    "INSERT INTO card_serials (tenant_id, serial, person_id, revision)
                     VALUES ($1, $2, $3, $4)",
                )
                .arg(key(tenant))
                .arg(serial)
                .arg(r.person.0)
                .arg(i64::from(r.revision)),
            );
        }
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn persons_by_card_serial(
        &self,
        tenant: LocalGovCode,
        serial: &str,
    ) -> Result<Vec<PersonId>, StoreError> {
        let q = Q::new(
            "SELECT DISTINCT person_id FROM card_serials WHERE tenant_id = $1 AND serial = $2
             ORDER BY person_id",
        )
        .arg(key(tenant))
        .arg(serial);
        self.read(tenant, q)
            .await?
            .iter()
            .map(|r| Ok(PersonId(r.get("person_id")?)))
            .collect()
    }

    async fn business_records(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<kikan_domain::business::BusinessRecord>, StoreError> {
        if persons.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT data FROM business_items WHERE tenant_id = $1").arg(key(tenant));
        let list = in_list(&mut q, persons.iter().map(|p| p.0));
        q.push(&format!(
            " AND person_id IN {list} ORDER BY person_id, business, revision"
        ));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn add_notices(
        &self,
        tenant: LocalGovCode,
        notices: &[kikan_domain::immigration::ImmigrationNotice],
    ) -> Result<(), StoreError> {
        let mut statements = Vec::with_capacity(notices.len());
        for n in notices {
            statements.push(
                Q::new(
                    "INSERT INTO immigration_notices (tenant_id, notice_id, pending, data)
                     VALUES ($1, $2, $3, $4)",
                )
                .arg(key(tenant))
                .arg(n.id)
                .arg(true)
                .arg(json(n)?),
            );
        }
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn notices(
        &self,
        tenant: LocalGovCode,
        pending_only: bool,
    ) -> Result<Vec<kikan_domain::immigration::ImmigrationNotice>, StoreError> {
        let mut q =
            Q::new("SELECT data FROM immigration_notices WHERE tenant_id = $1").arg(key(tenant));
        if pending_only {
            let p = q.param(true);
            q.push(&format!(" AND pending = {p}"));
        }
        q.push(" ORDER BY notice_id");
        let rows = self.read(tenant, q).await?;
        let mut out: Vec<kikan_domain::immigration::ImmigrationNotice> = rows
            .iter()
            .map(|r| decode(r.text("data")?))
            .collect::<Result<_, _>>()?;
        out.sort_by_key(|n| (n.notified_on, n.id));
        Ok(out)
    }

    async fn notice(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<kikan_domain::immigration::ImmigrationNotice>, StoreError> {
        let q =
            Q::new("SELECT data FROM immigration_notices WHERE tenant_id = $1 AND notice_id = $2")
                .arg(key(tenant))
                .arg(id);
        match self.read_one(tenant, q).await? {
            Some(r) => Ok(Some(decode(r.text("data")?)?)),
            None => Ok(None),
        }
    }

    async fn settle_notice(
        &self,
        tenant: LocalGovCode,
        notice: &kikan_domain::immigration::ImmigrationNotice,
    ) -> Result<bool, StoreError> {
        let q = Q::new(
            "UPDATE immigration_notices SET pending = $3, data = $4
             WHERE tenant_id = $1 AND notice_id = $2 AND pending = $5",
        )
        .arg(key(tenant))
        .arg(notice.id)
        .arg(false)
        .arg(json(notice)?)
        .arg(true);
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.first().is_some_and(|n| *n > 0))
    }

    async fn put_certificate_setting(
        &self,
        tenant: LocalGovCode,
        kind: &str,
        id: i64,
        data: &str,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO certificate_settings (tenant_id, kind, id, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, kind, id) DO UPDATE SET data = excluded.data",
        )
        .arg(key(tenant))
        .arg(kind)
        .arg(id)
        .arg(data);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn certificate_settings(
        &self,
        tenant: LocalGovCode,
        kind: &str,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let q = Q::new(
            "SELECT id, data FROM certificate_settings WHERE tenant_id = $1 AND kind = $2 ORDER BY id",
        )
        .arg(key(tenant))
        .arg(kind);
        self.read(tenant, q)
            .await?
            .into_iter()
            .map(|mut r| Ok((r.get("id")?, r.take_text("data")?)))
            .collect()
    }

    async fn add_search_history(
        &self,
        tenant: LocalGovCode,
        login: &str,
        data: &str,
        keep: u32,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let add = Q::new(
            "INSERT INTO search_history (tenant_id, login, id, data)
             SELECT $1, $2, COALESCE(MAX(id), 0) + 1, $3 FROM search_history
             WHERE tenant_id = $1 AND login = $2",
        )
        .arg(&t)
        .arg(login)
        .arg(data);
        let prune = Q::new(
            "DELETE FROM search_history WHERE tenant_id = $1 AND login = $2 AND id NOT IN
             (SELECT id FROM search_history WHERE tenant_id = $1 AND login = $2
              ORDER BY id DESC LIMIT $3)",
        )
        .arg(&t)
        .arg(login)
        .arg(i64::from(keep));
        self.write(tenant, vec![add, prune], || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn search_history(
        &self,
        tenant: LocalGovCode,
        login: &str,
    ) -> Result<Vec<String>, StoreError> {
        let q = Q::new(
            "SELECT data FROM search_history WHERE tenant_id = $1 AND login = $2 ORDER BY id DESC",
        )
        .arg(key(tenant))
        .arg(login);
        self.read(tenant, q)
            .await?
            .into_iter()
            .map(|mut r| r.take_text("data"))
            .collect()
    }

    async fn outbox_head(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let q = Q::new("SELECT seq FROM immigration_outbox_heads WHERE tenant_id = $1")
            .arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => r.get("seq"),
            None => Ok(0),
        }
    }

    async fn add_outbox(
        &self,
        tenant: LocalGovCode,
        head: i64,
        items: &[kikan_domain::outbound::OutboundItem],
    ) -> Result<(), StoreError> {
        let mut statements = Vec::with_capacity(items.len() + 1);
        for i in items {
            statements.push(
                Q::new(
                    "INSERT INTO immigration_outbox (tenant_id, item_id, state, batch, data)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .arg(key(tenant))
                .arg(i.id)
                .arg(i.state.name())
                .arg(i.state.batch())
                .arg(json(i)?),
            );
        }
        statements.push(
            Q::new(
                "INSERT INTO immigration_outbox_heads (tenant_id, seq) VALUES ($1, $2)
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq",
            )
            .arg(key(tenant))
            .arg(head),
        );
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn outbox(
        &self,
        tenant: LocalGovCode,
        state: Option<&str>,
    ) -> Result<Vec<kikan_domain::outbound::OutboundItem>, StoreError> {
        let mut q =
            Q::new("SELECT data FROM immigration_outbox WHERE tenant_id = $1").arg(key(tenant));
        if let Some(s) = state {
            let p = q.param(s);
            q.push(&format!(" AND state = {p}"));
        }
        q.push(" ORDER BY item_id");
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn update_outbox(
        &self,
        tenant: LocalGovCode,
        items: &[(kikan_domain::outbound::OutboundItem, &str)],
    ) -> Result<(), StoreError> {
        let mut statements = Vec::with_capacity(items.len());
        for (i, was) in items {
            statements.push(
                Q::new(
                    "UPDATE immigration_outbox SET state = $3, batch = $4, data = $5
                     WHERE tenant_id = $1 AND item_id = $2 AND state = $6",
                )
                .arg(key(tenant))
                .arg(i.id)
                .arg(i.state.name())
                .arg(i.state.batch())
                .arg(json(i)?)
                .arg(*was),
            );
        }
        self.write_each_one(tenant, statements).await
    }

    async fn outbox_last_batch(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let q = Q::new(
            "SELECT COALESCE(MAX(batch), 0) AS batch FROM immigration_outbox WHERE tenant_id = $1",
        )
        .arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => r.get("batch"),
            None => Ok(0),
        }
    }

    async fn cs_head(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let q = Q::new("SELECT seq FROM cs_outbox_heads WHERE tenant_id = $1").arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => r.get("seq"),
            None => Ok(0),
        }
    }

    async fn add_cs_items(
        &self,
        tenant: LocalGovCode,
        head: i64,
        items: &[kikan_domain::cs::CsItem],
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut tx = self.engine.begin(Some(&t), true).await?;
        // The head moves only from where the caller read it: another reader first is a
        // conflict, and nothing is written twice.
        let was: i64 = match tx
            .row(Q::new("SELECT seq FROM cs_outbox_heads WHERE tenant_id = $1").arg(&t))
            .await?
        {
            Some(r) => r.get("seq")?,
            None => 0,
        };
        if was > head {
            return Err(StoreError::Conflict);
        }
        for i in items {
            // 個人番号 and the rest of 本人確認情報: sealed like a person's record.
            let data = self.sealer.seal(&t, &json(i)?)?.0;
            tx.exec(
                Q::new(
                    "INSERT INTO cs_outbox (tenant_id, item_id, person_id, state, data)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .arg(&t)
                .arg(i.id)
                .arg(i.person.0)
                .arg(i.state.name())
                .arg(data),
            )
            .await
            .map_err(|e| e.or_unique(StoreError::Conflict))?;
        }
        tx.exec(
            Q::new(
                "INSERT INTO cs_outbox_heads (tenant_id, seq) VALUES ($1, $2)
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq",
            )
            .arg(&t)
            .arg(head),
        )
        .await?;
        self.engine.commit(tx).await
    }

    async fn cs_items(
        &self,
        tenant: LocalGovCode,
        states: &[&str],
        person: Option<PersonId>,
    ) -> Result<Vec<kikan_domain::cs::CsItem>, StoreError> {
        let t = key(tenant);
        let mut q = Q::new("SELECT data FROM cs_outbox WHERE tenant_id = $1").arg(&t);
        if !states.is_empty() {
            let ps: Vec<String> = states.iter().map(|s| q.param(*s)).collect();
            q.push(&format!(" AND state IN ({})", ps.join(", ")));
        }
        if let Some(p) = person {
            let n = q.param(p.0);
            q.push(&format!(" AND person_id = {n}"));
        }
        q.push(" ORDER BY item_id");
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| decode(&self.sealer.unseal(&t, r.text("data")?)?))
            .collect()
    }

    async fn cs_last_item(&self, tenant: LocalGovCode) -> Result<i64, StoreError> {
        let q = Q::new(
            "SELECT COALESCE(MAX(item_id), 0) AS item_id FROM cs_outbox WHERE tenant_id = $1",
        )
        .arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => r.get("item_id"),
            None => Ok(0),
        }
    }

    async fn update_cs_items(
        &self,
        tenant: LocalGovCode,
        items: &[(kikan_domain::cs::CsItem, &str)],
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut statements = Vec::with_capacity(items.len());
        for (i, was) in items {
            let data = self.sealer.seal(&t, &json(i)?)?.0;
            statements.push(
                Q::new(
                    "UPDATE cs_outbox SET state = $3, data = $4
                     WHERE tenant_id = $1 AND item_id = $2 AND state = $5",
                )
                .arg(&t)
                .arg(i.id)
                .arg(i.state.name())
                .arg(data)
                .arg(*was),
            );
        }
        self.write_each_one(tenant, statements).await
    }

    async fn put_cs_chars(
        &self,
        tenant: LocalGovCode,
        entries: &[(String, u16)],
    ) -> Result<(), StoreError> {
        let statements = entries
            .iter()
            .map(|(chars, code)| {
                Q::new(
                    "INSERT INTO cs_chars (tenant_id, chars, code) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id, chars) DO UPDATE SET code = excluded.code",
                )
                .arg(key(tenant))
                .arg(chars.as_str())
                .arg(i64::from(*code))
            })
            .collect();
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn cs_chars(&self, tenant: LocalGovCode) -> Result<Vec<(String, u16)>, StoreError> {
        let q = Q::new("SELECT chars, code FROM cs_chars WHERE tenant_id = $1 ORDER BY chars")
            .arg(key(tenant));
        self.read(tenant, q)
            .await?
            .into_iter()
            .map(|mut r| {
                let code: i64 = r.get("code")?;
                let code = u16::try_from(code)
                    .map_err(|_| StoreError::Corrupt(format!("住基ネット統一文字 {code}")))?;
                Ok((r.take_text("chars")?, code))
            })
            .collect()
    }

    async fn cs_settings(&self, tenant: LocalGovCode) -> Result<Option<String>, StoreError> {
        let q = Q::new("SELECT data FROM cs_settings WHERE tenant_id = $1").arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(mut r) => Ok(Some(r.take_text("data")?)),
            None => Ok(None),
        }
    }

    async fn put_cs_settings(&self, tenant: LocalGovCode, data: &str) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO cs_settings (tenant_id, data) VALUES ($1, $2)
             ON CONFLICT (tenant_id) DO UPDATE SET data = excluded.data",
        )
        .arg(key(tenant))
        .arg(data);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn add_free_codes(
        &self,
        tenant: LocalGovCode,
        codes: &[String],
    ) -> Result<u64, StoreError> {
        let statements = codes
            .iter()
            .map(|c| {
                Q::new(
                    "INSERT INTO juminhyo_code_pool (tenant_id, code) VALUES ($1, $2)
                     ON CONFLICT (tenant_id, code) DO NOTHING",
                )
                .arg(key(tenant))
                .arg(c.as_str())
            })
            .collect();
        let done = self
            .write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(done.iter().sum())
    }

    async fn free_code_count(&self, tenant: LocalGovCode) -> Result<u64, StoreError> {
        let q = Q::new(
            "SELECT COUNT(*) AS n FROM juminhyo_code_pool WHERE tenant_id = $1 AND taken_by IS NULL",
        )
        .arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => Ok(r.get::<i64>("n")?.max(0) as u64),
            None => Ok(0),
        }
    }

    async fn postal_entry_count(&self, tenant: LocalGovCode) -> Result<u64, StoreError> {
        let q =
            Q::new("SELECT COUNT(*) AS n FROM postal_codes WHERE tenant_id = $1").arg(key(tenant));
        match self.read_one(tenant, q).await? {
            Some(r) => Ok(r.get::<i64>("n")?.max(0) as u64),
            None => Ok(0),
        }
    }

    async fn take_free_code(
        &self,
        tenant: LocalGovCode,
        nth: u64,
        person: PersonId,
    ) -> Result<Option<String>, StoreError> {
        let t = key(tenant);
        let mut tx = self.engine.begin(Some(&t), true).await?;
        let Some(mut row) = tx
            .row(
                Q::new(
                    "SELECT code FROM juminhyo_code_pool WHERE tenant_id = $1 AND taken_by IS NULL
                     ORDER BY code LIMIT 1 OFFSET $2",
                )
                .arg(&t)
                .arg(nth as i64),
            )
            .await?
        else {
            return Ok(None);
        };
        let code = row.take_text("code")?;
        let n = tx
            .exec(
                Q::new(
                    "UPDATE juminhyo_code_pool SET taken_by = $3
                     WHERE tenant_id = $1 AND code = $2 AND taken_by IS NULL",
                )
                .arg(&t)
                .arg(code.as_str())
                .arg(person.0),
            )
            .await?;
        if n != 1 {
            return Ok(None);
        }
        self.engine.commit(tx).await?;
        Ok(Some(code))
    }

    async fn release_free_code(&self, tenant: LocalGovCode, code: &str) -> Result<(), StoreError> {
        let q = Q::new(
            "UPDATE juminhyo_code_pool SET taken_by = NULL WHERE tenant_id = $1 AND code = $2",
        )
        .arg(key(tenant))
        .arg(code);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn add_cs_inbound(
        &self,
        tenant: LocalGovCode,
        items: &[kikan_domain::cs::Inbound],
    ) -> Result<u64, StoreError> {
        let t = key(tenant);
        let mut statements = Vec::with_capacity(items.len());
        for i in items {
            let data = self.sealer.seal(&t, &json(i)?)?.0;
            statements.push(
                Q::new(
                    "INSERT INTO cs_inbox (tenant_id, msg_key, kind, state, data)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, msg_key) DO NOTHING",
                )
                .arg(&t)
                .arg(i.key.as_str())
                .arg(i.message.kind.label())
                .arg(i.state.name())
                .arg(data),
            );
        }
        let done = self
            .write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(done.iter().sum())
    }

    async fn cs_inbound(
        &self,
        tenant: LocalGovCode,
        states: &[&str],
    ) -> Result<Vec<kikan_domain::cs::Inbound>, StoreError> {
        let t = key(tenant);
        let mut q = Q::new("SELECT data FROM cs_inbox WHERE tenant_id = $1").arg(&t);
        if !states.is_empty() {
            let ps: Vec<String> = states.iter().map(|s| q.param(*s)).collect();
            q.push(&format!(" AND state IN ({})", ps.join(", ")));
        }
        q.push(" ORDER BY msg_key");
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| decode(&self.sealer.unseal(&t, r.text("data")?)?))
            .collect()
    }

    async fn update_cs_inbound(
        &self,
        tenant: LocalGovCode,
        item: &kikan_domain::cs::Inbound,
        was: &str,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let data = self.sealer.seal(&t, &json(item)?)?.0;
        self.write_one(
            tenant,
            Q::new(
                "UPDATE cs_inbox SET state = $3, data = $4
                 WHERE tenant_id = $1 AND msg_key = $2 AND state = $5",
            )
            .arg(&t)
            .arg(item.key.as_str())
            .arg(item.state.name())
            .arg(data)
            .arg(was),
        )
        .await
    }

    async fn put_sending_address(
        &self,
        tenant: LocalGovCode,
        person: PersonId,
        data: Option<&str>,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let q = match data {
            Some(d) => Q::new(
                "INSERT INTO sending_addresses (tenant_id, person_id, data) VALUES ($1, $2, $3)
                 ON CONFLICT (tenant_id, person_id) DO UPDATE SET data = excluded.data",
            )
            .arg(&t)
            .arg(person.0)
            .arg(self.sealer.seal(&t, d)?.0),
            None => Q::new("DELETE FROM sending_addresses WHERE tenant_id = $1 AND person_id = $2")
                .arg(&t)
                .arg(person.0),
        };
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn sending_addresses(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<(PersonId, String)>, StoreError> {
        if persons.is_empty() {
            return Ok(vec![]);
        }
        let t = key(tenant);
        let mut q =
            Q::new("SELECT person_id, data FROM sending_addresses WHERE tenant_id = $1").arg(&t);
        let ps: Vec<String> = persons.iter().map(|p| q.param(p.0)).collect();
        q.push(&format!(" AND person_id IN ({})", ps.join(", ")));
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get("person_id")?;
                Ok((
                    PersonId(id),
                    self.sealer.unseal(&t, r.text("data")?)?.into_owned(),
                ))
            })
            .collect()
    }

    async fn add_memo_revision(
        &self,
        tenant: LocalGovCode,
        r: &kikan_domain::memo::MemoRevision,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO memos (tenant_id, memo_id, revision, person_id, data)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .arg(key(tenant))
        .arg(r.memo_id)
        .arg(i64::from(r.revision))
        .arg(r.person.0)
        .arg(json(r)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn memo_revisions(
        &self,
        tenant: LocalGovCode,
        persons: &[PersonId],
    ) -> Result<Vec<kikan_domain::memo::MemoRevision>, StoreError> {
        if persons.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT data FROM memos WHERE tenant_id = $1").arg(key(tenant));
        let list = in_list(&mut q, persons.iter().map(|p| p.0));
        q.push(&format!(
            " AND person_id IN {list} ORDER BY memo_id, revision"
        ));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn put_place(
        &self,
        tenant: LocalGovCode,
        p: &kikan_store::places::Place,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO places (tenant_id, place_code, data) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, place_code) DO UPDATE SET data = excluded.data",
        )
        .arg(key(tenant))
        .arg(p.code.as_str())
        .arg(json(p)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn places(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_store::places::Place>, StoreError> {
        let q = Q::new("SELECT data FROM places WHERE tenant_id = $1 ORDER BY place_code")
            .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn put_terminal(
        &self,
        tenant: LocalGovCode,
        t: &kikan_store::places::Terminal,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO terminals (tenant_id, terminal_code, data) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, terminal_code) DO UPDATE SET data = excluded.data",
        )
        .arg(key(tenant))
        .arg(t.code.as_str())
        .arg(json(t)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn terminals(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_store::places::Terminal>, StoreError> {
        let q = Q::new("SELECT data FROM terminals WHERE tenant_id = $1 ORDER BY terminal_code")
            .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn terminal_at(
        &self,
        tenant: LocalGovCode,
        code: &str,
    ) -> Result<
        Option<(
            kikan_store::places::Terminal,
            Option<kikan_store::places::Place>,
        )>,
        StoreError,
    > {
        let t = key(tenant);
        let q = Q::new("SELECT data FROM terminals WHERE tenant_id = $1 AND terminal_code = $2")
            .arg(&t)
            .arg(code);
        let Some(row) = self.read_one(tenant, q).await? else {
            return Ok(None);
        };
        let terminal: kikan_store::places::Terminal = decode(row.text("data")?)?;
        let q = Q::new("SELECT data FROM places WHERE tenant_id = $1 AND place_code = $2")
            .arg(&t)
            .arg(terminal.place.as_str());
        let place = self
            .read_one(tenant, q)
            .await?
            .map(|r| decode(r.text("data")?))
            .transpose()?;
        Ok(Some((terminal, place)))
    }

    async fn put_towns(
        &self,
        tenant: LocalGovCode,
        towns: &[kikan_domain::address::Town],
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut qs = Vec::with_capacity(towns.len());
        for town in towns {
            let [pref, city, oaza, small] = town.level_names();
            qs.push(
                Q::new(
                    "INSERT INTO address_towns (tenant_id, code, registry_id, pref_name, city_name,
                        oaza_name, small_name, pref_kana, city_kana, county_kana, postal_code,
                        abolished_on, data)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (tenant_id, code) DO UPDATE SET registry_id = excluded.registry_id,
                        pref_name = excluded.pref_name, city_name = excluded.city_name,
                        oaza_name = excluded.oaza_name, small_name = excluded.small_name,
                        pref_kana = excluded.pref_kana, city_kana = excluded.city_kana,
                        county_kana = excluded.county_kana, postal_code = excluded.postal_code,
                        abolished_on = excluded.abolished_on, data = excluded.data",
                )
                .arg(&t)
                .arg(town.code.as_str())
                .arg(town.registry_id.clone())
                .arg(pref)
                .arg(city)
                .arg(oaza)
                .arg(small)
                .arg(kikan_domain::names::kana_key(&town.pref_kana))
                .arg(kikan_domain::names::kana_key(&town.city_kana))
                .arg(kikan_domain::names::kana_key(&town.county_kana))
                .arg(town.postal_code.as_ref().map(|p| p.as_str().to_string()))
                .arg(town.abolished_on.map(|d| d.to_string()))
                .arg(json(town)?),
            );
        }
        self.write(tenant, qs, || StoreError::Conflict).await?;
        Ok(())
    }

    async fn towns_in(
        &self,
        tenant: LocalGovCode,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<kikan_domain::address::Town>, StoreError> {
        let (lo, hi) = code_range(prefix);
        let mut q = Q::new("SELECT data FROM address_towns WHERE tenant_id = $1 AND code >= $2")
            .arg(key(tenant))
            .arg(lo);
        if let Some(hi) = hi {
            let p = q.param(hi);
            q.push(&format!(" AND code < {p}"));
        }
        let p = q.param(limit as i64);
        q.push(&format!(" ORDER BY code LIMIT {p}"));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn address_level(
        &self,
        tenant: LocalGovCode,
        parent: &str,
        abolished: bool,
    ) -> Result<Vec<kikan_store::AddressLevelItem>, StoreError> {
        let Some(len) = kikan_domain::address::child_length(parent) else {
            return Ok(vec![]);
        };
        let (name, kana) = match len {
            2 => ("pref_name", "pref_kana"),
            5 => ("city_name", "city_kana"),
            8 => ("oaza_name", "oaza_name"),
            _ => ("small_name", "small_name"),
        };
        let (lo, hi) = code_range(parent);
        let mut q = Q::new(format!(
            "SELECT substr(code, 1, {len}) AS c, MIN({name}) AS name, MIN({kana}) AS kana
             FROM address_towns WHERE tenant_id = $1 AND code >= $2"
        ))
        .arg(key(tenant))
        .arg(lo);
        if let Some(hi) = hi {
            let p = q.param(hi);
            q.push(&format!(" AND code < {p}"));
        }
        if len == 11 {
            q.push(" AND substr(code, 9, 3) <> '000'");
        }
        if !abolished {
            q.push(" AND abolished_on IS NULL");
        }
        q.push(&format!(" GROUP BY substr(code, 1, {len}) ORDER BY c"));
        let rows = self.read(tenant, q).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(kikan_store::AddressLevelItem {
                code: r.text("c")?.to_string(),
                name: r.get::<Option<String>>("name")?.unwrap_or_default(),
                kana: r.get::<Option<String>>("kana")?.unwrap_or_default(),
            });
        }
        // The reading of a 大字 or 小字 level is in the document, not in a column.
        if len >= 8 {
            let towns = self.towns_in(tenant, parent, 100_000).await?;
            for item in &mut out {
                if let Some(t) = towns
                    .iter()
                    .find(|t| t.code.as_str().starts_with(&item.code))
                {
                    item.kana = t.level_kana()[if len == 8 { 2 } else { 3 }].clone();
                }
            }
        }
        Ok(out)
    }

    async fn towns_by_kana(
        &self,
        tenant: LocalGovCode,
        pref_head: &str,
        city_head: Option<&str>,
        limit: usize,
    ) -> Result<Vec<kikan_domain::address::Town>, StoreError> {
        let like = |h: &str| format!("{}%", h.replace(['%', '_'], ""));
        let mut q =
            Q::new("SELECT data FROM address_towns WHERE tenant_id = $1 AND pref_kana LIKE $2")
                .arg(key(tenant))
                .arg(like(pref_head));
        if let Some(c) = city_head {
            let p = q.param(like(c));
            q.push(&format!(
                " AND (city_kana LIKE {p} OR county_kana LIKE {p})"
            ));
        }
        let p = q.param(limit as i64);
        q.push(&format!(" ORDER BY code LIMIT {p}"));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn towns_by_postal_code(
        &self,
        tenant: LocalGovCode,
        code: &kikan_domain::PostalCode,
    ) -> Result<Vec<kikan_domain::address::Town>, StoreError> {
        let q = Q::new(
            "SELECT data FROM address_towns WHERE tenant_id = $1 AND postal_code = $2 ORDER BY code",
        )
        .arg(key(tenant))
        .arg(code.as_str());
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn replace_postal_entries(
        &self,
        tenant: LocalGovCode,
        entries: &[kikan_domain::address::PostalEntry],
        towns: &[kikan_domain::address::Town],
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut qs = vec![Q::new("DELETE FROM postal_codes WHERE tenant_id = $1").arg(&t)];
        let mut seq: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        for e in entries {
            let n = seq.entry(e.postal_code.as_str()).or_insert(0);
            *n += 1;
            qs.push(
                Q::new(
                    "INSERT INTO postal_codes (tenant_id, postal_code, seq, data, place)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .arg(&t)
                .arg(e.postal_code.as_str())
                .arg(*n)
                .arg(json(e)?)
                .arg(format!("{}{}", e.pref, e.city)),
            );
        }
        for town in towns {
            qs.push(
                Q::new(
                    "UPDATE address_towns SET postal_code = $3, data = $4
                     WHERE tenant_id = $1 AND code = $2",
                )
                .arg(&t)
                .arg(town.code.as_str())
                .arg(town.postal_code.as_ref().map(|p| p.as_str().to_string()))
                .arg(json(town)?),
            );
        }
        self.write(tenant, qs, || StoreError::Conflict).await?;
        Ok(())
    }

    async fn all_postal_entries(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_domain::address::PostalEntry>, StoreError> {
        let q =
            Q::new("SELECT data FROM postal_codes WHERE tenant_id = $1 ORDER BY postal_code, seq")
                .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn postal_entries(
        &self,
        tenant: LocalGovCode,
        code: &kikan_domain::PostalCode,
    ) -> Result<Vec<kikan_domain::address::PostalEntry>, StoreError> {
        let q = Q::new(
            "SELECT data FROM postal_codes WHERE tenant_id = $1 AND postal_code = $2 ORDER BY seq",
        )
        .arg(key(tenant))
        .arg(code.as_str());
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn postal_entries_at(
        &self,
        tenant: LocalGovCode,
        places: &[String],
    ) -> Result<Vec<kikan_domain::address::PostalEntry>, StoreError> {
        if places.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT data FROM postal_codes WHERE tenant_id = $1").arg(key(tenant));
        let ps: Vec<String> = places.iter().map(|p| q.param(p.as_str())).collect();
        q.push(&format!(
            " AND place IN ({}) ORDER BY postal_code, seq",
            ps.join(", ")
        ));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn put_address_numbers(
        &self,
        tenant: LocalGovCode,
        numbers: &[kikan_domain::address::AddressNumber],
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut qs = Vec::with_capacity(numbers.len());
        for n in numbers {
            let [a, b, c] = n.numbers.0;
            qs.push(
                Q::new(
                    "INSERT INTO address_numbers (tenant_id, town_code, kind, n1, n2, n3, data)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (tenant_id, town_code, kind, n1, n2, n3) DO UPDATE SET data = excluded.data",
                )
                .arg(&t)
                .arg(n.town.as_str())
                .arg(n.kind.code())
                .arg(a)
                .arg(b)
                .arg(c)
                .arg(json(n)?),
            );
        }
        self.write(tenant, qs, || StoreError::Conflict).await?;
        Ok(())
    }

    async fn address_numbers(
        &self,
        tenant: LocalGovCode,
        town: &kikan_domain::address::AddressCode,
    ) -> Result<Vec<kikan_domain::address::AddressNumber>, StoreError> {
        let q = Q::new(
            "SELECT data FROM address_numbers WHERE tenant_id = $1 AND town_code = $2
             ORDER BY kind, n1, n2, n3",
        )
        .arg(key(tenant))
        .arg(town.as_str());
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn put_countries(
        &self,
        tenant: LocalGovCode,
        countries: &[kikan_domain::address::Country],
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let mut qs = Vec::with_capacity(countries.len());
        for c in countries {
            qs.push(
                Q::new(
                    "INSERT INTO countries (tenant_id, code, data) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id, code) DO UPDATE SET data = excluded.data",
                )
                .arg(&t)
                .arg(c.code.as_str())
                .arg(json(c)?),
            );
        }
        self.write(tenant, qs, || StoreError::Conflict).await?;
        Ok(())
    }

    async fn countries(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_domain::address::Country>, StoreError> {
        let q = Q::new("SELECT data FROM countries WHERE tenant_id = $1 ORDER BY code")
            .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn put_katagaki(
        &self,
        tenant: LocalGovCode,
        k: &kikan_domain::address::Katagaki,
    ) -> Result<i64, StoreError> {
        let t = key(tenant);
        let mut k = k.clone();
        if k.id == 0 {
            let q = Q::new("SELECT COALESCE(MAX(id), 0) AS m FROM katagaki WHERE tenant_id = $1")
                .arg(&t);
            let m: i64 = match self.read_one(tenant, q).await? {
                Some(r) => r.get("m")?,
                None => 0,
            };
            k.id = m + 1;
        }
        let [a, b, c] = k.numbers.map(|n| n.0).unwrap_or_default();
        let q = Q::new(
            "INSERT INTO katagaki (tenant_id, id, town_code, n1, n2, n3, active, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (tenant_id, id) DO UPDATE SET town_code = excluded.town_code,
                n1 = excluded.n1, n2 = excluded.n2, n3 = excluded.n3,
                active = excluded.active, data = excluded.data",
        )
        .arg(&t)
        .arg(k.id)
        .arg(k.town.as_str())
        .arg(a)
        .arg(b)
        .arg(c)
        .arg(k.active)
        .arg(json(&k)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(k.id)
    }

    async fn katagaki_by_id(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<kikan_domain::address::Katagaki>, StoreError> {
        let q = Q::new("SELECT data FROM katagaki WHERE tenant_id = $1 AND id = $2")
            .arg(key(tenant))
            .arg(id);
        match self.read_one(tenant, q).await? {
            Some(r) => Ok(Some(decode(r.text("data")?)?)),
            None => Ok(None),
        }
    }

    async fn katagaki(
        &self,
        tenant: LocalGovCode,
        town: &kikan_domain::address::AddressCode,
        at: Option<kikan_domain::address::BanchiNumbers>,
    ) -> Result<Vec<kikan_domain::address::Katagaki>, StoreError> {
        let mut q = Q::new("SELECT data FROM katagaki WHERE tenant_id = $1 AND town_code = $2")
            .arg(key(tenant))
            .arg(town.as_str());
        if let Some(n) = at {
            let [a, b, c] = n.0;
            let (pa, pb, pc) = (q.param(a), q.param(b), q.param(c));
            q.push(&format!(" AND n1 = {pa} AND n2 = {pb} AND n3 = {pc}"));
        }
        q.push(" ORDER BY n1, n2, n3, id");
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn add_suppression(
        &self,
        tenant: LocalGovCode,
        s: &Suppression,
    ) -> Result<(), StoreError> {
        let (kind, id) = subject_key(&s.subject);
        let q = Q::new(
            "INSERT INTO suppressions (tenant_id, suppression_id, version, subject_kind, subject_id, data)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(key(tenant))
        .arg(s.id.0)
        .arg(s.version as i64)
        .arg(kind)
        .arg(id)
        .arg(json(s)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn update_suppression(
        &self,
        tenant: LocalGovCode,
        s: &Suppression,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "UPDATE suppressions SET version = $3, data = $4
             WHERE tenant_id = $1 AND suppression_id = $2 AND version = $3 - 1",
        )
        .arg(key(tenant))
        .arg(s.id.0)
        .arg(s.version as i64)
        .arg(json(s)?);
        self.write_one(tenant, q).await
    }

    async fn suppression(
        &self,
        tenant: LocalGovCode,
        id: SuppressionId,
    ) -> Result<Option<Suppression>, StoreError> {
        let q =
            Q::new("SELECT data FROM suppressions WHERE tenant_id = $1 AND suppression_id = $2")
                .arg(key(tenant))
                .arg(id.0);
        let row = self.read_one(tenant, q).await?;
        row.map(|r| decode(r.text("data")?)).transpose()
    }

    async fn suppressions(&self, tenant: LocalGovCode) -> Result<Vec<Suppression>, StoreError> {
        let q =
            Q::new("SELECT data FROM suppressions WHERE tenant_id = $1 ORDER BY suppression_id")
                .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        let mut all: Vec<Suppression> = rows
            .iter()
            .map(|r| decode(r.text("data")?))
            .collect::<Result<_, _>>()?;
        all.sort_by_key(|s| (s.history.first().map(|e| e.at), s.id));
        Ok(all)
    }

    async fn suppressions_for(
        &self,
        tenant: LocalGovCode,
        subjects: &[Subject],
    ) -> Result<Vec<Suppression>, StoreError> {
        if subjects.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT data FROM suppressions WHERE tenant_id = $1").arg(key(tenant));
        let alternatives = subject_alternatives(&mut q, subjects);
        q.push(&format!(" AND ({alternatives}) ORDER BY suppression_id"));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn acquire_locks(
        &self,
        tenant: LocalGovCode,
        locks: &[Lock],
        now: DateTime<Utc>,
    ) -> Result<Option<Lock>, StoreError> {
        let t = key(tenant);
        let mut tx = self.engine.begin(Some(&t), true).await?;
        for l in locks {
            let (kind, id) = subject_key(&l.subject);
            // Taken when free, run out, or the holder's own (renewed).
            let q = Q::new(
                "INSERT INTO record_locks (tenant_id, subject_kind, subject_id, holder, until_at, data)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (tenant_id, subject_kind, subject_id) DO UPDATE
                 SET holder = excluded.holder, until_at = excluded.until_at, data = excluded.data
                 WHERE record_locks.holder = excluded.holder OR record_locks.until_at <= $7",
            )
            .arg(&t)
            .arg(kind)
            .arg(id)
            .arg(l.holder.as_str())
            .arg(l.until.timestamp())
            .arg(json(l)?)
            .arg(now.timestamp());
            if tx.exec(q).await? == 0 {
                // Dropping the transaction gives back what it took.
                drop(tx);
                let held = self.locks_for(tenant, &[l.subject]).await?;
                return Ok(Some(held.into_iter().next().ok_or(StoreError::Conflict)?));
            }
        }
        self.engine.commit(tx).await?;
        Ok(None)
    }

    async fn locks_for(
        &self,
        tenant: LocalGovCode,
        subjects: &[Subject],
    ) -> Result<Vec<Lock>, StoreError> {
        if subjects.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT data FROM record_locks WHERE tenant_id = $1").arg(key(tenant));
        let alternatives = subject_alternatives(&mut q, subjects);
        q.push(&format!(" AND ({alternatives})"));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn locks(
        &self,
        tenant: LocalGovCode,
        now: DateTime<Utc>,
    ) -> Result<Vec<Lock>, StoreError> {
        let q = Q::new("SELECT data FROM record_locks WHERE tenant_id = $1 AND until_at > $2")
            .arg(key(tenant))
            .arg(now.timestamp());
        let rows = self.read(tenant, q).await?;
        let mut all: Vec<Lock> = rows
            .iter()
            .map(|r| decode(r.text("data")?))
            .collect::<Result<_, _>>()?;
        all.sort_by_key(|l| (l.since, l.subject));
        Ok(all)
    }

    async fn release_locks(
        &self,
        tenant: LocalGovCode,
        holder: Option<&str>,
        subjects: &[Subject],
    ) -> Result<u64, StoreError> {
        let mut q = Q::new("DELETE FROM record_locks WHERE tenant_id = $1").arg(key(tenant));
        if let Some(h) = holder {
            let p = q.param(h);
            q.push(&format!(" AND holder = {p}"));
        }
        if !subjects.is_empty() {
            let alternatives = subject_alternatives(&mut q, subjects);
            q.push(&format!(" AND ({alternatives})"));
        }
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.into_iter().sum())
    }

    async fn around_entry(
        &self,
        tenant: LocalGovCode,
        seq: i64,
    ) -> Result<kikan_store::EntryRecords, StoreError> {
        let t = key(tenant);
        let mut out = kikan_store::EntryRecords::default();
        // The versions of a record in the 除票用データベース (9.3) are read there.
        let q = Q::new(
            "SELECT person_id, data FROM person_versions WHERE tenant_id = $1 AND seq = $2
             UNION ALL
             SELECT person_id, data FROM archive_versions WHERE tenant_id = $1 AND seq = $2
             ORDER BY person_id",
        )
        .arg(&t)
        .arg(seq);
        for r in self.read(tenant, q).await? {
            let after = self.person(&t, &r)?;
            let q = Q::new(
                "SELECT seq, data FROM person_versions WHERE tenant_id = $1 AND person_id = $2 AND seq < $3
                 UNION ALL
                 SELECT seq, data FROM archive_versions WHERE tenant_id = $1 AND person_id = $2 AND seq < $3
                 ORDER BY seq DESC LIMIT 1",
            )
            .arg(&t)
            .arg(after.id.0)
            .arg(seq);
            let before = match self.read_one(tenant, q).await? {
                Some(b) => Some(self.person(&t, &b)?),
                None => None,
            };
            out.persons.push((after, before));
        }
        let q = Q::new(
            "SELECT household_id, data FROM household_versions WHERE tenant_id = $1 AND seq = $2 ORDER BY household_id",
        )
        .arg(&t)
        .arg(seq);
        for r in self.read(tenant, q).await? {
            let after: Household = decode(r.text("data")?)?;
            let q = Q::new(
                "SELECT data FROM household_versions WHERE tenant_id = $1 AND household_id = $2 AND seq < $3
                 ORDER BY seq DESC LIMIT 1",
            )
            .arg(&t)
            .arg(after.id.0)
            .arg(seq);
            let before = match self.read_one(tenant, q).await? {
                Some(b) => Some(decode(b.text("data")?)?),
                None => None,
            };
            out.households.push((after, before));
        }
        Ok(out)
    }

    async fn moving_out_due(
        &self,
        tenant: LocalGovCode,
        on: NaiveDate,
    ) -> Result<Vec<Person>, StoreError> {
        let t = key(tenant);
        let q = Q::new(
            "SELECT data FROM persons WHERE tenant_id = $1 AND moving_out_on IS NOT NULL
               AND moving_out_on <= $2 AND register = 'A' ORDER BY person_id",
        )
        .arg(&t)
        .arg(on);
        let rows = self.read(tenant, q).await?;
        self.persons_of(&t, &rows)
    }

    async fn awaiting_move_in_notice(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<Person>, StoreError> {
        let t = key(tenant);
        let q = Q::new(
            "SELECT data FROM persons WHERE tenant_id = $1 AND moving_out_on IS NOT NULL
               AND register = 'B' ORDER BY person_id",
        )
        .arg(&t);
        let rows = self.read(tenant, q).await?;
        self.persons_of(&t, &rows)
    }

    async fn removed_records(
        &self,
        tenant: LocalGovCode,
        archive: bool,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<Person>, StoreError> {
        let table = persons_table(archive);
        let q = Q::new(format!(
            "SELECT data FROM {table} WHERE tenant_id = $1 AND register = 'B' AND person_id > $2
              ORDER BY person_id LIMIT $3"
        ))
        .arg(key(tenant))
        .arg(after.map_or(0, |p| p.0))
        .arg(limit);
        let rows = self.read(tenant, q).await?;
        self.persons_of(&key(tenant), &rows)
    }

    async fn headless_households(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<Household>, StoreError> {
        let q = Q::new(
            "SELECT data FROM households WHERE tenant_id = $1 AND headless = $2
               ORDER BY household_id",
        )
        .arg(key(tenant))
        .arg(true);
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn add_job_run(
        &self,
        tenant: LocalGovCode,
        run: &kikan_store::jobs::JobRun,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO job_runs (tenant_id, run_id, job, started_at, data) VALUES ($1, $2, $3, $4, $5)",
        )
        .arg(key(tenant))
        .arg(run.id)
        .arg(run.job.as_str())
        .arg(run.started_at)
        .arg(json(run)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn job_runs(
        &self,
        tenant: LocalGovCode,
        job: &str,
        limit: u32,
    ) -> Result<Vec<kikan_store::jobs::JobRun>, StoreError> {
        let q = Q::new(
            "SELECT data FROM job_runs WHERE tenant_id = $1 AND job = $2
             ORDER BY started_at DESC, run_id DESC LIMIT $3",
        )
        .arg(key(tenant))
        .arg(job)
        .arg(limit);
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn job_run(
        &self,
        tenant: LocalGovCode,
        id: i64,
    ) -> Result<Option<kikan_store::jobs::JobRun>, StoreError> {
        let q = Q::new("SELECT data FROM job_runs WHERE tenant_id = $1 AND run_id = $2")
            .arg(key(tenant))
            .arg(id);
        let rows = self.read(tenant, q).await?;
        rows.first().map(|r| decode(r.text("data")?)).transpose()
    }

    async fn put_job_schedule(
        &self,
        tenant: LocalGovCode,
        s: &kikan_store::jobs::JobSchedule,
    ) -> Result<(), StoreError> {
        let q = Q::new(
            "INSERT INTO job_schedules (tenant_id, schedule_id, data) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, schedule_id) DO UPDATE SET data = excluded.data",
        )
        .arg(key(tenant))
        .arg(s.id)
        .arg(json(s)?);
        self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(())
    }

    async fn job_schedules(
        &self,
        tenant: LocalGovCode,
    ) -> Result<Vec<kikan_store::jobs::JobSchedule>, StoreError> {
        let q = Q::new("SELECT data FROM job_schedules WHERE tenant_id = $1 ORDER BY schedule_id")
            .arg(key(tenant));
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn claim_job_slot(
        &self,
        tenant: LocalGovCode,
        schedule: i64,
        slot: &str,
    ) -> Result<bool, StoreError> {
        let q = Q::new(
            "INSERT INTO job_slots (tenant_id, schedule_id, slot) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, schedule_id, slot) DO NOTHING",
        )
        .arg(key(tenant))
        .arg(schedule)
        .arg(slot);
        let done = self.write(tenant, vec![q], || StoreError::Conflict).await?;
        Ok(done.first().copied().unwrap_or(0) == 1)
    }

    async fn reserve_serials(
        &self,
        tenant: LocalGovCode,
        kind: kikan_store::SerialKind,
        n: i64,
    ) -> Result<i64, StoreError> {
        let slot = (key(tenant), kind.as_str());
        let poisoned = |_| StoreError::Database("serial blocks poisoned".into());
        {
            let mut blocks = self.serial_blocks.lock().map_err(poisoned)?;
            if let Some((next, last)) = blocks.get_mut(&slot)
                && *last - *next + 1 >= n
            {
                *next += n;
                return Ok(*next - 1);
            }
        }
        let want = n.max(SERIAL_BLOCK);
        let last = self.reserve_serial_block(tenant, kind, want).await?;
        let mut blocks = self.serial_blocks.lock().map_err(poisoned)?;
        // The first n of the new block now, the rest for the next ones.
        blocks.insert(slot, (last - want + 1 + n, last));
        Ok(last - want + n)
    }

    async fn reserve_certificate_serials(
        &self,
        tenant: LocalGovCode,
        n: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.engine.begin(Some(&key(tenant)), true).await?;
        let row = tx
            .row(
                Q::new(
                    "INSERT INTO certificate_serials (tenant_id, last_serial) VALUES ($1, $2)
                     ON CONFLICT (tenant_id) DO UPDATE SET last_serial = certificate_serials.last_serial + $2
                     RETURNING last_serial",
                )
                .arg(key(tenant))
                .arg(n.max(1)),
            )
            .await?
            .ok_or_else(|| StoreError::Database("no serial returned".into()))?;
        let serial = row.get("last_serial")?;
        self.engine.commit(tx).await?;
        Ok(serial)
    }

    async fn add_certificate(
        &self,
        tenant: LocalGovCode,
        c: &Certificate,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let data = certificates::seal(&self.sealer, &t, c)?;
        let mut statements = vec![
            Q::new(
                "INSERT INTO certificates (tenant_id, serial, code, issued_at, issued_on, kind, staff, data)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .arg(&t)
            .arg(c.serial)
            .arg(&c.code)
            .arg(c.issued_at)
            .arg(c.content.issued_on)
            .arg(c.content.kind.code())
            .arg(&c.staff)
            .arg(data),
        ];
        if !c.persons().is_empty() {
            // Multi-row VALUES carrying the tenant: on Citus it routes to one shard.
            statements.push(write::insert_values(
                "certificate_persons",
                &["tenant_id", "person_id", "serial"],
                &[],
                c.persons()
                    .iter()
                    .map(|p| vec![(&t).into(), p.0.into(), c.serial.into()]),
            ));
        }
        self.write(tenant, statements, || StoreError::Conflict)
            .await?;
        Ok(())
    }

    async fn certificate(
        &self,
        tenant: LocalGovCode,
        serial: i64,
    ) -> Result<Option<Certificate>, StoreError> {
        let q =
            Q::new("SELECT serial, data FROM certificates WHERE tenant_id = $1 AND serial = $2")
                .arg(key(tenant))
                .arg(serial);
        Ok(self.certificates_where(tenant, q).await?.pop())
    }

    async fn certificate_by_code(
        &self,
        tenant: LocalGovCode,
        code: &str,
    ) -> Result<Option<Certificate>, StoreError> {
        let q = Q::new("SELECT serial, data FROM certificates WHERE tenant_id = $1 AND code = $2")
            .arg(key(tenant))
            .arg(code);
        Ok(self.certificates_where(tenant, q).await?.pop())
    }

    async fn certificates(
        &self,
        tenant: LocalGovCode,
        f: &CertificateQuery,
    ) -> Result<Vec<Certificate>, StoreError> {
        let t = key(tenant);
        let mut q = Q::new("SELECT serial, data FROM certificates WHERE tenant_id = $1").arg(&t);
        let mut cond = String::new();
        if let Some(from) = f.from {
            cond.push_str(&format!(" AND issued_on >= {}", q.param(from)));
        }
        if let Some(to) = f.to {
            cond.push_str(&format!(" AND issued_on <= {}", q.param(to)));
        }
        if let Some(staff) = &f.staff {
            cond.push_str(&format!(" AND staff = {}", q.param(staff)));
        }
        if let Some(kind) = &f.kind {
            cond.push_str(&format!(" AND kind = {}", q.param(kind)));
        }
        if let Some(p) = f.person {
            cond.push_str(&format!(
                " AND serial IN (SELECT serial FROM certificate_persons WHERE tenant_id = $1 AND person_id = {})",
                q.param(p.0)
            ));
        }
        cond.push_str(&format!(
            " ORDER BY serial DESC LIMIT {}",
            q.param(f.bounded_limit())
        ));
        q.push(&cond);
        self.certificates_where(tenant, q).await
    }

    async fn add_certificate_reprint(
        &self,
        tenant: LocalGovCode,
        serial: i64,
        r: &Reprint,
    ) -> Result<(), StoreError> {
        let t = key(tenant);
        let data = certificates::reprint_json(r)?;
        let mut tx = self.engine.begin(Some(&t), true).await?;
        // The certificate's row, locked: re-prints of one certificate number in turn.
        tx.rows(
            Q::new(
                "SELECT serial FROM certificates WHERE tenant_id = $1 AND serial = $2 FOR SHARE",
            )
            .arg(&t)
            .arg(serial),
        )
        .await?;
        let next: i64 = tx
            .row(
                Q::new(
                    "SELECT COALESCE(MAX(n), 0) + 1 AS n FROM certificate_reprints
                     WHERE tenant_id = $1 AND serial = $2",
                )
                .arg(&t)
                .arg(serial),
            )
            .await?
            .map(|r| r.get("n"))
            .transpose()?
            .unwrap_or(1);
        tx.exec(
            Q::new("INSERT INTO certificate_reprints (tenant_id, serial, n, data) VALUES ($1, $2, $3, $4)")
                .arg(&t)
                .arg(serial)
                .arg(next)
                .arg(data),
        )
        .await
        .map_err(|e| e.or_unique(StoreError::Conflict))?;
        self.engine.commit(tx).await
    }

    async fn append_audit(
        &self,
        tenant: LocalGovCode,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let _queued = Writing::new(&self.writing);
        self.engine
            .write(Job {
                tenant: key(tenant),
                change: None,
                draft: None,
                audit: events.iter().map(AuditRow::of).collect(),
            })
            .await?;
        Ok(())
    }

    async fn audit_search(
        &self,
        tenant: LocalGovCode,
        a: &kikan_store::AuditQuery,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let t = key(tenant);
        let mut q = Q::new(format!("{AUDIT} WHERE tenant_id = $1 AND seq > $2"))
            .arg(&t)
            .arg(a.after_seq);
        if let Some(from) = a.from {
            let p = q.param(from);
            q.push(&format!(" AND at >= {p}"));
        }
        if let Some(to) = a.to {
            let p = q.param(to);
            q.push(&format!(" AND at < {p}"));
        }
        if let Some(actor) = &a.actor {
            let p = q.param(actor.as_str());
            q.push(&format!(" AND actor = {p}"));
        }
        if let Some(action) = &a.action {
            let p = q.param(action.as_str());
            q.push(&format!(" AND action = {p}"));
        }
        if let Some(person) = a.person {
            let p = q.param(person.0);
            q.push(&format!(
                " AND seq IN (SELECT seq FROM audit_persons WHERE tenant_id = $1 AND person_id = {p})"
            ));
        }
        let limit = q.param(i64::from(a.limit));
        q.push(&format!(" ORDER BY seq LIMIT {limit}"));
        self.read(tenant, q).await?.iter().map(audit_of).collect()
    }

    async fn audit_records(
        &self,
        tenant: LocalGovCode,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let t = key(tenant);
        let mut tx = self.engine.begin(Some(&t), false).await?;
        let q = Q::new(format!(
            "{AUDIT} WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .arg(&t)
        .arg(after_seq)
        .arg(limit);
        let mut records = tx
            .rows(q)
            .await?
            .iter()
            .map(audit_of)
            .collect::<Result<Vec<_>, _>>()?;
        if let (Some(first), Some(last)) = (records.first(), records.last()) {
            // The residents of each record, from the index table, in the same snapshot.
            let q = Q::new(
                "SELECT seq, person_id FROM audit_persons
                 WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq, person_id",
            )
            .arg(&t)
            .arg(first.seq)
            .arg(last.seq);
            let mut i = 0;
            for row in tx.rows(q).await? {
                let seq: i64 = row.get("seq")?;
                let person: i64 = row.get("person_id")?;
                while records.get(i).is_some_and(|r| r.seq < seq) {
                    i += 1;
                }
                if let Some(r) = records.get_mut(i).filter(|r| r.seq == seq) {
                    r.index.persons.push(person);
                }
            }
        }
        Ok(records)
    }

    async fn audit_head(&self, tenant: LocalGovCode) -> Result<Option<(i64, String)>, StoreError> {
        let q = Q::new("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1").arg(key(tenant));
        let row = self.read_one(tenant, q).await?;
        row.map(|r| Ok((r.get("seq")?, r.get("hash")?))).transpose()
    }

    async fn audit_for_person(
        &self,
        tenant: LocalGovCode,
        person: PersonId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let q = Q::new(
            "SELECT a.seq, a.at, a.actor, a.action, a.event, a.prev_hash, a.hash FROM audit_persons p
               JOIN audit a ON a.tenant_id = p.tenant_id AND a.seq = p.seq
             WHERE p.tenant_id = $1 AND p.person_id = $2 ORDER BY p.seq DESC LIMIT $3",
        )
        .arg(key(tenant))
        .arg(person.0)
        .arg(limit);
        self.read(tenant, q).await?.iter().map(audit_of).collect()
    }

    async fn audit_for_actor(
        &self,
        tenant: LocalGovCode,
        actor: &str,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let q = Q::new(format!(
            "{AUDIT} WHERE tenant_id = $1 AND actor = $2 ORDER BY seq DESC LIMIT $3"
        ))
        .arg(key(tenant))
        .arg(actor)
        .arg(limit);
        self.read(tenant, q).await?.iter().map(audit_of).collect()
    }

    async fn person_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<(PersonIndex, Person)>, StoreError> {
        let t = key(tenant);
        // The 除票用データベース's records with the others (9.3): the check covers both.
        const COLUMNS: &str = "person_id, version, register, household_id, kana_key, name_key,
            birth_date, address_line, juminhyo_code, data, moving_out_on, former_key, card_number,
            kana_fuzzy, given_kana, given_fuzzy, given_key, alias_key, alias_kana, sex,
            relationship, removal_reason, address_code";
        let q = Q::new(format!(
            "SELECT {COLUMNS} FROM persons WHERE tenant_id = $1 AND person_id > $2
             UNION ALL
             SELECT {COLUMNS} FROM archive_persons WHERE tenant_id = $1 AND person_id > $2
             ORDER BY person_id LIMIT $3"
        ))
        .arg(&t)
        .arg(after.map_or(0, |p| p.0))
        .arg(limit);
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| {
                let register: String = r.get("register")?;
                let ix = PersonIndex {
                    register: register.chars().next().unwrap_or('?'),
                    household_id: HouseholdId(r.get("household_id")?),
                    kana_key: r.get("kana_key")?,
                    name_key: r.get("name_key")?,
                    birth_date: r.get("birth_date")?,
                    address_line: r.get("address_line")?,
                    juminhyo_code: r.get("juminhyo_code")?,
                    version: r.get("version")?,
                    moving_out_on: r.get("moving_out_on")?,
                    former_key: r.get("former_key")?,
                    card_number: r.get("card_number")?,
                    kana_fuzzy: r.get::<Option<String>>("kana_fuzzy")?.unwrap_or_default(),
                    given_kana: r.get::<Option<String>>("given_kana")?.unwrap_or_default(),
                    given_fuzzy: r.get::<Option<String>>("given_fuzzy")?.unwrap_or_default(),
                    given_key: r.get::<Option<String>>("given_key")?.unwrap_or_default(),
                    alias_key: r.get("alias_key")?,
                    alias_kana: r.get("alias_kana")?,
                    sex: r.get::<Option<String>>("sex")?.unwrap_or_default(),
                    relationship: r.get::<Option<String>>("relationship")?.unwrap_or_default(),
                    removal_reason: r.get("removal_reason")?,
                    address_code: r.get("address_code")?,
                };
                Ok((ix, self.person(&t, r)?))
            })
            .collect()
    }

    async fn household_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<HouseholdId>,
        limit: u32,
    ) -> Result<Vec<Household>, StoreError> {
        let q = Q::new(
            "SELECT data FROM households WHERE tenant_id = $1 AND household_id > $2
             ORDER BY household_id LIMIT $3",
        )
        .arg(key(tenant))
        .arg(after.map_or(0, |h| h.0))
        .arg(limit);
        let rows = self.read(tenant, q).await?;
        rows.iter().map(|r| decode(r.text("data")?)).collect()
    }

    async fn version_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<(PersonId, i64)>,
        limit: u32,
    ) -> Result<Vec<(PersonId, PersonVersion)>, StoreError> {
        let t = key(tenant);
        let (p, s) = after.map_or((0, 0), |(p, s)| (p.0, s));
        let q = Q::new(
            "SELECT person_id, seq, valid_from, valid_to, data FROM person_versions
              WHERE tenant_id = $1 AND (person_id, seq) > ($2, $3)
             UNION ALL
             SELECT person_id, seq, valid_from, valid_to, data FROM archive_versions
              WHERE tenant_id = $1 AND (person_id, seq) > ($2, $3)
             ORDER BY person_id, seq LIMIT $4",
        )
        .arg(&t)
        .arg(p)
        .arg(s)
        .arg(limit);
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| Ok((PersonId(r.get("person_id")?), self.version(&t, r)?)))
            .collect()
    }

    async fn household_version_rows(
        &self,
        tenant: LocalGovCode,
        after: Option<(HouseholdId, i64)>,
        limit: u32,
    ) -> Result<Vec<HouseholdVersion>, StoreError> {
        let (h, s) = after.map_or((0, 0), |(h, s)| (h.0, s));
        let q = Q::new(
            "SELECT seq, valid_from, data FROM household_versions
             WHERE tenant_id = $1 AND (household_id, seq) > ($2, $3) ORDER BY household_id, seq LIMIT $4",
        )
        .arg(key(tenant))
        .arg(h)
        .arg(s)
        .arg(limit);
        let rows = self.read(tenant, q).await?;
        rows.iter()
            .map(|r| {
                Ok(HouseholdVersion {
                    seq: r.get("seq")?,
                    valid_from: r.get("valid_from")?,
                    household: decode(r.text("data")?)?,
                })
            })
            .collect()
    }
}

/// One text condition on `column` (a fixed name, never input): a prefix range, an
/// equality or a part (2.1.2: 前方・完全・部分一致).
/// One of the values matches (a single value needs no parentheses).
fn text_conds(q: &mut Q, column: &str, m: NameMatch, values: &[String]) -> String {
    match values {
        [] => "1 = 0".into(),
        [one] => text_cond(q, column, m, one),
        many => {
            let each: Vec<String> = many
                .iter()
                .map(|v| format!("({})", text_cond(q, column, m, v)))
                .collect();
            format!("({})", each.join(" OR "))
        }
    }
}

fn text_cond(q: &mut Q, column: &str, m: NameMatch, value: &str) -> String {
    match m {
        NameMatch::Prefix => {
            let (a, b) = (q.param(value), q.param(prefix_end(value)));
            format!("{column} >= {a} AND {column} < {b}")
        }
        NameMatch::Exact => format!("{column} = {}", q.param(value)),
        NameMatch::Partial => format!("strpos({column}, {}) > 0", q.param(value)),
    }
}
