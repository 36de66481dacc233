//! 券面記載 (7.1.1.3, j1110): what a 異動 writes in the 追記欄 of a card — 個人番号カード,
//! 住基カード, 在留カード, 特別永住者証明書 —, printed on the card by the card printer:
//! the 異動事由, the item after the change, the 届出日 (and the 職印, which the drawing
//! adds).
//!
//! A 個人番号カード or 住基カード carries the 基本4情報, so a change of address (転入 with
//! the card, 転居, 区間異動), of 氏名, 生年月日 or 性別 is written on it. On a 在留カード or
//! 特別永住者証明書 the municipality writes only the 住居地; their other items are the
//! 出入国在留管理庁's.

use crate::ledger::{Change, Correction, LedgerEntry};
pub use crate::lists::EndorsedCard;
use crate::lists::ForeignCategory;
use crate::wareki::format_wareki;
use crate::{DomainError, Person};

/// One 追記.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub card: EndorsedCard,
    /// 異動事由 (転居, 氏名の変更 …).
    pub reason: String,
    /// The item changed (住所, 住居地, 氏名 …) and its content after the change.
    pub item: String,
    pub value: String,
    /// 届出日 (和暦).
    pub notified_on: String,
}

impl Endorsement {
    /// The text as written: 「令和8年12月4日 転居」 then 「住所 …」.
    pub fn lines(&self) -> [String; 2] {
        [
            format!("{}　{}", self.notified_on, self.reason),
            format!("{}　{}", self.item, self.value),
        ]
    }
}

fn none(why: &str) -> DomainError {
    DomainError::CardEndorsement {
        reason: why.to_string(),
    }
}

/// What `entry` writes on `who`'s `card` (E-CARD-001 when it writes nothing there, or
/// when the card is not one the person holds: a 在留カード is a 中長期在留者's, a
/// 特別永住者証明書 a 特別永住者's).
pub fn endorsement(
    entry: &LedgerEntry,
    who: &Person,
    card: EndorsedCard,
) -> Result<Endorsement, DomainError> {
    let person = who.id;
    let category = who.foreign.as_ref().map(|f| f.category);
    let holds = match card {
        EndorsedCard::IndividualNumberCard | EndorsedCard::JukiCard => true,
        EndorsedCard::ResidenceCard => category == Some(ForeignCategory::MidToLongTerm),
        EndorsedCard::SpecialPermanentCertificate => {
            category == Some(ForeignCategory::SpecialPermanent)
        }
    };
    if !holds {
        return Err(none(&format!(
            "{}さんは{}を持つ住民ではありません",
            who.name.full(),
            card.label()
        )));
    }
    let address_card = matches!(
        card,
        EndorsedCard::ResidenceCard | EndorsedCard::SpecialPermanentCertificate
    );
    let address_item = if address_card { "住居地" } else { "住所" };
    let (item, value) = match &entry.change {
        Change::MoveIn {
            persons, address, ..
        } if persons.iter().any(|p| p.id == person) => (address_item, address.line()),
        Change::Relocation {
            persons, address, ..
        } if persons.contains(&person) => (address_item, address.line()),
        Change::Correction {
            person: p,
            correction,
            ..
        } if *p == person => {
            if address_card {
                return Err(none(&format!(
                    "{}の{}は出入国在留管理庁が記載します",
                    card.label(),
                    correction_item(correction)
                )));
            }
            match correction {
                Correction::Name { new, .. } => ("氏名", new.full()),
                Correction::BirthDate { new, new_text, .. } => (
                    "生年月日",
                    match new_text {
                        Some(t) => t.clone(),
                        None => format_wareki(*new)?,
                    },
                ),
                Correction::Sex { new, .. } => ("性別", new.label().to_string()),
                other => {
                    return Err(none(&format!(
                        "{}は券面に記載する事項ではありません",
                        correction_item(other)
                    )));
                }
            }
        }
        _ => {
            return Err(none(&format!(
                "この異動({})には、この人の{}に記載する事項がありません",
                entry.reason().label(),
                card.label()
            )));
        }
    };
    Ok(Endorsement {
        card,
        reason: entry.reason().label().to_string(),
        item: item.to_string(),
        value,
        notified_on: format_wareki(entry.notified_on)?,
    })
}

fn correction_item(c: &Correction) -> &'static str {
    match c {
        Correction::Name { .. } => "氏名",
        Correction::Furigana { .. } => "振り仮名",
        Correction::BirthDate { .. } => "生年月日",
        Correction::Sex { .. } => "性別",
        Correction::Honseki { .. } => "本籍",
        Correction::Relationship { .. } => "続柄",
        _ => "この項目",
    }
}
