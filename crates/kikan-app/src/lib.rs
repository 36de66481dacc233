//! kikan-app: the use cases of the registry, between the store and its callers.
//!
//! **Architecture invariant:** the server and the CLI do what they do to the registry
//! through this crate: recording a change with its audit record ([`record`]), drafts
//! ([`drafts`]), certificate requests ([`certificates`]), extraction ([`extract`]), the
//! replay check ([`check`]), audit verification ([`audit`]), accounts ([`accounts`]).
//! The 支援措置 withholding rule lives here once, typed ([`protect`]), and so does the
//! registry's calendar ([`clock`]). Nothing here knows HTTP or SQL: the engines sit
//! below (`kikan-store`'s trait), the server and the CLI above.

pub mod accounts;
pub mod actor;
pub mod address_change;
pub mod addresses;
pub mod archive;
pub mod audit;
pub mod background;
pub mod business;
pub mod cancel;
pub mod certificates;
pub mod check;
pub mod clock;
pub mod cs;
pub mod daily;
pub mod drafts;
pub mod e_application;
pub mod euc;
pub mod extract;
pub mod files;
pub mod honseki;
pub mod ids;
pub mod immigration;
pub mod inspection;
pub mod jobs;
pub mod kiosk;
pub mod letters;
pub mod link;
pub mod memos;
pub mod migration;
pub mod outbound;
pub mod protect;
pub mod record;
pub mod relationships;
pub mod removed_db;
pub mod search;
pub mod statistics;
pub mod suppress;
pub mod text;
pub mod wards;

pub use actor::Actor;
pub use clock::{Clock, japan_today};
