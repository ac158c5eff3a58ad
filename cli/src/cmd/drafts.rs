//! `dikta drafts`: list, show, recover and purge the encrypted drafts that dictation leaves
//! behind until their export is confirmed. Never prints a CPR number unmasked.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use dikta_engine::journal::{JournalNote, Provenance};
use dikta_engine::store::{
    DraftListing, DraftStore, Storage, StorageError, StorageNotice, StorageOptions,
};
use uuid::Uuid;

/// Arguments of `dikta drafts`.
#[derive(Args, Debug)]
pub struct DraftsArgs {
    #[command(subcommand)]
    pub command: DraftsCommand,
}

/// How a recovered note is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecoverFormat {
    /// Headings as lines, ready to paste into Cura or Nexus.
    Text,
    /// The whole note (headings, placements, autotext fields) as JSON.
    Json,
}

/// The `dikta drafts` subcommands.
#[derive(Subcommand, Debug)]
pub enum DraftsCommand {
    /// One draft a line: id, last saved, author, citizen (CPR masked), size, headings.
    List {
        /// Print JSON (one array of summaries; no note text).
        #[arg(long)]
        json: bool,
    },
    /// Show a draft's structure: headings, each sentence with why it sits there, fields.
    Show {
        /// Draft id (or a unique prefix of it).
        id: String,
    },
    /// Print a draft's note to standard output (nothing is written to disk), to paste it or
    /// to hand it to the app; the draft stays until its export is confirmed.
    Recover {
        /// Draft id (or a unique prefix of it).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: RecoverFormat,
        /// Delete the draft after printing it (the export is confirmed).
        #[arg(long)]
        remove: bool,
    },
    /// Delete drafts: the given ids, or all expired ones, or all of them.
    Purge {
        /// Draft ids (or unique prefixes).
        ids: Vec<String>,
        /// Delete drafts older than this many days (default: the retention period).
        #[arg(long, value_name = "DAYS")]
        older_than: Option<f64>,
        /// Delete every draft, kept audio and refused file.
        #[arg(long, conflicts_with_all = ["ids", "older_than"])]
        all: bool,
        /// Also delete refused (tampered) drafts kept aside.
        #[arg(long)]
        refused: bool,
    },
    /// Where drafts are kept, how they are encrypted, and for how long.
    Info,
}

/// Runs `dikta drafts`.
pub fn run(args: DraftsArgs) -> Result<()> {
    let mut options = StorageOptions::from_env();
    // `purge` decides for itself what to delete; other commands purge expired drafts at
    // start-up as every start of Dikta does.
    if matches!(args.command, DraftsCommand::Purge { .. }) {
        options.purge_on_open = false;
    }
    let (storage, notices) = Storage::open(&options).context("opening Dikta's storage")?;
    print_notices(&notices);
    let drafts = storage.drafts().context("opening the draft folder")?;
    match args.command {
        DraftsCommand::List { json } => list(&drafts, json),
        DraftsCommand::Show { id } => show(&drafts, &id),
        DraftsCommand::Recover { id, format, remove } => recover(&drafts, &id, format, remove),
        DraftsCommand::Purge {
            ids,
            older_than,
            all,
            refused,
        } => purge(&storage, &drafts, ids, older_than, all, refused),
        DraftsCommand::Info => info(&storage),
    }
}

/// Prints storage notices on stderr, one a line.
pub fn print_notices(notices: &[StorageNotice]) {
    for n in notices {
        eprintln!("dikta: note: {n}");
    }
}

fn list(drafts: &DraftStore, json: bool) -> Result<()> {
    let listing = drafts.list().context("listing drafts")?;
    print_notices(&DraftStore::notices(&listing));
    if json {
        let summaries: Vec<_> = listing
            .iter()
            .filter_map(|l| match l {
                DraftListing::Draft(s) => Some(s),
                DraftListing::Unreadable { .. } => None,
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&summaries)?);
        return Ok(());
    }
    let now = chrono::Utc::now();
    for l in &listing {
        match l {
            DraftListing::Draft(s) => {
                let age = now.signed_duration_since(s.saved);
                let saved = s.saved.with_timezone(&chrono::Local);
                println!(
                    "{}  {}  ({})  {}  {}  {} sentence{}{}{}  {}",
                    s.id,
                    saved.format("%Y-%m-%d %H:%M"),
                    human_age(age),
                    s.author,
                    s.citizen.as_deref().unwrap_or("-"),
                    s.sentences,
                    if s.sentences == 1 { "" } else { "s" },
                    if s.unfilled_fields > 0 {
                        format!(", {} open field(s)", s.unfilled_fields)
                    } else {
                        String::new()
                    },
                    if s.has_audio { ", audio kept" } else { "" },
                    s.headings.join(" / ")
                );
            }
            DraftListing::Unreadable { name, error } => {
                println!("{name}  UNREADABLE  {error}");
            }
        }
    }
    if listing.is_empty() {
        eprintln!("no drafts");
    }
    Ok(())
}

