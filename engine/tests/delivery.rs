//! HTTP delivery through the outbox, against a test receiver on 127.0.0.1 that this file
//! starts: success, 4xx rejection, 5xx and timeout then success, server down the whole time,
//! token refresh, and `kill -9` of a delivering process followed by a restart.
//!
//! The receiver behaves like a careful integration service: it applies a note once per
//! `Idempotency-Key` and answers later copies with 200 without applying them again.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dikta_engine::delivery::{
    self, AuditAction, AuditLog, ClientCredentials, EncryptedFileStore, EntryState, HttpDeliverer,
    HttpTarget, Outbox, OutboxKey, RetryPolicy,
};
use dikta_engine::export::{ExportOptions, Format};
use dikta_engine::journal::JournalNote;

// ---------------------------------------------------------------- test receiver

/// What the receiver does with the next note POST.
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Apply (once per key) and answer 201 (200 for a repeat).
    Accept,
    /// Answer with this status without applying.
    Status(u16),
    /// Apply, then keep the connection open without answering for this long.
    ApplyThenHang(Duration),
}

#[derive(Debug, Clone)]
struct Seen {
    authorization: Option<String>,
    idempotency_key: Option<String>,
    content_type: Option<String>,
    body: String,
}

#[derive(Default)]
struct State {
    script: VecDeque<Act>,
    posts: Vec<Seen>,
    applied: HashMap<String, u32>,
    tokens_issued: u32,
    valid_tokens: Vec<String>,
    revoke_after_first_post: bool,
}

struct Receiver {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

const CLIENT_ID: &str = "dikta-test";
const CLIENT_SECRET: &str = "hemmelig nøgle";

impl Receiver {
    fn start(script: &[Act]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        Receiver::serve(listener, script)
    }

    fn serve(listener: TcpListener, script: &[Act]) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            script: script.iter().copied().collect(),
            ..Default::default()
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || handle(conn, &st));
            }
        });
        Receiver { addr, state }
    }

    fn url(&self) -> String {
        format!("http://{}/notes", self.addr)
    }

    fn token_url(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

fn handle(mut conn: TcpStream, state: &Mutex<State>) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();

    let (status, reply, hang) = if path == "/token" {
        token(&headers, &body, state)
    } else if path == "/notes" {
        note_post(&headers, body, state)
    } else {
        (404, String::new(), None)
    };
    if let Some(d) = hang {
        std::thread::sleep(d);
        return;
    }
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    let _ = conn.write_all(resp.as_bytes());
}

