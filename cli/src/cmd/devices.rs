//! `dikta devices`: the audio inputs `dikta dictate --device` can use.

use anyhow::{Context, Result};
use dikta_engine::audio::capture;

/// Arguments of `dikta devices`.
#[derive(clap::Args)]
pub struct DevicesArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `dikta devices`.
pub fn run(args: DevicesArgs) -> Result<()> {
    let devices = capture::list_input_devices().context("listing audio input devices")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
        return Ok(());
    }
    if devices.is_empty() {
        println!("No audio input devices found.");
        return Ok(());
    }
    for d in devices {
        println!(
            "{} {}  ({} Hz, {} ch, {})",
            if d.is_default { "*" } else { " " },
            d.name,
            d.sample_rate,
            d.channels,
            d.sample_format
        );
    }
    Ok(())
}
