//! Drafts: the note of a dictation as it grows, kept encrypted on disk so that a crash,
//! `kill -9` or power loss loses at most the utterance in flight, and offered back on the
//! next start exactly as it was (headings, placements, autotext fields: the whole
//! [`JournalNote`]).
//!
//! A draft lives until its export is confirmed ([`DraftStore::remove`]) or until it is older
//! than the retention period ([`DraftStore::purge_expired`], run at start-up). A draft that
//! fails authentication is refused and moved to `drafts/quarantine/`; it is never parsed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::atomic::remove_durably;
use super::crypto::MasterKey;
use super::vault::Vault;
use super::{DataDirs, StorageError, StorageNotice};
use crate::journal::JournalNote;

/// Version of the serialised [`Draft`] shape.
pub const DRAFT_FORMAT: u32 = 1;

/// One saved draft: the note and when it was saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Shape version ([`DRAFT_FORMAT`]).
    pub format: u32,
    /// The note, exactly as the session held it.
    pub note: JournalNote,
    /// When this version was saved.
    pub saved: DateTime<Utc>,
    /// Counts saves of this note in one session (1, 2, ...); newer is larger.
    pub revision: u64,
}

impl Draft {
    /// A draft of `note` saved now.
    pub fn new(note: JournalNote, revision: u64) -> Self {
        Draft {
            format: DRAFT_FORMAT,
            note,
            saved: Utc::now(),
            revision,
        }
    }
}

/// What `dikta drafts list` and the app's recovery dialog show of a draft. No note text
/// and no CPR number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftSummary {
    /// The note's id (also the draft's name).
    pub id: Uuid,
    /// When the draft was last saved.
    pub saved: DateTime<Utc>,
    /// When the note was started.
    pub created: String,
    /// The note's author.
    pub author: String,
    /// The citizen as it may be shown: name or record id, CPR always masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen: Option<String>,
    /// Number of sentences.
    pub sentences: usize,
    /// Headings with text, in note order.
    pub headings: Vec<String>,
    /// Autotext fields still unfilled.
    pub unfilled_fields: u32,
    /// Whether audio was kept with this draft.
    pub has_audio: bool,
}

/// One line of a draft listing: a readable draft, or a file that could not be read.
#[derive(Debug)]
pub enum DraftListing {
    /// A draft that opened and authenticated.
    Draft(DraftSummary),
    /// A draft file that could not be used (tampered: moved aside; wrong key: left in place).
    Unreadable {
        /// The file's entry name.
        name: String,
        /// Why.
        error: StorageError,
    },
}

/// What [`DraftStore::purge_expired`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Drafts (and refused files) deleted.
    pub removed: Vec<String>,
    /// Files that should have been deleted but could not be (reason).
    pub failed: Vec<(String, String)>,
    /// Drafts found to fail authentication while checking ages: refused and moved aside.
    pub refused: Vec<StorageNotice>,
}

/// The encrypted draft folder.
#[derive(Clone, Debug)]
pub struct DraftStore {
    drafts: Vault,
    audio: Vault,
    quarantine: PathBuf,
}

impl DraftStore {
    /// The drafts under `dirs` (`<data>/drafts`), sealed with `key`.
    pub fn open(dirs: &DataDirs, key: Arc<MasterKey>) -> Result<Self, StorageError> {
        let quarantine = dirs.quarantine();
        let drafts =
            Vault::open(dirs.drafts(), "draft", key.clone())?.with_quarantine(quarantine.clone());
        let audio = Vault::open(dirs.drafts().join("audio"), "audio", key)?
            .with_quarantine(quarantine.clone());
        Ok(DraftStore {
            drafts,
            audio,
            quarantine,
        })
    }

    /// The folder drafts live in.
    pub fn dir(&self) -> &std::path::Path {
        self.drafts.dir()
    }

    /// Save (replace) the draft of its note, atomically and durably.
    pub fn save(&self, draft: &Draft) -> Result<(), StorageError> {
        let started = std::time::Instant::now();
        self.drafts.put_json(&draft.note.id.to_string(), draft)?;
        tracing::debug!(
            note_id = %draft.note.id,
            revision = draft.revision,
            ms = started.elapsed().as_millis() as u64,
            "draft saved"
        );
        Ok(())
    }

