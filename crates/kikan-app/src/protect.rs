//! 支援措置 (DV・ストーカー・児童虐待等の被害者の保護): the one rule for what a reader
//! learns of a protected person. While a measure is in force, a person it protects is
//! marked on every view, and where they live (every address of the record, and the
//! details of the changes that would tell it) is withheld from every reader except 審査,
//! who handles the measures. An extraction leaves the registry: it withholds the
//! addresses of everyone protected on its date or today, from everyone.
//!
//! The rule works on the domain's types (`Person::withhold_addresses`), not on the
//! JSON they are stored as; the compiler keeps it in step with the record's shape.

use crate::Actor;
use chrono::NaiveDate;
use kikan_domain::PersonStatus;
use kikan_domain::lists::RemovalReason;
use kikan_domain::support::MeasureId;
use kikan_domain::support::SupportMeasure;
use kikan_domain::{Household, LocalGovCode, Person, PersonId};
use kikan_security::Permission;
use kikan_store::{Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// Who among some persons is protected, and whether this reader may see their
/// addresses.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    protected: BTreeSet<PersonId>,
    show_address: bool,
    /// Per protected person: the measures that protect them, and what a reader is to be
    /// told (the period ends soon, or has ended without an extension).
    measures: BTreeMap<PersonId, Vec<MeasureNote>>,
}

/// A measure as a protected person's record shows it (2.2.4, j380): which one (the
/// screens open it from here), whether it is a 仮支援措置, and its alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureNote {
    pub id: MeasureId,
    pub provisional: bool,
    pub alert: Option<String>,
}

/// A person as a reader may see them.
#[derive(Debug, Clone)]
pub struct Shown {
    pub person: Person,
    /// A measure in force protects them: handle every request with care.
    pub protected: bool,
    /// Their addresses were withheld from this reader.
    pub withheld: bool,
    /// The measures that protect them (empty when not protected).
    pub measures: Vec<MeasureNote>,
}

/// The persons that measures in force on any of `days` protect.
fn protected_by<'a>(
    measures: impl IntoIterator<Item = &'a SupportMeasure>,
    days: &[NaiveDate],
) -> BTreeSet<PersonId> {
    measures
        .into_iter()
        .filter(|m| days.iter().any(|d| m.in_force(*d)))
        .flat_map(|m| m.protected())
        .collect()
}

impl Protection {
    /// The protection of `persons` today, for this actor: only a role that approves
    /// exceptions (審査) may see the addresses.
    pub async fn of(
        store: &dyn Store,
        actor: &Actor,
        persons: &[PersonId],
        today: NaiveDate,
    ) -> Result<Protection, StoreError> {
        let measures = store.support_for(actor.tenant, persons).await?;
        let protected: BTreeSet<PersonId> = protected_by(&measures, &[today])
            .into_iter()
            .filter(|id| persons.contains(id))
            .collect();
        let mut notes: BTreeMap<PersonId, Vec<MeasureNote>> = BTreeMap::new();
        for m in measures.iter().filter(|m| m.in_force(today)) {
            for p in m.protected().filter(|p| protected.contains(p)) {
                notes.entry(p).or_default().push(MeasureNote {
                    id: m.id,
                    provisional: m.provisional.is_some(),
                    alert: m.alert(today).map(|a| a.message()),
                });
            }
        }
        Ok(Protection {
            protected,
            show_address: actor.role.is_some() && actor.may(Permission::ApproveException),
            measures: notes,
        })
    }

