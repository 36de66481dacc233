//! `kikan check`: replays the ledger and proves the stored projections equal it.
//!
//! The check streams, so that its memory does not grow with the municipality:
//!
//! 1. It reads the stored versions (persons, then households) in key order and keeps, per
//!    person and household, a small track: the seq of its last stored version and a sum
//!    of keyed hashes of its stored versions (seq, start date, snapshot).
//! 2. It replays the ledger from an empty registry. After each entry it subtracts the
//!    hash of every replayed version from its track; a record whose last stored version
//!    has been replayed leaves memory. When more than [`CheckOptions::live`] records are
//!    held, the least recently changed leave too; should a later entry need one of them,
//!    its stored version is read back and used only if its fingerprint equals the
//!    replayed one (so the replay goes on from the state the ledger produced).
//! 3. Every track must end at zero: each stored version was replayed and nothing else.
//! 4. The stored persons and households (with their index columns) must equal the last
//!    replayed snapshot of each.
//!
//! Fingerprints are SipHash with keys drawn afresh for every run, so no stored data can
//! be made to collide with them in advance.

use chrono::NaiveDate;
use kikan_domain::{DomainError, Household, HouseholdId, LocalGovCode, Person, PersonId, Registry};
use kikan_store::{PersonIndex, Store, StoreError};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use thiserror::Error;

const PAGE: u32 = 5000;

/// What a passing check went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub entries: u64,
    pub persons: u64,
    pub households: u64,
    pub person_versions: u64,
    pub household_versions: u64,
    /// Records read back from their stored version after leaving memory early.
    pub reloads: u64,
    /// Entries without a seal (封印) because they were recorded before seals existed
    /// (every other entry's seal is checked as it is read).
    pub unsealed: u64,
}

#[derive(Debug, Error)]
pub enum CheckError {
    #[error("台帳の再生に失敗しました(連番 {seq}): {message}")]
    Replay { seq: i64, message: String },
    #[error("{0}")]
    Mismatch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How the check may use memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// At most this many persons and households are held replayed at once (beyond the
    /// ones the current entry changes).
    pub live: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self { live: 100_000 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Person,
    Household,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Person => "住民",
            Kind::Household => "世帯",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not replayed yet.
    Unseen,
    /// Replayed and held in the registry.
    Live,
    /// Replayed and out of memory.
    Out,
}

/// What the check keeps of one person or household.
#[derive(Debug, Clone, Copy)]
struct Track {
    id: i64,
    /// The seq of the last stored version.
    last: i64,
    /// The seq of the last replayed version (0: none yet).
    cur: i64,
    /// The fingerprint of the last replayed snapshot.
    fp: u64,
    /// Stored version hashes minus replayed ones.
    acc: u64,
    /// Stored versions minus replayed ones.
    pending: i32,
    state: State,
    /// Seen among the stored records.
    row: bool,
}

/// The tracks of one kind, sorted by id.
struct Tracks {
    kind: Kind,
    rows: Vec<Track>,
}

impl Tracks {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            rows: Vec::new(),
        }
    }

    /// Adds a stored version; versions come in (id, seq) order.
    fn stored(&mut self, id: i64, seq: i64, hash: u64) -> Result<(), CheckError> {
        match self.rows.last_mut() {
            Some(t) if t.id == id && t.last < seq => {
                t.last = seq;
                t.acc = t.acc.wrapping_add(hash);
                t.pending += 1;
            }
            Some(t) if t.id >= id => {
                return Err(CheckError::Mismatch(format!(
                    "{} {id} の保存された版の順序が不正です(連番 {seq})",
                    self.kind.noun()
                )));
            }
            _ => self.rows.push(Track {
                id,
                last: seq,
                cur: 0,
                fp: 0,
                acc: hash,
                pending: 1,
                state: State::Unseen,
                row: false,
            }),
        }
        Ok(())
    }

    fn get(&self, id: i64) -> Option<&Track> {
        let i = self.rows.binary_search_by_key(&id, |t| t.id).ok()?;
        self.rows.get(i)
    }

    fn get_mut(&mut self, id: i64) -> Option<&mut Track> {
        let i = self.rows.binary_search_by_key(&id, |t| t.id).ok()?;
        self.rows.get_mut(i)
    }

    /// Every stored version was replayed, and nothing else.
    fn settle(&self) -> Result<(), CheckError> {
        let noun = self.kind.noun();
        for t in &self.rows {
            let id = t.id;
            if t.pending > 0 {
                return Err(CheckError::Mismatch(format!(
                    "{noun} {id} の履歴に台帳にない版があります({} 版)",
                    t.pending
                )));
            }
            if t.pending < 0 {
                return Err(CheckError::Mismatch(format!(
                    "{noun} {id} の履歴の版が失われています({} 版)",
                    -t.pending
                )));
            }
            if t.acc != 0 {
                return Err(CheckError::Mismatch(format!(
                    "{noun} {id} の履歴が台帳と一致しません"
                )));
            }
        }
        Ok(())
    }

    /// Every replayed record was among the stored ones.
    fn all_stored(&self) -> Result<(), CheckError> {
        match self.rows.iter().find(|t| t.cur != 0 && !t.row) {
            Some(t) => Err(CheckError::Mismatch(format!(
                "{} {} の記録が保存されていません(台帳にはあります)",
                self.kind.noun(),
                t.id
            ))),
            None => Ok(()),
        }
    }
}

