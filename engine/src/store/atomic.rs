//! Durable file writes: a temporary file in the same folder, `fsync`, `rename` over the
//! target, `fsync` of the folder. After [`write_atomic`] returns, a crash or power loss
//! leaves either the old or the new content, never a mix or an empty file.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use super::StorageError;

/// Write `bytes` to `path` atomically and durably, readable only by the user (0600).
/// The parent folder must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let dir = parent(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| StorageError::io("create a temporary file in", dir, e))?;
    // tempfile creates the file with mode 0600 on Unix.
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| StorageError::io("write", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| StorageError::io("rename into place", path, e.error))?;
    sync_dir(dir)
}

/// Delete `path` durably; a missing file is not an error. Returns whether it existed.
pub fn remove_durably(path: &Path) -> Result<bool, StorageError> {
    match fs::remove_file(path) {
        Ok(()) => {
            sync_dir(parent(path))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StorageError::io("remove", path, e)),
    }
}

/// Move `from` to `to` (same file system) durably.
pub fn rename_durably(from: &Path, to: &Path) -> Result<(), StorageError> {
    fs::rename(from, to).map_err(|e| StorageError::io("move", from, e))?;
    sync_dir(parent(to))?;
    if parent(from) != parent(to) {
        sync_dir(parent(from))?;
    }
    Ok(())
}

/// Create `dir` and its parents, new folders readable only by the user (0700).
pub fn create_private_dir(dir: &Path) -> Result<(), StorageError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| StorageError::io("create folder", dir, e))
}

/// Make a rename or delete in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StorageError::io("sync folder", dir, e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bin");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(remove_durably(&p).unwrap());
        assert!(!remove_durably(&p).unwrap());
    }

    #[test]
    fn write_into_an_impossible_folder_is_an_error_not_a_panic() {
        let e = write_atomic(Path::new("/dev/null/x/y"), b"z").unwrap_err();
        assert!(e.is_disk_problem(), "{e}");
    }
}
