//! Delivery: getting an export to a configured HTTP endpoint without losing it on the way.
//!
//! The guarantees:
//!
//! - **Persisted first.** [`Outbox::enqueue`] renders the note and writes it durably
//!   (encrypted, atomic) before any byte is sent.
//! - **Removed only when confirmed.** [`deliver_pending`] removes an entry only after a 2xx
//!   from the target. A crash, `kill -9`, power loss or network failure in between leaves it
//!   in the outbox; the next run sends it again.
//! - **Exactly once at the receiver.** Every POST of one note version carries the same
//!   `Idempotency-Key` ([`outbox::idempotency_key`]), so a receiver that keeps the keys it has
//!   seen applies the note once however often it arrives.
//! - **Audited without content.** Each step is appended to the [`AuditLog`]: who, when, note
//!   id, target, result — never note text or a CPR number.
//!
//! Storage goes through the one [`Store`] seam ([`EncryptedFileStore`] for now; the privacy
//! work owns key management and may replace it).

pub mod audit;
pub mod http;
pub mod outbox;
pub mod store;

pub use audit::{AuditAction, AuditLog, AuditRecord};
pub use http::{ClientCredentials, HttpDeliverer, HttpTarget, Outcome, RetryPolicy};
pub use outbox::{EntryState, Outbox, OutboxEntry, OutboxError};
pub use store::{EncryptedFileStore, MemoryStore, OutboxKey, Store, StoreError};

use std::time::Duration;

use tracing::{info, warn};
use uuid::Uuid;

use audit::redact_endpoint;

/// What one delivery run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Notes the target confirmed (removed from the outbox).
    pub delivered: Vec<Uuid>,
    /// Notes the target refused (kept, marked rejected), with the HTTP status.
    pub rejected: Vec<(Uuid, u16)>,
    /// Notes still queued after this run, with the last reason.
    pub failed: Vec<(Uuid, String)>,
    /// Outbox entries that could not be read (id or name, reason); left in place.
    pub unreadable: Vec<String>,
}

impl DeliveryReport {
    /// True when nothing was refused and nothing is left waiting.
    pub fn all_delivered(&self) -> bool {
        self.rejected.is_empty() && self.failed.is_empty() && self.unreadable.is_empty()
    }
}

/// Audit-log adapter for retry notices.
struct AuditRetries<'a> {
    audit: &'a AuditLog,
    entry: &'a OutboxEntry,
    target: String,
    attempts_before: u32,
}

impl http::AttemptObserver for AuditRetries<'_> {
    fn retrying(&mut self, attempt: u32, status: Option<u16>, reason: &str, wait: Duration) {
        let mut r = AuditRecord::now(
            &self.entry.author,
            self.entry.note_id,
            &self.target,
            AuditAction::Retry,
        );
        r.status = status;
        r.attempt = Some(self.attempts_before + attempt);
        r.detail = Some(format!("{reason}; next attempt in {} ms", wait.as_millis()));
        log_audit(self.audit, &r);
    }
}

fn log_audit(audit: &AuditLog, record: &AuditRecord) {
    if let Err(e) = audit.append(record) {
        // The export itself must not fail because the audit log is unwritable; say so loudly.
        warn!(error = %e, "cannot write the export audit log");
    }
}

/// Record in the audit log that `note` was queued for `endpoint`.
pub fn audit_queued(audit: &AuditLog, entry: &OutboxEntry) {
    let r = AuditRecord::now(
        &entry.author,
        entry.note_id,
        &audit_target(entry),
        AuditAction::Queued,
    );
    log_audit(audit, &r);
}

fn audit_target(entry: &OutboxEntry) -> String {
    format!("{} {}", entry.format, redact_endpoint(&entry.endpoint))
}

/// Deliver every pending outbox entry for the deliverer's endpoint (entries for other
/// endpoints are left alone; rejected ones are retried only with `include_rejected`).
pub fn deliver_pending<S: Store>(
    outbox: &Outbox<S>,
    deliverer: &mut HttpDeliverer,
    audit: &AuditLog,
    include_rejected: bool,
) -> Result<DeliveryReport, OutboxError> {
    let mut report = DeliveryReport::default();
    let endpoint = deliverer.target().endpoint.clone();
    for item in outbox.entries()? {
        let mut entry = match item {
            Ok(e) => e,
            Err(e) => {
                warn!(error = %e, "skipping unreadable outbox entry");
                report.unreadable.push(e.to_string());
                continue;
            }
        };
        if entry.endpoint != endpoint {
            continue;
        }
        if matches!(entry.state, EntryState::Rejected { .. }) && !include_rejected {
            continue;
        }
        let target = audit_target(&entry);
        let attempts_before = entry.attempts;
        let outcome = {
            let mut observer = AuditRetries {
                audit,
                entry: &entry,
                target: target.clone(),
                attempts_before,
            };
            deliverer.deliver(&entry, &mut observer)
        };
        match outcome {
            Outcome::Delivered { status, attempts } => {
                // Confirmed: only now does the entry leave the outbox. If removing fails, the
                // next run re-sends with the same idempotency key and the receiver ignores it.
                outbox.confirm(entry.id)?;
                let mut r = AuditRecord::now(
                    &entry.author,
                    entry.note_id,
                    &target,
                    AuditAction::Delivered,
                );
                r.status = Some(status);
                r.attempt = Some(attempts_before + attempts);
                log_audit(audit, &r);
                info!(note_id = %entry.note_id, status, "note delivered");
                report.delivered.push(entry.note_id);
            }
            Outcome::Rejected { status, attempts } => {
                entry.attempts = attempts_before + attempts;
                entry.state = EntryState::Rejected { status };
                outbox.put(&entry)?;
                let mut r =
                    AuditRecord::now(&entry.author, entry.note_id, &target, AuditAction::Rejected);
                r.status = Some(status);
                r.attempt = Some(entry.attempts);
                log_audit(audit, &r);
                warn!(note_id = %entry.note_id, status, "target rejected the note");
                report.rejected.push((entry.note_id, status));
            }
            Outcome::Failed {
                reason,
                status,
                attempts,
            } => {
                entry.attempts = attempts_before + attempts;
                entry.state = EntryState::Pending;
                outbox.put(&entry)?;
                let mut r =
                    AuditRecord::now(&entry.author, entry.note_id, &target, AuditAction::Failed);
                r.status = status;
                r.attempt = Some(entry.attempts);
                r.detail = Some(reason.clone());
                log_audit(audit, &r);
                warn!(note_id = %entry.note_id, reason = %reason, "delivery failed; note stays queued");
                report.failed.push((entry.note_id, reason));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
