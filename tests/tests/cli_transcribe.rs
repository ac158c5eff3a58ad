//! `dikta transcribe` as a user runs it: real files, real model, real binary.

mod common;

use std::process::Command;

fn dikta() -> Command {
    Command::new(common::dikta_bin())
}

fn sample(name: &str) -> std::path::PathBuf {
    common::repo_root().join(name)
}

/// Danish words of the bundled sample dictation that base Whisper gets right.
const SAMPLE_WORDS: &[&str] = &["borgeren", "venstre", "forbindingen"];

fn lower(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

#[test]
fn transcribes_the_bundled_sample_to_danish_text() {
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    let out = dikta()
        .args(["transcribe", "--model", "base-q8_0"])
        .arg(sample("samples/dictation-da.wav"))
        .output()
        .expect("dikta runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = lower(&out);
    for word in SAMPLE_WORDS {
        assert!(text.contains(word), "missing {word:?} in {text:?}");
    }
}

#[test]
fn json_output_has_timed_segments_in_order() {
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    let out = dikta()
        .args(["transcribe", "--json"])
        .arg(sample("samples/dictation-da.wav"))
        .output()
        .expect("dikta runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let segments = doc["segments"].as_array().expect("segments array");
    assert!(segments.len() >= 2, "{doc}");
    let mut last_end = 0.0;
    for seg in segments {
        let start = seg["start_s"].as_f64().expect("start_s");
        let end = seg["end_s"].as_f64().expect("end_s");
        assert!(start + 0.01 >= last_end - 0.5 && end >= start, "{seg}");
        assert!(end <= 27.5, "segment beyond the 27 s file: {seg}");
        last_end = end;
    }
    assert!(doc["text"].as_str().is_some_and(|t| !t.is_empty()));
}

#[test]
fn every_supported_container_and_rate_gives_the_same_words() {
    if common::installed_model("base-q8_0").is_none() {
        return;
    }
    // Fixtures made from one espeak-ng utterance: 44.1 kHz stereo MP3, 48 kHz
    // stereo M4A/AAC, 22.05 kHz OGG/Vorbis, 8 kHz FLAC, 16 kHz mono WAV.
    let reference = {
        let out = dikta()
            .arg("transcribe")
            .arg(sample("tests/data/short-16k-mono.wav"))
            .output()
            .expect("dikta runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        lower(&out)
    };
    assert!(reference.contains("tryksår") || reference.contains("hæl"), "{reference}");
    for file in [
        "short-44k-stereo.mp3",
        "short-48k-stereo.m4a",
        "short-22k-mono.ogg",
        "short-8k-mono.flac",
    ] {
        let out = dikta()
            .arg("transcribe")
            .arg(sample(&format!("tests/data/{file}")))
            .output()
            .expect("dikta runs");
        assert!(out.status.success(), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        let text = lower(&out);
        let wer = dikta_engine::eval::wer(&reference, &text).rate();
        assert!(wer <= 0.5, "{file}: WER {wer:.2} vs 16 kHz WAV\n{text}\nvs\n{reference}");
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
    let out = dikta().arg("transcribe").arg(&path).output().expect("dikta runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
