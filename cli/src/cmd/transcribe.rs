//! `dikta transcribe`: an audio file in, Danish text (or JSON segments) out.

use std::path::PathBuf;

use anyhow::{Context, Result};
use dikta_engine::asr::{self, DecodeOptions, Transcriber};
use dikta_engine::model::ModelStore;

/// Arguments of `dikta transcribe`.
#[derive(clap::Args)]
pub struct TranscribeArgs {
    /// Audio file: WAV, FLAC, MP3, OGG/Vorbis or M4A/AAC, any rate and channels.
    pub file: PathBuf,
    /// Installed model name (e.g. base-q8_0, base-f16) or a path to a ggml file.
    #[arg(long)]
    pub model: Option<String>,
    /// Where installed models live (default: DIKTA_MODELS_DIR or the user's data dir).
    #[arg(long, env = "DIKTA_MODELS_DIR")]
    pub models_dir: Option<PathBuf>,
    /// Print segments with start and end times as JSON.
    #[arg(long)]
    pub json: bool,
    /// CPU threads for Whisper (default: the cores other work leaves idle by the load
    /// average; busy-waiting Whisper threads stall each other on a busy machine).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Beam search width (default: greedy decoding).
    #[arg(long)]
    pub beam: Option<u32>,
    /// Prime the decoder with this text instead of the built-in care prompt.
    #[arg(long, conflicts_with = "no_prompt")]
    pub prompt: Option<String>,
    /// Decode without any prompt.
    #[arg(long)]
    pub no_prompt: bool,
    /// Print Whisper's words as heard, without the care-vocabulary post-correction
    /// (engine/data/corrections.toml).
    #[arg(long)]
    pub no_correct: bool,
}

/// Runs `dikta transcribe`.
pub fn run(args: TranscribeArgs) -> Result<()> {
    // Check the audio before the (slower) model load, so a bad file is reported at once.
    dikta_engine::audio::AudioFileReader::open(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let store = ModelStore::open(args.models_dir.as_deref()).context("opening the model store")?;
    let model_path = store
        .resolve(args.model.as_deref())
        .context("finding the model (install one with `dikta model install`)")?;
    let transcriber = Transcriber::load(&model_path)
        .with_context(|| format!("loading model {}", model_path.display()))?;
    let mut options = DecodeOptions::default();
    if let Some(threads) = args.threads {
        options.threads = threads.max(1);
    }
    options.beam_size = args.beam;
    options.post_correct = !args.no_correct;
    if args.no_prompt {
        options.initial_prompt = None;
    } else if let Some(prompt) = args.prompt {
        options.initial_prompt = Some(prompt);
    }

    let mut bar = None;
    let transcript = asr::transcribe_file(&transcriber, &args.file, &options, |p| {
        let b = bar.get_or_insert_with(|| crate::progress::audio_bar(p.total_s, "transcribing"));
        b.set_position((p.done_s * 10.0) as u64);
    })
    .with_context(|| format!("transcribing {}", args.file.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    if args.json {
        let out = serde_json::json!({
            "file": args.file,
            "model": model_path,
            "language": options.language,
            "text": transcript.text(),
            "segments": transcript.segments,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}", transcript.text());
    }
    Ok(())
}
