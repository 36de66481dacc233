//! 外字 (2.1.2, j330): characters a municipality registers, each with the 異体字 it is to be
//! found by — 「外字を登録する際に、異体字を合わせて登録した場合は、それも包含して検索できること」.
//!
//! kikan keeps a name as written (an MJ character, its variation sequence, a GJ addition
//! of the private-use plane 15), so a 外字 here is not a new code point: it is the
//! character the municipality names — with its MJ文字図形名 where it is one of the
//! 文字情報基盤 — and the characters staff may type for it. A search for any of them finds
//! names written with the others ([`VariantGroups::spellings`]), on top of the folding
//! every search does ([`crate::names::kanji_key`]). A registration takes effect at once:
//! the stored search keys stay as they are and the search asks for each spelling.

use crate::DomainError;
use crate::names::{is_ideograph, is_variation_selector, kanji_key};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The most spellings one searched text is widened to (a name with several registered
/// characters, each with several variants): the rest of its characters are searched as
/// typed (and as the usual folding has them).
pub const MAX_SPELLINGS: usize = 64;

/// The most 異体字 one 外字 carries.
pub const MAX_VARIANTS: usize = 20;

/// A registered 外字.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gaiji {
    /// 登録番号, given at registration (0 asks for the next).
    pub id: i64,
    /// The character: one ideograph (with its variation selector, where it has one) or a
    /// character of the private-use plane 15 (a 行政事務標準文字 GJ addition).
    pub text: String,
    /// MJ文字図形名 (`MJ012345`), where it is one of the 文字情報基盤 characters.
    #[serde(default)]
    pub mj: Option<String>,
    /// A note for staff (its reading, where it was first needed).
    #[serde(default)]
    pub note: String,
    /// 異体字 registered with it: a search for any of them finds the others.
    pub variants: Vec<String>,
    /// 使用中: a registration taken out of use stays (its number is not given again) but
    /// widens no search.
    #[serde(default = "yes")]
    pub in_use: bool,
}

fn yes() -> bool {
    true
}

fn invalid(reason: impl Into<String>) -> DomainError {
    DomainError::GaijiRegistration {
        reason: reason.into(),
    }
}

/// One character as registered: an ideograph with at most one variation selector, or a
/// character of plane 15; `what` names it in the error.
fn one_character(what: &str, text: &str) -> Result<String, DomainError> {
    let t = text.trim();
    let cs: Vec<char> = t.chars().collect();
    let ok = match cs.as_slice() {
        [c] => is_ideograph(*c) || matches!(*c as u32, 0xF0000..=0xFFFFD),
        [c, vs] => is_ideograph(*c) && is_variation_selector(*vs),
        _ => false,
    };
    if ok {
        Ok(t.to_string())
    } else {
        Err(invalid(format!(
            "{what}「{t}」は漢字1字(異体字セレクタ付きも可)又は第15面の私用領域の1字で指定してください"
        )))
    }
}

/// The character a search compares for `text` (its selector dropped, folded as every
/// search folds it).
pub fn searched_as(text: &str) -> Option<char> {
    kanji_key(text).chars().next()
}

impl Gaiji {
    /// Checks and tidies a registration (E-GAIJI-001).
    pub fn validate(&mut self) -> Result<(), DomainError> {
        self.text = one_character("外字", &self.text)?;
        self.note = self.note.trim().to_string();
        if self.note.chars().count() > 100 {
            return Err(invalid("備考は100文字以内です"));
        }
        self.mj = match self.mj.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => {
                let digits = m.strip_prefix("MJ").or_else(|| m.strip_prefix("mj"));
                match digits {
                    Some(d) if d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()) => {
                        Some(format!("MJ{d}"))
                    }
                    _ => {
                        return Err(invalid(format!(
                            "MJ文字図形名「{m}」はMJと6桁の数字(例: MJ012345)で指定してください"
                        )));
                    }
                }
            }
        };
        let own = searched_as(&self.text);
        let mut seen: BTreeMap<char, String> = BTreeMap::new();
        if let Some(c) = own {
            seen.insert(c, self.text.clone());
        }
        let mut variants = Vec::new();
        for v in &self.variants {
            if v.trim().is_empty() {
                continue;
            }
            let v = one_character("異体字", v)?;
            let Some(c) = searched_as(&v) else { continue };
            if let Some(first) = seen.get(&c) {
                return Err(invalid(format!(
                    "異体字「{v}」は「{first}」と同じ文字として検索されます(登録は不要です)"
                )));
            }
            seen.insert(c, v.clone());
            variants.push(v);
        }
        if variants.is_empty() {
            return Err(invalid("異体字を1字以上指定してください"));
        }
        if variants.len() > MAX_VARIANTS {
            return Err(invalid(format!("異体字は{MAX_VARIANTS}字までです")));
        }
        self.variants = variants;
        Ok(())
    }

    /// The characters a search compares for it: its own and its variants'.
    pub fn searched(&self) -> BTreeSet<char> {
        std::iter::once(self.text.as_str())
            .chain(self.variants.iter().map(String::as_str))
            .filter_map(searched_as)
            .collect()
    }

    /// Does it name `text` (the 外字 itself or one of its variants, selectors aside)?
    pub fn names(&self, text: &str) -> bool {
        searched_as(text).is_some_and(|c| self.searched().contains(&c))
    }
}