/// Keyed fingerprints, fresh keys every run; the text is serialised into one reused
/// buffer and hashed in one piece.
struct Fingerprints {
    keys: RandomState,
    buf: Vec<u8>,
}

impl Fingerprints {
    fn new() -> Self {
        Fingerprints {
            keys: RandomState::new(),
            buf: Vec::with_capacity(4096),
        }
    }
    fn of<T: serde::Serialize>(&mut self, v: &T) -> u64 {
        self.buf.clear();
        // Serialising a domain value into memory cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, v);
        self.keys.hash_one(self.buf.as_slice())
    }
    fn version(&self, id: i64, seq: i64, from: NaiveDate, fp: u64) -> u64 {
        self.keys.hash_one((id, seq, from, fp))
    }
}

/// The top-level fields in which two snapshots differ, for the error message.
fn differing_fields<T: serde::Serialize>(stored: &T, replayed: &T) -> String {
    let (a, b) = (
        serde_json::to_value(stored).ok(),
        serde_json::to_value(replayed).ok(),
    );
    match (a, b) {
        (Some(serde_json::Value::Object(a)), Some(serde_json::Value::Object(b))) => {
            // A field present on both sides differs once, not twice.
            let keys: std::collections::BTreeSet<&String> = a
                .keys()
                .chain(b.keys())
                .filter(|k| a.get(*k) != b.get(*k))
                .collect();
            keys.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
        _ => String::from("?"),
    }
}

/// Replays every ledger entry of the tenant from an empty registry and compares the
/// result with the stored persons (A and B), households and versions.
pub async fn check(store: &dyn Store, tenant: LocalGovCode) -> Result<CheckReport, CheckError> {
    check_with(store, tenant, CheckOptions::default()).await
}

/// [`check`] with a bound on the records held in memory.
pub async fn check_with(
    store: &dyn Store,
    tenant: LocalGovCode,
    options: CheckOptions,
) -> Result<CheckReport, CheckError> {
    let mut c = Checker {
        store,
        tenant,
        fps: Fingerprints::new(),
        persons: Tracks::new(Kind::Person),
        households: Tracks::new(Kind::Household),
        reg: Registry::new(),
        live: 0,
        cap: options.live.max(1),
        report: CheckReport::default(),
    };
    c.stored_versions().await?;
    c.replay().await?;
    c.persons.settle()?;
    c.households.settle()?;
    c.stored_persons().await?;
    c.stored_households().await?;
    let sealed_from = store.sealed_from(tenant).await?;
    c.report.unsealed = c
        .report
        .entries
        .min(u64::try_from(sealed_from - 1).unwrap_or(0));
    Ok(c.report)
}

struct Checker<'a> {
    store: &'a dyn Store,
    tenant: LocalGovCode,
    fps: Fingerprints,
    persons: Tracks,
    households: Tracks,
    /// The replayed records still needed.
    reg: Registry,
    /// Records in `reg`.
    live: usize,
    cap: usize,
    report: CheckReport,
}

