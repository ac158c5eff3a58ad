//! Autotexts ("autotekster"): named texts inserted by voice, with fields and variables,
//! loaded from plain TOML libraries in layers (site, team, personal; the lower overrides).
//!
//! File format (one library per file):
//! ```toml
//! layer = "team"                 # site (default) | team | personal
//!
//! [[autotext]]
//! name = "morgenpleje"
//! aliases = ["morgen pleje"]     # optional other spoken names
//! heading = "Funktionsniveau"    # optional; else the current heading
//! description = "Morgenbesøg"    # optional
//! text = "Borgeren fik hjælp til [nedre toilette|bad]. Humør: [godt|dårligt]. {dato}"
//! ```

mod library;
mod matching;
mod search;
pub mod template;

pub use library::{Autotext, Layer, Library, Location, Problem};
pub use matching::NameMatch;

#[cfg(test)]
mod tests;
