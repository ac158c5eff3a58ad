//! Cura (Systematic): the journal note as plain text for Cura's free-text journal field.
//!
//! There is no public Cura API; the text reaches Cura by paste (see `crate::paste`) or
//! through a site's own integration service.

use super::TextProfile;
use crate::journal::JournalNote;

/// The built-in `cura-text` profile as a data file.
pub const PROFILE_TOML: &str = include_str!("../../data/export/cura-text.toml");

/// The built-in `cura-text` profile.
pub fn profile() -> TextProfile {
    // The embedded file is part of the program; a unit test checks that it parses.
    TextProfile::from_toml_str(PROFILE_TOML, "built-in cura-text")
        .unwrap_or_else(|e| panic!("built-in cura-text profile is broken: {e}"))
}

/// The note as text for Cura, with the built-in profile.
pub fn render(note: &JournalNote) -> String {
    profile().render(note)
}
