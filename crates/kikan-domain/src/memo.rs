//! メモ (1.1.15, j150) and 備考 (1.1.14, j140: the 統合記載欄's C類型): notes on a person.
//! Each is kept with who wrote it and when; an edit or a deletion is a new revision, so
//! the history stays. A メモ is never printed on a certificate (it is not an item of the
//! 住民票); a 備考 is printed in the 統合記載欄 of the 写し.

use crate::DomainError;
use crate::person::PersonId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest memo, in characters.
pub const MAX_MEMO_CHARS: usize = 2000;

/// メモ (staff only) or 備考 (printed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// メモ (1.1.15): never printed.
    #[default]
    Memo,
    /// 備考 (1.1.14, C類型): a matter apart from the 異動履歴, printed in the 統合記載欄;
    /// the 事実上の世帯主 (4.1.4.3) is written here.
    Remark,
    /// 留意事項 (1.1.14, B類型): a matter of one 異動, tied to the 異動項目 it concerns
    /// ([`CautionLink`]), printed with that 異動 in the 統合記載欄's 異動履歴.
    Caution,
}

impl NoteKind {
    pub fn is_memo(&self) -> bool {
        *self == NoteKind::Memo
    }
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Memo => "メモ",
            NoteKind::Remark => "備考",
            NoteKind::Caution => "留意事項",
        }
    }
}

/// The 異動 (ledger entry) and the 異動項目 a 留意事項 belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CautionLink {
    /// The entry's number.
    pub seq: i64,
    /// The 異動項目, one of [`CAUTION_ITEMS`].
    pub item: String,
}

/// The 異動項目 a 留意事項 may be tied to.
pub const CAUTION_ITEMS: [&str; 16] = [
    "氏名",
    "振り仮名",
    "旧氏",
    "生年月日",
    "性別",
    "世帯主",
    "続柄",
    "住所",
    "住民となった年月日",
    "住所を定めた年月日",
    "転入前住所",
    "転出先住所（予定）",
    "転出先住所（確定）",
    "本籍",
    "筆頭者",
    "消除",
];

/// 特別養子縁組 (1.1.14): the 留意事項 the standard words, and the 異動項目 each is tied to —
/// on the 除票 of the child who moved out, the 転出先住所 (予定 and 確定); on the record
/// made by their 転入, the 転入前住所.
pub const SPECIAL_ADOPTION: &str = "特別養子縁組";
pub const SPECIAL_ADOPTION_ENDED: &str = "特別養子縁組解消";

/// 特別養子縁組 (1.1.5, j50): the 転出先住所 of the adopted child's 除票 is left blank —
/// where a live 留意事項 in the standard's wording is tied to it (予定 or 確定).
pub fn destination_left_blank(notes: &[Memo]) -> bool {
    notes.iter().any(|m| {
        m.kind() == NoteKind::Caution
            && !m.is_deleted()
            && m.link().is_some_and(|l| l.item.starts_with("転出先住所"))
            && m.current()
                .and_then(|r| r.text.as_deref())
                .is_some_and(|t| t == SPECIAL_ADOPTION)
    })
}

/// The 異動項目 named, as [`CAUTION_ITEMS`] spells it; `E-INPUT-003` otherwise.
pub fn caution_item(s: &str) -> Result<&'static str, DomainError> {
    let t = s.trim();
    CAUTION_ITEMS
        .iter()
        .copied()
        .find(|i| *i == t || i.replace('（', "(").replace('）', ")") == t)
        .ok_or_else(|| DomainError::Invalid {
            field: "異動項目",
            reason: format!("「{t}」は留意事項を紐付けられる異動項目ではありません"),
        })
}

/// 事実上の世帯主 (4.1.4.3, j740): a head of household outside the law (a diplomat, a
/// member of the U.S. forces, the head of a children's home …), written in the 備考.
pub fn de_facto_head(name: &str) -> Result<String, DomainError> {
    let name = memo_text(name)?;
    Ok(format!("事実上の世帯主　{name}"))
}

/// One revision of a memo: the first writes it, later ones edit it, and one with no text
/// deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoRevision {
    pub memo_id: i64,
    /// メモ or 備考 (absent: メモ).
    #[serde(default, skip_serializing_if = "NoteKind::is_memo")]
    pub kind: NoteKind,
    /// A 留意事項's 異動 and 異動項目 (as first written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<CautionLink>,
    /// 1 for the first; each edit or deletion adds one.
    pub revision: u32,
    pub person: PersonId,
    /// The text; None once deleted.
    pub text: Option<String>,
    /// The staff member's user ID (login).
    pub author: String,
    pub at: DateTime<Utc>,
}

/// A memo as it stands, with every revision (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memo {
    pub id: i64,
    pub person: PersonId,
    pub revisions: Vec<MemoRevision>,
}

