//! Storage tests: drafts survive exactly, tampering is caught, retention works, and a disk
//! that refuses writes never stops dictation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use super::*;
use crate::autotext::Library;
use crate::headings::HeadingTable;
use crate::interpret::{Interpreter, InterpreterConfig};
use crate::journal::{CitizenRef, JournalNote};

const LIB: &str = r#"
[[autotext]]
name = "morgenpleje"
heading = "Funktionsniveau"
text = "Morgenpleje udført. Humør [godt|dårligt]. Spist: [ ]."
"#;

/// Words of the dictation below that must never appear on disk in plaintext.
pub(crate) const SECRET_WORDS: &[&str] = &["uroligt", "middagsmaden", "tryksår", "Morgenpleje"];
/// A citizen CPR number set by the caller (never dictated), which must never be on disk.
pub(crate) const CPR: &str = "070761-4285";

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").unwrap()
}

/// A note with spoken headings, lexicon placements, an autotext with a filled and an open
/// field, and a citizen with a CPR number.
pub(crate) fn rich_interpreter() -> Interpreter {
    let mut lib = Library::new();
    lib.add_source(LIB, "test.toml", HeadingTable::fsiii());
    let mut i = Interpreter::new(InterpreterConfig::new("Anna Hansen", now()).with_autotexts(lib));
    i.set_citizen(Some(CitizenRef {
        cpr: Some(CPR.into()),
        name: Some("Karen Jensen".into()),
        record_id: None,
    }));
    i
}

pub(crate) const PIECES: &[&str] = &[
    "Borgeren har sovet uroligt i nat punktum",
    "Spist halvdelen af middagsmaden punktum",
    "overskrift hud og slimhinder",
    "Tryksår på venstre hæl punktum",
    "indsæt morgenpleje",
    "næste felt dårligt",
];

fn storage(root: &std::path::Path) -> Storage {
    let options = StorageOptions {
        dirs: Some(DataDirs::under(root)),
        key_backend: KeyBackend::File,
        ..StorageOptions::default()
    };
    Storage::open(&options).unwrap().0
}

#[test]
fn a_draft_comes_back_exactly_and_nothing_readable_is_on_disk() {
    let root = tempfile::tempdir().unwrap();
    let storage = storage(root.path());
    let mut i = rich_interpreter();
    for p in PIECES {
        i.push(p);
    }
    let note = i.note().clone();
    assert!(note.sections.len() >= 3, "{:#?}", note.sections);
    assert!(note.sentences().any(|(_, s)| !s.fields.is_empty()));
    let drafts = storage.drafts().unwrap();
    drafts.save(&Draft::new(note.clone(), 1)).unwrap();

    // A fresh process: open storage again, from disk.
    let again = self::storage(root.path());
    let back = again.drafts().unwrap().load(note.id).unwrap().unwrap();
    assert_eq!(back.note, note);
    // The recovered note can be dictated on.
    let mut resumed = Interpreter::with_note(rich_interpreter().config().clone(), back.note);
    resumed.push("Drukket to glas vand punktum");
    assert!(resumed.note().sentences().count() > note.sentences().count());

    assert_no_plaintext(root.path());
}

/// Fail when any file under `root` holds a dictated word or the CPR number.
pub(crate) fn assert_no_plaintext(root: &std::path::Path) {
    let mut files = 0;
    for entry in walk(root) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for w in SECRET_WORDS.iter().chain([&CPR, &"0707614285", &"karen"]) {
            assert!(
                !text.contains(&w.to_lowercase()),
                "{} holds {w:?} in plaintext",
                entry.display()
            );
        }
        files += 1;
    }
    assert!(files > 0);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
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
fn tampered_draft_is_refused_moved_aside_and_listed() {
    let root = tempfile::tempdir().unwrap();
    let storage = storage(root.path());
    let drafts = storage.drafts().unwrap();
    let note = JournalNote::new("Anna", now());
    drafts.save(&Draft::new(note.clone(), 1)).unwrap();
    let path = drafts.dir().join(format!("{}{}", note.id, vault::SUFFIX));
    let mut raw = std::fs::read(&path).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x55;
    std::fs::write(&path, &raw).unwrap();

    let listing = drafts.list().unwrap();
    assert_eq!(listing.len(), 1);
    let notices = DraftStore::notices(&listing);
    match &notices[..] {
        [StorageNotice::DraftRefused {
            moved_to: Some(to), ..
        }] => assert!(to.starts_with(storage.dirs().quarantine())),
        other => panic!("{other:?}"),
    }
    assert!(!path.exists());
    assert!(drafts.load(note.id).unwrap().is_none());
    assert_eq!(drafts.quarantined().len(), 1);
    assert_eq!(drafts.purge_quarantine().unwrap(), 1);
}

