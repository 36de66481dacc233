//! 住所一括変更 (9.7, j1340): a 住居表示の実施, 町名変更, 地番変更 or 区画整理 applied to
//! every household (現住所, by 世帯番号) or person (本籍, by 宛名番号) a CSV lists with
//! its value before and after.
//!
//! - 仮処理 (`apply = false`) reads the file and lists each line's household or person
//!   and what would happen to it; nothing is written.
//! - 本処理 (`apply = true`) records, for each line still as the file says, one dated
//!   ledger entry: the household's address as a 軽微な修正 (規則11条3項2号), the 本籍
//!   as a 職権修正, each audited. A line whose data differ from its 変更前 (moved, changed
//!   since the extraction, or a 転出予定者 in the household) is left out and listed with
//!   why; a line already at its 変更後 is listed as done. So a run that stopped half-way
//!   is run again as it was, and nothing is applied twice.
//!
//! The file forms (docs/formats.md, "住所一括変更"): UTF-8 CSV with a header row,
//! - 現住所: `世帯番号,変更前住所,変更前番地,変更後住所,変更後番地` and, optionally,
//!   `変更後住所コード`, `変更後郵便番号`;
//! - 本籍: `宛名番号,変更前本籍,変更後本籍`.

use crate::Actor;
use crate::record::{change_event, record_audited};
use chrono::{DateTime, NaiveDate, Utc};
use kikan_domain::letters::Letter;
use kikan_domain::{
    Address, Change, Correction, CorrectionKind, DomainError, Household, HouseholdId, LedgerEntry,
    Person, PersonId, PersonStatus, PostalCode,
};
use kikan_store::{Store, StoreError};

/// What a batch changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BatchKind {
    /// 現住所, by 世帯番号.
    Address,
    /// 本籍, by 宛名番号.
    Honseki,
}

/// Why the addresses change: the standard's cases of 9.7.
pub const REASONS: [&str; 4] = ["住居表示の実施", "町名変更", "地番変更", "区画整理"];

/// One line of the file and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchItem {
    pub line: usize,
    pub household_id: Option<i64>,
    pub person_ids: Vec<i64>,
    /// The names of those it concerns (the household's members on the register).
    pub names: Vec<String>,
    pub before: String,
    pub after: String,
    /// 対象 (to change), 変更済み (changed: by this run or an earlier one) or 除外.
    pub status: String,
    /// Why it was left out.
    pub reason: Option<String>,
    /// The ledger entry this run recorded.
    pub seq: Option<i64>,
}

/// A batch's result: the 処理結果確認一覧.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchResult {
    pub kind: BatchKind,
    pub reason: String,
    pub effective_on: NaiveDate,
    /// 本処理 (true) or 仮処理 (false).
    pub applied: bool,
    pub items: Vec<BatchItem>,
    /// Lines changed by this run.
    pub changed: usize,
    /// Lines left out.
    pub excluded: usize,
}

const TARGET: &str = "対象";
const DONE: &str = "変更済み";
const EXCLUDED: &str = "除外";

struct Line {
    line: usize,
    id: i64,
    before: (String, String),
    after: (String, String),
    code: Option<String>,
    postal: Option<String>,
}

fn file_error(line: usize, reason: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::AddressImportLine {
        file: "住所一括変更ファイル".into(),
        line,
        reason: reason.into(),
    })
}

fn read(kind: BatchKind, csv: &str) -> Result<Vec<Line>, StoreError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| file_error(1, format!("見出し行が読めません({e})")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need: &[&str] = match kind {
        BatchKind::Address => &[
            "世帯番号",
            "変更前住所",
            "変更前番地",
            "変更後住所",
            "変更後番地",
        ],
        BatchKind::Honseki => &["宛名番号", "変更前本籍", "変更後本籍"],
    };
    let mut idx = Vec::new();
    for n in need {
        idx.push(col(n).ok_or_else(|| file_error(1, format!("列「{n}」がありません")))?);
    }
    let (code_col, postal_col) = (col("変更後住所コード"), col("変更後郵便番号"));
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| file_error(line, format!("CSV として読めません({e})")))?;
        let get = |c: usize| rec.get(c).map(str::trim).unwrap_or("").to_string();
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let id: i64 = get(idx[0]).parse().map_err(|_| {
            file_error(
                line,
                format!("{}「{}」は数字ではありません", need[0], get(idx[0])),
            )
        })?;
        let (before, after) = match kind {
            BatchKind::Address => ((get(idx[1]), get(idx[2])), (get(idx[3]), get(idx[4]))),
            BatchKind::Honseki => ((get(idx[1]), String::new()), (get(idx[2]), String::new())),
        };
        if before.0.is_empty() || after.0.is_empty() {
            return Err(file_error(line, "変更前と変更後を入力してください"));
        }
        let opt = |c: Option<usize>| c.map(get).filter(|s| !s.is_empty());
        out.push(Line {
            line,
            id,
            before,
            after,
            code: opt(code_col),
            postal: opt(postal_col),
        });
    }
    Ok(out)
}

