//! A whole municipality out and in (10.6; a vendor switch, SQLite ⇄ PostgreSQL): the
//! export is a directory of JSON Lines files in a documented, versioned layout
//! (`docs/formats.md`, "The municipality export"), and the import puts it into an empty
//! municipality of any store.
//!
//! The export carries what the registry holds: the ledger (every projection — 住民票,
//! 除票, households, their versions, the search columns — is rebuilt from it by the same
//! `Registry::apply`, so the import is checked by the replay check as any database is),
//! the audit chain record by record (re-appended, it gives the same hashes: the head
//! after the import is the exported head), the 住所辞書, 支援措置, 抑止, メモ and 備考, the
//! 法第7条 items of the other businesses, the 認証者・公印・固定文言, the places and
//! terminals, and the issuance register with its re-prints (a re-print after the import
//! draws the issued bytes). Each file's line count and SHA-256 are in `manifest.json`.
//!
//! Not carried: staff accounts, sessions and API tokens (credentials stay with the
//! installation that issued them; the new one enrols its staff), drafts not yet decided,
//! record locks, search histories, the daily work's run history, the 入管 exchange
//! state and the 住基ネット (CS) link's (its items, what it received, the conversion
//! table, the 空きコード, the 居所 set as 送付先). The export holds the 個人番号 in the clear (another installation does not have
//! this one's keys): its files are written readable by their owner only.
//!
//! Everything is read and checked before anything is written: the manifest and every
//! file's hash, every line, the ledger replayed in memory (a refused entry names its
//! number), the audit chain recomputed for the target municipality. The target must be
//! empty (no entry, no audit record); the ledger goes in one transaction.

use crate::actor::Actor;
use chrono::{DateTime, Utc};
use kikan_domain::address::{AddressNumber, Country, Katagaki, PostalEntry, Town};
use kikan_domain::business::BusinessRecord;
use kikan_domain::memo::MemoRevision;
use kikan_domain::support::SupportMeasure;
use kikan_domain::suppress::Suppression;
use kikan_domain::{LedgerEntry, PersonId};
use kikan_security::audit::{self, AuditIndex};
use kikan_security::{AuditEvent, AuditRecord};
use kikan_store::bulk::BulkRows;
use kikan_store::certificates::Certificate;
use kikan_store::places::{Place, Terminal};
use kikan_store::{Store, StoreError, Tenant};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The layout's name in `manifest.json`.
pub const FORMAT: &str = "kikan-municipality-export";
/// The layout's version; an import refuses any other.
pub const VERSION: u32 = 2;

const PAGE: u32 = 5_000;
/// Persons per query of the records kept per person (メモ, 法第7条 items).
const PERSONS_PER_QUERY: usize = 500;

/// How many of [`FILES`] version 1 had (an export of version 1 is read as having none
/// of the later ones).
const V1_FILES: usize = 16;

/// The files of the layout, in the order they are written and read.
pub const FILES: [&str; 18] = [
    "ledger.jsonl",
    "audit.jsonl",
    "address_towns.jsonl",
    "address_numbers.jsonl",
    "postal_codes.jsonl",
    "katagaki.jsonl",
    "countries.jsonl",
    "support_measures.jsonl",
    "suppressions.jsonl",
    "memos.jsonl",
    "business_items.jsonl",
    "certificate_settings.jsonl",
    "places.jsonl",
    "terminals.jsonl",
    "certificates.jsonl",
    "persons.jsonl",
    // Version 2: the 住基ネット統一文字 conversion table and the 送付先 set per person.
    "cs_chars.jsonl",
    "sending_addresses.jsonl",
];

/// One line of the 住基ネット統一文字 conversion table: the character (with its IVS) and
/// its code.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CharLine {
    character: String,
    code: u16,
}

/// The 送付先 set for a person (7.1.1.1, 7.1.1.4).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SendingLine {
    person_id: i64,
    setting: kikan_domain::cs::SendingSetting,
}

