//! Real Danish speech through the real Whisper model: corpus WER bounds.
//!
//! Scored after Dikta's documented Danish normalisation
//! (`dikta_engine::eval::normalize`). Bounds were set a little above what was
//! measured with the base model, so a regression in audio handling, model
//! conversion or decoding settings fails here.

mod common;

use dikta_engine::asr::{DecodeOptions, Transcriber};
use dikta_engine::audio;
use dikta_engine::eval::{self, ErrorRate};

fn corpus_wer(model: &str, set: &str) -> Option<(ErrorRate, ErrorRate)> {
    let shared = common::shared_dir()?;
    let model_path = common::installed_model(model)?;
    let transcriber = Transcriber::load(&model_path).expect("model loads");
    let options = DecodeOptions::default();
    let mut words = ErrorRate::default();
    let mut chars = ErrorRate::default();
    for item in common::read_manifest(&shared.join("eval").join(set)) {
        let samples = audio::load_16k_mono(&item.audio).expect("eval audio decodes");
        let hyp = transcriber
            .transcribe(samples, &options)
            .expect("transcribes")
            .text();
        let w = eval::wer(&item.reference, &hyp);
        eprintln!(
            "{set} {} WER {:.1}%\n  ref: {}\n  hyp: {}",
            item.audio.file_name().unwrap_or_default().to_string_lossy(),
            w.rate() * 100.0,
            item.reference,
            hyp
        );
        words = words + w;
        chars = chars + eval::cer(&item.reference, &hyp);
    }
    eprintln!(
        "{set} with {model}: corpus WER {:.1}% ({} / {} words), CER {:.1}%",
        words.rate() * 100.0,
        words.errors,
        words.reference_len,
        chars.rate() * 100.0
    );
    Some((words, chars))
}

#[test]
fn da_read_wer_with_base_q8_0_stays_within_bound() {
    if let Some((wer, _)) = corpus_wer("base-q8_0", "da-read") {
        assert!(wer.rate() <= WER_BOUND_DA_READ, "WER {:.3}", wer.rate());
    }
}

#[test]
fn da_read_wer_with_base_f16_stays_within_bound() {
    if let Some((wer, _)) = corpus_wer("base-f16", "da-read") {
        assert!(wer.rate() <= WER_BOUND_DA_READ, "WER {:.3}", wer.rate());
    }
}

#[test]
fn da_synthetic_smoke_wer_stays_within_bound() {
    if let Some((wer, _)) = corpus_wer("base-q8_0", "da-synthetic") {
        assert!(
            wer.rate() <= WER_BOUND_DA_SYNTHETIC,
            "WER {:.3}",
            wer.rate()
        );
    }
}

/// Measured with the defaults (greedy, care prompt, shrunk encoder, post-correction):
/// 62.0 % (q8_0) and 64.8 % (f16); bound a little above.
const WER_BOUND_DA_READ: f64 = 0.66;
/// espeak-ng's robotic Danish is barely intelligible to Whisper base: measured 91.3 % with
/// the care prompt, 106.1 % without it (insertions count). Losing the prompt, decoding
/// loops or broken audio handling push it above the bound.
const WER_BOUND_DA_SYNTHETIC: f64 = 1.0;
