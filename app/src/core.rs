//! The app's state and everything it does, behind the Tauri commands: the note being
//! written (an engine [`Interpreter`]), recording, exports, models, settings.
//!
//! Threads: the UI thread only runs Tauri's event loop. Recording runs on
//! `dikta-app-audio` (microphone → session) and `dikta-app-events` (session events →
//! interpreter → page); Whisper runs on the engine's own worker thread; drafts are written on
//! `dikta-app-drafts`; commands are async and move blocking work to Tauri's blocking pool.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use dikta_engine::asr::Transcriber;
use dikta_engine::audio::capture::{list_input_devices, Capture, CaptureConfig, CaptureEvent};
use dikta_engine::autotext::Library;
use dikta_engine::export::{self, fhir::FhirOptions, Format};
use dikta_engine::headings::HeadingTable;
use dikta_engine::interpret::{Event, Interpreter, InterpreterConfig, Output};
use dikta_engine::journal::{JournalNote, SentenceId};
use dikta_engine::model::{ImportOptions, InstallOptions, ModelStore, Progress, Step};
use dikta_engine::paste::{self, ClipboardSnapshot, PasteOptions};
use dikta_engine::session::{EventReceiver, Session, SessionEvent, SessionOptions};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter};

use crate::drafts::Drafts;
use crate::events::{
    self, DraftOffer, LagPayload, LevelPayload, LivePayload, ModelProgressPayload, Notice,
    RecordingPayload, RecordingState,
};
use crate::focus::FocusTracker;
use crate::settings::{Dirs, Settings, ShortcutMode};
use crate::view::{self, AutotextView, FieldRef, HeadingOption, NoteView, ProblemView};

/// The autotext library shipped with Dikta (site layer), used unless `DIKTA_AUTOTEXTS`
/// names the libraries to load instead.
const BUILTIN_AUTOTEXTS: &str = include_str!("../../autotexts/hjemmepleje.toml");
/// Environment variable: libraries (files or folders) to load instead of the defaults,
/// separated like `PATH`.
pub const AUTOTEXTS_ENV: &str = "DIKTA_AUTOTEXTS";
/// How long copied text stays on the clipboard when nothing else takes it over.
const CLIPBOARD_HOLD: Duration = Duration::from_secs(15 * 60);
/// Committed pieces kept for the live line (the rest of a long recording is in the note).
const LIVE_PIECES: usize = 500;

/// An error the page shows: a Danish message and, for the curious, what the system said.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AppError {
    /// What went wrong and what to do, in Danish.
    pub message: String,
    /// Technical detail (file names, system messages); never note text.
    pub detail: Option<String>,
}

impl AppError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        AppError {
            message: message.into(),
            detail: None,
        }
    }

    /// An error with a message and technical detail.
    pub fn with_detail(message: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        AppError {
            message: message.into(),
            detail: Some(detail.to_string()),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{} ({d})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Where an export goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextTarget {
    /// Plain text for Cura.
    Cura,
    /// Plain text for Nexus.
    Nexus,
}

impl TextTarget {
    fn format(self) -> Format {
        match self {
            TextTarget::Cura => Format::CuraText,
            TextTarget::Nexus => Format::NexusText,
        }
    }

    fn label(self) -> &'static str {
        match self {
            TextTarget::Cura => "Cura",
            TextTarget::Nexus => "Nexus",
        }
    }
}

/// A structured export format saved to a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Dikta's integrator JSON.
    Json,
    /// FHIR R4 document Bundle.
    Fhir,
}

/// What an export did, for the confirmation.
#[derive(Clone, Debug, Serialize)]
pub struct ExportResult {
    /// Confirmation in Danish.
    pub message: String,
    /// The exported text (for the preview in the confirmation).
    pub text: String,
    /// Characters exported.
    pub chars: usize,
    /// Where a file was written.
    pub path: Option<String>,
}

/// An installed model for the page.
#[derive(Clone, Debug, Serialize)]
pub struct ModelView {
    /// Name to select it by.
    pub name: String,
    /// Size in MB.
    pub size_mb: u64,
    /// Weight type ("q8_0", "f16").
    pub ftype: String,
    /// Whether the store marks it as default.
    pub is_default: bool,
    /// Whether the app uses it.
    pub selected: bool,
}

/// The models the page can choose from.
#[derive(Clone, Debug, Serialize)]
pub struct ModelsView {
    /// Installed models.
    pub installed: Vec<ModelView>,
    /// The models folder.
    pub dir: String,
    /// A problem opening the store.
    pub error: Option<String>,
    /// Whether the model in use is loaded.
    pub loaded: Option<String>,
}

/// A microphone for the page.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceView {
    /// Name to select it by.
    pub name: String,
    /// The system's default input.
    pub is_default: bool,
    /// Its rate in Hz.
    pub sample_rate: u32,
    /// Its channels.
    pub channels: u16,
}

/// The autotexts for the page.
#[derive(Clone, Debug, Serialize)]
pub struct AutotextsView {
    /// Every autotext in effect, by name.
    pub items: Vec<AutotextView>,
    /// Problems in library files.
    pub problems: Vec<ProblemView>,
    /// Layers with autotexts, in Danish.
    pub layers: Vec<String>,
}

