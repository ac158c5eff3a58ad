//! `dikta paste` for real, under Xvfb: a real X11 text window (xterm, with Ctrl+V bound to
//! pasting the CLIPBOARD like a journal field) receives the note text, and the clipboard
//! afterwards holds what it held before. Also: typing mode (æ, ø, å and — through spare
//! keycodes), one heading only, and a window that never takes the paste (the clipboard is
//! then cleared, never restored under a pending paste).
//!
//! Needs the Debian packages xvfb, xterm and xclip. Skips with a message when no X server
//! can be started, unless DIKTA_REQUIRE_X=1.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PREVIOUS_CLIPBOARD: &str = "Forrige udklipsholder: æøå ÆØÅ <&> \"citat\"";

fn require_x() -> bool {
    std::env::var("DIKTA_REQUIRE_X").is_ok_and(|v| v == "1")
}

fn skip(why: &str) {
    if require_x() {
        panic!("DIKTA_REQUIRE_X=1 but {why}");
    }
    eprintln!("SKIP: {why} (install xvfb, xterm and xclip; DIKTA_REQUIRE_X=1 makes this fail)");
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Kills its processes when dropped.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("paste-x11-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Start Xvfb on a free display; `None` when none could be started.
fn start_xvfb(procs: &mut Procs) -> Option<String> {
    for n in 140..200 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let Ok(child) = Command::new("Xvfb")
            .args([
                format!(":{n}").as_str(),
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "1024x768x24",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            return None;
        };
        procs.0.push(child);
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = procs.0.last_mut().map(|c| c.try_wait()) {
                break; // exited: display taken
            }
            if Path::new(&socket).exists() && xclip_ok(&format!(":{n}")) {
                return Some(format!(":{n}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    None
}

fn xclip_ok(display: &str) -> bool {
    Command::new("xclip")
        .args(["-selection", "clipboard", "-o"])
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn set_clipboard(display: &str, text: &str) {
    use std::io::Write;
    let mut c = Command::new("xclip")
        .args(["-selection", "clipboard", "-i"])
        .env("DISPLAY", display)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip");
    c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert!(c.wait().unwrap().success());
}

fn get_clipboard(display: &str) -> Option<String> {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-o", "-t", "UTF8_STRING"])
        .env("DISPLAY", display)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// An xterm whose Ctrl+V pastes the CLIPBOARD (like a journal field) and whose input goes
/// to `out` unchanged. Returns its X window id.
fn start_field(
    procs: &mut Procs,
    display: &str,
    dir: &Path,
    name: &str,
    paste_key: bool,
) -> String {
    let out = dir.join(format!("{name}.out"));
    let win = dir.join(format!("{name}.win"));
    let script = format!(
        "stty -icanon -echo; printf '%s' \"$WINDOWID\" > '{}'; exec cat > '{}'",
        win.display(),
        out.display()
    );
    let mut args: Vec<String> = vec!["-geometry".into(), "80x24+0+0".into()];
    if paste_key {
        args.extend([
            "-xrm".into(),
            "XTerm*VT100.translations: #override Ctrl<Key>v: insert-selection(CLIPBOARD)".into(),
        ]);
    }
    args.extend(["-e".into(), "sh".into(), "-c".into(), script]);
    let child = Command::new("xterm")
        .args(&args)
        .env("DISPLAY", display)
        .env("LC_ALL", "C.UTF-8")
        .env("LANG", "C.UTF-8")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start xterm");
    procs.0.push(child);
    wait_for("the xterm window id", || {
        std::fs::read_to_string(&win).is_ok_and(|s| !s.trim().is_empty())
    });
    // Let xterm finish mapping the window and setting up the tty.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::read_to_string(&win).unwrap().trim().to_string()
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_field(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.out"))).unwrap_or_default()
}

fn dikta(display: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dikta"))
        .args(args)
        .env("DISPLAY", display)
        .env("XDG_DATA_HOME", dir.join("xdg/data"))
        .env("XDG_CONFIG_HOME", dir.join("xdg/config"))
        .env("XDG_STATE_HOME", dir.join("xdg/state"))
        .env("XDG_CACHE_HOME", dir.join("xdg/cache"))
        .output()
        .expect("run dikta")
}

fn note_path(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/data/notes")
        .join(name)
        .display()
        .to_string()
}

fn export_text(dir: &Path, args: &[&str]) -> String {
    let out = dikta("", dir, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn paste_into_a_real_x11_field_and_restore_the_clipboard() {
    for tool in ["Xvfb", "xterm", "xclip"] {
        if !have(tool) {
            return skip(&format!("{tool} is not installed"));
        }
    }
    let mut procs = Procs(Vec::new());
    let Some(display) = start_xvfb(&mut procs) else {
        return skip("no X server could be started with Xvfb");
    };
    let dir = scratch_dir("main");
    let note = note_path("special-characters.json");

    // 1. Whole note by clipboard + Ctrl+V; the previous clipboard comes back.
    set_clipboard(&display, PREVIOUS_CLIPBOARD);
    assert_eq!(get_clipboard(&display).as_deref(), Some(PREVIOUS_CLIPBOARD));
    let win = start_field(&mut procs, &display, &dir, "whole", true);
    let out = dikta(
        &display,
        &dir,
        &[
            "paste",
            "--force",
            "--line-ending",
            "lf",
            "--window",
            &win,
            &note,
        ],
    );
    assert!(
        out.status.success(),
        "dikta paste failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = export_text(
        &dir,
        &[
            "export",
            "--to",
            "cura-text",
            "--line-ending",
            "lf",
            "--force",
            &note,
        ],
    );
    assert!(want.contains("Æbler, øllebrød og ålesuppe") && want.contains("<1 l>"));
    wait_for("the pasted note in the field", || {
        read_field(&dir, "whole").len() >= want.len()
    });
    assert_eq!(read_field(&dir, "whole"), want);
    wait_for("the previous clipboard to be restored", || {
        get_clipboard(&display).as_deref() == Some(PREVIOUS_CLIPBOARD)
    });
    // Audit line without text.
    let audit = std::fs::read_to_string(dir.join("xdg/state/dikta/export-audit.jsonl"))
        .expect("audit log written");
    assert!(audit.contains("\"pasted\""));
    assert!(!audit.contains("Æbler") && !audit.contains("øllebrød"));

    // 2. One heading, typed key by key (a field that blocks paste); clipboard untouched.
    let win = start_field(&mut procs, &display, &dir, "typed", false);
    let out = dikta(
        &display,
        &dir,
        &[
            "paste",
            "--type",
            "--force",
            "--heading",
            "ernæring",
            "--line-ending",
            "lf",
            "--window",
            &win,
            &note,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = export_text(
        &dir,
        &[
            "export",
            "--to",
            "cura-text",
            "--heading",
            "Ernæring",
            "--line-ending",
            "lf",
            "--force",
            &note,
        ],
    );
    assert!(want.contains('—') && want.contains('\n'));
    wait_for("the typed heading in the field", || {
        read_field(&dir, "typed").len() >= want.len()
    });
    assert_eq!(read_field(&dir, "typed"), want);
    assert_eq!(get_clipboard(&display).as_deref(), Some(PREVIOUS_CLIPBOARD));

    // 3. A window that never fetches the clipboard: nothing pasted, the clipboard is cleared
    //    (not restored, so a late Ctrl+V cannot paste the old content), and a clear error.
    let win = start_field(&mut procs, &display, &dir, "deaf", false);
    let started = Instant::now();
    let out = dikta(
        &display,
        &dir,
        &[
            "paste",
            "--force",
            "--timeout",
            "1",
            "--window",
            &win,
            &note,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not take the paste"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let field = read_field(&dir, "deaf");
    assert!(
        !field.contains("Æbler") && !field.contains("Forrige"),
        "{field:?}"
    );
    let after = get_clipboard(&display).unwrap_or_default();
    assert!(
        !after.contains("Forrige") && !after.contains("Æbler"),
        "{after:?}"
    );
    drop(procs);
    let _ = std::fs::remove_dir_all(&dir);
}