fn human_age(age: chrono::Duration) -> String {
    let mins = age.num_minutes().max(0);
    match mins {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min ago"),
        m if m < 48 * 60 => format!("{} h ago", m / 60),
        m => format!("{} days ago", m / (24 * 60)),
    }
}

fn find(drafts: &DraftStore, id: &str) -> Result<JournalNote> {
    let uuid = match Uuid::parse_str(id) {
        Ok(u) => u,
        Err(_) => drafts
            .resolve(id)
            .context("looking for the draft")?
            .with_context(|| format!("no single draft matches {id:?}; see `dikta drafts list`"))?,
    };
    match drafts.load(uuid) {
        Ok(Some(d)) => Ok(d.note),
        Ok(None) => match drafts.quarantined_for(&uuid.to_string()) {
            Some(aside) => bail!(
                "draft {uuid} was refused: it failed authentication (changed or damaged after \
                 Dikta wrote it) and is kept aside at {}",
                aside.display()
            ),
            None => bail!("no draft {uuid}; see `dikta drafts list`"),
        },
        Err(e @ StorageError::Tampered { .. }) => {
            Err(anyhow::Error::new(e).context(format!("draft {uuid} refused")))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading draft {uuid}"))),
    }
}

fn show(drafts: &DraftStore, id: &str) -> Result<()> {
    let note = find(drafts, id)?;
    println!("note     {}", note.id);
    println!("author   {}", note.author);
    println!("created  {}", note.created.to_rfc3339());
    if let Some(c) = &note.citizen {
        let who = c
            .name
            .clone()
            .or_else(|| c.record_id.clone())
            .unwrap_or_default();
        let cpr = if c.cpr.is_some() {
            " CPR ******-****"
        } else {
            ""
        };
        println!("citizen  {who}{cpr}");
    }
    for sec in &note.sections {
        if sec.sentences.is_empty() {
            continue;
        }
        println!("\n{}", sec.heading.name);
        for s in &sec.sentences {
            let why = match &s.provenance {
                Provenance::SpokenHeading => "spoken heading".to_string(),
                Provenance::Lexicon { confidence, .. } => {
                    format!("placed by content ({:.0} %)", confidence * 100.0)
                }
                Provenance::Autotext { name, .. } => format!("autotext {name}"),
                Provenance::Default { .. } => "no better place".to_string(),
                Provenance::MovedByUser { from } => format!("moved from {from}"),
            };
            let fields = if s.fields.is_empty() {
                String::new()
            } else {
                let filled = s.fields.iter().filter(|f| f.filled).count();
                format!(", fields {filled}/{} filled", s.fields.len())
            };
            println!(
                "  [{}] {}  ({why}{fields})",
                s.id.0,
                s.text.replace('\n', "\n      ")
            );
        }
    }
    Ok(())
}

fn recover(drafts: &DraftStore, id: &str, format: RecoverFormat, remove: bool) -> Result<()> {
    let note = find(drafts, id)?;
    match format {
        RecoverFormat::Text => println!("{}", note.plain_text()),
        RecoverFormat::Json => println!("{}", serde_json::to_string_pretty(&note)?),
    }
    if remove {
        drafts
            .remove(note.id)
            .with_context(|| format!("deleting draft {}", note.id))?;
        eprintln!("draft {} deleted", note.id);
    }
    Ok(())
}

fn purge(
    storage: &Storage,
    drafts: &DraftStore,
    ids: Vec<String>,
    older_than: Option<f64>,
    all: bool,
    refused: bool,
) -> Result<()> {
    if all {
        let n = drafts.purge_all().context("deleting drafts")?;
        eprintln!("deleted {n} draft(s), kept audio and refused files");
        return Ok(());
    }
    if !ids.is_empty() {
        for id in ids {
            let note = find(drafts, &id)?;
            drafts.remove(note.id)?;
            eprintln!("deleted draft {}", note.id);
        }
    } else {
        let age = match older_than {
            Some(d) if d.is_finite() && d >= 0.0 => {
                std::time::Duration::from_secs_f64(d * 86_400.0)
            }
            Some(_) => bail!("--older-than takes a number of days (0 or more)"),
            None => storage.retention(),
        };
        let report = drafts
            .purge_expired(age)
            .context("deleting expired drafts")?;
        eprintln!("deleted {} expired draft(s)", report.removed.len());
        for (name, why) in report.failed {
            eprintln!("could not delete {name}: {why}");
        }
    }
    if refused {
        let n = drafts.purge_quarantine()?;
        eprintln!("deleted {n} refused file(s)");
    }
    Ok(())
}

fn info(storage: &Storage) -> Result<()> {
    let d = storage.dirs();
    println!("drafts      {}", d.drafts().display());
    println!("refused     {}", d.quarantine().display());
    println!("outbox      {}", d.outbox().display());
    println!("audit log   {}", d.audit_log().display());
    println!("encryption  XChaCha20-Poly1305, 256-bit key");
    println!("key         {}", storage.key_location());
    println!(
        "retention   {} day(s) (DIKTA_DRAFT_RETENTION_DAYS)",
        storage.retention().as_secs_f64() / 86_400.0
    );
    Ok(())
}