fn token(
    headers: &HashMap<String, String>,
    body: &str,
    state: &Mutex<State>,
) -> (u16, String, Option<Duration>) {
    // client_secret_basic with form-encoded id and secret (RFC 6749 §2.3.1).
    let want = format!("Basic {}", b64("dikta-test:hemmelig+n%C3%B8gle"));
    if headers.get("authorization") != Some(&want)
        || !body.contains("grant_type=client_credentials")
    {
        return (401, r#"{"error":"invalid_client"}"#.into(), None);
    }
    let mut st = state.lock().unwrap();
    st.tokens_issued += 1;
    let tok = format!("tok-{}", st.tokens_issued);
    st.valid_tokens.push(tok.clone());
    (
        200,
        format!(r#"{{"access_token":"{tok}","token_type":"Bearer","expires_in":3600}}"#),
        None,
    )
}

fn note_post(
    headers: &HashMap<String, String>,
    body: String,
    state: &Mutex<State>,
) -> (u16, String, Option<Duration>) {
    let mut st = state.lock().unwrap();
    let seen = Seen {
        authorization: headers.get("authorization").cloned(),
        idempotency_key: headers.get("idempotency-key").cloned(),
        content_type: headers.get("content-type").cloned(),
        body,
    };
    st.posts.push(seen.clone());
    let authorised = match &seen.authorization {
        None => st.valid_tokens.is_empty(),
        Some(a) => st.valid_tokens.iter().any(|t| a == &format!("Bearer {t}")),
    };
    if st.revoke_after_first_post && st.posts.len() == 1 {
        st.valid_tokens.clear();
        return (401, String::new(), None);
    }
    if !authorised {
        return (401, String::new(), None);
    }
    let Some(key) = seen.idempotency_key.clone() else {
        return (400, r#"{"error":"Idempotency-Key required"}"#.into(), None);
    };
    let act = st.script.pop_front().unwrap_or(Act::Accept);
    let apply = |st: &mut State| {
        let n = st.applied.entry(key.clone()).or_insert(0);
        if *n == 0 {
            *n = 1;
            201
        } else {
            200
        }
    };
    match act {
        Act::Accept => (apply(&mut st), "{}".into(), None),
        Act::Status(s) => (s, "{}".into(), None),
        Act::ApplyThenHang(d) => {
            apply(&mut st);
            (0, String::new(), Some(d))
        }
    }
}

fn b64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let d = s.as_bytes();
    let mut out = String::new();
    for c in d.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                A[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

// ---------------------------------------------------------------- helpers

fn sample_note() -> JournalNote {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/notes/with-cpr.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

const SECRET_WORDS: [&str; 3] = ["Forflytning", "Nøgleboks", "Karen Nielsen"];
const CPR_FORMS: [&str; 2] = ["0707614285", "070761-4285"];

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    key: OutboxKey,
    audit: AuditLog,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        Setup {
            audit: AuditLog::new(root.join("state/audit.log")),
            key: OutboxKey::generate(),
            root,
            _dir: dir,
        }
    }

    fn outbox(&self) -> Outbox<EncryptedFileStore> {
        Outbox::new(EncryptedFileStore::open(self.root.join("outbox"), &self.key).unwrap())
    }

    /// No file Dikta wrote holds note text or the CPR number.
    fn assert_no_plaintext(&self) {
        for path in walk(&self.root) {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for w in SECRET_WORDS.iter().chain(CPR_FORMS.iter()) {
                assert!(!text.contains(w), "{} contains {w:?}", path.display());
            }
        }
    }

    fn actions(&self) -> Vec<AuditAction> {
        self.audit
            .read()
            .unwrap()
            .iter()
            .map(|r| r.action)
            .collect()
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn target(endpoint: String, creds: Option<ClientCredentials>) -> HttpTarget {
    let mut t = HttpTarget::new(endpoint);
    t.credentials = creds;
    t.connect_timeout = Duration::from_secs(2);
    t.request_timeout = Duration::from_millis(1500);
    t.retry = RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
    };
    t
}

fn creds(r: &Receiver) -> Option<ClientCredentials> {
    Some(ClientCredentials {
        token_url: r.token_url(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        scope: Some("notes.write".into()),
    })
}

// ---------------------------------------------------------------- tests

#[test]
fn success_with_bearer_token_and_idempotency_key() {
    let r = Receiver::start(&[]);
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    let entry = outbox
        .enqueue(&note, Format::Fhir, &r.url(), &ExportOptions::default())
        .unwrap();
    delivery::audit_queued(&s.audit, &entry);
    // Persisted before delivery starts, and encrypted.
    assert_eq!(outbox.entries().unwrap().len(), 1);
    s.assert_no_plaintext();

    let mut d = HttpDeliverer::new(target(r.url(), creds(&r))).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert_eq!(report.delivered, vec![note.id]);
    assert!(report.all_delivered());
    assert!(
        outbox.entries().unwrap().is_empty(),
        "removed after confirmation"
    );

    let st = r.state();
    assert_eq!(st.posts.len(), 1);
    assert_eq!(st.tokens_issued, 1);
    let post = &st.posts[0];
    assert_eq!(post.authorization.as_deref(), Some("Bearer tok-1"));
    assert_eq!(post.content_type.as_deref(), Some("application/fhir+json"));
    assert_eq!(
        post.idempotency_key.as_deref(),
        Some(entry.idempotency_key.as_str())
    );
    let bundle: serde_json::Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!(bundle["type"], "document");
    drop(st);

    assert_eq!(
        s.actions(),
        vec![AuditAction::Queued, AuditAction::Delivered]
    );
    let rec = &s.audit.read().unwrap()[1];
    assert_eq!(rec.actor, note.author);
    assert_eq!(rec.note_id, note.id);
    assert_eq!(rec.status, Some(201));
    assert!(rec.target.starts_with("fhir http://127.0.0.1:"));
    s.assert_no_plaintext();
}

#[test]
fn rejection_4xx_keeps_the_note_marked_rejected() {
    let r = Receiver::start(&[Act::Status(422)]);
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    outbox
        .enqueue(&note, Format::Json, &r.url(), &ExportOptions::default())
        .unwrap();
    let mut d = HttpDeliverer::new(target(r.url(), None)).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert_eq!(report.rejected, vec![(note.id, 422)]);
    assert_eq!(r.state().posts.len(), 1, "a 4xx is not retried");
    let left = outbox.entries().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].as_ref().unwrap().state,
        EntryState::Rejected { status: 422 }
    );
    // Not retried automatically ...
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert!(report.delivered.is_empty() && report.rejected.is_empty());
    assert_eq!(r.state().posts.len(), 1);
    // ... but on request (after the worker or integrator fixed the cause).
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, true).unwrap();
    assert_eq!(report.delivered, vec![note.id]);
    assert!(outbox.entries().unwrap().is_empty());
    assert_eq!(
        s.actions(),
        vec![AuditAction::Rejected, AuditAction::Delivered]
    );
    s.assert_no_plaintext();
}

#[test]
fn server_errors_then_success() {
    let r = Receiver::start(&[Act::Status(503), Act::Status(500)]);
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    outbox
        .enqueue(&note, Format::Fhir, &r.url(), &ExportOptions::default())
        .unwrap();
    let mut d = HttpDeliverer::new(target(r.url(), creds(&r))).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert_eq!(report.delivered, vec![note.id]);
    let st = r.state();
    assert_eq!(st.posts.len(), 3);
    assert_eq!(st.tokens_issued, 1, "the token is cached across retries");
    let keys: Vec<_> = st.posts.iter().map(|p| p.idempotency_key.clone()).collect();
    assert!(
        keys.windows(2).all(|w| w[0] == w[1]),
        "same key on every retry"
    );
    drop(st);
    assert_eq!(
        s.actions(),
        vec![
            AuditAction::Retry,
            AuditAction::Retry,
            AuditAction::Delivered
        ]
    );
    let recs = s.audit.read().unwrap();
    assert_eq!(recs[0].status, Some(503));
    assert_eq!(recs[2].attempt, Some(3));
}

#[test]
fn timeout_then_success_is_applied_once() {
    // The receiver applies the note but its answer never arrives in time; the retry carries
    // the same key, so the receiver does not apply it again.
    let r = Receiver::start(&[Act::ApplyThenHang(Duration::from_secs(5))]);
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    outbox
        .enqueue(&note, Format::Fhir, &r.url(), &ExportOptions::default())
        .unwrap();
    let mut t = target(r.url(), None);
    t.request_timeout = Duration::from_millis(400);
    let mut d = HttpDeliverer::new(t).unwrap();
    let started = Instant::now();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout held"
    );
    assert_eq!(report.delivered, vec![note.id]);
    let st = r.state();
    assert_eq!(st.posts.len(), 2);
    assert_eq!(st.applied.len(), 1);
    assert_eq!(st.applied.values().sum::<u32>(), 1);
    drop(st);
    let recs = s.audit.read().unwrap();
    assert_eq!(recs[0].action, AuditAction::Retry);
    assert!(recs[0]
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("timed out"));
    assert_eq!(recs[1].status, Some(200));
}

#[test]
fn server_down_the_whole_time_keeps_the_note_queued() {
    // A port that nothing listens on.
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("http://{addr}/notes");
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    outbox
        .enqueue(&note, Format::Fhir, &url, &ExportOptions::default())
        .unwrap();
    let mut d = HttpDeliverer::new(target(url.clone(), None)).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert!(report.delivered.is_empty());
    assert_eq!(report.failed.len(), 1);
    let left = outbox.entries().unwrap();
    let entry = left[0].as_ref().unwrap();
    assert_eq!(entry.state, EntryState::Pending);
    assert_eq!(entry.attempts, 4);
    assert_eq!(
        s.actions(),
        vec![
            AuditAction::Retry,
            AuditAction::Retry,
            AuditAction::Retry,
            AuditAction::Failed
        ]
    );
    s.assert_no_plaintext();

    // The service comes back on the same address: the next run delivers it.
    if let Ok(listener) = TcpListener::bind(addr) {
        let r = Receiver::serve(listener, &[]);
        let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
        assert_eq!(report.delivered, vec![note.id]);
        assert_eq!(r.state().posts.len(), 1);
        assert!(outbox.entries().unwrap().is_empty());
        assert_eq!(s.audit.read().unwrap().last().unwrap().attempt, Some(5));
    }
}

#[test]
fn expired_token_is_refreshed_once() {
    let r = Receiver::start(&[]);
    r.state().revoke_after_first_post = true;
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    outbox
        .enqueue(&note, Format::Fhir, &r.url(), &ExportOptions::default())
        .unwrap();
    let mut d = HttpDeliverer::new(target(r.url(), creds(&r))).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert_eq!(report.delivered, vec![note.id]);
    let st = r.state();
    assert_eq!(st.tokens_issued, 2);
    assert_eq!(st.posts[1].authorization.as_deref(), Some("Bearer tok-2"));
}

#[test]
fn refused_client_credentials_send_nothing_and_keep_the_note() {
    let r = Receiver::start(&[]);
    let s = Setup::new();
    let outbox = s.outbox();
    let note = sample_note();
    outbox
        .enqueue(&note, Format::Fhir, &r.url(), &ExportOptions::default())
        .unwrap();
    let mut c = creds(&r);
    if let Some(c) = c.as_mut() {
        c.client_secret = "forkert".into();
    }
    let mut d = HttpDeliverer::new(target(r.url(), c)).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &s.audit, false).unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0]
        .1
        .contains("refused the client credentials"));
    assert!(r.state().posts.is_empty());
    assert_eq!(outbox.entries().unwrap().len(), 1);
    let audit = std::fs::read_to_string(s.audit.path()).unwrap();
    assert!(!audit.contains("forkert"), "no secret in the audit log");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err =
        HttpDeliverer::new(HttpTarget::new("http://integration.kommune.dk/notes")).unwrap_err();
    assert!(err.to_string().contains("https://"));
}

