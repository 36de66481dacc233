//! The write path, written once: a change (ledger entry, snapshots with their
//! compare-and-set, versions), the audit chain, and the bulk load.

use crate::{Q, Tx, Value};
use kikan_security::AuditEvent;
use kikan_security::audit::AuditIndex;
use kikan_store::bulk::{BulkRows, HouseholdRow, LedgerRow, PersonRow};
use kikan_store::drafts::DraftDecision;
use kikan_store::seal::{SealedBulk, Sealer};
use kikan_store::{PastKind, PersonIndex, StoreError};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound values, PostgreSQL 65,535).
pub const CHUNK: usize = 1000;

/// One change's rows, serialised and sealed by the caller's task.
pub struct ChangeRows {
    /// The entry, its `json` canonical (the text its seal covers).
    pub entry: LedgerRow,
    /// The entry as stored (its 個人番号 encrypted).
    pub entry_sealed: String,
    /// The keys that seal the entry once its number is known.
    pub sealer: Sealer,
    pub persons: Vec<PersonRow>,
    pub households: Vec<HouseholdRow>,
}

/// One audit event, serialised, with its index columns.
pub struct AuditRow {
    pub index: AuditIndex,
    pub json: String,
}

impl AuditRow {
    /// The row of an event, its texts cut to their bounds (`AuditEvent::bounded`).
    pub fn of(e: &AuditEvent) -> Self {
        let e = e.clone().bounded();
        AuditRow {
            index: AuditIndex::of(&e),
            json: e.canonical(),
        }
    }
}

/// Work to write: a change with its audit events, or audit events alone.
pub struct Job {
    pub tenant: String,
    pub change: Option<ChangeRows>,
    /// The draft the change commits, and its decision (`seq` is filled in here).
    pub draft: Option<(i64, DraftDecision)>,
    pub audit: Vec<AuditRow>,
}

/// Writes a group of jobs inside the caller's transaction, each in a savepoint of its
/// own: a job that fails (a stale version, a draft decided meanwhile) is undone alone
/// and the group goes on. Returns each job's outcome, or the error that broke the
/// transaction itself (the caller then rolls back and fails every job). Committing the
/// group is the caller's: one commit, one fsync, for every change in it.
pub async fn write_group<'a>(
    tx: &mut (impl Tx + ?Sized),
    jobs: impl IntoIterator<Item = &'a Job>,
) -> Result<Vec<Result<i64, StoreError>>, StoreError> {
    let mut outcomes = Vec::new();
    for job in jobs {
        tx.exec(Q::new("SAVEPOINT job")).await?;
        let outcome = write_job(tx, job).await;
        if outcome.is_err() {
            tx.exec(Q::new("ROLLBACK TO SAVEPOINT job")).await?;
        }
        tx.exec(Q::new("RELEASE SAVEPOINT job")).await?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Writes one job inside the caller's transaction; returns the entry's number.
pub async fn write_job(tx: &mut (impl Tx + ?Sized), job: &Job) -> Result<i64, StoreError> {
    let seq = match &job.change {
        Some(change) => write_change(tx, &job.tenant, change).await?,
        None => 0,
    };
    if let Some((id, d)) = &job.draft {
        let seq = if seq > 0 { Some(seq) } else { d.seq };
        let done = tx.exec(decide_draft(&job.tenant, *id, d, seq)).await?;
        if done != 1 {
            return Err(StoreError::Conflict);
        }
    }
    append_audit(tx, &job.tenant, &job.audit).await?;
    Ok(seq)
}

/// Decides a draft, with the ledger number it was committed as. Only a pending draft
/// is decided: a row another transaction decided first (PostgreSQL re-reads it after
/// waiting for its lock) is left alone, and the statement changes no row.
pub fn decide_draft(t: &str, id: i64, d: &DraftDecision, seq: Option<i64>) -> Q {
    Q::new(
        "UPDATE drafts SET status = $3, decided_by = $4, decided_at = $5, note = $6, seq = $7
         WHERE tenant_id = $1 AND draft_id = $2 AND status = 'pending'",
    )
    .arg(t)
    .arg(id)
    .arg(d.status)
    .arg(&d.by)
    .arg(d.at)
    .arg(&d.note)
    .arg(seq)
}

/// Takes the next `n` ledger numbers of the tenant and returns the last. The counter
/// row lives in `ledger_heads`, a table distributed by tenant like the ledger, so that
/// on Citus it is locked on the tenant's own shard, never cluster-wide.
pub async fn take_ledger_numbers(
    tx: &mut (impl Tx + ?Sized),
    t: &str,
    n: i64,
) -> Result<i64, StoreError> {
    let row = tx
        .row(
            Q::new(
                "INSERT INTO ledger_heads (tenant_id, seq) VALUES ($1, $2)
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = ledger_heads.seq + $2 RETURNING seq",
            )
            .arg(t)
            .arg(n),
        )
        .await?
        .ok_or_else(|| StoreError::Database("no ledger number returned".into()))?;
    row.get("seq")
}

/// The past-key kinds and the `persons` columns that hold their current value.
const PAST_COLUMNS: [(PastKind, &str); 6] = [
    (PastKind::Kana, "kana_key"),
    (PastKind::Fuzzy, "kana_fuzzy"),
    (PastKind::Name, "name_key"),
    (PastKind::Former, "former_key"),
    (PastKind::Alias, "alias_key"),
    (PastKind::Address, "address_line"),
];

/// Copies a person's stored keys that the new version does not keep into `person_past`
/// ($1 tenant, $2 person, then the new values in [`PAST_COLUMNS`] order).
static KEEP_PAST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let union: Vec<String> = PAST_COLUMNS
        .iter()
        .map(|(k, c)| {
            format!(
                "SELECT tenant_id, person_id, '{}' AS kind, {c} AS key FROM persons
                  WHERE tenant_id = $1 AND person_id = $2",
                k.code()
            )
        })
        .collect();
    let same: Vec<String> = PAST_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("(kind = '{}' AND key = COALESCE(${}, ''))", k.code(), i + 3))
        .collect();
    format!(
        "INSERT INTO person_past (tenant_id, kind, key, person_id)
         SELECT tenant_id, kind, key, person_id FROM ({}) AS old
          WHERE key IS NOT NULL AND key <> '' AND NOT ({})
         ON CONFLICT DO NOTHING",
        union.join(" UNION ALL "),
        same.join(" OR ")
    )
});

