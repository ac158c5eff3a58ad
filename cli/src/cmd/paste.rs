//! `dikta paste`: put a reviewed note (or the text under one heading) into the focused
//! field of Cura or Nexus, by clipboard and Ctrl+V or by typing, and give the user their
//! clipboard back.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use dikta_engine::delivery::AuditAction;
use dikta_engine::export::Format;
use dikta_engine::paste::{self, ClipboardSnapshot, Method, PasteOptions};

use super::export::{
    audit, check_reviewable, load_note, section_text, text_profile, AuthorLineArg, LineEndingArg,
};

/// Which text profile shapes the pasted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PasteProfile {
    /// Cura's journal field.
    CuraText,
    /// A Nexus journal field.
    NexusText,
}

/// How long the background helper keeps the restored clipboard at most.
const HOLD_MAX: Duration = Duration::from_secs(12 * 3600);

/// Arguments of `dikta paste`.
#[derive(Args, Debug)]
pub struct PasteArgs {
    /// The note as JSON (`dikta note --json`, or the app's export).
    #[arg(value_name = "NOTE.json", required_unless_present = "hold_clipboard")]
    pub note: Option<PathBuf>,
    /// Paste only the text under this heading (e.g. "Ernæring"), for record systems with
    /// one field per FSIII area.
    #[arg(long, value_name = "NAME")]
    pub heading: Option<String>,
    /// The text profile.
    #[arg(long, value_enum, default_value = "cura-text")]
    pub profile: PasteProfile,
    /// Site override of the text profile (TOML with only the keys to change).
    #[arg(long, value_name = "FILE", env = "DIKTA_TEXT_PROFILE")]
    pub profile_file: Option<PathBuf>,
    /// Where the author-and-time line goes.
    #[arg(long, value_enum)]
    pub author_line: Option<AuthorLineArg>,
    /// Line endings of the pasted text (the profiles use CRLF).
    #[arg(long, value_enum)]
    pub line_ending: Option<LineEndingArg>,
    /// Type the text key by key instead of pasting (for fields that block paste).
    #[arg(long = "type")]
    pub type_text: bool,
    /// Seconds to wait first, to click into the journal field.
    #[arg(long, default_value_t = 0.0, value_name = "SECS")]
    pub delay: f64,
    /// Focus this X11 window (id, decimal or 0x hex) instead of using the focused one.
    #[arg(long, value_name = "ID")]
    pub window: Option<String>,
    /// Seconds the field may take to fetch the pasted text.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub timeout: f64,
    /// Milliseconds to keep serving the text after the first fetch (raise it for Citrix
    /// clipboard sync).
    #[arg(long, default_value_t = 300, value_name = "MS")]
    pub settle_ms: u64,
    /// Paste even when autotext fields are unfilled.
    #[arg(long)]
    pub force: bool,
    /// Internal: serve a saved clipboard read from standard input until another program
    /// takes the clipboard (started by `dikta paste` itself).
    #[arg(long, hide = true)]
    pub hold_clipboard: bool,
}

/// Runs `dikta paste`.
pub fn run(args: PasteArgs) -> Result<()> {
    if args.hold_clipboard {
        return hold();
    }
    let path = args
        .note
        .as_deref()
        .context("give the note file: dikta paste NOTE.json")?;
    let note = load_note(path)?;
    check_reviewable(&note, args.force)?;
    let format = match args.profile {
        PasteProfile::CuraText => Format::CuraText,
        PasteProfile::NexusText => Format::NexusText,
    };
    let profile = text_profile(
        format,
        args.profile_file.as_deref(),
        args.author_line,
        args.line_ending,
    )?;
    let text = match &args.heading {
        Some(h) => section_text(&note, h, &profile)?,
        None => profile.render(&note),
    };
    if text.is_empty() {
        bail!("the note is empty; nothing to paste");
    }
    let window = args.window.as_deref().map(parse_window).transpose()?;
    let options = PasteOptions {
        method: if args.type_text {
            Method::Type
        } else {
            Method::Clipboard
        },
        consume_timeout: secs(args.timeout, "--timeout")?,
        settle: Duration::from_millis(args.settle_ms),
        window,
        ..PasteOptions::default()
    };
    let delay = secs(args.delay, "--delay")?;
    if !delay.is_zero() {
        eprintln!(
            "dikta: pasting in {:.1} s: click into the journal field",
            delay.as_secs_f64()
        );
        std::thread::sleep(delay);
    }
    let report = paste::paste(&text, &options)?;
    if let Some(previous) = &report.previous_clipboard {
        if let Err(e) = spawn_holder(previous) {
            eprintln!("dikta: warning: the note was pasted, but your previous clipboard could not be restored: {e:#}");
        }
    }
    let what = match &args.heading {
        Some(h) => format!("paste {} heading {h}", format.name()),
        None => format!("paste {}", format.name()),
    };
    let how = if args.type_text { "typed" } else { "clipboard" };
    audit(&note, &format!("{what} ({how})"), AuditAction::Pasted);
    eprintln!("dikta: pasted {} characters", report.chars);
    Ok(())
}

fn secs(v: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(v).with_context(|| format!("{what} must be a number of seconds"))
}

fn parse_window(s: &str) -> Result<u32> {
    let t = s.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.with_context(|| format!("--window {s:?} is not an X11 window id"))
}

/// Start `dikta paste --hold-clipboard` in the background with the saved clipboard on its
/// standard input, and wait until it owns the clipboard.
fn spawn_holder(previous: &ClipboardSnapshot) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the dikta program")?;
    let mut cmd = Command::new(exe);
    cmd.args(["paste", "--hold-clipboard"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: Ctrl+C in the terminal does not take the clipboard away.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().context("cannot start the clipboard helper")?;
    let bytes = previous.to_bytes();
    {
        let mut stdin = child
            .stdin
            .take()
            .context("no pipe to the clipboard helper")?;
        stdin
            .write_all(&bytes)
            .context("cannot hand the clipboard to the helper")?;
    }
    let stdout = child
        .stdout
        .take()
        .context("no pipe from the clipboard helper")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(line) if line.trim() == "READY" => Ok(()),
        _ => {
            let _ = child.kill();
            bail!("the clipboard helper did not start")
        }
    }
}

/// The background helper: serve the saved clipboard until another program takes it.
fn hold() -> Result<()> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .context("cannot read the saved clipboard")?;
    let snapshot = ClipboardSnapshot::from_bytes(&bytes)?;
    paste::hold_clipboard(&snapshot, HOLD_MAX, || {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "READY");
        let _ = out.flush();
    })?;
    Ok(())
}