// ---------------------------------------------------------------- kill -9

/// Not a test on its own: the body of the child process that the kill -9 test starts (it
/// does nothing unless `DIKTA_DELIVERY_CHILD` is set).
#[test]
fn delivery_child_process() {
    let Ok(mode) = std::env::var("DIKTA_DELIVERY_CHILD") else {
        return;
    };
    let root = PathBuf::from(std::env::var("DIKTA_CHILD_ROOT").unwrap());
    let key_bytes: [u8; 32] = hex_decode(&std::env::var("DIKTA_CHILD_KEY").unwrap());
    let endpoint = std::env::var("DIKTA_CHILD_ENDPOINT").unwrap();
    let key = OutboxKey::from_bytes(key_bytes);
    let outbox = Outbox::new(EncryptedFileStore::open(root.join("outbox"), &key).unwrap());
    let audit = AuditLog::new(root.join("state/audit.log"));
    if mode != "restart" {
        let entry = outbox
            .enqueue(
                &sample_note(),
                Format::Fhir,
                &endpoint,
                &ExportOptions::default(),
            )
            .unwrap();
        delivery::audit_queued(&audit, &entry);
        println!("WRITTEN");
        std::io::stdout().flush().unwrap();
        if mode == "stop-after-write" {
            std::thread::sleep(Duration::from_secs(60));
            return;
        }
    }
    let mut t = target(endpoint, None);
    t.request_timeout = Duration::from_secs(60);
    let mut d = HttpDeliverer::new(t).unwrap();
    let report = delivery::deliver_pending(&outbox, &mut d, &audit, false).unwrap();
    println!("DELIVERED {}", report.delivered.len());
}