/// Keeps the search keys the stored version of a person has and `new` has not (its
/// past names, readings, 旧氏, 通称 and address: 2.1.3), before the row is overwritten.
async fn keep_past_keys(
    tx: &mut (impl Tx + ?Sized),
    t: &str,
    person: i64,
    new: &PersonIndex,
) -> Result<(), StoreError> {
    tx.exec(
        Q::new(KEEP_PAST.as_str())
            .arg(t)
            .arg(person)
            .arg(&new.kana_key)
            .arg(&new.kana_fuzzy)
            .arg(&new.name_key)
            .arg(&new.former_key)
            .arg(&new.alias_key)
            .arg(&new.address_line),
    )
    .await?;
    Ok(())
}

/// The columns `persons` and `archive_persons` share.
const PERSON_COLUMNS: &str =
    "tenant_id, person_id, version, register, household_id, kana_key, name_key,
    birth_date, address_line, juminhyo_code, data, number_index, moving_out_on, former_key,
    card_number, kana_fuzzy, given_kana, given_fuzzy, given_key, alias_key, alias_kana, sex,
    relationship, removal_reason, address_code";
/// The columns `person_versions` and `archive_versions` share.
const VERSION_COLUMNS: &str =
    "tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data";

/// Moves a person's rows between the 住民記録 database and the 除票用データベース (9.3):
/// the record and every version, from `persons`/`person_versions` to
/// `archive_persons`/`archive_versions` (`to_archive`) or back. The search keys of past
/// names and addresses (`person_past`) are not kept for an archived person. A person
/// not in the source tables is a conflict (another change moved it first).
pub async fn move_person(
    tx: &mut (impl Tx + ?Sized),
    t: &str,
    person: i64,
    to_archive: bool,
) -> Result<(), StoreError> {
    let (from, to, vfrom, vto) = if to_archive {
        (
            "persons",
            "archive_persons",
            "person_versions",
            "archive_versions",
        )
    } else {
        (
            "archive_persons",
            "persons",
            "archive_versions",
            "person_versions",
        )
    };
    let moved = tx
        .exec(
            Q::new(format!(
                "INSERT INTO {to} ({PERSON_COLUMNS}) SELECT {PERSON_COLUMNS} FROM {from}
                  WHERE tenant_id = $1 AND person_id = $2"
            ))
            .arg(t)
            .arg(person),
        )
        .await
        .map_err(|e| e.or_unique(StoreError::Conflict))?;
    if moved != 1 {
        return Err(StoreError::Conflict);
    }
    tx.exec(
        Q::new(format!(
            "INSERT INTO {vto} ({VERSION_COLUMNS}) SELECT {VERSION_COLUMNS} FROM {vfrom}
              WHERE tenant_id = $1 AND person_id = $2"
        ))
        .arg(t)
        .arg(person),
    )
    .await?;
    let gone: &[&str] = if to_archive {
        &["person_past", vfrom, from]
    } else {
        &[vfrom, from]
    };
    for table in gone {
        tx.exec(
            Q::new(format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND person_id = $2"
            ))
            .arg(t)
            .arg(person),
        )
        .await?;
    }
    Ok(())
}

