//! 転出証明書 (4.1.3.0.3, j660): what the registry certifies to the municipality a
//! household moves to, printed for the persons of one 転出届.
//!
//! The items are those of 住民基本台帳法施行令第23条 (法第7条第1号から第5号まで、第7号、
//! 第8号の2、第10号から第10号の3まで及び第13号, with the 転出先 and the 転出の予定年月日),
//! and for a foreign resident the 法第30条の45 items with the 通称 and its history
//! (施行令第30条の26).
//!
//! - A 転出 notified within 14 days gets the 転出証明書 itself.
//! - A 転出届 more than 14 days after the move is not a 届出: the 転出 is recorded by 職権
//!   (4.1.3.0.1), and what is issued instead is the 転出証明書に準ずる証明書, which says it
//!   was issued as the document to attach to the 転入届.
//! - A 再交付 (lost, damaged) prints what the first issue printed — the state of the
//!   records then, never the latest (【実装しない機能】) — marked 再交付.

use crate::DomainError;
use crate::certificate::{
    CertificateContent, CertificateKind, CertificateRequest, Entry, Field, Item, Layout, SealPrint,
    Subject,
};
use crate::person::{Address, Honseki, Person, PersonStatus};
use crate::wareki::format_wareki;
use chrono::NaiveDate;

/// The 法第7条 items of other businesses a 転出証明書 carries (第10号から第10号の3まで).
const BUSINESS: [&str; 3] = ["国民健康保険", "後期高齢者医療", "介護保険"];

/// The items printed, for the issuance register.
const ITEMS: [Item; 15] = [
    Item::Name,
    Item::Furigana,
    Item::BirthDate,
    Item::Sex,
    Item::Head,
    Item::Relationship,
    Item::Address,
    Item::AddressSince,
    Item::Honseki,
    Item::JuminhyoCode,
    Item::IndividualNumber,
    Item::Nationality,
    Item::ResidenceDetails,
    Item::Alias,
    Item::BusinessItems,
];

/// The 転出 a person's record shows: where to and when (planned), and whether it has
/// been removed already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    pub planned_on: NaiveDate,
    pub destination: Address,
}

/// The 転出 of `p` that a 転出証明書 can certify: a 転出予定 on the register, or a 除票 by
/// 転出. A move abroad (国外転出) has none, nor has anyone else.
pub fn departure(p: &Person) -> Option<Departure> {
    match &p.status {
        PersonStatus::MovingOut {
            planned_on,
            destination,
            abroad: false,
            ..
        } => Some(Departure {
            planned_on: *planned_on,
            destination: destination.clone(),
        }),
        PersonStatus::Removed {
            reason: crate::RemovalReason::MovedOut,
            moved_out: Some(m),
            ..
        } => Some(Departure {
            planned_on: m.planned_on,
            destination: m.planned_destination.clone(),
        }),
        _ => None,
    }
}

fn field(label: &str, value: String, wide: bool) -> Field {
    Field {
        label: label.to_string(),
        value,
        wide,
    }
}

/// The certification text (認証文).
pub fn certification(kind: CertificateKind) -> &'static str {
    match kind {
        CertificateKind::MoveOutQuasi => {
            "上記の者は、転出により住民票を消除したことを証明する。この証明書は、転入届に添付すべき書類として発行した転出証明書に準ずる証明書である。"
        }
        _ => "上記の者は、転出の届出をしたことを証明する。",
    }
}

