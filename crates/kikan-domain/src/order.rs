//! 世帯員の並び順 (5.2, j1010): the order of a household's members on a 世帯連記式 写し,
//! by the standard's 順位 —
//!
//! 1. 第１順位: the 世帯主, their spouse, then the 世帯主's children without a family of
//!    their own in the household (by 生年月日, then 宛名番号);
//! 2. 第２順位: each child's family — the child, their spouse, their children —, the
//!    families in the order of the children's 生年月日;
//! 3. 第３順位: the 世帯主's parents (the 筆頭者 first), brothers and sisters, then
//!    grandparents (the 筆頭者 first);
//! 4. 第４順位: other 親族, then 縁故者, then 同居人 (each by 生年月日, then 宛名番号).
//!
//! A child's spouse or child is of that child's family when they share its 戸籍 (the same
//! 本籍 and 筆頭者: a married child heads or joins a 戸籍 of their own); where the 戸籍
//! does not tell and the household has one child only, of that child's; otherwise they
//! follow the families, in their own order.

use crate::person::{Person, PersonId};
use crate::relationship::{Kin, LegacyRelationship, Relationship};

/// Where a member stands before the families are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Head,
    Spouse,
    Child,
    /// A child's spouse (2-2) or descendant (2-3).
    ChildsSpouse,
    ChildsChild,
    Parent,
    Sibling,
    Grandparent,
    Kin,
    Relative,
    Lodger,
}

fn is_spouse(k: Kin) -> bool {
    matches!(
        k,
        Kin::Husband | Kin::Wife | Kin::CommonLawHusband | Kin::CommonLawWife
    )
}

fn place(r: &Relationship) -> Place {
    match r {
        Relationship::Head => Place::Head,
        Relationship::Relative => Place::Relative,
        Relationship::Lodger => Place::Lodger,
        Relationship::Legacy(l) => match l {
            LegacyRelationship::Grandchild | LegacyRelationship::GreatGrandchild => {
                Place::ChildsChild
            }
            LegacyRelationship::Grandfather | LegacyRelationship::Grandmother => Place::Grandparent,
            LegacyRelationship::CommonLawWife | LegacyRelationship::CommonLawHusband => {
                Place::Spouse
            }
            _ => Place::Kin,
        },
        Relationship::Kin { terms, len } => {
            let t = &terms[..usize::from(*len)];
            let parent = |k: &Kin| matches!(k, Kin::Father | Kin::Mother);
            match t {
                [k] if is_spouse(*k) => Place::Spouse,
                [Kin::Child] => Place::Child,
                [Kin::Child, k] if is_spouse(*k) => Place::ChildsSpouse,
                [Kin::Child, rest @ ..] if rest.iter().all(|k| *k == Kin::Child) => {
                    Place::ChildsChild
                }
                [k] if parent(k) => Place::Parent,
                [
                    Kin::ElderBrother | Kin::ElderSister | Kin::YoungerBrother | Kin::YoungerSister,
                ] => Place::Sibling,
                [a, b] if parent(a) && parent(b) => Place::Grandparent,
                _ => Place::Kin,
            }
        }
    }
}

/// Whether the person heads the 戸籍 they are in (筆頭者).
fn heads_koseki(p: &Person) -> bool {
    p.honseki
        .as_ref()
        .is_some_and(|h| h.head_name == p.name.full())
}

fn same_koseki(a: &Person, b: &Person) -> bool {
    match (&a.honseki, &b.honseki) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The members in the standard's order (5.2).
pub fn standard_order(members: &[&Person]) -> Vec<PersonId> {
    let places: Vec<Place> = members.iter().map(|m| place(&m.relationship)).collect();
    let children: Vec<&Person> = members
        .iter()
        .zip(&places)
        .filter(|(_, p)| **p == Place::Child)
        .map(|(m, _)| *m)
        .collect();
    // Each child's spouse or descendant: the child whose family they are of.
    let family_of = |m: &Person| -> Option<PersonId> {
        let by_koseki: Vec<&&Person> = children.iter().filter(|c| same_koseki(c, m)).collect();
        match (by_koseki.as_slice(), children.as_slice()) {
            ([c], _) => Some(c.id),
            (_, [only]) => Some(only.id),
            _ => None,
        }
    };
    let linked: Vec<(PersonId, Option<PersonId>)> = members
        .iter()
        .zip(&places)
        .map(|(m, p)| match p {
            Place::ChildsSpouse | Place::ChildsChild => (m.id, family_of(m)),
            _ => (m.id, None),
        })
        .collect();
    let has_family = |c: PersonId| linked.iter().any(|(_, f)| *f == Some(c));
    let birth = |m: &Person| (m.birth_date, m.id);
    let mut keyed: Vec<_> = members
        .iter()
        .zip(&places)
        .map(|(m, p)| {
            let family = linked
                .iter()
                .find(|(id, _)| *id == m.id)
                .and_then(|(_, f)| *f);
            // (順位, the family's child, 順位内の並び, 筆頭者 first, 生年月日, 宛名番号)
            let (rank, fam, sub) = match p {
                Place::Head => (1, None, 1),
                Place::Spouse => (1, None, 2),
                Place::Child if has_family(m.id) => (2, Some(*m), 1),
                Place::Child => (1, None, 3),
                Place::ChildsSpouse | Place::ChildsChild => {
                    let sub = if *p == Place::ChildsSpouse { 2 } else { 3 };
                    match family.and_then(|f| members.iter().find(|x| x.id == f)) {
                        Some(c) => (2, Some(*c), sub),
                        // Not known whose: after the families.
                        None => (2, None, sub),
                    }
                }
                Place::Parent => (3, None, 1),
                Place::Sibling => (3, None, 2),
                Place::Grandparent => (3, None, 3),
                Place::Kin => (4, None, 1),
                Place::Relative => (4, None, 2),
                Place::Lodger => (4, None, 3),
            };
            let head_first = matches!(p, Place::Parent | Place::Grandparent) && heads_koseki(m);
            (
                (
                    rank,
                    fam.is_none(),
                    fam.map(&birth),
                    sub,
                    !head_first,
                    birth(m),
                ),
                m.id,
            )
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// How a municipality orders the members of a 世帯連記式 写し (5.2), kept as its setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberOrder {
    /// As they joined the household (one who joins is written last).
    #[default]
    Joined,
    /// By the standard's 順位 ([`standard_order`]).
    Standard,
}

impl MemberOrder {
    pub fn label(self) -> &'static str {
        match self {
            MemberOrder::Joined => "記載順(異動の順)",
            MemberOrder::Standard => "標準の順位",
        }
    }
}

/// `asked` in a household's own order, where one was set (`set`: 任意の並び順); members
/// it does not name follow, in `fallback`'s order.
pub fn in_set_order(asked: &[PersonId], set: &[PersonId], fallback: &[PersonId]) -> Vec<PersonId> {
    let mut out: Vec<PersonId> = set.iter().copied().filter(|p| asked.contains(p)).collect();
    for p in fallback.iter().chain(asked) {
        if asked.contains(p) && !out.contains(p) {
            out.push(*p);
        }
    }
    out
}
