//! `dikta note`: transcript text in, journal note out (plain text with headings, or JSON).

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use dikta_engine::autotext::Library;
use dikta_engine::headings::HeadingTable;
use dikta_engine::interpret::{Interpreter, InterpreterConfig};
use dikta_engine::text::cpr::CprPolicy;

/// Arguments of `dikta note`.
#[derive(clap::Args)]
pub struct NoteArgs {
    /// Transcript text as Whisper wrote it; "-" reads standard input. Each line is one
    /// committed utterance.
    #[arg(long)]
    pub text: String,
    /// Autotext library files or folders, site first, then team, then personal
    /// (each file may also name its layer).
    #[arg(long = "autotexts", value_name = "DIR")]
    pub autotexts: Vec<PathBuf>,
    /// The site's own headings (TOML, `[[heading]]` with `name` and `aliases`).
    #[arg(long, value_name = "FILE")]
    pub site_headings: Option<PathBuf>,
    /// Author of the note.
    #[arg(long, env = "DIKTA_AUTHOR", default_value = "ukendt")]
    pub author: String,
    /// Keep CPR numbers readable (they are flagged either way; masked by default).
    #[arg(long)]
    pub keep_cpr: bool,
    /// Print the note as JSON (the JournalNote shape) instead of plain text.
    #[arg(long)]
    pub json: bool,
    /// Also print the interpreter's events, one JSON object a line, on standard error.
    #[arg(long)]
    pub events: bool,
}

/// Runs `dikta note`.
pub fn run(args: NoteArgs) -> Result<()> {
    let text = if args.text == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the transcript from standard input")?;
        s
    } else {
        args.text.clone()
    };
    let mut headings = HeadingTable::fsiii().clone();
    if let Some(path) = &args.site_headings {
        headings = headings
            .with_site_file(path)
            .with_context(|| format!("reading site headings {}", path.display()))?;
    }
    let library = Library::load(&args.autotexts, &headings);
    for problem in library.problems() {
        eprintln!("dikta: warning: {problem}");
    }
    let mut config = InterpreterConfig::now(args.author.clone()).with_autotexts(library);
    config.headings = headings;
    if args.keep_cpr {
        config.cpr = CprPolicy::Keep;
    }
    let mut interpreter = Interpreter::new(config);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let out = interpreter.push(line);
        if args.events {
            for event in &out.events {
                eprintln!("{}", serde_json::to_string(event)?);
            }
        }
    }
    let note = interpreter.finish();
    if args.json {
        print(&format!("{}\n", serde_json::to_string_pretty(&note)?))
    } else {
        print(&format!("{}\n", note.plain_text()))
    }
}

/// Write to standard output; a closed pipe (`dikta ... | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}
