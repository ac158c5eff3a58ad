//! `dikta transcribe` as a user runs it: real files, real model, real binary.

mod common;

use std::process::Command;

fn dikta() -> Command {
    Command::new(common::dikta_bin())
}

fn sample(name: &str) -> std::path::PathBuf {
    common::repo_root().join(name)
}

fn lower(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

#[test]
fn transcribes_real_danish_speech_to_danish_text() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    let file = shared.join("eval/da-read/audio/udhr_da_part5.wav");
    let out = dikta()
        .args(["transcribe", "--model", "base-q8_0"])
        .arg(&file)
        .output()
        .expect("dikta runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "da det er af afgørende betydning at fremme udviklingen af venskabelige
    // forhold mellem nationerne": base gets these words right.
    let text = lower(&out);
    for word in ["betydning", "venskab", "forhold"] {
        assert!(text.contains(word), "missing {word:?} in {text:?}");
    }
}

#[test]
fn the_bundled_sample_gives_timed_segments_without_loops() {
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    let out = dikta()
        .args(["transcribe", "--json"])
        .arg(sample("samples/dictation-da.wav"))
        .output()
        .expect("dikta runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let segments = doc["segments"].as_array().expect("segments array");
    assert!(!segments.is_empty(), "{doc}");
    let mut last_start = 0.0;
    for seg in segments {
        let start = seg["start_s"].as_f64().expect("start_s");
        let end = seg["end_s"].as_f64().expect("end_s");
        assert!(
            start >= last_start && end >= start,
            "segments out of order: {seg}"
        );
        assert!(end <= 27.5, "segment beyond the 27 s file: {seg}");
        last_start = start;
    }
    let text = doc["text"].as_str().expect("text");
    // The robotic espeak-ng voice is hard for Whisper base, which tends to
    // loop on it; the transcriber must cut such loops.
    assert!(text.split_whitespace().count() >= 8, "{text}");
    assert!(
        !dikta_engine::asr::repetition::has_loop(text),
        "looping output: {text}"
    );
}

#[test]
fn mp3_and_m4a_recordings_are_transcribed() {
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    for file in ["short-44k-stereo.mp3", "short-48k-stereo.m4a"] {
        let out = dikta()
            .arg("transcribe")
            .arg(sample(&format!("tests/data/{file}")))
            .output()
            .expect("dikta runs");
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = lower(&out);
        // "... og forbindingen er skiftet": base hears the last word.
        assert!(text.contains("skift"), "{file}: {text}");
    }
}

#[test]
fn empty_corrupt_and_non_audio_files_get_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("tom.wav");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.path().join("notat.mp3");
    std::fs::write(&text, "Borgeren har det godt. ".repeat(100)).expect("write");
    let missing = dir.path().join("findes-ikke.wav");
    for (file, expect) in [
        (&empty, "empty"),
        (&text, "not a supported audio file"),
        (&missing, "cannot open"),
    ] {
        let out = dikta()
            .arg("transcribe")
            .arg(file)
            .output()
            .expect("dikta runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file:?} must fail");
        assert!(stderr.contains(expect), "{file:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn silence_gives_an_empty_transcript_not_invented_text() {
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stille.wav");
    write_silence_wav(&path, 16_000, 5.0);
    let out = dikta()
        .arg("transcribe")
        .arg(&path)
        .output()
        .expect("dikta runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "");
}

fn write_silence_wav(path: &std::path::Path, rate: u32, seconds: f32) {
    let n = (rate as f32 * seconds) as u32;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + n * 2).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(n * 2).to_le_bytes());
    bytes.resize(bytes.len() + (n * 2) as usize, 0);
    std::fs::write(path, bytes).expect("write wav");
}
