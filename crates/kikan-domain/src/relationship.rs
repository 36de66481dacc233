//! 続柄 (1.1.11, j110): the relationship to the head of household as the standard writes
//! it — 世帯主; one of its eleven terms (夫, 妻, 夫（未届）, 妻（未届）, 子, 父, 母, 兄, 姉,
//! 弟, 妹) or up to four of them joined by 「の」 (子の子, 妻の父, 子の子の子の子 …); 縁故者;
//! 同居人. Other forms (孫, 祖父, おじ …) are not to be used: they are refused at intake and
//! only read where kikan stored them before it followed the section.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// The most terms a chain may join (「４世代」: 子の子の子の子). Beyond, 縁故者.
pub const MAX_TERMS: usize = 4;

/// One term of a 続柄 chain (1.1.11 ②).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kin {
    Husband,
    Wife,
    CommonLawHusband,
    CommonLawWife,
    Child,
    Father,
    Mother,
    ElderBrother,
    ElderSister,
    YoungerBrother,
    YoungerSister,
}

impl Kin {
    /// Every term, in the standard's order.
    pub const ALL: [Kin; 11] = [
        Kin::Husband,
        Kin::Wife,
        Kin::CommonLawHusband,
        Kin::CommonLawWife,
        Kin::Child,
        Kin::Father,
        Kin::Mother,
        Kin::ElderBrother,
        Kin::ElderSister,
        Kin::YoungerBrother,
        Kin::YoungerSister,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kin::Husband => "夫",
            Kin::Wife => "妻",
            Kin::CommonLawHusband => "夫（未届）",
            Kin::CommonLawWife => "妻（未届）",
            Kin::Child => "子",
            Kin::Father => "父",
            Kin::Mother => "母",
            Kin::ElderBrother => "兄",
            Kin::ElderSister => "姉",
            Kin::YoungerBrother => "弟",
            Kin::YoungerSister => "妹",
        }
    }
}

/// Forms kikan kept before it followed 1.1.11. They are read (and printed) as stored,
/// so that sealed ledger entries stay byte for byte what they were, and are refused at
/// intake with the standard's form to use instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyRelationship {
    Grandchild,
    GreatGrandchild,
    Grandfather,
    Grandmother,
    Uncle,
    Aunt,
    Nephew,
    Niece,
    CommonLawWife,
    CommonLawHusband,
    CommonLawWifesChild,
    CommonLawHusbandsChild,
}

impl LegacyRelationship {
    const ALL: [LegacyRelationship; 12] = [
        LegacyRelationship::Grandchild,
        LegacyRelationship::GreatGrandchild,
        LegacyRelationship::Grandfather,
        LegacyRelationship::Grandmother,
        LegacyRelationship::Uncle,
        LegacyRelationship::Aunt,
        LegacyRelationship::Nephew,
        LegacyRelationship::Niece,
        LegacyRelationship::CommonLawWife,
        LegacyRelationship::CommonLawHusband,
        LegacyRelationship::CommonLawWifesChild,
        LegacyRelationship::CommonLawHusbandsChild,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LegacyRelationship::Grandchild => "孫",
            LegacyRelationship::GreatGrandchild => "曾孫",
            LegacyRelationship::Grandfather => "祖父",
            LegacyRelationship::Grandmother => "祖母",
            LegacyRelationship::Uncle => "おじ",
            LegacyRelationship::Aunt => "おば",
            LegacyRelationship::Nephew => "おい",
            LegacyRelationship::Niece => "めい",
            LegacyRelationship::CommonLawWife => "妻(未届)",
            LegacyRelationship::CommonLawHusband => "夫(未届)",
            LegacyRelationship::CommonLawWifesChild => "妻(未届)の子",
            LegacyRelationship::CommonLawHusbandsChild => "夫(未届)の子",
        }
    }

    /// The standard's forms this one may stand for: one when it is a plain rewriting
    /// (孫 is 子の子), several when only the family knows (祖父: 父の父 or 母の父).
    pub fn standard_forms(self) -> &'static [&'static str] {
        match self {
            LegacyRelationship::Grandchild => &["子の子"],
            LegacyRelationship::GreatGrandchild => &["子の子の子"],
            LegacyRelationship::Grandfather => &["父の父", "母の父"],
            LegacyRelationship::Grandmother => &["父の母", "母の母"],
            LegacyRelationship::Uncle => &["父の兄", "父の弟", "母の兄", "母の弟"],
            LegacyRelationship::Aunt => &["父の姉", "父の妹", "母の姉", "母の妹"],
            LegacyRelationship::Nephew => &["兄の子", "弟の子", "姉の子", "妹の子"],
            LegacyRelationship::Niece => &["兄の子", "弟の子", "姉の子", "妹の子"],
            LegacyRelationship::CommonLawWife => &["妻（未届）"],
            LegacyRelationship::CommonLawHusband => &["夫（未届）"],
            LegacyRelationship::CommonLawWifesChild => &["妻（未届）の子"],
            LegacyRelationship::CommonLawHusbandsChild => &["夫（未届）の子"],
        }
    }
}

