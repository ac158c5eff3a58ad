//! The seam between a live session and its draft: committed text goes through the
//! interpreter into the note, and every change of the note is saved as the draft.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dikta_engine::interpret::{Interpreter, InterpreterConfig};
//! use dikta_engine::store::{DictationDraft, Storage, StorageOptions};
//!
//! let (storage, notices) = Storage::open(&StorageOptions::from_env())?;
//! for n in &notices { eprintln!("dikta: {n}"); }
//! let interpreter = Interpreter::new(InterpreterConfig::now("Anna Jensen"));
//! let mut draft = DictationDraft::with_storage(interpreter, &storage);
//! // for each session event: draft.on_event(&event);
//! draft.push("Borgeren har sovet godt i nat punktum");
//! let (note, saved) = draft.finish();
//! # let _ = (note, saved); Ok(()) }
//! ```

use std::sync::Arc;

use super::autosave::{AutosaveStatus, DraftAutosave, NoticeSink};
use super::Storage;
use crate::interpret::{Interpreter, Output};
use crate::journal::JournalNote;
use crate::session::SessionEvent;

/// An interpreter whose note is saved as a draft after every change.
pub struct DictationDraft {
    interpreter: Interpreter,
    autosave: Option<DraftAutosave>,
}

impl std::fmt::Debug for DictationDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DictationDraft")
            .field("note_id", &self.interpreter.note().id)
            .field("autosave", &self.autosave)
            .finish_non_exhaustive()
    }
}

impl DictationDraft {
    /// Save drafts with `autosave`; `None` keeps the note in memory only (no usable disk).
    pub fn new(interpreter: Interpreter, autosave: Option<DraftAutosave>) -> Self {
        DictationDraft {
            interpreter,
            autosave,
        }
    }

    /// Save drafts in `storage`'s draft folder, logging storage notices. When the draft
    /// folder cannot be opened, the note is kept in memory and a warning is logged.
    pub fn with_storage(interpreter: Interpreter, storage: &Storage) -> Self {
        Self::with_storage_and_notices(interpreter, storage, DraftAutosave::log_notices())
    }

    /// Like [`DictationDraft::with_storage`], with notices going to `notices` (the app's
    /// banner, the CLI's stderr, a session's error events).
    pub fn with_storage_and_notices(
        interpreter: Interpreter,
        storage: &Storage,
        notices: NoticeSink,
    ) -> Self {
        let autosave = storage
            .drafts()
            .and_then(|store| DraftAutosave::start(store, notices.clone()));
        let autosave = match autosave {
            Ok(a) => Some(a),
            Err(e) => {
                notices(super::StorageNotice::DraftNotSaved {
                    reason: e.to_string(),
                });
                None
            }
        };
        let mut d = DictationDraft {
            interpreter,
            autosave,
        };
        if !d.interpreter.note().is_empty() {
            // A resumed draft: make sure the current state is on disk.
            d.note_changed();
        }
        d
    }

    /// Feed one session event: committed text is interpreted (and the draft saved);
    /// everything else is ignored. Returns the interpreter's output for committed text.
    pub fn on_event(&mut self, event: &SessionEvent) -> Option<Output> {
        match event {
            SessionEvent::Committed(piece) if !piece.text.trim().is_empty() => {
                Some(self.push(&piece.text))
            }
            _ => None,
        }
    }

    /// Interpret one committed piece of text and save the draft if the note changed.
    pub fn push(&mut self, committed: &str) -> Output {
        let out = self.interpreter.push(committed);
        if !out.edits.is_empty() {
            self.note_changed();
        }
        out
    }

    /// The note as it stands.
    pub fn note(&self) -> &JournalNote {
        self.interpreter.note()
    }

    /// The interpreter, for direct edits (move a sentence, undo, set the citizen). Call
    /// [`DictationDraft::note_changed`] after changing the note through it.
    pub fn interpreter_mut(&mut self) -> &mut Interpreter {
        &mut self.interpreter
    }

    /// Save the note as it stands now.
    pub fn note_changed(&mut self) {
        if let Some(a) = self.autosave.as_mut() {
            a.note_changed(self.interpreter.note());
        }
    }

    /// Where saving stands; `None` when drafts are kept in memory only.
    pub fn autosave_status(&self) -> Option<AutosaveStatus> {
        self.autosave.as_ref().map(|a| a.status())
    }

    /// End the dictation: close the open sentence, save the final note as the draft (it
    /// stays until its export is confirmed) and wait for the write. Returns the note and
    /// whether it is on disk (`Err` with the reason when it is only in memory).
    pub fn finish(self) -> (JournalNote, Result<(), String>) {
        let DictationDraft {
            interpreter,
            autosave,
        } = self;
        let note = interpreter.finish();
        let saved = match autosave {
            Some(mut a) => {
                if !note.is_empty() {
                    a.note_changed(&note);
                }
                let r = a.flush();
                drop(a);
                r
            }
            None => Err("drafts are kept in memory only".to_string()),
        };
        (note, saved)
    }
}

/// A notice sink that forwards into a channel (e.g. to print notices on the CLI's thread).
pub fn channel_notices() -> (NoticeSink, std::sync::mpsc::Receiver<super::StorageNotice>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let sink: NoticeSink = Arc::new(move |n| {
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(n);
        }
    });
    (sink, rx)
}

/// The thread of [`tee_events`]: yields the finished note and whether it is on disk (`Err`
/// with the reason when it is only in memory).
pub type DraftThread = std::thread::JoinHandle<(JournalNote, Result<(), String>)>;

/// Run `draft` over every event of a session on its own thread, passing each event on
/// unchanged: the one line that gives a front end (`dikta dictate`, the app) a saved draft.
/// Returns the receiver to read events from instead, and a handle that yields the finished
/// note and whether it is on disk once the session's events end.
///
/// ```no_run
/// # fn demo(events: dikta_engine::session::EventReceiver, draft: dikta_engine::store::DictationDraft) {
/// let (events, drafting) = dikta_engine::store::tee_events(events, draft);
/// // ... print `events` as before; after `session.finish()`:
/// let (note, saved) = drafting.join().expect("draft thread");
/// # let _ = (events, note, saved); }
/// ```
pub fn tee_events(
    mut events: crate::session::EventReceiver,
    mut draft: DictationDraft,
) -> (crate::session::EventReceiver, DraftThread) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = std::thread::spawn(move || {
        while let Some(event) = events.blocking_recv() {
            draft.on_event(&event);
            // A reader that went away does not stop the draft.
            let _ = tx.send(event);
        }
        drop(tx);
        draft.finish()
    });
    (rx, handle)
}
