//! `dikta note`, `dikta headings` and `dikta autotexts` as a user runs them (no model needed).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn dikta() -> Command {
    let mut c = Command::new(common::dikta_bin());
    c.current_dir(common::repo_root());
    c
}

fn run_with_stdin(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = dikta()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dikta runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("dikta finishes")
}

const TRANSCRIPT: &str = "Overskrift ernæring. Hun har spist halvdelen af middagsmaden punktum
Indsæt morgenpleje.
Næste felt.
Bad.
Bekræft standardværdier.
Overskrift respiration og cirkulation.
Blodtryk hundrede og tyve over firs punktum
Borgerens CPR er 120345-1234 punktum";

#[test]
fn note_from_text_has_headings_autotext_numbers_and_masked_cpr() {
    let out = dikta()
        .args(["note", "--autotexts", "autotexts", "--text", TRANSCRIPT])
        .output()
        .expect("dikta runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Ernæring\nHun har spist halvdelen af middagsmaden."),
        "{text}"
    );
    assert!(
        text.contains("Funktionsniveau\nMorgenpleje udført. Borgeren fik hjælp til bad"),
        "{text}"
    );
    assert!(text.contains("Blodtryk 120/80."), "{text}");
    assert!(text.contains("******-****"), "{text}");
    assert!(!text.contains("1234"), "{text}");
    // Headings in FSIII order: function areas before nursing areas.
    let f = text.find("Funktionsniveau").unwrap_or(usize::MAX);
    let e = text.find("Ernæring").unwrap_or(0);
    assert!(f < e, "{text}");
}

#[test]
fn note_json_from_stdin_is_a_journal_note() {
    let out = run_with_stdin(
        &["note", "--json", "--author", "Anna Hansen", "--text", "-"],
        "Tryksår på venstre hæl.\nHar sovet uroligt.\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let note: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(note["author"], "Anna Hansen");
    assert_eq!(note["sections"][0]["heading"]["name"], "Hud og slimhinder");
    assert_eq!(
        note["sections"][0]["heading"]["code"],
        "1bb534f3-e526-41a9-b9c3-6157ea19c915"
    );
    assert_eq!(
        note["sections"][0]["sentences"][0]["provenance"]["kind"],
        "lexicon"
    );
    assert_eq!(note["sections"][1]["heading"]["name"], "Søvn og hvile");
}

#[test]
fn headings_classify_prints_heading_confidence_reason() {
    let out = run_with_stdin(
        &["headings", "classify"],
        "Har spist halvdelen af middagsmaden.\nBlodtryk 145/90.\nIngen bemærkninger.\n",
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0][0], "Ernæring");
    assert!(lines[0][2].starts_with("lexicon:"), "{text}");
    assert_eq!(lines[1][0], "Respiration og cirkulation");
    assert_eq!(lines[2][0], "Øvrigt");
    assert!(lines[2][2].starts_with("default:"), "{text}");
    assert!(lines
        .iter()
        .all(|l| l.len() == 3 && l[1].parse::<f32>().is_ok()));
}

#[test]
fn autotexts_check_passes_on_the_shipped_library_and_fails_with_file_line() {
    let out = dikta()
        .args(["autotexts", "check", "autotexts"])
        .output()
        .expect("dikta runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("team.toml");
    std::fs::write(
        &bad,
        "layer = \"team\"\n\n[[autotext]]\nname = \"x\"\ntext = \"Humør [godt|dårligt\"\n",
    )
    .expect("write");
    let out = dikta()
        .args(["autotexts", "check"])
        .arg(&bad)
        .output()
        .expect("dikta runs");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("team.toml:5: autotext \"x\": unbalanced"),
        "{text}"
    );

    let out = dikta()
        .args(["autotexts", "list", "autotexts"])
        .arg(dir.path())
        .output()
        .expect("dikta runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("site\tmorgenpleje\tFunktionsniveau\t")),
        "{text}"
    );
}
