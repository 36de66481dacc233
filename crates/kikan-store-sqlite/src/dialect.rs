//! SQLite's side of the dialect seam: the core's statements translated, its values
//! bound and read back.

use async_trait::async_trait;
use kikan_store_sql::{DbError, Q, Row, Tx, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The core's PostgreSQL text in SQLite's words: `$n` becomes `?n` (a numbered
/// parameter, so a reused or reordered one binds right), `::jsonb` casts go (the
/// column is text), row locks go (SQLite has one writer), `strpos` is `instr`.
///
/// It runs on every statement (the writer thread's included), so it is one pass with
/// one allocation, and none for a statement with nothing to translate.
pub fn translate(sql: &str) -> Cow<'_, str> {
    const DROP: [&str; 3] = ["::jsonb", " FOR UPDATE", " FOR SHARE"];
    if !sql.contains('$') && !sql.contains(" FOR ") && !sql.contains("strpos(") {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if let Some(d) = DROP.iter().find(|d| rest.starts_with(**d)) {
            rest = &rest[d.len()..];
        } else if let Some(after) = rest.strip_prefix("strpos(") {
            out.push_str("instr(");
            rest = after;
        } else {
            rest = &rest[c.len_utf8()..];
            let numbered = c == '$' && rest.starts_with(|d: char| d.is_ascii_digit());
            out.push(if numbered { '?' } else { c });
        }
    }
    Cow::Owned(out)
}

fn db(e: rusqlite::Error) -> DbError {
    let unique = matches!(&e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE);
    DbError {
        unique,
        message: e.to_string(),
    }
}

/// A value as SQLite stores it: dates as `YYYY-MM-DD`, times as RFC 3339 text,
/// booleans as 0 and 1.
fn sqlite_value(v: &Value) -> ToSqlOutput<'_> {
    use rusqlite::types::Value as V;
    ToSqlOutput::Owned(match v {
        Value::Int(Some(n)) => V::Integer(*n),
        Value::Bool(b) => V::Integer(i64::from(*b)),
        Value::Text(Some(s)) => return ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Date(Some(d)) => V::Text(d.format("%F").to_string()),
        Value::Time(Some(t)) => V::Text(t.to_rfc3339()),
        _ => V::Null,
    })
}

fn prepare<'c>(
    c: &'c rusqlite::Connection,
    q: &Q,
) -> Result<rusqlite::CachedStatement<'c>, DbError> {
    let mut st = c.prepare_cached(&translate(&q.sql)).map_err(db)?;
    for (i, v) in q.args.iter().enumerate() {
        st.raw_bind_parameter(i + 1, sqlite_value(v)).map_err(db)?;
    }
    Ok(st)
}

pub fn exec(c: &rusqlite::Connection, q: &Q) -> Result<u64, DbError> {
    if q.args.is_empty() && !q.sql.contains('$') {
        // BEGIN, COMMIT: no statement to cache.
        c.execute_batch(&q.sql).map_err(db)?;
        return Ok(0);
    }
    let mut st = prepare(c, q)?;
    Ok(st.raw_execute().map_err(db)? as u64)
}

pub fn rows(c: &rusqlite::Connection, q: &Q) -> Result<Vec<Row>, DbError> {
    let mut st = prepare(c, q)?;
    let cols: Arc<[String]> = st.column_names().iter().map(|s| s.to_string()).collect();
    let n = cols.len();
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db)? {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            vals.push(match r.get_ref(i).map_err(db)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::Int(Some(n)),
                ValueRef::Real(f) => Value::Text(Some(f.to_string())),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Value::Text(Some(String::from_utf8_lossy(t).into_owned()))
                }
            });
        }
        out.push(Row::new(cols.clone(), vals));
    }
    Ok(out)
}

/// The writer thread's connection, used in place (no hand-off).
pub struct Direct<'c>(pub &'c mut rusqlite::Connection);

#[async_trait]
impl Tx for Direct<'_> {
    async fn exec(&mut self, q: Q) -> Result<u64, DbError> {
        exec(self.0, &q)
    }
    async fn rows(&mut self, q: Q) -> Result<Vec<Row>, DbError> {
        rows(self.0, &q)
    }
}

/// Runs a future that never waits (the core's write path over [`Direct`]) to its end.
pub fn now<T>(
    f: impl Future<Output = Result<T, kikan_store::StoreError>>,
) -> Result<T, kikan_store::StoreError> {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(kikan_store::StoreError::Database(
            "a direct SQLite write waited".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn the_core_dialect_in_sqlite_words() {
        assert_eq!(
            translate("UPDATE t SET data = $11::jsonb WHERE a = $1 AND b = $1 - 1"),
            "UPDATE t SET data = ?11 WHERE a = ?1 AND b = ?1 - 1"
        );
        assert_eq!(
            translate("SELECT 氏名 FROM t WHERE strpos(a, $2) > 0 AND k = $3 FOR UPDATE"),
            "SELECT 氏名 FROM t WHERE instr(a, ?2) > 0 AND k = ?3"
        );
        assert_eq!(translate("SELECT x FROM t FOR SHARE"), "SELECT x FROM t");
        assert_eq!(translate("COMMIT"), "COMMIT");
    }
}
