//! The shipped autotext library (`/autotexts`): it loads without problems, has at least 20
//! autotexts, and every one can be inserted by voice and have all its fields filled by voice.

use std::path::PathBuf;

use chrono::DateTime;
use dikta_engine::autotext::{template::Part, Library};
use dikta_engine::headings::HeadingTable;
use dikta_engine::interpret::{Event, Interpreter, InterpreterConfig};

fn library() -> Library {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../autotexts");
    Library::load(&[dir], HeadingTable::fsiii())
}

#[test]
fn shipped_library_is_valid() {
    let lib = library();
    let problems: Vec<String> = lib.problems().iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(lib.effective().count() >= 20, "at least 20 autotexts");
}

#[test]
fn every_shipped_autotext_is_inserted_and_filled_by_voice() {
    let lib = library();
    let now = DateTime::parse_from_rfc3339("2025-03-12T07:45:00+01:00").expect("time");
    for autotext in lib.effective() {
        let config = InterpreterConfig::new("Anna Hansen", now).with_autotexts(lib.clone());
        let mut i = Interpreter::new(config);
        // Whisper-shaped: capital, its own full stop.
        let out = i.push(&format!("Indsæt {}.", autotext.name));
        let inserted = out
            .events
            .iter()
            .any(|e| matches!(e, Event::AutotextInserted { name, .. } if *name == autotext.name));
        assert!(inserted, "{}: {:?}", autotext.name, out.events);
        let fields: Vec<&Vec<String>> = autotext
            .parts()
            .iter()
            .filter_map(|p| match p {
                Part::Field(options) => Some(options),
                _ => None,
            })
            .collect();
        for (n, options) in fields.iter().enumerate() {
            let out = i.push("Næste felt.");
            assert!(
                matches!(out.events[..], [Event::FieldFocused { index, .. }] if index == n),
                "{} field {n}: {:?}",
                autotext.name,
                out.events
            );
            // Choose the last option by voice, or dictate free text.
            let spoken = options
                .last()
                .cloned()
                .unwrap_or_else(|| "efter aftale".to_string());
            let out = i.push(&format!("{}.", capitalize(&spoken)));
            assert!(
                matches!(out.events[..], [Event::FieldFilled { index, .. }] if index == n),
                "{} field {n}: {:?}",
                autotext.name,
                out.events
            );
        }
        let note = i.finish();
        let (heading, sentence) = note.sentences().next().expect("inserted sentence");
        assert_eq!(sentence.flags.unfilled_fields, 0, "{}", autotext.name);
        assert!(
            !sentence.text.contains('['),
            "{}: {}",
            autotext.name,
            sentence.text
        );
        assert!(
            !sentence.text.contains('{'),
            "{}: {}",
            autotext.name,
            sentence.text
        );
        if let Some(h) = &autotext.heading {
            assert_eq!(&heading.name, h, "{}", autotext.name);
        }
        for options in fields.iter().filter(|o| !o.is_empty()) {
            let last = options.last().map(String::as_str).unwrap_or("");
            assert!(
                sentence.text.contains(last),
                "{}: {} lacks {last:?}",
                autotext.name,
                sentence.text
            );
        }
    }
}

#[test]
fn shipped_autotexts_are_found_by_their_aliases() {
    let lib = library();
    for autotext in lib.effective() {
        for alias in &autotext.aliases {
            let words: Vec<&str> = alias.split_whitespace().collect();
            match lib.find(&words) {
                dikta_engine::autotext::NameMatch::Found {
                    autotext: found, ..
                } => {
                    assert_eq!(found.name, autotext.name, "alias {alias:?}")
                }
                other => panic!("alias {alias:?} of {}: {other:?}", autotext.name),
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
