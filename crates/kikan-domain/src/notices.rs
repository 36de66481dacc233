//! Notices and records made from one ledger entry (or one person's record), as letters
//! (`crate::letters::Letter`, drawn by kikan-cert):
//!
//! - 住民異動届受理通知 (4.1.0.3, j580): on a 転入, 転居, 転出 or 世帯変更届 (and the 転出
//!   of a 転出証明書に準ずる証明書), the notifier is told at the address before the move
//!   that the 届出 was accepted — or, where there was none (出生, 国外からの転入), the
//!   person at the new address. Any day after, not only the day of processing.
//! - 職権記載等通知書 and 職権記録書 (4.2.0.1, j750): a change made by 職権 is told to the
//!   person it concerns, and written down as the 職権記録書 that the office keeps.
//! - 住民票コード通知票, 変更通知票, 修正通知票 (4.3.3, j890): the person is told the code
//!   recorded, changed on their request, or corrected; drawn again on request.

use crate::DomainError;
use crate::ledger::{Basis, Change, LedgerEntry, MoveInKind};
use crate::letters::{Letter, Sender};
use crate::person::{Person, PersonStatus};
use crate::wareki::format_wareki;
use chrono::NaiveDate;

/// A person the entry wrote: as written, and as before it (None: the entry brought them
/// in).
pub type Written = (Person, Option<Person>);

fn names(persons: &[Written]) -> String {
    persons
        .iter()
        .map(|(p, _)| p.name.full())
        .collect::<Vec<_>>()
        .join("、")
}

fn not_for(letter: &'static str, reason: impl Into<String>) -> DomainError {
    DomainError::LetterNotApplicable {
        letter,
        reason: reason.into(),
    }
}

/// Is `entry` one whose 届出 gets a 受理通知: a 転入 (from another municipality or from
/// abroad), 転居, 転出 or 世帯変更 notified by a resident, or a 転出 recorded by 職権
/// because notified late (its 転出証明書に準ずる証明書).
fn receipt_applies(entry: &LedgerEntry) -> bool {
    match &entry.change {
        Change::MoveOut { .. } => true,
        Change::MoveIn { kind, .. } => {
            *kind != MoveInKind::ExOfficio && entry.basis == Basis::Notification
        }
        Change::Relocation { .. }
        | Change::HouseholdSplit { .. }
        | Change::HouseholdMerge { .. }
        | Change::HeadChange { .. }
        | Change::CompositionChange { .. } => entry.basis == Basis::Notification,
        _ => false,
    }
}

/// 住民異動届受理通知 (4.1.0.3) for `entry`, which wrote `persons`.
pub fn receipt_notice(
    from: &Sender,
    entry: &LedgerEntry,
    persons: &[Written],
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    const LETTER: &str = "住民異動届受理通知";
    if !receipt_applies(entry) {
        return Err(not_for(
            LETTER,
            format!(
                "{}は転入・転居・転出・世帯変更の届出ではありません",
                entry.reason().label()
            ),
        ));
    }
    let (first, before) = persons
        .first()
        .ok_or_else(|| not_for(LETTER, "異動者がいません"))?;
    // The address before the 異動: the 転入前住所 of a 転入, otherwise where they lived.
    let previous = match &entry.change {
        Change::MoveIn {
            previous_address, ..
        } => previous_address.clone(),
        _ => before.as_ref().map(|b| b.address.clone()),
    };
    let notifier = entry
        .notifier
        .as_ref()
        .map(|n| n.name.trim().to_string())
        .filter(|n| !n.is_empty());
    let to = match (&previous, &notifier) {
        (Some(a), Some(n)) => vec![a.line(), format!("{n}　様")],
        (Some(a), None) => vec![a.line(), format!("{}　様", first.name.full())],
        // 出生, 国外からの転入: the new address and the person.
        (None, _) => vec![first.address.line(), format!("{}　様", first.name.full())],
    };
    let mut reason = entry.reason().label().to_string();
    if matches!(entry.change, Change::MoveOut { .. }) && entry.basis == Basis::ExOfficio {
        reason.push_str("(転出証明書に準ずる証明書の交付)");
    }
    Ok(Letter {
        serial: None,
        title: LETTER.into(),
        to,
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec!["下記のとおり住民異動届を受理しましたので通知します。".into()],
        items: vec![
            ("届出日".into(), format_wareki(entry.notified_on)?),
            ("異動事由".into(), reason),
            (
                "届出人氏名".into(),
                notifier.unwrap_or_else(|| first.name.full()),
            ),
            ("異動者氏名".into(), names(persons)),
        ],
        table: vec![],
        reply: vec![
            "この届出に心当たりのない場合は、お手数ですが市区町村の住民記録担当までご連絡ください。"
                .into(),
        ],
    })
}

