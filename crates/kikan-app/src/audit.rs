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
