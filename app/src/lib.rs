//! Dikta's desktop app: a care worker dictates, reviews and exports a journal note in one
//! window. A thin shell over `dikta-engine`: the page (`ui/`) renders state and sends
//! intents through typed commands ([`commands`]); Rust answers with typed events
//! ([`events`]). No dictation logic lives here.

pub mod commands;
pub mod core;
pub mod drafts;
pub mod events;
pub mod focus;
pub mod settings;
pub mod shortcut;
pub mod view;

use tauri::{Emitter, Manager};

use crate::events::Notice;
use crate::settings::Dirs;

/// Runs the app until its window is closed.
pub fn run() -> Result<(), tauri::Error> {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .setup(|app| {
            let dirs = Dirs::user();
            let core = core::Core::new(app.handle().clone(), dirs);
            core.preload_model();
            if let Err(e) = shortcut::register(app.handle(), core.clone()) {
                tracing::warn!(error = %e, "global shortcut not registered");
                let _ = app.emit(
                    events::NOTICE,
                    Notice::warning(format!("Genvejen kunne ikke registreres: {e}")),
                );
            }
            app.manage(core);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::start_recording,
            commands::stop_recording,
            commands::toggle_recording,
            commands::move_sentence,
            commands::edit_sentence,
            commands::remove_sentence,
            commands::fill_field,
            commands::focus_field,
            commands::undo,
            commands::redo,
            commands::new_note,
            commands::recover_draft,
            commands::discard_draft,
            commands::search_autotexts,
            commands::insert_autotext,
            commands::reload_autotexts,
            commands::copy_export,
            commands::paste_export,
            commands::save_export,
            commands::devices,
            commands::models,
            commands::install_model,
            commands::import_model,
            commands::update_settings,
        ])
        .run(tauri::generate_context!())
}
