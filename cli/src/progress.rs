//! Progress bars for long steps, drawn on stderr only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting bytes (downloads, conversions).
#[allow(dead_code)]
pub fn bytes_bar(total: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

/// A bar counting seconds of audio processed.
pub fn audio_bar(total_s: Option<f64>, message: &str) -> ProgressBar {
    let bar = match total_s {
        Some(total) => ProgressBar::new((total * 10.0).ceil() as u64),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:24} [{bar:30}] {percent:>3}% ({elapsed} / ~{eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}