/// Why an export or an import failed. Nothing is written by an import that fails
/// before its first write (every check comes first).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("ファイル {path} を読み書きできません: {reason}")]
    Io { path: String, reason: String },
    #[error("manifest.json が読めないか、対応していない形式です: {0}")]
    Manifest(String),
    #[error(
        "ファイル {file} が書き出された内容と一致しません(行数またはSHA-256): 壊れているか、書き換えられています"
    )]
    Damaged { file: String },
    #[error("ファイル {file} の {line} 行目を読めません: {reason}")]
    Line {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("取込先の団体 {0} には既にデータがあります。空の団体にのみ取り込めます")]
    NotEmpty(String),
    #[error("異動記録 {seq} を再現できません: {reason}")]
    Replay { seq: i64, reason: String },
    #[error("監査ログのつながりが取込先で再現できません: {0}")]
    Chain(String),
    #[error("書き出された団体 {exported} と取込先 {target} が異なります")]
    OtherTenant { exported: String, target: String },
}

impl ArchiveError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ArchiveError::Store(e) => e.code(),
            ArchiveError::Io { .. } => "E-ARCHIVE-001",
            ArchiveError::Manifest(_) => "E-ARCHIVE-002",
            ArchiveError::Damaged { .. } => "E-ARCHIVE-003",
            ArchiveError::Line { .. } => "E-ARCHIVE-004",
            ArchiveError::NotEmpty(_) => "E-ARCHIVE-005",
            ArchiveError::Replay { .. } => "E-ARCHIVE-006",
            ArchiveError::Chain(_) => "E-ARCHIVE-007",
            ArchiveError::OtherTenant { .. } => "E-ARCHIVE-008",
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ArchiveError + '_ {
    move |e| ArchiveError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// One file as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub lines: u64,
    pub sha256: String,
}

/// `manifest.json`: what was exported, from where, and each file's count and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub tenant: TenantInfo,
    pub exported_at: DateTime<Utc>,
    pub exported_by: String,
    /// The last ledger number (entries are numbered 1..=this without gaps).
    pub ledger_last_seq: i64,
    /// The audit chain's head when exported: its number and hash.
    pub audit_head: Option<(i64, String)>,
    /// The last 交付番号 taken (the register continues after it).
    pub certificate_last_serial: i64,
    pub files: BTreeMap<String, FileInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub code: String,
    pub name: String,
    pub mayor: String,
}

/// A JSON Lines file being written, with its count and hash.
struct Lines {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    hash: Sha256,
    lines: u64,
}

impl Lines {
    fn create(dir: &Path, name: &str) -> Result<Self, ArchiveError> {
        let path = dir.join(name);
        let file = private_file(&path)?;
        Ok(Lines {
            out: std::io::BufWriter::new(file),
            path,
            hash: Sha256::new(),
            lines: 0,
        })
    }

