//! Files that hold personal data or keys: readable and writable by their owner only.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Opens a new file (never one already there) with mode 0600.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    private_options(false).open(path)
}

/// Opens a file with mode 0600 for writing from the start, replacing what it held.
pub fn replace_private(path: &Path) -> std::io::Result<File> {
    private_options(true).open(path)
}

fn private_options(replace: bool) -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if replace {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts
}

/// Writes `bytes` to a new private file and syncs it to disk.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = create_private(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Creates a directory with mode 0700 (and, with `parents`, the ones above it).
pub fn create_private_dir(dir: &Path, parents: bool) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(parents);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_and_dirs_are_the_owners_only() {
        let root = std::env::temp_dir().join(format!("kikan-files-{}", std::process::id()));
        let dir = root.join("a/b");
        create_private_dir(&dir, true).expect("test value");
        let f = dir.join("x");
        write_private(&f, b"1").expect("test value");
        assert!(
            write_private(&f, b"2").is_err(),
            "an existing file is never replaced"
        );
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .expect("test value")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&f), 0o600);
        std::fs::remove_dir_all(root).expect("test value");
    }
}
