//! Why a storage call failed. No variant ever carries note text, a sentence or a CPR number:
//! only file paths, entry names (ids) and short reasons.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Problems reading or writing Dikta's files.
#[derive(Debug, Error)]
pub enum StorageError {
    /// The disk (or the folder) is read-only. The session keeps its note in memory.
    #[error("cannot {action} {path}: the disk or folder is read-only")]
    ReadOnly {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
    },
    /// The disk is full (or over quota). The session keeps its note in memory.
    #[error("cannot {action} {path}: the disk is full")]
    DiskFull {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
    },
    /// Any other file-system failure.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// No home or data folder can be determined (no `HOME`, no `XDG_DATA_HOME`).
    #[error("cannot find a folder for Dikta's data: set HOME or XDG_DATA_HOME")]
    NoDataDir,
    /// An entry name is not a plain file name (letters, digits, `-`, `_`, `.`).
    #[error("invalid storage entry name {0:?}")]
    BadName(String),
    /// The file failed authentication although it was sealed with the current key: it was
    /// changed, truncated or damaged after Dikta wrote it. It is refused and moved aside.
    #[error("{name} failed authentication (changed or damaged after it was written); it was refused{}", moved_note(.moved_to.as_deref()))]
    Tampered {
        /// The entry (file name) concerned.
        name: String,
        /// Where the file was moved, when it could be moved aside.
        moved_to: Option<PathBuf>,
    },
    /// The file was sealed with another key (e.g. written on another machine or user
    /// account, or the key was reset). It is left in place, unread.
    #[error("{name} was encrypted with a different key (another machine or user, or the key was reset); it was left in place, unread")]
    WrongKey {
        /// The entry (file name) concerned.
        name: String,
    },
    /// The entry decrypted but its content is not understood (written by another version).
    #[error("{name} is not in a format this version of Dikta understands")]
    Format {
        /// The entry (file name) concerned.
        name: String,
    },
    /// The encryption key could not be loaded or stored.
    #[error("encryption key: {0}")]
    Key(String),
}

fn moved_note(moved_to: Option<&Path>) -> String {
    match moved_to {
        Some(p) => format!(" and moved aside to {}", p.display()),
        None => " and left in place".to_string(),
    }
}

impl StorageError {
    /// An I/O error at `path`, classified: read-only and full disks get their own variants.
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        let path = path.to_path_buf();
        if is_read_only(&source) {
            StorageError::ReadOnly { action, path }
        } else if is_disk_full(&source) {
            StorageError::DiskFull { action, path }
        } else {
            StorageError::Io {
                action,
                path,
                source,
            }
        }
    }

    /// True when the problem is with the disk (read-only, full, permissions, I/O), so a
    /// session should go on in memory and warn rather than stop.
    pub fn is_disk_problem(&self) -> bool {
        matches!(
            self,
            StorageError::ReadOnly { .. } | StorageError::DiskFull { .. } | StorageError::Io { .. }
        )
    }
}

fn is_read_only(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc_erofs()) {
        return true;
    }
    e.kind() == std::io::ErrorKind::ReadOnlyFilesystem
}

fn is_disk_full(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    if matches!(e.raw_os_error(), Some(28) | Some(122)) {
        // ENOSPC, EDQUOT (Linux numbering; macOS EDQUOT is 69, covered by the kind below).
        return true;
    }
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

#[cfg(unix)]
fn libc_erofs() -> i32 {
    30 // EROFS on Linux and macOS
}
