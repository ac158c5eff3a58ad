//! The unfinished note, kept so that a crash loses nothing, through the engine's storage
//! (`dikta_engine::store`): drafts sealed with XChaCha20-Poly1305 under a key in the OS
//! keyring (or a 0600 key file the worker is told about), written atomically by the
//! engine's autosave thread within milliseconds of each change, purged after the retention
//! period, refused and set aside when tampered with. No plaintext of the note reaches the
//! disk. When storage cannot be opened at all, the note lives in memory only and the worker
//! is told.

use std::sync::{Arc, Mutex};

use dikta_engine::journal::JournalNote;
use dikta_engine::store::{
    DraftAutosave, DraftListing, DraftStore, Storage, StorageNotice, StorageOptions,
};

use crate::events::Notice;

/// The drafts of this user.
pub struct Drafts {
    store: Option<DraftStore>,
    autosave: Mutex<Option<DraftAutosave>>,
    info: String,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A storage notice in Danish, for the worker.
pub fn danish(n: &StorageNotice) -> Notice {
    #[allow(unreachable_patterns)]
    match n {
        StorageNotice::KeyFileInUse { path, .. } => Notice::warning(format!(
            "Computeren har ingen nøglering, så nøglen til de krypterede kladder ligger i {} \
             (kun du kan læse den). Sørg for at computerens disk er krypteret.",
            path.display()
        )),
        StorageNotice::DraftsPurged {
            count,
            max_age_days,
        } => Notice::info(format!(
            "{count} {} ældre end {max_age_days} dage er slettet.",
            if *count == 1 {
                "gammel kladde"
            } else {
                "gamle kladder"
            }
        )),
        StorageNotice::DraftRefused { name, reason, .. } => Notice::error(format!(
            "En gemt kladde ({name}) kunne ikke åbnes og er lagt til side: {reason}"
        )),
        StorageNotice::DraftNotSaved { reason } => Notice::error(format!(
            "Kladden kan ikke gemmes ({reason}). Du kan diktere videre, men noten findes kun i \
             hukommelsen – overfør den, før du lukker Dikta."
        )),
        StorageNotice::DraftSavedAgain => Notice::success("Kladden gemmes igen."),
        other => Notice::info(other.to_string()),
    }
}

impl Drafts {
    /// Opens the user's storage (XDG folders). Returns the drafts and what the worker must
    /// be told now (key file in use, old drafts purged, storage unavailable). Later notices
    /// (disk full, ...) go to `later`.
    pub fn open(later: impl Fn(Notice) + Send + Sync + 'static) -> (Drafts, Vec<Notice>) {
        Self::open_with(&StorageOptions::from_env(), later)
    }