    /// The draft of note `id`; `None` when there is none. A tampered draft is refused and
    /// moved aside ([`StorageError::Tampered`]).
    pub fn load(&self, id: Uuid) -> Result<Option<Draft>, StorageError> {
        self.load_name(&id.to_string())
    }

    fn load_name(&self, name: &str) -> Result<Option<Draft>, StorageError> {
        let draft: Option<Draft> = self.drafts.get_json(name)?;
        match draft {
            Some(d) if d.format > DRAFT_FORMAT || d.note.id.to_string() != name => {
                Err(StorageError::Format {
                    name: name.to_string(),
                })
            }
            other => Ok(other),
        }
    }

    /// Find a draft by a unique prefix of its id (as `dikta drafts show 3f2a` allows).
    pub fn resolve(&self, prefix: &str) -> Result<Option<Uuid>, StorageError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        let hits: Vec<String> = self
            .drafts
            .list()?
            .into_iter()
            .filter(|n| n.starts_with(&prefix))
            .collect();
        match hits.as_slice() {
            [one] => Ok(Uuid::parse_str(one).ok()),
            _ => Ok(None),
        }
    }

    /// Every draft, newest first; files that cannot be read are listed as such (tampered
    /// ones are moved aside while listing).
    pub fn list(&self) -> Result<Vec<DraftListing>, StorageError> {
        let mut out = Vec::new();
        for name in self.drafts.list()? {
            match self.load_name(&name) {
                Ok(Some(d)) => out.push(DraftListing::Draft(self.summary(&d))),
                Ok(None) => {}
                Err(error) => out.push(DraftListing::Unreadable { name, error }),
            }
        }
        out.sort_by(|a, b| match (a, b) {
            (DraftListing::Draft(a), DraftListing::Draft(b)) => b.saved.cmp(&a.saved),
            (DraftListing::Unreadable { .. }, DraftListing::Draft(_)) => std::cmp::Ordering::Less,
            (DraftListing::Draft(_), DraftListing::Unreadable { .. }) => {
                std::cmp::Ordering::Greater
            }
            (
                DraftListing::Unreadable { name: a, .. },
                DraftListing::Unreadable { name: b, .. },
            ) => a.cmp(b),
        });
        Ok(out)
    }

    /// The summary of a draft (what a listing shows).
    pub fn summary(&self, d: &Draft) -> DraftSummary {
        let note = &d.note;
        DraftSummary {
            id: note.id,
            saved: d.saved,
            created: note.created.to_rfc3339(),
            author: note.author.clone(),
            citizen: note.citizen.as_ref().and_then(|c| {
                c.name
                    .clone()
                    .or_else(|| c.record_id.clone())
                    .or_else(|| c.cpr.as_ref().map(|_| "CPR ******-****".to_string()))
            }),
            sentences: note.sentences().count(),
            headings: note
                .sections
                .iter()
                .filter(|s| !s.sentences.is_empty())
                .map(|s| s.heading.name.clone())
                .collect(),
            unfilled_fields: note.sentences().map(|(_, s)| s.flags.unfilled_fields).sum(),
            has_audio: self
                .audio
                .path_of(&note.id.to_string())
                .map(|p| p.exists())
                .unwrap_or(false),
        }
    }

    /// Delete the draft of note `id` and any audio kept with it. Call this once the note's
    /// export is confirmed (pasted, written to a file, or delivered with a 2xx). Returns
    /// whether a draft existed.
    pub fn remove(&self, id: Uuid) -> Result<bool, StorageError> {
        let name = id.to_string();
        self.audio.remove(&name)?;
        let existed = self.drafts.remove(&name)?;
        if existed {
            tracing::info!(note_id = %id, "draft deleted");
        }
        Ok(existed)
    }

    /// Keep the audio of a draft (only when the user turned audio keeping on): 16 kHz mono
    /// samples, encrypted like the draft and deleted with it.
    pub fn save_audio(&self, id: Uuid, samples: &[f32]) -> Result<(), StorageError> {
        let mut bytes = Vec::with_capacity(samples.len() * 4);
        for s in samples {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        self.audio.put(&id.to_string(), &bytes)
    }

    /// The audio kept with a draft, if any.
    pub fn load_audio(&self, id: Uuid) -> Result<Option<Vec<f32>>, StorageError> {
        Ok(self.audio.get(&id.to_string())?.map(|bytes| {
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }))
    }

    /// Delete every draft (and refused file) last saved more than `max_age` ago. Age comes
    /// from the authenticated save time, or from the file time for files that cannot be
    /// read.
    pub fn purge_expired(&self, max_age: Duration) -> Result<PurgeReport, StorageError> {
        let now = SystemTime::now();
        let too_old = |t: SystemTime| now.duration_since(t).is_ok_and(|age| age > max_age);
        let mut report = PurgeReport::default();
        for name in self.drafts.list()? {
            let saved = match self.load_name(&name) {
                Ok(Some(d)) => Some(SystemTime::from(d.saved)),
                Ok(None) => continue,
                // Moved aside (it ages out of the quarantine below); the user is told.
                Err(e @ StorageError::Tampered { .. }) => {
                    report
                        .refused
                        .extend(Self::notices(&[DraftListing::Unreadable {
                            name: name.clone(),
                            error: e,
                        }]));
                    continue;
                }
                Err(_) => self.drafts.modified(&name),
            };
            if saved.is_some_and(too_old) {
                let removed = Uuid::parse_str(&name)
                    .map_err(|_| StorageError::BadName(name.clone()))
                    .and_then(|id| self.remove(id))
                    .or_else(|_| self.drafts.remove(&name));
                match removed {
                    Ok(_) => report.removed.push(name),
                    Err(e) => report.failed.push((name, e.to_string())),
                }
            }
        }
        // Audio whose draft is gone, and refused files, by file time.
        for name in self.audio.list()? {
            let orphan = !self
                .drafts
                .path_of(&name)
                .map(|p| p.exists())
                .unwrap_or(true);
            if orphan && self.audio.modified(&name).is_some_and(too_old) {
                if let Err(e) = self.audio.remove(&name) {
                    report.failed.push((name, e.to_string()));
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.quarantine) {
            for entry in entries.flatten() {
                let path = entry.path();
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                if path.is_file() && modified.is_some_and(too_old) {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    match remove_durably(&path) {
                        Ok(_) => report.removed.push(name),
                        Err(e) => report.failed.push((name, e.to_string())),
                    }
                }
            }
        }
        if !report.removed.is_empty() {
            tracing::info!(count = report.removed.len(), "expired drafts deleted");
        }
        Ok(report)
    }

    /// Delete every draft, kept audio and refused file. Returns how many drafts there were.
    pub fn purge_all(&self) -> Result<usize, StorageError> {
        let mut n = 0;
        for name in self.drafts.list()? {
            if self.drafts.remove(&name)? {
                n += 1;
            }
        }
        for name in self.audio.list()? {
            self.audio.remove(&name)?;
        }
        self.purge_quarantine()?;
        Ok(n)
    }

    /// Delete the refused (quarantined) files. Returns how many.
    pub fn purge_quarantine(&self) -> Result<usize, StorageError> {
        let mut n = 0;
        if let Ok(entries) = std::fs::read_dir(&self.quarantine) {
            for entry in entries.flatten() {
                if entry.path().is_file() && remove_durably(&entry.path())? {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// The refused file kept aside for note `id`, if there is one.
    pub fn quarantined_for(&self, id: &str) -> Option<PathBuf> {
        self.quarantined().into_iter().rev().find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(id))
        })
    }

    /// The refused files kept aside.
    pub fn quarantined(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(&self.quarantine)
            .map(|e| {
                e.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// A notice for each unreadable draft in `listing` (for showing at start-up).
    pub fn notices(listing: &[DraftListing]) -> Vec<StorageNotice> {
        listing
            .iter()
            .filter_map(|l| match l {
                DraftListing::Unreadable { name, error } => Some(StorageNotice::DraftRefused {
                    name: name.clone(),
                    reason: error.to_string(),
                    moved_to: match error {
                        StorageError::Tampered { moved_to, .. } => moved_to.clone(),
                        _ => None,
                    },
                }),
                DraftListing::Draft(_) => None,
            })
            .collect()
    }
}