#[test]
fn a_draft_from_another_key_is_left_in_place() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let sa = storage(a.path());
    let sb = storage(b.path());
    let note = JournalNote::new("Anna", now());
    sa.drafts()
        .unwrap()
        .save(&Draft::new(note.clone(), 1))
        .unwrap();
    let name = format!("{}{}", note.id, vault::SUFFIX);
    std::fs::copy(
        sa.dirs().drafts().join(&name),
        sb.dirs().drafts().join(&name),
    )
    .unwrap();
    let e = sb.drafts().unwrap().load(note.id).unwrap_err();
    assert!(matches!(e, StorageError::WrongKey { .. }), "{e}");
    assert!(sb.dirs().drafts().join(&name).exists());
}

#[test]
fn retention_purges_old_drafts_at_start_with_a_notice() {
    let root = tempfile::tempdir().unwrap();
    let storage = storage(root.path());
    let drafts = storage.drafts().unwrap();
    let old = JournalNote::new("Anna", now());
    let fresh = JournalNote::new("Anna", now());
    let mut d = Draft::new(old.clone(), 1);
    d.saved -= chrono::Duration::days(8);
    drafts.save(&d).unwrap();
    drafts.save_audio(old.id, &[0.1, -0.2]).unwrap();
    drafts.save(&Draft::new(fresh.clone(), 1)).unwrap();

    let options = StorageOptions {
        dirs: Some(DataDirs::under(root.path())),
        key_backend: KeyBackend::File,
        ..StorageOptions::default()
    };
    let (storage, notices) = Storage::open(&options).unwrap();
    assert!(notices.contains(&StorageNotice::DraftsPurged {
        count: 1,
        max_age_days: 7
    }));
    let drafts = storage.drafts().unwrap();
    assert!(drafts.load(old.id).unwrap().is_none());
    assert!(drafts.load_audio(old.id).unwrap().is_none());
    assert!(drafts.load(fresh.id).unwrap().is_some());
    // Confirmed export deletes the draft.
    assert!(drafts.remove(fresh.id).unwrap());
    assert!(drafts.list().unwrap().is_empty());
}

#[test]
fn kept_audio_is_encrypted_and_goes_with_the_draft() {
    let root = tempfile::tempdir().unwrap();
    let drafts = storage(root.path()).drafts().unwrap();
    let note = JournalNote::new("Anna", now());
    drafts.save(&Draft::new(note.clone(), 1)).unwrap();
    let samples: Vec<f32> = (0..1000).map(|i| (i as f32 / 50.0).sin()).collect();
    drafts.save_audio(note.id, &samples).unwrap();
    assert_eq!(drafts.load_audio(note.id).unwrap().unwrap(), samples);
    let listing = drafts.list().unwrap();
    assert!(matches!(&listing[0], DraftListing::Draft(s) if s.has_audio));
    drafts.remove(note.id).unwrap();
    assert!(drafts.load_audio(note.id).unwrap().is_none());
}

#[test]
fn summary_masks_the_cpr_number() {
    let root = tempfile::tempdir().unwrap();
    let drafts = storage(root.path()).drafts().unwrap();
    let mut note = JournalNote::new("Anna", now());
    note.citizen = Some(CitizenRef {
        cpr: Some(CPR.into()),
        name: None,
        record_id: None,
    });
    let s = drafts.summary(&Draft::new(note, 1));
    assert_eq!(s.citizen.as_deref(), Some("CPR ******-****"));
    assert!(!format!("{s:?}").contains("4285"));
}

