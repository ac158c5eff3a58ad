//! One module per `dikta` subcommand.

pub mod model;
pub mod transcribe;
