//! Text profiles: how a note becomes plain text for one record system's journal field.
//!
//! A profile is a small TOML data file (`engine/data/export/*.toml`). A site overrides only
//! the keys it wants to change; the rest keep the built-in values.

use std::path::Path;

use chrono::format::{Item, StrftimeItems};
use serde::{Deserialize, Serialize};

use super::{clean_text, ExportError};
use crate::journal::{JournalNote, Section};

/// Line endings of rendered text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// `\r\n`, what Windows-hosted fields (also through Citrix) expect.
    Crlf,
    /// `\n`.
    Lf,
}

impl LineEnding {
    /// The characters of one line break.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Crlf => "\r\n",
            LineEnding::Lf => "\n",
        }
    }
}

/// Where the author-and-time line goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorLine {
    /// No author line (the record system stamps author and time itself).
    None,
    /// Before the first heading.
    Top,
    /// After the last section.
    Bottom,
}

/// A text profile: the layout of a note as one record system's field takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextProfile {
    /// Name of the profile, e.g. `cura-text`.
    pub name: String,
    /// Line endings of the output.
    pub line_ending: LineEnding,
    /// A heading line; `{heading}` is replaced by the heading name.
    pub heading_format: String,
    /// Blank lines between one section's text and the next heading.
    pub blank_lines_between_sections: u8,
    /// Where the author-and-time line goes.
    pub author_line: AuthorLine,
    /// The author line; `{author}`, `{date}` and `{time}` are replaced.
    pub author_format: String,
    /// chrono strftime format of `{date}`.
    pub date_format: String,
    /// chrono strftime format of `{time}`.
    pub time_format: String,
}

impl TextProfile {
    /// Parse a complete profile from TOML. `origin` names the source in errors.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, ExportError> {
        let profile: TextProfile = toml::from_str(src).map_err(|e| ExportError::Profile {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        profile.validate(origin)?;
        Ok(profile)
    }

    /// This profile with the keys given in `src` (TOML) replaced: a site override may name
    /// only the keys it changes.
    pub fn with_overrides(&self, src: &str, origin: &str) -> Result<Self, ExportError> {
        let err = |message: String| ExportError::Profile {
            origin: origin.to_string(),
            message,
        };
        let base = toml::Table::try_from(self).map_err(|e| err(e.to_string()))?;
        let site: toml::Table = toml::from_str(src).map_err(|e| err(e.to_string()))?;
        let mut merged = base;
        for (k, v) in site {
            merged.insert(k, v);
        }
        let profile: TextProfile = merged.try_into().map_err(|e| err(format!("{e}")))?;
        profile.validate(origin)?;
        Ok(profile)
    }

    /// [`TextProfile::with_overrides`] reading the override file from disk.
    pub fn with_override_file(&self, path: &Path) -> Result<Self, ExportError> {
        let src = std::fs::read_to_string(path).map_err(|source| ExportError::ProfileIo {
            path: path.display().to_string(),
            source,
        })?;
        self.with_overrides(&src, &path.display().to_string())
    }

    fn validate(&self, origin: &str) -> Result<(), ExportError> {
        for (key, fmt) in [
            ("date_format", &self.date_format),
            ("time_format", &self.time_format),
        ] {
            if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
                return Err(ExportError::Profile {
                    origin: origin.to_string(),
                    message: format!("{key} {fmt:?} is not a valid date/time format"),
                });
            }
        }
        if !self.heading_format.contains("{heading}") {
            return Err(ExportError::Profile {
                origin: origin.to_string(),
                message: "heading_format must contain {heading}".to_string(),
            });
        }
        Ok(())
    }

    /// The whole note as text: headings on their own lines in note (FSIII) order, the text
    /// under them, no empty headings, the author line where the profile puts it.
    pub fn render(&self, note: &JournalNote) -> String {
        let mut blocks: Vec<String> = Vec::new();
        for section in &note.sections {
            let body = section_body(section);
            if body.is_empty() {
                continue;
            }
            let heading = self
                .heading_format
                .replace("{heading}", &section.heading.name);
            blocks.push(format!("{}\n{}", clean_text(&heading), body));
        }
        let author = self.author_text(note);
        match self.author_line {
            AuthorLine::None => {}
            AuthorLine::Top => blocks.insert(0, author),
            AuthorLine::Bottom => blocks.push(author),
        }
        let separator = "\n".repeat(usize::from(self.blank_lines_between_sections) + 1);
        self.finish(&blocks.join(&separator))
    }

    /// The text under one heading, without the heading line: for a record system that has
    /// one field per FSIII area. `None` when the section is empty.
    pub fn render_section(&self, section: &Section) -> Option<String> {
        let body = section_body(section);
        (!body.is_empty()).then(|| self.finish(&body))
    }

    /// The filled-in author line.
    pub fn author_text(&self, note: &JournalNote) -> String {
        let line = self
            .author_format
            .replace("{author}", note.author.trim())
            .replace("{date}", &format_time(note, &self.date_format))
            .replace("{time}", &format_time(note, &self.time_format));
        clean_text(&line).replace('\n', " ")
    }

    fn finish(&self, text: &str) -> String {
        if self.line_ending == LineEnding::Lf {
            text.to_string()
        } else {
            text.replace('\n', self.line_ending.as_str())
        }
    }
}

/// The note's time in a strftime format; empty if the format is invalid (profiles from files
/// are validated when loaded, so this only guards hand-built ones).
fn format_time(note: &JournalNote, format: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if write!(out, "{}", note.created.format(format)).is_err() {
        out.clear();
    }
    out
}

/// A section's text, cleaned, with surrounding blank lines removed.
fn section_body(section: &Section) -> String {
    let cleaned = clean_text(&section.body_text());
    // Collapse runs of 3+ line breaks (empty sentences) into one blank line.
    let mut out = String::with_capacity(cleaned.len());
    let mut newlines = 0;
    for c in cleaned.trim_matches(|c: char| c.is_whitespace()).chars() {
        if c == '\n' {
            newlines += 1;
            if newlines > 2 {
                continue;
            }
        } else {
            newlines = 0;
        }
        out.push(c);
    }
    out
}