/// Everything the page needs when it (re)loads.
#[derive(Clone, Debug, Serialize)]
pub struct AppSnapshot {
    /// The settings.
    pub settings: Settings,
    /// The note.
    pub note: NoteView,
    /// Headings a sentence can be moved to.
    pub headings: Vec<HeadingOption>,
    /// Autotexts.
    pub autotexts: AutotextsView,
    /// Recording state.
    pub recording: RecordingPayload,
    /// The live line.
    pub live: LivePayload,
    /// An unfinished note from an earlier run, offered back.
    pub draft: Option<DraftOffer>,
    /// Installed models.
    pub models: ModelsView,
    /// Whether the first-start guide should show.
    pub first_run: bool,
    /// Where drafts are kept and how, for the privacy note.
    pub drafts_info: String,
    /// What the worker must be told at start (storage, drafts).
    pub notices: Vec<Notice>,
    /// Version of the app.
    pub version: String,
}

/// Changes to the settings; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettingsPatch {
    /// Author name.
    pub author: Option<String>,
    /// Microphone; empty for the system default.
    pub device: Option<String>,
    /// Model name; empty for the store's default.
    pub model: Option<String>,
    /// Global shortcut; empty for none.
    pub shortcut: Option<String>,
    /// Toggle or hold.
    pub shortcut_mode: Option<ShortcutMode>,
    /// Large type.
    pub large_text: Option<bool>,
    /// First-start guide done.
    pub first_run_done: Option<bool>,
}

struct NoteState {
    interp: Interpreter,
    /// Interpreter states before each undo, newest last: redo restores them.
    redo: Vec<Interpreter>,
    tentative: String,
    committed: Vec<String>,
}

struct Recording {
    stop: Arc<AtomicBool>,
    device: String,
}

enum RecState {
    Idle,
    Starting,
    Recording(Recording),
    Stopping,
}

/// The app: one per process, shared by commands and threads.
pub struct Core {
    app: AppHandle,
    dirs: Dirs,
    settings: Mutex<Settings>,
    headings: HeadingTable,
    library: Mutex<Library>,
    note: Mutex<NoteState>,
    transcriber: Mutex<Option<(PathBuf, Arc<Transcriber>)>>,
    rec: Mutex<RecState>,
    pending_draft: Mutex<Option<JournalNote>>,
    drafts: Drafts,
    startup_notices: Mutex<Vec<Notice>>,
    focus: FocusTracker,
    model_busy: AtomicBool,
    /// Stop was asked for while the microphone was still opening (push-to-talk released).
    stop_requested: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock must not take the whole app down with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Loads the autotext libraries: `DIKTA_AUTOTEXTS` when set, else the shipped library plus
/// `<data>/autotexts` (site and team files) and `<config>/autotexts` (personal files).
pub fn load_library(dirs: &Dirs, headings: &HeadingTable) -> Library {
    let mut lib = Library::new();
    match std::env::var_os(AUTOTEXTS_ENV) {
        Some(paths) => {
            for p in std::env::split_paths(&paths) {
                lib.add_path(&p, headings);
            }
        }
        None => {
            lib.add_source(BUILTIN_AUTOTEXTS, "indbygget: hjemmepleje.toml", headings);
            for dir in [dirs.data.join("autotexts"), dirs.config.join("autotexts")] {
                if dir.is_dir() {
                    lib.add_path(&dir, headings);
                }
            }
        }
    }
    lib
}

impl Core {
    /// Builds the app state and finds any unfinished note from before.
    pub fn new(app: AppHandle, dirs: Dirs) -> Arc<Core> {
        let settings = Settings::load(&dirs.settings_file());
        let headings = HeadingTable::fsiii().clone();
        let library = load_library(&dirs, &headings);
        if !library.problems().is_empty() {
            tracing::warn!(
                problems = library.problems().len(),
                "autotext libraries have problems"
            );
        }
        let emitter = app.clone();
        let (drafts, mut notices) = Drafts::open(move |notice| {
            let _ = emitter.emit(events::NOTICE, notice);
        });
        let (pending, more) = drafts.latest();
        notices.extend(more);
        let interp = new_interpreter(&settings, &headings, &library, None);
        Arc::new(Core {
            app,
            dirs,
            settings: Mutex::new(settings),
            headings,
            library: Mutex::new(library),
            note: Mutex::new(NoteState {
                interp,
                redo: Vec::new(),
                tentative: String::new(),
                committed: Vec::new(),
            }),
            transcriber: Mutex::new(None),
            rec: Mutex::new(RecState::Idle),
            pending_draft: Mutex::new(pending),
            drafts,
            startup_notices: Mutex::new(notices),
            focus: FocusTracker::start(),
            model_busy: AtomicBool::new(false),
            stop_requested: AtomicBool::new(false),
        })
    }

    fn emit<S: Serialize + Clone>(&self, event: &str, payload: S) {
        if let Err(e) = self.app.emit(event, payload) {
            tracing::warn!(error = %e, event, "event not delivered to the page");
        }
    }

