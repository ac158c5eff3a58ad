//! Fuzz checks for Dikta's hostile-input surfaces, shared by the libFuzzer targets
//! (`fuzz_targets/`, nightly + cargo-fuzz) and a stable driver (`cargo test --lib`, see
//! [`driver`]) that mutates seed inputs for a fixed time where no nightly toolchain exists.
//!
//! Each check takes arbitrary bytes and must never panic, hang or allocate without bound.

use std::path::PathBuf;
use std::sync::OnceLock;

use dikta_engine::audio::{AudioFileReader, StreamResampler};
use dikta_engine::autotext::Library;
use dikta_engine::export::{self, ExportOptions, Format};
use dikta_engine::headings::HeadingTable;
use dikta_engine::interpret::{Interpreter, InterpreterConfig};
use dikta_engine::journal::{JournalNote, SentenceId};
use dikta_engine::store::crypto::{self, MasterKey, OpenError};
use dikta_engine::store::Draft;

pub mod driver;

/// The shipped autotext library, as the interpreter target uses it.
const SHIPPED: &str = include_str!("../../autotexts/hjemmepleje.toml");

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2025-03-12T14:30:00+01:00").expect("fixed time")
}

fn config() -> &'static InterpreterConfig {
    static CONFIG: OnceLock<InterpreterConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let mut lib = Library::new();
        lib.add_source(SHIPPED, "hjemmepleje.toml", HeadingTable::fsiii());
        InterpreterConfig::new("Fuzz", now()).with_autotexts(lib)
    })
}

/// Check what every note must satisfy (cheap; after every piece).
fn check_invariants(note: &JournalNote) {
    let mut ids: Vec<SentenceId> = note.sentences().map(|(_, s)| s.id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate sentence ids");
    for (_, s) in note.sentences() {
        for f in &s.fields {
            assert!(
                f.start <= f.end && f.end <= s.text.len(),
                "field outside its text"
            );
            assert!(s.text.is_char_boundary(f.start) && s.text.is_char_boundary(f.end));
        }
    }
}

/// [`check_invariants`], a JSON round trip, and every exporter.
fn check_note(note: &JournalNote) {
    check_invariants(note);
    let json = serde_json::to_string(note).expect("note serialises");
    let back: JournalNote = serde_json::from_str(&json).expect("note parses back");
    assert_eq!(&back, note, "JSON round trip changed the note");
    let _ = note.plain_text();
    for format in Format::ALL {
        let _ = export::render(note, format, &ExportOptions::default());
    }
}

/// The interpreter on arbitrary transcript text: each line is one committed piece; a line
/// starting with `\u{1}` is "undo", `\u{2}` moves the first sentence.
pub fn interpreter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut i = Interpreter::new(config().clone());
    for piece in text.split('\n').take(64) {
        if piece.starts_with('\u{1}') {
            let _ = i.undo();
        } else if let Some(heading) = piece.strip_prefix('\u{2}') {
            let first = i.note().sentences().map(|(_, s)| s.id).next();
            if let Some(id) = first {
                let _ = i.move_sentence(id, heading);
            }
        } else {
            let _ = i.push(piece);
        }
        check_invariants(i.note());
    }
    check_note(&i.finish());
}

/// The autotext parser on arbitrary TOML; every autotext that loads is then inserted and
/// its fields filled by voice.
pub fn autotext(data: &[u8]) {
    let src = String::from_utf8_lossy(data);
    let mut lib = Library::new();
    lib.add_source(&src, "fuzz.toml", HeadingTable::fsiii());
    for p in lib.problems() {
        let _ = p.to_string();
    }
    let names: Vec<String> = lib.effective().take(4).map(|a| a.name.clone()).collect();
    for a in lib.all() {
        let _ = (a.parts().len(), a.field_count());
    }
    let mut i = Interpreter::new(InterpreterConfig::new("Fuzz", now()).with_autotexts(lib));
    for name in names {
        i.push(&format!("indsæt {name}"));
        i.push("næste felt godt");
        i.push("bekræft standardværdier");
    }
    check_note(&i.finish());
}

const DRAFT_NAME: &str = "5b0f3f58-0d38-4b8e-9a47-3c2f1e0c9a11";

fn key() -> &'static MasterKey {
    static KEY: OnceLock<MasterKey> = OnceLock::new();
    KEY.get_or_init(|| MasterKey::from_bytes([7; 32]))
}

