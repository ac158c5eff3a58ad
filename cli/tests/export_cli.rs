//! `dikta export` end to end: files, refusing unreviewed notes, and `--to http` against a
//! receiver on 127.0.0.1 (delivered; server down → kept encrypted, listed, delivered later),
//! with XDG folders in a scratch directory and no note text or CPR left in any file there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("export-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn note_path(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/tests/data/notes")
        .join(name)
        .display()
        .to_string()
}

fn dikta(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dikta"))
        .args(args)
        .env("XDG_DATA_HOME", dir.join("xdg/data"))
        .env("XDG_CONFIG_HOME", dir.join("xdg/config"))
        .env("XDG_STATE_HOME", dir.join("xdg/state"))
        .env("XDG_CACHE_HOME", dir.join("xdg/cache"))
        .env("DIKTA_KEY_STORE", "file")
        .env_remove("DIKTA_EXPORT_ENDPOINT")
        .env_remove("DIKTA_TOKEN_URL")
        .output()
        .expect("run dikta")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_no_plaintext(xdg: &Path) {
    for path in files_under(xdg) {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        for secret in [
            "Forflytning",
            "Nøgleboks",
            "Karen Nielsen",
            "0707614285",
            "070761-4285",
        ] {
            assert!(
                !text.contains(secret),
                "{} holds {secret:?}",
                path.display()
            );
        }
    }
}

#[test]
fn export_to_files_and_refuse_unfilled_fields() {
    let dir = scratch_dir("files");
    let out = dir.join("note.fhir.json");
    let r = dikta(
        &dir,
        &[
            "export",
            "--to",
            "fhir",
            "--out",
            out.to_str().unwrap(),
            &note_path("with-cpr.json"),
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Unfilled autotext fields: refused without --force.
    let r = dikta(
        &dir,
        &[
            "export",
            "--to",
            "cura-text",
            &note_path("special-characters.json"),
        ],
    );
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("unfilled autotext field"));
    let r = dikta(
        &dir,
        &[
            "export",
            "--to",
            "cura-text",
            "--force",
            &note_path("special-characters.json"),
        ],
    );
    assert!(r.status.success());
    assert!(String::from_utf8_lossy(&r.stdout).starts_with("Ernæring\r\n"));

    // Unknown heading: a clear error.
    let r = dikta(
        &dir,
        &[
            "export",
            "--to",
            "cura-text",
            "--heading",
            "Ernæring",
            &note_path("with-cpr.json"),
        ],
    );
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("no heading"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A receiver that applies each Idempotency-Key once and counts POSTs.
fn receiver(listener: TcpListener) -> Arc<Mutex<Vec<String>>> {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let k = keys.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut len = 0usize;
            let mut key = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.trim_end().to_ascii_lowercase();
                if l.is_empty() {
                    break;
                }
                if let Some(v) = l.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if let Some(v) = l.strip_prefix("idempotency-key:") {
                    key = v.trim().to_string();
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            k.lock().unwrap().push(key);
            let mut conn = conn;
            let _ = conn.write_all(
                b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    keys
}

#[test]
fn export_over_http_through_the_outbox() {
    let dir = scratch_dir("http");
    let xdg = dir.join("xdg");
    let note = note_path("with-cpr.json");

    // Server down: the note is kept, encrypted, and listed.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{addr}/notes");
    let r = dikta(
        &dir,
        &[
            "export",
            "--to",
            "http",
            "--endpoint",
            &url,
            "--attempts",
            "2",
            &note,
        ],
    );
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("kept (encrypted) in the outbox"), "{err}");
    let r = dikta(&dir, &["export", "--to", "http", "--list"]);
    assert!(r.status.success());
    let listing = String::from_utf8_lossy(&r.stdout);
    assert!(listing.contains("3a2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d") && listing.contains("queued"));
    assert_no_plaintext(&xdg);

    // The service is back: a run without a note delivers what is queued, once.
    let Ok(listener) = TcpListener::bind(addr) else {
        eprintln!("SKIP: port {addr} was taken in between");
        return;
    };
    let keys = receiver(listener);
    let r = dikta(&dir, &["export", "--to", "http", "--endpoint", &url]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(keys.lock().unwrap().len(), 1);
    let r = dikta(&dir, &["export", "--to", "http", "--list"]);
    assert!(String::from_utf8_lossy(&r.stdout).contains("the outbox is empty"));

    // Exporting the same note version again carries the same key (the receiver dedups).
    let r = dikta(&dir, &["export", "--to", "http", "--endpoint", &url, &note]);
    assert!(r.status.success());
    let keys = keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);

    let audit = std::fs::read_to_string(xdg.join("state/dikta/export-audit.jsonl")).unwrap();
    for action in ["\"queued\"", "\"failed\"", "\"delivered\""] {
        assert!(audit.contains(action), "{action} missing in {audit}");
    }
    assert_no_plaintext(&xdg);

    // Plain http to another host is refused before anything is written.
    let r = dikta(
        &dir,
        &[
            "export",
            "--to",
            "http",
            "--endpoint",
            "http://integration.kommune.dk/x",
            &note,
        ],
    );
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("https://"));
    let _ = std::fs::remove_dir_all(&dir);
}
