//! 市町村通知・市町村伝達 (4.5.7, j970): the items are made from the ledger, in its
//! order, for the foreign residents each entry concerned (as the entry left them); they
//! are sent in batches as a file once due, their results read back, and sent again on
//! request. See [`kikan_domain::outbound`].

use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::outbound::{
    OutboundItem, OutboundState, SEND_HEADER, items_of, read_results, send_line,
};
use kikan_domain::{DomainError, LocalGovCode, Person, PersonId};
use kikan_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};

/// Entries read at a time.
const PAGE: u32 = 500;

/// Makes the items of every entry recorded since the last reading. Another reader
/// first is no error: its items stand.
pub async fn scan(store: &dyn Store, tenant: LocalGovCode) -> Result<(), StoreError> {
    loop {
        let head = store.outbox_head(tenant).await?;
        let entries = store.ledger(tenant, head, PAGE).await?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            return Ok(());
        };
        // Everyone each entry concerns: those it names, and the members of the
        // households it names (their 世帯主 or 続柄 changed).
        let household_ids: Vec<_> = entries
            .iter()
            .flat_map(kikan_domain::outbound::households_named)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let members: HashMap<_, _> = store
            .households(tenant, &household_ids)
            .await?
            .into_iter()
            .map(|h| (h.id, h.members))
            .collect();
        let concerned: Vec<Vec<PersonId>> = entries
            .iter()
            .map(|e| {
                let mut ids = e.change.persons_named();
                for h in kikan_domain::outbound::households_named(e) {
                    ids.extend(members.get(&h).into_iter().flatten().copied());
                }
                ids.sort();
                ids.dedup();
                ids
            })
            .collect();
        let all: Vec<PersonId> = concerned
            .iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Only a foreign resident, or one who was (帰化・国籍取得), can need an item; their
        // versions give the record as each entry left it.
        let mut versions = HashMap::new();
        for p in store.persons(tenant, &all).await? {
            if p.foreign.is_some() || p.nationality_changed_on.is_some() {
                versions.insert(p.id, store.person_versions(tenant, p.id).await?);
            }
        }
        let mut items = Vec::new();
        for (entry, ids) in entries.iter().zip(&concerned) {
            let after: Vec<&Person> = ids
                .iter()
                .filter_map(|id| {
                    versions
                        .get(id)?
                        .iter()
                        .rev()
                        .find(|v| {
                            if kikan_domain::outbound::ends_foreign_record(entry, *id) {
                                v.seq < entry.seq
                            } else {
                                v.seq <= entry.seq
                            }
                        })
                        .map(|v| &v.person)
                })
                .collect();
            items.extend(items_of(
                entry,
                &after,
                crate::clock::japan_day(entry.recorded_at),
            ));
        }
        match store.add_outbox(tenant, last, &items).await {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
}

/// The items, after a reading of the ledger; with `state` (pending, sent, accepted,
/// failed) only those in it.
pub async fn list(
    store: &dyn Store,
    tenant: LocalGovCode,
    state: Option<&str>,
) -> Result<Vec<OutboundItem>, StoreError> {
    scan(store, tenant).await?;
    store.outbox(tenant, state).await
}

/// A batch sent: its number (0 when nothing was due), the items and the file.
pub struct Sent {
    pub batch: i64,
    pub items: Vec<OutboundItem>,
    pub file: String,
}

/// Sends every item due by `today` that is not sent yet, in the ledger's order, as one
/// batch: the file (header [`SEND_HEADER`]) is what goes to the 連携端末.
pub async fn send(
    store: &dyn Store,
    tenant: LocalGovCode,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Sent, StoreError> {
    scan(store, tenant).await?;
    let due: Vec<OutboundItem> = store
        .outbox(tenant, Some("pending"))
        .await?
        .into_iter()
        .filter(|i| i.due_on <= today)
        .collect();
    let mut file = format!("{SEND_HEADER}\n");
    if due.is_empty() {
        return Ok(Sent {
            batch: 0,
            items: due,
            file,
        });
    }
    let batch = store.outbox_last_batch(tenant).await? + 1;
    let items: Vec<OutboundItem> = due
        .into_iter()
        .map(|i| OutboundItem {
            state: OutboundState::Sent { batch, at },
            ..i
        })
        .collect();
    let changes: Vec<(OutboundItem, &str)> = items.iter().map(|i| (i.clone(), "pending")).collect();
    store.update_outbox(tenant, &changes).await?;
    for i in &items {
        file.push_str(&send_line(i));
        file.push('\n');
    }
    Ok(Sent { batch, items, file })
}

/// Reads the 連携端末's results (header [`kikan_domain::outbound::RESULT_HEADER`]): each names a sent item, which
/// becomes 処理済み or エラー with its message. A bad line, or an item not awaiting a
/// result, refuses the whole file and nothing changes.
pub async fn results(
    store: &dyn Store,
    tenant: LocalGovCode,
    csv: &str,
    at: DateTime<Utc>,
) -> Result<Vec<OutboundItem>, StoreError> {
    let read = read_results(csv)?;
    let sent: HashMap<i64, OutboundItem> = store
        .outbox(tenant, Some("sent"))
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut out = Vec::with_capacity(read.len());
    for (id, error) in read {
        let item = sent
            .get(&id)
            .ok_or(DomainError::OutboundItemNotFound { id })?;
        let batch = item.state.batch().unwrap_or_default();
        out.push(OutboundItem {
            state: match error {
                None => OutboundState::Accepted { batch, at },
                Some(error) => OutboundState::Failed { batch, at, error },
            },
            ..item.clone()
        });
    }
    let changes: Vec<(OutboundItem, &str)> = out.iter().map(|i| (i.clone(), "sent")).collect();
    store.update_outbox(tenant, &changes).await?;
    Ok(out)
}

/// Puts a sent or refused item back to be sent again (再送信).
pub async fn resend(
    store: &dyn Store,
    tenant: LocalGovCode,
    id: i64,
) -> Result<OutboundItem, StoreError> {
    let item = store
        .outbox(tenant, None)
        .await?
        .into_iter()
        .find(|i| {
            i.id == id
                && matches!(
                    i.state,
                    OutboundState::Sent { .. } | OutboundState::Failed { .. }
                )
        })
        .ok_or(DomainError::OutboundItemNotFound { id })?;
    let was = item.state.name();
    let again = OutboundItem {
        state: OutboundState::Pending,
        ..item
    };
    store.update_outbox(tenant, &[(again.clone(), was)]).await?;
    Ok(again)
}
