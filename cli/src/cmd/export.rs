//! `dikta export`: a reviewed note as Cura/Nexus text, integrator JSON or FHIR R4, to a file
//! or standard output, or delivered over HTTP through the encrypted outbox.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use dikta_engine::delivery::{
    self, AuditAction, AuditLog, AuditRecord, ClientCredentials, EntryState, HttpDeliverer,
    HttpTarget, RetryPolicy,
};
use dikta_engine::export::{self, AuthorLine, ExportOptions, Format, LineEnding, TextProfile};
use dikta_engine::headings::HeadingTable;
use dikta_engine::journal::JournalNote;
use dikta_engine::store::{DataDirs, Storage, StorageOptions};

/// Where `dikta export` sends the note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Plain text for Cura's journal field.
    CuraText,
    /// Plain text for a Nexus journal field.
    NexusText,
    /// Dikta's integrator JSON (docs/note-schema.v1.json).
    Json,
    /// HL7 FHIR R4 document Bundle.
    Fhir,
    /// POST to --endpoint through the encrypted outbox.
    Http,
}

/// What is POSTed with `--to http`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HttpFormat {
    /// FHIR R4 document Bundle (application/fhir+json).
    Fhir,
    /// Dikta integrator JSON (application/json).
    Json,
}

/// Author-line placement, for the text targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthorLineArg {
    /// No author line.
    None,
    /// Before the first heading.
    Top,
    /// After the last section.
    Bottom,
}

/// Line endings, for the text targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LineEndingArg {
    /// Windows (Cura/Nexus, Citrix).
    Crlf,
    /// Unix.
    Lf,
}

/// Arguments of `dikta export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// cura-text, nexus-text, json, fhir (printed or written with --out), or http.
    #[arg(long = "to", value_enum, value_name = "TARGET")]
    pub to: Target,
    /// The note as JSON (`dikta note --json`, or the app's export). With --to http it may
    /// be left out: then only the notes already queued are delivered.
    #[arg(value_name = "NOTE.json")]
    pub note: Option<PathBuf>,
    /// Write to this file instead of standard output (mode 0600; it holds health data:
    /// delete it when it has been filed).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only the text under this heading (text targets; for record systems with one field
    /// per FSIII area).
    #[arg(long, value_name = "NAME")]
    pub heading: Option<String>,
    /// Site override of the text profile (TOML with only the keys to change).
    #[arg(long, value_name = "FILE", env = "DIKTA_TEXT_PROFILE")]
    pub profile: Option<PathBuf>,
    /// Where the author-and-time line goes (text targets).
    #[arg(long, value_enum)]
    pub author_line: Option<AuthorLineArg>,
    /// Line endings (text targets; the profiles use CRLF).
    #[arg(long, value_enum)]
    pub line_ending: Option<LineEndingArg>,
    /// Identifier system of the citizen's record id in FHIR (e.g. the record system's URI);
    /// without it the record id is not put into the bundle.
    #[arg(long, value_name = "URI")]
    pub record_id_system: Option<String>,
    /// Export even when autotext fields are unfilled.
    #[arg(long)]
    pub force: bool,

    /// --to http: the endpoint (https://; http:// only to this machine).
    #[arg(long, env = "DIKTA_EXPORT_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// --to http: what to POST.
    #[arg(long, value_enum, default_value = "fhir")]
    pub format: HttpFormat,
    /// --to http: OAuth2 token endpoint (client-credentials grant).
    #[arg(long, env = "DIKTA_TOKEN_URL", value_name = "URL")]
    pub token_url: Option<String>,
    /// --to http: OAuth2 client id.
    #[arg(long, env = "DIKTA_CLIENT_ID")]
    pub client_id: Option<String>,
    /// --to http: file holding the OAuth2 client secret (or set DIKTA_CLIENT_SECRET; never
    /// on the command line, where other users could see it).
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// --to http: OAuth2 scope to request.
    #[arg(long, env = "DIKTA_TOKEN_SCOPE")]
    pub scope: Option<String>,
    /// --to http: PEM file with the CA certificate(s) to trust instead of the public roots.
    #[arg(long, value_name = "FILE", env = "DIKTA_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// --to http: seconds one request may take.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
    /// --to http: attempts per run before the note is left queued for the next run.
    #[arg(long, default_value_t = 5)]
    pub attempts: u32,
    /// --to http: also retry notes the endpoint rejected earlier.
    #[arg(long)]
    pub retry_rejected: bool,
    /// --to http: list the queued notes (no text) and exit.
    #[arg(long)]
    pub list: bool,
}