/// 続柄: the relationship to the head of household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// 世帯主.
    Head,
    /// One to four terms joined by 「の」; `terms[len..]` are always `Kin::Child`, so
    /// that equal chains compare equal.
    Kin { terms: [Kin; MAX_TERMS], len: u8 },
    /// 縁故者 (also for kinship of five terms or more, 1.1.11 留意点).
    Relative,
    /// 同居人.
    Lodger,
    /// A form stored before 1.1.11 was followed (never taken at intake).
    Legacy(LegacyRelationship),
}

#[allow(non_upper_case_globals)]
impl Relationship {
    pub const Husband: Relationship = Relationship::one(Kin::Husband);
    pub const Wife: Relationship = Relationship::one(Kin::Wife);
    pub const CommonLawHusband: Relationship = Relationship::one(Kin::CommonLawHusband);
    pub const CommonLawWife: Relationship = Relationship::one(Kin::CommonLawWife);
    pub const Child: Relationship = Relationship::one(Kin::Child);
    pub const Father: Relationship = Relationship::one(Kin::Father);
    pub const Mother: Relationship = Relationship::one(Kin::Mother);
    pub const ElderBrother: Relationship = Relationship::one(Kin::ElderBrother);
    pub const ElderSister: Relationship = Relationship::one(Kin::ElderSister);
    pub const YoungerBrother: Relationship = Relationship::one(Kin::YoungerBrother);
    pub const YoungerSister: Relationship = Relationship::one(Kin::YoungerSister);

    const fn one(k: Kin) -> Relationship {
        Relationship::Kin {
            terms: [k, Kin::Child, Kin::Child, Kin::Child],
            len: 1,
        }
    }

    /// A chain of one to four terms.
    pub fn chain(terms: &[Kin]) -> Option<Relationship> {
        if terms.is_empty() || terms.len() > MAX_TERMS {
            return None;
        }
        let mut t = [Kin::Child; MAX_TERMS];
        t[..terms.len()].copy_from_slice(terms);
        Some(Relationship::Kin {
            terms: t,
            len: terms.len() as u8,
        })
    }

    /// The label, as printed and as the API and the ledger write it.
    pub fn label(&self) -> String {
        match self {
            Relationship::Head => "世帯主".into(),
            Relationship::Relative => "縁故者".into(),
            Relationship::Lodger => "同居人".into(),
            Relationship::Legacy(l) => l.label().into(),
            Relationship::Kin { terms, len } => terms[..usize::from(*len)]
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join("の"),
        }
    }

