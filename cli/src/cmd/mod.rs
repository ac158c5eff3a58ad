//! One module per `dikta` subcommand.

pub mod autotexts;
pub mod bench;
pub mod bench_live;
pub mod bench_soak;
pub mod devices;
pub mod dictate;
pub mod drafts;
pub mod export;
pub mod headings;
pub mod model;
pub mod note;
pub mod paste;
pub mod transcribe;