/// Runs `dikta export`.
pub fn run(args: ExportArgs) -> Result<()> {
    if args.to == Target::Http {
        return run_http(&args);
    }
    let format = match args.to {
        Target::CuraText => Format::CuraText,
        Target::NexusText => Format::NexusText,
        Target::Json => Format::Json,
        Target::Fhir => Format::Fhir,
        Target::Http => unreachable!("handled above"),
    };
    let path = args
        .note
        .as_deref()
        .context("give the note file: dikta export --to TARGET NOTE.json")?;
    let note = load_note(path)?;
    check_reviewable(&note, args.force)?;
    let text = render(&note, format, &args)?;
    match &args.out {
        Some(out) => write_private(out, text.as_bytes())
            .with_context(|| format!("cannot write {}", out.display()))?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write to standard output")?,
    }
    let target = match &args.out {
        Some(_) => format!("{} file", format.name()),
        None => format!("{} stdout", format.name()),
    };
    audit(&note, &target, AuditAction::Exported);
    Ok(())
}

/// Render `note` as `format` with the text options of `args`.
fn render(note: &JournalNote, format: Format, args: &ExportArgs) -> Result<String> {
    let mut options = ExportOptions::default();
    options.fhir.record_id_system = args.record_id_system.clone();
    if format.is_text() {
        let profile = text_profile(
            format,
            args.profile.as_deref(),
            args.author_line,
            args.line_ending,
        )?;
        if let Some(heading) = &args.heading {
            return section_text(note, heading, &profile);
        }
        options.profile = Some(profile);
    } else if args.heading.is_some() {
        bail!("--heading works with the text targets (cura-text, nexus-text) only");
    }
    Ok(export::render(note, format, &options)?)
}

/// The text profile of a text format with the site override and command-line choices.
pub fn text_profile(
    format: Format,
    override_file: Option<&Path>,
    author_line: Option<AuthorLineArg>,
    line_ending: Option<LineEndingArg>,
) -> Result<TextProfile> {
    let mut profile = format
        .builtin_profile()
        .with_context(|| format!("{format} is not a text format"))?;
    if let Some(file) = override_file {
        profile = profile.with_override_file(file)?;
    }
    if let Some(a) = author_line {
        profile.author_line = match a {
            AuthorLineArg::None => AuthorLine::None,
            AuthorLineArg::Top => AuthorLine::Top,
            AuthorLineArg::Bottom => AuthorLine::Bottom,
        };
    }
    if let Some(l) = line_ending {
        profile.line_ending = match l {
            LineEndingArg::Crlf => LineEnding::Crlf,
            LineEndingArg::Lf => LineEnding::Lf,
        };
    }
    Ok(profile)
}

/// The text under one heading (name or spoken alias, any case).
pub fn section_text(note: &JournalNote, heading: &str, profile: &TextProfile) -> Result<String> {
    let name = HeadingTable::fsiii()
        .get(heading)
        .map(|h| h.name.clone())
        .unwrap_or_else(|| heading.trim().to_string());
    let section = note
        .sections
        .iter()
        .find(|s| s.heading.name.eq_ignore_ascii_case(&name))
        .with_context(|| format!("the note has no heading {name:?}"))?;
    profile
        .render_section(section)
        .with_context(|| format!("the note has no text under {name:?}"))
}

/// Read a note file.
pub fn load_note(path: &Path) -> Result<JournalNote> {
    let src = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the note {}", path.display()))?;
    serde_json::from_str(&src).with_context(|| {
        format!(
            "{} is not a Dikta note (JSON from `dikta note --json`)",
            path.display()
        )
    })
}

/// The worker must review a machine-written note before it is filed: refuse unfilled
/// autotext fields unless forced, and point out what else needs a look.
pub fn check_reviewable(note: &JournalNote, force: bool) -> Result<()> {
    let unfilled: u32 = note.sentences().map(|(_, s)| s.flags.unfilled_fields).sum();
    let uncertain = note
        .sentences()
        .filter(|(_, s)| s.flags.uncertain_heading)
        .count();
    let cpr = note
        .sentences()
        .filter(|(_, s)| s.flags.contains_cpr)
        .count();
    if uncertain > 0 {
        eprintln!(
            "dikta: note: {uncertain} sentence(s) were placed under a guessed heading; check them"
        );
    }
    if cpr > 0 {
        eprintln!("dikta: note: {cpr} sentence(s) contain a readable CPR number");
    }
    if unfilled > 0 && !force {
        bail!(
            "the note has {unfilled} unfilled autotext field(s); fill them (or pass --force to export anyway)"
        );
    }
    Ok(())
}

