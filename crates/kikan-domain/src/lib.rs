//! kikan-domain: the resident registry (住民基本台帳) as code.
//!
//! **Architecture invariant:** this crate does no I/O and cannot fail for I/O reasons.
//! It knows nothing of HTTP, SQL or JSON; its types derive `serde` only so that the
//! ledger and snapshots have one documented, versioned export form.

pub mod address;
pub mod business;
pub mod certificate;
pub mod certifier;
pub mod codes;
pub mod cs;
pub mod csv;
pub mod dates;
pub mod endorsement;
pub mod error;
pub mod gaiji;
pub mod holidays;
pub mod immigration;
pub mod integrated;
pub mod ledger;
pub mod letters;
pub mod lists;
pub mod memo;
pub mod names;
pub mod notices;
pub mod order;
pub mod outbound;
pub mod person;
pub mod printer;
pub mod registry;
pub mod relationship;
pub mod schedule;
pub mod statistics;
pub mod support;
pub mod suppress;
pub mod transfer;
pub mod wareki;

pub use codes::{IndividualNumber, JuminhyoCode, LocalGovCode, PostalCode};
pub use error::DomainError;
pub use ledger::{
    Basis, Change, Correction, CorrectionKind, LedgerEntry, MemberRelationship, MoveInHousehold,
    MoveInKind, Notifier, PersonData, RelocationTarget, Succession, WardMove,
};
pub use lists::{
    ChangeReason, ForeignCategory, ForeignRemovalReason, NationalityChangeKind, Relationship,
    RemakeKind, RemovalReason, ResidenceStatus, Sex, StandardReason,
};
pub use names::{Furigana, PersonName};
pub use person::{
    Address, Alias, ForeignDetails, Honseki, Household, HouseholdId, LocalBody, MoveInRecord,
    PastAlias, Person, PersonId, PersonStatus,
};
pub use registry::{Registry, Touched};
