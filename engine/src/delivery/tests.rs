use chrono::DateTime;

use super::*;
use crate::export::{ExportOptions, Format};
use crate::headings::HeadingTable;
use crate::journal::{CitizenRef, JournalNote, Provenance, Section, Sentence, SentenceId};

fn note() -> JournalNote {
    let created = DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").unwrap();
    let mut n = JournalNote::new("Sofie Hansen", created);
    n.citizen = Some(CitizenRef {
        cpr: Some("010150-1234".into()),
        ..Default::default()
    });
    n.sections.push(Section {
        heading: HeadingTable::fsiii().get("Ernæring").unwrap().to_ref(),
        sentences: vec![Sentence::new(
            SentenceId(1),
            "Hemmelig suppe spist",
            Provenance::SpokenHeading,
        )],
    });
    n
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn encrypted_store_round_trips_and_leaves_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        EncryptedFileStore::open(dir.path().join("outbox"), &OutboxKey::generate()).unwrap();
    store.put("a1", b"Hemmelig suppe 0101501234").unwrap();
    store.put("a1", b"Hemmelig suppe 0101501234 v2").unwrap();
    assert_eq!(
        store.get("a1").unwrap().as_deref(),
        Some(&b"Hemmelig suppe 0101501234 v2"[..])
    );
    assert_eq!(store.list().unwrap(), vec!["a1".to_string()]);
    for f in std::fs::read_dir(store.dir()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(!contains(&bytes, b"Hemmelig"));
        assert!(!contains(&bytes, b"0101501234"));
    }
    store.remove("a1").unwrap();
    store.remove("a1").unwrap();
    assert_eq!(store.get("a1").unwrap(), None);
    assert!(store.list().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn store_files_and_key_file_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("keys/outbox.key");
    let key = OutboxKey::load_or_create(&key_path).unwrap();
    assert_eq!(OutboxKey::load_or_create(&key_path).unwrap(), key);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&key_path), 0o600);
    let store = EncryptedFileStore::open(dir.path().join("outbox"), &key).unwrap();
    store.put("x", b"data").unwrap();
    assert_eq!(mode(store.dir()), 0o700);
    assert_eq!(mode(&store.dir().join("x.dikta")), 0o600);
    assert_eq!(format!("{key:?}"), "OutboxKey(<redacted>)");
    std::fs::write(&key_path, "kort").unwrap();
    assert!(matches!(
        OutboxKey::load_or_create(&key_path),
        Err(StoreError::BadKey(_))
    ));
}

#[test]
fn tampered_swapped_or_foreign_key_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = OutboxKey::generate();
    let store = EncryptedFileStore::open(dir.path(), &key).unwrap();
    store.put("one", b"first").unwrap();
    store.put("two", b"second").unwrap();
    // Flip one byte of the ciphertext.
    let p = dir.path().join("one.dikta");
    let mut bytes = std::fs::read(&p).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&p, &bytes).unwrap();
    assert!(matches!(store.get("one"), Err(StoreError::Unreadable(_))));
    // A file moved to another name fails authentication (the name is associated data).
    std::fs::copy(dir.path().join("two.dikta"), dir.path().join("three.dikta")).unwrap();
    assert!(matches!(store.get("three"), Err(StoreError::Unreadable(_))));
    // Another key cannot read it.
    let other = EncryptedFileStore::open(dir.path(), &OutboxKey::generate()).unwrap();
    assert!(matches!(other.get("two"), Err(StoreError::Unreadable(_))));
    // Truncated.
    std::fs::write(dir.path().join("four.dikta"), b"DIKTAOB1").unwrap();
    assert!(matches!(store.get("four"), Err(StoreError::Unreadable(_))));
}

#[test]
fn store_rejects_path_like_names_and_ignores_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = EncryptedFileStore::open(dir.path(), &OutboxKey::generate()).unwrap();
    for bad in ["", "../x", "a/b", ".hidden", "a b"] {
        assert!(
            matches!(store.put(bad, b""), Err(StoreError::BadName(_))),
            "{bad}"
        );
    }
    std::fs::write(dir.path().join(".tmp-abc"), b"half written").unwrap();
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn enqueue_is_idempotent_per_note_version_and_endpoint() {
    let outbox = Outbox::new(MemoryStore::default());
    let n = note();
    let opts = ExportOptions::default();
    let a = outbox
        .enqueue(&n, Format::Fhir, "https://x.example/notes", &opts)
        .unwrap();
    let b = outbox
        .enqueue(&n, Format::Fhir, "https://x.example/notes", &opts)
        .unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(outbox.entries().unwrap().len(), 1);
    assert_eq!(a.content_type, "application/fhir+json");
    assert!(a.idempotency_key.starts_with(&n.id.to_string()));
    // Another endpoint: another entry with the same key.
    let c = outbox
        .enqueue(&n, Format::Fhir, "https://y.example/notes", &opts)
        .unwrap();
    assert_ne!(a.id, c.id);
    assert_eq!(a.idempotency_key, c.idempotency_key);
    // A corrected note is a new version: new key.
    let mut m = n.clone();
    m.sections[0].sentences[0].text.push_str(" (rettet)");
    assert_ne!(outbox::idempotency_key(&m), a.idempotency_key);
    assert!(matches!(
        outbox.enqueue(&n, Format::CuraText, "https://x.example/", &opts),
        Err(OutboxError::TextFormat(_))
    ));
    let dbg = format!("{a:?}");
    assert!(!dbg.contains("Hemmelig") && !dbg.contains("0101501234"));
}

#[test]
fn audit_records_redact_endpoints() {
    assert_eq!(
        audit::redact_endpoint("https://user:pw@host.dk:8443/fhir/Bundle?cpr=0101501234"),
        "https://host.dk:8443/fhir/Bundle"
    );
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("state/audit.log"));
    let n = note();
    let mut r = AuditRecord::now(
        &n.author,
        n.id,
        "fhir https://host.dk/x",
        AuditAction::Queued,
    );
    r.status = Some(202);
    log.append(&r).unwrap();
    log.append(&r).unwrap();
    let back = log.read().unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0], r);
}
