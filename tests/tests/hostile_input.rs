//! The bad-input table (issue 7): every row is hostile or broken input that must give a
//! clear error (or a sensible result) and never a panic, and must not lose anything already
//! dictated. Audio files are made with sox in a temporary folder.

mod common;
#[path = "../src/script.rs"]
mod script;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dikta_engine::asr::{AsrError, DecodeOptions, Segment, Transcript};
use dikta_engine::audio::AudioFileReader;
use dikta_engine::session::{Recognizer, Session, SessionOptions};
use dikta_engine::store::{
    DataDirs, DictationDraft, Draft, KeyBackend, Storage, StorageError, StorageOptions,
};

fn sox(args: &[&str]) {
    let out = Command::new("sox")
        .args(args)
        .output()
        .expect("sox is needed for the bad-input table (apt-get install sox)");
    assert!(
        out.status.success(),
        "sox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Decode a whole file with the streaming reader: (sample rate, mono samples) or the error.
fn decode(path: &Path) -> Result<(u32, usize), String> {
    let mut r = AudioFileReader::open(path).map_err(|e| e.to_string())?;
    let rate = r.info().sample_rate;
    let mut n = 0;
    while let Some(chunk) = r.next_chunk().map_err(|e| e.to_string())? {
        n += chunk.len();
    }
    Ok((rate, n))
}

/// Run `f` and turn a panic into a failure naming the row.
fn row<T>(name: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => panic!("row {name:?} panicked"),
    }
}

#[test]
fn broken_audio_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sample = common::repo_root().join("samples/dictation-da.wav");
    let good = std::fs::read(&sample).unwrap();

    let empty = d.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let header_only = d.join("header-only.wav");
    std::fs::write(&header_only, &good[..44]).unwrap();
    let truncated = d.join("truncated.wav");
    std::fs::write(&truncated, &good[..good.len() * 6 / 10]).unwrap();
    let odd_cut = d.join("odd-cut.wav");
    std::fs::write(&odd_cut, &good[..good.len() / 2 + 1]).unwrap();
    let random = d.join("random.wav");
    let noise: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&random, &noise).unwrap();
    let mut middle = good.clone();
    let m = middle.len() / 2;
    middle[m..m + 4000].copy_from_slice(&noise[..4000]);
    let corrupt_middle = d.join("corrupt-middle.wav");
    std::fs::write(&corrupt_middle, &middle).unwrap();
    let text_as_mp3 = d.join("notes.mp3");
    std::fs::write(&text_as_mp3, "Borgeren har sovet godt.\n".repeat(100)).unwrap();
    let flac_as_wav = d.join("really-flac.wav");
    let flac = d.join("x.flac");
    sox(&[sample.to_str().unwrap(), flac.to_str().unwrap()]);
    std::fs::copy(&flac, &flac_as_wav).unwrap();
    let wav_as_mp3 = d.join("really-wav.mp3");
    std::fs::copy(&sample, &wav_as_mp3).unwrap();
    let missing = d.join("does-not-exist.wav");
    let a_folder = d.to_path_buf();

    // (row, file, expectation)
    enum Want {
        Error(&'static str),
        Samples,
        AnyNoPanic,
    }
    let rows: Vec<(&str, PathBuf, Want)> = vec![
        ("empty file", empty, Want::Error("empty")),
        ("header only", header_only, Want::AnyNoPanic),
        ("truncated", truncated, Want::Samples),
        ("cut mid-sample", odd_cut, Want::Samples),
        (
            "random bytes",
            random,
            Want::Error("not a supported audio file"),
        ),
        ("corrupt middle", corrupt_middle, Want::Samples),
        (
            "text named .mp3",
            text_as_mp3,
            Want::Error("not a supported audio file"),
        ),
        ("FLAC named .wav", flac_as_wav, Want::Samples),
        ("WAV named .mp3", wav_as_mp3, Want::Samples),
        ("missing file", missing, Want::Error("cannot open")),
        ("a folder", a_folder, Want::Error("")),
    ];
    for (name, path, want) in rows {
        let got = row(name, || decode(&path));
        match (want, &got) {
            (Want::Error(text), Err(e)) => {
                assert!(e.contains(text), "{name}: {e}");
                assert!(
                    e.contains(&path.file_name().unwrap().to_string_lossy().to_string()),
                    "{name}: the error should name the file: {e}"
                );
            }
            (Want::Samples, Ok((_, n))) => assert!(*n > 16_000, "{name}: only {n} samples"),
            (Want::AnyNoPanic, _) => {}
            (_, got) => panic!("{name}: unexpected {got:?}"),
        }
        eprintln!("{name:>18}: {got:?}");
    }
}

