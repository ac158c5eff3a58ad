//! `dikta`: the command-line front end of the Dikta dictation engine.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only parses
//! arguments, sets up logging and dispatches.

mod cmd;
mod progress;

use clap::{Parser, Subcommand};

/// Local Danish speech-to-journal dictation.
#[derive(Parser)]
#[command(name = "dikta", version, about, long_about = None)]
struct Cli {
    /// Log verbosity for diagnostics on stderr (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "warn", env = "DIKTA_LOG")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Transcribe an audio file (WAV, FLAC, MP3, OGG, M4A) to Danish text.
    Transcribe(cmd::transcribe::TranscribeArgs),
    /// Benchmark speed, live latency, scaling and accuracy against faster-whisper.
    Bench(cmd::bench::BenchArgs),
    /// One benchmark configuration in its own process (used by `dikta bench`).
    #[command(hide = true)]
    BenchWorker(cmd::bench::worker::WorkerArgs),
    /// Install, import, list and choose Whisper models.
    Model(cmd::model::ModelArgs),
    /// List, show, recover and purge the encrypted drafts of unfinished or unexported notes.
    Drafts(cmd::drafts::DraftsArgs),
    /// Soak benchmark: a long dictation (looped real audio) reporting memory and latency over time.
    BenchSoak(cmd::bench_soak::BenchSoakArgs),
    /// Live dictation from a microphone (or a file played as if spoken).
    Dictate(cmd::dictate::DictateArgs),
    /// List the audio input devices `dictate --device` can use.
    Devices(cmd::devices::DevicesArgs),
    /// Measure live-dictation latency on audio files fed at real-time pace.
    BenchLive(cmd::bench_live::BenchLiveArgs),
    /// Turn transcript text into a journal note (headings, commands, autotexts).
    Note(cmd::note::NoteArgs),
    /// Classify sentences under FSIII headings, or list the headings.
    Headings(cmd::headings::HeadingsArgs),
    /// List or check autotext libraries.
    Autotexts(cmd::autotexts::AutotextsArgs),
    /// Export a reviewed note: Cura/Nexus text, JSON, FHIR R4, or HTTP delivery.
    Export(cmd::export::ExportArgs),
    /// Paste a reviewed note (or one heading) into the focused Cura/Nexus field.
    Paste(cmd::paste::PasteArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let result = match cli.command {
        Command::Transcribe(args) => cmd::transcribe::run(args),
        Command::Bench(args) => cmd::bench::run(args),
        Command::BenchWorker(args) => cmd::bench::worker::run(args),
        Command::Model(args) => cmd::model::run(args),
        Command::Drafts(args) => cmd::drafts::run(args),
        Command::BenchSoak(args) => cmd::bench_soak::run(args),
        Command::Dictate(args) => cmd::dictate::run(args),
        Command::Devices(args) => cmd::devices::run(args),
        Command::BenchLive(args) => cmd::bench_live::run(args),
        Command::Note(args) => cmd::note::run(args),
        Command::Headings(args) => cmd::headings::run(args),
        Command::Autotexts(args) => cmd::autotexts::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Paste(args) => cmd::paste::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dikta: error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
