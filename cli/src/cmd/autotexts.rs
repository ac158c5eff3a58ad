//! `dikta autotexts`: list the autotexts of libraries, or check library files.

use std::path::PathBuf;

use anyhow::{bail, Result};
use dikta_engine::autotext::Library;
use dikta_engine::headings::HeadingTable;

use super::note::print;

/// Arguments of `dikta autotexts`.
#[derive(clap::Args)]
pub struct AutotextsArgs {
    #[command(subcommand)]
    command: AutotextsCommand,
}

#[derive(clap::Subcommand)]
enum AutotextsCommand {
    /// List autotexts with their layer, heading and source (default folder: ./autotexts).
    List {
        /// Library files or folders, site first, then team, then personal.
        paths: Vec<PathBuf>,
    },
    /// Validate library files; print every problem as file:line and exit non-zero if any.
    Check {
        /// Library files or folders (default: ./autotexts).
        paths: Vec<PathBuf>,
    },
}

fn or_default(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("autotexts")]
    } else {
        paths
    }
}

/// Runs `dikta autotexts`.
pub fn run(args: AutotextsArgs) -> Result<()> {
    match args.command {
        AutotextsCommand::List { paths } => {
            let lib = Library::load(&or_default(paths), HeadingTable::fsiii());
            for problem in lib.problems() {
                eprintln!("dikta: warning: {problem}");
            }
            let mut text = String::new();
            for a in lib.all() {
                let overridden = if lib.is_overridden(a) {
                    "\t(overridden)"
                } else {
                    ""
                };
                text.push_str(&format!(
                    "{}\t{}\t{}\t{}{}\n",
                    a.layer.as_str(),
                    a.name,
                    a.heading.as_deref().unwrap_or("-"),
                    a.at,
                    overridden
                ));
            }
            print(&text)
        }
        AutotextsCommand::Check { paths } => {
            let lib = Library::load(&or_default(paths), HeadingTable::fsiii());
            let mut text = String::new();
            for problem in lib.problems() {
                text.push_str(&format!("{problem}\n"));
            }
            print(&text)?;
            if !lib.problems().is_empty() {
                bail!(
                    "{} problem(s) in the autotext libraries",
                    lib.problems().len()
                );
            }
            print(&format!("{} autotexts OK\n", lib.all().len()))
        }
    }
}