    fn notice(&self, notice: Notice) {
        self.emit(events::NOTICE, notice);
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    // ---- snapshot --------------------------------------------------------------------

    /// Everything the page shows, for its first render.
    pub fn snapshot(&self) -> AppSnapshot {
        let settings = self.settings();
        let first_run = !settings.first_run_done;
        let draft = lock(&self.pending_draft).as_ref().map(draft_offer);
        AppSnapshot {
            note: self.note_view(),
            headings: view::heading_options(&self.headings),
            autotexts: self.autotexts(),
            recording: self.recording_payload(None),
            live: self.live_payload(),
            draft,
            models: self.models(),
            first_run,
            settings,
            drafts_info: self.drafts.info().to_string(),
            notices: std::mem::take(&mut *lock(&self.startup_notices)),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    fn note_view(&self) -> NoteView {
        let n = lock(&self.note);
        note_view_of(&n)
    }

    fn live_payload(&self) -> LivePayload {
        let n = lock(&self.note);
        LivePayload {
            committed: n.committed.clone(),
            tentative: n.tentative.clone(),
            heading: n.interp.current_heading().map(|h| h.name.clone()),
        }
    }

    // ---- note edits --------------------------------------------------------------------

    /// Runs `op` on the interpreter; then saves the draft, tells the page, and clears the
    /// redo list when the note changed.
    fn edit<T>(
        &self,
        op: impl FnOnce(&mut Interpreter) -> Result<(Output, T), AppError>,
    ) -> Result<T, AppError> {
        let (view, notices, value) = {
            let mut n = lock(&self.note);
            let before = n.interp.clone();
            let (out, value) = op(&mut n.interp)?;
            if out.events.contains(&Event::Undone) {
                n.redo.push(before);
            } else if !out.edits.is_empty() {
                n.redo.clear();
            }
            if !out.edits.is_empty() {
                self.drafts.changed(n.interp.note());
            }
            (note_view_of(&n), notices_for(&out.events), value)
        };
        for notice in notices {
            self.notice(notice);
        }
        self.emit(events::NOTE, view);
        Ok(value)
    }

    /// Moves a sentence under another heading.
    pub fn move_sentence(&self, id: u64, heading: &str) -> Result<(), AppError> {
        self.edit(|i| {
            i.move_sentence(SentenceId(id), heading)
                .map(|o| (o, ()))
                .map_err(|e| AppError::with_detail("Sætningen kunne ikke flyttes.", e))
        })
    }

    /// Replaces a sentence's text (empty removes it).
    pub fn edit_sentence(&self, id: u64, text: &str) -> Result<(), AppError> {
        self.edit(|i| {
            i.edit_sentence(SentenceId(id), text)
                .map(|o| (o, ()))
                .map_err(|e| AppError::with_detail("Sætningen kunne ikke ændres.", e))
        })
    }

    /// Removes a sentence.
    pub fn remove_sentence(&self, id: u64) -> Result<(), AppError> {
        self.edit(|i| {
            i.remove_sentence(SentenceId(id))
                .map(|o| (o, ()))
                .map_err(|e| AppError::with_detail("Sætningen kunne ikke slettes.", e))
        })
    }

    /// Fills an autotext field.
    pub fn fill_field(&self, id: u64, index: usize, value: &str) -> Result<(), AppError> {
        self.edit(|i| {
            i.fill_field(SentenceId(id), index, value)
                .map(|o| (o, ()))
                .map_err(|e| AppError::with_detail("Feltet kunne ikke udfyldes.", e))
        })
    }

    /// Gives an autotext field the focus, so that dictation fills it. Quiet: the page
    /// already shows which field has the keyboard focus.
    pub fn focus_field(&self, id: u64, index: usize) -> Result<(), AppError> {
        self.edit(|i| {
            i.focus_field(SentenceId(id), index)
                .map(|mut o| {
                    o.events
                        .retain(|e| !matches!(e, Event::FieldFocused { .. }));
                    (o, ())
                })
                .map_err(|e| AppError::with_detail("Feltet findes ikke længere.", e))
        })
    }

    /// Inserts an autotext by name; returns the id of the inserted sentence.
    pub fn insert_autotext(&self, name: &str) -> Result<Option<u64>, AppError> {
        self.edit(|i| {
            let out = i.insert_autotext_named(name);
            let id = out.events.iter().find_map(|e| match e {
                Event::AutotextInserted { id, .. } => Some(id.0),
                _ => None,
            });
            Ok((out, id))
        })
    }

    /// Undoes the last edit group.
    pub fn undo(&self) -> Result<(), AppError> {
        self.edit(|i| Ok((i.undo(), ())))
    }

    /// Redoes what the last undo took back.
    pub fn redo(&self) -> Result<(), AppError> {
        let view = {
            let mut n = lock(&self.note);
            let Some(next) = n.redo.pop() else {
                drop(n);
                self.notice(Notice::info("Intet at gentage."));
                return Ok(());
            };
            n.interp = next;
            self.drafts.changed(n.interp.note());
            note_view_of(&n)
        };
        self.notice(Notice::info("Gentaget."));
        self.emit(events::NOTE, view);
        Ok(())
    }

    /// Feeds committed transcript text to the interpreter (what dictation does).
    pub fn push_text(&self, text: &str) {
        let _ = self.edit(|i| Ok((i.push(text), ())));
    }

    /// Starts a new, empty note (the old draft is forgotten).
    pub fn new_note(&self) -> Result<(), AppError> {
        if !matches!(*lock(&self.rec), RecState::Idle) {
            return Err(AppError::new(
                "Stop optagelsen, før du begynder en ny note.",
            ));
        }
        let settings = self.settings();
        let (view, old) = {
            let lib = lock(&self.library);
            let mut n = lock(&self.note);
            let old = n.interp.note().id;
            n.interp = new_interpreter(&settings, &self.headings, &lib, None);
            n.redo.clear();
            n.tentative.clear();
            n.committed.clear();
            (note_view_of(&n), old)
        };
        self.drafts.remove(old);
        self.emit(events::NOTE, view);
        self.emit(events::LIVE, self.live_payload());
        Ok(())
    }

    /// Takes the unfinished note from an earlier run back.
    pub fn recover_draft(&self) -> Result<(), AppError> {
        let Some(note) = lock(&self.pending_draft).take() else {
            return Err(AppError::new("Der er ingen gemt kladde."));
        };
        let settings = self.settings();
        let view = {
            let lib = lock(&self.library);
            let mut n = lock(&self.note);
            n.interp = new_interpreter(&settings, &self.headings, &lib, Some(note));
            n.redo.clear();
            note_view_of(&n)
        };
        self.notice(Notice::success("Den ufærdige note er gendannet."));
        self.emit(events::NOTE, view);
        Ok(())
    }

    /// Throws the unfinished note from an earlier run away.
    pub fn discard_draft(&self) {
        if let Some(note) = lock(&self.pending_draft).take() {
            self.drafts.remove(note.id);
        }
        self.notice(Notice::info("Den gamle kladde er slettet."));
    }

    // ---- autotexts -------------------------------------------------------------------

    /// The autotexts in effect, with problems and layers.
    pub fn autotexts(&self) -> AutotextsView {
        let lib = lock(&self.library);
        let mut items: Vec<AutotextView> = lib
            .search("")
            .into_iter()
            .map(view::autotext_view)
            .collect();
        items.sort_by(|a, b| a.name.cmp(&b.name));
        AutotextsView {
            items,
            problems: view::problem_views(&lib),
            layers: view::layers_in_use(&lib),
        }
    }

    /// Autotexts matching `query`, best first.
    pub fn search_autotexts(&self, query: &str) -> Vec<AutotextView> {
        let lib = lock(&self.library);
        lib.search(query)
            .into_iter()
            .map(view::autotext_view)
            .collect()
    }

    /// Reads the library files again (after a colleague changed them).
    pub fn reload_autotexts(&self) -> AutotextsView {
        let library = load_library(&self.dirs, &self.headings);
        *lock(&self.library) = library;
        self.rebuild_interpreter();
        let view = self.autotexts();
        if view.problems.is_empty() {
            self.notice(Notice::success(format!(
                "Autotekster indlæst: {}.",
                view.items.len()
            )));
        } else {
            self.notice(Notice::warning(format!(
                "Autotekster indlæst, men {} fejl i bibliotekerne – se listen.",
                view.problems.len()
            )));
        }
        view
    }

    /// A new interpreter (new author or library) carrying the note over.
    fn rebuild_interpreter(&self) {
        let settings = self.settings();
        let lib = lock(&self.library);
        let mut n = lock(&self.note);
        let mut note = n.interp.note().clone();
        if note.is_empty() {
            note.author = settings.author.clone();
        }
        n.interp = new_interpreter(&settings, &self.headings, &lib, Some(note));
        n.redo.clear();
    }

    // ---- recording ---------------------------------------------------------------------

    fn recording_payload(&self, error: Option<String>) -> RecordingPayload {
        let (state, device) = match &*lock(&self.rec) {
            RecState::Idle => (RecordingState::Idle, None),
            RecState::Starting => (RecordingState::Starting, None),
            RecState::Recording(r) => (RecordingState::Recording, Some(r.device.clone())),
            RecState::Stopping => (RecordingState::Stopping, None),
        };
        RecordingPayload {
            state,
            device,
            error,
        }
    }

    fn set_rec(&self, state: RecState, error: Option<String>) {
        *lock(&self.rec) = state;
        self.emit(events::RECORDING, self.recording_payload(error));
    }

    /// Whether a recording runs (or is starting).
    pub fn is_recording(&self) -> bool {
        matches!(
            *lock(&self.rec),
            RecState::Recording(_) | RecState::Starting
        )
    }

    /// The Whisper model in use, loaded on first need.
    fn transcriber(&self) -> Result<Arc<Transcriber>, AppError> {
        let wanted = self.settings().model;
        let store = ModelStore::open(None)
            .map_err(|e| AppError::with_detail("Modelmappen kan ikke åbnes.", e))?;
        let path = store.resolve(wanted.as_deref()).map_err(|e| {
            AppError::with_detail(
                "Ingen talemodel er installeret. Åbn «Talemodel» og installer standardmodellen, \
                 eller vælg en modelfil.",
                e,
            )
        })?;
        let mut slot = lock(&self.transcriber);
        if let Some((p, t)) = slot.as_ref() {
            if *p == path {
                return Ok(t.clone());
            }
        }
        let t = Arc::new(Transcriber::load(&path).map_err(|e| {
            AppError::with_detail(
                "Talemodellen kunne ikke indlæses. Vælg eller installer en anden model.",
                e,
            )
        })?);
        *slot = Some((path, t.clone()));
        Ok(t)
    }

    /// Loads the model in the background so that the first recording starts at once.
    pub fn preload_model(self: &Arc<Self>) {
        let core = self.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            match core.transcriber() {
                Ok(_) => {
                    tracing::info!(secs = started.elapsed().as_secs_f32(), "model loaded");
                    core.emit(events::MODELS, core.models());
                }
                Err(e) => tracing::info!(error = %e, "model not preloaded"),
            }
        });
    }

    /// Starts recording from the chosen microphone (blocking: call from a blocking thread).
    pub fn start_recording(self: &Arc<Self>) -> Result<(), AppError> {
        {
            let mut rec = lock(&self.rec);
            match &*rec {
                RecState::Idle => {
                    self.stop_requested.store(false, Ordering::SeqCst);
                    *rec = RecState::Starting;
                }
                RecState::Stopping => {
                    return Err(AppError::new(
                        "Vent et øjeblik – den forrige optagelse er ved at blive afsluttet.",
                    ))
                }
                _ => return Ok(()),
            }
        }
        self.emit(events::RECORDING, self.recording_payload(None));
        match self.open_recording() {
            Ok(()) => {
                if self.stop_requested.swap(false, Ordering::SeqCst) {
                    self.stop_recording();
                }
                Ok(())
            }
            Err(e) => {
                self.set_rec(RecState::Idle, Some(e.to_string()));
                Err(e)
            }
        }
    }

    fn open_recording(self: &Arc<Self>) -> Result<(), AppError> {
        let transcriber = self.transcriber()?;
        let device = self.settings().device;
        let capture = Capture::start(CaptureConfig {
            device: device.clone(),
            ..CaptureConfig::default()
        })
        .map_err(|e| {
            AppError::with_detail(
                "Mikrofonen kunne ikke startes. Tjek at den er tilsluttet, eller vælg en anden \
                 under «Mikrofon».",
                e,
            )
        })?;
        let device_name = capture.device().name.clone();
        let (session, events) = Session::start(transcriber, SessionOptions::default())
            .map_err(|e| AppError::with_detail("Dikteringen kunne ikke startes.", e))?;
        {
            let mut n = lock(&self.note);
            n.tentative.clear();
            n.committed.clear();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let core = self.clone();
        std::thread::Builder::new()
            .name("dikta-app-events".into())
            .spawn(move || core.pump_events(events))
            .map_err(|e| AppError::with_detail("Dikteringen kunne ikke startes.", e))?;
        let core = self.clone();
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("dikta-app-audio".into())
            .spawn(move || core.pump_audio(capture, session, &flag))
            .map_err(|e| AppError::with_detail("Dikteringen kunne ikke startes.", e))?;
        tracing::info!("recording started");
        self.set_rec(
            RecState::Recording(Recording {
                stop,
                device: device_name,
            }),
            None,
        );
        Ok(())
    }

    /// Stops recording; the text still being decoded arrives afterwards.
    pub fn stop_recording(&self) {
        let mut rec = lock(&self.rec);
        if matches!(*rec, RecState::Starting) {
            self.stop_requested.store(true, Ordering::SeqCst);
            return;
        }
        if let RecState::Recording(r) = &*rec {
            r.stop.store(true, Ordering::SeqCst);
            *rec = RecState::Stopping;
            drop(rec);
            self.emit(events::RECORDING, self.recording_payload(None));
        }
    }

    /// Starts when idle, stops when recording.
    pub fn toggle_recording(self: &Arc<Self>) -> Result<(), AppError> {
        if self.is_recording() {
            self.stop_recording();
            Ok(())
        } else {
            self.start_recording()
        }
    }

    fn pump_audio(&self, capture: Capture, mut session: Session, stop: &AtomicBool) {
        let handle = |event: CaptureEvent, session: &mut Session| match event {
            CaptureEvent::Audio(samples) => {
                if let Err(e) = session.push_audio(&samples, 16_000) {
                    tracing::warn!(error = %e, "audio not accepted by the session");
                }
            }
            CaptureEvent::DeviceLost { message } => {
                tracing::warn!(%message, "microphone lost");
                self.notice(Notice::error(
                    "Mikrofonen forsvandt – Dikta prøver at genoprette forbindelsen. Det \
                     dikterede er gemt.",
                ));
            }
            CaptureEvent::Resumed { .. } => {
                self.notice(Notice::success("Mikrofonen virker igen."));
            }
            CaptureEvent::Overrun { dropped_samples } => {
                tracing::warn!(dropped_samples, "audio overrun");
            }
            CaptureEvent::Stopped => {}
        };
        while !stop.load(Ordering::SeqCst) {
            if let Some(event) = capture.recv_timeout(Duration::from_millis(50)) {
                if event == CaptureEvent::Stopped {
                    break;
                }
                handle(event, &mut session);
            }
        }
        for event in capture.stop() {
            handle(event, &mut session);
        }
        // Commits what is still being decoded; the events thread delivers it.
        if let Err(e) = session.finish() {
            tracing::warn!(error = %e, "session did not finish cleanly");
        }
        tracing::info!("recording stopped");
        {
            let mut n = lock(&self.note);
            n.tentative.clear();
        }
        self.emit(events::LIVE, self.live_payload());
        self.set_rec(RecState::Idle, None);
    }

    fn pump_events(&self, mut events: EventReceiver) {
        while let Some(event) = events.blocking_recv() {
            match event {
                SessionEvent::Tentative(t) => {
                    lock(&self.note).tentative = t.text;
                    self.emit(events::LIVE, self.live_payload());
                }
                SessionEvent::Committed(c) => {
                    if !c.text.trim().is_empty() {
                        self.push_text(&c.text);
                    }
                    {
                        let mut n = lock(&self.note);
                        n.tentative.clear();
                        if !c.text.trim().is_empty() {
                            n.committed.push(c.text.trim().to_string());
                            let extra = n.committed.len().saturating_sub(LIVE_PIECES);
                            n.committed.drain(..extra);
                        }
                    }
                    self.emit(events::LIVE, self.live_payload());
                }
                SessionEvent::Level(l) => self.emit(
                    events::LEVEL,
                    LevelPayload {
                        rms_db: l.rms_db,
                        peak: l.peak,
                        speech: l.speech,
                    },
                ),
                SessionEvent::Lag(l) => self.emit(
                    events::LAG,
                    LagPayload {
                        behind_s: l.behind_s,
                    },
                ),
                SessionEvent::Error(e) => {
                    tracing::warn!(message = %e.message, "session problem");
                    self.notice(Notice::warning(format!(
                        "Problem under diktering: {}",
                        e.message
                    )));
                }
            }
        }
    }

    // ---- export ------------------------------------------------------------------------

    /// The note (or one heading) as text for Cura or Nexus.
    pub fn export_text(
        &self,
        target: TextTarget,
        heading: Option<&str>,
    ) -> Result<String, AppError> {
        let note = lock(&self.note).interp.note().clone();
        let profile = target
            .format()
            .builtin_profile()
            .ok_or_else(|| AppError::new("Eksportformatet mangler."))?;
        let text = match heading {
            None => profile.render(&note),
            Some(h) => note
                .section(h)
                .and_then(|s| profile.render_section(s))
                .unwrap_or_default(),
        };
        if text.trim().is_empty() {
            return Err(AppError::new("Der er ingen tekst at eksportere endnu."));
        }
        Ok(text)
    }

    /// Puts the text for Cura or Nexus on the clipboard.
    pub fn copy_export(
        &self,
        target: TextTarget,
        heading: Option<&str>,
    ) -> Result<ExportResult, AppError> {
        let text = self.export_text(target, heading)?;
        copy_to_clipboard(&text)?;
        let what = match heading {
            Some(h) => format!("Teksten under «{h}»"),
            None => "Hele noten".to_string(),
        };
        Ok(ExportResult {
            message: format!(
                "{what} er kopieret til {}. Sæt den ind i {} med Ctrl+V.",
                target.label(),
                target.label()
            ),
            chars: text.chars().count(),
            text,
            path: None,
        })
    }

    /// Pastes the text into the window used before Dikta (blocking).
    pub fn paste_export(
        &self,
        target: TextTarget,
        heading: Option<&str>,
    ) -> Result<ExportResult, AppError> {
        let text = self.export_text(target, heading)?;
        let options = PasteOptions {
            window: self.focus.previous(),
            ..PasteOptions::default()
        };
        let report = paste::paste(&text, &options).map_err(|e| {
            AppError::with_detail(
                "Teksten kunne ikke sættes ind. Brug «Kopier» og sæt ind med Ctrl+V.",
                e,
            )
        })?;
        if let Some(previous) = report.previous_clipboard {
            std::thread::spawn(move || {
                let _ = paste::hold_clipboard(&previous, CLIPBOARD_HOLD, || {});
            });
        }
        Ok(ExportResult {
            message: format!(
                "Teksten er sat ind i det forrige vindue ({} tegn).",
                report.chars
            ),
            chars: report.chars,
            text,
            path: None,
        })
    }

    /// Renders the note as JSON or FHIR.
    pub fn export_file_text(&self, format: FileFormat) -> Result<String, AppError> {
        let note = lock(&self.note).interp.note().clone();
        if note.is_empty() {
            return Err(AppError::new("Der er ingen tekst at gemme endnu."));
        }
        let format = match format {
            FileFormat::Json => Format::Json,
            FileFormat::Fhir => Format::Fhir,
        };
        let options = export::ExportOptions {
            profile: None,
            fhir: FhirOptions::default(),
        };
        export::render(&note, format, &options)
            .map_err(|e| AppError::with_detail("Noten kunne ikke gemmes i det format.", e))
    }

    /// A file name suggestion for a saved export.
    pub fn suggested_file_name(&self, format: FileFormat) -> String {
        let created = lock(&self.note).interp.note().created;
        let stamp = created.format("%Y-%m-%d-%H%M");
        match format {
            FileFormat::Json => format!("journalnotat-{stamp}.json"),
            FileFormat::Fhir => format!("journalnotat-{stamp}.fhir.json"),
        }
    }

    /// Writes the export to `path`.
    pub fn save_export(
        &self,
        format: FileFormat,
        path: &std::path::Path,
    ) -> Result<ExportResult, AppError> {
        let text = self.export_file_text(format)?;
        std::fs::write(path, &text).map_err(|e| {
            AppError::with_detail(format!("Filen kunne ikke skrives: {}", path.display()), e)
        })?;
        Ok(ExportResult {
            message: format!("Noten er gemt som {}.", path.display()),
            chars: text.chars().count(),
            text: String::new(),
            path: Some(path.display().to_string()),
        })
    }

    // ---- models, microphones, settings --------------------------------------------------

    /// The installed models.
    pub fn models(&self) -> ModelsView {
        let selected = self.settings().model;
        let loaded = lock(&self.transcriber)
            .as_ref()
            .map(|(p, _)| p.display().to_string());
        match ModelStore::open(None) {
            Ok(store) => {
                let list = store.list();
                let any_selected = selected
                    .as_ref()
                    .is_some_and(|s| list.iter().any(|m| &m.name == s));
                ModelsView {
                    installed: list
                        .iter()
                        .map(|m| ModelView {
                            name: m.name.clone(),
                            size_mb: m.size / 1_000_000,
                            ftype: m.ftype.clone(),
                            is_default: m.is_default,
                            selected: if any_selected {
                                selected.as_deref() == Some(m.name.as_str())
                            } else {
                                m.is_default
                            },
                        })
                        .collect(),
                    dir: store.dir().display().to_string(),
                    error: None,
                    loaded,
                }
            }
            Err(e) => ModelsView {
                installed: Vec::new(),
                dir: String::new(),
                error: Some(e.to_string()),
                loaded,
            },
        }
    }

    /// Installs the default model (blocking; progress goes to the page).
    pub fn install_model(&self) -> Result<ModelsView, AppError> {
        self.with_model_work(|store, progress| {
            dikta_engine::model::install(store, None, &InstallOptions::default(), progress)
                .map(|_| ())
                .map_err(|e| {
                    AppError::with_detail(
                        "Standardmodellen kunne ikke installeres. Uden internet: hent en \
                         ggml-modelfil på en anden computer og vælg den med «Vælg modelfil».",
                        e,
                    )
                })
        })
    }

    /// Imports a model file or folder the worker picked (blocking).
    pub fn import_model(&self, path: &std::path::Path) -> Result<ModelsView, AppError> {
        let path = path.to_path_buf();
        self.with_model_work(move |store, progress| {
            let options = ImportOptions {
                make_default: true,
                ..ImportOptions::default()
            };
            dikta_engine::model::import(store, &path, &options, progress)
                .map(|_| ())
                .map_err(|e| AppError::with_detail("Modellen kunne ikke bruges.", e))
        })
    }

    fn with_model_work(
        &self,
        work: impl FnOnce(&ModelStore, &mut dyn Progress) -> Result<(), AppError>,
    ) -> Result<ModelsView, AppError> {
        if self.model_busy.swap(true, Ordering::SeqCst) {
            return Err(AppError::new("Der installeres allerede en model."));
        }
        let result = (|| {
            let store = ModelStore::open(None)
                .map_err(|e| AppError::with_detail("Modelmappen kan ikke åbnes.", e))?;
            let mut progress = PageProgress::new(self);
            let result = work(&store, &mut progress);
            progress.done(result.as_ref().err());
            result
        })();
        self.model_busy.store(false, Ordering::SeqCst);
        result?;
        {
            let mut s = lock(&self.settings);
            s.model = None;
            let _ = s.save(&self.dirs.settings_file());
        }
        lock(&self.transcriber).take();
        Ok(self.models())
    }

    /// The microphones (blocking: enumeration can take a moment).
    pub fn devices(&self) -> Result<Vec<DeviceView>, AppError> {
        let list = list_input_devices()
            .map_err(|e| AppError::with_detail("Lydkortene kunne ikke findes.", e))?;
        Ok(list
            .into_iter()
            .map(|d| DeviceView {
                name: d.name,
                is_default: d.is_default,
                sample_rate: d.sample_rate,
                channels: d.channels,
            })
            .collect())
    }

    /// Applies a settings change and saves it. Returns the new settings and whether the
    /// shortcut changed (the caller registers it again).
    pub fn update_settings(&self, patch: SettingsPatch) -> Result<(Settings, bool), AppError> {
        let (new, old) = {
            let mut s = lock(&self.settings);
            let old = s.clone();
            if let Some(a) = patch.author {
                s.author = a.trim().to_string();
            }
            if let Some(d) = patch.device {
                s.device = (!d.trim().is_empty()).then(|| d.trim().to_string());
            }
            if let Some(m) = patch.model {
                s.model = (!m.trim().is_empty()).then(|| m.trim().to_string());
            }
            if let Some(k) = patch.shortcut {
                s.shortcut = k.trim().to_string();
            }
            if let Some(m) = patch.shortcut_mode {
                s.shortcut_mode = m;
            }
            if let Some(l) = patch.large_text {
                s.large_text = l;
            }
            if let Some(f) = patch.first_run_done {
                s.first_run_done = f;
            }
            s.save(&self.dirs.settings_file())
                .map_err(|e| AppError::with_detail("Indstillingerne kunne ikke gemmes.", e))?;
            (s.clone(), old)
        };
        if new.author != old.author {
            self.rebuild_interpreter();
            self.emit(events::NOTE, self.note_view());
        }
        if new.model != old.model {
            lock(&self.transcriber).take();
        }
        let shortcut_changed =
            new.shortcut != old.shortcut || new.shortcut_mode != old.shortcut_mode;
        Ok((new, shortcut_changed))
    }
}

/// Puts `text` on the clipboard and keeps serving it from a background thread until
/// another program takes the clipboard over.
pub fn copy_to_clipboard(text: &str) -> Result<(), AppError> {
    let (tx, rx) = mpsc::channel::<Result<(), String>>();
    let failed = tx.clone();
    let snapshot = ClipboardSnapshot::text(text);
    std::thread::Builder::new()
        .name("dikta-app-clipboard".into())
        .spawn(move || {
            if let Err(e) = paste::hold_clipboard(&snapshot, CLIPBOARD_HOLD, move || {
                let _ = tx.send(Ok(()));
            }) {
                let _ = failed.send(Err(e.to_string()));
            }
        })
        .map_err(|e| AppError::with_detail("Udklipsholderen kunne ikke bruges.", e))?;
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(AppError::with_detail(
            "Udklipsholderen kunne ikke bruges.",
            e,
        )),
        Err(_) => Err(AppError::new("Udklipsholderen svarede ikke.")),
    }
}

fn new_interpreter(
    settings: &Settings,
    headings: &HeadingTable,
    library: &Library,
    note: Option<JournalNote>,
) -> Interpreter {
    let author = if settings.author.trim().is_empty() {
        "Ukendt forfatter".to_string()
    } else {
        settings.author.clone()
    };
    let mut config = InterpreterConfig::new(author, chrono::Local::now().fixed_offset())
        .with_autotexts(library.clone());
    config.headings = headings.clone();
    match note {
        Some(n) => Interpreter::with_note(config, n),
        None => Interpreter::new(config),
    }
}

fn note_view_of(n: &NoteState) -> NoteView {
    view::note_view(
        n.interp.note(),
        n.interp.current_heading().map(|h| h.name.as_str()),
        n.interp.focused_field().map(|(id, index)| FieldRef {
            sentence: id.0,
            index,
        }),
        !n.redo.is_empty(),
    )
}

fn draft_offer(note: &JournalNote) -> DraftOffer {
    DraftOffer {
        created: view::danish_time(&note.created),
        author: note.author.clone(),
        sentences: note.sentences().count(),
        headings: note
            .sections
            .iter()
            .filter(|s| !s.sentences.is_empty())
            .map(|s| s.heading.name.clone())
            .collect(),
    }
}

/// What the worker should be told about interpreter events, in Danish.
pub fn notices_for(events: &[Event]) -> Vec<Notice> {
    let mut out = Vec::new();
    for e in events {
        #[allow(unreachable_patterns)]
        let notice = match e {
            Event::HeadingChanged { heading } => {
                Some(Notice::info(format!("Overskrift: {heading}")))
            }
            Event::HeadingNotRecognised => Some(Notice::warning(
                "Overskriften blev ikke genkendt – ordene er skrevet som tekst.",
            )),
            Event::AutomaticPlacement => Some(Notice::info(
                "Automatisk placering: sætninger placeres efter indhold igen.",
            )),
            Event::AutotextInserted { name, fields, .. } => Some(Notice::success(if *fields > 0 {
                format!(
                    "Autotekst «{name}» indsat med {fields} felter. Sig «næste felt» eller tryk Tab."
                )
            } else {
                format!("Autotekst «{name}» indsat.")
            })),
            Event::AutotextAmbiguous { candidates } => Some(Notice::warning(format!(
                "Flere autotekster passer: {}. Sig navnet igen, eller vælg i listen.",
                candidates.join(", ")
            ))),
            Event::AutotextNotFound => Some(Notice::warning(
                "Ingen autotekst med det navn. Søg i listen over autotekster.",
            )),
            Event::FieldFocused { index, of, .. } => Some(Notice::info(format!(
                "Felt {} af {of}: sig værdien.",
                index + 1
            ))),
            Event::NoMoreFields => Some(Notice::info("Ikke flere felter.")),
            Event::FieldFilled { .. } => None,
            Event::DefaultsAccepted {
                filled, left_empty, ..
            } => {
                Some(Notice::success(if *left_empty > 0 {
                    format!("Standardværdier indsat i {filled} felter; {left_empty} felter mangler stadig.")
                } else {
                    format!("Standardværdier indsat i {filled} felter.")
                }))
            }
            Event::CprMasked { masked, .. } => Some(if *masked {
                Notice::warning("Et CPR-nummer i dikteringen er skjult (******-****).")
            } else {
                Notice::warning("Noten indeholder et CPR-nummer.")
            }),
            Event::SentenceDeleted { .. } => Some(Notice::info("Sætningen er slettet.")),
            Event::NothingToDelete => Some(Notice::info("Intet at slette.")),
            Event::Undone => Some(Notice::info("Fortrudt.")),
            Event::NothingToUndo => Some(Notice::info("Intet at fortryde.")),
            _ => None,
        };
        out.extend(notice);
    }
    out
}

/// Sends model progress to the page, at most ten times a second.
struct PageProgress<'a> {
    core: &'a Core,
    step: String,
    total: Option<u64>,
    done: u64,
    last: Instant,
}

impl<'a> PageProgress<'a> {
    fn new(core: &'a Core) -> Self {
        PageProgress {
            core,
            step: String::new(),
            total: None,
            done: 0,
            last: Instant::now(),
        }
    }

