//! The global record shortcut (works while another window, e.g. Cura, has focus): toggle,
//! or push-to-talk while held.

use std::sync::Arc;

use tauri::{AppHandle, Emitter};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};

use crate::core::Core;
use crate::events::{self, Notice};
use crate::settings::ShortcutMode;

/// Registers the shortcut from the settings (replacing any earlier one). An empty shortcut
/// registers nothing.
pub fn register(app: &AppHandle, core: Arc<Core>) -> Result<(), String> {
    let gs = app.global_shortcut();
    let _ = gs.unregister_all();
    let settings = core.settings();
    let keys = settings.shortcut.trim().to_string();
    if keys.is_empty() {
        return Ok(());
    }
    let mode = settings.shortcut_mode;
    gs.on_shortcut(keys.as_str(), move |app, _shortcut, event| {
        let core = core.clone();
        let app = app.clone();
        let state = event.state();
        // Never block the event loop: the microphone opens on a blocking thread.
        tauri::async_runtime::spawn_blocking(move || {
            let result = match (mode, state) {
                (ShortcutMode::Toggle, ShortcutState::Pressed) => core.toggle_recording(),
                (ShortcutMode::Hold, ShortcutState::Pressed) => core.start_recording(),
                (ShortcutMode::Hold, ShortcutState::Released) => {
                    core.stop_recording();
                    Ok(())
                }
                _ => Ok(()),
            };
            if let Err(e) = result {
                let _ = app.emit(events::NOTICE, Notice::error(e.message));
            }
        });
    })
    .map_err(|e| e.to_string())
}
