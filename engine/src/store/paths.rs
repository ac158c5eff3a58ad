//! Where Dikta keeps its files: the XDG base directories (or the platform equivalents).
//!
//! | folder | holds |
//! |---|---|
//! | data (`$XDG_DATA_HOME/dikta`) | `drafts/` (encrypted), `outbox/` (encrypted), `key` (only where no OS keyring exists), `models/` |
//! | config (`$XDG_CONFIG_HOME/dikta`) | `private/` (encrypted settings that may name citizens) |
//! | state (`$XDG_STATE_HOME/dikta`) | the export audit log (no note text) |
//! | cache (`$XDG_CACHE_HOME/dikta`) | nothing personal; safe to delete |
//!
//! Every folder is created with mode 0700 on first use.

use std::path::{Path, PathBuf};

use super::StorageError;

/// The four base folders Dikta writes under. Tests point them at a temporary folder by
/// setting `XDG_DATA_HOME`, `XDG_CONFIG_HOME`, `XDG_STATE_HOME` and `XDG_CACHE_HOME` (or
/// use [`DataDirs::under`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDirs {
    /// Drafts, outbox, key file, models.
    pub data: PathBuf,
    /// Settings.
    pub config: PathBuf,
    /// Logs and the export audit log.
    pub state: PathBuf,
    /// Disposable caches.
    pub cache: PathBuf,
}

impl DataDirs {
    /// The user's folders: `$XDG_*_HOME/dikta` where set (absolute paths only, as the XDG
    /// specification says), else the platform's defaults (`~/.local/share/dikta`, ...).
    pub fn from_env() -> Result<Self, StorageError> {
        let project = directories::ProjectDirs::from("", "", "dikta");
        let pick = |var: &str, fallback: Option<PathBuf>| -> Result<PathBuf, StorageError> {
            if let Some(v) = std::env::var_os(var) {
                let p = PathBuf::from(v);
                if p.is_absolute() {
                    return Ok(p.join("dikta"));
                }
            }
            fallback.ok_or(StorageError::NoDataDir)
        };
        let data = pick(
            "XDG_DATA_HOME",
            project.as_ref().map(|p| p.data_dir().to_path_buf()),
        )?;
        let config = pick(
            "XDG_CONFIG_HOME",
            project.as_ref().map(|p| p.config_dir().to_path_buf()),
        )?;
        let state = pick(
            "XDG_STATE_HOME",
            project
                .as_ref()
                // `state_dir` exists on Linux only; elsewhere use `<data>/state`.
                .map(|p| match p.state_dir() {
                    Some(s) => s.to_path_buf(),
                    None => p.data_dir().join("state"),
                }),
        )?;
        let cache = pick(
            "XDG_CACHE_HOME",
            project.as_ref().map(|p| p.cache_dir().to_path_buf()),
        )?;
        Ok(DataDirs {
            data,
            config,
            state,
            cache,
        })
    }

    /// All four folders under one root (`root/data`, `root/config`, ...), for tests and
    /// portable installs.
    pub fn under(root: &Path) -> Self {
        DataDirs {
            data: root.join("data"),
            config: root.join("config"),
            state: root.join("state"),
            cache: root.join("cache"),
        }
    }

    /// Encrypted drafts.
    pub fn drafts(&self) -> PathBuf {
        self.data.join("drafts")
    }

    /// Drafts that failed authentication, kept aside (still encrypted) for inspection.
    pub fn quarantine(&self) -> PathBuf {
        self.drafts().join("quarantine")
    }

    /// Encrypted outbox of exports waiting for delivery.
    pub fn outbox(&self) -> PathBuf {
        self.data.join("outbox")
    }

    /// The key file used where no OS keyring exists.
    pub fn key_file(&self) -> PathBuf {
        self.data.join("key")
    }

    /// Which key store holds the key (`keyring` or `file`); not secret.
    pub fn key_marker(&self) -> PathBuf {
        self.data.join("key-location")
    }

    /// Encrypted settings that may name citizens.
    pub fn private_settings(&self) -> PathBuf {
        self.config.join("private")
    }

    /// The export audit log (who exported which note when; no note text).
    pub fn audit_log(&self) -> PathBuf {
        self.state.join("export-audit.jsonl")
    }

    /// All four base folders.
    pub fn all(&self) -> [&Path; 4] {
        [&self.data, &self.config, &self.state, &self.cache]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_puts_everything_below_root() {
        let d = DataDirs::under(Path::new("/tmp/x"));
        for p in d.all() {
            assert!(p.starts_with("/tmp/x"));
        }
        assert_eq!(d.drafts(), Path::new("/tmp/x/data/drafts"));
        assert_eq!(d.audit_log(), Path::new("/tmp/x/state/export-audit.jsonl"));
    }
}