    fn put<T: Serialize>(&mut self, v: &T) -> Result<(), ArchiveError> {
        let mut line = serde_json::to_string(v).map_err(|e| ArchiveError::Io {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        })?;
        line.push('\n');
        self.hash.update(line.as_bytes());
        self.out
            .write_all(line.as_bytes())
            .map_err(io(&self.path))?;
        self.lines += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<FileInfo, ArchiveError> {
        self.out.flush().map_err(io(&self.path))?;
        self.out.get_ref().sync_all().map_err(io(&self.path))?;
        Ok(FileInfo {
            lines: self.lines,
            sha256: hex(&self.hash.finalize()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new file readable and writable by its owner only (it holds personal data).
fn private_file(path: &Path) -> Result<std::fs::File, ArchiveError> {
    crate::files::create_private(path).map_err(io(path))
}

/// One audit record as the export writes it: the event exactly as hashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AuditLine {
    seq: i64,
    event: String,
    prev_hash: String,
    hash: String,
}

/// A setting document of the certificates (認証者, 公印, 固定文言 …).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SettingLine {
    kind: String,
    id: i64,
    data: serde_json::Value,
}

/// The ids of the persons (住民票 and 除票), the key of the records kept per person.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PersonLine {
    id: PersonId,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub manifest: Manifest,
    pub dir: PathBuf,
}

/// Writes the whole of `tenant` to the new directory `dir` (which must not exist).
/// Audited as `export.municipality` in the actor's name.
pub async fn export(
    store: &dyn Store,
    actor: &Actor,
    dir: &Path,
) -> Result<Exported, ArchiveError> {
    let tenant = actor.tenant;
    let t = store
        .tenant(tenant)
        .await?
        .ok_or_else(|| StoreError::TenantNotFound(tenant.to_string()))?;
    create_private_dir(dir)?;
    let mut files = BTreeMap::new();

    // The ledger, in order.
    let mut f = Lines::create(dir, "ledger.jsonl")?;
    let mut last_seq = 0;
    loop {
        let page = store.ledger(tenant, last_seq, PAGE).await?;
        let Some(last) = page.last() else { break };
        last_seq = last.seq;
        for e in &page {
            f.put(e)?;
        }
    }
    files.insert("ledger.jsonl".into(), f.finish()?);

    // The audit chain up to its head now; the export's own event comes after it.
    let head = store.audit_head(tenant).await?;
    let mut f = Lines::create(dir, "audit.jsonl")?;
    let mut after = 0;
    let until = head.as_ref().map_or(0, |(seq, _)| *seq);
    'chain: loop {
        let page = store.audit_records(tenant, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in page {
            if r.seq > until {
                break 'chain;
            }
            f.put(&AuditLine {
                seq: r.seq,
                event: r.event_json,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })?;
        }
    }
    files.insert("audit.jsonl".into(), f.finish()?);

    // The 住所辞書.
    let towns = store.towns_in(tenant, "", i64::MAX as usize).await?;
    files.insert(
        "address_towns.jsonl".into(),
        all(dir, "address_towns.jsonl", &towns)?,
    );
    let mut numbers = Lines::create(dir, "address_numbers.jsonl")?;
    let mut katagaki = Lines::create(dir, "katagaki.jsonl")?;
    for town in &towns {
        for n in store.address_numbers(tenant, &town.code).await? {
            numbers.put(&n)?;
        }
        for k in store.katagaki(tenant, &town.code, None).await? {
            katagaki.put(&k)?;
        }
    }
    files.insert("address_numbers.jsonl".into(), numbers.finish()?);
    files.insert("katagaki.jsonl".into(), katagaki.finish()?);
    let postal = store.all_postal_entries(tenant).await?;
    files.insert(
        "postal_codes.jsonl".into(),
        all(dir, "postal_codes.jsonl", &postal)?,
    );
    let countries = store.countries(tenant).await?;
    files.insert(
        "countries.jsonl".into(),
        all(dir, "countries.jsonl", &countries)?,
    );

    // 支援措置 and 抑止.
    let measures = store.support_measures(tenant).await?;
    files.insert(
        "support_measures.jsonl".into(),
        all(dir, "support_measures.jsonl", &measures)?,
    );
    let suppressions = store.suppressions(tenant).await?;
    files.insert(
        "suppressions.jsonl".into(),
        all(dir, "suppressions.jsonl", &suppressions)?,
    );

    // Every person's id, then the records kept per person.
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = store.person_rows(tenant, after, PAGE).await?;
        let Some((_, last)) = page.last() else { break };
        after = Some(last.id);
        ids.extend(page.iter().map(|(_, p)| p.id));
    }
    let persons: Vec<PersonLine> = ids.iter().map(|&id| PersonLine { id }).collect();
    files.insert("persons.jsonl".into(), all(dir, "persons.jsonl", &persons)?);
    let mut memos = Lines::create(dir, "memos.jsonl")?;
    let mut business = Lines::create(dir, "business_items.jsonl")?;
    let mut sending = Lines::create(dir, "sending_addresses.jsonl")?;
    for chunk in ids.chunks(PERSONS_PER_QUERY) {
        for r in store.memo_revisions(tenant, chunk).await? {
            memos.put(&r)?;
        }
        for r in store.business_records(tenant, chunk).await? {
            business.put(&r)?;
        }
        for (person, json) in store.sending_addresses(tenant, chunk).await? {
            sending.put(&SendingLine {
                person_id: person.0,
                setting: crate::cs::sending_setting(&json)?,
            })?;
        }
    }
    files.insert("memos.jsonl".into(), memos.finish()?);
    files.insert("business_items.jsonl".into(), business.finish()?);
    files.insert("sending_addresses.jsonl".into(), sending.finish()?);
    let chars: Vec<CharLine> = store
        .cs_chars(tenant)
        .await?
        .into_iter()
        .map(|(character, code)| CharLine { character, code })
        .collect();
    files.insert("cs_chars.jsonl".into(), all(dir, "cs_chars.jsonl", &chars)?);

    // 認証者・公印・固定文言, places and terminals.
    let mut settings = Lines::create(dir, "certificate_settings.jsonl")?;
    for kind in kikan_cert::settings::KINDS {
        for (id, data) in store.certificate_settings(tenant, kind).await? {
            let data = serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("setting {kind} {id}: {e}")))?;
            settings.put(&SettingLine {
                kind: kind.into(),
                id,
                data,
            })?;
        }
    }
    files.insert("certificate_settings.jsonl".into(), settings.finish()?);
    let places = store.places(tenant).await?;
    files.insert("places.jsonl".into(), all(dir, "places.jsonl", &places)?);
    let terminals = store.terminals(tenant).await?;
    files.insert(
        "terminals.jsonl".into(),
        all(dir, "terminals.jsonl", &terminals)?,
    );

