//! End to end: the real app window under Xvfb, driven through tauri-driver and
//! WebKitWebDriver, with a real Danish dictation spoken into a virtual microphone (a
//! PulseAudio null sink read by ALSA's default device, so the app records through its normal
//! cpal path) and transcribed by the installed Whisper model.
//!
//! Runs only with `DIKTA_APP_E2E=1` (see `app/ci.sh`, which installs what it needs).
//! Screenshots of each state go to `target/app-screenshots/`, logs to `target/app-e2e/`.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dikta_engine::autotext::Library;
use dikta_engine::headings::HeadingTable;
use dikta_engine::interpret::{Interpreter, InterpreterConfig};
use serde_json::{json, Value};

use support::desktop::Desktop;
use support::webdriver::Driver;

const ENTER: &str = "\u{E007}";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
}

struct Shots {
    dir: PathBuf,
    n: u32,
}

impl Shots {
    fn take(&mut self, driver: &Driver, desktop: &Desktop, name: &str) {
        // Let WebKit paint the latest state first.
        std::thread::sleep(Duration::from_millis(700));
        self.n += 1;
        let path = self.dir.join(format!("{:02}-{name}.png", self.n));
        match driver.screenshot() {
            Ok(png) if png.len() > 1000 => std::fs::write(&path, png).expect("write screenshot"),
            _ => {
                // Fall back to the whole X screen.
                assert!(desktop.screen_png(&path), "screenshot {name}");
            }
        }
        eprintln!("screenshot: {}", path.display());
    }
}

/// A sentence as the page shows it.
#[derive(Debug)]
struct Shown {
    id: u64,
    text: String,
    reason: String,
}

/// One heading and its sentences.
type Section = (String, Vec<Shown>);
/// The note as the page shows it.
type Note = Vec<Section>;

/// The note as the page shows it.
fn note(driver: &Driver) -> Note {
    let v = driver
        .exec(
            r#"return [...document.querySelectorAll('#note-sections section.section:not(.empty-current)')].map(s => ({
                 heading: s.dataset.heading,
                 sentences: [...s.querySelectorAll('li.sentence')].map(li => ({
                   id: Number(li.dataset.id),
                   text: li.querySelector('.text') ? li.querySelector('.text').textContent
                         : (li.querySelector('textarea') ? li.querySelector('textarea').value : ''),
                   reason: li.querySelector('.chip') ? li.querySelector('.chip').textContent : '' }))}))"#,
            vec![],
        )
        .expect("read the note");
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s["heading"].as_str().unwrap_or_default().to_string(),
                s["sentences"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|x| Shown {
                        id: x["id"].as_u64().unwrap_or_default(),
                        text: x["text"].as_str().unwrap_or_default().to_string(),
                        reason: x["reason"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect(),
            )
        })
        .collect()
}

fn heading_of(note: &[Section], id: u64) -> Option<String> {
    note.iter()
        .find(|(_, s)| s.iter().any(|x| x.id == id))
        .map(|(h, _)| h.clone())
}