/// Write a file only the user can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Append an audit record; a failure is reported, not fatal.
pub fn audit(note: &JournalNote, target: &str, action: AuditAction) {
    let log = match DataDirs::from_env() {
        Ok(dirs) => AuditLog::new(dirs.audit_log()),
        Err(e) => {
            eprintln!("dikta: warning: no audit log ({e})");
            return;
        }
    };
    if let Err(e) = log.append(&AuditRecord::now(&note.author, note.id, target, action)) {
        eprintln!("dikta: warning: cannot write the audit log: {e}");
    }
}

fn run_http(args: &ExportArgs) -> Result<()> {
    let (storage, notices) = Storage::open(&StorageOptions::from_env())
        .context("cannot open Dikta's encrypted storage for the outbox")?;
    for n in notices {
        eprintln!("dikta: {n}");
    }
    let outbox = storage.outbox().context("cannot open the outbox")?;
    if args.list {
        return list(&outbox);
    }
    let endpoint = args
        .endpoint
        .clone()
        .context("--to http needs --endpoint URL (or DIKTA_EXPORT_ENDPOINT)")?;
    let credentials = credentials(args)?;
    let mut target = HttpTarget::new(endpoint.clone());
    target.credentials = credentials;
    target.request_timeout = Duration::from_secs(args.timeout.max(1));
    target.connect_timeout = target.request_timeout.min(Duration::from_secs(10));
    target.retry = RetryPolicy {
        max_attempts: args.attempts.max(1),
        ..RetryPolicy::default()
    };
    target.ca_file = args.ca_cert.clone();
    let mut deliverer = HttpDeliverer::new(target)?;
    let audit_log = storage.audit_log();

    if let Some(path) = &args.note {
        let note = load_note(path)?;
        check_reviewable(&note, args.force)?;
        let format = match args.format {
            HttpFormat::Fhir => Format::Fhir,
            HttpFormat::Json => Format::Json,
        };
        let mut options = ExportOptions::default();
        options.fhir.record_id_system = args.record_id_system.clone();
        // Persisted (encrypted) before anything is sent.
        let entry = outbox.enqueue(&note, format, &endpoint, &options)?;
        delivery::audit_queued(&audit_log, &entry);
    }

    let report =
        delivery::deliver_pending(&outbox, &mut deliverer, &audit_log, args.retry_rejected)?;
    storage.forget_delivered(&report);
    for id in &report.delivered {
        eprintln!("dikta: delivered note {id}");
    }
    for (id, status) in &report.rejected {
        eprintln!(
            "dikta: the endpoint rejected note {id} (HTTP {status}); it stays in the outbox \
             (see --list; --retry-rejected sends it again)"
        );
    }
    for (id, reason) in &report.failed {
        eprintln!("dikta: note {id} not delivered yet ({reason}); it stays queued");
    }
    for what in &report.unreadable {
        eprintln!("dikta: warning: {what}");
    }
    if !report.all_delivered() {
        bail!(
            "{} note(s) not delivered; they are kept (encrypted) in the outbox: run the same \
             command again to retry",
            report.rejected.len() + report.failed.len() + report.unreadable.len()
        );
    }
    Ok(())
}

fn credentials(args: &ExportArgs) -> Result<Option<ClientCredentials>> {
    let Some(token_url) = args.token_url.clone() else {
        return Ok(None);
    };
    let client_id = args
        .client_id
        .clone()
        .context("--token-url needs --client-id (or DIKTA_CLIENT_ID)")?;
    let secret = match &args.client_secret_file {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the client secret file {}", f.display()))?
            .trim()
            .to_string(),
        None => std::env::var("DIKTA_CLIENT_SECRET").context(
            "--token-url needs the client secret in --client-secret-file or DIKTA_CLIENT_SECRET",
        )?,
    };
    Ok(Some(ClientCredentials {
        token_url,
        client_id,
        client_secret: secret,
        scope: args.scope.clone(),
    }))
}

fn list<S: delivery::Store>(outbox: &delivery::Outbox<S>) -> Result<()> {
    let entries = outbox.entries()?;
    if entries.is_empty() {
        println!("the outbox is empty");
    }
    for e in entries {
        match e {
            Ok(e) => {
                let state = match e.state {
                    EntryState::Pending => "queued".to_string(),
                    EntryState::Rejected { status } => format!("rejected (HTTP {status})"),
                };
                println!(
                    "{}  note {}  {}  {}  {}  attempts {}  since {}",
                    e.id,
                    e.note_id,
                    e.format,
                    delivery::audit::redact_endpoint(&e.endpoint),
                    state,
                    e.attempts,
                    e.queued
                );
            }
            Err(err) => println!("unreadable entry: {err}"),
        }
    }
    Ok(())
}
