//! Loading autotext libraries: TOML files in layers (site, team, personal), validated with
//! file:line problems. A broken file never stops the others from loading.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::template::{self, Part};
use crate::headings::HeadingTable;
use crate::text::danish::fold_compact;

/// Library layer; a lower layer overrides a higher one by name.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The municipality's or care home's library.
    #[default]
    Site,
    /// A team's (group's) library.
    Team,
    /// One worker's own library.
    Personal,
}

impl Layer {
    /// Lowercase name as used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Site => "site",
            Layer::Team => "team",
            Layer::Personal => "personal",
        }
    }
}

/// Where an autotext or problem is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File path (or name given by the caller).
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A problem found while loading; the autotext concerned is skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where.
    pub at: Location,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// One autotext, loaded and validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Autotext {
    /// Name to say after "indsæt" / "autotekst".
    pub name: String,
    /// Other spoken names.
    pub aliases: Vec<String>,
    /// Heading the text goes under; `None` means the current heading.
    pub heading: Option<String>,
    /// The text with fields and variables, as written in the file.
    pub text: String,
    /// What the autotext is for.
    pub description: Option<String>,
    /// Layer it came from.
    pub layer: Layer,
    /// Where it is defined.
    pub at: Location,
    #[serde(skip)]
    pub(crate) parts: Vec<Part>,
}

impl Autotext {
    /// The parsed text.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Number of fields in the text.
    pub fn field_count(&self) -> usize {
        self.parts
            .iter()
            .filter(|p| matches!(p, Part::Field(_)))
            .count()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRows {
    #[serde(default)]
    layer: Option<toml::Spanned<Layer>>,
    #[serde(default)]
    autotext: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: toml::Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    heading: Option<toml::Spanned<String>>,
    text: toml::Spanned<String>,
    #[serde(default)]
    description: Option<String>,
}

/// All autotexts from a set of files, with the problems found.
#[derive(Clone, Debug, Default)]
pub struct Library {
    all: Vec<Autotext>,
    problems: Vec<Problem>,
}

/// The 1-based line of a byte offset. Counts bytes, so an offset that a parser error places
/// inside a multi-byte character (toml can) cannot panic.
fn line_of(src: &str, offset: usize) -> usize {
    newlines_before(src, offset) + 1
}

/// How many line breaks come before byte `offset` (clamped to the text).
fn newlines_before(src: &str, offset: usize) -> usize {
    let bytes = src.as_bytes();
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

impl Library {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Load files and folders (every `*.toml` in a folder, sorted by name), in order.
    /// Never fails: unreadable or invalid files become [`Problem`]s.
    pub fn load(paths: &[PathBuf], headings: &HeadingTable) -> Library {
        let mut lib = Library::new();
        for path in paths {
            lib.add_path(path, headings);
        }
        lib
    }

    /// Add a file, or every `*.toml` file in a folder.
    pub fn add_path(&mut self, path: &Path, headings: &HeadingTable) {
        if path.is_dir() {
            let entries = match std::fs::read_dir(path) {
                Ok(rd) => rd,
                Err(e) => {
                    self.problem(
                        path.display().to_string(),
                        1,
                        format!("cannot read folder: {e}"),
                    );
                    return;
                }
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for f in files {
                self.add_path(&f, headings);
            }
            return;
        }
        match std::fs::read_to_string(path) {
            Ok(src) => self.add_source(&src, &path.display().to_string(), headings),
            Err(e) => self.problem(
                path.display().to_string(),
                1,
                format!("cannot read file: {e}"),
            ),
        }
    }

    fn problem(&mut self, file: String, line: usize, message: String) {
        self.problems.push(Problem {
            at: Location { file, line },
            message,
        });
    }

    /// Add the autotexts of one file's text; `file` names it in problems.
    pub fn add_source(&mut self, src: &str, file: &str, headings: &HeadingTable) {
        let rows: FileRows = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => {
                let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(1);
                let msg = e.message().to_string();
                self.problem(file.to_string(), line, format!("invalid TOML: {msg}"));
                return;
            }
        };
        let layer = rows.layer.map(|l| l.into_inner()).unwrap_or_default();
        for row in rows.autotext {
            let line = line_of(src, row.name.span().start);
            let at = Location {
                file: file.to_string(),
                line,
            };
            let name = row.name.get_ref().trim().to_string();
            let mut bad = false;
            if name.is_empty() {
                self.problem(file.to_string(), line, "autotext has an empty name".into());
                bad = true;
            }
            // Same name (or alias) twice in one layer.
            for spoken in std::iter::once(&name).chain(&row.aliases) {
                let key = fold_compact(spoken);
                if key.is_empty() {
                    continue;
                }
                if let Some(other) = self.all.iter().find(|a| {
                    a.layer == layer
                        && std::iter::once(&a.name)
                            .chain(&a.aliases)
                            .any(|n| fold_compact(n) == key)
                }) {
                    self.problem(
                        file.to_string(),
                        line,
                        format!(
                            "duplicate name {spoken:?} in layer {}: already defined at {}",
                            layer.as_str(),
                            other.at
                        ),
                    );
                    bad = true;
                }
            }
            let heading = match &row.heading {
                Some(h) => match headings.get(h.get_ref()) {
                    Some(found) => Some(found.name.clone()),
                    None => {
                        self.problem(
                            file.to_string(),
                            line_of(src, h.span().start),
                            format!("unknown heading {:?}", h.get_ref()),
                        );
                        bad = true;
                        None
                    }
                },
                None => None,
            };
            let text_span = row.text.span();
            let raw = src
                .as_bytes()
                .get(text_span.start..text_span.end.min(src.len()))
                .unwrap_or_default();
            let first_line = line_of(src, text_span.start)
                + usize::from(
                    raw.starts_with(b"\"\"\"\n")
                        || raw.starts_with(b"'''\n")
                        || raw.starts_with(b"\"\"\"\r\n")
                        || raw.starts_with(b"'''\r\n"),
                );
            let text = row.text.get_ref().clone();
            if text.trim().is_empty() {
                self.problem(
                    file.to_string(),
                    first_line,
                    format!("autotext {name:?} has no text"),
                );
                bad = true;
            }
            let parts = match template::parse(&text) {
                Ok(p) => p,
                Err(errors) => {
                    for e in errors {
                        let l = first_line + newlines_before(&text, e.offset);
                        self.problem(
                            file.to_string(),
                            l,
                            format!("autotext {name:?}: {}", e.message),
                        );
                    }
                    bad = true;
                    Vec::new()
                }
            };
            if bad {
                continue;
            }
            self.all.push(Autotext {
                name,
                aliases: row.aliases,
                heading,
                text,
                description: row.description,
                layer,
                at,
                parts,
            });
        }
    }

    /// Problems found while loading, in file order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Every valid autotext loaded, including those overridden by a lower layer.
    pub fn all(&self) -> &[Autotext] {
        &self.all
    }

    /// True when `a` is hidden by an autotext of the same name in a lower layer.
    pub fn is_overridden(&self, a: &Autotext) -> bool {
        let key = fold_compact(&a.name);
        self.all
            .iter()
            .any(|b| b.layer > a.layer && fold_compact(&b.name) == key)
    }

    /// The autotexts in effect: for each name, the one from the lowest layer.
    pub fn effective(&self) -> impl Iterator<Item = &Autotext> {
        self.all.iter().filter(|a| !self.is_overridden(a))
    }

    /// The effective autotext with exactly this name (folded).
    pub fn get(&self, name: &str) -> Option<&Autotext> {
        let key = fold_compact(name);
        self.effective().find(|a| fold_compact(&a.name) == key)
    }
}
