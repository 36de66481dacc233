//! `kikan backup` and `kikan restore`: a consistent online copy of the whole database
//! (every municipality) and its return, with the keys handled explicitly.
//!
//! The copy never holds the keys. Beside it, `<file>.json` records what identifies
//! them (their fingerprints: a hash, never the key), the copy's SHA-256 and, for
//! SQLite, each municipality's last ledger number in the copy. A restore refuses a copy
//! that does not match its record, keys that are missing (it never makes new ones) or
//! that are not the copy's, and a target that already holds a database; after putting
//! the copy back it runs the replay check and verifies the audit chain of every
//! municipality.
//!
//! SQLite: `VACUUM INTO` on a connection of its own (one read transaction: the copy
//! holds every change acknowledged before it began, while the server goes on).
//! PostgreSQL: `pg_dump --format=custom` (one snapshot) and `pg_restore` into an
//! empty database; point-in-time recovery is PostgreSQL's own (docs/operations.md).

use anyhow::{Context, Result, bail};
use kikan_domain::LocalGovCode;
use kikan_security::crypto::{KeyFingerprints, Keyring};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "kikan-backup";
pub const VERSION: u32 = 1;

/// `<file>.json`: what the copy is and which keys read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupRecord {
    pub format: String,
    pub version: u32,
    /// `sqlite` or `postgresql`.
    pub engine: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The copy's file name (beside this record) and SHA-256.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    /// The keys that read it (fingerprints only).
    pub keys: KeyFingerprints,
    /// Each municipality's last ledger number in the copy (SQLite; empty for
    /// PostgreSQL, whose dump is checked by the restore's replay check).
    pub ledger_heads: Vec<(String, i64)>,
}

/// The record's path: the copy's with `.json` added.
pub fn record_path(copy: &Path) -> PathBuf {
    let mut name = copy.as_os_str().to_os_string();
    name.push(".json");
    PathBuf::from(name)
}

pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("{} を読めません", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((
        h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        total,
    ))
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    kikan_app::files::write_private(path, text.as_bytes())
        .with_context(|| format!("{} を作成できません", path.display()))
}

/// Takes the copy of a SQLite database file.
pub fn sqlite_copy(db: &Path, out: &Path) -> Result<Vec<(String, i64)>> {
    if !db.exists() {
        bail!("{} がありません", db.display());
    }
    kikan_store_sqlite::backup_file(db, out)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(kikan_store_sqlite::ledger_heads(out)?)
}

/// Takes the copy of a PostgreSQL database with `pg_dump`.
pub fn postgres_copy(url: &str, out: &Path) -> Result<()> {
    if out.exists() {
        bail!("{} は既にあります", out.display());
    }
    let status = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-password", "--file"])
        .arg(out)
        .arg(url)
        .status()
        .context("pg_dump を起動できません(PostgreSQL のクライアントを入れてください)")?;
    if !status.success() {
        let _ = std::fs::remove_file(out);
        bail!("pg_dump が失敗しました ({status})");
    }
    Ok(())
}

/// Puts a PostgreSQL copy into the (empty) database at `url` with `pg_restore`.
pub fn postgres_put_back(url: &str, copy: &Path) -> Result<()> {
    let status = std::process::Command::new("pg_restore")
        .args(["--exit-on-error", "--no-owner", "--no-password", "--dbname"])
        .arg(url)
        .arg(copy)
        .status()
        .context("pg_restore を起動できません(PostgreSQL のクライアントを入れてください)")?;
    if !status.success() {
        bail!(
            "E-BACKUP-006 pg_restore が失敗しました ({status}): 戻し先は空のデータベースにしてください"
        );
    }
    Ok(())
}

/// Puts a SQLite copy at `db`, which must not exist: written beside it first, synced,
/// then renamed into place.
pub fn sqlite_put_back(copy: &Path, db: &Path) -> Result<()> {
    for p in [db.to_path_buf(), wal_of(db)] {
        if std::fs::metadata(&p).is_ok_and(|m| m.len() > 0) {
            bail!(
                "E-BACKUP-006 {} には既にデータベースがあります。空の場所にのみ戻せます(今のデータベースを退避してから実行してください)",
                p.display()
            );
        }
    }
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = {
        let mut n = db.as_os_str().to_os_string();
        n.push(".restoring");
        PathBuf::from(n)
    };
    let _ = std::fs::remove_file(&tmp);
    std::fs::copy(copy, &tmp)
        .with_context(|| format!("{} を {} に写せません", copy.display(), tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    let _ = std::fs::remove_file(wal_of(db));
    std::fs::rename(&tmp, db)?;
    Ok(())
}

fn wal_of(db: &Path) -> PathBuf {
    let mut n = db.as_os_str().to_os_string();
    n.push("-wal");
    PathBuf::from(n)
}

/// Reads a copy's record and checks the copy against it.
pub fn read_record(copy: &Path) -> Result<BackupRecord> {
    let path = record_path(copy);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "E-BACKUP-001 バックアップの記録 {} がありません(バックアップと同じ場所に置いてください)",
            path.display()
        )
    })?;
    let r: BackupRecord = serde_json::from_str(&text)
        .with_context(|| format!("E-BACKUP-001 {} を読めません", path.display()))?;
    if r.format != FORMAT || r.version != VERSION {
        bail!(
            "E-BACKUP-001 {} は対応していない形式です ({} 版 {})",
            path.display(),
            r.format,
            r.version
        );
    }
    let (sha, bytes) = sha256_file(copy)?;
    if sha != r.sha256 || bytes != r.bytes {
        bail!(
            "E-BACKUP-002 {} が取得時の内容と一致しません(壊れているか、別のファイルです)",
            copy.display()
        );
    }
    Ok(r)
}

/// Refuses keys that are not the copy's: every key the copy was taken under must be
/// there with the same fingerprint, and the blind-index key too.
pub fn check_keys(record: &BackupRecord, keys: &Keyring) -> Result<()> {
    let have = keys.fingerprints();
    let mut wrong = Vec::new();
    for (id, fp) in &record.keys.data {
        match have.data.get(id) {
            Some(h) if h == fp => {}
            Some(_) => wrong.push(format!("データ鍵 {id} が違います")),
            None => wrong.push(format!("データ鍵 {id} がありません")),
        }
    }
    if have.index != record.keys.index {
        wrong.push("索引鍵が違います".into());
    }
    if !wrong.is_empty() {
        bail!(
            "E-BACKUP-003 このバックアップを取ったときの鍵ではありません({})。取得時の KIKAN_DATA_KEYS と KIKAN_INDEX_KEY(または kikan.keys)を用意してください。新しい鍵では暗号化されたデータを読めないため、戻しません",
            wrong.join("、")
        );
    }
    Ok(())
}

/// The municipalities whose restored ledger ends before the copy's record said.
pub fn short_ledgers(
    record: &BackupRecord,
    now: &[(LocalGovCode, i64)],
) -> Vec<(String, i64, i64)> {
    record
        .ledger_heads
        .iter()
        .filter_map(|(code, seq)| {
            let have = now
                .iter()
                .find(|(c, _)| c.to_string() == *code)
                .map_or(0, |(_, s)| *s);
            (have < *seq).then(|| (code.clone(), *seq, have))
        })
        .collect()
}
