//! The outbox: every export that leaves the machine is persisted here (encrypted) before
//! delivery starts, and removed only after the target confirmed it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use super::store::{Store, StoreError};
use crate::export::{self, ExportError, ExportOptions, Format};
use crate::journal::JournalNote;

/// Problems with the outbox.
#[derive(Debug, Error)]
pub enum OutboxError {
    /// The storage layer failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The note could not be rendered.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Only structured formats (JSON, FHIR) are delivered over HTTP.
    #[error("format {0} cannot be delivered over HTTP; use json or fhir")]
    TextFormat(Format),
    /// An entry decrypted but does not parse (written by an incompatible version).
    #[error("outbox entry {0} is not in a format this version understands")]
    Corrupt(String),
}

/// Where an entry stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting for delivery (new, or earlier attempts failed).
    Pending,
    /// The target refused it with this status; it is not retried automatically.
    Rejected {
        /// HTTP status of the refusal.
        status: u16,
    },
}

/// One export waiting for confirmation. Holds the rendered note, so it lives only
/// encrypted on disk.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Entry id (also its storage name): derived from endpoint and idempotency key, so
    /// queueing the same note version for the same endpoint twice gives one entry.
    pub id: Uuid,
    /// The note's id.
    pub note_id: Uuid,
    /// The note's author, for the audit log.
    pub author: String,
    /// Where it goes.
    pub endpoint: String,
    /// Export format name (`json` or `fhir`).
    pub format: String,
    /// HTTP `Content-Type` of the body.
    pub content_type: String,
    /// `Idempotency-Key` header: `<note id>.<first 16 hex digits of the note digest>`,
    /// equal for every retry and every re-queue of the same note version.
    pub idempotency_key: String,
    /// The rendered note.
    pub body: String,
    /// When it was queued (UTC, RFC 3339).
    pub queued: String,
    /// Attempts made over all runs.
    pub attempts: u32,
    /// Pending or rejected.
    pub state: EntryState,
}

impl std::fmt::Debug for OutboxEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxEntry")
            .field("id", &self.id)
            .field("note_id", &self.note_id)
            .field("endpoint", &super::audit::redact_endpoint(&self.endpoint))
            .field("format", &self.format)
            .field("idempotency_key", &self.idempotency_key)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("attempts", &self.attempts)
            .field("state", &self.state)
            .finish()
    }
}

/// The idempotency key of a note version.
pub fn idempotency_key(note: &JournalNote) -> String {
    let digest = export::note_digest(note);
    format!("{}.{}", note.id, &digest[..16])
}

/// The outbox over a [`Store`].
#[derive(Debug)]
pub struct Outbox<S: Store> {
    store: S,
}

impl<S: Store> Outbox<S> {
    /// An outbox keeping its entries in `store`.
    pub fn new(store: S) -> Self {
        Outbox { store }
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Render `note` as `format` for `endpoint` and persist it durably. Returns the entry;
    /// delivery may start once this returned. Re-queueing the same note version for the
    /// same endpoint keeps the existing entry (and its attempt count).
    pub fn enqueue(
        &self,
        note: &JournalNote,
        format: Format,
        endpoint: &str,
        options: &ExportOptions,
    ) -> Result<OutboxEntry, OutboxError> {
        if format.is_text() {
            return Err(OutboxError::TextFormat(format));
        }
        let key = idempotency_key(note);
        let id = export::derived_uuid(&[b"outbox", endpoint.as_bytes(), key.as_bytes()]);
        if let Some(existing) = self.get(id)? {
            if existing.state == EntryState::Pending {
                return Ok(existing);
            }
        }
        let entry = OutboxEntry {
            id,
            note_id: note.id,
            author: note.author.trim().to_string(),
            endpoint: endpoint.to_string(),
            format: format.name().to_string(),
            content_type: format.media_type().to_string(),
            idempotency_key: key,
            body: export::render(note, format, options)?,
            queued: now(),
            attempts: 0,
            state: EntryState::Pending,
        };
        self.put(&entry)?;
        Ok(entry)
    }

    /// Persist a changed entry (attempt count, state).
    pub fn put(&self, entry: &OutboxEntry) -> Result<(), OutboxError> {
        let bytes =
            serde_json::to_vec(entry).map_err(|_| OutboxError::Corrupt(entry.id.to_string()))?;
        self.store.put(&entry.id.to_string(), &bytes)?;
        Ok(())
    }

    /// The entry with this id, if any.
    pub fn get(&self, id: Uuid) -> Result<Option<OutboxEntry>, OutboxError> {
        let name = id.to_string();
        match self.store.get(&name)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| OutboxError::Corrupt(name)),
        }
    }

    /// Every entry, oldest first; entries that cannot be read are reported, not dropped.
    pub fn entries(&self) -> Result<Vec<Result<OutboxEntry, OutboxError>>, OutboxError> {
        let mut out: Vec<Result<OutboxEntry, OutboxError>> = Vec::new();
        for name in self.store.list()? {
            let item = match self.store.get(&name) {
                Ok(Some(bytes)) => {
                    serde_json::from_slice(&bytes).map_err(|_| OutboxError::Corrupt(name.clone()))
                }
                Ok(None) => continue,
                Err(e) => Err(e.into()),
            };
            out.push(item);
        }
        out.sort_by(|a, b| match (a, b) {
            (Ok(a), Ok(b)) => a.queued.cmp(&b.queued).then(a.id.cmp(&b.id)),
            (Err(_), Ok(_)) => std::cmp::Ordering::Less,
            (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
            (Err(_), Err(_)) => std::cmp::Ordering::Equal,
        });
        Ok(out)
    }

    /// Remove a confirmed entry.
    pub fn confirm(&self, id: Uuid) -> Result<(), OutboxError> {
        self.store.remove(&id.to_string())?;
        Ok(())
    }
}

fn now() -> String {
    let t: DateTime<Utc> = Utc::now();
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}