async fn write_change(
    tx: &mut (impl Tx + ?Sized),
    t: &str,
    change: &ChangeRows,
) -> Result<i64, StoreError> {
    let e = &change.entry;
    let seq = take_ledger_numbers(tx, t, 1).await?;
    tx.exec(
        Q::new(
            "INSERT INTO ledger (tenant_id, seq, reason, effective_on, notified_on, recorded_at, operator, late, entry, mac)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)",
        )
        .arg(t)
        .arg(seq)
        .arg(e.reason)
        .arg(e.effective_on)
        .arg(e.notified_on)
        .arg(e.recorded_at)
        .arg(&e.operator)
        .arg(e.late)
        .arg(&change.entry_sealed)
        .arg(change.sealer.entry_mac(t, seq, &e.json)),
    )
    .await?;
    let archiving = e.reason == kikan_domain::ChangeReason::Archive.label();
    let returning = e.reason == kikan_domain::ChangeReason::ArchiveReturn.label();
    for p in &change.persons {
        let ix = &p.index;
        if returning {
            // Back in the 住民記録 database first, then changed as any record.
            move_person(tx, t, p.id, false).await?;
        } else if p.archived && !archiving {
            // Only a 除票用データベースへの移行 changes an archived record (the rules
            // refuse any other change of it).
            return Err(StoreError::Conflict);
        }
        if ix.version > 1 {
            keep_past_keys(tx, t, p.id, ix).await?;
        }
        let q = if ix.version == 1 && !(archiving || returning) {
            "INSERT INTO persons (tenant_id, person_id, version, register, household_id, kana_key, name_key,
                birth_date, address_line, juminhyo_code, data, number_index, moving_out_on, former_key,
                card_number, kana_fuzzy, given_kana, given_fuzzy, given_key, alias_key, alias_kana, sex,
                relationship, removal_reason, address_code)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16, $17, $18,
                $19, $20, $21, $22, $23, $24, $25)"
        } else {
            "UPDATE persons SET version = $3, register = $4, household_id = $5, kana_key = $6, name_key = $7,
                birth_date = $8, address_line = $9, juminhyo_code = $10, data = $11::jsonb, number_index = $12,
                moving_out_on = $13, former_key = $14, card_number = $15, kana_fuzzy = $16, given_kana = $17,
                given_fuzzy = $18, given_key = $19, alias_key = $20, alias_kana = $21, sex = $22,
                relationship = $23, removal_reason = $24, address_code = $25
             WHERE tenant_id = $1 AND person_id = $2 AND version = $3 - 1"
        };
        // A move to or from the 除票用データベース keeps the record's version.
        let q = if archiving || returning {
            std::borrow::Cow::Owned(q.replace("version = $3 - 1", "version = $3"))
        } else {
            std::borrow::Cow::Borrowed(q)
        };
        let done = tx
            .exec(
                Q::new(q)
                    .arg(t)
                    .arg(p.id)
                    .arg(ix.version)
                    .arg(ix.register)
                    .arg(ix.household_id.0)
                    .arg(&ix.kana_key)
                    .arg(&ix.name_key)
                    .arg(ix.birth_date)
                    .arg(&ix.address_line)
                    .arg(&ix.juminhyo_code)
                    .arg(&p.json)
                    .arg(&p.number_index)
                    .arg(ix.moving_out_on)
                    .arg(&ix.former_key)
                    .arg(&ix.card_number)
                    .arg(&ix.kana_fuzzy)
                    .arg(&ix.given_kana)
                    .arg(&ix.given_fuzzy)
                    .arg(&ix.given_key)
                    .arg(&ix.alias_key)
                    .arg(&ix.alias_kana)
                    .arg(&ix.sex)
                    .arg(&ix.relationship)
                    .arg(&ix.removal_reason)
                    .arg(&ix.address_code),
            )
            .await
            .map_err(|e| e.or_unique(StoreError::Conflict))?;
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        tx.exec(
            Q::new(
                "UPDATE person_versions SET valid_to = $1
                 WHERE tenant_id = $2 AND person_id = $3 AND (valid_to IS NULL OR valid_to > $1)",
            )
            .arg(e.effective_on)
            .arg(t)
            .arg(p.id),
        )
        .await?;
        tx.exec(
            Q::new(
                "INSERT INTO person_versions (tenant_id, person_id, seq, valid_from, valid_to, register, household_id, data)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
            )
            .arg(t)
            .arg(p.id)
            .arg(seq)
            .arg(e.effective_on)
            .arg(Value::Date(None))
            .arg(ix.register)
            .arg(ix.household_id.0)
            .arg(&p.json),
        )
        .await?;
        if archiving && p.archived {
            move_person(tx, t, p.id, true).await?;
        }
    }
    for h in &change.households {
        let q = if h.version == 1 {
            "INSERT INTO households (tenant_id, household_id, version, dissolved, data, headless)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6)"
        } else {
            "UPDATE households SET version = $3, dissolved = $4, data = $5::jsonb, headless = $6
             WHERE tenant_id = $1 AND household_id = $2 AND version = $3 - 1"
        };
        let done = tx
            .exec(
                Q::new(q)
                    .arg(t)
                    .arg(h.id)
                    .arg(h.version)
                    .arg(h.dissolved)
                    .arg(&h.json)
                    .arg(h.headless),
            )
            .await
            .map_err(|e| e.or_unique(StoreError::Conflict))?;
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        tx.exec(
            Q::new(
                "INSERT INTO household_versions (tenant_id, household_id, seq, valid_from, data)
                 VALUES ($1, $2, $3, $4, $5::jsonb)",
            )
            .arg(t)
            .arg(h.id)
            .arg(seq)
            .arg(e.effective_on)
            .arg(&h.json),
        )
        .await?;
    }
    Ok(seq)
}