    // The issuance register, by 交付番号, with its re-prints.
    let last_serial = crate::certificates::last_serial(store, tenant).await?;
    let mut certs = Lines::create(dir, "certificates.jsonl")?;
    for serial in 1..=last_serial {
        if let Some(c) = store.certificate(tenant, serial).await? {
            certs.put(&c)?;
        }
    }
    files.insert("certificates.jsonl".into(), certs.finish()?);

    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        tenant: TenantInfo {
            code: t.code.to_string(),
            name: t.name.clone(),
            mayor: t.mayor.clone(),
        },
        exported_at: Utc::now(),
        exported_by: actor.name.clone(),
        ledger_last_seq: last_seq,
        audit_head: head,
        certificate_last_serial: last_serial,
        files,
    };
    let path = dir.join("manifest.json");
    let mut file = private_file(&path)?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| ArchiveError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    file.write_all(text.as_bytes()).map_err(io(&path))?;
    file.sync_all().map_err(io(&path))?;
    store
        .append_audit(
            tenant,
            &[actor.event(
                "export.municipality",
                vec![],
                format!(
                    "団体全体の書き出し: 異動記録 {} 件, 住民 {} 人, 監査記録 {} 件",
                    last_seq,
                    ids.len(),
                    manifest.files["audit.jsonl"].lines
                ),
            )],
        )
        .await?;
    Ok(Exported {
        manifest,
        dir: dir.to_path_buf(),
    })
}

fn create_private_dir(dir: &Path) -> Result<(), ArchiveError> {
    crate::files::create_private_dir(dir, false).map_err(io(dir))
}

fn all<T: Serialize>(dir: &Path, name: &str, items: &[T]) -> Result<FileInfo, ArchiveError> {
    let mut f = Lines::create(dir, name)?;
    for i in items {
        f.put(i)?;
    }
    f.finish()
}

