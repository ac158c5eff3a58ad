//! Measures automatic placement on a labelled set of Danish care sentences
//! (`tests/data/placement.tsv`, written independently of the lexicon). Prints accuracy for
//! the whole set, the dev part and the held-out test part; lists dev misses only, so that
//! tuning the lexicon never looks at the held-out sentences.
//!
//! Run with `cargo test -p dikta-engine --test placement_accuracy -- --nocapture`.

use dikta_engine::headings::Lexicon;

const SET: &str = include_str!("data/placement.tsv");

#[test]
fn placement_accuracy() {
    let lex = Lexicon::builtin();
    let (mut dev, mut dev_ok, mut test, mut test_ok) = (0, 0, 0, 0);
    let mut areas = std::collections::BTreeSet::new();
    for line in SET
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(want), Some(split), Some(sentence)) = (cols.next(), cols.next(), cols.next())
        else {
            panic!("malformed row: {line}");
        };
        areas.insert(want.to_string());
        let got = lex.classify(sentence);
        let ok = got.heading.as_deref() == Some(want);
        if split == "test" {
            test += 1;
            test_ok += ok as usize;
        } else {
            dev += 1;
            dev_ok += ok as usize;
            if !ok {
                println!(
                    "dev miss: {sentence:?}\n    want {want}, got {:?} ({:.2}, {})",
                    got.heading,
                    got.confidence,
                    got.reason_text()
                );
            }
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "placement accuracy: all {}/{} = {:.1} %, dev {}/{} = {:.1} %, held-out {}/{} = {:.1} %",
        dev_ok + test_ok,
        dev + test,
        pct(dev_ok + test_ok, dev + test),
        dev_ok,
        dev,
        pct(dev_ok, dev),
        test_ok,
        test,
        pct(test_ok, test)
    );
    assert_eq!(areas.len(), 12, "the set covers all 12 nursing areas");
    assert!(dev + test >= 150, "at least 150 labelled sentences");
    // Regression floors, below the measured values (see docs/dictation-language.md).
    assert!(
        pct(dev_ok + test_ok, dev + test) >= 85.0,
        "placement accuracy fell below 85 %"
    );
    assert!(
        pct(test_ok, test) >= 70.0,
        "held-out placement accuracy fell below 70 %"
    );
}
