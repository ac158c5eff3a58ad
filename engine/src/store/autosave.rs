//! Saving the draft while the worker dictates: every change of the note is handed to a
//! writer thread, which writes the newest version at once (changes that arrive while it
//! writes are coalesced into the next write), so the draft on disk trails the note by one
//! write — milliseconds, well under the one-second promise.
//!
//! When the disk refuses (read-only, full), the session is never stopped: the note stays in
//! memory, the user gets one [`StorageNotice::DraftNotSaved`], and the writer retries every
//! few seconds and on every change, announcing [`StorageNotice::DraftSavedAgain`] when it
//! works again.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::draft::{Draft, DraftStore};
use super::{StorageError, StorageNotice};
use crate::journal::JournalNote;

/// Receives the notices of an autosave (called on the writer thread).
pub type NoticeSink = Arc<dyn Fn(StorageNotice) + Send + Sync>;

/// How often a failing writer tries again without a new change.
const RETRY_EVERY: Duration = Duration::from_secs(3);

/// Where an autosave stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutosaveStatus {
    /// Newest revision handed over.
    pub latest_revision: u64,
    /// Newest revision on disk.
    pub saved_revision: u64,
    /// Writes done.
    pub writes: u64,
    /// True while the disk refuses: the note is only in memory.
    pub in_memory_only: bool,
    /// The last failure, for a person to read (no note text).
    pub last_error: Option<String>,
    /// Slowest write so far, in milliseconds.
    pub slowest_write_ms: u64,
}

enum Msg {
    Note(Box<JournalNote>, u64),
    Flush(mpsc::Sender<Result<(), String>>),
}

/// Keeps the draft of one note up to date on disk; see the [module docs](self).
pub struct DraftAutosave {
    tx: Option<mpsc::Sender<Msg>>,
    worker: Option<JoinHandle<()>>,
    status: Arc<Mutex<AutosaveStatus>>,
    revision: u64,
}

impl std::fmt::Debug for DraftAutosave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftAutosave")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl DraftAutosave {
    /// Start saving into `store`; `notices` hears about failures and recoveries.
    pub fn start(store: DraftStore, notices: NoticeSink) -> Result<Self, StorageError> {
        let (tx, rx) = mpsc::channel();
        let status = Arc::new(Mutex::new(AutosaveStatus::default()));
        let shared = status.clone();
        let worker = std::thread::Builder::new()
            .name("dikta-draft-writer".into())
            .spawn(move || writer(store, rx, shared, notices))
            .map_err(|e| StorageError::Io {
                action: "start the draft writer thread",
                path: Default::default(),
                source: e,
            })?;
        Ok(DraftAutosave {
            tx: Some(tx),
            worker: Some(worker),
            status,
            revision: 0,
        })
    }

    /// A notice sink that only logs (for callers without a UI).
    pub fn log_notices() -> NoticeSink {
        Arc::new(|n: StorageNotice| tracing::warn!("{n}"))
    }

    /// The note changed: save this version. Returns at once.
    pub fn note_changed(&mut self, note: &JournalNote) {
        self.revision += 1;
        lock(&self.status).latest_revision = self.revision;
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Note(Box::new(note.clone()), self.revision));
        }
    }

    /// Wait until the newest version handed over is on disk. An error means it is only in
    /// memory (the reason, without note text).
    pub fn flush(&self) -> Result<(), String> {
        let (reply_tx, reply_rx) = mpsc::channel();
        let tx = self.tx.as_ref().ok_or("the draft writer has stopped")?;
        tx.send(Msg::Flush(reply_tx))
            .map_err(|_| "the draft writer has stopped".to_string())?;
        reply_rx
            .recv()
            .map_err(|_| "the draft writer has stopped".to_string())?
    }

    /// Where saving stands.
    pub fn status(&self) -> AutosaveStatus {
        lock(&self.status).clone()
    }

    /// Stop the writer after it has written (or tried to write) the newest version.
    pub fn close(mut self) -> AutosaveStatus {
        self.shutdown();
        self.status()
    }

    fn shutdown(&mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for DraftAutosave {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock(m: &Mutex<AutosaveStatus>) -> std::sync::MutexGuard<'_, AutosaveStatus> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn writer(
    store: DraftStore,
    rx: mpsc::Receiver<Msg>,
    status: Arc<Mutex<AutosaveStatus>>,
    notices: NoticeSink,
) {
    let mut pending: Option<(Box<JournalNote>, u64)> = None;
    let mut failing = false;
    let mut flushes: Vec<mpsc::Sender<Result<(), String>>> = Vec::new();
    loop {
        let first = if failing && pending.is_some() {
            match rx.recv_timeout(RETRY_EVERY) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        // Take everything queued: only the newest note matters.
        let mut msgs: Vec<Msg> = first.into_iter().collect();
        msgs.extend(rx.try_iter());
        for m in msgs {
            match m {
                Msg::Note(note, rev) => pending = Some((note, rev)),
                Msg::Flush(reply) => flushes.push(reply),
            }
        }
        write_pending(&store, &mut pending, &mut failing, &status, &notices);
        let result = if pending.is_some() {
            Err(lock(&status)
                .last_error
                .clone()
                .unwrap_or_else(|| "not saved".into()))
        } else {
            Ok(())
        };
        for reply in flushes.drain(..) {
            let _ = reply.send(result.clone());
        }
    }
    // Closing: one last try for the newest version.
    write_pending(&store, &mut pending, &mut failing, &status, &notices);
}

fn write_pending(
    store: &DraftStore,
    pending: &mut Option<(Box<JournalNote>, u64)>,
    failing: &mut bool,
    status: &Mutex<AutosaveStatus>,
    notices: &NoticeSink,
) {
    let Some((note, rev)) = pending.take() else {
        return;
    };
    let started = Instant::now();
    let draft = Draft::new(*note, rev);
    match store.save(&draft) {
        Ok(()) => {
            let ms = started.elapsed().as_millis() as u64;
            let recovered = {
                let mut s = lock(status);
                s.saved_revision = rev;
                s.writes += 1;
                s.slowest_write_ms = s.slowest_write_ms.max(ms);
                let was = s.in_memory_only;
                s.in_memory_only = false;
                s.last_error = None;
                was
            };
            *failing = false;
            if recovered {
                tracing::info!("draft saving works again");
                notices(StorageNotice::DraftSavedAgain);
            }
        }
        Err(e) => {
            let reason = e.to_string();
            let first = {
                let mut s = lock(status);
                let first = !s.in_memory_only;
                s.in_memory_only = true;
                s.last_error = Some(reason.clone());
                first
            };
            *failing = true;
            *pending = Some((Box::new(draft.note), rev));
            if first {
                tracing::warn!(error = %reason, "cannot save the draft; keeping the note in memory");
                notices(StorageNotice::DraftNotSaved { reason });
            }
        }
    }
}