    /// Reads a 続柄 entered at the counter or through the API: only the standard's
    /// forms. Half-width brackets are taken for full-width ones (妻(未届) is 妻（未届）).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if let Some(l) = LegacyRelationship::ALL
            .iter()
            .find(|l| l.label() == t && !t.contains('('))
        {
            return Err(DomainError::RelationshipForm {
                value: t.into(),
                hint: format!("{}と入力してください", l.standard_forms().join(" または ")),
            });
        }
        let normalised = t.replace('(', "（").replace(')', "）");
        Self::read(&normalised).ok_or_else(|| {
            let terms = normalised.split('の').count();
            if terms > MAX_TERMS && Self::read_terms(&normalised).is_some() {
                DomainError::RelationshipForm {
                    value: t.into(),
                    hint: "「の」でつなげるのは4世代までです。5世代以上は「縁故者」としてください"
                        .into(),
                }
            } else {
                DomainError::UnknownCode {
                    kind: "続柄",
                    value: t.into(),
                }
            }
        })
    }

    /// Reads a stored 続柄: the standard's forms, and the forms stored before them.
    pub fn parse_stored(s: &str) -> Result<Self, DomainError> {
        if let Some(l) = LegacyRelationship::ALL.iter().find(|l| l.label() == s) {
            return Ok(Relationship::Legacy(*l));
        }
        Self::read(s).ok_or_else(|| DomainError::UnknownCode {
            kind: "続柄",
            value: s.into(),
        })
    }

    fn read(s: &str) -> Option<Self> {
        match s {
            "世帯主" => Some(Relationship::Head),
            "縁故者" => Some(Relationship::Relative),
            "同居人" => Some(Relationship::Lodger),
            _ => Self::chain(&Self::read_terms(s)?),
        }
    }

    fn read_terms(s: &str) -> Option<Vec<Kin>> {
        s.split('の')
            .map(|part| Kin::ALL.iter().copied().find(|k| k.label() == part))
            .collect()
    }

    /// Is this a form stored before 1.1.11 was followed?
    pub fn is_legacy(&self) -> bool {
        matches!(self, Relationship::Legacy(_))
    }

    /// The forms staff are offered to pick from: 世帯主, every term, every chain of two,
    /// 縁故者 and 同居人 (longer chains are typed, and read by [`Relationship::parse`]).
    pub fn offered() -> Vec<String> {
        let mut out = vec!["世帯主".to_string()];
        out.extend(Kin::ALL.iter().map(|k| k.label().to_string()));
        for a in Kin::ALL {
            for b in Kin::ALL {
                out.push(format!("{}の{}", a.label(), b.label()));
            }
        }
        out.push("縁故者".into());
        out.push("同居人".into());
        out
    }
}

impl std::fmt::Display for Relationship {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for Relationship {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for Relationship {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Relationship::parse_stored(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> &'static str {
        Relationship::parse(s).map_or_else(|e| e.code(), |_| "ok")
    }

    #[test]
    fn the_standards_forms_are_read_and_written_back() {
        for s in [
            "世帯主",
            "妻",
            "夫（未届）",
            "子の妻",
            "子の子",
            "妻の父",
            "子の子の子の子",
            "妻（未届）の子",
            "縁故者",
            "同居人",
        ] {
            assert_eq!(Relationship::parse(s).map(|r| r.label()), Ok(s.to_string()));
        }
        assert_eq!(
            Relationship::parse("夫(未届)").map(|r| r.label()),
            Ok("夫（未届）".into())
        );
        assert_eq!(
            Relationship::parse("子の子"),
            Ok(Relationship::chain(&[Kin::Child, Kin::Child]).unwrap_or(Relationship::Head))
        );
        assert_eq!(Relationship::Wife.label(), "妻");
        assert_eq!(Relationship::offered().len(), 1 + 11 + 121 + 2);
    }

    #[test]
    fn forms_the_standard_does_not_use_are_refused_with_the_right_one() {
        assert_eq!(code("孫"), "E-CODE-007");
        assert_eq!(code("祖父"), "E-CODE-007");
        let e = Relationship::parse("孫").map_err(|e| e.to_string());
        assert!(e.is_err_and(|m| m.contains("子の子")));
        assert_eq!(code("子の子の子の子の子"), "E-CODE-007");
        assert_eq!(code("いとこ"), "E-CODE-005");
        assert_eq!(code("子の"), "E-CODE-005");
        assert_eq!(code(""), "E-CODE-005");
    }

    #[test]
    fn stored_forms_of_before_round_trip_unchanged() {
        for l in LegacyRelationship::ALL {
            let json = format!("\"{}\"", l.label());
            let r: Relationship = serde_json::from_str(&json).unwrap_or(Relationship::Head);
            assert!(r.is_legacy(), "{json}");
            assert_eq!(serde_json::to_string(&r).ok(), Some(json));
        }
        let r: Result<Relationship, _> = serde_json::from_str("\"いとこ\"");
        assert!(r.is_err());
    }
}