/// What a 職権 entry did to its first person: 職権記載, 職権消除 or 職権修正.
fn ex_officio_kind(written: &Written) -> &'static str {
    match written {
        (_, None) => "職権記載",
        (after, Some(before)) if after.is_removed() && !before.is_removed() => "職権消除",
        (after, Some(before)) if !after.is_removed() && before.is_removed() => "職権記載",
        _ => "職権修正",
    }
}

fn ex_officio_persons<'a>(
    letter: &'static str,
    entry: &LedgerEntry,
    persons: &'a [Written],
) -> Result<&'a Written, DomainError> {
    if entry.basis == Basis::Notification {
        return Err(not_for(
            letter,
            "届出に基づく異動です(職権による記載等ではありません)",
        ));
    }
    persons
        .first()
        .ok_or_else(|| not_for(letter, "対象者がいません"))
}

/// The address a person is written to: where they live, or for a 除票 where they lived.
fn address_of(w: &Written) -> String {
    match (&w.0.status, &w.1) {
        (PersonStatus::Removed { .. }, Some(before)) => before.address.line(),
        _ => w.0.address.line(),
    }
}

/// 職権記載等通知書 (4.2.0.1): the person is told what the mayor recorded, removed or
/// corrected by 職権 because no 届出 was made.
pub fn ex_officio_notice(
    from: &Sender,
    entry: &LedgerEntry,
    persons: &[Written],
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    const LETTER: &str = "職権記載等通知書";
    let first = ex_officio_persons(LETTER, entry, persons)?;
    let kind = ex_officio_kind(first);
    let mut table = vec![vec![
        "氏名".to_string(),
        "生年月日".to_string(),
        "記載等の内容".to_string(),
    ]];
    for w in persons {
        table.push(vec![
            w.0.name.full(),
            w.0.birth_date_shown()?,
            ex_officio_kind(w).to_string(),
        ]);
    }
    Ok(Letter { serial: None,
        title: LETTER.into(),
        to: vec![address_of(first), format!("{}　様", first.0.name.full())],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![format!(
            "住民基本台帳法第8条の規定により、下記のとおり職権で住民票の{}をしましたので通知します。",
            &kind["職権".len()..]
        )],
        items: vec![
            ("記載等の種別".into(), kind.into()),
            ("異動事由".into(), entry.reason().label().into()),
            ("異動日".into(), format_wareki(entry.effective_on)?),
            ("住所".into(), address_of(first)),
        ],
        table,
        reply: vec![
            "内容に誤りがある場合や、届出が必要な異動がある場合は、市区町村の住民記録担当までお申し出ください。"
                .into(),
        ],
    })
}

