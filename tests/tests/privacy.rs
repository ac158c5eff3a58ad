//! Privacy and crash safety, end to end (issue 7):
//!
//! 1. a dictating process killed with SIGKILL leaves a draft that comes back exactly;
//! 2. after a whole session (audio → live session → interpreter → draft → outbox → audit
//!    log) with every XDG folder and HOME in a temporary folder, no file written holds a
//!    dictated word or the citizen's CPR number;
//! 3. a whole session works inside a network namespace with no network;
//! 4. a tampered draft is refused, moved aside and reported by `dikta drafts`.

mod common;
#[path = "../src/script.rs"]
mod script;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A temporary home for one test: all XDG folders and HOME inside it.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.root.path()
    }

    /// A command with every place Dikta could write pointed into the sandbox.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        let r = self.path();
        c.env("HOME", r.join("home"))
            .env("XDG_DATA_HOME", r.join("data"))
            .env("XDG_CONFIG_HOME", r.join("config"))
            .env("XDG_STATE_HOME", r.join("state"))
            .env("XDG_CACHE_HOME", r.join("cache"))
            .env("XDG_RUNTIME_DIR", r.join("run"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DIKTA_MODELS_DIR")
            .env("DIKTA_LOG", "info");
        c
    }

    /// Every file under the sandbox.
    fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p, out);
                    } else {
                        out.push(p);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), &mut out);
        out
    }
}

fn child() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dikta-test-child"))
}

fn dikta(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    sandbox
        .command(common::dikta_bin())
        .args(args)
        .output()
        .expect("run dikta")
}

/// The note the child has on disk after `n` pieces, computed here independently.
fn expected_note(id: uuid::Uuid, n: usize) -> dikta_engine::journal::JournalNote {
    let mut i = script::interpreter(Some(id));
    for p in &script::PIECES[..n] {
        i.push(p);
    }
    i.note().clone()
}