fn excluded(mut item: BatchItem, why: &str) -> BatchItem {
    item.status = EXCLUDED.into();
    item.reason = Some(why.into());
    item
}

/// Runs a batch: 仮処理 with `apply` false, 本処理 with it true (see the module).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    store: &dyn Store,
    actor: &Actor,
    kind: BatchKind,
    reason: &str,
    csv: &str,
    effective_on: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
    apply: bool,
) -> Result<BatchResult, StoreError> {
    if !REASONS.contains(&reason) {
        return Err(StoreError::Domain(DomainError::Invalid {
            field: "reason",
            reason: format!("事由は {} のいずれかです", REASONS.join("・")),
        }));
    }
    if effective_on > today {
        return Err(StoreError::Domain(DomainError::FutureDate {
            what: "実施日",
            date: effective_on.to_string(),
        }));
    }
    let lines = read(kind, csv)?;
    let mut result = BatchResult {
        kind,
        reason: reason.into(),
        effective_on,
        applied: apply,
        items: Vec::with_capacity(lines.len()),
        changed: 0,
        excluded: 0,
    };
    let r = Run {
        store,
        actor,
        reason,
        effective_on,
        today,
        now,
        apply,
    };
    for l in lines {
        let item = match kind {
            BatchKind::Address => household_line(&r, &l).await?,
            BatchKind::Honseki => person_line(&r, &l).await?,
        };
        if item.status == EXCLUDED {
            result.excluded += 1;
        } else if item.seq.is_some() {
            result.changed += 1;
        }
        result.items.push(item);
    }
    Ok(result)
}

/// What every line of a run shares.
struct Run<'a> {
    store: &'a dyn Store,
    actor: &'a Actor,
    reason: &'a str,
    effective_on: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
    apply: bool,
}

fn names(members: &[&Person]) -> Vec<String> {
    members.iter().map(|m| m.name.full()).collect()
}

async fn household_line(r: &Run<'_>, l: &Line) -> Result<BatchItem, StoreError> {
    let (store, tenant) = (r.store, r.actor.tenant);
    let mut item = BatchItem {
        line: l.line,
        household_id: Some(l.id),
        person_ids: vec![],
        names: vec![],
        before: format!("{}{}", l.before.0, l.before.1),
        after: format!("{}{}", l.after.0, l.after.1),
        status: TARGET.into(),
        reason: None,
        seq: None,
    };
    let Some(h) = store
        .households(tenant, &[HouseholdId(l.id)])
        .await?
        .pop()
        .filter(|h| h.dissolved_on.is_none())
    else {
        return Ok(excluded(item, "世帯番号の世帯が住民記録にありません"));
    };
    let persons = store.persons(tenant, &h.members).await?;
    let members: Vec<&Person> = persons.iter().filter(|p| !p.is_removed()).collect();
    item.person_ids = members.iter().map(|m| m.id.0).collect();
    item.names = names(&members);
    let now_at = (&h.address.place, &h.address.banchi);
    if (now_at.0, now_at.1) == (&l.after.0, &l.after.1) {
        item.status = DONE.into();
        return Ok(item);
    }
    if (now_at.0, now_at.1) != (&l.before.0, &l.before.1) {
        return Ok(excluded(item, "現在の住所が変更前の住所と一致しません"));
    }
    if members
        .iter()
        .any(|m| matches!(m.status, PersonStatus::MovingOut { .. }))
    {
        return Ok(excluded(item, "転出予定者がいる世帯です"));
    }
    let Some(first) = h.head.or_else(|| members.first().map(|m| m.id)) else {
        return Ok(excluded(item, "住民記録に載っている世帯員がいません"));
    };
    let postal_code = match &l.postal {
        Some(p) => Some(PostalCode::parse(p).map_err(StoreError::Domain)?),
        None => h.address.postal_code.clone(),
    };
    let new = Address {
        postal_code,
        place: l.after.0.clone(),
        banchi: l.after.1.clone(),
        katagaki: h.address.katagaki.clone(),
        code: None,
    }
    .coded(l.code.as_deref())
    .map_err(StoreError::Domain)?;
    if !r.apply {
        return Ok(item);
    }
    let change = Change::Correction {
        person: first,
        correction: Correction::Address {
            old: h.address.clone(),
            new,
        },
        kind: CorrectionKind::Minor,
    };
    record_line(r, item, change, &h).await
}