/// Builds a 転出証明書 (or the 準ずる証明書) for the persons of one 転出. The caller has
/// checked the requester (本人 or 同一世帯) and chosen the kind from the ledger.
pub fn build(
    req: &CertificateRequest,
    subjects: &[Subject],
    municipality: &str,
    mayor: &str,
    today: NaiveDate,
) -> Result<CertificateContent, DomainError> {
    let first = subjects.first().ok_or(DomainError::NoPersons)?;
    let refuse = |p: &Person, state: &'static str| DomainError::CertificateRecord {
        name: p.name.full(),
        state,
        kind: req.kind.title(),
    };
    let Some(going) = departure(&first.person) else {
        return Err(refuse(&first.person, state_of(&first.person)));
    };
    for s in subjects {
        let Some(d) = departure(&s.person) else {
            return Err(refuse(&s.person, state_of(&s.person)));
        };
        if d != going || s.person.household_id != first.person.household_id {
            return Err(DomainError::CertificateLayout(
                "転出証明書には、同じ世帯から同じ転出届で転出する人だけを記載できます".into(),
            ));
        }
    }
    if req.copies != 1 {
        return Err(DomainError::Invalid {
            field: "通数",
            reason: "転出証明書は1通だけ交付します(紛失等のときは再交付してください)".into(),
        });
    }
    let p = &first.person;
    let header = vec![
        field("住所", p.address.line(), true),
        field("世帯主", first.head_name.clone().unwrap_or_default(), true),
        field("転出先", going.destination.line(), true),
        field("転出の予定年月日", format_wareki(going.planned_on)?, true),
    ];
    let mut entries = Vec::with_capacity(subjects.len());
    for s in subjects {
        entries.push(Entry {
            person_id: s.person.id,
            fields: fields_of(s)?,
        });
    }
    Ok(CertificateContent {
        annex: vec![],
        kind: req.kind,
        layout: Layout::Household,
        title: req.kind.title().to_string(),
        header,
        entries,
        items: ITEMS.to_vec(),
        omitted: vec![],
        certification: certification(req.kind).to_string(),
        issued_on: today,
        issued_on_text: format_wareki(today)?,
        municipality: municipality.to_string(),
        mayor: mayor.to_string(),
        seal: SealPrint::Drawn,
        phrase: None,
        official: req.official,
        reissue_of: None,
        overflow: vec![],
    })
}

fn state_of(p: &Person) -> &'static str {
    match &p.status {
        PersonStatus::Active => "住民票(転出の届出なし)",
        PersonStatus::MovingOut { .. } => "国外転出の予定",
        PersonStatus::Removed { .. } => "転出以外の事由による除票",
    }
}

fn fields_of(s: &Subject) -> Result<Vec<Field>, DomainError> {
    let p = &s.person;
    let mut out = crate::certificate::name_fields(p);
    out.push(field("フリガナ", p.furigana.full(), false));
    out.push(field("生年月日", p.birth_date_shown()?, false));
    out.push(field("性別", p.sex.label().to_string(), false));
    out.push(field("続柄", p.relationship.label(), false));
    out.push(field("住所を定めた年月日", p.address_since_shown()?, false));
    out.push(field(
        "住民票コード",
        p.juminhyo_code
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        false,
    ));
    out.push(field(
        "個人番号",
        p.individual_number
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        false,
    ));
    match &p.foreign {
        None => out.push(field(
            "本籍・筆頭者",
            p.honseki.as_ref().map(Honseki::line).unwrap_or_default(),
            true,
        )),
        Some(f) => {
            out.push(field("国籍・地域", f.nationality.clone(), false));
            out.push(field(
                "法第30条の45に規定する区分",
                f.category.label().into(),
                false,
            ));
            out.push(field(
                "外国人住民となった年月日",
                p.became_resident_shown()?,
                false,
            ));
            out.push(field(
                "在留資格等",
                crate::certificate::residence_line(f),
                true,
            ));
            if let Some(card) = &f.card_number {
                out.push(field("在留カード等番号", card.clone(), false));
            }
            out.extend(crate::certificate::alias_fields(f)?);
        }
    }
    for (business, line) in s
        .business
        .iter()
        .filter(|(b, _)| BUSINESS.contains(&b.as_str()))
    {
        out.push(field(business, line.clone(), true));
    }
    Ok(out)
}

/// A 再交付 of an issued 転出証明書 (or 準ずる証明書): what it printed, marked 再交付,
/// with the day it is issued again and the 認証者 of that day.
pub fn reissue(
    original: &CertificateContent,
    original_serial: i64,
    original_date: NaiveDate,
    mayor: &str,
    today: NaiveDate,
) -> Result<CertificateContent, DomainError> {
    if !original.kind.of_move_out() {
        return Err(DomainError::CertificateLayout(format!(
            "{}は再交付できません(再交付できるのは転出証明書と転出証明書に準ずる証明書です)",
            original.kind.title()
        )));
    }
    let mut c = original.clone();
    c.title = format!("{}（再交付）", original.kind.title());
    c.header.retain(|f| f.label != "再交付");
    c.header.push(field(
        "再交付",
        format!(
            "当初の交付 {} 第{original_serial}号(記載事項は当初の交付の時のもの)",
            format_wareki(original_date)?
        ),
        true,
    ));
    c.issued_on = today;
    c.issued_on_text = format_wareki(today)?;
    c.mayor = mayor.to_string();
    c.reissue_of = Some(original_serial);
    // Its values as printed then, with what overflowed then (5.8).
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quasi_certificate_says_what_it_is() {
        assert!(certification(CertificateKind::MoveOutQuasi).contains("転入届に添付すべき書類"));
        assert!(!certification(CertificateKind::MoveOut).contains("準ずる"));
    }
}
