//! `dikta headings`: the heading table, and automatic placement of sentences.

use std::io::BufRead;

use anyhow::{Context, Result};
use dikta_engine::headings::{HeadingTable, Lexicon, FALLBACK_HEADING};

use super::note::print;

/// Arguments of `dikta headings`.
#[derive(clap::Args)]
pub struct HeadingsArgs {
    #[command(subcommand)]
    command: HeadingsCommand,
}

#[derive(clap::Subcommand)]
enum HeadingsCommand {
    /// Read one sentence a line on standard input; print `<heading>\t<confidence>\t<reason>`.
    Classify,
    /// List the headings with their FSIII group and code.
    List,
}

/// Runs `dikta headings`.
pub fn run(args: HeadingsArgs) -> Result<()> {
    match args.command {
        HeadingsCommand::Classify => classify(),
        HeadingsCommand::List => {
            let mut text = String::new();
            for h in HeadingTable::fsiii().iter() {
                let group = serde_json::to_value(h.group)?;
                text.push_str(&format!(
                    "{}\t{}\t{}\n",
                    h.name,
                    group.as_str().unwrap_or(""),
                    h.code.as_deref().unwrap_or("-")
                ));
            }
            print(&text)
        }
    }
}

fn classify() -> Result<()> {
    let lexicon = Lexicon::builtin();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            print("\n")?;
            continue;
        }
        let placement = lexicon.classify(&line);
        print(&format!(
            "{}\t{:.2}\t{}\n",
            placement.heading.as_deref().unwrap_or(FALLBACK_HEADING),
            placement.confidence,
            placement.reason_text()
        ))?;
    }
    Ok(())
}
