//! 統合記載欄 (1.1.14, j140): what the 住民票's free field holds, in three kinds — the
//! 異動履歴 (A類型), made by itself from the ledger; the 留意事項 of each 異動 (B類型),
//! tied to the 異動項目 they concern and written under that 異動; and the 備考 (C類型),
//! kept apart from the 異動履歴.
//!
//! An A line names the 異動's date, its 異動事由 and how it came (its 届出日, or 職権),
//! never an address: the same lines go on a certificate whatever a 支援措置 withholds.
//! A 未届転入 (4.1.1.4, 4.2.1.1) has its 留意事項 without anyone writing it: 「未届転入」
//! on the 転入前住所 of the 転入 that recorded it.

use crate::DomainError;
use crate::ledger::{Basis, Change, Correction, LedgerEntry};
use crate::lists::RemakeKind;
use crate::memo::{Memo, NoteKind};
use crate::person::{Person, PersonStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kinds of line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Class {
    /// A類型: 異動履歴.
    #[serde(rename = "A")]
    History,
    /// B類型: 留意事項.
    #[serde(rename = "B")]
    Caution,
    /// C類型: 備考.
    #[serde(rename = "C")]
    Remark,
}

/// One line of the 統合記載欄.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub class: Class,
    /// The 異動 (ledger entry) an A or B line belongs to.
    pub seq: Option<i64>,
    /// The 異動項目 a B line is tied to.
    pub item: Option<String>,
    pub text: String,
    /// A B line nobody wrote (the 未届転入's).
    pub automatic: bool,
}

/// The 留意事項 a 未届転入 carries by itself.
pub const UNNOTIFIED: &str = "未届転入";

/// The 統合記載欄 of `person`: for each of `entries` (those that changed the person,
/// oldest first) its A line and the B lines tied to it, then the C lines. `notes` are the
/// person's memos of every kind (deleted ones and メモ are passed over).
///
/// 除票固有の記載事項 (1.1.5) are written in it: a 転出's A line carries its
/// 転出予定年月日 (the day of the 事由) and its 転出先住所（予定）; the 消除事由 and its day
/// are the A line of the removal itself. The 転出先 is left out where a 特別養子縁組's
/// 留意事項 leaves it blank, and where `withhold_address` (a reader a 支援措置 keeps from
/// the person's whereabouts).
pub fn lines(
    person: &Person,
    entries: &[LedgerEntry],
    notes: &[Memo],
    withhold_address: bool,
) -> Result<Vec<Line>, DomainError> {
    let blank_destination = withhold_address || crate::memo::destination_left_blank(notes);
    let live = |kind: NoteKind| {
        notes
            .iter()
            .filter(move |m| m.kind() == kind && !m.is_deleted())
    };
    let unnotified = person.moved_in.as_ref().is_some_and(|m| m.unnotified);
    let unnotified_at = entries
        .iter()
        .rev()
        .find(|e| matches!(e.change, Change::MoveIn { .. }))
        .map(|e| e.seq)
        .filter(|_| unnotified);
    let mut out = Vec::new();
    // Where the record is kept (住民記録 database or 除票用データベース, 9.3) is not a
    // 異動 of the 住民票.
    let entries = entries.iter().filter(|e| {
        !matches!(
            e.change,
            Change::Archive { .. }
                | Change::ArchiveReturn { .. }
                | Change::SpecialPermanentCertificate { .. }
        )
    });
    for e in entries {
        let how = match e.basis {
            Basis::ExOfficio => "職権".to_string(),
            _ => format!("{}届出", crate::wareki::format_wareki(e.notified_on)?),
        };
        let on = crate::person::shown(e.effective_on, &e.effective_text)?;
        let mut text = format!("{on}　{}　{how}", e.reason().label());
        if let Change::MoveOut {
            destination,
            planned_on,
            ..
        } = &e.change
        {
            text.push_str(&format!(
                "　転出予定年月日 {}",
                crate::wareki::format_wareki(*planned_on)?
            ));
            if !blank_destination {
                text.push_str(&format!("　転出先住所（予定） {}", destination.line()));
            }
        }
        out.push(Line {
            class: Class::History,
            seq: Some(e.seq),
            item: None,
            text,
            automatic: false,
        });
        let mut written = Vec::new();
        for m in live(NoteKind::Caution).filter(|m| m.link().is_some_and(|l| l.seq == e.seq)) {
            let item = m.link().map(|l| l.item.clone());
            let text = m.current().and_then(|r| r.text.clone()).unwrap_or_default();
            written.push((item.clone(), text.clone()));
            out.push(Line {
                class: Class::Caution,
                seq: Some(e.seq),
                item,
                text,
                automatic: false,
            });
        }
        let item = Some("転入前住所".to_string());
        if unnotified_at == Some(e.seq) && !written.contains(&(item.clone(), UNNOTIFIED.into())) {
            out.push(Line {
                class: Class::Caution,
                seq: Some(e.seq),
                item,
                text: UNNOTIFIED.into(),
                automatic: true,
            });
        }
    }
    for m in live(NoteKind::Remark) {
        out.push(Line {
            class: Class::Remark,
            seq: None,
            item: None,
            text: m.current().and_then(|r| r.text.clone()).unwrap_or_default(),
            automatic: false,
        });
    }
    Ok(out)
}

