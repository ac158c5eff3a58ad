//! The care-vocabulary post-correction must never turn an ordinary Danish word into a care
//! word. Checked against every word of Debian's Danish word list (package `wdanish`,
//! `/usr/share/dict/danish`), which `./dikta.sh test` installs. Without it the test says so
//! and passes, unless `DIKTA_REQUIRE_WORDLIST=1` (set by `./dikta.sh test`).

use std::path::Path;

use dikta_engine::text::correction::Corrections;

const WORDLIST: &str = "/usr/share/dict/danish";

/// The word list as text (UTF-8, or Latin-1 in older releases).
fn read_wordlist(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

#[test]
fn correction_leaves_danish_words_alone() {
    let Some(text) = read_wordlist(Path::new(WORDLIST)) else {
        assert!(
            std::env::var("DIKTA_REQUIRE_WORDLIST").as_deref() != Ok("1"),
            "{WORDLIST} is missing: install the Debian package wdanish"
        );
        eprintln!("skipped: {WORDLIST} is missing (apt install wdanish)");
        return;
    };
    let corrections = Corrections::builtin();
    let mut checked = 0;
    let mut changed = Vec::new();
    for word in text.lines().map(str::trim).filter(|w| !w.is_empty()) {
        checked += 1;
        if corrections.is_explicit(word) {
            continue;
        }
        let out = corrections.apply(word);
        if out != word {
            changed.push(format!("{word} → {out}"));
        }
    }
    assert!(checked > 100_000, "only {checked} words in {WORDLIST}");
    assert!(
        changed.is_empty(),
        "{} ordinary Danish words would be changed; add them to `protect` in \
         engine/data/corrections.toml:\n{}",
        changed.len(),
        changed.join("\n")
    );
}