/// A valid sealed draft, for mutation.
pub fn sealed_draft() -> &'static [u8] {
    static SEALED: OnceLock<Vec<u8>> = OnceLock::new();
    SEALED.get_or_init(|| {
        let mut i = Interpreter::new(config().clone());
        i.push("Borgeren har sovet uroligt i nat punktum");
        i.push("indsæt morgenpleje");
        let draft = Draft::new(i.finish(), 1);
        let json = serde_json::to_vec(&draft).expect("draft serialises");
        crypto::seal(key(), "draft", DRAFT_NAME, &json).expect("seal")
    })
}

/// The draft decoder: arbitrary bytes as a sealed draft file (must be refused), bytes XORed
/// into a valid sealed draft (refused unless unchanged), and arbitrary bytes as the
/// decrypted JSON (parsed or rejected, never a panic).
pub fn draft_decoder(data: &[u8]) {
    match crypto::open(key(), "draft", DRAFT_NAME, data) {
        Ok(_) => assert_eq!(data, sealed_draft(), "arbitrary bytes authenticated"),
        Err(OpenError::Tampered) | Err(OpenError::WrongKey) => {}
    }
    let valid = sealed_draft();
    let mut mutated = valid.to_vec();
    for (i, b) in data.iter().enumerate() {
        let at = (i * 7919 + usize::from(*b)) % mutated.len();
        mutated[at] ^= b;
    }
    if data.len() % 5 == 1 {
        mutated.truncate(data.len() % mutated.len());
    }
    match crypto::open(key(), "draft", DRAFT_NAME, &mutated) {
        Ok(plain) => {
            assert_eq!(mutated, valid, "a changed draft authenticated");
            let d: Draft = serde_json::from_slice(&plain).expect("valid draft parses");
            check_note(&d.note);
        }
        Err(_) => assert_ne!(mutated, valid, "an unchanged draft was refused"),
    }
    if let Ok(d) = serde_json::from_slice::<Draft>(data) {
        let json = serde_json::to_vec(&d).expect("draft serialises");
        let back: Draft = serde_json::from_slice(&json).expect("draft parses back");
        assert_eq!(back, d);
        check_note(&d.note);
    }
}

fn scratch_file(ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dikta-fuzz-{}.{ext}", std::process::id()))
}

/// The audio decoding front on arbitrary file content (under a name whose extension is
/// picked by the first byte), resampled to 16 kHz as a session would.
pub fn audio_decode(data: &[u8]) {
    let ext =
        ["wav", "mp3", "flac", "ogg", "m4a", "bin"][usize::from(*data.first().unwrap_or(&0)) % 6];
    let path = scratch_file(ext);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    // symphonia panics on some hostile files (repros in fuzz/regressions/); the decoding
    // front turns such panics into "corrupt file" errors with catch_unwind. libFuzzer's
    // panic hook would abort before the unwind gets there, so panics raised inside
    // symphonia are let through to it; DIKTA_FUZZ_STRICT=1 reports them as crashes instead.
    if std::env::var("DIKTA_FUZZ_STRICT").as_deref() != Ok("1") {
        tolerate_symphonia_panics();
    }
    decode_front(&path);
    let _ = std::fs::remove_file(&path);
}

/// Install (once) a panic hook that lets panics raised inside symphonia unwind quietly
/// (to the decoding front's `catch_unwind`) and hands every other panic to the previous hook (which,
/// under libFuzzer, aborts: a crash).
fn tolerate_symphonia_panics() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Raised in symphonia itself, or in core code symphonia called (step_by(0)).
            let in_symphonia = info
                .location()
                .is_some_and(|l| l.file().contains("symphonia"))
                || std::backtrace::Backtrace::force_capture()
                    .to_string()
                    .contains("symphonia");
            if !in_symphonia {
                previous(info);
            }
        }));
    });
}

fn decode_front(path: &std::path::Path) {
    if let Ok(mut reader) = AudioFileReader::open(path) {
        let rate = reader.info().sample_rate;
        // The decoder refuses header rates outside 1 kHz..768 kHz (beyond them rubato's FFT
        // sizes explode); the resampler refuses them too.
        assert!((1_000..=768_000).contains(&rate), "implausible rate {rate} accepted");
        let mut resampler = StreamResampler::new(rate, 16_000).ok();
        let mut total = 0usize;
        let mut chunks = 0usize;
        while let Ok(Some(chunk)) = reader.next_chunk() {
            total += chunk.len();
            chunks += 1;
            assert!(chunks < 1_000_000, "endless stream of chunks");
            if let Some(r) = resampler.as_mut() {
                if chunk.iter().all(|s| s.is_finite()) && r.push(&chunk).is_err() {
                    break;
                }
            }
            // A tiny file that claims hours of audio must not keep us here.
            if total > 4_000_000 {
                break;
            }
        }
        if let Some(r) = resampler.as_mut() {
            let _ = r.finish();
        }
    }
}
