//! Storage: the one module that writes the user's data to disk.
//!
//! Everything Dikta keeps lives under the XDG base directories ([`DataDirs`]); everything that
//! may hold note text, a citizen's name or CPR number, or audio is sealed with
//! XChaCha20-Poly1305 ([`crypto`]) under one key kept in the OS keyring, or — where no keyring
//! exists — in a 0600 key file the user is told about ([`keys`]); every write is atomic and
//! durable ([`atomic`]).
//!
//! - [`DraftStore`]: the note of a running dictation, saved after every change
//!   ([`DraftAutosave`], [`DictationDraft`]), recoverable after a crash, deleted when its
//!   export is confirmed or when older than the retention period (default 7 days).
//! - [`Storage::outbox`]: the export outbox of [`crate::delivery`], on a [`Vault`].
//! - [`Storage::private_settings`]: settings that may name citizens.
//!
//! A read-only or full disk is an error value ([`StorageError::ReadOnly`],
//! [`StorageError::DiskFull`]), never a panic; a session then keeps its note in memory and
//! tells the user ([`StorageNotice::DraftNotSaved`]). Nothing here logs note text or CPR
//! numbers. `docs/privacy.md` describes all of it for a security officer.

pub mod atomic;
pub mod autosave;
pub mod crypto;
pub mod dictation;
pub mod draft;
pub mod error;
pub mod keys;
pub mod notice;
pub mod paths;
pub mod vault;

use std::sync::Arc;
use std::time::Duration;

pub use autosave::{AutosaveStatus, DraftAutosave, NoticeSink};
pub use crypto::MasterKey;
pub use dictation::{channel_notices, tee_events, DictationDraft, DraftThread};
pub use draft::{Draft, DraftListing, DraftStore, DraftSummary, PurgeReport};
pub use error::StorageError;
pub use keys::{KeyBackend, KeyLocation};
pub use notice::StorageNotice;
pub use paths::DataDirs;
pub use vault::Vault;

/// Default retention of drafts: 7 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How storage is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageOptions {
    /// Base folders; `None` for the user's XDG folders ([`DataDirs::from_env`]).
    pub dirs: Option<DataDirs>,
    /// Where the key is kept.
    pub key_backend: KeyBackend,
    /// Drafts older than this are deleted at start-up.
    pub retention: Duration,
    /// Whether to purge expired drafts when storage is opened.
    pub purge_on_open: bool,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            dirs: None,
            key_backend: KeyBackend::Auto,
            retention: DEFAULT_RETENTION,
            purge_on_open: true,
        }
    }
}

impl StorageOptions {
    /// Defaults, with `DIKTA_KEY_STORE` (`auto`, `keyring`, `file`) and
    /// `DIKTA_DRAFT_RETENTION_DAYS` (a number of days, fractions allowed) applied.
    pub fn from_env() -> Self {
        let mut o = StorageOptions {
            key_backend: KeyBackend::from_env(),
            ..StorageOptions::default()
        };
        if let Some(days) = std::env::var("DIKTA_DRAFT_RETENTION_DAYS")
            .ok()
            .and_then(|d| d.trim().parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d >= 0.0)
        {
            o.retention = Duration::from_secs_f64(days * 86_400.0);
        }
        o
    }
}

/// Dikta's storage, opened: folders and key. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    dirs: DataDirs,
    key: Arc<MasterKey>,
    location: KeyLocation,
    retention: Duration,
}

impl Storage {
    /// Open storage: find the folders, load (or create) the key, and — unless turned off —
    /// delete drafts older than the retention period. Returns what the user must be told
    /// (key-file fallback, purged drafts).
    pub fn open(options: &StorageOptions) -> Result<(Storage, Vec<StorageNotice>), StorageError> {
        let dirs = match &options.dirs {
            Some(d) => d.clone(),
            None => DataDirs::from_env()?,
        };
        let loaded = keys::load_or_create(&dirs, options.key_backend)?;
        let mut notices = loaded.notices;
        let storage = Storage {
            dirs,
            key: Arc::new(loaded.key),
            location: loaded.location,
            retention: options.retention,
        };
        if options.purge_on_open {
            let report = storage.drafts()?.purge_expired(options.retention)?;
            if !report.removed.is_empty() {
                notices.push(StorageNotice::DraftsPurged {
                    count: report.removed.len(),
                    max_age_days: options.retention.as_secs().div_ceil(86_400),
                });
            }
            notices.extend(report.refused);
            for (name, reason) in report.failed {
                tracing::warn!(%name, %reason, "cannot delete an expired draft");
            }
        }
        Ok((storage, notices))
    }

    /// The base folders.
    pub fn dirs(&self) -> &DataDirs {
        &self.dirs
    }

    /// Where the key is kept.
    pub fn key_location(&self) -> &KeyLocation {
        &self.location
    }

    /// The retention period of drafts.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// The draft folder.
    pub fn drafts(&self) -> Result<DraftStore, StorageError> {
        DraftStore::open(&self.dirs, self.key.clone())
    }

    /// The export outbox's storage (encrypted, atomic), for [`crate::delivery::Outbox`].
    pub fn outbox_store(&self) -> Result<Vault, StorageError> {
        Vault::open(self.dirs.outbox(), "outbox", self.key.clone())
    }

    /// The export outbox.
    pub fn outbox(&self) -> Result<crate::delivery::Outbox<Vault>, StorageError> {
        Ok(crate::delivery::Outbox::new(self.outbox_store()?))
    }

    /// The export audit log (`<state>/export-audit.jsonl`; no note text).
    pub fn audit_log(&self) -> crate::delivery::AuditLog {
        crate::delivery::AuditLog::new(self.dirs.audit_log())
    }

    /// Encrypted settings that may name citizens (e.g. the citizen of the current visit).
    pub fn private_settings(&self) -> Result<Vault, StorageError> {
        Vault::open(self.dirs.private_settings(), "settings", self.key.clone())
    }

    /// Once deliveries are confirmed, delete the drafts of the delivered notes.
    pub fn forget_delivered(&self, report: &crate::delivery::DeliveryReport) {
        let Ok(drafts) = self.drafts() else { return };
        for id in &report.delivered {
            if let Err(e) = drafts.remove(*id) {
                tracing::warn!(note_id = %id, error = %e, "cannot delete the draft of a delivered note");
            }
        }
    }
}

#[cfg(test)]
mod tests;