/// Appends events to the tenant's audit chain. The head row is locked first
/// (`FOR UPDATE`; SQLite has one writer), so concurrent appends of one tenant queue
/// behind each other and the chain never forks.
pub async fn append_audit(
    tx: &mut (impl Tx + ?Sized),
    t: &str,
    rows: &[AuditRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    tx.exec(
        Q::new(
            "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, $2)
             ON CONFLICT (tenant_id) DO NOTHING",
        )
        .arg(t)
        .arg(kikan_security::audit::GENESIS),
    )
    .await?;
    let head = tx
        .row(Q::new("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1 FOR UPDATE").arg(t))
        .await?
        .ok_or_else(|| StoreError::Database("the audit head is missing".into()))?;
    let mut seq: i64 = head.get("seq")?;
    let mut prev: String = head.get("hash")?;
    for r in rows {
        seq += 1;
        let hash = kikan_security::audit::link(t, seq, &prev, &r.json);
        tx.exec(
            Q::new(
                "INSERT INTO audit (tenant_id, seq, at, actor, action, event, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .arg(t)
            .arg(seq)
            .arg(r.index.at)
            .arg(&r.index.actor)
            .arg(&r.index.action)
            .arg(&r.json)
            .arg(&prev)
            .arg(&hash),
        )
        .await
        .map_err(|e| {
            // A record already at the next number was put past the head behind the
            // application's back: refuse plainly (no unaudited work goes on).
            e.or_unique(StoreError::Corrupt(format!(
                "監査ログの記録 {seq} が先頭の後に既にあります。kikan audit verify で確認してください"
            )))
        })?;
        if !r.index.persons.is_empty() {
            // Multi-row VALUES carrying the tenant: on Citus it routes to one shard.
            tx.exec(insert_values(
                "audit_persons",
                &["tenant_id", "person_id", "seq"],
                &[],
                r.index
                    .persons
                    .iter()
                    .map(|p| vec![t.into(), (*p).into(), seq.into()]),
            ))
            .await?;
        }
        prev = hash;
    }
    tx.exec(
        Q::new("UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1")
            .arg(t)
            .arg(seq)
            .arg(&prev),
    )
    .await?;
    Ok(())
}

/// One multi-row INSERT: `cols` names the columns, `json` lists the positions
/// (0-based) holding JSON documents, each row gives its values in that order.
pub fn insert_values(
    table: &str,
    cols: &[&str],
    json: &[usize],
    rows: impl Iterator<Item = Vec<Value>>,
) -> Q {
    let mut q = Q::new(format!("INSERT INTO {table} ({}) VALUES ", cols.join(", ")));
    for (i, values) in rows.enumerate() {
        let mut row = String::from(if i > 0 { ", (" } else { "(" });
        for (c, v) in values.into_iter().enumerate() {
            if c > 0 {
                row.push_str(", ");
            }
            row.push_str(&q.param(v));
            if json.contains(&c) {
                row.push_str("::jsonb");
            }
        }
        row.push(')');
        q.push(&row);
    }
    q
}

/// Multi-row INSERTs of `rows`, `CHUNK` rows a statement (see [`insert_values`]).
async fn insert_chunks<R>(
    tx: &mut (impl Tx + ?Sized),
    table: &str,
    cols: &[&str],
    json: &[usize],
    rows: &[R],
    values: impl Fn(usize, &R) -> Vec<Value>,
    on_unique: fn() -> StoreError,
) -> Result<(), StoreError> {
    for (n, chunk) in rows.chunks(CHUNK).enumerate() {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| values(n * CHUNK + i, r));
        tx.exec(insert_values(table, cols, json, rows))
            .await
            .map_err(|e| e.or_unique(on_unique()))?;
    }
    Ok(())
}

/// Inserts a bulk load's finished rows, numbering its entries after the tenant's last.
/// Moves a reader's head (a table of `(tenant_id, seq)`) past a bulk load of the entries
/// after `base`, when it had read everything before it.
async fn skip_bulk(
    tx: &mut (impl Tx + ?Sized),
    heads: &str,
    t: &str,
    base: i64,
    to: i64,
) -> Result<(), StoreError> {
    let head: i64 = match tx
        .row(Q::new(format!("SELECT seq FROM {heads} WHERE tenant_id = $1")).arg(t))
        .await?
    {
        Some(r) => r.get("seq")?,
        None => 0,
    };
    if head >= base {
        tx.exec(
            Q::new(format!(
                "INSERT INTO {heads} (tenant_id, seq) VALUES ($1, $2)
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq"
            ))
            .arg(t)
            .arg(to),
        )
        .await?;
    }
    Ok(())
}

pub async fn bulk_insert(
    tx: &mut (impl Tx + ?Sized),
    t: &str,
    rows: &BulkRows,
    sealed: &SealedBulk,
    sealer: &Sealer,
) -> Result<(), StoreError> {
    let n = rows.ledger.len() as i64;
    let base = take_ledger_numbers(tx, t, n).await? - n;
    let seq = |i: usize| base + 1 + i as i64;
    // A bulk load (移行, a rehearsal's data) is history 出入国在留管理庁 and the CS have
    // had: no 市町村通知 (4.5.7) nor CS items (7.1.1.1) are made of it, when every entry
    // before it has been read.
    for heads in ["immigration_outbox_heads", "cs_outbox_heads"] {
        skip_bulk(tx, heads, t, base, base + n).await?;
    }
    let db = || StoreError::Database("a bulk row collides with a stored one".into());
    insert_chunks(
        tx,
        "ledger",
        &[
            "tenant_id",
            "seq",
            "reason",
            "effective_on",
            "notified_on",
            "recorded_at",
            "operator",
            "late",
            "entry",
            "mac",
        ],
        &[8],
        &rows.ledger,
        |i, r| {
            vec![
                t.into(),
                seq(i).into(),
                r.reason.into(),
                r.effective_on.into(),
                r.notified_on.into(),
                r.recorded_at.into(),
                (&r.operator).into(),
                r.late.into(),
                (&sealed.ledger[i]).into(),
                sealer.entry_mac(t, seq(i), &r.json).into(),
            ]
        },
        db,
    )
    .await?;
    insert_chunks(
        tx,
        "persons",
        &[
            "tenant_id",
            "person_id",
            "version",
            "register",
            "household_id",
            "kana_key",
            "name_key",
            "birth_date",
            "address_line",
            "juminhyo_code",
            "data",
            "number_index",
            "moving_out_on",
            "former_key",
            "card_number",
            "kana_fuzzy",
            "given_kana",
            "given_fuzzy",
            "given_key",
            "alias_key",
            "alias_kana",
            "sex",
            "relationship",
            "removal_reason",
            "address_code",
        ],
        &[10],
        &rows.persons,
        |i, r| {
            let (json, number) = &sealed.persons[i];
            vec![
                t.into(),
                r.id.into(),
                r.index.version.into(),
                r.index.register.into(),
                r.index.household_id.0.into(),
                (&r.index.kana_key).into(),
                (&r.index.name_key).into(),
                r.index.birth_date.into(),
                (&r.index.address_line).into(),
                (&r.index.juminhyo_code).into(),
                json.into(),
                number.into(),
                r.index.moving_out_on.into(),
                (&r.index.former_key).into(),
                (&r.index.card_number).into(),
                (&r.index.kana_fuzzy).into(),
                (&r.index.given_kana).into(),
                (&r.index.given_fuzzy).into(),
                (&r.index.given_key).into(),
                (&r.index.alias_key).into(),
                (&r.index.alias_kana).into(),
                (&r.index.sex).into(),
                (&r.index.relationship).into(),
                (&r.index.removal_reason).into(),
                (&r.index.address_code).into(),
            ]
        },
        || StoreError::Conflict,
    )
    .await?;
    let archived: std::collections::HashSet<i64> = rows
        .persons
        .iter()
        .filter(|r| r.archived)
        .map(|r| r.id)
        .collect();
    insert_chunks(
        tx,
        "person_past",
        &["tenant_id", "kind", "key", "person_id"],
        &[],
        &rows.past,
        |_, (id, kind, key)| vec![t.into(), kind.code().into(), key.into(), (*id).into()],
        db,
    )
    .await?;
    insert_chunks(
        tx,
        "person_versions",
        &[
            "tenant_id",
            "person_id",
            "seq",
            "valid_from",
            "valid_to",
            "register",
            "household_id",
            "data",
        ],
        &[7],
        &rows.person_versions,
        |i, r| {
            vec![
                t.into(),
                r.id.into(),
                seq(r.entry).into(),
                r.valid_from.into(),
                r.valid_to.into(),
                r.register.into(),
                r.household_id.into(),
                (&sealed.person_versions[i]).into(),
            ]
        },
        db,
    )
    .await?;
    insert_chunks(
        tx,
        "households",
        &[
            "tenant_id",
            "household_id",
            "version",
            "dissolved",
            "data",
            "headless",
        ],
        &[4],
        &rows.households,
        |_, r| {
            vec![
                t.into(),
                r.id.into(),
                r.version.into(),
                r.dissolved.into(),
                (&r.json).into(),
                r.headless.into(),
            ]
        },
        || StoreError::Conflict,
    )
    .await?;
    insert_chunks(
        tx,
        "household_versions",
        &["tenant_id", "household_id", "seq", "valid_from", "data"],
        &[4],
        &rows.household_versions,
        |_, r| {
            vec![
                t.into(),
                r.id.into(),
                seq(r.entry).into(),
                r.valid_from.into(),
                (&r.json).into(),
            ]
        },
        db,
    )
    .await?;
    // The 除票 the history moved to the 除票用データベース go there with their versions.
    for id in archived {
        move_person(tx, t, id, true).await?;
    }
    Ok(())
}
