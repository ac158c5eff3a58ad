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
    /// Install, import, list and choose Whisper models.
    Model(cmd::model::ModelArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let result = match cli.command {
        Command::Transcribe(args) => cmd::transcribe::run(args),
        Command::Model(args) => cmd::model::run(args),
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