    fn send(&mut self, finished: bool, error: Option<String>) {
        let fraction = self
            .total
            .filter(|t| *t > 0)
            .map(|t| (self.done as f64 / t as f64).min(1.0));
        self.core.emit(
            events::MODEL_PROGRESS,
            ModelProgressPayload {
                step: self.step.clone(),
                fraction,
                finished,
                error,
            },
        );
        self.last = Instant::now();
    }

    fn done(&mut self, error: Option<&AppError>) {
        if error.is_none() {
            self.step = "Modellen er klar.".to_string();
            self.total = Some(1);
            self.done = 1;
        }
        self.send(true, error.map(|e| e.to_string()));
    }
}

/// A model step in Danish.
fn step_label(step: &Step) -> String {
    #[allow(unreachable_patterns)]
    match step {
        Step::Download { package } => format!("Henter {package}"),
        Step::Verify { what } => format!("Kontrollerer {what}"),
        Step::Assemble => "Samler modellen".to_string(),
        Step::Convert(ty) => format!("Konverterer til {}", ty.name()),
        Step::Copy => "Kopierer modellen".to_string(),
        other => other.to_string(),
    }
}

impl Progress for PageProgress<'_> {
    fn start(&mut self, step: &Step, total: Option<u64>) {
        self.step = step_label(step);
        self.total = total;
        self.done = 0;
        self.send(false, None);
    }

    fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        if self.last.elapsed() >= Duration::from_millis(100) {
            self.send(false, None);
        }
    }

    fn finish(&mut self) {
        if let Some(t) = self.total {
            self.done = t;
        }
        self.send(false, None);
    }

    fn note(&mut self, message: &str) {
        self.core.notice(Notice::info(message.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_event_has_danish_words() {
        let events = vec![
            Event::HeadingChanged {
                heading: "Ernæring".into(),
            },
            Event::AutotextInserted {
                name: "morgenpleje".into(),
                id: SentenceId(1),
                fields: 2,
            },
            Event::FieldFocused {
                id: SentenceId(1),
                index: 0,
                of: 2,
            },
            Event::NothingToUndo,
        ];
        let notices = notices_for(&events);
        assert_eq!(notices.len(), 4);
        assert!(notices[0].text.contains("Ernæring"));
        assert!(notices[1].text.contains("næste felt"));
        assert!(notices[2].text.contains("Felt 1 af 2"));
    }

    #[test]
    fn library_from_env_reports_broken_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("ok.toml"),
            "[[autotext]]\nname = \"bad\"\ntext = \"Bad.\"\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("broken.toml"), "[[autotext]]\nname = \n").expect("write");
        let headings = HeadingTable::fsiii();
        let dirs = Dirs {
            config: dir.path().join("c"),
            data: dir.path().join("d"),
        };
        // Without the variable: the shipped library loads cleanly.
        if std::env::var_os(AUTOTEXTS_ENV).is_none() {
            let lib = load_library(&dirs, headings);
            assert!(lib.problems().is_empty(), "{:?}", lib.problems());
            assert!(lib.get("morgenpleje").is_some());
        }
        let mut lib = Library::new();
        lib.add_path(dir.path(), headings);
        assert_eq!(lib.problems().len(), 1);
        assert!(lib.problems()[0].at.file.ends_with("broken.toml"));
    }
}