#[test]
fn every_sample_rate_from_8_to_192_khz_and_1_to_8_channels_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let rates = [
        8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000,
    ];
    let channels = [1, 2, 4, 6, 8];
    for rate in rates {
        for ch in channels {
            let path = dir.path().join(format!("tone-{rate}-{ch}.wav"));
            sox(&[
                "-n",
                "-r",
                &rate.to_string(),
                "-c",
                &ch.to_string(),
                "-b",
                "16",
                path.to_str().unwrap(),
                "synth",
                "0.5",
                "sine",
                "440",
            ]);
            let name = format!("{rate} Hz, {ch} ch");
            let (got_rate, n) =
                row(&name, || decode(&path)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got_rate, rate, "{name}");
            assert!(
                (n as i64 - rate as i64 / 2).abs() <= rate as i64 / 100,
                "{name}: {n} mono samples"
            );
            let mono = row(&name, || dikta_engine::audio::load_16k_mono(&path))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                (mono.len() as i64 - 8000).abs() <= 200,
                "{name}: {} samples at 16 kHz",
                mono.len()
            );
            assert!(mono.iter().all(|s| s.is_finite()));
        }
    }
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[test]
fn a_two_hour_file_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two-hours.wav");
    // 2 h at 8 kHz mono, 16-bit: 115 MB, made here and deleted with the folder.
    sox(&[
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        "-b",
        "16",
        path.to_str().unwrap(),
        "synth",
        "7200",
        "sine",
        "300",
        "vol",
        "0.3",
    ]);
    let before = peak_rss_mib();
    let started = std::time::Instant::now();
    let (rate, n) = decode(&path).expect("decode 2 h");
    let grew = peak_rss_mib() - before;
    eprintln!(
        "2 h file: {n} samples at {rate} Hz decoded in {:.1} s, peak memory grew {grew:.1} MiB",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(n, 7200 * 8000);
    assert!(
        grew < 64.0,
        "streaming a 2 h file grew memory by {grew:.0} MiB"
    );
}

/// A recogniser that counts its calls and hears one fixed sentence.
struct Counting(AtomicUsize);

impl Recognizer for Counting {
    fn recognize(&self, samples: Vec<f32>, _: &DecodeOptions) -> Result<Transcript, AsrError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Transcript {
            segments: vec![Segment {
                start_s: 0.0,
                end_s: samples.len() as f64 / 16_000.0,
                text: "Borgeren har sovet uroligt i nat punktum".into(),
                no_speech_prob: 0.0,
            }],
        })
    }
}

