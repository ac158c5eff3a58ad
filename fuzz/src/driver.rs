//! A small mutational fuzzer for the stable toolchain: where no nightly toolchain (and so no
//! libFuzzer) is available, `cargo test --lib` runs each check on seed inputs and on random
//! mutations of them (bit flips, byte edits, splices of dictation words and format tokens)
//! for `DIKTA_FUZZ_SECONDS` seconds per target (default 2), printing the number of
//! executions. A panicking input is written to `artifacts/<target>-<n>` for replay.
//!
//! It is not coverage-guided, so it finds less than libFuzzer in the same time; it keeps
//! the checks running in CI on any toolchain.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Words and tokens spliced into inputs.
const DICTIONARY: &[&[u8]] = &[
    b"punktum",
    b"komma",
    b"kolon",
    b"ny linje",
    b"nyt afsnit",
    b"overskrift ",
    b"ern\xc3\xa6ring",
    b"hud og slimhinder",
    b"slet det",
    b"fortryd",
    b"ind\xc3\xa6t ",
    b"inds\xc3\xa6t morgenpleje",
    b"n\xc3\xa6ste felt",
    b"forrige felt",
    b"bekr\xc3\xa6ft standardv\xc3\xa6rdier",
    b"autotekst ",
    b"070761-4285",
    b"120/80",
    b"8,5 mmol/l",
    b"kl. 14.30",
    b"\n",
    b"[",
    b"]",
    b"|",
    b"[ ]",
    b"{dato}",
    b"\"",
    b"=",
    b"[[autotext]]\n",
    b"name = ",
    b"text = ",
    b"heading = ",
    b"RIFF",
    b"WAVE",
    b"fmt ",
    b"data",
    b"fLaC",
    b"OggS",
    b"ID3",
    b"\xff\xfb",
    b"ftyp",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"{\"format\":1,\"note\":",
    b"\xc3",
    b"\xe2\x80",
];

/// xorshift64*: deterministic per seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        match rng.below(7) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(input.len() + 1);
                input.insert(i, rng.next() as u8);
            }
            3 if !input.is_empty() => {
                let i = rng.below(input.len());
                let n = rng.below(input.len() - i).min(16) + 1;
                input.drain(i..(i + n).min(input.len()));
            }
            4 | 5 => {
                let word = DICTIONARY[rng.below(DICTIONARY.len())];
                let i = rng.below(input.len() + 1);
                input.splice(i..i, word.iter().copied());
            }
            _ if input.len() > 1 => {
                // Duplicate a slice (grows repetitive structure).
                let i = rng.below(input.len());
                let n = rng.below(input.len() - i).min(64) + 1;
                let piece: Vec<u8> = input[i..(i + n).min(input.len())].to_vec();
                let at = rng.below(input.len() + 1);
                input.splice(at..at, piece);
            }
            _ => input.push(rng.next() as u8),
        }
    }
    input.truncate(64 * 1024);
}

/// Run `check` on the seeds, then on mutations, for `DIKTA_FUZZ_SECONDS` (default 2).
/// Returns the number of executions.
pub fn run(name: &str, seeds: &[Vec<u8>], check: fn(&[u8])) -> u64 {
    let secs: f64 = std::env::var("DIKTA_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let seed: u64 = std::env::var("DIKTA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    let mut pool: Vec<Vec<u8>> = seeds.to_vec();
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut execs = 0u64;
    let try_one = |input: &[u8], execs: &mut u64| {
        *execs += 1;
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(input))) {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{name}-{}", *execs));
            let _ = std::fs::write(&file, input);
            eprintln!("{name}: input that panicked written to {}", file.display());
            std::panic::resume_unwind(panic);
        }
    };
    for s in seeds {
        try_one(s, &mut execs);
    }
    while Instant::now() < deadline {
        let mut input = pool[rng.below(pool.len())].clone();
        mutate(&mut rng, &mut input);
        try_one(&input, &mut execs);
        // Keep some mutants as new starting points (a crude stand-in for coverage).
        if rng.below(64) == 0 && pool.len() < 512 {
            pool.push(input);
        }
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "fuzz {name}: {execs} executions in {took:.1} s ({:.0}/s), no panic",
        execs as f64 / took.max(1e-9)
    );
    execs
}

/// Seed inputs: the files in `seeds/<target>/` of the fuzz crate.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|f| std::fs::read(f).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzz_interpreter() {
        assert!(run("interpreter", &seeds("interpreter"), crate::interpreter) > 0);
    }

    #[test]
    fn fuzz_autotext() {
        assert!(run("autotext", &seeds("autotext"), crate::autotext) > 0);
    }

    #[test]
    fn fuzz_draft_decoder() {
        let mut s = seeds("draft_decoder");
        s.push(crate::sealed_draft().to_vec());
        assert!(run("draft_decoder", &s, crate::draft_decoder) > 0);
    }

    #[test]
    fn fuzz_audio_decode() {
        assert!(run("audio_decode", &seeds("audio_decode"), crate::audio_decode) > 0);
    }
}
