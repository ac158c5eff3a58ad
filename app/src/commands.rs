//! The commands the page invokes (`window.__TAURI__.core.invoke(name, args)`). Each is a
//! thin, typed wrapper over [`Core`]; all are async so that nothing runs on the UI thread,
//! and blocking work (microphone, model, disk, clipboard) goes to the blocking pool.

use std::sync::Arc;

use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::core::{
    AppError, AppSnapshot, AutotextsView, Core, DeviceView, ExportResult, FileFormat, ModelsView,
    SettingsPatch, TextTarget,
};
use crate::settings::Settings;
use crate::view::AutotextView;

type Shared<'a> = State<'a, Arc<Core>>;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::with_detail("Der skete en intern fejl.", e))?
}

/// Everything the page shows, for its first render.
#[tauri::command]
pub async fn app_state(core: Shared<'_>) -> Result<AppSnapshot, AppError> {
    Ok(core.snapshot())
}

/// Starts recording.
#[tauri::command]
pub async fn start_recording(core: Shared<'_>) -> Result<(), AppError> {
    let core = core.inner().clone();
    blocking(move || core.start_recording()).await
}

/// Stops recording.
#[tauri::command]
pub async fn stop_recording(core: Shared<'_>) -> Result<(), AppError> {
    core.stop_recording();
    Ok(())
}

/// Starts or stops recording.
#[tauri::command]
pub async fn toggle_recording(core: Shared<'_>) -> Result<(), AppError> {
    let core = core.inner().clone();
    blocking(move || core.toggle_recording()).await
}

/// Moves a sentence under another heading.
#[tauri::command]
pub async fn move_sentence(core: Shared<'_>, id: u64, heading: String) -> Result<(), AppError> {
    core.move_sentence(id, &heading)
}

/// Replaces a sentence's text (empty text removes it).
#[tauri::command]
pub async fn edit_sentence(core: Shared<'_>, id: u64, text: String) -> Result<(), AppError> {
    core.edit_sentence(id, &text)
}

/// Removes a sentence.
#[tauri::command]
pub async fn remove_sentence(core: Shared<'_>, id: u64) -> Result<(), AppError> {
    core.remove_sentence(id)
}

/// Fills an autotext field.
#[tauri::command]
pub async fn fill_field(
    core: Shared<'_>,
    id: u64,
    index: usize,
    value: String,
) -> Result<(), AppError> {
    core.fill_field(id, index, &value)
}

/// Gives an autotext field the focus, so that the next dictated words fill it.
#[tauri::command]
pub async fn focus_field(core: Shared<'_>, id: u64, index: usize) -> Result<(), AppError> {
    core.focus_field(id, index)
}

/// Undoes the last change.
#[tauri::command]
pub async fn undo(core: Shared<'_>) -> Result<(), AppError> {
    core.undo()
}

/// Redoes what undo took back.
#[tauri::command]
pub async fn redo(core: Shared<'_>) -> Result<(), AppError> {
    core.redo()
}

/// Starts a new, empty note.
#[tauri::command]
pub async fn new_note(core: Shared<'_>) -> Result<(), AppError> {
    core.new_note()
}

/// Takes back the unfinished note from an earlier run.
#[tauri::command]
pub async fn recover_draft(core: Shared<'_>) -> Result<(), AppError> {
    core.recover_draft()
}

/// Throws the unfinished note from an earlier run away.
#[tauri::command]
pub async fn discard_draft(core: Shared<'_>) -> Result<(), AppError> {
    core.discard_draft();
    Ok(())
}

/// Autotexts matching the query, best first.
#[tauri::command]
pub async fn search_autotexts(
    core: Shared<'_>,
    query: String,
) -> Result<Vec<AutotextView>, AppError> {
    Ok(core.search_autotexts(&query))
}

/// Inserts an autotext by name; returns the inserted sentence's id.
#[tauri::command]
pub async fn insert_autotext(core: Shared<'_>, name: String) -> Result<Option<u64>, AppError> {
    core.insert_autotext(&name)
}

/// Reads the autotext libraries again.
#[tauri::command]
pub async fn reload_autotexts(core: Shared<'_>) -> Result<AutotextsView, AppError> {
    let core = core.inner().clone();
    blocking(move || Ok(core.reload_autotexts())).await
}