fn hex_decode(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn spawn_child(mode: &str, root: &Path, key_hex: &str, endpoint: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "delivery_child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DIKTA_DELIVERY_CHILD", mode)
        .env("DIKTA_CHILD_ROOT", root)
        .env("DIKTA_CHILD_KEY", key_hex)
        .env("DIKTA_CHILD_ENDPOINT", endpoint)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the child test process")
}

fn wait_for_line(child: &mut std::process::Child, want: &str) {
    let out = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(out);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.contains(want) {
            return;
        }
    }
    panic!("child never printed {want}");
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_between_written_and_confirmed_then_restart_delivers_once() {
    // Case 1: killed right after the note was written, before anything was sent.
    // Case 2: killed after the receiver applied the note but before its answer arrived.
    for mode in ["stop-after-write", "deliver"] {
        let s = Setup::new();
        let key_hex: String = {
            // Give the child the same key: write it through the interim key file helper.
            let path = s.root.join("outbox.key");
            let key = OutboxKey::load_or_create(&path).unwrap();
            let hex = std::fs::read_to_string(&path).unwrap().trim().to_string();
            assert_eq!(OutboxKey::from_bytes(hex_decode(&hex)), key);
            hex
        };
        let r = Receiver::start(&[Act::ApplyThenHang(Duration::from_secs(30))]);
        if mode == "stop-after-write" {
            r.state().script.clear();
        }
        let mut child = spawn_child(mode, &s.root, &key_hex, &r.url());
        wait_for_line(&mut child, "WRITTEN");
        if mode == "deliver" {
            wait_until("the receiver to apply the note", || {
                r.state().applied.len() == 1
            });
        }
        child.kill().expect("kill -9 the delivering process"); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(!status.success(), "{mode}: the child was killed");

        // After the kill the note is still in the outbox (encrypted), nothing confirmed.
        let key = OutboxKey::from_bytes(hex_decode(&key_hex));
        let outbox = Outbox::new(EncryptedFileStore::open(s.root.join("outbox"), &key).unwrap());
        let left = outbox.entries().unwrap();
        assert_eq!(left.len(), 1, "{mode}: note kept across the kill");
        s.assert_no_plaintext();

        // Restart: a new process delivers what the outbox holds.
        let mut child = spawn_child("restart", &s.root, &key_hex, &r.url());
        wait_for_line(&mut child, "DELIVERED 1");
        assert!(child.wait().unwrap().success());
        assert!(
            outbox.entries().unwrap().is_empty(),
            "{mode}: confirmed and removed"
        );

        let st = r.state();
        assert_eq!(st.applied.len(), 1, "{mode}: one note at the receiver");
        assert_eq!(st.applied.values().sum::<u32>(), 1, "{mode}: applied once");
        let keys: std::collections::HashSet<_> =
            st.posts.iter().map(|p| p.idempotency_key.clone()).collect();
        assert_eq!(keys.len(), 1, "{mode}: same key on every POST");
        assert_eq!(st.posts.len(), if mode == "deliver" { 2 } else { 1 });
        drop(st);
        let actions: Vec<AuditAction> = s.actions();
        assert_eq!(actions.first(), Some(&AuditAction::Queued));
        assert_eq!(actions.last(), Some(&AuditAction::Delivered));
        s.assert_no_plaintext();
    }
}
