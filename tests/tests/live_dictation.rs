//! Live dictation as a user runs it: `dikta dictate` on real audio with the
//! real model, through the file-fed session (`--input --realtime`) and through
//! a real capture device (a virtual ALSA microphone opened by cpal).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    common::repo_root().join(name)
}

/// Runs `dikta dictate ... --events jsonl` and returns the event lines and
/// the final line.
fn dictate(args: &[&str], home: Option<&Path>) -> (Vec<Value>, Value) {
    let mut cmd = Command::new(common::dikta_bin());
    cmd.arg("dictate").args(args).args(["--events", "jsonl"]);
    if let Some(home) = home {
        cmd.env("HOME", home);
    }
    let out = cmd.output().expect("dikta runs");
    assert!(
        out.status.success(),
        "dikta dictate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    let last = events.pop().expect("a final line");
    assert_eq!(last["type"], "final", "{last}");
    (events, last)
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

fn committed_text(events: &[Value]) -> String {
    of_type(events, "committed")
        .iter()
        .filter_map(|c| c["text"].as_str())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The session's invariants over an event stream: committed text is final,
/// the final text is the committed pieces, times only grow.
fn check_stream(events: &[Value], last: &Value) {
    let mut seen_committed = std::collections::HashSet::new();
    let mut closed = std::collections::HashSet::new();
    let mut last_emitted = 0.0;
    for e in events {
        let emitted = e["emitted_s"].as_f64().expect("emitted_s on every event");
        assert!(emitted + 1e-9 >= last_emitted, "time went back at {e}");
        last_emitted = emitted;
        let kind = e["type"].as_str().expect("type");
        assert!(
            ["tentative", "committed", "level", "lag", "error"].contains(&kind),
            "{e}"
        );
        if kind == "tentative" || kind == "committed" {
            let utterance = e["utterance"].as_u64().expect("utterance");
            assert!(
                !closed.contains(&utterance),
                "event for utterance {utterance} after it was committed: {e}"
            );
            assert!(e["audio_end_s"].as_f64() >= e["audio_start_s"].as_f64());
            assert!(e["text"].is_string());
        }
        if kind == "committed" {
            let key = (
                e["utterance"].as_u64(),
                e["audio_start_s"].as_f64().map(f64::to_bits),
            );
            assert!(seen_committed.insert(key), "committed twice: {e}");
            if e["last"] == true {
                closed.insert(e["utterance"].as_u64().expect("utterance"));
            }
        }
    }
    assert_eq!(
        last["text"].as_str().expect("final text"),
        committed_text(events),
        "the final text is the committed pieces joined"
    );
}

#[test]
fn realtime_dictation_shows_tentative_before_committed_text() {
    let Some(_) = common::installed_model("base-q8_0") else {
        return;
    };
    let wav = sample("samples/dictation-da.wav");
    let (events, last) = dictate(
        &[
            "--model",
            "base-q8_0",
            "--input",
            wav.to_str().expect("utf-8 path"),
            "--realtime",
        ],
        None,
    );
    check_stream(&events, &last);

    // Six utterances separated by 0.9 s pauses, each committed once as a
    // closing piece, each preceded by tentative text.
    let closing: Vec<&Value> = of_type(&events, "committed")
        .into_iter()
        .filter(|c| c["last"] == true && c["text"] != "")
        .collect();
    assert_eq!(closing.len(), 6, "{closing:?}");
    // Tentative text comes first as long as decoding keeps up with the
    // audio; on a machine too busy for that, the session skips tentative
    // updates by design (never committed text) and reports the lag.
    let keeping_up = last["stats"]["max_behind_s"].as_f64().unwrap_or(f64::MAX) < 4.0;
    if !keeping_up {
        eprintln!(
            "NOTE: decoding fell behind real time ({} s); tentative-first not checked",
            last["stats"]["max_behind_s"]
        );
    }
    for c in closing.iter().filter(|_| keeping_up) {
        let utterance = &c["utterance"];
        let first_tentative = events
            .iter()
            .position(|e| e["type"] == "tentative" && &e["utterance"] == utterance);
        let committed = events.iter().position(|e| std::ptr::eq(e, *c));
        assert!(
            first_tentative.is_some() && first_tentative < committed,
            "utterance {utterance}: no tentative text before the committed text"
        );
    }
    // Fed at real-time pace: the last text cannot come before the audio ends.
    let audio_end = closing
        .last()
        .and_then(|c| c["speech_end_s"].as_f64())
        .expect("speech_end_s on closing pieces");
    let emitted = closing
        .last()
        .and_then(|c| c["emitted_s"].as_f64())
        .unwrap_or(0.0);
    assert!(emitted >= audio_end, "{emitted} < {audio_end}");
    // A level meter is fed about ten times a second.
    let levels = of_type(&events, "level").len();
    assert!(
        (250..=280).contains(&levels),
        "{levels} level events for 27 s"
    );
    // Words the base model gets right in this dictation.
    let text = last["text"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        ["skiftet", "borgeren", "venstre", "punktum"]
            .iter()
            .any(|w| text.contains(w)),
        "{text}"
    );
}

/// The sample format names cpal reports, and how to write one sample.
fn encode(format: &str, sample: f32, out: &mut Vec<u8>) {
    let s = sample.clamp(-1.0, 1.0);
    match format {
        "f32" => out.extend(s.to_le_bytes()),
        "f64" => out.extend((s as f64).to_le_bytes()),
        "i16" => out.extend(((s * 32767.0) as i16).to_le_bytes()),
        "i32" => out.extend(((s as f64 * 2147483647.0) as i32).to_le_bytes()),
        "i8" => out.extend(((s * 127.0) as i8).to_le_bytes()),
        "u8" => out.push(((s + 1.0) * 127.5) as u8),
        "u16" => out.extend((((s + 1.0) * 32767.5) as u16).to_le_bytes()),
        "u32" => out.extend((((s as f64 + 1.0) * 2147483647.5) as u32).to_le_bytes()),
        other => panic!("test cannot encode sample format {other}"),
    }
}

#[test]
fn a_virtual_alsa_microphone_is_captured_and_transcribed_like_the_file() {
    let Some(model) = common::installed_model("base-q8_0") else {
        return;
    };
    let model = model.to_str().expect("utf-8 model path").to_string();
    let home = tempfile::tempdir().expect("temp HOME");
    let raw = home.path().join("in.raw");
    // An ALSA `file` plugin device that plays `in.raw` as its capture data
    // (no kernel module needed); it is not paced, and serves silence after
    // the file ends.
    std::fs::write(
        home.path().join(".asoundrc"),
        format!(
            "pcm.dikta_in {{\n    type file\n    slave.pcm \"null\"\n    file \"/dev/null\"\n    infile \"{}\"\n    format \"raw\"\n}}\n",
            raw.display()
        ),
    )
    .expect("write .asoundrc");

    // The plugin only opens when its input file exists.
    std::fs::write(&raw, [0u8; 4096]).expect("placeholder input");
    // Ask cpal (through `dikta devices`) how it opens the device, and write
    // the file in exactly that rate, channel count and sample format.
    let out = Command::new(common::dikta_bin())
        .args(["devices", "--json"])
        .env("HOME", home.path())
        .output()
        .expect("dikta runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let devices: Vec<Value> = serde_json::from_slice(&out.stdout).expect("device JSON");
    let device = devices
        .iter()
        .find(|d| d["name"] == "dikta_in")
        .unwrap_or_else(|| panic!("dikta_in not listed: {devices:?}"));
    let rate = device["sample_rate"].as_u64().expect("rate") as u32;
    let channels = device["channels"].as_u64().expect("channels") as usize;
    let format = device["sample_format"]
        .as_str()
        .expect("format")
        .to_string();

    // Real read Danish speech (three sentences with 1 s pauses), or the
    // bundled synthetic dictation where the shared evaluation set is absent.
    let (mono16, reference) = microphone_speech();
    let wav = home.path().join("speech.wav");
    write_wav_16k(&wav, &mono16);
    let mut resampler = dikta_engine::audio::StreamResampler::new(16_000, rate).expect("resampler");
    let mut native = resampler.push(&mono16).expect("resample");
    native.extend(resampler.finish().expect("resample tail"));
    let mut bytes = Vec::with_capacity(native.len() * channels * 4);
    for s in &native {
        for _ in 0..channels {
            encode(&format, *s, &mut bytes);
        }
    }
    std::fs::write(&raw, bytes).expect("write raw input");

    // The whole file arrives at once; a 60 s ring buffer keeps all of it, and
    // capture stops after 30 s of audio (the speech and some silence).
    let (captured, captured_last) = dictate(
        &[
            "--model",
            &model,
            "--device",
            "dikta_in",
            "--max-seconds",
            "30",
            "--capture-buffer-s",
            "60",
        ],
        Some(home.path()),
    );
    check_stream(&captured, &captured_last);
    let audio_s = captured_last["stats"]["audio_s"].as_f64().expect("audio_s");
    assert!((29.5..=30.5).contains(&audio_s), "captured {audio_s} s");
    assert!(
        mono16.len() < 29 * 16_000,
        "the speech fits in the captured 30 s"
    );

    // The same file through the push path.
    let (pushed, pushed_last) = dictate(
        &[
            "--model",
            &model,
            "--input",
            wav.to_str().expect("utf-8 path"),
        ],
        None,
    );
    check_stream(&pushed, &pushed_last);

    let via_device = captured_last["text"].as_str().unwrap_or_default();
    let via_file = pushed_last["text"].as_str().unwrap_or_default();
    assert!(!via_device.is_empty());
    let device_wer = dikta_engine::eval::wer(&reference, via_device).rate();
    let file_wer = dikta_engine::eval::wer(&reference, via_file).rate();
    eprintln!(
        "WER against the reference: via the device {:.1} %, via the file {:.1} %",
        device_wer * 100.0,
        file_wer * 100.0
    );
    let closing = |events: &[Value]| {
        of_type(events, "committed")
            .iter()
            .filter(|c| c["last"] == true)
            .count()
    };
    assert_eq!(
        closing(&captured),
        closing(&pushed),
        "same utterances found"
    );
    let difference = dikta_engine::eval::wer(via_file, via_device);
    eprintln!(
        "capture vs file: {} word errors of {}",
        difference.errors, difference.reference_len
    );
    // The audio took a detour (16 kHz -> device rate and format -> 16 kHz),
    // so Whisper may pick a different word here and there, but the accuracy
    // must be the same.
    assert!(
        (device_wer - file_wer).abs() <= 0.10,
        "accuracy differs: device {device_wer:.3}, file {file_wer:.3}"
    );
    assert!(
        difference.rate() <= 0.35,
        "captured text differs from file text by {:.0} % WER",
        difference.rate() * 100.0
    );
}

/// Speech for the virtual microphone and its reference transcript.
fn microphone_speech() -> (Vec<f32>, String) {
    let read = common::shared_dir().map(|d| d.join("eval").join("da-read"));
    if let Some(dir) = read.filter(|d| d.join("manifest.tsv").is_file()) {
        let items = common::read_manifest(&dir);
        let wanted = [
            "udhr_da_part4.wav",
            "udhr_da_part5.wav",
            "udhr_da_part8.wav",
        ];
        let mut audio = Vec::new();
        let mut reference = Vec::new();
        for item in items
            .iter()
            .filter(|i| wanted.iter().any(|w| i.audio.ends_with(w)))
        {
            audio.extend(dikta_engine::audio::load_16k_mono(&item.audio).expect("eval audio"));
            audio.extend(std::iter::repeat_n(0.0f32, 16_000));
            reference.push(item.reference.clone());
        }
        if reference.len() == wanted.len() {
            return (audio, reference.join(" "));
        }
    }
    let wav = sample("samples/dictation-da.wav");
    let audio = dikta_engine::audio::load_16k_mono(&wav).expect("sample audio");
    let reference = std::fs::read_to_string(sample("samples/dictation-da.txt"))
        .expect("sample transcript")
        .lines()
        .collect::<Vec<_>>()
        .join(" ");
    (audio, reference)
}

/// Writes 16 kHz mono 16-bit PCM WAV.
fn write_wav_16k(path: &Path, samples: &[f32]) {
    let data_len = (samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend(b"RIFF");
    bytes.extend((36 + data_len).to_le_bytes());
    bytes.extend(b"WAVEfmt ");
    bytes.extend(16u32.to_le_bytes());
    bytes.extend(1u16.to_le_bytes()); // PCM
    bytes.extend(1u16.to_le_bytes()); // mono
    bytes.extend(16_000u32.to_le_bytes());
    bytes.extend(32_000u32.to_le_bytes());
    bytes.extend(2u16.to_le_bytes());
    bytes.extend(16u16.to_le_bytes());
    bytes.extend(b"data");
    bytes.extend(data_len.to_le_bytes());
    for s in samples {
        bytes.extend(((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write wav");
}