/// The items a notice compares, of one version of a person.
fn items_of(p: &Person) -> Result<[(&'static str, String); 8], DomainError> {
    Ok([
        ("氏名", p.name.full()),
        ("フリガナ", p.furigana.full()),
        ("生年月日", p.birth_date_shown()?),
        ("性別", p.sex.label().to_string()),
        ("続柄", p.relationship.label()),
        ("住所", p.address.line()),
        (
            "本籍",
            p.honseki
                .as_ref()
                .map(crate::person::Honseki::line)
                .unwrap_or_default(),
        ),
        (
            "住民票コード",
            p.juminhyo_code
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
        ),
    ])
}

/// What changed between two versions of a person, item by item (before, after).
fn differences(w: &Written) -> Result<Vec<(String, String, String)>, DomainError> {
    let after = &w.0;
    let Some(before) = &w.1 else {
        return Ok(vec![]);
    };
    Ok(items_of(before)?
        .into_iter()
        .zip(items_of(after)?)
        .filter(|((_, b), (_, a))| a != b)
        .map(|((label, b), (_, a))| (label.to_string(), b, a))
        .collect())
}

/// 確認用帳票 (4.0.9, 20.0.1): a 異動 entered and not yet committed (仮登録), as it would
/// write the register — for each person what it records, removes or changes, item by
/// item, before and after — for staff to check on screen or on paper before 審査
/// commits it. Addresses come as the caller shows them (支援措置 withheld).
pub fn confirmation_sheet(
    from: &Sender,
    entry: &LedgerEntry,
    persons: &[Written],
    draft: i64,
    entered_by: &str,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    let mut table = vec![vec![
        "氏名".to_string(),
        "区分".to_string(),
        "事項".to_string(),
        "異動前".to_string(),
        "異動後".to_string(),
    ]];
    for w in persons {
        let name = w.0.name.full();
        match (&w.0.status, &w.1) {
            (_, None) => {
                for (item, value) in items_of(&w.0)? {
                    if !value.is_empty() {
                        table.push(vec![
                            name.clone(),
                            "記載".into(),
                            item.into(),
                            String::new(),
                            value,
                        ]);
                    }
                }
            }
            (PersonStatus::Removed { on, reason, .. }, Some(b)) if !b.is_removed() => {
                table.push(vec![
                    name.clone(),
                    "消除".into(),
                    reason.label().into(),
                    b.address.line(),
                    format_wareki(*on)?,
                ]);
            }
            _ => {
                let diff = differences(w)?;
                if diff.is_empty() {
                    table.push(vec![
                        name.clone(),
                        "修正".into(),
                        "(記載事項の変更なし)".into(),
                        String::new(),
                        String::new(),
                    ]);
                }
                for (item, before, after) in diff {
                    table.push(vec![name.clone(), "修正".into(), item, before, after]);
                }
            }
        }
    }
    let notifier = entry
        .notifier
        .as_ref()
        .map(|n| n.name.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_default();
    Ok(Letter { serial: None,
        title: "異動入力確認用帳票".into(),
        to: vec![format!("{}（庁内確認用）", from.municipality)],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![
            "下記の異動は仮登録の状態であり、住民票にはまだ記載されていません。内容を確認してください。".into(),
        ],
        items: vec![
            ("仮登録番号".into(), draft.to_string()),
            ("異動事由".into(), entry.reason().label().into()),
            ("異動日".into(), crate::person::shown(entry.effective_on, &entry.effective_text)?),
            ("届出日".into(), format_wareki(entry.notified_on)?),
            ("届出人".into(), notifier),
            ("入力者".into(), entered_by.into()),
        ],
        table,
        reply: vec![],
    })
}

/// 職権記録書 (4.2.0.1): the office's written record of a change made by 職権 — what was
/// recorded, removed or corrected, on what grounds, when and by whom.
pub fn ex_officio_record(
    from: &Sender,
    entry: &LedgerEntry,
    persons: &[Written],
    processed_on: NaiveDate,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    const LETTER: &str = "職権記録書";
    let first = ex_officio_persons(LETTER, entry, persons)?;
    let mut table = vec![vec![
        "氏名".to_string(),
        "記載等の内容".to_string(),
        "事項".to_string(),
        "記載等の前".to_string(),
        "記載等の後".to_string(),
    ]];
    for w in persons {
        let diff = differences(w)?;
        if diff.is_empty() {
            table.push(vec![
                w.0.name.full(),
                ex_officio_kind(w).to_string(),
                String::new(),
                String::new(),
                address_of(w),
            ]);
        }
        for (item, before, after) in diff {
            table.push(vec![
                w.0.name.full(),
                ex_officio_kind(w).to_string(),
                item,
                before,
                after,
            ]);
        }
    }
    let grounds = entry
        .notifier
        .as_ref()
        .map(|n| format!("{}({})", n.name, n.capacity))
        .unwrap_or_default();
    Ok(Letter {
        serial: None,
        title: LETTER.into(),
        to: vec![format!("{}（庁内保存）", from.municipality)],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![
            "住民基本台帳法第8条の規定により、下記のとおり職権で住民票の記載等をした。".into(),
        ],
        items: vec![
            ("記載等の種別".into(), ex_officio_kind(first).into()),
            ("異動事由".into(), entry.reason().label().into()),
            ("異動日".into(), format_wareki(entry.effective_on)?),
            ("通知・申出等の日".into(), format_wareki(entry.notified_on)?),
            ("通知・申出等をした者".into(), grounds),
            ("処理日".into(), format_wareki(processed_on)?),
            ("処理者".into(), entry.operator.clone()),
            ("台帳番号".into(), entry.seq.to_string()),
        ],
        table,
        reply: vec![],
    })
}

/// Which 住民票コード notice: the code recorded, changed on the person's request
/// (法第30条の4), or corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeNotice {
    Recorded,
    Changed,
    Corrected,
}

impl CodeNotice {
    /// Its kind in the issuance register (1.3.8).
    pub fn kind(self) -> crate::certificate::CertificateKind {
        use crate::certificate::CertificateKind;
        match self {
            CodeNotice::Recorded => CertificateKind::CodeNotice,
            CodeNotice::Changed => CertificateKind::CodeChangeNotice,
            CodeNotice::Corrected => CertificateKind::CodeCorrectionNotice,
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            CodeNotice::Recorded => "住民票コード通知票",
            CodeNotice::Changed => "住民票コード変更通知票",
            CodeNotice::Corrected => "住民票コード修正通知票",
        }
    }
    fn verb(self) -> &'static str {
        match self {
            CodeNotice::Recorded => "記載",
            CodeNotice::Changed => "変更",
            CodeNotice::Corrected => "修正",
        }
    }
}

