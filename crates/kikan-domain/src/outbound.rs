//! 入管法の住居地届出 (4.5.7, j970): what the municipality sends 出入国在留管理庁.
//!
//! - 市町村通知 (入管法61条の8の2): every 記載, 消除 or 記載の修正 of a foreign resident's
//!   住民票 is notified.
//! - 市町村伝達 (入管法19条の7–19条の9, 特例法10条): a 住居地の届出 a 中長期在留者 or
//!   特別永住者 made at the counter — with a 転入 (when the record says so) or a 転居, which
//!   is the 住居地変更届出 — is passed on.
//!
//! Each item is classed as the standard asks: 住基法・入管法 (a 届出 under both laws),
//! 入管法 (under the 入管法 alone) or 住基法 (the 住民票 alone). Items are derived from
//! the ledger in its order, so the 異動's time order holds; a 転出予定 is notified on its
//! planned date, not before. Sent items are kept with their batch; the 連携端末's results
//! (accepted, or an error) are read back, and an item sent or refused can be sent again.
//! The file form is kikan's own (docs/formats.md, "市町村通知・市町村伝達"): the 法務省's
//! 連携インタフェース仕様 is not public.

use crate::DomainError;
use crate::ledger::{Change, LedgerEntry, MoveInHousehold};
use crate::lists::ForeignCategory;
use crate::person::{Person, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// 市町村通知 or 市町村伝達.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboundKind {
    #[serde(rename = "市町村通知")]
    Notice,
    #[serde(rename = "市町村伝達")]
    Transmission,
}

impl OutboundKind {
    pub fn label(self) -> &'static str {
        match self {
            OutboundKind::Notice => "市町村通知",
            OutboundKind::Transmission => "市町村伝達",
        }
    }
}

/// Under which law the 異動 was notified (4.5.7's three classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LawClass {
    #[serde(rename = "住基法・入管法")]
    Both,
    #[serde(rename = "入管法")]
    Immigration,
    #[serde(rename = "住基法")]
    Resident,
}

impl LawClass {
    pub fn label(self) -> &'static str {
        match self {
            LawClass::Both => "住基法・入管法",
            LawClass::Immigration => "入管法",
            LawClass::Resident => "住基法",
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboundState {
    /// 未送信: waiting for its day (`due_on`) or for the next send.
    Pending,
    /// 送信済み: in batch `batch`, no result yet.
    Sent { batch: i64, at: DateTime<Utc> },
    /// 処理済み: the 連携端末 took it.
    Accepted { batch: i64, at: DateTime<Utc> },
    /// エラー: the 連携端末 refused it, with its message.
    Failed {
        batch: i64,
        at: DateTime<Utc>,
        error: String,
    },
}

impl OutboundState {
    pub fn label(&self) -> &'static str {
        match self {
            OutboundState::Pending => "未送信",
            OutboundState::Sent { .. } => "送信済み",
            OutboundState::Accepted { .. } => "処理済み",
            OutboundState::Failed { .. } => "エラー",
        }
    }

    /// The state's name as stored and asked for: pending, sent, accepted, failed.
    pub fn name(&self) -> &'static str {
        match self {
            OutboundState::Pending => "pending",
            OutboundState::Sent { .. } => "sent",
            OutboundState::Accepted { .. } => "accepted",
            OutboundState::Failed { .. } => "failed",
        }
    }

    pub fn batch(&self) -> Option<i64> {
        match self {
            OutboundState::Pending => None,
            OutboundState::Sent { batch, .. }
            | OutboundState::Accepted { batch, .. }
            | OutboundState::Failed { batch, .. } => Some(*batch),
        }
    }
}

/// One 市町村通知 or 市町村伝達.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundItem {
    /// The entry's number × 1000 + the item's place in it: unique, in the ledger's order.
    pub id: i64,
    pub entry_seq: i64,
    pub person: PersonId,
    pub kind: OutboundKind,
    pub class: LawClass,
    /// The 異動事由 (転入, 転居, 死亡 …).
    pub reason: String,
    /// 異動日.
    pub effective_on: NaiveDate,
    /// Not sent before this day: the 転出予定日 of a 転出, else the day recorded.
    pub due_on: NaiveDate,
    /// 氏名 and 在留カード等番号 when the item was made.
    pub name: String,
    pub card_number: Option<String>,
    pub state: OutboundState,
}

/// Items per entry at most (the id's room).
const PER_ENTRY: i64 = 1000;