async fn record_line(
    r: &Run<'_>,
    mut item: BatchItem,
    change: Change,
    h: &Household,
) -> Result<BatchItem, StoreError> {
    let entry = LedgerEntry::at_intake(
        change,
        r.effective_on,
        r.today,
        r.now,
        r.actor.name.clone(),
        None,
        r.today,
    )?;
    let event = change_event(
        r.actor,
        &entry,
        Some(format!("住所一括変更({}) 行{}", r.reason, item.line)),
    );
    let expect = [(h.id, h.version)];
    match record_audited(r.store, r.actor.tenant, entry, &expect, Some(event), None).await {
        Ok(recorded) => {
            item.status = DONE.into();
            item.seq = Some(recorded.entry.seq);
            Ok(item)
        }
        // What the rules refuse for this line (a 抑止, a lock, a change since the
        // extraction) leaves it out; the others go on.
        Err(StoreError::Domain(e)) => Ok(excluded(item, &format!("{e}({})", e.code()))),
        Err(StoreError::Conflict) => Ok(excluded(item, "抽出後に世帯が変更されました")),
        Err(e) => Err(e),
    }
}

async fn person_line(r: &Run<'_>, l: &Line) -> Result<BatchItem, StoreError> {
    let (store, tenant) = (r.store, r.actor.tenant);
    let mut item = BatchItem {
        line: l.line,
        household_id: None,
        person_ids: vec![l.id],
        names: vec![],
        before: l.before.0.clone(),
        after: l.after.0.clone(),
        status: TARGET.into(),
        reason: None,
        seq: None,
    };
    let Some(p) = store
        .persons(tenant, &[PersonId(l.id)])
        .await?
        .pop()
        .filter(|p| !p.is_removed())
    else {
        return Ok(excluded(item, "宛名番号の住民が住民記録にありません"));
    };
    item.household_id = Some(p.household_id.0);
    item.names = vec![p.name.full()];
    let Some(honseki) = p.honseki.clone() else {
        return Ok(excluded(item, "本籍の記載がありません"));
    };
    if honseki.domicile == l.after.0 {
        item.status = DONE.into();
        return Ok(item);
    }
    if honseki.domicile != l.before.0 {
        return Ok(excluded(item, "現在の本籍が変更前の本籍と一致しません"));
    }
    if matches!(p.status, PersonStatus::MovingOut { .. }) {
        return Ok(excluded(item, "転出予定者です"));
    }
    if !r.apply {
        return Ok(item);
    }
    let mut new = honseki.clone();
    new.domicile = l.after.0.clone();
    let h = store
        .households(tenant, &[p.household_id])
        .await?
        .pop()
        .ok_or_else(|| {
            StoreError::Domain(DomainError::HouseholdNotFound(p.household_id.to_string()))
        })?;
    let change = Change::Correction {
        person: p.id,
        correction: Correction::Honseki {
            old: Some(honseki),
            new: Some(new),
        },
        kind: CorrectionKind::ExOfficio,
    };
    record_line(r, item, change, &h).await
}

/// The notices to the households of a batch (9.7: 事前又は事後の通知), one letter each,
/// addressed to the 世帯主 (or the member listed first): `before` for the notice ahead of
/// the change, otherwise the one after it. Lines left out get none.
pub async fn notices(
    store: &dyn Store,
    tenant: kikan_domain::LocalGovCode,
    result: &BatchResult,
    before: bool,
    today: NaiveDate,
) -> Result<Vec<Letter>, StoreError> {
    let from = crate::letters::sender(store, tenant).await?;
    let mut out = Vec::new();
    for item in result.items.iter().filter(|i| i.status != EXCLUDED) {
        let Some(hid) = item.household_id else {
            continue;
        };
        let Some(h) = store.households(tenant, &[HouseholdId(hid)]).await?.pop() else {
            continue;
        };
        let members = store.persons(tenant, &h.members).await?;
        let ids: Vec<PersonId> = item.person_ids.iter().map(|i| PersonId(*i)).collect();
        out.push(kikan_domain::letters::address_change_notice(
            &from,
            &h,
            &members,
            &ids,
            result.kind == BatchKind::Honseki,
            (&item.before, &item.after),
            &result.reason,
            result.effective_on,
            before,
            today,
        )?);
    }
    Ok(out)
}