/// Reads a manifest and checks its format and version.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ArchiveError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let m: Manifest =
        serde_json::from_str(&text).map_err(|e| ArchiveError::Manifest(e.to_string()))?;
    if m.format != FORMAT || !(1..=VERSION).contains(&m.version) {
        return Err(ArchiveError::Manifest(format!(
            "{} 版 {} (この kikan が読めるのは {FORMAT} 版 {VERSION})",
            m.format, m.version
        )));
    }
    let files = if m.version == 1 {
        &FILES[..V1_FILES]
    } else {
        &FILES[..]
    };
    for name in files {
        if !m.files.contains_key(*name) {
            return Err(ArchiveError::Manifest(format!("{name} がありません")));
        }
    }
    Ok(m)
}

/// Reads a whole file, checking its count and hash against the manifest.
fn read_all<T: DeserializeOwned>(
    dir: &Path,
    m: &Manifest,
    name: &str,
) -> Result<Vec<T>, ArchiveError> {
    let path = dir.join(name);
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    let mut hash = Sha256::new();
    let mut out = Vec::new();
    let reader = std::io::BufReader::new(file);
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(io(&path))?;
        hash.update(&line);
        hash.update(b"\n");
        let v = serde_json::from_slice(&line).map_err(|e| ArchiveError::Line {
            file: name.into(),
            line: i + 1,
            reason: e.to_string(),
        })?;
        out.push(v);
    }
    let expected = &m.files[name];
    if out.len() as u64 != expected.lines || hex(&hash.finalize()) != expected.sha256 {
        return Err(ArchiveError::Damaged { file: name.into() });
    }
    Ok(out)
}

/// Everything an export holds, read and checked.
struct Contents {
    ledger: Vec<LedgerEntry>,
    audit: Vec<(AuditRecord, AuditEvent)>,
    towns: Vec<Town>,
    numbers: Vec<AddressNumber>,
    postal: Vec<PostalEntry>,
    katagaki: Vec<Katagaki>,
    countries: Vec<Country>,
    measures: Vec<SupportMeasure>,
    suppressions: Vec<Suppression>,
    memos: Vec<MemoRevision>,
    business: Vec<BusinessRecord>,
    settings: Vec<SettingLine>,
    places: Vec<Place>,
    terminals: Vec<Terminal>,
    certificates: Vec<Certificate>,
    chars: Vec<CharLine>,
    sending: Vec<SendingLine>,
}

/// What an import put in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub entries: usize,
    pub persons: usize,
    pub on_register: usize,
    pub audit_records: usize,
    pub certificates: usize,
    /// The audit chain's head after the import, before the import's own record: the
    /// exported head.
    pub audit_head: Option<(i64, String)>,
}