impl Memo {
    /// メモ, 備考 or 留意事項, as first written.
    pub fn kind(&self) -> NoteKind {
        self.revisions.first().map(|r| r.kind).unwrap_or_default()
    }
    /// A 留意事項's 異動 and 異動項目.
    pub fn link(&self) -> Option<&CautionLink> {
        self.revisions.first().and_then(|r| r.link.as_ref())
    }
    /// The latest revision.
    pub fn current(&self) -> Option<&MemoRevision> {
        self.revisions.last()
    }
    pub fn is_deleted(&self) -> bool {
        self.current().is_none_or(|r| r.text.is_none())
    }
    /// The revision an edit or a deletion follows, when the memo can take one (it is
    /// not deleted, and nobody else changed it since `seen`).
    pub fn next_revision(&self, seen: u32) -> Result<u32, DomainError> {
        let cur = self
            .current()
            .ok_or(DomainError::MemoNotFound { id: self.id })?;
        if cur.text.is_none() {
            return Err(DomainError::MemoNotFound { id: self.id });
        }
        if cur.revision != seen {
            return Err(DomainError::MemoStale {
                id: self.id,
                by: cur.author.clone(),
            });
        }
        Ok(seen + 1)
    }
}

/// A memo's text as written: trimmed, not empty, not too long, no control characters
/// other than line breaks and tabs.
pub fn memo_text(s: &str) -> Result<String, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::MemoEmpty);
    }
    if t.chars().count() > MAX_MEMO_CHARS {
        return Err(DomainError::MemoTooLong {
            max: MAX_MEMO_CHARS,
        });
    }
    if let Some(c) = t
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::InvalidCharacter {
            field: "メモ",
            ch: format!("U+{:04X}", c as u32),
        });
    }
    Ok(t.replace("\r\n", "\n"))
}

/// The memos among `revisions` (any order), each with its history, oldest first.
pub fn fold(revisions: Vec<MemoRevision>) -> Vec<Memo> {
    let mut by_id: std::collections::BTreeMap<i64, Memo> = Default::default();
    for r in revisions {
        by_id
            .entry(r.memo_id)
            .or_insert_with(|| Memo {
                id: r.memo_id,
                person: r.person,
                revisions: vec![],
            })
            .revisions
            .push(r);
    }
    let mut out: Vec<Memo> = by_id.into_values().collect();
    for m in &mut out {
        m.revisions.sort_by_key(|r| r.revision);
    }
    // Oldest first (ids are random).
    out.sort_by_key(|m| (m.revisions.first().map(|r| r.at), m.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(memo_id: i64, revision: u32, text: Option<&str>, author: &str) -> MemoRevision {
        MemoRevision {
            memo_id,
            revision,
            person: PersonId(7),
            text: text.map(str::to_string),
            kind: NoteKind::Memo,
            link: None,
            author: author.into(),
            at: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn a_special_adoption_on_the_destination_leaves_it_blank() {
        let caution = |memo_id: i64, item: &str, text: Option<&str>, revision: u32| MemoRevision {
            kind: NoteKind::Caution,
            link: Some(CautionLink {
                seq: 3,
                item: item.into(),
            }),
            ..rev(memo_id, revision, text, "shinsa")
        };
        let on = |revs: Vec<MemoRevision>| destination_left_blank(&fold(revs));
        assert!(on(vec![caution(
            1,
            "転出先住所（予定）",
            Some(SPECIAL_ADOPTION),
            1
        )]));
        assert!(on(vec![caution(
            1,
            "転出先住所（確定）",
            Some(SPECIAL_ADOPTION),
            1
        )]));
        // Another item, another wording, a メモ, or the 留意事項 deleted: printed as it is.
        assert!(!on(vec![caution(
            1,
            "転入前住所",
            Some(SPECIAL_ADOPTION),
            1
        )]));
        assert!(!on(vec![caution(1, "転出先住所（予定）", Some("誤記"), 1)]));
        assert!(!on(vec![rev(1, 1, Some(SPECIAL_ADOPTION), "shinsa")]));
        assert!(!on(vec![
            caution(1, "転出先住所（予定）", Some(SPECIAL_ADOPTION), 1),
            caution(1, "転出先住所（予定）", None, 2),
        ]));
    }

    #[test]
    fn memos_keep_their_history_and_refuse_stale_edits() {
        let memos = fold(vec![
            rev(2, 1, Some("来庁予定"), "madoguchi"),
            rev(1, 2, Some("郵送希望(訂正)"), "shinsa"),
            rev(1, 1, Some("郵送希望"), "madoguchi"),
            rev(2, 2, None, "shinsa"),
        ]);
        assert_eq!(memos.len(), 2);
        assert_eq!(memos[0].revisions.len(), 2);
        assert_eq!(
            memos[0].current().and_then(|r| r.text.as_deref()),
            Some("郵送希望(訂正)")
        );
        assert!(!memos[0].is_deleted() && memos[1].is_deleted());
        assert_eq!(memos[0].next_revision(2), Ok(3));
        assert_eq!(
            memos[0].next_revision(1).map_err(|e| e.code()),
            Err("E-MEMO-004")
        );
        assert_eq!(
            memos[1].next_revision(2).map_err(|e| e.code()),
            Err("E-MEMO-003")
        );
        assert_eq!(memo_text("  \n "), Err(DomainError::MemoEmpty));
        assert_eq!(
            memo_text(&"あ".repeat(MAX_MEMO_CHARS + 1)).map_err(|e| e.code()),
            Err("E-MEMO-002")
        );
        assert_eq!(
            memo_text("a\u{0}b").map_err(|e| e.code()),
            Err("E-NAME-001")
        );
        assert_eq!(memo_text(" 一行目\r\n二行目 "), Ok("一行目\n二行目".into()));
        assert_eq!(caution_item("転出先住所(予定)"), Ok("転出先住所（予定）"));
        assert_eq!(
            caution_item("趣味").map_err(|e| e.code()),
            Err("E-INPUT-003")
        );
    }
}
