//! A small dictation process for the privacy and crash tests (`tests/tests/privacy.rs`):
//! it writes drafts through the engine's storage exactly as `dikta dictate` and the app do,
//! and is killed, jailed without network, or given a broken disk by the tests.
//!
//! Modes:
//! - `script PACE_MS NOTE_ID`: feed the fixed dictation below piece by piece, waiting for each
//!   draft write, printing `saved <n> <note digest>` after each, then `done <digest>`.
//! - `session WAV [MODEL]`: a whole live session over an audio file (whisper when MODEL is
//!   given, else a scripted recogniser), its draft saved on every change, then the note
//!   queued in the encrypted outbox; prints `note <id>` and `text <plain text>`.
//!
//! Storage goes to the XDG folders of the environment. Storage notices go to stderr.

use std::sync::Arc;

use dikta_engine::asr::{AsrError, DecodeOptions, Segment, Transcript};
use dikta_engine::interpret::Interpreter;
use dikta_engine::session::{Recognizer, Session, SessionOptions};
use dikta_engine::store::{DictationDraft, Storage, StorageOptions};

#[path = "../script.rs"]
mod script;

use script::{interpreter, PIECES};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("script") => script(&args[1..]),
        Some("session") => session(&args[1..]),
        _ => Err("usage: dikta-test-child script PACE_MS NOTE_ID | session WAV [MODEL]".into()),
    };
    if let Err(e) = result {
        eprintln!("dikta-test-child: error: {e}");
        std::process::exit(1);
    }
}

fn open_storage() -> Result<Option<Storage>, String> {
    match Storage::open(&StorageOptions::from_env()) {
        Ok((s, notices)) => {
            for n in notices {
                eprintln!("dikta: note: {n}");
            }
            Ok(Some(s))
        }
        Err(e) => {
            // As the CLI does: dictation goes on in memory.
            eprintln!("dikta: note: drafts cannot be saved ({e}); the note is kept in memory");
            Ok(None)
        }
    }
}

fn draft_for(interpreter: Interpreter, storage: Option<&Storage>) -> DictationDraft {
    match storage {
        Some(s) => DictationDraft::with_storage_and_notices(
            interpreter,
            s,
            Arc::new(|n| eprintln!("dikta: note: {n}")),
        ),
        None => DictationDraft::new(interpreter, None),
    }
}

fn script(args: &[String]) -> Result<(), String> {
    let pace: u64 = args
        .first()
        .and_then(|p| p.parse().ok())
        .ok_or("PACE_MS missing")?;
    let id = args
        .get(1)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .ok_or("NOTE_ID missing")?;
    let storage = open_storage()?;
    let mut draft = draft_for(interpreter(Some(id)), storage.as_ref());
    for (n, piece) in PIECES.iter().enumerate() {
        draft.push(piece);
        // Wait for the write so the test knows what is on disk (a real session does not).
        if let Some(status) = draft.autosave_status() {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            while draft.autosave_status().map(|s| s.saved_revision) < Some(status.latest_revision)
                && !draft.autosave_status().is_some_and(|s| s.in_memory_only)
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        println!(
            "saved {} {}",
            n + 1,
            dikta_engine::export::note_digest(draft.note())
        );
        std::thread::sleep(std::time::Duration::from_millis(pace));
    }
    let (note, saved) = draft.finish();
    if let Err(e) = saved {
        eprintln!("dikta: note: final draft only in memory: {e}");
    }
    println!("done {}", dikta_engine::export::note_digest(&note));
    Ok(())
}

/// A recogniser that "hears" the scripted dictation, one piece per decode of new audio.
struct Scripted;

impl Recognizer for Scripted {
    fn recognize(
        &self,
        samples: Vec<f32>,
        _options: &DecodeOptions,
    ) -> Result<Transcript, AsrError> {
        let text = "Borgeren har sovet uroligt i nat og har et tryksår på venstre hæl punktum";
        Ok(Transcript {
            segments: vec![Segment {
                start_s: 0.0,
                end_s: samples.len() as f64 / 16_000.0,
                text: text.to_string(),
                no_speech_prob: 0.0,
            }],
        })
    }
}

fn session(args: &[String]) -> Result<(), String> {
    let wav = args.first().ok_or("WAV missing")?;
    let recognizer: Arc<dyn Recognizer> = match args.get(1) {
        Some(model) => Arc::new(
            dikta_engine::asr::Transcriber::load(std::path::Path::new(model))
                .map_err(|e| e.to_string())?,
        ),
        None => Arc::new(Scripted),
    };
    let storage = open_storage()?;
    let mut draft = draft_for(interpreter(None), storage.as_ref());
    let (mut session, mut events) =
        Session::start(recognizer, SessionOptions::default()).map_err(|e| e.to_string())?;
    let mut reader = dikta_engine::audio::AudioFileReader::open(std::path::Path::new(wav))
        .map_err(|e| e.to_string())?;
    let rate = reader.info().sample_rate;
    while let Some(chunk) = reader.next_chunk().map_err(|e| e.to_string())? {
        session
            .push_audio(&chunk, rate)
            .map_err(|e| e.to_string())?;
        while let Ok(ev) = events.try_recv() {
            draft.on_event(&ev);
        }
    }
    let _summary = session.finish().map_err(|e| e.to_string())?;
    while let Some(ev) = events.blocking_recv() {
        draft.on_event(&ev);
    }
    let (note, saved) = draft.finish();
    if let Err(e) = saved {
        eprintln!("dikta: note: final draft only in memory: {e}");
    }
    if let Some(storage) = &storage {
        let outbox = storage.outbox().map_err(|e| e.to_string())?;
        let entry = outbox
            .enqueue(
                &note,
                dikta_engine::export::Format::Json,
                "https://journal.example.invalid/notes",
                &dikta_engine::export::ExportOptions::default(),
            )
            .map_err(|e| e.to_string())?;
        dikta_engine::delivery::audit_queued(&storage.audit_log(), &entry);
    }
    println!("note {}", note.id);
    println!("text {}", note.plain_text().replace('\n', " "));
    Ok(())
}