    /// The protection of an extraction on `on`: everyone protected on that date or
    /// today, withheld from every reader.
    pub async fn for_extraction(
        store: &dyn Store,
        tenant: LocalGovCode,
        on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Protection, StoreError> {
        let measures = store.support_measures(tenant).await?;
        Ok(Protection {
            protected: protected_by(&measures, &[on, today]),
            show_address: false,
            measures: BTreeMap::new(),
        })
    }

    pub fn is_protected(&self, id: PersonId) -> bool {
        self.protected.contains(&id)
    }

    pub fn any(&self) -> bool {
        !self.protected.is_empty()
    }

    /// Whether details that reveal where protected persons live must be withheld
    /// (a household's address, the details of their changes, a search by address).
    pub fn withholds(&self) -> bool {
        self.any() && !self.show_address
    }

    /// A person as this reader may see them.
    pub fn person(&self, p: &Person) -> Shown {
        let protected = self.is_protected(p.id);
        let mut person = p.clone();
        let withheld = protected && !self.show_address;
        if withheld {
            person.withhold_addresses();
        }
        Shown {
            person,
            protected,
            withheld,
            measures: self.measures.get(&p.id).cloned().unwrap_or_default(),
        }
    }

    /// A household as this reader may see it: with a protected member, its address
    /// and every member's are withheld.
    pub fn household(&self, h: &Household, members: &[Person]) -> (Household, Vec<Shown>) {
        let withhold = self.withholds();
        let mut h = h.clone();
        if withhold {
            h.address = kikan_domain::person::Address::withheld();
        }
        let members = members
            .iter()
            .map(|m| {
                let mut shown = self.person(m);
                if withhold && !shown.withheld {
                    shown.person.withhold_addresses();
                    shown.withheld = true;
                }
                shown
            })
            .collect();
        (h, members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kikan_domain::person::{PersonStatus, WITHHELD};

    #[test]
    fn every_address_of_a_protected_person_is_withheld_and_nothing_else() {
        let p = kikan_testdata_person();
        let shield = Protection {
            protected: [p.id].into(),
            show_address: false,
            measures: BTreeMap::new(),
        };
        let shown = shield.person(&p);
        assert!(shown.protected && shown.withheld);
        let q = &shown.person;
        assert_eq!(q.address.place, WITHHELD);
        assert!(q.moved_in.is_none() && q.previous_address_in_city.is_none());
        match &q.status {
            PersonStatus::MovingOut {
                destination,
                destination_head,
                ..
            } => {
                assert_eq!(destination.place, WITHHELD);
                assert_eq!(
                    destination_head, &None,
                    "the 転出先の世帯主 would tell where"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!((q.name.full(), q.birth_date), (p.name.full(), p.birth_date));
        // 審査 sees the address, with the mark.
        let examiner = Protection {
            protected: [p.id].into(),
            show_address: true,
            measures: BTreeMap::new(),
        };
        let shown = examiner.person(&p);
        assert!(shown.protected && !shown.withheld);
        assert_eq!(shown.person, p);
        // Someone else is untouched.
        assert_eq!(Protection::default().person(&p).person, p);
    }

    /// A synthetic resident moving out, with a previous address in the city.
    fn kikan_testdata_person() -> Person {
        use kikan_domain::person::{Address, MoveInRecord};
        use kikan_domain::{Furigana, HouseholdId, PersonName, Relationship, Sex};
        fn ok<T>(e: kikan_domain::DomainError) -> T {
            panic!("{e}")
        }
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let address = |place: &str, banchi: &str| {
            Address::parse(None, place, banchi, None).unwrap_or_else(ok)
        };
        let here = address("横浜市中区本町一丁目", "1番地");
        Person {
            head_name: None,
            archived_on: None,
            id: PersonId(7),
            juminhyo_code: None,
            individual_number: None,
            name: PersonName::parse("山田", "花子").unwrap_or_else(ok),
            furigana: Furigana::parse("ヤマダ", "ハナコ").unwrap_or_else(ok),
            birth_date: day("1990-04-01"),
            birth_date_text: None,
            sex: Sex::Female,
            household_id: HouseholdId(8),
            relationship: Relationship::Head,
            address: here.clone(),
            became_resident_on: day("2020-04-01"),
            became_resident_text: None,
            address_since: day("2021-04-01"),
            address_since_text: None,
            moved_in: Some(MoveInRecord {
                notified_on: day("2020-04-02"),
                previous_address: Some(address("川崎市川崎区砂子一丁目", "2番地")),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            }),
            previous_address_in_city: Some(address("横浜市中区本町二丁目", "3番地")),
            honseki: None,
            foreign: None,
            former_surname: None,
            nationality_changed_on: None,
            remade_on: None,
            reissued_on: None,
            status: PersonStatus::MovingOut {
                planned_on: day("2026-10-01"),
                destination: address("東京都千代田区千代田", "1番"),
                abroad: false,
                succession: None,
                destination_head: Some("鈴木　花子".into()),
            },
            last_change_on: day("2021-04-01"),
            version: 2,
        }
    }
}

/// 1.1.16 (j160): one protected person as the measure's database shows them, read from
/// their record. While they live here (現住所地市区町村): 住所, 前住所等, 本籍 and 前本籍等.
/// Once they moved away (前住所地市区町村): the last address here as 前住所, and the
/// 転出先 three ways — as the 統合記載欄 records it, as the 転出届 gave it (予定), as
/// the 転入通知 confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProtectedRecord {
    /// 宛名番号.
    pub id: i64,
    /// 申出者 or 併せて支援を求める者.
    pub role: String,
    /// 申出者との関係 (for those protected together).
    pub relation: Option<String>,
    pub name: String,
    pub furigana: String,
    /// 通称 and its furigana.
    pub alias: Option<String>,
    pub birth_date: String,
    pub sex: String,
    /// 住所 (現住所地), or the 最終住所 here (前住所地: 前住所).
    pub address: String,
    /// 前住所等: the address before this one (within the city, or before the 転入).
    pub previous_address: Option<String>,
    pub honseki: Option<String>,
    /// 前本籍等: the earlier 本籍, latest first.
    pub previous_honseki: Vec<String>,
    /// Set once they moved away.
    pub moved_away: Option<MovedAway>,
}

/// The 前住所地 items of 1.1.16.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovedAway {
    /// The day they left.
    pub on: NaiveDate,
    /// 統合記載欄に記載された転出先住所 (the 転入通知's once it came, else the 予定).
    pub recorded_destination: Option<String>,
    /// 転出届に基づいて記載した転出先住所（予定）.
    pub planned_destination: Option<String>,
    /// 転入通知に基づいて記載した転出先住所 (None while it has not come).
    pub notified_destination: Option<String>,
}

/// The 本籍 a person had before the present one, latest first, from their record's
/// versions (oldest first): each distinct one once.
pub fn former_honseki(versions: &[Person], current: &Person) -> Vec<String> {
    let now = current.honseki.as_ref().map(|h| h.domicile.clone());
    let mut out: Vec<String> = Vec::new();
    for v in versions.iter().rev() {
        if let Some(h) = &v.honseki
            && Some(&h.domicile) != now.as_ref()
            && !out.contains(&h.domicile)
        {
            out.push(h.domicile.clone());
        }
    }
    out
}

/// What the database of measure `m` shows of `p` (one of those it protects), with
/// their former 本籍 (see [`former_honseki`]).
pub fn record_of(m: &SupportMeasure, p: &Person, previous_honseki: Vec<String>) -> ProtectedRecord {
    let moved_away = match &p.status {
        PersonStatus::Removed {
            on,
            reason,
            destination,
            moved_out,
            notice,
            ..
        } if matches!(reason, RemovalReason::MovedOut | RemovalReason::Emigrated)
            || notice.is_some() =>
        {
            let notified = moved_out
                .as_ref()
                .and_then(|m| m.notice.as_ref())
                .or(notice.as_deref())
                .map(|n| n.destination.line());
            Some(MovedAway {
                on: *on,
                recorded_destination: destination.as_ref().map(|a| a.line()),
                planned_destination: moved_out.as_ref().map(|m| m.planned_destination.line()),
                notified_destination: notified,
            })
        }
        _ => None,
    };
    let previous_address = p
        .previous_address_in_city
        .as_ref()
        .or(p
            .moved_in
            .as_ref()
            .and_then(|m| m.previous_address.as_ref()))
        .map(|a| a.line());
    ProtectedRecord {
        id: p.id.0,
        role: if p.id == m.applicant {
            "申出者"
        } else {
            "併せて支援を求める者"
        }
        .into(),
        relation: m.relations.get(&p.id).cloned(),
        name: p.name.full(),
        furigana: p.furigana.full(),
        alias: p
            .foreign
            .as_ref()
            .and_then(|f| f.alias.as_ref())
            .map(|a| match &a.furigana {
                Some(k) => format!("{}({})", a.name.full(), k.full()),
                None => a.name.full(),
            }),
        birth_date: p
            .birth_date_shown()
            .unwrap_or_else(|_| p.birth_date.to_string()),
        sex: p.sex.label().into(),
        address: p.address.line(),
        previous_address,
        honseki: p.honseki.as_ref().map(|h| h.domicile.clone()),
        previous_honseki,
        moved_away,
    }
}
