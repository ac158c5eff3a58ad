//! Nexus (KMD): the journal note as plain text for a Nexus journal-note field.
//!
//! Nexus also has a REST API (an extra-cost product); sites that use it put an integration
//! service in front of it and send it the FHIR or JSON export through `crate::delivery`.

use super::TextProfile;
use crate::journal::JournalNote;

/// The built-in `nexus-text` profile as a data file.
pub const PROFILE_TOML: &str = include_str!("../../data/export/nexus-text.toml");

/// The built-in `nexus-text` profile.
pub fn profile() -> TextProfile {
    // The embedded file is part of the program; a unit test checks that it parses.
    TextProfile::from_toml_str(PROFILE_TOML, "built-in nexus-text")
        .unwrap_or_else(|e| panic!("built-in nexus-text profile is broken: {e}"))
}

/// The note as text for Nexus, with the built-in profile.
pub fn render(note: &JournalNote) -> String {
    profile().render(note)
}