fn wait_note(
    driver: &Driver,
    what: &str,
    timeout: Duration,
    ok: impl Fn(&[Section]) -> bool,
) -> Note {
    let started = Instant::now();
    loop {
        let n = note(driver);
        if ok(&n) {
            return n;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out waiting for {what}; note: {n:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What the engine itself makes of the pieces Whisper committed: (heading, [text]).
fn engine_note(pieces: &[String], autotexts: &[PathBuf]) -> Vec<(String, Vec<String>)> {
    let lib = Library::load(autotexts, HeadingTable::fsiii());
    let config = InterpreterConfig::new("Anna Hansen", chrono::Local::now().fixed_offset())
        .with_autotexts(lib);
    let mut i = Interpreter::new(config);
    for p in pieces {
        i.push(p);
    }
    i.note()
        .sections
        .iter()
        .filter(|s| !s.sentences.is_empty())
        .map(|s| {
            (
                s.heading.name.clone(),
                s.sentences.iter().map(|x| x.text.clone()).collect(),
            )
        })
        .collect()
}

fn ready(driver: &Driver) {
    driver
        .poll(
            "the page to load",
            "return document.body.dataset.ready === 'true'",
            Duration::from_secs(60),
            |v| v == &json!(true),
        )
        .expect("page ready");
}

fn dialog_open(driver: &Driver, id: &str) -> bool {
    driver
        .exec(
            &format!("return document.getElementById('{id}').open"),
            vec![],
        )
        .map(|v| v == json!(true))
        .unwrap_or(false)
}

fn wait_dialog(driver: &Driver, id: &str, open: bool) {
    driver
        .poll(
            &format!("dialog {id} open={open}"),
            &format!("return document.getElementById('{id}').open"),
            Duration::from_secs(20),
            |v| v == &json!(open),
        )
        .expect("dialog state");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn dictate_review_and_export_in_the_real_window() {
    if std::env::var("DIKTA_APP_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set DIKTA_APP_E2E=1 (app/ci.sh does) to run the window test");
        return;
    }
    let real_home = PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()));
    let models = std::env::var_os("DIKTA_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| real_home.join(".local/share/dikta/models"));
    assert!(
        models.join("ggml-base-q8_0.bin").is_file(),
        "the Whisper base model must be installed in {} (dikta model install)",
        models.display()
    );
    let out = target_dir();
    let logs = out.join("app-e2e");
    let _ = std::fs::remove_dir_all(&logs);
    let mut shots = Shots {
        dir: out.join("app-screenshots"),
        n: 0,
    };
    let _ = std::fs::remove_dir_all(&shots.dir);
    std::fs::create_dir_all(&shots.dir).expect("screenshot folder");

    // The shipped library plus a broken team file: the window must report it, not crash.
    let scratch = tempfile::tempdir().expect("scratch");
    let broken = scratch.path().join("team-broken.toml");
    std::fs::write(
        &broken,
        "layer = \"team\"\n\n[[autotext]]\nname = \"bad sætning\"\ntext = \"Mangler slut [godt|\"\n",
    )
    .expect("write broken library");
    let autotexts = vec![repo().join("autotexts"), broken.clone()];
    let autotext_env = std::env::join_paths(&autotexts)
        .expect("paths")
        .to_string_lossy()
        .into_owned();
    let desktop = Desktop::start(
        &logs,
        &[
            ("DIKTA_MODELS_DIR", models.display().to_string()),
            ("DIKTA_AUTOTEXTS", autotext_env),
        ],
    );
    let app = env!("CARGO_BIN_EXE_dikta-app");
    let driver = Driver::start(&desktop.driver_url, app).expect("WebDriver session");
    ready(&driver);

    // ---- First start: the guide asks for the author, shows the model, the microphone.
    assert!(dialog_open(&driver, "dlg-first"), "first-start guide shown");
    driver
        .poll(
            "model status in the guide",
            "return document.getElementById('first-model-status').textContent",
            Duration::from_secs(20),
            |v| v.as_str().is_some_and(|s| s.contains("base")),
        )
        .expect("installed model listed");
    driver
        .type_into("#first-author", "Anna Hansen")
        .expect("type author");
    shots.take(&driver, &desktop, "foerste-start");
    driver.click_css("#first-done").expect("finish guide");
    wait_dialog(&driver, "dlg-first", false);

    // The broken library file is reported in the window, with file and line.
    let problems = driver
        .exec(
            "const p = document.getElementById('autotext-problems'); return p.hidden ? '' : p.textContent",
            vec![],
        )
        .expect("problems");
    assert!(
        problems
            .as_str()
            .is_some_and(|s| s.contains("team-broken.toml")),
        "broken autotext file reported: {problems}"
    );
    let title = driver.exec("return document.title", vec![]).expect("title");
    eprintln!("page title: {title}");
    shots.take(&driver, &desktop, "klar");

    // ---- Dictate through the microphone.
    driver.click_css("#btn-record").expect("record");
    driver
        .poll(
            "recording to start",
            "return document.getElementById('btn-record').dataset.state",
            Duration::from_secs(60),
            |v| v == "recording",
        )
        .expect("recording");
    let wav = repo().join("samples/dictation-da.wav");
    let mut player = Some(desktop.speak(&wav));
    let started = Instant::now();
    let mut tentative_seen: Option<String> = None;
    let mut level_max = 0.0f64;
    let mut live_shot = false;
    // Watch while the 27 s recording plays, plus a few seconds of silence.
    while started.elapsed() < Duration::from_secs(33) {
        let v = driver
            .exec(
                "return [document.getElementById('live-tentative').textContent, \
                 Number(document.getElementById('meter').getAttribute('aria-valuenow'))]",
                vec![],
            )
            .expect("live state");
        let tentative = v[0].as_str().unwrap_or_default().trim().to_string();
        level_max = level_max.max(v[1].as_f64().unwrap_or(0.0));
        if !tentative.is_empty() && tentative_seen.is_none() {
            tentative_seen = Some(tentative.clone());
        }
        if !tentative.is_empty() && !live_shot && started.elapsed() > Duration::from_secs(8) {
            shots.take(&driver, &desktop, "diktering-foreloebig-tekst");
            live_shot = true;
        }
        std::thread::sleep(Duration::from_millis(120));
    }
    drop(player.take());
    assert!(
        tentative_seen.is_some(),
        "tentative text appeared while speaking"
    );
    assert!(level_max > 20.0, "the level meter moved (max {level_max})");
    let tentative_class = driver
        .exec(
            "const t = document.getElementById('live-tentative'); return getComputedStyle(t).fontStyle",
            vec![],
        )
        .expect("style");
    assert_eq!(
        tentative_class,
        json!("italic"),
        "tentative text looks different"
    );

    driver.click_css("#btn-record").expect("stop");
    driver
        .poll(
            "the last words to be written",
            "return document.getElementById('btn-record').dataset.state",
            Duration::from_secs(240),
            |v| v == "idle",
        )
        .expect("stopped");
    let pieces: Vec<String> = driver
        .exec(
            "return [...document.querySelectorAll('#live-committed .piece')].map(s => s.dataset.text)",
            vec![],
        )
        .expect("committed pieces")
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    eprintln!("committed pieces: {pieces:#?}");
    assert!(
        pieces.len() >= 4,
        "the dictation's utterances were committed: {pieces:?}"
    );
    let heard = pieces.join(" ").to_lowercase();
    assert!(
        ["skiftet", "borgeren", "venstre", "punktum", "været", "har"]
            .iter()
            .any(|w| heard.contains(w)),
        "words of the dictation were recognised: {heard}"
    );

    // The committed note: exactly the headings and sentences the engine makes of the words.
    let shown = note(&driver);
    let expected = engine_note(&pieces, &autotexts);
    let shown_plain: Vec<(String, Vec<String>)> = shown
        .iter()
        .map(|(h, s)| (h.clone(), s.iter().map(|x| x.text.clone()).collect()))
        .collect();
    assert!(
        !expected.is_empty(),
        "the engine made a note of the dictation"
    );
    assert_eq!(shown_plain, expected, "the window shows the engine's note");
    for (_, sentences) in &shown {
        for s in sentences {
            assert!(
                !s.reason.trim().is_empty(),
                "every sentence says why it is there"
            );
        }
    }
    shots.take(&driver, &desktop, "note-efter-diktering");

    // ---- Autotext: search (æ/ø/å-aware), insert by click, fill a field by keyboard.
    driver
        .type_into("#autotext-search", "morgenplej")
        .expect("type search");
    driver
        .wait_for(
            "#autotext-list button[data-autotext='morgenpleje']",
            Duration::from_secs(10),
        )
        .expect("morgenpleje found");
    driver
        .click_css("#autotext-list button[data-autotext='morgenpleje']")
        .expect("insert autotext");
    let with_autotext = wait_note(
        &driver,
        "the autotext in the note",
        Duration::from_secs(10),
        |n| {
            n.iter()
                .any(|(_, s)| s.iter().any(|x| x.reason == "Autotekst: morgenpleje"))
        },
    );
    let (autotext_heading, auto_id) = with_autotext
        .iter()
        .find_map(|(h, s)| {
            s.iter()
                .find(|x| x.reason == "Autotekst: morgenpleje")
                .map(|x| (h.clone(), x.id))
        })
        .expect("autotext sentence");
    assert_eq!(autotext_heading, "Funktionsniveau");
    driver
        .poll(
            "focus on the inserted autotext's first field",
            "return document.activeElement && document.activeElement.dataset.focus || ''",
            Duration::from_secs(10),
            |v| v == &json!(format!("field-{auto_id}-0")),
        )
        .expect("first field focused");
    // Its first field is highlighted; Enter (or a click) opens it, and a value fills it.
    driver
        .click_css(&format!(
            "button.field[data-sentence='{auto_id}'][data-index='0']"
        ))
        .expect("open field");
    driver
        .type_into(
            &format!("[data-focus='fieldinput-{auto_id}-0']"),
            &format!("bad{ENTER}"),
        )
        .expect("fill field");
    wait_note(&driver, "the field filled", Duration::from_secs(10), |n| {
        n.iter().any(|(_, s)| {
            s.iter()
                .any(|x| x.id == auto_id && x.text.contains("hjælp til bad og påklædning"))
        })
    });
    // Focus moved on to the next field, which is what dictation would now fill.
    let active = driver
        .poll(
            "focus on the next field",
            "return document.activeElement && document.activeElement.dataset.focus || ''",
            Duration::from_secs(10),
            |v| v == &json!(format!("field-{auto_id}-1")),
        )
        .expect("next field focused");
    eprintln!("focused after filling: {active}");
    let filled = driver
        .exec(
            &format!("return document.querySelector(\"button.field[data-sentence='{auto_id}'][data-index='0']\").classList.contains('filled')"),
            vec![],
        )
        .expect("field class");
    assert_eq!(filled, json!(true), "the filled field is marked");
    shots.take(&driver, &desktop, "autotekst-udfyldt");

    // ---- Move a dictated sentence to another heading (menu), then undo and redo.
    let current = note(&driver);
    let (from_heading, moved_id) = current
        .iter()
        .find_map(|(h, s)| {
            s.iter()
                .find(|x| x.id != auto_id)
                .map(|x| (h.clone(), x.id))
        })
        .expect("a dictated sentence");
    let to_heading = if from_heading == "Søvn og hvile" {
        "Ernæring"
    } else {
        "Søvn og hvile"
    };
    driver
        .click_css(&format!("[data-focus='move-{moved_id}']"))
        .expect("open move menu");
    driver
        .wait_for(&format!("#move-select-{moved_id}"), Duration::from_secs(10))
        .expect("move menu");
    driver
        .exec(
            "document.getElementById(arguments[0]).value = arguments[1]; return true",
            vec![json!(format!("move-select-{moved_id}")), json!(to_heading)],
        )
        .expect("choose heading");
    driver
        .click_css(&format!("[data-focus='move-go-{moved_id}']"))
        .expect("move");
    let moved = wait_note(
        &driver,
        "the moved sentence",
        Duration::from_secs(10),
        |n| heading_of(n, moved_id).as_deref() == Some(to_heading),
    );
    let reason = moved
        .iter()
        .flat_map(|(_, s)| s.iter())
        .find(|x| x.id == moved_id)
        .map(|x| x.reason.clone())
        .unwrap_or_default();
    assert_eq!(reason, format!("Flyttet fra {from_heading}"));
    driver.click_css("#btn-undo").expect("undo");
    wait_note(&driver, "undo of the move", Duration::from_secs(10), |n| {
        heading_of(n, moved_id).as_deref() == Some(from_heading.as_str())
    });
    driver.click_css("#btn-redo").expect("redo");
    wait_note(&driver, "redo of the move", Duration::from_secs(10), |n| {
        heading_of(n, moved_id).as_deref() == Some(to_heading)
    });
    shots.take(&driver, &desktop, "saetning-flyttet");
    driver
        .exec(
            "window.scrollTo(0, 0); document.activeElement.blur(); \
             document.getElementById('toasts').replaceChildren(); \
             document.querySelector('.right').scrollTop = 0; return true",
            vec![],
        )
        .expect("scroll to the top");
    std::thread::sleep(Duration::from_millis(300));
    shots.take(&driver, &desktop, "oversigt");

    // ---- Edit a sentence by keyboard ("Ret", type, Enter); it stays where it was.
    driver
        .click_css(&format!(
            "li.sentence[data-id='{moved_id}'] button[aria-label='Ret sætningen']"
        ))
        .expect("open the editor");
    driver
        .type_into(
            &format!("[data-focus='edit-{moved_id}']"),
            &format!("Borgeren sov til klokken syv.{ENTER}"),
        )
        .expect("edit the sentence");
    wait_note(
        &driver,
        "the edited sentence",
        Duration::from_secs(10),
        |n| {
            n.iter().any(|(h, s)| {
                h == to_heading
                    && s.iter()
                        .any(|x| x.id == moved_id && x.text == "Borgeren sov til klokken syv.")
            })
        },
    );

    // ---- Save as FHIR and JSON (the command behind "Gem som …", with a path instead of the
    // file dialog).
    for (format, needle) in [("fhir", "\"resourceType\""), ("json", "\"sections\"")] {
        let path = scratch.path().join(format!("note.{format}.json"));
        let message = driver
            .exec(
                "return window.__TAURI__.core.invoke('save_export', \
                 { format: arguments[0], path: arguments[1] }).then(r => r.message)",
                vec![json!(format), json!(path.display().to_string())],
            )
            .expect("save export");
        let saved = std::fs::read_to_string(&path).expect("export file written");
        assert!(saved.contains(needle), "{format}: {saved}");
        assert!(
            saved.contains("Borgeren sov til klokken syv."),
            "{format} holds the note"
        );
        assert!(
            message.as_str().is_some_and(|m| m.contains("gemt")),
            "{message}"
        );
    }

    // ---- Large type for reading at arm's length.
    driver.click_css("#btn-large").expect("large text");
    driver
        .poll(
            "large type",
            "return document.documentElement.classList.contains('large')",
            Duration::from_secs(10),
            |v| v == &json!(true),
        )
        .expect("large type on");
    driver
        .exec("window.scrollTo(0, 0); return true", vec![])
        .expect("scroll");
    shots.take(&driver, &desktop, "stor-tekst");
    driver.click_css("#btn-large").expect("normal text");

    // ---- The global shortcut (Ctrl+Alt+D) starts and stops recording from the keyboard.
    let press = || {
        let ok = desktop
            .command("xdotool")
            .args(["key", "ctrl+alt+d"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "xdotool key ctrl+alt+d");
    };
    press();
    driver
        .poll(
            "the shortcut to start recording",
            "return document.getElementById('btn-record').dataset.state",
            Duration::from_secs(60),
            |v| v == "recording",
        )
        .expect("recording by shortcut");
    std::thread::sleep(Duration::from_secs(1));
    press();
    driver
        .poll(
            "the shortcut to stop recording",
            "return document.getElementById('btn-record').dataset.state",
            Duration::from_secs(120),
            |v| v == "idle",
        )
        .expect("stopped by shortcut");

    // ---- "Kopier til Nexus" puts the note on the clipboard as Nexus text.
    let final_note = note(&driver);
    driver.click_css("#btn-copy-nexus").expect("copy to Nexus");
    wait_dialog(&driver, "dlg-export", true);
    let clipboard = desktop.clipboard();
    let expected_text = final_note
        .iter()
        .map(|(h, s)| {
            format!(
                "{h}\r\n{}",
                s.iter()
                    .map(|x| x.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n\r\n");
    assert_eq!(
        clipboard, expected_text,
        "the clipboard holds the Nexus text"
    );
    assert!(clipboard.contains("Morgenpleje udført. Borgeren fik hjælp til bad og påklædning."));
    assert!(clipboard.contains(&format!("{to_heading}\r\n")));
    let preview = driver
        .exec(
            "return document.getElementById('export-preview').textContent",
            vec![],
        )
        .expect("preview");
    assert_eq!(
        preview.as_str().map(|s| s.replace('\r', "")),
        Some(clipboard.replace('\r', ""))
    );
    shots.take(&driver, &desktop, "kopieret-til-nexus");
    driver.click_css("#export-keep").expect("keep the note");
    wait_dialog(&driver, "dlg-export", false);

    // One heading only, for a record system with one field per heading.
    driver
        .click_css(&format!(
            "section.section[data-heading='{to_heading}'] button[aria-label='Kopier {to_heading} til Nexus']"
        ))
        .expect("copy one heading");
    wait_dialog(&driver, "dlg-export", true);
    let one = desktop.clipboard();
    let moved_text = final_note
        .iter()
        .find(|(h, _)| h == to_heading)
        .map(|(_, s)| {
            s.iter()
                .map(|x| x.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    assert_eq!(
        one, moved_text,
        "one heading's text, without the heading line"
    );
    driver.click_css("#export-keep").expect("keep the note");
    wait_dialog(&driver, "dlg-export", false);

    // ---- The app goes away without finishing the note: the draft is kept, encrypted.
    driver.quit().expect("close the app");
    std::thread::sleep(Duration::from_secs(1));
    let data = desktop.root.path().join("data");
    let stored = files_under(&data);
    assert!(
        stored
            .iter()
            .any(|p| p.to_string_lossy().contains("drafts")),
        "a draft was stored: {stored:?}"
    );
    let secret = "Morgenpleje udført";
    for f in files_under(desktop.root.path()) {
        if f.starts_with(desktop.root.path().join("home")) {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "note text in plaintext in {}",
            f.display()
        );
    }

    // ---- Next start: the unfinished note is offered back, exactly as it was.
    let driver = Driver::start(&desktop.driver_url, app).expect("second session");
    ready(&driver);
    assert!(dialog_open(&driver, "dlg-draft"), "recovery offered");
    shots.take(&driver, &desktop, "gendan-kladde");
    driver.click_css("#draft-recover").expect("recover");
    let recovered = wait_note(
        &driver,
        "the recovered note",
        Duration::from_secs(10),
        |n| !n.is_empty(),
    );
    let strip = |n: &[Section]| -> Vec<(String, Vec<String>)> {
        n.iter()
            .map(|(h, s)| (h.clone(), s.iter().map(|x| x.text.clone()).collect()))
            .collect()
    };
    assert_eq!(
        strip(&recovered),
        strip(&final_note),
        "draft recovered as it was"
    );

    // Finishing after export clears the note and the draft.
    driver.click_css("#btn-copy-cura").expect("copy to Cura");
    wait_dialog(&driver, "dlg-export", true);
    let cura = desktop.clipboard();
    assert!(cura.contains("Morgenpleje udført"), "Cura text: {cura}");
    driver.click_css("#export-finish").expect("finish");
    wait_note(&driver, "an empty note", Duration::from_secs(10), |n| {
        n.is_empty()
    });
    shots.take(&driver, &desktop, "afsluttet");
    driver.quit().expect("close the app");
    let drafts_left: Vec<PathBuf> = files_under(&data.join("dikta/drafts"))
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        drafts_left.is_empty(),
        "draft deleted after finishing: {drafts_left:?}"
    );
    let _ = Value::Null;
}
