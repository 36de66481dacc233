//! The registry state and the one function that changes it: [`Registry::apply`].
//!
//! The same `apply` serves the online path (on a slice of the registry loaded for one
//! change) and the replay check (on the whole registry rebuilt from the ledger), so the
//! projections are, by construction, a fold of the ledger.

use crate::ledger::{
    ARCHIVE_AFTER_YEARS, Change, Correction, CorrectionKind, LedgerEntry, MemberRelationship,
    MoveInHousehold, MoveInKind, PersonData, RelocationTarget, Residence, Succession,
};
use crate::lists::{ForeignCategory, NationalityChangeKind, Relationship, RemovalReason};
use crate::names::{Furigana, PersonName};
use crate::person::{
    Address, ForeignDetails, FormerSurname, Honseki, Household, HouseholdId, MoveInNotice,
    MoveInRecord, MoveOutRecord, PastAlias, Person, PersonId, PersonStatus,
};
use crate::{Alias, DomainError};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The records one change wrote, by id, in ascending order, and what staff must be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub persons: Vec<PersonId>,
    pub households: Vec<HouseholdId>,
    pub notices: Vec<Notice>,
}

/// What the rules allowed but staff must hear of (アラート, 11.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The head left and two or more members stay: the household is without a 世帯主
    /// until a 世帯主変更 (1.1.10, 4.0.4).
    Headless { household: HouseholdId },
    /// The head left and one member stays: that member was made 世帯主 by 職権 (4.0.4).
    HeadByOffice {
        household: HouseholdId,
        person: PersonId,
    },
    /// A 転出届 of the head while others stay and no successor was named: on the day of
    /// removal the household will be without a 世帯主 (two or more stay) or its one
    /// remaining member its head.
    HeadMovesOut {
        household: HouseholdId,
        remaining: usize,
    },
}

impl Notice {
    /// The alert, in Japanese, as staff read it.
    pub fn message(&self) -> String {
        match self {
            Notice::Headless { household } => format!(
                "世帯番号{household}の世帯は世帯主が不在になりました。世帯主変更を行ってください"
            ),
            Notice::HeadByOffice { household, .. } => format!(
                "世帯番号{household}の世帯に残る世帯員を職権で世帯主としました。世帯主変更通知書を送付してください"
            ),
            Notice::HeadMovesOut {
                household,
                remaining,
            } if *remaining >= 2 => format!(
                "世帯主の転出により、転出の日から世帯番号{household}の世帯は世帯主が不在になります。世帯主変更を行ってください"
            ),
            Notice::HeadMovesOut { household, .. } => format!(
                "世帯主の転出により、転出の日に世帯番号{household}の世帯に残る世帯員を職権で世帯主とします"
            ),
        }
    }
}

/// The registry, or a slice of it: persons and households by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    persons: HashMap<PersonId, Person>,
    households: HashMap<HouseholdId, Household>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a stored record to a slice (the store's loading path).
    pub fn insert_person(&mut self, p: Person) {
        self.persons.insert(p.id, p);
    }
    pub fn insert_household(&mut self, h: Household) {
        self.households.insert(h.id, h);
    }
    /// Takes a record out of a slice (the replay check keeps only what later entries need).
    pub fn forget_person(&mut self, id: PersonId) -> Option<Person> {
        self.persons.remove(&id)
    }
    pub fn forget_household(&mut self, id: HouseholdId) -> Option<Household> {
        self.households.remove(&id)
    }
    pub fn person(&self, id: PersonId) -> Option<&Person> {
        self.persons.get(&id)
    }
    pub fn household(&self, id: HouseholdId) -> Option<&Household> {
        self.households.get(&id)
    }
    pub fn persons(&self) -> impl Iterator<Item = &Person> {
        self.persons.values()
    }
    pub fn households(&self) -> impl Iterator<Item = &Household> {
        self.households.values()
    }
    pub fn len(&self) -> usize {
        self.persons.len()
    }
    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// Applies one ledger entry. On error nothing has changed.
    pub fn apply(&mut self, entry: &LedgerEntry) -> Result<Touched, DomainError> {
        let mut w = Work {
            base: self,
            persons: BTreeMap::new(),
            households: BTreeMap::new(),
            on: entry.effective_on,
            on_text: entry.effective_text.clone(),
            notified_on: entry.notified_on,
            notices: vec![],
        };
        // A move between the 住民記録 database and the 除票用データベース changes no item:
        // the record keeps its version and its last 異動日 (a cancellation of an earlier
        // entry is not blocked by it, 4.6.0.1), and its head's name as it was.
        let moved_only = matches!(
            entry.change,
            Change::Archive { .. } | Change::ArchiveReturn { .. }
        );
        w.change(entry)?;
        if !moved_only {
            w.refresh_head_names()?;
        }
        // A 除票 in the 除票用データベース takes part in nothing until it is brought back.
        if !matches!(entry.change, Change::ArchiveReturn { .. }) {
            for (id, p) in &w.persons {
                if let Some(was) = self.persons.get(id).filter(|b| b.archived_on.is_some()) {
                    return Err(DomainError::Archived {
                        name: was.name.full(),
                        id: p.id.to_string(),
                    });
                }
            }
        }
        let Work {
            persons,
            households,
            on,
            notices,
            ..
        } = w;
        let touched = Touched {
            persons: persons.keys().copied().collect(),
            households: households.keys().copied().collect(),
            notices,
        };
        for (id, mut p) in persons {
            if !moved_only {
                p.version += 1;
                p.last_change_on = p.last_change_on.max(on);
            }
            self.persons.insert(id, p);
        }
        for (id, mut h) in households {
            h.version += 1;
            self.households.insert(id, h);
        }
        Ok(touched)
    }
}

/// The copy-on-write working set of one change.
struct Work<'a> {
    base: &'a Registry,
    persons: BTreeMap<PersonId, Person>,
    households: BTreeMap<HouseholdId, Household>,
    on: NaiveDate,
    /// The 異動日 as recorded when 不詳 (1.1.8).
    on_text: Option<String>,
    /// 届出日 (or the day of the notice, the 申出日).
    notified_on: NaiveDate,
    notices: Vec<Notice>,
}

fn not_before_birth(
    what: &'static str,
    date: NaiveDate,
    birth: NaiveDate,
) -> Result<(), DomainError> {
    if date < birth {
        return Err(DomainError::DateBeforeBirth {
            what,
            date: date.to_string(),
            birth: birth.to_string(),
        });
    }
    Ok(())
}

fn unique(persons: &[PersonId]) -> Result<(), DomainError> {
    if persons.is_empty() {
        return Err(DomainError::NoPersons);
    }
    let set: BTreeSet<_> = persons.iter().collect();
    if set.len() != persons.len() {
        return Err(DomainError::DuplicatePerson);
    }
    Ok(())
}