/// Refuses a registration whose 外字 is registered already (another registration in use
/// naming it as its 外字 or one of its 異体字): E-GAIJI-002.
pub fn check_unique(g: &Gaiji, all: &[Gaiji]) -> Result<(), DomainError> {
    match all
        .iter()
        .find(|o| o.id != g.id && o.in_use && o.names(&g.text))
    {
        Some(o) => Err(DomainError::GaijiRegistered {
            text: g.text.clone(),
            id: o.id,
        }),
        None => Ok(()),
    }
}

/// The registered 外字 in use, as groups of characters a search treats as one: two
/// registrations that share a character are one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantGroups {
    groups: Vec<BTreeSet<char>>,
    of: BTreeMap<char, usize>,
}

impl VariantGroups {
    pub fn new(registered: &[Gaiji]) -> Self {
        let mut groups: Vec<BTreeSet<char>> = Vec::new();
        for g in registered.iter().filter(|g| g.in_use) {
            let mut set = g.searched();
            // Merge every group that shares a character with this one.
            let (joined, rest): (Vec<_>, Vec<_>) =
                groups.into_iter().partition(|x| !x.is_disjoint(&set));
            for j in joined {
                set.extend(j);
            }
            groups = rest;
            if set.len() > 1 {
                groups.push(set);
            }
        }
        let of = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.iter().map(move |c| (*c, i)))
            .collect();
        VariantGroups { groups, of }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The characters searched as one with `c` (a search key's character), `c` included;
    /// `None` when no registration names it.
    pub fn group_of(&self, c: char) -> Option<&BTreeSet<char>> {
        self.of.get(&c).map(|i| &self.groups[*i])
    }

    /// Every spelling of a search key with each registered character replaced by each
    /// character of its group, the key itself first; at most [`MAX_SPELLINGS`].
    pub fn spellings(&self, key: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        for c in key.chars() {
            match self.group_of(c) {
                Some(g) if out.len() * g.len() <= MAX_SPELLINGS => {
                    // The typed character first, so the key itself stays first.
                    let order: Vec<char> = std::iter::once(c)
                        .chain(g.iter().copied().filter(|x| *x != c))
                        .collect();
                    out = out
                        .iter()
                        .flat_map(|s| {
                            order.iter().map(move |x| {
                                let mut n = s.clone();
                                n.push(*x);
                                n
                            })
                        })
                        .collect();
                }
                _ => out.iter_mut().for_each(|s| s.push(c)),
            }
        }
        out
    }

    /// A key with each registered character replaced by the first of its group: two names
    /// the registrations make one have the same canonical key.
    pub fn canonical(&self, key: &str) -> String {
        key.chars()
            .map(|c| {
                self.group_of(c)
                    .and_then(|g| g.iter().next().copied())
                    .unwrap_or(c)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaiji(id: i64, text: &str, variants: &[&str]) -> Gaiji {
        Gaiji {
            id,
            text: text.into(),
            mj: None,
            note: String::new(),
            variants: variants.iter().map(|v| v.to_string()).collect(),
            in_use: true,
        }
    }

    #[test]
    fn a_registration_is_checked() {
        let mut g = gaiji(1, " 𠮷 ", &["吉", " "]);
        g.mj = Some("mj012345".into());
        assert_eq!(g.validate(), Ok(()));
        assert_eq!((g.text.as_str(), g.mj.as_deref()), ("𠮷", Some("MJ012345")));
        assert_eq!(g.variants, vec!["吉".to_string()]);
        // With its selector, and a GJ addition of plane 15.
        assert!(gaiji(1, "葛\u{E0102}", &["曷"]).validate().is_ok());
        assert!(gaiji(1, "\u{F0001}", &["吉"]).validate().is_ok());
        let code = |mut g: Gaiji| g.validate().map_err(|e| (e.code(), e.to_string()));
        for bad in [
            gaiji(1, "吉田", &["𠮷"]),
            gaiji(1, "a", &["𠮷"]),
            gaiji(1, "\u{E000}", &["𠮷"]),
            gaiji(1, "\u{E0100}吉", &["𠮷"]),
            gaiji(1, "𠮷", &[]),
            gaiji(1, "𠮷", &["吉吉"]),
            // Found as one already: 邊 folds to 辺, a selector is dropped.
            gaiji(1, "辺", &["邊"]),
            gaiji(1, "葛", &["葛\u{E0100}"]),
            gaiji(1, "𠮷", &["吉", "吉"]),
        ] {
            let e = code(bad.clone());
            assert!(
                matches!(&e, Err(("E-GAIJI-001", m)) if m.starts_with("外字を登録できません")),
                "{bad:?}: {e:?}"
            );
        }
        let mut g = gaiji(1, "𠮷", &["吉"]);
        g.mj = Some("MJ12".into());
        assert!(code(g).is_err());
    }

    #[test]
    fn one_character_is_registered_once() {
        let all = vec![gaiji(1, "𠮷", &["吉"]), gaiji(2, "髙", &["高"])];
        assert_eq!(
            check_unique(&gaiji(0, "髙", &["嵩"]), &all).map_err(|e| e.code()),
            Err("E-GAIJI-002")
        );
        // As another's variant.
        assert!(check_unique(&gaiji(0, "吉", &["桔"]), &all).is_err());
        // Its own registration corrected; one out of use no longer counts.
        assert!(check_unique(&gaiji(2, "髙", &["嵩"]), &all).is_ok());
        let mut out = all.clone();
        out[1].in_use = false;
        assert!(check_unique(&gaiji(0, "髙", &["嵩"]), &out).is_ok());
    }

    #[test]
    fn a_search_key_is_spelled_every_way() {
        let g = VariantGroups::new(&[gaiji(1, "𠮷", &["吉"]), gaiji(2, "栢", &["柏"])]);
        assert_eq!(g.spellings("吉田"), vec!["吉田", "𠮷田"]);
        assert_eq!(g.spellings("𠮷田"), vec!["𠮷田", "吉田"]);
        assert_eq!(g.spellings("山田"), vec!["山田"]);
        assert_eq!(g.spellings("柏吉"), vec!["柏吉", "柏𠮷", "栢吉", "栢𠮷"]);
        assert_eq!(g.canonical("𠮷田"), g.canonical("吉田"));
        assert_ne!(g.canonical("𠮷田"), g.canonical("柏田"));
        assert_eq!(g.canonical("柏田"), g.canonical("栢田"));
        // Registrations sharing a character are one group; one out of use is none.
        let mut list = vec![gaiji(1, "𠮷", &["吉"]), gaiji(2, "桔", &["吉"])];
        let g = VariantGroups::new(&list);
        assert_eq!(g.spellings("桔").len(), 3);
        list[1].in_use = false;
        assert_eq!(VariantGroups::new(&list).spellings("桔"), vec!["桔"]);
        // The usual folding applies to what is registered: 邉 is searched as 辺.
        let g = VariantGroups::new(&[gaiji(1, "\u{F0001}", &["邉"])]);
        assert_eq!(g.spellings("辺"), vec!["辺", "\u{F0001}"]);
        // A long name stops widening at the limit.
        let g = VariantGroups::new(&[gaiji(1, "𠮷", &["吉", "桔", "佶"])]);
        let many = g.spellings("吉吉吉吉");
        assert_eq!(many.len(), 64);
        assert_eq!(g.spellings(&"吉".repeat(5)).len(), 64);
        assert!(VariantGroups::new(&[]).is_empty());
    }
}