fn read_contents(dir: &Path, m: &Manifest, tenant: &str) -> Result<Contents, ArchiveError> {
    let ledger: Vec<LedgerEntry> = read_all(dir, m, "ledger.jsonl")?;
    for (i, e) in ledger.iter().enumerate() {
        if e.seq != i as i64 + 1 {
            return Err(ArchiveError::Line {
                file: "ledger.jsonl".into(),
                line: i + 1,
                reason: format!("異動記録の番号 {} が連番ではありません", e.seq),
            });
        }
    }
    if ledger.len() as i64 != m.ledger_last_seq {
        return Err(ArchiveError::Damaged {
            file: "ledger.jsonl".into(),
        });
    }
    let lines: Vec<AuditLine> = read_all(dir, m, "audit.jsonl")?;
    let mut audit = Vec::with_capacity(lines.len());
    for (i, l) in lines.into_iter().enumerate() {
        let event: AuditEvent = serde_json::from_str(&l.event).map_err(|e| ArchiveError::Line {
            file: "audit.jsonl".into(),
            line: i + 1,
            reason: e.to_string(),
        })?;
        if event.canonical() != l.event {
            return Err(ArchiveError::Chain(format!(
                "記録 {} の内容が正規の形ではありません",
                l.seq
            )));
        }
        let record = AuditRecord {
            seq: l.seq,
            index: AuditIndex::of(&event),
            event_json: l.event,
            prev_hash: l.prev_hash,
            hash: l.hash,
        };
        audit.push((record, event));
    }
    let head = m.audit_head.as_ref().map(|(s, h)| (*s, h.as_str()));
    if audit.is_empty() != head.is_none() {
        return Err(ArchiveError::Chain("先頭と記録の数が一致しません".into()));
    }
    audit::verify(tenant, audit.iter().map(|(r, _)| r.clone()), head)
        .map_err(|e| ArchiveError::Chain(e.to_string()))?;
    Ok(Contents {
        ledger,
        audit,
        towns: read_all(dir, m, "address_towns.jsonl")?,
        numbers: read_all(dir, m, "address_numbers.jsonl")?,
        postal: read_all(dir, m, "postal_codes.jsonl")?,
        katagaki: read_all(dir, m, "katagaki.jsonl")?,
        countries: read_all(dir, m, "countries.jsonl")?,
        measures: read_all(dir, m, "support_measures.jsonl")?,
        suppressions: read_all(dir, m, "suppressions.jsonl")?,
        memos: read_all(dir, m, "memos.jsonl")?,
        business: read_all(dir, m, "business_items.jsonl")?,
        settings: read_all(dir, m, "certificate_settings.jsonl")?,
        places: read_all(dir, m, "places.jsonl")?,
        terminals: read_all(dir, m, "terminals.jsonl")?,
        certificates: read_all(dir, m, "certificates.jsonl")?,
        chars: since_v2(dir, m, "cs_chars.jsonl")?,
        sending: since_v2(dir, m, "sending_addresses.jsonl")?,
    })
}

/// A file version 2 added: none in an export of version 1.
fn since_v2<T: DeserializeOwned>(
    dir: &Path,
    m: &Manifest,
    name: &str,
) -> Result<Vec<T>, ArchiveError> {
    if m.version == 1 {
        return Ok(vec![]);
    }
    read_all(dir, m, name)
}

