//! New identifiers for persons, households, drafts and accounts.

use kikan_domain::{HouseholdId, PersonId};

/// Identifiers are random in 1..2⁵³ so that they stay exact in JSON numbers; a clash
/// (about one in 10¹⁵ per pair) fails the commit as a conflict instead of overwriting.
pub fn new_person_id() -> PersonId {
    PersonId(new_id())
}
pub fn new_household_id() -> HouseholdId {
    HouseholdId(new_id())
}
pub fn new_id() -> i64 {
    (rand::random::<u64>() % ((1u64 << 53) - 1) + 1) as i64
}
