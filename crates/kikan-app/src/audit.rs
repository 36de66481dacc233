//! Verification of a tenant's audit chain as stored, a page at a time.

use kikan_domain::LocalGovCode;
use kikan_security::audit::{ChainBreak, Verifier};
use kikan_store::{Store, StoreError};

/// Walks the tenant's chain up to the head the store recorded. `Ok(Ok(n))`: n
/// records verified; `Ok(Err(b))`: the first bad record; `Err`: the store failed.
pub async fn verify(
    store: &dyn Store,
    tenant: LocalGovCode,
) -> Result<Result<i64, ChainBreak>, StoreError> {
    // The head first: records appended while we walk are newer than it.
    let head = store.audit_head(tenant).await?;
    let limit_seq = head.as_ref().map_or(i64::MAX, |(s, _)| *s);
    let mut verifier = Verifier::new(&tenant.to_string());
    let mut after = 0;
    let mut seen = 0;
    'pages: loop {
        let page = store.audit_records(tenant, after, 5000).await?;
        let Some(last) = page.last().map(|r| r.seq) else {
            break;
        };
        for r in &page {
            if r.seq > limit_seq {
                break 'pages;
            }
            if let Err(b) = verifier.next(r) {
                return Ok(Err(b));
            }
            seen = r.seq;
        }
        after = last;
    }
    if let Some((head_seq, _)) = &head {
        // A record past the head: appends write record and head in one transaction, so
        // a record newer than the head read after it was put there behind kikan's back.
        if let Some(next) = store.audit_records(tenant, *head_seq, 1).await?.first() {
            let now = store.audit_head(tenant).await?.map_or(0, |(s, _)| s);
            if next.seq > now {
                return Ok(Err(ChainBreak::PastHead {
                    seq: next.seq,
                    head_seq: now,
                }));
            }
        }
    }
    match &head {
        Some((s, h)) => Ok(verifier.finish(Some((*s, h.as_str())))),
        // Records without a head: the head row was removed.
        None if seen > 0 => Ok(Err(ChainBreak::Truncated {
            head_seq: 0,
            last_seq: seen,
        })),
        None => Ok(Ok(0)),
    }
}

/// 10.2 (j1370): what the access log is searched by. The store narrows by its index
/// columns; the outcome and the hours are read from each record's (chained) event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub query: kikan_store::AuditQuery,
    /// Only refused (`Denied`) or only allowed records.
    pub outcome: Option<kikan_security::Outcome>,
    /// Only records made outside office hours (深夜・休業日; see [`after_hours`]).
    pub after_hours: bool,
    /// Only records of work that touched a 個人番号 (個人番号へのアクセス有無).
    pub my_number: bool,
}

/// A bound of a period given as a day in Japan: the day's start, or with `end` the
/// next day's start (so that the day itself is included).
pub fn day_bound(day: chrono::NaiveDate, end: bool) -> chrono::DateTime<chrono::Utc> {
    let day = if end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(start, chrono::Utc)
        - chrono::Duration::hours(9)
}

/// Whether an instant is outside office hours in Japan: before 8:30 or from 17:15 on
/// a working day; any time on a Saturday, a Sunday, a 国民の祝日 or other holiday
/// ([`kikan_domain::holidays`]), or from 12/29 to 1/3 (年末年始).
pub fn after_hours(at: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::{Datelike, Timelike, Weekday};
    let jst = at + chrono::Duration::hours(9);
    let (month, day) = (jst.month(), jst.day());
    let year_end = (month == 12 && day >= 29) || (month == 1 && day <= 3);
    let weekend = matches!(jst.weekday(), Weekday::Sat | Weekday::Sun);
    let holiday = kikan_domain::holidays::holiday(jst.date_naive()).is_some();
    let minutes = jst.hour() * 60 + jst.minute();
    year_end || weekend || holiday || !(8 * 60 + 30..17 * 60 + 15).contains(&minutes)
}

/// Records matching `f`, oldest first, at most `limit`, reading at most `max_scan`
/// records of the store's narrowing; with the last record read, to continue after.
pub async fn search(
    store: &dyn Store,
    tenant: LocalGovCode,
    f: &Filter,
    limit: usize,
    max_scan: usize,
) -> Result<
    (
        Vec<(kikan_security::AuditRecord, kikan_security::AuditEvent)>,
        i64,
    ),
    StoreError,