/// Puts the export in `dir` into the actor's municipality, which must be the
/// exported one and empty (it is registered when absent). Audited as
/// `import.municipality`, after the imported chain.
pub async fn import(
    store: &dyn Store,
    actor: &Actor,
    dir: &Path,
) -> Result<Imported, ArchiveError> {
    let tenant = actor.tenant;
    let m = read_manifest(dir)?;
    if m.tenant.code != tenant.to_string() {
        return Err(ArchiveError::OtherTenant {
            exported: m.tenant.code.clone(),
            target: tenant.to_string(),
        });
    }
    let c = read_contents(dir, &m, &tenant.to_string())?;
    // The ledger replayed in memory: every projection, as the online path would write it.
    let mut rows = BulkRows::default();
    let on_register = rows.add_history(&c.ledger).map_err(|e| {
        // The entry refused is the first one the registry could not apply; find it.
        let seq = first_refused(&c.ledger).unwrap_or(0);
        ArchiveError::Replay {
            seq,
            reason: e.to_string(),
        }
    })?;

    // The target: registered if absent, and empty.
    match store.tenant(tenant).await? {
        Some(_) => {
            if !store.ledger(tenant, 0, 1).await?.is_empty()
                || store.audit_head(tenant).await?.is_some()
            {
                return Err(ArchiveError::NotEmpty(tenant.to_string()));
            }
        }
        None => {
            store
                .add_tenant(&Tenant {
                    code: tenant,
                    name: m.tenant.name.clone(),
                    mayor: m.tenant.mayor.clone(),
                })
                .await?
        }
    }

    // The audit chain first: re-appended in order, it gives the exported hashes.
    for chunk in c.audit.chunks(PAGE as usize) {
        let events: Vec<AuditEvent> = chunk.iter().map(|(_, e)| e.clone()).collect();
        store.append_audit(tenant, &events).await?;
    }
    let head = store.audit_head(tenant).await?;
    if head != m.audit_head {
        return Err(ArchiveError::Chain(format!(
            "取込後の先頭 {:?} が書き出し時の先頭 {:?} と異なります",
            head.as_ref().map(|h| h.0),
            m.audit_head.as_ref().map(|h| h.0)
        )));
    }
    if !rows.is_empty() {
        store.bulk_insert(tenant, &rows).await?;
        store.refresh_statistics().await?;
    }
    let persons = rows.persons.len();
    drop(rows);

    if !c.towns.is_empty() {
        store.put_towns(tenant, &c.towns).await?;
    }
    for chunk in c.numbers.chunks(PAGE as usize) {
        store.put_address_numbers(tenant, chunk).await?;
    }
    if !c.postal.is_empty() {
        store.replace_postal_entries(tenant, &c.postal, &[]).await?;
    }
    for k in &c.katagaki {
        store.put_katagaki(tenant, k).await?;
    }
    if !c.countries.is_empty() {
        store.put_countries(tenant, &c.countries).await?;
    }
    for s in &c.measures {
        store.add_support_measure(tenant, s).await?;
    }
    for s in &c.suppressions {
        store.add_suppression(tenant, s).await?;
    }
    for r in &c.memos {
        store.add_memo_revision(tenant, r).await?;
    }
    for r in &c.business {
        store.add_business_record(tenant, r).await?;
    }
    for s in &c.settings {
        let data = serde_json::to_string(&s.data)
            .map_err(|e| StoreError::Corrupt(format!("setting {} {}: {e}", s.kind, s.id)))?;
        store
            .put_certificate_setting(tenant, &s.kind, s.id, &data)
            .await?;
    }
    for p in &c.places {
        store.put_place(tenant, p).await?;
    }
    for t in &c.terminals {
        store.put_terminal(tenant, t).await?;
    }
    if m.certificate_last_serial > 0 {
        store
            .reserve_certificate_serials(tenant, m.certificate_last_serial)
            .await?;
    }
    for cert in &c.certificates {
        store.add_certificate(tenant, cert).await?;
        for r in &cert.reprints {
            store
                .add_certificate_reprint(tenant, cert.serial, r)
                .await?;
        }
    }
    if !c.chars.is_empty() {
        let entries: Vec<(String, u16)> = c
            .chars
            .iter()
            .map(|l| (l.character.clone(), l.code))
            .collect();
        store.put_cs_chars(tenant, &entries).await?;
    }
    for l in &c.sending {
        let json = serde_json::to_string(&l.setting).map_err(|e| ArchiveError::Line {
            file: "sending_addresses.jsonl".into(),
            line: 0,
            reason: e.to_string(),
        })?;
        store
            .put_sending_address(tenant, kikan_domain::PersonId(l.person_id), Some(&json))
            .await?;
    }
    store
        .append_audit(
            tenant,
            &[actor.event(
                "import.municipality",
                vec![],
                format!(
                    "団体全体の取込: 異動記録 {} 件, 住民 {} 人, 監査記録 {} 件 ({} が {} に書き出したもの)",
                    c.ledger.len(),
                    persons,
                    c.audit.len(),
                    m.exported_by,
                    m.exported_at.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            )],
        )
        .await?;
    Ok(Imported {
        entries: c.ledger.len(),
        persons,
        on_register,
        audit_records: c.audit.len(),
        certificates: c.certificates.len(),
        audit_head: head,
    })
}

/// The number of the first entry a fresh registry refuses (for the error's message).
fn first_refused(entries: &[LedgerEntry]) -> Option<i64> {
    let mut reg = kikan_domain::Registry::new();
    entries
        .iter()
        .find(|e| reg.apply(e).is_err())
        .map(|e| e.seq)
}