impl Checker<'_> {
    /// Step 1: the tracks from the stored versions, and each person's versions valid
    /// one after another: each until the earliest start of the versions after it (the
    /// next one's, or a later one's that took effect before it: a removal moved back to
    /// the 転入日, 1.1.5), the last open.
    async fn stored_versions(&mut self) -> Result<(), CheckError> {
        /// One person's versions in order: (seq, valid_from, valid_to).
        type Track = Vec<(i64, NaiveDate, Option<NaiveDate>)>;
        fn ends(pid: PersonId, track: &Track) -> Result<(), CheckError> {
            // The earliest start of the versions after this one.
            let mut later: Option<NaiveDate> = None;
            for (seq, from, to) in track.iter().rev() {
                if *to != later {
                    return Err(CheckError::Mismatch(match (later, to) {
                        (None, Some(to)) => {
                            format!("住民 {pid} の最新の版に終了日({to})が設定されています")
                        }
                        _ => format!("住民 {pid} の履歴(連番 {seq})の終了日が一致しません"),
                    }));
                }
                later = Some(later.map_or(*from, |l| l.min(*from)));
            }
            Ok(())
        }
        let mut after = None;
        let mut track: Option<(PersonId, Track)> = None;
        loop {
            let rows = self.store.version_rows(self.tenant, after, PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some((last.0, last.1.seq));
            for (pid, v) in &rows {
                let fp = self.fps.of(&v.person);
                let hash = self.fps.version(pid.0, v.seq, v.valid_from, fp);
                self.persons.stored(pid.0, v.seq, hash)?;
                match &mut track {
                    Some((tp, t)) if tp == pid => t.push((v.seq, v.valid_from, v.valid_to)),
                    _ => {
                        if let Some((tp, t)) = &track {
                            ends(*tp, t)?;
                        }
                        track = Some((*pid, vec![(v.seq, v.valid_from, v.valid_to)]));
                    }
                }
                self.report.person_versions += 1;
            }
        }
        if let Some((tp, t)) = &track {
            ends(*tp, t)?;
        }
        let mut after = None;
        loop {
            let rows = self
                .store
                .household_version_rows(self.tenant, after, PAGE)
                .await?;
            let Some(last) = rows.last() else { break };
            after = Some((last.household.id, last.seq));
            for v in &rows {
                let id = v.household.id.0;
                let fp = self.fps.of(&v.household);
                let hash = self.fps.version(id, v.seq, v.valid_from, fp);
                self.households.stored(id, v.seq, hash)?;
                self.report.household_versions += 1;
            }
        }
        Ok(())
    }

    /// Step 2: the ledger, entry by entry.
    async fn replay(&mut self) -> Result<(), CheckError> {
        let mut after = 0;
        loop {
            let page = self.store.ledger(self.tenant, after, PAGE).await?;
            if page.is_empty() {
                break;
            }
            for e in &page {
                let touched = loop {
                    let err = match self.reg.apply(e) {
                        Ok(touched) => break touched,
                        Err(err) => err,
                    };
                    // A record that left memory early comes back from its stored
                    // version; any other refusal is the ledger's.
                    let back = match &err {
                        DomainError::PersonNotFound(id) => {
                            self.bring_back(Kind::Person, id).await?
                        }
                        DomainError::HouseholdNotFound(id) => {
                            self.bring_back(Kind::Household, id).await?
                        }
                        _ => false,
                    };
                    if !back {
                        return Err(CheckError::Replay {
                            seq: e.seq,
                            message: err.to_string(),
                        });
                    }
                };
                for id in touched.persons {
                    let fp = match self.reg.person(id) {
                        Some(p) => self.fps.of(p),
                        None => continue,
                    };
                    if self.replayed(Kind::Person, id.0, e.seq, e.effective_on, fp)? {
                        self.reg.forget_person(id);
                        self.live -= 1;
                    }
                }
                for id in touched.households {
                    let fp = match self.reg.household(id) {
                        Some(h) => self.fps.of(h),
                        None => continue,
                    };
                    if self.replayed(Kind::Household, id.0, e.seq, e.effective_on, fp)? {
                        self.reg.forget_household(id);
                        self.live -= 1;
                    }
                }
                if self.live > self.cap {
                    self.make_room();
                }
                after = e.seq;
                self.report.entries += 1;
            }
        }
        Ok(())
    }

    fn tracks(&mut self, kind: Kind) -> &mut Tracks {
        match kind {
            Kind::Person => &mut self.persons,
            Kind::Household => &mut self.households,
        }
    }

    /// Accounts for one replayed version; answers whether the record is done with (its
    /// last stored version replayed).
    fn replayed(
        &mut self,
        kind: Kind,
        id: i64,
        seq: i64,
        on: NaiveDate,
        fp: u64,
    ) -> Result<bool, CheckError> {
        let hash = self.fps.version(id, seq, on, fp);
        let tracks = self.tracks(kind);
        let noun = kind.noun();
        let Some(t) = tracks.get_mut(id) else {
            return Err(CheckError::Mismatch(format!(
                "{noun} {id} の履歴(連番 {seq})が保存されていません"
            )));
        };
        if seq > t.last {
            return Err(CheckError::Mismatch(format!(
                "{noun} {id} の履歴(連番 {seq})が保存されていません(保存された最後の版は連番 {})",
                t.last
            )));
        }
        let state = t.state;
        if state == State::Out {
            // Not in memory, yet changed: the entry made it a second time.
            return Err(CheckError::Replay {
                seq,
                message: format!("{noun} {id} が二度作成されています"),
            });
        }
        t.acc = t.acc.wrapping_sub(hash);
        t.pending -= 1;
        t.fp = fp;
        t.cur = seq;
        let done = t.last == seq;
        t.state = if done { State::Out } else { State::Live };
        if state == State::Unseen {
            self.live += 1;
        }
        Ok(done)
    }

    /// Reads a record that left memory back from its stored version, if that version
    /// is the replayed one. False where `id` is not out of memory (the refusal stands).
    async fn bring_back(&mut self, kind: Kind, id: &str) -> Result<bool, CheckError> {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(false);
        };
        let Some(t) = self.tracks(kind).get(id).copied() else {
            return Ok(false);
        };
        if t.state != State::Out {
            return Ok(false);
        }
        let mismatch = || {
            CheckError::Mismatch(format!(
                "{} {id} の履歴(連番 {})が台帳と一致しません",
                kind.noun(),
                t.cur
            ))
        };
        match kind {
            Kind::Person => {
                let p = self.stored_person_version(PersonId(id), t.cur).await?;
                let p = p.ok_or_else(mismatch)?;
                if self.fps.of(&p) != t.fp {
                    return Err(mismatch());
                }
                self.reg.insert_person(p);
            }
            Kind::Household => {
                let h = self
                    .stored_household_version(HouseholdId(id), t.cur)
                    .await?;
                let h = h.ok_or_else(mismatch)?;
                if self.fps.of(&h) != t.fp {
                    return Err(mismatch());
                }
                self.reg.insert_household(h);
            }
        }
        if let Some(t) = self.tracks(kind).get_mut(id) {
            t.state = State::Live;
        }
        self.live += 1;
        self.report.reloads += 1;
        Ok(true)
    }

    async fn stored_person_version(
        &self,
        id: PersonId,
        seq: i64,
    ) -> Result<Option<Person>, CheckError> {
        let rows = self
            .store
            .version_rows(self.tenant, Some((id, seq - 1)), 1)
            .await?;
        Ok(rows
            .into_iter()
            .find(|(pid, v)| *pid == id && v.seq == seq)
            .map(|(_, v)| v.person))
    }

    async fn stored_household_version(
        &self,
        id: HouseholdId,
        seq: i64,
    ) -> Result<Option<Household>, CheckError> {
        let rows = self
            .store
            .household_version_rows(self.tenant, Some((id, seq - 1)), 1)
            .await?;
        Ok(rows
            .into_iter()
            .find(|v| v.household.id == id && v.seq == seq)
            .map(|v| v.household))
    }

    /// Sends the least recently changed half of the held records out of memory.
    fn make_room(&mut self) {
        let mut held: Vec<(i64, Kind, i64)> = Vec::with_capacity(self.live);
        for p in self.reg.persons() {
            if let Some(t) = self.persons.get(p.id.0) {
                held.push((t.cur, Kind::Person, p.id.0));
            }
        }
        for h in self.reg.households() {
            if let Some(t) = self.households.get(h.id.0) {
                held.push((t.cur, Kind::Household, h.id.0));
            }
        }
        held.sort_unstable_by_key(|(cur, _, id)| (*cur, *id));
        let n = (held.len() / 2).max(1);
        for (_, kind, id) in held.into_iter().take(n) {
            let gone = match kind {
                Kind::Person => self.reg.forget_person(PersonId(id)).is_some(),
                Kind::Household => self.reg.forget_household(HouseholdId(id)).is_some(),
            };
            if let Some(t) = self.tracks(kind).get_mut(id) {
                t.state = State::Out;
            }
            if gone {
                self.live -= 1;
            }
        }
    }

    /// Step 4: the stored persons (A and B) equal their last replayed snapshots.
    async fn stored_persons(&mut self) -> Result<(), CheckError> {
        let mut after: Option<PersonId> = None;
        loop {
            let rows = self.store.person_rows(self.tenant, after, PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.1.id);
            for (index, stored) in &rows {
                let id = stored.id;
                let fp = self.fps.of(stored);
                let Some(t) = self.persons.get_mut(id.0).filter(|t| t.cur != 0) else {
                    return Err(CheckError::Mismatch(format!(
                        "住民 {id} は台帳に記録がありません(台帳にない行が追加されています)"
                    )));
                };
                t.row = true;
                let cur = t.cur;
                if fp != t.fp {
                    let fields = match self.stored_person_version(id, cur).await? {
                        Some(replayed) => differing_fields(stored, &replayed),
                        None => String::from("?"),
                    };
                    return Err(CheckError::Mismatch(format!(
                        "住民 {id}({})の記録が台帳と一致しません: {fields}",
                        stored.name.full()
                    )));
                }
                if *index != PersonIndex::of(stored) {
                    return Err(CheckError::Mismatch(format!(
                        "住民 {id}({})の検索・区分の列が記録と一致しません: {index:?}",
                        stored.name.full()
                    )));
                }
                self.report.persons += 1;
            }
        }
        self.persons.all_stored()
    }

    /// Step 4: the stored households equal their last replayed snapshots.
    async fn stored_households(&mut self) -> Result<(), CheckError> {
        let mut after: Option<HouseholdId> = None;
        loop {
            let rows = self.store.household_rows(self.tenant, after, PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            for stored in &rows {
                let id = stored.id;
                let fp = self.fps.of(stored);
                let Some(t) = self.households.get_mut(id.0).filter(|t| t.cur != 0) else {
                    return Err(CheckError::Mismatch(format!(
                        "世帯 {id} は台帳に記録がありません"
                    )));
                };
                t.row = true;
                let cur = t.cur;
                if fp != t.fp {
                    let fields = match self.stored_household_version(id, cur).await? {
                        Some(replayed) => differing_fields(stored, &replayed),
                        None => String::from("?"),
                    };
                    return Err(CheckError::Mismatch(format!(
                        "世帯 {id} の記録が台帳と一致しません: {fields}"
                    )));
                }
                self.report.households += 1;
            }
        }
        self.households.all_stored()
    }
}