    /// [`Drafts::open`] with explicit storage options (folders, key store).
    pub fn open_with(
        options: &StorageOptions,
        later: impl Fn(Notice) + Send + Sync + 'static,
    ) -> (Drafts, Vec<Notice>) {
        let opened = Storage::open(options).and_then(|(storage, notices)| {
            let store = storage.drafts()?;
            Ok((storage, store, notices))
        });
        match opened {
            Ok((storage, store, notices)) => {
                let sink = Arc::new(move |n: StorageNotice| later(danish(&n)));
                let autosave = match DraftAutosave::start(store.clone(), sink) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        tracing::warn!(error = %e, "draft autosave not started");
                        None
                    }
                };
                let info = format!(
                    "Den ufærdige note gemmes krypteret (XChaCha20-Poly1305) i {} efter hver \
                     ændring og slettes, når du afslutter noten; kladder ældre end {} dage \
                     slettes automatisk.",
                    store.dir().display(),
                    storage.retention().as_secs() / 86_400
                );
                let drafts = Drafts {
                    store: Some(store),
                    autosave: Mutex::new(autosave),
                    info,
                };
                (drafts, notices.iter().map(danish).collect())
            }
            Err(e) => {
                tracing::warn!(error = %e, "storage unavailable; drafts in memory only");
                let drafts = Drafts::in_memory();
                let notice = Notice::error(format!(
                    "Kladder kan ikke gemmes på denne computer ({e}). Noten findes kun, mens \
                     Dikta er åben."
                ));
                (drafts, vec![notice])
            }
        }
    }

    /// No storage: nothing survives a crash.
    pub fn in_memory() -> Drafts {
        Drafts {
            store: None,
            autosave: Mutex::new(None),
            info: "Kladden gemmes ikke på disken; den findes kun, mens Dikta er åben.".into(),
        }
    }

    /// Where and how drafts are kept, for the worker.
    pub fn info(&self) -> &str {
        &self.info
    }

    /// The most recently saved unfinished note, with notices about drafts that could not be
    /// read.
    pub fn latest(&self) -> (Option<JournalNote>, Vec<Notice>) {
        let Some(store) = &self.store else {
            return (None, Vec::new());
        };
        let listing = match store.list() {
            Ok(l) => l,
            Err(e) => {
                return (
                    None,
                    vec![Notice::error(format!("Kladderne kunne ikke læses: {e}"))],
                )
            }
        };
        let notices = DraftStore::notices(&listing).iter().map(danish).collect();
        let newest = listing
            .iter()
            .filter_map(|l| match l {
                DraftListing::Draft(s) if s.sentences > 0 => Some(s),
                _ => None,
            })
            .max_by_key(|s| s.saved);
        let note = newest.and_then(|s| match store.load(s.id) {
            Ok(d) => d.map(|d| d.note),
            Err(e) => {
                tracing::warn!(error = %e, "draft not loaded");
                None
            }
        });
        (note, notices)
    }

    /// The note changed: save it (on the autosave thread; returns at once). An emptied note
    /// has nothing to keep, so its draft is removed.
    pub fn changed(&self, note: &JournalNote) {
        if note.is_empty() {
            self.remove(note.id);
            return;
        }
        if let Some(a) = lock(&self.autosave).as_mut() {
            a.note_changed(note);
        }
    }

    /// Delete the draft of note `id` (export confirmed, or the worker discarded it).
    pub fn remove(&self, id: uuid::Uuid) {
        if let Some(a) = lock(&self.autosave).as_ref() {
            // A save still in flight must not bring the draft back after the removal.
            let _ = a.flush();
        }
        if let Some(store) = &self.store {
            if let Err(e) = store.remove(id) {
                tracing::warn!(error = %e, "draft not removed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dikta_engine::journal::{
        HeadingGroup, HeadingRef, NoteEdit, Provenance, Sentence, SentenceId,
    };

    fn note() -> JournalNote {
        let t = chrono::DateTime::parse_from_rfc3339("2025-03-12T14:05:00+01:00").expect("time");
        let mut n = JournalNote::new("Anna", t);
        NoteEdit::Insert {
            heading: HeadingRef {
                name: "Ernæring".into(),
                code: None,
                group: HeadingGroup::NursingArea,
                order: 3,
            },
            index: None,
            sentence: Sentence::new(
                SentenceId(1),
                "Borgeren har spist hemmelig grød.",
                Provenance::SpokenHeading,
            ),
        }
        .apply(&mut n)
        .expect("insert");
        n
    }

    #[test]
    fn danish_notices() {
        let n = danish(&StorageNotice::DraftsPurged {
            count: 2,
            max_age_days: 7,
        });
        assert_eq!(n.text, "2 gamle kladder ældre end 7 dage er slettet.");
        let n = danish(&StorageNotice::DraftNotSaved {
            reason: "disken er fuld".into(),
        });
        assert!(n.text.contains("kun i hukommelsen"));
    }

    #[test]
    fn encrypted_drafts_survive_a_restart_and_hold_no_plaintext() {
        use dikta_engine::store::{DataDirs, KeyBackend};
        let dir = tempfile::tempdir().expect("tempdir");
        let options = StorageOptions {
            dirs: Some(DataDirs::under(dir.path())),
            key_backend: KeyBackend::File,
            ..StorageOptions::default()
        };
        let n = note();
        {
            let (d, notices) = Drafts::open_with(&options, |_| {});
            assert!(
                notices.iter().any(|x| x.text.contains("nøglering")),
                "{notices:?}"
            );
            assert!(d.latest().0.is_none());
            d.changed(&n);
        }
        let (d, _) = Drafts::open_with(&options, |_| {});
        assert_eq!(d.latest().0, Some(n.clone()));
        for f in walk(dir.path()) {
            let bytes = std::fs::read(&f).expect("read");
            assert!(
                !String::from_utf8_lossy(&bytes).contains("hemmelig"),
                "plaintext in {}",
                f.display()
            );
        }
        d.remove(n.id);
        assert!(d.latest().0.is_none());
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn memory_only_keeps_nothing() {
        let d = Drafts::in_memory();
        d.changed(&note());
        assert!(d.latest().0.is_none());
        d.remove(note().id);
    }
}
