//! The `dikta-app` binary: starts the Dikta window.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DIKTA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,dikta_app=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = dikta_app::run() {
        eprintln!("dikta-app: {e}");
        std::process::exit(1);
    }
}