impl Work<'_> {
    /// 世帯ごとに共通のデータも個人ごとに保持する (1.2.1): every member of a household the
    /// change wrote, or of the household of a person it wrote (the head's name corrected),
    /// holds the 世帯主の氏名 of after it. A member whose record already holds it is left
    /// untouched (no new version).
    fn refresh_head_names(&mut self) -> Result<(), DomainError> {
        let mut hids: BTreeSet<HouseholdId> = self.households.keys().copied().collect();
        hids.extend(self.persons.values().map(|p| p.household_id));
        for hid in hids {
            let h = self
                .household_record(hid)
                .ok_or_else(|| DomainError::HouseholdNotFound(hid.to_string()))?;
            if h.dissolved_on.is_some() {
                continue;
            }
            let (head, members) = (h.head, h.members.clone());
            // The same 世帯主 under the same name: only a member new to the household (or
            // a record written before it held the name) needs it, and the records of the
            // others are not read (the replay check keeps few in memory).
            let renamed = head.is_some_and(|id| {
                self.persons
                    .get(&id)
                    .is_some_and(|p| self.base.persons.get(&id).is_none_or(|b| b.name != p.name))
            });
            let same_head = !renamed
                && self
                    .base
                    .households
                    .get(&hid)
                    .is_some_and(|b| b.head == head);
            let visit: Vec<PersonId> = if same_head {
                members
                    .into_iter()
                    .filter(|m| {
                        self.persons.get(m).is_some_and(|p| {
                            (p.head_name.is_none() && head.is_some())
                                || self
                                    .base
                                    .persons
                                    .get(m)
                                    .is_none_or(|b| b.household_id != hid)
                        })
                    })
                    .collect()
            } else {
                members
            };
            if visit.is_empty() {
                continue;
            }
            let name = match head {
                Some(id) => Some(self.person(id)?.name.full()),
                None => None,
            };
            for m in visit {
                if self.person(m)?.head_name != name {
                    self.person_mut(m)?.head_name = name.clone();
                }
            }
        }
        Ok(())
    }

    fn person(&self, id: PersonId) -> Result<&Person, DomainError> {
        self.persons
            .get(&id)
            .or_else(|| self.base.persons.get(&id))
            .ok_or_else(|| DomainError::PersonNotFound(id.to_string()))
    }
    fn person_mut(&mut self, id: PersonId) -> Result<&mut Person, DomainError> {
        if !self.persons.contains_key(&id) {
            let p = self
                .base
                .persons
                .get(&id)
                .ok_or_else(|| DomainError::PersonNotFound(id.to_string()))?;
            self.persons.insert(id, p.clone());
        }
        self.persons
            .get_mut(&id)
            .ok_or_else(|| DomainError::PersonNotFound(id.to_string()))
    }
    /// A household's record as the change sees it, dissolved ones included.
    fn household_record(&self, id: HouseholdId) -> Option<&Household> {
        self.households
            .get(&id)
            .or_else(|| self.base.households.get(&id))
    }
    fn household(&self, id: HouseholdId) -> Result<&Household, DomainError> {
        let h = self
            .household_record(id)
            .ok_or_else(|| DomainError::HouseholdNotFound(id.to_string()))?;
        if h.dissolved_on.is_some() {
            return Err(DomainError::HouseholdNotFound(id.to_string()));
        }
        Ok(h)
    }
    fn household_mut(&mut self, id: HouseholdId) -> Result<&mut Household, DomainError> {
        self.household(id)?;
        if !self.households.contains_key(&id) {
            let h = self
                .base
                .households
                .get(&id)
                .ok_or_else(|| DomainError::HouseholdNotFound(id.to_string()))?;
            self.households.insert(id, h.clone());
        }
        self.households
            .get_mut(&id)
            .ok_or_else(|| DomainError::HouseholdNotFound(id.to_string()))
    }
    fn person_is_new(&self, id: PersonId) -> Result<(), DomainError> {
        if self.persons.contains_key(&id) || self.base.persons.contains_key(&id) {
            return Err(DomainError::PersonExists(id.to_string()));
        }
        Ok(())
    }
    fn household_is_new(&self, id: HouseholdId) -> Result<(), DomainError> {
        if self.households.contains_key(&id) || self.base.households.contains_key(&id) {
            return Err(DomainError::HouseholdExists(id.to_string()));
        }
        Ok(())
    }

    /// A person who may take part in a change: on the register, not moving out, and
    /// with no change recorded after this one's effective date.
    fn check_active(&self, id: PersonId) -> Result<&Person, DomainError> {
        let p = self.check_present(id)?;
        if matches!(p.status, PersonStatus::MovingOut { .. }) {
            return Err(DomainError::PersonMovingOut {
                name: p.name.full(),
            });
        }
        Ok(p)
    }
    /// A person still in A (active or moving out), in effective-date order.
    fn check_present(&self, id: PersonId) -> Result<&Person, DomainError> {
        let p = self.person(id)?;
        if p.is_removed() {
            return Err(DomainError::PersonRemoved {
                name: p.name.full(),
            });
        }
        self.check_order(p)?;
        Ok(p)
    }
    fn check_order(&self, p: &Person) -> Result<(), DomainError> {
        if self.on < p.last_change_on {
            return Err(DomainError::OutOfOrder {
                name: p.name.full(),
                last: p.last_change_on.to_string(),
            });
        }
        if self.on < p.birth_date {
            return Err(DomainError::BeforeBirth {
                effective: self.on.to_string(),
                birth: p.birth_date.to_string(),
            });
        }
        Ok(())
    }

    /// The one household all `persons` belong to.
    fn common_household(&self, persons: &[PersonId]) -> Result<HouseholdId, DomainError> {
        let mut hid = None;
        for id in persons {
            let h = self.person(*id)?.household_id;
            if hid.is_some_and(|x| x != h) {
                return Err(DomainError::NotSameHousehold);
            }
            hid = Some(h);
        }
        hid.ok_or(DomainError::NoPersons)
    }

    /// Checks that `rels` name each of `members` exactly once, and that 世帯主 appears
    /// exactly once (`with_head`) or not at all.
    fn check_relationships(
        &self,
        members: &[PersonId],
        rels: &[MemberRelationship],
        with_head: bool,
    ) -> Result<Option<PersonId>, DomainError> {
        let listed: BTreeSet<PersonId> = rels.iter().map(|r| r.person).collect();
        if listed.len() != rels.len() {
            return Err(DomainError::DuplicatePerson);
        }
        for m in members {
            if !listed.contains(m) {
                return Err(DomainError::RelationshipMissing {
                    name: self.person(*m)?.name.full(),
                });
            }
        }
        let member_set: BTreeSet<PersonId> = members.iter().copied().collect();
        if let Some(extra) = listed.iter().find(|p| !member_set.contains(p)) {
            return Err(DomainError::PersonNotFound(extra.to_string()));
        }
        let heads: Vec<PersonId> = rels
            .iter()
            .filter(|r| r.relationship == Relationship::Head)
            .map(|r| r.person)
            .collect();
        match (with_head, heads.len()) {
            (true, 0) => Err(DomainError::NoHead),
            (true, 1) => Ok(heads.first().copied()),
            (true, _) => Err(DomainError::TwoHeads),
            (false, 0) => Ok(None),
            (false, _) => Err(DomainError::RelationshipIsHead),
        }
    }

    fn set_relationships(&mut self, rels: &[MemberRelationship]) -> Result<(), DomainError> {
        for r in rels {
            self.person_mut(r.person)?.relationship = r.relationship;
        }
        Ok(())
    }

    /// Takes `persons` out of their household `hid`. When the head leaves and others
    /// stay, `succession` names the new head and restates every relationship; without
    /// one, a sole remaining member becomes 世帯主 by 職権 and two or more stay without a
    /// head (4.0.4). When nobody stays, the household is dissolved.
    fn leave_household(
        &mut self,
        hid: HouseholdId,
        persons: &[PersonId],
        succession: Option<&Succession>,
    ) -> Result<(), DomainError> {
        let h = self.household(hid)?;
        let leaving: BTreeSet<PersonId> = persons.iter().copied().collect();
        let remaining: Vec<PersonId> = h
            .members
            .iter()
            .copied()
            .filter(|m| !leaving.contains(m))
            .collect();
        let head_leaves = h.head.is_some_and(|x| leaving.contains(&x));
        let new_head = match (remaining.as_slice(), succession) {
            ([], _) => None,
            (_, _) if !head_leaves => None,
            (_, Some(s)) => {
                let head = self.check_relationships(&remaining, &s.relationships, true)?;
                for m in &remaining {
                    self.check_present(*m)?;
                }
                self.set_relationships(&s.relationships)?;
                Some(head)
            }
            ([only], None) => {
                let only = *only;
                self.check_present(only)?;
                self.person_mut(only)?.relationship = Relationship::Head;
                self.notices.push(Notice::HeadByOffice {
                    household: hid,
                    person: only,
                });
                Some(Some(only))
            }
            (_, None) => {
                self.notices.push(Notice::Headless { household: hid });
                Some(None)
            }
        };
        let on = self.on;
        let h = self.household_mut(hid)?;
        h.members = remaining;
        if h.members.is_empty() {
            h.dissolved_on = Some(on);
        }
        if let Some(head) = new_head {
            h.head = head;
        }
        Ok(())
    }

    /// Moves `persons` (already checked) from their household into `into` with `rels`.
    fn join_household(
        &mut self,
        persons: &[PersonId],
        into: HouseholdId,
        rels: &[MemberRelationship],
    ) -> Result<(), DomainError> {
        self.set_relationships(rels)?;
        for id in persons {
            self.person_mut(*id)?.household_id = into;
        }
        self.household_mut(into)?
            .members
            .extend(persons.iter().copied());
        Ok(())
    }

    fn remove(
        &mut self,
        id: PersonId,
        reason: RemovalReason,
        destination: Option<Address>,
        succession: Option<&Succession>,
    ) -> Result<(), DomainError> {
        let hid = self.person(id)?.household_id;
        self.leave_household(hid, &[id], succession)?;
        let on = self.on;
        let on_text = self.on_text.clone();
        self.person_mut(id)?.status = PersonStatus::Removed {
            on,
            reason,
            on_text,
            destination,
            moved_out: None,
            notice: None,
        };
        Ok(())
    }

    fn new_person(&self, d: &PersonData) -> Result<(), DomainError> {
        if d.returning {
            // 再転入者: their 除票, removed before this date.
            let old = self.person(d.id)?;
            if !old.is_removed() {
                return Err(DomainError::NotRemoved {
                    id: d.id.to_string(),
                });
            }
            self.check_order(old)?;
        } else {
            self.person_is_new(d.id)?;
        }
        // 転入届と出生届が同時 (4.1.0.1): a child born after the 転入日, by the 届出日.
        if d.with_birth && (d.birth_date > self.notified_on || d.returning) {
            return Err(DomainError::WithBirth {
                notified: self.notified_on.to_string(),
                birth: d.birth_date.to_string(),
            });
        }
        if d.birth_date > self.on && !d.with_birth {
            return Err(DomainError::BeforeBirth {
                effective: self.on.to_string(),
                birth: d.birth_date.to_string(),
            });
        }
        if let Some(f) = &d.foreign {
            if d.honseki.is_some() {
                return Err(DomainError::HonsekiOnForeign);
            }
            if d.former_surname.is_some() {
                return Err(DomainError::FormerSurnameOnForeign);
            }
            f.validate()?;
        }
        if let Some(since) = d.foreign_resident_since {
            if d.foreign.is_none() {
                return Err(DomainError::ForeignItemsOnJapanese);
            }
            if since > self.on || since < d.birth_date {
                return Err(DomainError::ForeignResidentSince {
                    since,
                    effective: self.on,
                });
            }
        }
        Ok(())
    }

    /// 旧氏・通称 carried over (1.1.7): only for a 再転入者 coming back from abroad to the
    /// municipality whose 除票 says they emigrated from it.
    fn check_carry_over(&self, d: &PersonData, kind: MoveInKind) -> Result<(), DomainError> {
        let emigrated = d.returning
            && kind == MoveInKind::FromAbroad
            && matches!(
                self.person(d.id)?.status,
                PersonStatus::Removed {
                    reason: RemovalReason::Emigrated,
                    ..
                }
            );
        if emigrated {
            Ok(())
        } else {
            Err(DomainError::FormerNamesNotCarried {
                name: d.name.full(),
            })
        }
    }

    fn create_person(
        &mut self,
        d: &PersonData,
        household_id: HouseholdId,
        address: &Address,
        moved_in: Option<MoveInRecord>,
    ) {
        // What the 除票 kept at the 国外転出, taken up again when asked (1.1.7).
        let kept = self
            .person(d.id)
            .ok()
            .filter(|_| d.keep_former_names)
            .map(|old| {
                (
                    old.former_surname.clone(),
                    old.foreign.as_ref().and_then(|f| f.alias.clone()),
                )
            });
        // A child of a 転入 born after the 転入日 (出生届と同時, 4.1.0.1) is resident from
        // the day of birth.
        let (since, since_text) = if d.birth_date > self.on {
            (d.birth_date, None)
        } else {
            (self.on, self.on_text.clone())
        };
        let mut foreign = d.foreign.clone();
        if let (Some(f), Some((_, Some(alias)))) = (foreign.as_mut(), &kept) {
            f.alias = Some(alias.clone());
        }
        let p = Person {
            head_name: None,
            archived_on: None,
            id: d.id,
            juminhyo_code: d.juminhyo_code.clone(),
            individual_number: d.individual_number.clone(),
            name: d.name.clone(),
            furigana: d.furigana.clone(),
            birth_date: d.birth_date,
            birth_date_text: d.birth_date_text.clone(),
            sex: d.sex,
            household_id,
            relationship: d.relationship,
            address: address.clone(),
            became_resident_on: d.foreign_resident_since.unwrap_or(since),
            became_resident_text: if d.foreign_resident_since.is_some() {
                d.foreign_resident_since_text.clone()
            } else {
                since_text.clone()
            },
            address_since: since,
            address_since_text: since_text,
            moved_in,
            previous_address_in_city: None,
            honseki: d.honseki.clone(),
            foreign,
            former_surname: kept.and_then(|(surname, _)| surname).or_else(|| {
                d.former_surname
                    .as_ref()
                    .map(|(surname, furigana)| FormerSurname {
                        surname: surname.clone(),
                        furigana: furigana.clone(),
                        recorded_on: self.on,
                    })
            }),
            nationality_changed_on: None,
            remade_on: None,
            reissued_on: None,
            status: PersonStatus::Active,
            last_change_on: self.on,
            // A 再転入者's record continues its 除票's versions.
            version: self.person(d.id).map_or(0, |old| old.version),
        };
        self.persons.insert(p.id, p);
    }

    /// 帰化・国籍取得・国籍喪失 (4.5.3–4.5.5): the record changes in place and keeps
    /// what the sections carry; what belongs to the old kind of record (本籍 or the
    /// 30条の45 items, 旧氏 or 通称) goes.
    fn change_nationality(
        &mut self,
        id: PersonId,
        kind: NationalityChangeKind,
        name: &PersonName,
        furigana: &Furigana,
        honseki: &Option<Honseki>,
        foreign: &Option<ForeignDetails>,
    ) -> Result<(), DomainError> {
        let p = self.check_present(id)?;
        let to_japanese = kind.to_japanese();
        if p.foreign.is_some() != to_japanese {
            return Err(DomainError::NationalityChangeNotApplicable {
                name: p.name.full(),
                kind: kind.label(),
                needed: if to_japanese {
                    "外国人住民"
                } else {
                    "日本人住民"
                },
            });
        }
        let on = self.on;
        let p = self.person_mut(id)?;
        p.name = name.clone();
        p.furigana = furigana.clone();
        p.nationality_changed_on = Some(on);
        if to_japanese {
            if foreign.is_some() {
                return Err(DomainError::ForeignItemsOnJapanese);
            }
            let h = honseki.clone().ok_or(DomainError::Missing {
                field: "本籍・筆頭者",
            })?;
            // The 外国人住民となった年月日 is carried as the 住民となった年月日.
            p.honseki = Some(h);
            p.foreign = None;
        } else {
            if honseki.is_some() {
                return Err(DomainError::HonsekiOnForeign);
            }
            let f = foreign.clone().ok_or(DomainError::Missing {
                field: "国籍・地域",
            })?;
            f.validate()?;
            p.foreign = Some(f);
            p.honseki = None;
            p.former_surname = None;
            // 外国人住民となった年月日: the later of the day the nationality was lost and
            // the 住民となった年月日.
            if on > p.became_resident_on {
                p.became_resident_on = on;
                p.became_resident_text = None;
            }
        }
        Ok(())
    }

    fn foreign_mut(&mut self, id: PersonId) -> Result<&mut ForeignDetails, DomainError> {
        let p = self.person_mut(id)?;
        let name = p.name.full();
        p.foreign
            .as_mut()
            .ok_or(DomainError::NotForeignResident { name })
    }

    fn change(&mut self, entry: &LedgerEntry) -> Result<(), DomainError> {
        match &entry.change {
            Change::MoveIn {
                kind,
                household,
                persons,
                address,
                previous_address,
                unnotified,
                last_registered,
                previous_head,
            } => {
                if persons.is_empty() {
                    return Err(DomainError::NoPersons);
                }
                unique(&persons.iter().map(|p| p.id).collect::<Vec<_>>())?;
                if *kind == MoveInKind::Domestic && previous_address.is_none() {
                    return Err(DomainError::PreviousAddressRequired);
                }
                // 法第30条の46・47: only the four categories the sections name.
                if kind.foreign_only() {
                    for d in persons {
                        let allowed = d.foreign.as_ref().is_some_and(|f| {
                            matches!(
                                f.category,
                                ForeignCategory::MidToLongTerm
                                    | ForeignCategory::SpecialPermanent
                                    | ForeignCategory::TemporaryRefuge
                                    | ForeignCategory::ProvisionalStay
                            )
                        });
                        if !allowed {
                            return Err(DomainError::NotArticle46Category {
                                name: d.name.full(),
                            });
                        }
                    }
                }
                for d in persons {
                    if d.with_birth
                        && !matches!(kind, MoveInKind::Domestic | MoveInKind::FromAbroad)
                    {
                        return Err(DomainError::WithBirth {
                            notified: self.notified_on.to_string(),
                            birth: d.birth_date.to_string(),
                        });
                    }
                    self.new_person(d)?;
                    if d.keep_former_names {
                        self.check_carry_over(d, *kind)?;
                    }
                }
                let heads: Vec<&PersonData> = persons
                    .iter()
                    .filter(|p| p.relationship == Relationship::Head)
                    .collect();
                let hid = match household {
                    MoveInHousehold::New { id } => {
                        self.household_is_new(*id)?;
                        let head = match heads.as_slice() {
                            [] => return Err(DomainError::NoHead),
                            [h] => h.id,
                            _ => return Err(DomainError::TwoHeads),
                        };
                        self.households.insert(
                            *id,
                            Household {
                                id: *id,
                                head: Some(head),
                                address: address.clone(),
                                members: vec![],
                                dissolved_on: None,
                                version: 0,
                            },
                        );
                        *id
                    }
                    MoveInHousehold::Existing { id } => {
                        let h = self.household(*id)?;
                        if !h.address.same_dwelling(address) {
                            return Err(DomainError::AddressMismatch);
                        }
                        // A household without a 世帯主 may take one who moves in.
                        match (h.head, heads.as_slice()) {
                            (_, []) => {}
                            (None, [newcomer]) => {
                                let newcomer = newcomer.id;
                                self.household_mut(*id)?.head = Some(newcomer);
                            }
                            (None, _) => return Err(DomainError::TwoHeads),
                            (Some(_), _) => return Err(DomainError::RelationshipIsHead),
                        }
                        *id
                    }
                };
                if *unnotified && previous_address.is_none() {
                    return Err(DomainError::Missing {
                        field: "転入前住所(未届の住所)",
                    });
                }
                let record = MoveInRecord {
                    notified_on: entry.notified_on,
                    previous_address: previous_address.clone(),
                    unnotified: *unnotified,
                    last_registered: last_registered.clone(),
                    previous_head: previous_head.clone(),
                };
                // 職権記載 (住所設定) keeps a 転入 record when it says something of where the
                // person came from (未届, 最終登録住所地).
                let moved_in = match kind {
                    MoveInKind::ExOfficio if !*unnotified && last_registered.is_none() => None,
                    _ => Some(record),
                };
                for d in persons {
                    self.create_person(d, hid, address, moved_in.clone());
                }
                self.household_mut(hid)?
                    .members
                    .extend(persons.iter().map(|p| p.id));
                Ok(())
            }
            Change::Relocation {
                persons,
                address,
                target,
                ward_move,
            } => {
                unique(persons)?;
                // 区間異動 (1.1.13): never within one ward; the movers take a new 世帯番号
                // (or join a household of the new ward), never keep theirs.
                if let Some(w) = ward_move {
                    if w.from == w.to {
                        return Err(DomainError::WardMoveSameWard {
                            ward: w.from.clone(),
                        });
                    }
                    if matches!(target, RelocationTarget::WholeHousehold) {
                        return Err(DomainError::WardMoveNeedsNewHousehold {
                            from: w.from.clone(),
                            to: w.to.clone(),
                        });
                    }
                }
                for id in persons {
                    self.check_active(*id)?;
                }
                let from = self.common_household(persons)?;
                let h = self.household(from)?;
                let all = persons.len() == h.members.len();
                let old_address = h.address.clone();
                match target {
                    RelocationTarget::WholeHousehold => {
                        if !all {
                            return Err(DomainError::PartialMoveNeedsTarget);
                        }
                        self.household_mut(from)?.address = address.clone();
                    }
                    RelocationTarget::NewHousehold { id, relationships } => {
                        self.household_is_new(*id)?;
                        let head = self
                            .check_relationships(persons, relationships, true)?
                            .ok_or(DomainError::NoHead)?;
                        self.leave_household(from, persons, None)?;
                        self.households.insert(
                            *id,
                            Household {
                                id: *id,
                                head: Some(head),
                                address: address.clone(),
                                members: vec![],
                                dissolved_on: None,
                                version: 0,
                            },
                        );
                        self.join_household(persons, *id, relationships)?;
                    }
                    RelocationTarget::JoinHousehold { id, relationships } => {
                        if *id == from {
                            return Err(DomainError::SameHousehold);
                        }
                        if !self.household(*id)?.address.same_dwelling(address) {
                            return Err(DomainError::AddressMismatch);
                        }
                        self.check_relationships(persons, relationships, false)?;
                        self.leave_household(from, persons, None)?;
                        self.join_household(persons, *id, relationships)?;
                    }
                }
                // 11.1: a 転居 to the very dwelling one lives in (same 番地 and 方書) is
                // no 転居; one to another building of the same 地番 is (4.1.2.1).
                if old_address.same_dwelling(address) {
                    return Err(DomainError::SameAddress);
                }
                let on = self.on;
                for id in persons {
                    let p = self.person_mut(*id)?;
                    p.previous_address_in_city = Some(old_address.clone());
                    p.address = address.clone();
                    p.address_since = on;
                    p.address_since_text = None;
                }
                Ok(())
            }
            Change::MoveOut {
                persons,
                destination,
                planned_on,
                abroad,
                succession,
                destination_head,
            } => {
                unique(persons)?;
                for id in persons {
                    self.check_active(*id)?;
                }
                let hid = self.common_household(persons)?;
                if *abroad && *planned_on <= entry.notified_on {
                    // 国外転出 after the fact: removed at the date.
                    self.leave_household(hid, persons, succession.as_ref())?;
                    let on = self.on;
                    for id in persons {
                        self.person_mut(*id)?.status = PersonStatus::Removed {
                            on,
                            reason: RemovalReason::Emigrated,
                            on_text: None,
                            destination: Some(destination.clone()),
                            moved_out: None,
                            notice: None,
                        };
                    }
                } else {
                    // The head moving out while others stay: the succession given now
                    // takes effect with the removal; without one, staff hear what will
                    // happen then (4.0.4).
                    let h = self.household(hid)?;
                    let remaining = h.members.iter().filter(|m| !persons.contains(m)).count();
                    if let Some(s) = succession {
                        let stay: Vec<PersonId> = h
                            .members
                            .iter()
                            .copied()
                            .filter(|m| !persons.contains(m))
                            .collect();
                        self.check_relationships(&stay, &s.relationships, true)?;
                    } else if remaining > 0 && h.head.is_some_and(|x| persons.contains(&x)) {
                        self.notices.push(Notice::HeadMovesOut {
                            household: hid,
                            remaining,
                        });
                    }
                    for id in persons {
                        self.person_mut(*id)?.status = PersonStatus::MovingOut {
                            planned_on: *planned_on,
                            destination: destination.clone(),
                            abroad: *abroad,
                            succession: succession.clone(),
                            destination_head: destination_head.clone(),
                        };
                    }
                }
                Ok(())
            }
            Change::MoveOutConfirmed {
                persons,
                destination,
                succession,
                moved_on,
                ..
            } => {
                unique(persons)?;
                let notice = MoveInNotice {
                    notified_on: entry.notified_on,
                    moved_on: moved_on.unwrap_or(self.on),
                    destination: destination.clone(),
                };
                // Removed already on the planned date: the notice completes the 除票,
                // beside the plan. A 転入日 before that date moves the removal back to it
                // (1.1.5: the earlier of the two); the entry then takes effect on it, and
                // the household is written again as of that day, so that views as of a
                // date in between agree.
                if self.person(persons[0])?.is_removed() {
                    let back_to = self.on;
                    let mut households = vec![];
                    for id in persons {
                        let p = self.person_mut(*id)?;
                        let name = p.name.full();
                        let hid = p.household_id;
                        match &mut p.status {
                            PersonStatus::Removed {
                                on,
                                destination: d,
                                moved_out: Some(m),
                                ..
                            } if m.notice.is_none() => {
                                *d = Some(destination.clone());
                                m.notice = Some(notice.clone());
                                if back_to < *on {
                                    households.push((hid, *on));
                                    *on = back_to;
                                }
                            }
                            // 職権消除 after a 実態調査, then a 転入通知 (4.1.3.1.1).
                            PersonStatus::Removed {
                                reason: RemovalReason::ExOfficio,
                                destination: d,
                                moved_out: None,
                                notice: n @ None,
                                ..
                            } => {
                                *d = Some(destination.clone());
                                *n = Some(Box::new(notice.clone()));
                            }
                            _ => return Err(DomainError::PersonRemoved { name }),
                        }
                    }
                    for (hid, removed_on) in households {
                        let mut h = self
                            .household_record(hid)
                            .cloned()
                            .ok_or_else(|| DomainError::HouseholdNotFound(hid.to_string()))?;
                        if h.dissolved_on == Some(removed_on) {
                            h.dissolved_on = Some(back_to);
                        }
                        self.households.insert(hid, h);
                    }
                    return Ok(());
                }
                self.remove_moving_out(persons, Some(notice), succession.as_ref())
            }
            Change::MoveOutDue { persons } => {
                unique(persons)?;
                self.remove_moving_out(persons, None, None)
            }
            Change::HouseholdSplit {
                persons,
                new_household,
                relationships,
            } => {
                unique(persons)?;
                for id in persons {
                    self.check_active(*id)?;
                }
                let from = self.common_household(persons)?;
                let h = self.household(from)?;
                if persons.len() == h.members.len() {
                    return Err(DomainError::HouseholdWouldBeEmpty);
                }
                let address = h.address.clone();
                self.household_is_new(*new_household)?;
                let head = self
                    .check_relationships(persons, relationships, true)?
                    .ok_or(DomainError::NoHead)?;
                self.leave_household(from, persons, None)?;
                self.households.insert(
                    *new_household,
                    Household {
                        id: *new_household,
                        head: Some(head),
                        address,
                        members: vec![],
                        dissolved_on: None,
                        version: 0,
                    },
                );
                self.join_household(persons, *new_household, relationships)
            }
            Change::HouseholdMerge {
                absorbed,
                into,
                relationships,
            } => {
                if absorbed == into {
                    return Err(DomainError::SameHousehold);
                }
                let a = self.household(*absorbed)?.clone();
                if !self.household(*into)?.address.same_dwelling(&a.address) {
                    return Err(DomainError::AddressMismatch);
                }
                for id in &a.members {
                    self.check_present(*id)?;
                }
                self.check_relationships(&a.members, relationships, false)?;
                let on = self.on;
                let h = self.household_mut(*absorbed)?;
                h.members.clear();
                h.dissolved_on = Some(on);
                self.join_household(&a.members, *into, relationships)
            }
            Change::HeadChange {
                household,
                relationships,
            } => {
                let h = self.household(*household)?.clone();
                for id in &h.members {
                    self.check_present(*id)?;
                }
                let head = self
                    .check_relationships(&h.members, relationships, true)?
                    .ok_or(DomainError::NoHead)?;
                self.check_active(head)?;
                self.set_relationships(relationships)?;
                self.household_mut(*household)?.head = Some(head);
                Ok(())
            }
            Change::CompositionChange {
                persons,
                into,
                relationships,
            } => {
                unique(persons)?;
                for id in persons {
                    self.check_active(*id)?;
                }
                let from = self.common_household(persons)?;
                if from == *into {
                    return Err(DomainError::SameHousehold);
                }
                let h = self.household(from)?;
                if !self.household(*into)?.address.same_dwelling(&h.address) {
                    return Err(DomainError::AddressMismatch);
                }
                self.check_relationships(persons, relationships, false)?;
                self.leave_household(from, persons, None)?;
                self.join_household(persons, *into, relationships)
            }
            Change::Birth { person, household } => {
                if person.returning {
                    return Err(DomainError::Invalid {
                        field: "再転入者",
                        reason: "出生の届出では指定できません".into(),
                    });
                }
                if person.former_surname.is_some() {
                    return Err(DomainError::Invalid {
                        field: "旧氏",
                        reason: "出生の届出では記載できません".into(),
                    });
                }
                self.new_person(person)?;
                if person.birth_date != self.on {
                    return Err(DomainError::BirthDateMismatch);
                }
                if person.relationship == Relationship::Head {
                    return Err(DomainError::RelationshipIsHead);
                }
                let address = self.household(*household)?.address.clone();
                self.create_person(person, *household, &address, None);
                self.household_mut(*household)?.members.push(person.id);
                Ok(())
            }
            Change::Death { person, succession } => {
                self.check_present(*person)?;
                self.remove(*person, RemovalReason::Died, None, succession.as_ref())
            }
            Change::ExOfficioRemoval { person, succession } => {
                self.check_present(*person)?;
                self.remove(*person, RemovalReason::ExOfficio, None, succession.as_ref())
            }
            Change::ForeignRemoval {
                person, succession, ..
            } => {
                let p = self.check_present(*person)?;
                if p.foreign.is_none() {
                    return Err(DomainError::NotForeignResident {
                        name: p.name.full(),
                    });
                }
                self.remove(
                    *person,
                    RemovalReason::ForeignNotice,
                    None,
                    succession.as_ref(),
                )
            }
            Change::Correction {
                person,
                correction,
                kind,
            } => {
                let p = self.person(*person)?;
                self.check_order(p)?;
                // 軽微な修正 (規則11条3項2号) concerns names and addresses only.
                if *kind == CorrectionKind::Minor
                    && !matches!(
                        correction,
                        Correction::Name { .. }
                            | Correction::Furigana { .. }
                            | Correction::Address { .. }
                    )
                {
                    return Err(DomainError::MinorCorrectionItem {
                        item: correction.item_label(),
                    });
                }
                if let Correction::Address { old, new } = correction {
                    return self.correct_address(*person, old, new);
                }
                self.correct(*person, correction)
            }
            Change::ResidenceStatusChange {
                person,
                status,
                period,
                expires_on,
                card_number,
            } => {
                self.check_present(*person)?;
                let f = self.foreign_mut(*person)?;
                let mut next = f.clone();
                next.status = *status;
                next.period = period.clone();
                next.expires_on = *expires_on;
                next.card_number = card_number.clone();
                next.validate()?;
                *f = next;
                Ok(())
            }
            Change::AliasRecord {
                person,
                alias,
                furigana,
                municipality,
            } => {
                self.check_present(*person)?;
                let on = self.on;
                let f = self.foreign_mut(*person)?;
                if let Some(old) = f.alias.take() {
                    f.past_aliases.push(PastAlias {
                        alias: old,
                        deleted_on: on,
                        deleted_by: municipality.clone(),
                    });
                }
                f.alias = Some(Alias {
                    name: alias.clone(),
                    furigana: furigana.clone(),
                    recorded_on: on,
                    recorded_by: municipality.clone(),
                });
                Ok(())
            }
            Change::AliasDeletion {
                person,
                municipality,
            } => {
                let name = self.check_present(*person)?.name.full();
                let on = self.on;
                let f = self.foreign_mut(*person)?;
                let old = f.alias.take().ok_or(DomainError::NoAlias { name })?;
                f.past_aliases.push(PastAlias {
                    alias: old,
                    deleted_on: on,
                    deleted_by: municipality.clone(),
                });
                Ok(())
            }
            Change::Cancellation {
                cancelled,
                persons,
                households,
                ..
            } => self.cancel(*cancelled, persons, households),
            Change::FormerSurnameRecord {
                person,
                surname,
                furigana,
            }
            | Change::FormerSurnameChange {
                person,
                surname,
                furigana,
            } => {
                let is_record = matches!(entry.change, Change::FormerSurnameRecord { .. });
                let p = self.check_present(*person)?;
                let name = p.name.full();
                if p.foreign.is_some() {
                    return Err(DomainError::FormerSurnameOnForeign);
                }
                match (&p.former_surname, is_record) {
                    (Some(_), true) => return Err(DomainError::FormerSurnameExists { name }),
                    (None, false) => return Err(DomainError::NoFormerSurname { name }),
                    (Some(old), false) if old.surname == *surname && old.furigana == *furigana => {
                        return Err(DomainError::CorrectionNoop);
                    }
                    _ => {}
                }
                let on = self.on;
                self.person_mut(*person)?.former_surname = Some(FormerSurname {
                    surname: surname.clone(),
                    furigana: furigana.clone(),
                    recorded_on: on,
                });
                Ok(())
            }
            Change::NationalityChange {
                person,
                kind,
                name,
                furigana,
                honseki,
                foreign,
            } => self.change_nationality(*person, *kind, name, furigana, honseki, foreign),
            Change::Remake { persons, kind } => {
                unique(persons)?;
                if persons.is_empty() {
                    return Err(DomainError::Missing { field: "対象者" });
                }
                for id in persons {
                    self.check_present(*id)?;
                }
                let on = self.on;
                for id in persons {
                    let p = self.person_mut(*id)?;
                    match kind {
                        crate::lists::RemakeKind::Remake => p.remade_on = Some(on),
                        crate::lists::RemakeKind::Reissue => p.reissued_on = Some(on),
                    }
                }
                Ok(())
            }
            // 特別永住者証明書 (4.5.7): a 特別永住者 of the register; the 交付 writes the
            // new certificate's number, an application changes nothing.
            Change::SpecialPermanentCertificate {
                person,
                kind,
                card_number,
            } => {
                self.check_active(*person)?;
                let p = self.person(*person)?;
                if !p
                    .foreign
                    .as_ref()
                    .is_some_and(|f| f.category == ForeignCategory::SpecialPermanent)
                {
                    return Err(DomainError::NotSpecialPermanent {
                        name: p.name.full(),
                    });
                }
                match (kind, card_number) {
                    (crate::ledger::SpecialPermanentKind::Delivery, Some(number)) => {
                        crate::person::check_card_number("特別永住者証明書番号", number)?;
                        self.check_order(p)?;
                        if let Some(f) = self.person_mut(*person)?.foreign.as_mut() {
                            f.card_number = Some(number.clone());
                        }
                        Ok(())
                    }
                    (crate::ledger::SpecialPermanentKind::Delivery, None) => {
                        Err(DomainError::Missing {
                            field: "特別永住者証明書番号",
                        })
                    }
                    (_, Some(_)) => Err(DomainError::SpecialPermanentNumber),
                    (_, None) => Ok(()),
                }
            }
            // A record already in the 除票用データベース is refused a second move by
            // `apply`, as any change of it is.
            Change::Archive { persons } | Change::ArchiveReturn { persons } => {
                let to_archive = matches!(entry.change, Change::Archive { .. });
                unique(persons)?;
                if persons.is_empty() {
                    return Err(DomainError::Missing { field: "対象者" });
                }
                let on = self.on;
                for id in persons {
                    let p = self.person(*id)?;
                    if to_archive {
                        let PersonStatus::Removed { on: removed, .. } = p.status else {
                            return Err(DomainError::NotRemovedForArchive {
                                name: p.name.full(),
                            });
                        };
                        let from = removed
                            .checked_add_months(chrono::Months::new(12 * ARCHIVE_AFTER_YEARS))
                            .unwrap_or(NaiveDate::MAX);
                        if on < from {
                            return Err(DomainError::ArchiveTooEarly {
                                name: p.name.full(),
                                from: from.to_string(),
                            });
                        }
                    } else if p.archived_on.is_none() {
                        return Err(DomainError::NotArchived {
                            name: p.name.full(),
                        });
                    }
                    self.check_order(p)?;
                }
                for id in persons {
                    self.person_mut(*id)?.archived_on = to_archive.then_some(on);
                }
                Ok(())
            }
            Change::FormerSurnameDeletion { person } => {
                let p = self.check_present(*person)?;
                if p.former_surname.is_none() {
                    return Err(DomainError::NoFormerSurname {
                        name: p.name.full(),
                    });
                }
                self.person_mut(*person)?.former_surname = None;
                Ok(())
            }
        }
    }

    /// Removes `persons`, all 転出予定 of one household: on a 転入通知 (`notice`; the
    /// removal's date must not be after the planned one) or on the planned date come
    /// (`notice` None). The plan is kept beside the notice; the succession given now, or
    /// else the one given with the 転出届, applies to those who stay.
    fn remove_moving_out(
        &mut self,
        persons: &[PersonId],
        notice: Option<MoveInNotice>,
        succession: Option<&Succession>,
    ) -> Result<(), DomainError> {
        let mut leaving = Vec::new();
        let mut pending = None;
        for id in persons {
            let p = self.check_present(*id)?;
            let PersonStatus::MovingOut {
                abroad,
                succession: given,
                planned_on,
                destination: planned,
                destination_head,
            } = &p.status
            else {
                return Err(DomainError::NotMovingOut {
                    name: p.name.full(),
                });
            };
            match &notice {
                // Removal is on the earlier of the planned date and the 転入日: a notice
                // after the planned date completes a 除票 instead.
                Some(_) if self.on > *planned_on => {
                    return Err(DomainError::MoveOutDue {
                        name: p.name.full(),
                        planned: planned_on.to_string(),
                    });
                }
                None if *planned_on > self.on => {
                    return Err(DomainError::NotMovingOut {
                        name: p.name.full(),
                    });
                }
                _ => {}
            }
            pending = pending.or(given.clone());
            let destination = notice
                .as_ref()
                .map_or_else(|| planned.clone(), |n| n.destination.clone());
            let moved_out = (!abroad).then(|| MoveOutRecord {
                planned_on: *planned_on,
                planned_destination: planned.clone(),
                notice: notice.clone(),
                destination_head: destination_head.clone(),
            });
            let reason = if *abroad {
                RemovalReason::Emigrated
            } else {
                RemovalReason::MovedOut
            };
            leaving.push((reason, destination, moved_out));
        }
        let hid = self.common_household(persons)?;
        let succession = succession.cloned().or(pending);
        self.leave_household(hid, persons, succession.as_ref())?;
        let on = self.on;
        for (id, (reason, destination, moved_out)) in persons.iter().zip(leaving) {
            self.person_mut(*id)?.status = PersonStatus::Removed {
                on,
                reason,
                on_text: None,
                destination: Some(destination),
                moved_out: moved_out.map(Box::new),
                notice: None,
            };
        }
        Ok(())
    }

    /// 異動の取消し: every record the cancelled entry wrote, unchanged since, put back as
    /// it was before; a person or household it brought in leaves (消除, dissolved).
    fn cancel(
        &mut self,
        cancelled: i64,
        persons: &[crate::ledger::RestorePerson],
        households: &[crate::ledger::RestoreHousehold],
    ) -> Result<(), DomainError> {
        let blocked = || DomainError::CancellationBlocked {
            seq: cancelled.to_string(),
        };
        if persons.is_empty() && households.is_empty() {
            return Err(DomainError::NoPersons);
        }
        for r in persons {
            let p = self.person(r.id)?;
            if p.version != r.after_version {
                return Err(blocked());
            }
            if self.on < p.last_change_on {
                return Err(DomainError::OutOfOrder {
                    name: p.name.full(),
                    last: p.last_change_on.to_string(),
                });
            }
        }
        for r in households {
            match self.household_record(r.id) {
                Some(h) if h.version != r.after_version => return Err(blocked()),
                Some(_) => {}
                // A household the cancellation forms (version 0): one returning to a
                // former address whose household is gone (4.6.0.1).
                None if r.after_version == 0 && r.before.is_some() => {}
                None => return Err(DomainError::HouseholdNotFound(r.id.to_string())),
            }
        }
        let on = self.on;
        for r in persons {
            let version = self.person(r.id)?.version;
            let restored = match &r.before {
                Some(before) => Person {
                    version,
                    ..(**before).clone()
                },
                None => {
                    let mut p = self.person(r.id)?.clone();
                    p.status = PersonStatus::Removed {
                        on,
                        reason: RemovalReason::Cancelled,
                        on_text: None,
                        destination: None,
                        moved_out: None,
                        notice: None,
                    };
                    p
                }
            };
            self.persons.insert(r.id, restored);
        }
        for r in households {
            let current = self.household_record(r.id).cloned();
            let mut restored = match (&r.before, current) {
                (Some(before), current) => Household {
                    version: current.map_or(0, |c| c.version),
                    ..before.clone()
                },
                (None, Some(current)) => Household {
                    members: vec![],
                    dissolved_on: Some(on),
                    ..current
                },
                (None, None) => return Err(DomainError::HouseholdNotFound(r.id.to_string())),
            };
            // Left by everyone the cancellation took out of it.
            if restored.members.is_empty() && restored.dissolved_on.is_none() {
                restored.dissolved_on = Some(on);
            }
            self.households.insert(r.id, restored);
        }
        Ok(())
    }

    fn correct(&mut self, id: PersonId, c: &Correction) -> Result<(), DomainError> {
        fn swap<T: PartialEq + Clone>(field: &mut T, old: &T, new: &T) -> Result<(), DomainError> {
            if field != old {
                return Err(DomainError::CorrectionStale);
            }
            if old == new {
                return Err(DomainError::CorrectionNoop);
            }
            *field = new.clone();
            Ok(())
        }
        /// A date and its 不詳 text, corrected together.
        type DateFields<'p> = (&'p mut NaiveDate, &'p mut Option<String>);
        fn swap_dates(
            field: DateFields<'_>,
            old: (&NaiveDate, &Option<String>),
            new: (&NaiveDate, &Option<String>),
        ) -> Result<(), DomainError> {
            let (date, text) = field;
            if (&*date, &*text) != old {
                return Err(DomainError::CorrectionStale);
            }
            if old == new {
                return Err(DomainError::CorrectionNoop);
            }
            *date = *new.0;
            *text = new.1.clone();
            Ok(())
        }
        let p = self.person_mut(id)?;
        match c {
            Correction::Name { old, new } => swap(&mut p.name, old, new),
            Correction::Furigana { old, new } => swap(&mut p.furigana, old, new),
            Correction::BirthDate {
                old,
                new,
                old_text,
                new_text,
            } => {
                if *new > p.became_resident_on.max(p.last_change_on) && p.moved_in.is_some() {
                    return Err(DomainError::BeforeBirth {
                        effective: p.became_resident_on.to_string(),
                        birth: new.to_string(),
                    });
                }
                swap_dates(
                    (&mut p.birth_date, &mut p.birth_date_text),
                    (old, old_text),
                    (new, new_text),
                )
            }
            Correction::Sex { old, new } => swap(&mut p.sex, old, new),
            Correction::Honseki { old, new } => {
                if p.foreign.is_some() && new.is_some() {
                    return Err(DomainError::HonsekiOnForeign);
                }
                swap(&mut p.honseki, old, new)
            }
            Correction::Relationship { old, new } => {
                if *old == Relationship::Head {
                    return Err(DomainError::PersonIsHead {
                        name: p.name.full(),
                    });
                }
                if *new == Relationship::Head {
                    return Err(DomainError::RelationshipIsHead);
                }
                swap(&mut p.relationship, old, new)
            }
            Correction::JuminhyoCode { old, new } => swap(&mut p.juminhyo_code, old, new),
            Correction::IndividualNumber { old, new } => swap(&mut p.individual_number, old, new),
            Correction::Nationality { old, new } => {
                let name = p.name.full();
                let f = p
                    .foreign
                    .as_mut()
                    .ok_or(DomainError::NotForeignResident { name })?;
                if new.trim().is_empty() {
                    return Err(DomainError::Missing {
                        field: "国籍・地域",
                    });
                }
                swap(&mut f.nationality, old, new)
            }
            // Corrected as a household: see correct_address.
            Correction::Address { .. } => {
                Err(DomainError::CorrectionNotApplicable { item: "住所" })
            }
            Correction::PreviousAddress { old, new } => {
                let m = p
                    .moved_in
                    .as_mut()
                    .ok_or(DomainError::CorrectionNotApplicable {
                        item: "転入前住所"
                    })?;
                swap(&mut m.previous_address, old, new)
            }
            Correction::Destination { old, new } => match &mut p.status {
                PersonStatus::Removed {
                    destination,
                    moved_out,
                    notice,
                    ..
                } => {
                    swap(destination, old, new)?;
                    // What the 転入通知 said is corrected with it; the 予定 stays.
                    let received = moved_out
                        .as_mut()
                        .and_then(|m| m.notice.as_mut())
                        .or(notice.as_deref_mut());
                    if let (Some(n), Some(a)) = (received, new) {
                        n.destination = a.clone();
                    }
                    Ok(())
                }
                _ => Err(DomainError::CorrectionNotApplicable {
                    item: "転出先住所"
                }),
            },
            Correction::BecameResidentOn {
                old,
                new,
                old_text,
                new_text,
            } => {
                not_before_birth("住民となった年月日", *new, p.birth_date)?;
                swap_dates(
                    (&mut p.became_resident_on, &mut p.became_resident_text),
                    (old, old_text),
                    (new, new_text),
                )
            }
            Correction::AddressSince {
                old,
                new,
                old_text,
                new_text,
            } => {
                not_before_birth("住所を定めた年月日", *new, p.birth_date)?;
                swap_dates(
                    (&mut p.address_since, &mut p.address_since_text),
                    (old, old_text),
                    (new, new_text),
                )
            }
            Correction::NotifiedOn { old, new } => {
                let m = p
                    .moved_in
                    .as_mut()
                    .ok_or(DomainError::CorrectionNotApplicable {
                        item: "届出の年月日",
                    })?;
                swap(&mut m.notified_on, old, new)
            }
            Correction::Residence { old, new } => {
                let name = p.name.full();
                let f = p
                    .foreign
                    .as_mut()
                    .ok_or(DomainError::NotForeignResident { name })?;
                if Residence::of(f) != *old {
                    return Err(DomainError::CorrectionStale);
                }
                if old == new {
                    return Err(DomainError::CorrectionNoop);
                }
                let next = new.applied_to(f);
                next.validate()?;
                *f = next;
                Ok(())
            }
        }
    }

    /// 住所 correction: the household's address and every current member's, which
    /// must all read `old`; a removed person's (除票) alone.
    fn correct_address(
        &mut self,
        id: PersonId,
        old: &Address,
        new: &Address,
    ) -> Result<(), DomainError> {
        if old == new {
            return Err(DomainError::CorrectionNoop);
        }
        let p = self.person(id)?;
        if p.address != *old {
            return Err(DomainError::CorrectionStale);
        }
        if p.is_removed() {
            self.person_mut(id)?.address = new.clone();
            return Ok(());
        }
        let hid = p.household_id;
        let h = self.household(hid)?;
        if h.address != *old {
            return Err(DomainError::CorrectionStale);
        }
        for m in h.members.clone() {
            let member = self.person_mut(m)?;
            if member.address != *old {
                return Err(DomainError::CorrectionStale);
            }
            member.address = new.clone();
        }
        self.household_mut(hid)?.address = new.clone();
        Ok(())
    }
}