/// The 異動履歴 with its 留意事項 as a 住民票の写し prints them (1.1.4, j40): only what
/// follows the latest 改製 (the rest is on the 改製原住民票; a cancelled 改製 cuts
/// nothing), and the 異動 of a 特別な事由 — a 特別養子縁組 or its 解消 (tied to the
/// 異動 by their 留意事項, 1.1.14) and a 性別の変更 — only when `with_special` asks; a
/// 転出届 whose planned date is after `today` (the day of issue) not at all (5.1).
pub fn printed_history(
    person: &Person,
    entries: &[LedgerEntry],
    notes: &[Memo],
    with_special: bool,
    today: NaiveDate,
) -> Result<Vec<String>, DomainError> {
    let cancelled = |seq: i64| {
        entries
            .iter()
            .any(|e| matches!(e.change, Change::Cancellation { cancelled, .. } if cancelled == seq))
    };
    let since = entries
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.change,
                Change::Remake {
                    kind: RemakeKind::Remake,
                    ..
                }
            ) && !cancelled(e.seq)
        })
        .map(|e| e.seq);
    let special: Vec<i64> = entries
        .iter()
        .filter(|e| {
            matches!(
                e.change,
                Change::Correction {
                    correction: Correction::Sex { .. },
                    ..
                }
            ) || notes.iter().any(|m| {
                m.kind() == NoteKind::Caution
                    && !m.is_deleted()
                    && m.link().is_some_and(|l| l.seq == e.seq)
                    && m.current()
                        .and_then(|r| r.text.as_deref())
                        .is_some_and(|t| {
                            t == crate::memo::SPECIAL_ADOPTION
                                || t == crate::memo::SPECIAL_ADOPTION_ENDED
                        })
            })
        })
        .map(|e| e.seq)
        .collect();
    // A 転出届 not yet in effect (5.1): before its planned date, a certificate leaves off
    // what it recorded.
    let pending_move_out = match &person.status {
        PersonStatus::MovingOut { planned_on, .. } if *planned_on > today => entries
            .iter()
            .rev()
            .find(|e| matches!(e.change, Change::MoveOut { .. }) && !cancelled(e.seq))
            .map(|e| e.seq),
        _ => None,
    };
    Ok(lines(person, entries, notes, false)?
        .into_iter()
        .filter(|l| l.class != Class::Remark)
        .filter(|l| match l.seq {
            Some(seq) => {
                since.is_none_or(|s| seq >= s)
                    && (with_special || !special.contains(&seq))
                    && pending_move_out != Some(seq)
            }
            None => true,
        })
        .map(|l| l.printed())
        .collect())
}

impl Line {
    /// As printed: an A line as it is; a B line indented under its 異動, with its 異動項目.
    pub fn printed(&self) -> String {
        match (self.class, &self.item) {
            (Class::Caution, Some(item)) => format!("　（{item}）{}", self.text),
            (Class::Caution, None) => format!("　{}", self.text),
            _ => self.text.clone(),
        }
    }
}