/// The 住民票コード notice the latest entry setting `person`'s code calls for, and its
/// 異動日: a correction from none is a 記載, one on the person's 申出 a 変更, any other a
/// 修正; a 転入 or 出生 that brought the code, a 記載. `entries` are the person's, oldest
/// first. None when no entry set the code.
pub fn code_notice_of(person: &Person, entries: &[LedgerEntry]) -> Option<(CodeNotice, NaiveDate)> {
    entries.iter().rev().find_map(|e| match &e.change {
        Change::Correction {
            person: p,
            correction: crate::ledger::Correction::JuminhyoCode { old, .. },
            ..
        } if *p == person.id => Some((
            match (old, e.basis) {
                (None, _) => CodeNotice::Recorded,
                (Some(_), Basis::Request) => CodeNotice::Changed,
                _ => CodeNotice::Corrected,
            },
            e.effective_on,
        )),
        Change::MoveIn { persons, .. }
            if persons
                .iter()
                .any(|d| d.id == person.id && d.juminhyo_code.is_some()) =>
        {
            Some((CodeNotice::Recorded, e.effective_on))
        }
        Change::Birth { person: d, .. } if d.id == person.id && d.juminhyo_code.is_some() => {
            Some((CodeNotice::Recorded, e.effective_on))
        }
        _ => None,
    })
}

/// 住民票コード通知票 (or 変更・修正通知票, 4.3.3) to the person, at their address.
pub fn code_notice(
    from: &Sender,
    person: &Person,
    kind: CodeNotice,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    let code = person
        .juminhyo_code
        .as_ref()
        .ok_or_else(|| not_for(kind.title(), "住民票コードが記載されていません"))?;
    if person.is_removed() {
        return Err(not_for(kind.title(), "除票の方には通知しません"));
    }
    Ok(Letter { serial: None,
        title: kind.title().into(),
        to: vec![person.address.line(), format!("{}　様", person.name.full())],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![
            format!(
                "あなたの住民票に、下記のとおり住民票コードを{}しましたので通知します。",
                kind.verb()
            ),
            "住民票コードは、住民基本台帳ネットワークシステムで本人確認に用いる番号です。大切に保管してください。".into(),
        ],
        items: vec![
            ("氏名".into(), person.name.full()),
            ("生年月日".into(), person.birth_date_shown()?),
            ("住所".into(), person.address.line()),
            ("住民票コード".into(), code.to_string()),
            (format!("{}年月日", kind.verb()), format_wareki(on)?),
        ],
        table: vec![],
        reply: vec![],
    })
}

/// 成年被後見人に関する通知書 (9.4): when a 成年被後見人 moves out, the notice the registry
/// sends to the municipality they move to. `wards` are the persons of the 転出 who are
/// 成年被後見人 (the 9.4 item set for them), each with the day the 後見開始の審判 became
/// final where it is known; `persons` every person the entry wrote.
pub fn ward_notice(
    from: &Sender,
    entry: &LedgerEntry,
    wards: &[(&Person, Option<NaiveDate>)],
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    const LETTER: &str = "成年被後見人に関する通知書";
    let Change::MoveOut {
        destination,
        planned_on,
        abroad,
        ..
    } = &entry.change
    else {
        return Err(not_for(
            LETTER,
            format!("{}は転出の届出ではありません", entry.reason().label()),
        ));
    };
    if *abroad {
        return Err(not_for(
            LETTER,
            "国外への転出には転入地の市区町村がありません",
        ));
    }
    if wards.is_empty() {
        return Err(not_for(LETTER, "この転出に成年被後見人はいません"));
    }
    let mut table = vec![
        [
            "氏名",
            "生年月日",
            "性別",
            "従前の住所",
            "後見開始の審判確定日",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (p, since) in wards {
        table.push(vec![
            p.name.full(),
            p.birth_date_shown()?,
            p.sex.label().to_string(),
            p.address.line(),
            since.map(format_wareki).transpose()?.unwrap_or_default(),
        ]);
    }
    Ok(Letter {
        serial: None,
        title: LETTER.into(),
        to: vec![
            format!("転入地 {}", destination.line()),
            "を管轄する市区町村長　様".into(),
        ],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![format!(
            "下記の者は{}の住民基本台帳に成年被後見人として記録されていた者で、貴市区町村へ転出しましたので通知します。",
            from.municipality
        )],
        items: vec![
            ("転出届の届出日".into(), format_wareki(entry.notified_on)?),
            ("転出の予定年月日".into(), format_wareki(*planned_on)?),
            ("転出先".into(), destination.line()),
        ],
        table,
        reply: vec![],
    })
}
