//! One module per `dikta` subcommand.

pub mod transcribe;