/// Copies the note (or one heading) as Cura or Nexus text to the clipboard.
#[tauri::command]
pub async fn copy_export(
    core: Shared<'_>,
    target: TextTarget,
    heading: Option<String>,
) -> Result<ExportResult, AppError> {
    let core = core.inner().clone();
    blocking(move || core.copy_export(target, heading.as_deref())).await
}

/// Pastes the note (or one heading) into the window used before Dikta.
#[tauri::command]
pub async fn paste_export(
    core: Shared<'_>,
    target: TextTarget,
    heading: Option<String>,
) -> Result<ExportResult, AppError> {
    let core = core.inner().clone();
    blocking(move || core.paste_export(target, heading.as_deref())).await
}

/// Saves the note as JSON or FHIR: to `path`, or where the worker chooses in a dialog.
#[tauri::command]
pub async fn save_export(
    app: AppHandle,
    core: Shared<'_>,
    format: FileFormat,
    path: Option<String>,
) -> Result<Option<ExportResult>, AppError> {
    let core = core.inner().clone();
    blocking(move || {
        // Check first, so the worker is not asked for a file name for nothing.
        core.export_file_text(format)?;
        let path = match path {
            Some(p) => std::path::PathBuf::from(p),
            None => {
                let (label, ext) = match format {
                    FileFormat::Json => ("JSON", "json"),
                    FileFormat::Fhir => ("FHIR (JSON)", "json"),
                };
                let picked = app
                    .dialog()
                    .file()
                    .set_title("Gem journalnotat")
                    .set_file_name(core.suggested_file_name(format))
                    .add_filter(label, &[ext])
                    .blocking_save_file();
                match picked.map(|p| p.into_path()) {
                    None => return Ok(None),
                    Some(Ok(p)) => p,
                    Some(Err(e)) => {
                        return Err(AppError::with_detail("Stien kan ikke bruges.", e));
                    }
                }
            }
        };
        core.save_export(format, &path).map(Some)
    })
    .await
}

/// The microphones.
#[tauri::command]
pub async fn devices(core: Shared<'_>) -> Result<Vec<DeviceView>, AppError> {
    let core = core.inner().clone();
    blocking(move || core.devices()).await
}

/// The installed models.
#[tauri::command]
pub async fn models(core: Shared<'_>) -> Result<ModelsView, AppError> {
    let core = core.inner().clone();
    blocking(move || Ok(core.models())).await
}

/// Installs the default model (progress arrives as events).
#[tauri::command]
pub async fn install_model(core: Shared<'_>) -> Result<ModelsView, AppError> {
    let core = core.inner().clone();
    blocking(move || core.install_model()).await
}

/// Imports a model file the worker picks (or `path`).
#[tauri::command]
pub async fn import_model(
    app: AppHandle,
    core: Shared<'_>,
    path: Option<String>,
) -> Result<Option<ModelsView>, AppError> {
    let core = core.inner().clone();
    blocking(move || {
        let path = match path {
            Some(p) => std::path::PathBuf::from(p),
            None => {
                let picked = app
                    .dialog()
                    .file()
                    .set_title("Vælg en Whisper-modelfil (ggml)")
                    .add_filter("ggml-model", &["bin"])
                    .blocking_pick_file();
                match picked.map(|p| p.into_path()) {
                    None => return Ok(None),
                    Some(Ok(p)) => p,
                    Some(Err(e)) => {
                        return Err(AppError::with_detail("Stien kan ikke bruges.", e));
                    }
                }
            }
        };
        core.import_model(&path).map(Some)
    })
    .await
}

/// Changes settings; returns them as saved.
#[tauri::command]
pub async fn update_settings(
    app: AppHandle,
    core: Shared<'_>,
    patch: SettingsPatch,
) -> Result<Settings, AppError> {
    let (settings, shortcut_changed) = core.update_settings(patch)?;
    if shortcut_changed {
        crate::shortcut::register(&app, core.inner().clone())
            .map_err(|e| AppError::with_detail("Genvejen kunne ikke bruges. Vælg en anden.", e))?;
    }
    Ok(settings)
}
