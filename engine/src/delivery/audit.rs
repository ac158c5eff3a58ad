//! The export audit log: who exported which note, when, where to, and with what result.
//!
//! One JSON object a line, appended. It never holds note text or a CPR number: records are
//! built only from the fields of [`AuditRecord`], and targets are reduced to scheme, host,
//! port and path (no query string, no user info).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store::{create_private_dir, StoreError};

/// What happened in an export step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The note was written to the outbox, before delivery started.
    Queued,
    /// The target confirmed the note (2xx); it left the outbox.
    Delivered,
    /// One attempt failed in a way worth retrying (5xx, 429, timeout, network).
    Retry,
    /// The target refused the note (4xx); it stays in the outbox, marked rejected.
    Rejected,
    /// All attempts of this run failed; the note stays in the outbox for the next run.
    Failed,
    /// The note was rendered to a file or standard output.
    Exported,
    /// The note (or one heading) was pasted into the focused window.
    Pasted,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When (UTC, RFC 3339).
    pub time: String,
    /// Who: the note's author (the worker who exports it).
    pub actor: String,
    /// The operating-system user running Dikta, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    /// Which note.
    pub note_id: Uuid,
    /// Where to: a format name and, for HTTP, the endpoint without query or user info.
    pub target: String,
    /// What happened.
    pub action: AuditAction,
    /// HTTP status, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Attempt number within a delivery run, for HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// A short reason from Dikta's own messages (never from note or server content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditRecord {
    /// A record stamped now, with the OS user filled in.
    pub fn now(actor: &str, note_id: Uuid, target: &str, action: AuditAction) -> Self {
        AuditRecord {
            time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            actor: actor.trim().to_string(),
            os_user: std::env::var("USER")
                .ok()
                .or_else(|| std::env::var("USERNAME").ok()),
            note_id,
            target: target.to_string(),
            action,
            status: None,
            attempt: None,
            detail: None,
        }
    }
}

/// The append-only audit log file.
#[derive(Clone, Debug)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// The log at `path` (created with mode 0600 on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuditLog { path: path.into() }
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record and flush it to disk.
    pub fn append(&self, record: &AuditRecord) -> Result<(), StoreError> {
        let io = |action, source| StoreError::Io {
            action,
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            if !dir.as_os_str().is_empty() {
                create_private_dir(dir)?;
            }
        }
        let mut line = serde_json::to_string(record).map_err(|e| io("encode", e.into()))?;
        line.push('\n');
        let mut opts = OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(&self.path).map_err(|e| io("open", e))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| io("append to", e))
    }

    /// All records, oldest first (lines that do not parse are skipped).
    pub fn read(&self) -> Result<Vec<AuditRecord>, StoreError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(StoreError::Io {
                action: "read",
                path: self.path.display().to_string(),
                source,
            }),
        }
    }
}

/// An endpoint as the audit log and logs may show it: scheme, host, port and path only.
pub fn redact_endpoint(url: &str) -> String {
    match url.parse::<ureq::http::Uri>() {
        Ok(uri) => {
            let scheme = uri.scheme_str().unwrap_or("?");
            let host = uri.host().unwrap_or("?");
            let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}://{host}{port}{}", uri.path())
        }
        Err(_) => "<invalid endpoint>".to_string(),
    }
}
