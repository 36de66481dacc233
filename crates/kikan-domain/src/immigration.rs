//! 出入国在留管理庁長官通知 (4.5.6, j960): notices of a foreign resident's 在留資格 changed
//! or taken away, 在留期間 renewed, a new card, or a departure, which the register
//! follows. They are read from a file (docs/formats.md, "入管通知"), listed until
//! processed whatever their date, each shown with its 処理結果確認票 (the record's items
//! before and after), and applied by staff as a 在留資格等変更 or a 法第30条の50による消除.

use crate::DomainError;
use crate::lists::{ForeignRemovalReason, ResidenceStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a notice asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeAction {
    /// 在留資格の変更・在留期間の更新・在留カードの再交付: the items as they now are.
    Change {
        status: Option<ResidenceStatus>,
        period: Option<String>,
        expires_on: Option<NaiveDate>,
        card_number: Option<String>,
    },
    /// 在留資格の取消し, 出国, 退去強制 …: the record is removed.
    Removal { reason: ForeignRemovalReason },
}

/// Where a notice stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum NoticeState {
    /// 未処理: not applied yet.
    Pending,
    /// 反映済み: applied by the ledger entry `seq`.
    Applied { seq: i64, by: String },
    /// 処理しない: set aside by staff with a reason (a notice for no resident here …).
    Rejected { reason: String, by: String },
}

/// One notice as read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmigrationNotice {
    pub id: i64,
    /// 通知日.
    pub notified_on: NaiveDate,
    /// The 在留カード等番号 it concerns (the card the register holds).
    pub card_number: String,
    pub action: NoticeAction,
    pub state: NoticeState,
    /// The file it came from and its line, for the 確認票.
    pub source: String,
}

/// The header of the notice file (UTF-8 CSV).
pub const NOTICE_HEADER: &str =
    "通知日,在留カード等番号,通知の種類,在留資格,在留期間,満了日,新しい在留カード等番号,消除事由";

/// The kinds of notice a line may give.
pub const CHANGE: &str = "変更";
pub const REMOVAL: &str = "消除";

/// Reads one line of the notice file (after the header); `line` numbers it for errors.
pub fn parse_line(
    text: &str,
    line: usize,
) -> Result<(NaiveDate, String, NoticeAction), DomainError> {
    let bad = |reason: String| DomainError::NoticeLine { line, reason };
    let cols: Vec<&str> = text.split(',').map(str::trim).collect();
    if cols.len() != 8 {
        return Err(bad(format!("項目が8つではありません({}個)", cols.len())));
    }
    let date = |s: &str, what: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| bad(format!("{what}「{s}」は YYYY-MM-DD で書いてください")))
    };
    let notified_on = date(cols[0], "通知日")?;
    let card = |s: &str| -> Result<String, DomainError> {
        if crate::person::is_card_number(s) {
            Ok(s.to_string())
        } else {
            Err(bad(format!("在留カード等番号「{s}」が正しくありません")))
        }
    };
    let card_number = card(cols[1])?;
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let action = match cols[2] {
        CHANGE => NoticeAction::Change {
            status: opt(cols[3])
                .map(|s| ResidenceStatus::parse(&s))
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            period: opt(cols[4]),
            expires_on: opt(cols[5]).map(|s| date(&s, "満了日")).transpose()?,
            card_number: opt(cols[6]).map(|s| card(&s)).transpose()?,
        },
        REMOVAL => NoticeAction::Removal {
            reason: ForeignRemovalReason::parse(cols[7]).map_err(|e| bad(e.to_string()))?,
        },
        other => {
            return Err(bad(format!(
                "通知の種類「{other}」は「{CHANGE}」か「{REMOVAL}」にしてください"
            )));
        }
    };
    Ok((notified_on, card_number, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_lines_are_read_or_refused_by_line() {
        let (on, card, action) =
            parse_line("2026-05-01,AB12345678CD,変更,永住者,,,XY87654321ZW,", 2)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(on, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default());
        assert_eq!(card, "AB12345678CD");
        assert_eq!(
            action,
            NoticeAction::Change {
                status: Some(ResidenceStatus::PermanentResident),
                period: None,
                expires_on: None,
                card_number: Some("XY87654321ZW".into()),
            }
        );
        let (_, _, action) = parse_line("2026-05-01,AB12345678CD,消除,,,,,出国", 3)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            action,
            NoticeAction::Removal {
                reason: ForeignRemovalReason::Departure
            }
        );
        for bad in [
            "2026-05-01,AB12345678CD,変更,永住者",
            "2026/05/01,AB12345678CD,変更,永住者,,,,",
            "2026-05-01,AB123,変更,永住者,,,,",
            "2026-05-01,AB12345678CD,更新,永住者,,,,",
            "2026-05-01,AB12345678CD,変更,魔法使い,,,,",
            "2026-05-01,AB12345678CD,消除,,,,,引越し",
        ] {
            let e = parse_line(bad, 4).map_err(|e| (e.code(), e.to_string()));
            assert!(
                matches!(&e, Err((code, text)) if *code == "E-NOTICE-001" && text.contains("4行目")),
                "{bad}: {e:?}"
            );
        }
    }
}
