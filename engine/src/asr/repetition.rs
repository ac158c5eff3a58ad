//! Whisper's best-known failure: a decoding loop that repeats a word or phrase
//! until the token budget runs out ("min min min min ..."). These helpers
//! detect such loops and cut them down so they never reach a journal note.

/// Smallest number of back-to-back repeats of an n-gram that counts as a loop.
const MIN_REPEATS: usize = 4;
/// Longest phrase (in words) checked for repetition.
const MAX_NGRAM: usize = 15;

/// Whether `text` contains a loop: one phrase (1–15 words) repeated back to
/// back at least four times covering at least eight words, or a phrase of
/// three or more words repeated at least three times.
pub fn has_loop(text: &str) -> bool {
    let words: Vec<&str> = words(text);
    (1..=MAX_NGRAM).any(|n| longest_run(&words, n).is_some_and(|(_, reps)| is_loop(n, reps)))
}

fn is_loop(n: usize, reps: usize) -> bool {
    (reps >= MIN_REPEATS && reps * n >= 8) || (n >= 3 && reps >= 3)
}

/// Cuts every back-to-back repetition of a phrase down to one occurrence,
/// where it repeats at least four times. Other text is left as it was.
pub fn collapse_loops(text: &str) -> String {
    let words: Vec<&str> = words(text);
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    'outer: while i < words.len() {
        for n in 1..=MAX_NGRAM {
            if i + n * 2 > words.len() {
                break;
            }
            let reps = repeats_at(&words, i, n);
            if is_loop(n, reps) || reps >= MIN_REPEATS {
                out.extend_from_slice(&words[i..i + n]);
                i += reps * n;
                continue 'outer;
            }
        }
        out.push(words[i]);
        i += 1;
    }
    out.join(" ")
}

/// Drops segments that repeat the text of the segment before them when the
/// same text comes three or more times in a row (a loop across segments);
/// the first occurrence stays.
pub fn drop_repeated_segments(
    segments: Vec<super::transcriber::Segment>,
) -> Vec<super::transcriber::Segment> {
    let mut out: Vec<super::transcriber::Segment> = Vec::with_capacity(segments.len());
    let mut i = 0;
    while i < segments.len() {
        let key = norm_text(&segments[i].text);
        let mut j = i + 1;
        while j < segments.len() && norm_text(&segments[j].text) == key {
            j += 1;
        }
        if j - i >= 3 {
            let mut kept = segments[i].clone();
            kept.end_s = segments[j - 1].end_s;
            out.push(kept);
        } else {
            out.extend_from_slice(&segments[i..j]);
        }
        i = j;
    }
    out
}

fn norm_text(text: &str) -> String {
    words(text)
        .iter()
        .map(|w| norm(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// Number of back-to-back copies of `words[start..start+n]` from `start`.
fn repeats_at(words: &[&str], start: usize, n: usize) -> usize {
    let key: Vec<String> = words[start..start + n].iter().map(|w| norm(w)).collect();
    let mut reps = 1;
    let mut pos = start + n;
    while pos + n <= words.len()
        && words[pos..pos + n]
            .iter()
            .zip(&key)
            .all(|(w, k)| norm(w) == *k)
    {
        reps += 1;
        pos += n;
    }
    reps
}

fn longest_run(words: &[&str], n: usize) -> Option<(usize, usize)> {
    if words.len() < n {
        return None;
    }
    (0..=words.len() - n)
        .map(|i| (i, repeats_at(words, i, n)))
        .max_by_key(|(_, r)| *r)
}

fn norm(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asr::Segment;

    #[test]
    fn repeated_segments_are_dropped() {
        let seg = |t: &str, s: f64| Segment {
            start_s: s,
            end_s: s + 1.0,
            text: t.into(),
            no_speech_prob: 0.0,
        };
        let segs = vec![
            seg("Borgeren sover.", 0.0),
            seg("Oorskiftene i en", 1.0),
            seg("Oorskiftene i en", 2.0),
            seg("oorskiftene i en.", 3.0),
            seg("Hun spiser.", 4.0),
            seg("Hun spiser.", 5.0),
        ];
        let out = drop_repeated_segments(segs);
        let texts: Vec<&str> = out.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Borgeren sover.",
                "Oorskiftene i en",
                "Hun spiser.",
                "Hun spiser."
            ]
        );
        assert_eq!(out[1].end_s, 4.0);
        assert!(has_loop(
            "Oorskiftene i en Oorskiftene i en Oorskiftene i en"
        ));
    }

    #[test]
    fn loops_are_detected_and_collapsed() {
        let cases: &[(&str, bool, &str)] = &[
            ("og højene er min min min min min min min min min min", true, "og højene er min"),
            ("For 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4", true, "For 1, 2, 3, 4,"),
            ("Borgeren har det godt, godt, godt.", false, "Borgeren har det godt, godt, godt."),
            ("Han gik og gik og gik hjem", false, "Han gik og gik og gik hjem"),
            (
                "- og så kan man tage denne køben, og så kan man tage denne køben, og så kan man tage denne køben, og så kan man tage denne køben, og så",
                true,
                "- og så kan man tage denne køben, og så",
            ),
            ("", false, ""),
        ];
        for (text, looping, collapsed) in cases {
            assert_eq!(has_loop(text), *looping, "{text}");
            if *looping {
                assert_eq!(collapse_loops(text), *collapsed, "{text}");
            } else {
                assert_eq!(
                    collapse_loops(text),
                    text.split_whitespace().collect::<Vec<_>>().join(" ")
                );
            }
        }
    }
}