> {
    let mut q = f.query.clone();
    q.limit = 1000;
    let mut out = Vec::new();
    let mut scanned = 0;
    loop {
        let page = store.audit_search(tenant, &q).await?;
        let Some(last) = page.last().map(|r| r.seq) else {
            break;
        };
        for r in page {
            scanned += 1;
            q.after_seq = r.seq;
            let Some(e) = r.event() else {
                return Err(StoreError::Corrupt(format!(
                    "監査記録 {} を読めません",
                    r.seq
                )));
            };
            let wanted = f.outcome.is_none_or(|o| o == e.outcome)
                && (!f.after_hours || after_hours(e.at))
                && (!f.my_number || e.my_number);
            if wanted {
                out.push((r, e));
                if out.len() >= limit {
                    return Ok((out, q.after_seq));
                }
            }
            if scanned >= max_scan {
                return Ok((out, q.after_seq));
            }
        }
        q.after_seq = last;
    }
    Ok((out, q.after_seq))
}

/// 10.2's analyses per staff member or system over a period: sign-ins and failed ones,
/// reads, searches and the residents they returned, extractions, refusals, and what
/// was done outside office hours.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorSummary {
    pub actor: String,
    pub logins: u64,
    pub failed_logins: u64,
    pub reads: u64,
    pub searches: u64,
    /// Residents the searches returned, in all.
    pub search_hits: u64,
    /// The most residents one search returned (大量検索).
    pub largest_search: u64,
    pub exports: u64,
    pub denied: u64,
    /// Records outside office hours (深夜・休業日).
    pub after_hours: u64,
    /// Records of work that touched a 個人番号.
    pub my_number: u64,
}

/// [`ActorSummary`] of every actor with a record in `[from, to)`, by actor.
pub async fn summary(
    store: &dyn Store,
    tenant: LocalGovCode,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<ActorSummary>, StoreError> {
    use kikan_security::Outcome;
    let mut by: std::collections::BTreeMap<String, ActorSummary> = Default::default();
    let mut q = kikan_store::AuditQuery {
        from,
        to,
        limit: 5000,
        ..Default::default()
    };
    loop {
        let page = store.audit_search(tenant, &q).await?;
        let Some(last) = page.last().map(|r| r.seq) else {
            break;
        };
        for r in page {
            let Some(e) = r.event() else {
                return Err(StoreError::Corrupt(format!(
                    "監査記録 {} を読めません",
                    r.seq
                )));
            };
            let s = by.entry(e.actor.clone()).or_insert_with(|| ActorSummary {
                actor: e.actor.clone(),
                ..Default::default()
            });
            let denied = e.outcome == Outcome::Denied;
            match e.action.as_str() {
                "login" if denied => s.failed_logins += 1,
                "login" => s.logins += 1,
                "resident.search" => {
                    s.searches += 1;
                    let hits = e.persons.len() as u64;
                    s.search_hits += hits;
                    s.largest_search = s.largest_search.max(hits);
                }
                a if a.starts_with("export.") => s.exports += 1,
                a if a.ends_with(".read") || a.ends_with(".history") => s.reads += 1,
                _ => {}
            }
            if denied {
                s.denied += 1;
            }
            if after_hours(e.at) {
                s.after_hours += 1;
            }
            if e.my_number {
                s.my_number += 1;
            }
        }
        q.after_seq = last;
    }
    Ok(by.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::after_hours;

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    }

    #[test]
    fn office_hours_are_japans() {
        // Tuesday 2026-12-01, JST.
        assert!(!after_hours(at("2026-12-01T08:30:00+09:00")));
        assert!(!after_hours(at("2026-12-01T17:14:59+09:00")));
        assert!(after_hours(at("2026-12-01T08:29:59+09:00")));
        assert!(after_hours(at("2026-12-01T17:15:00+09:00")));
        // 01:00 UTC is 10:00 in Japan: office hours.
        assert!(!after_hours(at("2026-12-01T01:00:00Z")));
        // Saturday, and the year's end.
        assert!(after_hours(at("2026-12-05T10:00:00+09:00")));
        assert!(after_hours(at("2026-12-29T10:00:00+09:00")));
        assert!(after_hours(at("2027-01-04T08:00:00+09:00")));
        assert!(!after_hours(at("2027-01-04T09:00:00+09:00")));
        // 国民の祝日, 振替休日 and 国民の休日 at noon.
        assert!(after_hours(at("2026-11-23T12:00:00+09:00")));
        assert!(after_hours(at("2026-05-06T12:00:00+09:00")));
        assert!(after_hours(at("2026-09-22T12:00:00+09:00")));
        assert!(!after_hours(at("2026-09-24T12:00:00+09:00")));
    }
}