/// The items an entry gives: one 市町村通知 for each foreign resident it recorded,
/// removed or corrected (a 帰化 or 国籍取得 removes one; a 国籍喪失 records one), and a
/// 市町村伝達 beside it for a 住居地の届出 made with it. `persons` are the records of
/// everyone the entry concerns as the entry left them — but as it found them for the
/// one a 帰化 or 国籍取得 makes Japanese ([`ends_foreign_record`]); `recorded_on` is the
/// day it was recorded (the items are due then, a 転出 on its planned date).
pub fn items_of(
    entry: &LedgerEntry,
    persons: &[&Person],
    recorded_on: NaiveDate,
) -> Vec<OutboundItem> {
    let mut out = Vec::new();
    let due_on = match &entry.change {
        Change::MoveOut { planned_on, .. } => (*planned_on).max(recorded_on),
        _ => recorded_on,
    };
    for p in persons {
        let Some(f) = p.foreign.as_ref() else {
            continue;
        };
        // 住居地の届出: a 転入 that the record says was one, or a 転居 (住居地変更届出) of
        // those who hold a card.
        // 特別永住者証明書 (入管特例法): an application passed on, a 交付 notified.
        if let Change::SpecialPermanentCertificate { person, kind, .. } = &entry.change {
            if *person == p.id {
                out.push((
                    p,
                    LawClass::Immigration,
                    match kind {
                        crate::ledger::SpecialPermanentKind::Delivery => OutboundKind::Notice,
                        _ => OutboundKind::Transmission,
                    },
                ));
            }
            continue;
        }
        let carded = matches!(
            f.category,
            ForeignCategory::MidToLongTerm | ForeignCategory::SpecialPermanent
        );
        let residence_notice = entry.basis.is_notification()
            && match &entry.change {
                Change::MoveIn { persons, .. } => persons.iter().any(|d| {
                    d.id == p.id && d.foreign.as_ref().is_some_and(|f| f.residence_notified)
                }),
                Change::Relocation { persons, .. } => carded && persons.contains(&p.id),
                _ => false,
            };
        if residence_notice {
            out.push((p, LawClass::Both, OutboundKind::Notice));
            out.push((p, LawClass::Both, OutboundKind::Transmission));
        } else {
            out.push((p, LawClass::Resident, OutboundKind::Notice));
        }
    }
    let reason = match &entry.change {
        Change::SpecialPermanentCertificate { kind, .. } => kind.label().to_string(),
        _ => entry.reason().label().to_string(),
    };
    out.into_iter()
        .enumerate()
        .map(|(i, (p, class, kind))| OutboundItem {
            id: entry.seq * PER_ENTRY + i as i64,
            entry_seq: entry.seq,
            person: p.id,
            kind,
            class,
            reason: reason.clone(),
            effective_on: entry.effective_on,
            due_on,
            name: p.name.full(),
            card_number: p.foreign.as_ref().and_then(|f| f.card_number.clone()),
            state: OutboundState::Pending,
        })
        .take(PER_ENTRY as usize)
        .collect()
}

/// Does the entry end `person`'s foreign record (帰化, 国籍取得)? Its item then names
/// the record as it was before.
pub fn ends_foreign_record(entry: &LedgerEntry, person: PersonId) -> bool {
    matches!(
        &entry.change,
        Change::NationalityChange { person: p, kind, .. } if *p == person && kind.to_japanese()
    )
}

/// The persons an entry concerns beyond those it names: the members of the households
/// it names (a 世帯主変更 changes every member's 世帯主 and 続柄).
pub fn households_named(entry: &LedgerEntry) -> Vec<crate::person::HouseholdId> {
    let mut hs = entry.change.references().1;
    if let Change::MoveIn {
        household: MoveInHousehold::Existing { id },
        ..
    } = &entry.change
    {
        hs.retain(|h| h != id);
    }
    hs
}

/// The header of a send file.
pub const SEND_HEADER: &str =
    "送信番号,区分,届出の法令,異動事由,異動日,宛名番号,氏名,在留カード等番号";

/// One line of a send file.
pub fn send_line(item: &OutboundItem) -> String {
    let cell = crate::csv::cell;
    [
        item.id.to_string(),
        item.kind.label().into(),
        item.class.label().into(),
        cell(&item.reason),
        item.effective_on.to_string(),
        item.person.0.to_string(),
        cell(&item.name),
        item.card_number.clone().unwrap_or_default(),
    ]
    .join(",")
}

/// The header of a results file from the 連携端末.
pub const RESULT_HEADER: &str = "送信番号,処理結果,エラー内容";

/// One result: the item's number, and None when it was taken or its error.
pub type OutboundResult = (i64, Option<String>);

/// Reads a results file: the header, then `送信番号,処理結果,エラー内容` per line with
/// 処理結果 「正常」 or 「エラー」 (an error names its message). A line that cannot be read
/// refuses the file, naming the line (E-OUTBOX-001).
pub fn read_results(csv: &str) -> Result<Vec<OutboundResult>, DomainError> {
    let bad = |line: usize, why: &str| DomainError::OutboundResultLine {
        line,
        why: why.to_string(),
    };
    let mut lines = csv.trim_start_matches('\u{feff}').lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == RESULT_HEADER => {}
        _ => return Err(bad(1, &format!("見出し行は「{RESULT_HEADER}」です"))),
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.splitn(3, ',').map(str::trim).collect();
        let id: i64 = cols
            .first()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(n, "送信番号が数字ではありません"))?;
        match cols.get(1).copied() {
            Some("正常") => out.push((id, None)),
            Some("エラー") => {
                let msg = cols.get(2).copied().unwrap_or_default();
                if msg.is_empty() {
                    return Err(bad(n, "エラーの内容がありません"));
                }
                out.push((id, Some(msg.to_string())));
            }
            _ => return Err(bad(n, "処理結果は「正常」か「エラー」です")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_read_or_refused_by_line() {
        let ok = read_results(&format!(
            "\u{feff}{RESULT_HEADER}\n5000,正常,\n\n5001,エラー,在留カード番号不一致\n"
        ));
        assert_eq!(
            ok.ok(),
            Some(vec![
                (5000, None),
                (5001, Some("在留カード番号不一致".into()))
            ])
        );
        for (csv, line) in [
            ("送信番号,結果\n".to_string(), 1),
            (format!("{RESULT_HEADER}\n5000,正常,\nx,正常,\n"), 3),
            (format!("{RESULT_HEADER}\n5000,保留,\n"), 2),
            (format!("{RESULT_HEADER}\n5000,エラー,\n"), 2),
        ] {
            match read_results(&csv) {
                Err(DomainError::OutboundResultLine { line: l, .. }) => assert_eq!(l, line),
                other => panic!("{csv}: {other:?}"),
            }
        }
    }
}
