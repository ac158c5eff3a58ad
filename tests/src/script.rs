//! The scripted dictation shared by the test child process and the tests that check what it
//! left behind.

#![allow(dead_code)]

use dikta_engine::autotext::Library;
use dikta_engine::headings::HeadingTable;
use dikta_engine::interpret::{Interpreter, InterpreterConfig};
use dikta_engine::journal::{CitizenRef, JournalNote};

/// The autotext library of the scripted dictation.
pub const LIB: &str = r#"
[[autotext]]
name = "morgenpleje"
heading = "Funktionsniveau"
text = "Morgenpleje udført. Humør [godt|dårligt]. Spist: [ ]."
"#;

/// The scripted dictation: spoken headings, placements, an autotext with fields.
pub const PIECES: &[&str] = &[
    "Borgeren har sovet uroligt i nat punktum",
    "Spist halvdelen af middagsmaden punktum",
    "overskrift hud og slimhinder",
    "Tryksår på venstre hæl punktum",
    "indsæt morgenpleje",
    "næste felt dårligt",
    "næste felt havregrød",
    "Blodtryk 145/90 punktum",
];

/// The citizen's CPR number (set by the caller, never dictated).
pub const CPR: &str = "070761-4285";

/// The interpreter of the scripted dictation, writing note `note_id` (or a fresh one).
pub fn interpreter(note_id: Option<uuid::Uuid>) -> Interpreter {
    let now = chrono_now();
    let mut lib = Library::new();
    lib.add_source(LIB, "test.toml", HeadingTable::fsiii());
    let config = InterpreterConfig::new("Anna Hansen", now).with_autotexts(lib);
    let mut i = match note_id {
        Some(id) => {
            let mut note = JournalNote::new("Anna Hansen", now);
            note.id = id;
            Interpreter::with_note(config, note)
        }
        None => Interpreter::new(config),
    };
    i.set_citizen(Some(CitizenRef {
        cpr: Some(CPR.into()),
        name: Some("Karen Jensen".into()),
        record_id: None,
    }));
    i
}

/// The fixed note time.
pub fn chrono_now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").expect("fixed time")
}