fn push_file(session: &mut Session, path: &Path) -> Result<(), String> {
    let mut r = AudioFileReader::open(path).map_err(|e| e.to_string())?;
    let rate = r.info().sample_rate;
    while let Some(chunk) = r.next_chunk().map_err(|e| e.to_string())? {
        session
            .push_audio(&chunk, rate)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[test]
fn silence_clipping_and_bad_audio_mid_session_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let silence = d.join("silence.wav");
    sox(&[
        "-n",
        "-r",
        "44100",
        "-c",
        "2",
        silence.to_str().unwrap(),
        "trim",
        "0",
        "20",
    ]);
    let clipped = d.join("clipped.wav");
    let sample = common::repo_root().join("samples/dictation-da.wav");
    sox(&[
        sample.to_str().unwrap(),
        clipped.to_str().unwrap(),
        "gain",
        "30",
    ]);
    let corrupt = d.join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk").unwrap();

    // Silence alone: the recogniser is never asked, no text, no error.
    let recognizer = Arc::new(Counting(AtomicUsize::new(0)));
    let (mut session, _events) =
        Session::start(recognizer.clone(), SessionOptions::default()).unwrap();
    push_file(&mut session, &silence).unwrap();
    let summary = session.finish().unwrap();
    assert_eq!(summary.text, "");
    assert_eq!(
        recognizer.0.load(Ordering::SeqCst),
        0,
        "silence was decoded"
    );

    // A session: clipped speech, then a corrupt file, then NaN samples, then silence.
    let root = tempfile::tempdir().unwrap();
    let (storage, _) = Storage::open(&StorageOptions {
        dirs: Some(DataDirs::under(root.path())),
        key_backend: KeyBackend::File,
        ..StorageOptions::default()
    })
    .unwrap();
    let mut draft = DictationDraft::with_storage(script::interpreter(None), &storage);
    let recognizer = Arc::new(Counting(AtomicUsize::new(0)));
    let (mut session, mut events) = Session::start(recognizer, SessionOptions::default()).unwrap();
    push_file(&mut session, &clipped).expect("clipped audio is still audio");
    let bad = push_file(&mut session, &corrupt).unwrap_err();
    assert!(bad.contains("corrupt.wav"), "{bad}");
    let nan = session
        .push_audio(&[0.0, f32::NAN, 0.1], 16_000)
        .unwrap_err();
    assert!(nan.to_string().contains("NaN"), "{nan}");
    let zero = session.push_audio(&[0.0; 10], 0).unwrap_err();
    assert!(zero.to_string().contains("zero"), "{zero}");
    push_file(&mut session, &silence).unwrap();
    session.finish().unwrap();
    while let Some(ev) = events.blocking_recv() {
        draft.on_event(&ev);
    }
    let (note, saved) = draft.finish();
    saved.unwrap();
    assert!(
        note.plain_text().contains("uroligt"),
        "{}",
        note.plain_text()
    );
    let on_disk = storage.drafts().unwrap().load(note.id).unwrap().unwrap();
    assert_eq!(on_disk.note, note);
}

#[test]
fn broken_and_wrong_model_files_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rows: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();
    let empty = d.join("ggml-empty.bin");
    std::fs::write(&empty, b"").unwrap();
    rows.push(("empty model", empty, vec![]));
    let text = d.join("ggml-text.bin");
    std::fs::write(&text, "this is not a model\n".repeat(1000)).unwrap();
    rows.push(("not a model", text, vec![]));
    let header = d.join("ggml-header-only.bin");
    let mut h = b"lmgg".to_vec();
    for v in [51865i32, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(&header, &h).unwrap();
    rows.push(("header without weights", header, vec![]));
    rows.push(("missing model", d.join("ggml-missing.bin"), vec![]));
    if let Some(real) = common::installed_model("base-q8_0") {
        let bytes = std::fs::read(&real).unwrap();
        let truncated = d.join("ggml-truncated.bin");
        std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
        rows.push(("truncated model", truncated, vec![]));
        // The English-only vocabulary (51864 tokens): a model that cannot write Danish.
        let mut english = bytes.clone();
        english[4..8].copy_from_slice(&51864i32.to_le_bytes());
        let english_path = d.join("ggml-english-only.bin");
        std::fs::write(&english_path, &english).unwrap();
        rows.push(("English-only vocabulary", english_path, vec![]));
    }
    for (name, path, words) in rows {
        let got = row(name, || dikta_engine::asr::Transcriber::load(&path));
        match got {
            Ok(_) => panic!("{name}: a broken model was accepted"),
            Err(e) => {
                let msg = e.to_string();
                let file = path.file_name().unwrap().to_string_lossy().to_string();
                assert!(
                    msg.contains(&file),
                    "{name}: error should name the file: {msg}"
                );
                for w in words {
                    assert!(msg.contains(w), "{name}: {msg}");
                }
                eprintln!("{name:>24}: {msg}");
            }
        }
    }
}

#[test]
fn malformed_autotext_toml_is_reported_with_file_and_line() {
    use dikta_engine::autotext::Library;
    use dikta_engine::headings::HeadingTable;
    let cases: &[(&str, &str)] = &[
        (
            "unclosed string",
            "[[autotext]]\nname = \"morgenpleje\ntext = \"x\"\n",
        ),
        ("not TOML", "}}}} ][\n\0\0"),
        ("wrong type", "[[autotext]]\nname = 5\ntext = [1, 2]\n"),
        (
            "unclosed field",
            "[[autotext]]\nname = \"a\"\ntext = \"Humør [godt|dårligt\"\n",
        ),
        ("no name", "[[autotext]]\ntext = \"x\"\n"),
        // Found by the autotext fuzz target: toml places this error inside the multi-byte
        // character after the backslash; the line lookup sliced the text there and panicked.
        ("bad escape, ø", "[[autotext]]\nname = \"\\ø\"\n"),
        ("bad escape, U+FFFD", "\"\\\u{FFFD}"),
        (
            "unknown heading",
            "[[autotext]]\nname = \"b\"\nheading = \"Findes ikke\"\ntext = \"x\"\n",
        ),
        (
            "huge",
            &"[[autotext]]\nname = \"x\"\ntext = \"y\"\n".repeat(2_000),
        ),
    ];
    for (name, src) in cases {
        let lib = row(name, || {
            let mut lib = Library::new();
            lib.add_source(src, "site.toml", HeadingTable::fsiii());
            lib
        });
        if *name != "huge" {
            assert!(!lib.problems().is_empty(), "{name}: no problem reported");
            let p = lib.problems()[0].to_string();
            assert!(p.contains("site.toml"), "{name}: {p}");
            eprintln!("{name:>16}: {p}");
        }
    }
    // The dictation goes on with the autotexts that did load.
    let mut lib = Library::new();
    lib.add_source(cases[0].1, "site.toml", HeadingTable::fsiii());
    lib.add_source(script::LIB, "team.toml", HeadingTable::fsiii());
    let mut i = dikta_engine::interpret::Interpreter::new(
        dikta_engine::interpret::InterpreterConfig::new("Anna", script::chrono_now())
            .with_autotexts(lib),
    );
    i.push("indsæt morgenpleje");
    assert!(i.note().plain_text().contains("Morgenpleje udført"));
}

#[test]
fn damaged_drafts_are_refused_never_parsed() {
    let root = tempfile::tempdir().unwrap();
    let options = StorageOptions {
        dirs: Some(DataDirs::under(root.path())),
        key_backend: KeyBackend::File,
        ..StorageOptions::default()
    };
    let (storage, _) = Storage::open(&options).unwrap();
    let drafts = storage.drafts().unwrap();
    let mut i = script::interpreter(None);
    for p in script::PIECES {
        i.push(p);
    }
    let note = i.note().clone();
    let file = drafts.dir().join(format!("{}.sealed", note.id));
    type Damage<'a> = (&'a str, &'a dyn Fn(&mut Vec<u8>));
    let damage: &[Damage] = &[
        ("flipped bit", &|b| {
            let n = b.len() / 3;
            b[n] ^= 1
        }),
        ("truncated", &|b| b.truncate(b.len() / 2)),
        ("emptied", &|b| b.clear()),
        ("appended", &|b| b.extend_from_slice(b"more")),
        ("header only", &|b| b.truncate(40)),
        ("plaintext JSON instead", &|b| {
            *b = br#"{"format":1,"note":{}}"#.to_vec()
        }),
    ];
    for (name, f) in damage {
        drafts.save(&Draft::new(note.clone(), 1)).unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        f(&mut bytes);
        std::fs::write(&file, &bytes).unwrap();
        let got = row(name, || drafts.load(note.id));
        match got {
            Err(StorageError::Tampered {
                moved_to: Some(_), ..
            }) => {}
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        assert!(
            !file.exists(),
            "{name}: the damaged draft was not moved aside"
        );
    }
    assert_eq!(drafts.quarantined().len(), damage.len());
}

/// Whether this process may create mount namespaces (root, or user namespaces allowed).
fn mount_namespaces() -> bool {
    let ok = Command::new("unshare")
        .args(["-m", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let required = ["DIKTA_REQUIRE_NAMESPACES", "DIKTA_REQUIRE_NETNS"]
            .iter()
            .any(|v| std::env::var(v).as_deref() == Ok("1"));
        assert!(
            !required,
            "mount namespaces are required but `unshare -m` fails"
        );
        eprintln!("SKIP: cannot create a mount namespace here (unshare -m)");
    }
    ok
}

/// Run the scripted dictation with the data folder on a tmpfs prepared by `setup` (shell),
/// inside a private mount namespace. Returns (stdout, stderr, success).
fn dictate_on_broken_disk(setup: &str) -> (String, String, bool) {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let data = r.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let id = uuid::Uuid::new_v4();
    let script = format!(
        "set -e; mount -t tmpfs -o size=256k tmpfs \"$XDG_DATA_HOME\"; \
         \"$DIKTA\" drafts info >/dev/null 2>&1; {setup}; \
         exec \"$CHILD\" script 0 {id}"
    );
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env("XDG_DATA_HOME", &data)
        .env("XDG_CONFIG_HOME", r.join("config"))
        .env("XDG_STATE_HOME", r.join("state"))
        .env("XDG_CACHE_HOME", r.join("cache"))
        .env("HOME", r.join("home"))
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("DIKTA", common::dikta_bin())
        .env("CHILD", env!("CARGO_BIN_EXE_dikta-test-child"))
        .output()
        .expect("unshare");
    let expected = {
        let mut i = script::interpreter(Some(id));
        for p in script::PIECES {
            i.push(p);
        }
        dikta_engine::export::note_digest(&i.finish())
    };
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    // Nothing dictated is lost: the finished note is complete (in memory).
    assert!(
        stdout.contains(&format!("done {expected}")),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    (stdout, stderr, out.status.success())
}

#[test]
fn a_full_disk_keeps_dictating_in_memory_and_warns() {
    if !mount_namespaces() {
        return;
    }
    let (_, stderr, ok) = dictate_on_broken_disk(
        "dd if=/dev/zero of=\"$XDG_DATA_HOME/filler\" bs=4k 2>/dev/null || true",
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("disk is full"), "{stderr}");
    assert!(stderr.contains("kept in memory"), "{stderr}");
    assert_eq!(
        stderr.matches("cannot be saved").count(),
        1,
        "warn once: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_read_only_disk_keeps_dictating_in_memory_and_warns() {
    if !mount_namespaces() {
        return;
    }
    let (_, stderr, ok) = dictate_on_broken_disk("mount -o remount,ro \"$XDG_DATA_HOME\"");
    assert!(ok, "{stderr}");
    assert!(stderr.contains("read-only"), "{stderr}");
    assert!(stderr.contains("kept in memory"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_cli_reports_bad_audio_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, [0x55u8; 4096]).unwrap();
    for file in [&empty, &junk] {
        for cmd in ["transcribe", "dictate"] {
            let mut c = Command::new(common::dikta_bin());
            c.arg(cmd);
            if cmd == "dictate" {
                c.arg("--input");
            }
            let out = c.arg(file).output().expect("dikta");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{cmd} {}: {err}",
                file.display()
            );
            assert!(err.contains("dikta: error:"), "{err}");
            assert!(err.contains(&file.file_name().unwrap().to_string_lossy().to_string()));
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

/// Found by the `audio_decode` fuzz target: symphonia panicked inside its ADTS probe.
#[test]
fn a_decoder_panic_on_a_hostile_file_becomes_an_error() {
    for name in [
        "audio-symphonia-adts-overflow.flac",
        "audio-symphonia-adts-step-zero.aac",
    ] {
        let input = common::repo_root().join("fuzz/regressions").join(name);
        let got = catch_unwind(AssertUnwindSafe(|| decode(&input)));
        assert!(got.is_ok(), "decoding {name} panicked");
        eprintln!("{name}: {:?}", got.ok());
    }
}