#[test]
fn kill_9_while_dictating_loses_nothing_committed() {
    let sandbox = Sandbox::new();
    let id = uuid::Uuid::new_v4();
    let mut proc = sandbox
        .command(child())
        .args(["script", "700", &id.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let stdout = proc.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut last = None;
    for line in lines.by_ref() {
        let line = line.expect("line");
        let mut parts = line.split_whitespace();
        if parts.next() == Some("saved") {
            let n: usize = parts.next().and_then(|n| n.parse().ok()).expect("count");
            let digest = parts.next().expect("digest").to_string();
            last = Some((n, digest));
            if n == 5 {
                break;
            }
        }
    }
    // SIGKILL: no destructor, no flush, nothing.
    proc.kill().expect("kill -9");
    let status = proc.wait().expect("wait");
    assert!(!status.success());
    let (n, digest) = last.expect("the child saved drafts");
    assert_eq!(n, 5);

    // On the next start the draft is offered back exactly as it was.
    let out = dikta(&sandbox, &["drafts", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains(&id.to_string()), "{list}");
    assert!(
        !list.contains(script::CPR) && !list.contains("4285"),
        "{list}"
    );

    let out = dikta(
        &sandbox,
        &["drafts", "recover", &id.to_string(), "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recovered: dikta_engine::journal::JournalNote =
        serde_json::from_slice(&out.stdout).expect("note JSON");
    assert_eq!(dikta_engine::export::note_digest(&recovered), digest);
    let expected = expected_note(id, 5);
    assert_eq!(recovered, expected);
    // Headings, placements and autotext fields are all there.
    assert!(recovered.section("Hud og slimhinder").is_some());
    assert!(recovered
        .sentences()
        .any(|(_, s)| !s.fields.is_empty() && s.fields.iter().all(|f| !f.filled)));

    // Export confirmed: the draft goes.
    let out = dikta(
        &sandbox,
        &["drafts", "recover", &id.to_string()[..8], "--remove"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dikta(&sandbox, &["drafts", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "");
}

/// Words of at least five letters from `text`, lower-cased.
fn words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 5)
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w.dedup();
    w
}

/// Run a whole session in the sandbox (whisper when the model is installed) and return
/// the note's plain text.
fn run_session(sandbox: &Sandbox, wrap: Option<&[&str]>) -> Result<String, String> {
    let wav = common::repo_root().join("samples/dictation-da.wav");
    let model = common::installed_model("base-q8_0");
    let mut args: Vec<String> = vec!["session".into(), wav.display().to_string()];
    if let Some(m) = &model {
        args.push(m.display().to_string());
    } else {
        eprintln!("(scripted recogniser instead of whisper)");
    }
    let mut cmd = match wrap {
        Some(w) => {
            let mut c = sandbox.command(w[0]);
            c.args(&w[1..]).arg(child());
            c
        }
        None => sandbox.command(child()),
    };
    let out = cmd.args(&args).output().expect("run the child");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if !out.status.success() {
        return Err(stderr);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text = stdout
        .lines()
        .find_map(|l| l.strip_prefix("text "))
        .expect("the child prints the note text")
        .to_string();
    Ok(text)
}

#[test]
fn no_file_written_in_a_real_session_holds_dictated_words_or_the_cpr_number() {
    let sandbox = Sandbox::new();
    let text = run_session(&sandbox, None).expect("session");
    let mut secrets = words(&text);
    assert!(secrets.len() >= 5, "too little text to check: {text:?}");
    secrets.push(script::CPR.to_string());
    secrets.push(script::CPR.replace('-', ""));
    secrets.push("karen jensen".into());

    let files = sandbox.files();
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(sandbox.path())
                .unwrap_or(f)
                .display()
                .to_string()
        })
        .collect();
    // The session left a draft, an outbox entry, the key file and the audit log.
    for want in ["drafts/", "outbox/", "dikta/key", "export-audit.jsonl"] {
        assert!(
            names.iter().any(|n| n.contains(want)),
            "no {want} in {names:?}"
        );
    }
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        let content = String::from_utf8_lossy(&bytes).to_lowercase();
        for s in &secrets {
            assert!(
                !content.contains(s.as_str()),
                "{} holds {s:?} in plaintext",
                file.display()
            );
        }
    }
    eprintln!(
        "checked {} files for {} words and the CPR number: none found",
        files.len(),
        secrets.len()
    );
}

#[test]
fn a_whole_session_works_without_any_network() {
    let probe = Command::new("unshare").args(["-n", "true"]).output();
    let permitted = probe.as_ref().is_ok_and(|o| o.status.success());
    if !permitted {
        let why = match &probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        assert!(
            std::env::var("DIKTA_REQUIRE_NETNS").as_deref() != Ok("1"),
            "network namespaces are required (DIKTA_REQUIRE_NETNS=1) but unshare -n fails: {why}"
        );
        eprintln!("SKIP: cannot create a network namespace here ({why})");
        return;
    }
    // Inside the namespace there is no interface but a down loopback.
    let links = Command::new("unshare")
        .args(["-n", "cat", "/proc/net/dev"])
        .output()
        .expect("unshare");
    let devs = String::from_utf8_lossy(&links.stdout);
    assert!(
        !devs
            .lines()
            .skip(2)
            .any(|l| !l.trim_start().starts_with("lo:")),
        "{devs}"
    );
    let sandbox = Sandbox::new();
    let text = run_session(&sandbox, Some(&["unshare", "-n", "--"])).expect("offline session");
    assert!(!text.trim().is_empty());
    let out = dikta(&sandbox, &["drafts", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn a_tampered_draft_is_refused_kept_aside_and_reported() {
    let sandbox = Sandbox::new();
    let id = uuid::Uuid::new_v4();
    let out = sandbox
        .command(child())
        .args(["script", "0", &id.to_string()])
        .output()
        .expect("child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let draft = sandbox
        .files()
        .into_iter()
        .find(|f| f.to_string_lossy().contains(&id.to_string()))
        .expect("draft file");
    let mut bytes = std::fs::read(&draft).expect("read");
    let i = bytes.len() - 20;
    bytes[i] ^= 0x04;
    std::fs::write(&draft, bytes).expect("write");

    let out = dikta(&sandbox, &["drafts", "show", &id.to_string()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("failed authentication"), "{err}");
    assert!(err.contains("aside"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!draft.exists());
    let quarantine = sandbox.path().join("data/dikta/drafts/quarantine");
    assert_eq!(
        std::fs::read_dir(&quarantine).expect("quarantine").count(),
        1
    );
    let out = dikta(&sandbox, &["drafts", "purge", "--refused"]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_dir(&quarantine).expect("quarantine").count(),
        0
    );
}
