//! Journal headings: the FSIII table (names, UUID codes, order), site headings, recognition
//! of spoken headings and automatic placement of sentences by a Danish lexicon.

mod placement;
mod recognise;

pub use placement::{Lexicon, LexiconError, Placement, PlacementReason};
pub use recognise::HeadingMatch;

use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;
use thiserror::Error;

use crate::journal::{HeadingGroup, HeadingRef};

/// The built-in heading table (FSIII + Øvrigt), as a data file.
pub const BUILTIN_HEADINGS_TOML: &str = include_str!("../../data/headings.toml");

/// Name of the fallback heading for text with no better place.
pub const FALLBACK_HEADING: &str = "Øvrigt";

/// First order number given to site headings (after all FSIII headings, before Øvrigt).
const SITE_ORDER_START: u32 = 5000;

/// One heading Dikta knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    /// Display name, e.g. "Hud og slimhinder".
    pub name: String,
    /// FSIII UUID code; `None` for site headings and Øvrigt.
    pub code: Option<String>,
    /// FSIII group.
    pub group: HeadingGroup,
    /// Sort position in a note.
    pub order: u32,
    /// Other spoken forms (older names, short forms).
    pub aliases: Vec<String>,
}

impl Heading {
    /// The self-contained reference a note stores.
    pub fn to_ref(&self) -> HeadingRef {
        HeadingRef {
            name: self.name.clone(),
            code: self.code.clone(),
            group: self.group,
            order: self.order,
        }
    }
}

/// Problems reading a heading table or a site heading file.
#[derive(Debug, Error)]
pub enum HeadingsError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// File that failed.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("{origin}: {message}")]
    Parse {
        /// File name or "built-in".
        origin: String,
        /// What is wrong, with line and column from the TOML parser.
        message: String,
    },
    /// The same heading name or alias appears twice.
    #[error("{origin}: heading {name:?} is defined twice")]
    Duplicate {
        /// File name or "built-in".
        origin: String,
        /// The repeated name.
        name: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadingFile {
    #[serde(default)]
    heading: Vec<HeadingRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadingRow {
    name: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    group: Option<HeadingGroup>,
    #[serde(default)]
    order: Option<u32>,
    #[serde(default)]
    aliases: Vec<String>,
}

/// The headings a dictation can use: FSIII, Øvrigt and any site headings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadingTable {
    headings: Vec<Heading>,
}

impl HeadingTable {
    /// The built-in FSIII table (12 nursing areas, 11 general-information items, 4 function
    /// areas) plus Øvrigt.
    pub fn fsiii() -> &'static HeadingTable {
        static TABLE: OnceLock<HeadingTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The embedded file is part of the program; a test checks that it parses.
            HeadingTable::from_toml_str(BUILTIN_HEADINGS_TOML, "built-in")
                .unwrap_or_else(|e| panic!("built-in heading table is broken: {e}"))
        })
    }

    /// Parse a heading table from TOML (`[[heading]]` rows with name, code, group, order,
    /// aliases). `origin` names the source in errors.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, HeadingsError> {
        let file: HeadingFile = toml::from_str(src).map_err(|e| HeadingsError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut table = HeadingTable {
            headings: Vec::new(),
        };
        for (i, row) in file.heading.into_iter().enumerate() {
            let heading = Heading {
                order: row.order.unwrap_or(SITE_ORDER_START + i as u32),
                group: row.group.unwrap_or(HeadingGroup::Site),
                name: row.name,
                code: row.code,
                aliases: row.aliases,
            };
            table.push(heading, origin)?;
        }
        table.headings.sort_by_key(|h| h.order);
        Ok(table)
    }

    fn push(&mut self, heading: Heading, origin: &str) -> Result<(), HeadingsError> {
        for spoken in std::iter::once(&heading.name).chain(&heading.aliases) {
            if self.get(spoken).is_some() {
                return Err(HeadingsError::Duplicate {
                    origin: origin.to_string(),
                    name: spoken.clone(),
                });
            }
        }
        self.headings.push(heading);
        Ok(())
    }

    /// This table plus a site's own headings from TOML (`[[heading]]` with `name` and
    /// optional `aliases`). Site headings have no FSIII code and sort after FSIII headings.
    pub fn with_site_headings(&self, src: &str, origin: &str) -> Result<Self, HeadingsError> {
        let file: HeadingFile = toml::from_str(src).map_err(|e| HeadingsError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut table = self.clone();
        let first = table
            .headings
            .iter()
            .filter(|h| h.group == HeadingGroup::Site)
            .count() as u32;
        for (i, row) in file.heading.into_iter().enumerate() {
            let heading = Heading {
                name: row.name,
                code: None,
                group: HeadingGroup::Site,
                order: SITE_ORDER_START + first + i as u32,
                aliases: row.aliases,
            };
            table.push(heading, origin)?;
        }
        table.headings.sort_by_key(|h| h.order);
        Ok(table)
    }

    /// [`HeadingTable::with_site_headings`] reading the site file from disk.
    pub fn with_site_file(&self, path: &Path) -> Result<Self, HeadingsError> {
        let src = std::fs::read_to_string(path).map_err(|source| HeadingsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.with_site_headings(&src, &path.display().to_string())
    }

    /// All headings in note order.
    pub fn iter(&self) -> impl Iterator<Item = &Heading> {
        self.headings.iter()
    }

    /// The heading with this name or alias (case-insensitive, exact).
    pub fn get(&self, name: &str) -> Option<&Heading> {
        let key = crate::text::danish::fold(name);
        self.headings.iter().find(|h| {
            crate::text::danish::fold(&h.name) == key
                || h.aliases
                    .iter()
                    .any(|a| crate::text::danish::fold(a) == key)
        })
    }

    /// The fallback heading "Øvrigt".
    pub fn fallback(&self) -> Heading {
        self.get(FALLBACK_HEADING).cloned().unwrap_or(Heading {
            name: FALLBACK_HEADING.to_string(),
            code: None,
            group: HeadingGroup::Other,
            order: 9999,
            aliases: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests;