#[test]
fn dictation_draft_saves_every_change_within_a_second() {
    let root = tempfile::tempdir().unwrap();
    let storage = storage(root.path());
    let mut d = DictationDraft::with_storage(rich_interpreter(), &storage);
    let drafts = storage.drafts().unwrap();
    for p in PIECES {
        d.push(p);
        let want = d.note().clone();
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        loop {
            if let Ok(Some(draft)) = drafts.load(want.id) {
                if draft.note == want {
                    break;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "draft not saved within a second"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let status = d.autosave_status().unwrap();
    assert!(!status.in_memory_only);
    let (note, saved) = d.finish();
    saved.unwrap();
    assert_eq!(drafts.load(note.id).unwrap().unwrap().note, note);
    assert_no_plaintext(root.path());
}

#[test]
fn a_disk_that_refuses_writes_keeps_the_note_in_memory_and_warns_once() {
    let root = tempfile::tempdir().unwrap();
    let storage = storage(root.path());
    let drafts = storage.drafts().unwrap();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink_heard = heard.clone();
    let sink: NoticeSink = Arc::new(move |n| sink_heard.lock().unwrap().push(n));
    let mut autosave = DraftAutosave::start(drafts.clone(), sink).unwrap();
    let mut i = rich_interpreter();

    // Make the draft folder unusable: replace it with a file (works even as root).
    let dir = drafts.dir().to_path_buf();
    let aside = root.path().join("drafts-aside");
    std::fs::rename(&dir, &aside).unwrap();
    std::fs::write(&dir, b"not a folder").unwrap();
    for p in PIECES {
        i.push(p);
        autosave.note_changed(i.note());
    }
    assert!(autosave.flush().is_err());
    let status = autosave.status();
    assert!(status.in_memory_only);
    assert!(status.last_error.is_some());
    // Nothing dictated is lost: the note is complete in memory.
    assert!(i.note().sentences().count() >= 4);
    {
        let heard = heard.lock().unwrap();
        assert_eq!(
            heard
                .iter()
                .filter(|n| matches!(n, StorageNotice::DraftNotSaved { .. }))
                .count(),
            1
        );
        for n in heard.iter() {
            for w in SECRET_WORDS {
                assert!(!n.to_string().contains(w));
            }
        }
    }
    // The disk comes back: the next change is saved and the user is told.
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(&aside, &dir).unwrap();
    i.push("Drukket to glas vand punktum");
    autosave.note_changed(i.note());
    autosave.flush().unwrap();
    assert!(heard
        .lock()
        .unwrap()
        .contains(&StorageNotice::DraftSavedAgain));
    assert_eq!(drafts.load(i.note().id).unwrap().unwrap().note, *i.note());
}

#[test]
fn storage_that_cannot_open_keeps_dictation_in_memory() {
    // A data folder below a file: nothing can be created.
    let root = tempfile::tempdir().unwrap();
    let blocker = root.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let options = StorageOptions {
        dirs: Some(DataDirs::under(&blocker)),
        key_backend: KeyBackend::File,
        ..StorageOptions::default()
    };
    let e = Storage::open(&options).unwrap_err();
    assert!(e.is_disk_problem(), "{e}");
    let mut d = DictationDraft::new(rich_interpreter(), None);
    for p in PIECES {
        d.push(p);
    }
    let (note, saved) = d.finish();
    assert!(saved.is_err());
    assert!(note.sentences().count() >= 4);
}

#[test]
fn tee_events_saves_the_draft_and_passes_every_event_on() {
    use crate::session::{SessionEvent, TextEvent};
    let root = tempfile::tempdir().unwrap();
    let storage = storage(root.path());
    let draft = DictationDraft::with_storage(rich_interpreter(), &storage);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut out, handle) = tee_events(rx, draft);
    for (n, p) in PIECES.iter().enumerate() {
        tx.send(SessionEvent::Committed(TextEvent {
            utterance: n as u64,
            text: p.to_string(),
            audio_start_s: 0.0,
            audio_end_s: 1.0,
            onset_s: 0.0,
            speech_end_s: Some(1.0),
            last: true,
            emitted_s: 1.0,
        }))
        .unwrap();
    }
    drop(tx);
    let mut passed = 0;
    while out.blocking_recv().is_some() {
        passed += 1;
    }
    assert_eq!(passed, PIECES.len());
    let (note, saved) = handle.join().unwrap();
    saved.unwrap();
    assert_eq!(
        storage
            .drafts()
            .unwrap()
            .load(note.id)
            .unwrap()
            .unwrap()
            .note,
        note
    );
}
