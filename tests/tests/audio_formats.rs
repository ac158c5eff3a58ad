//! Every container, codec, rate and channel layout decodes to the same 16 kHz
//! mono audio: the fixtures in tests/data are one utterance in five forms.

use dikta_engine::audio::{self, load_16k_mono};

fn fixture(name: &str) -> Vec<f32> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    load_16k_mono(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// 10 ms RMS envelope.
fn envelope(samples: &[f32]) -> Vec<f32> {
    samples.chunks(160).map(audio::rms).collect()
}

/// Best Pearson correlation of two envelopes over lags of ±15 frames (150 ms),
/// which covers codec priming delays.
fn best_correlation(a: &[f32], b: &[f32]) -> f32 {
    let mut best = f32::MIN;
    for lag in -15i32..=15 {
        let pairs: Vec<(f32, f32)> = a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| {
                let j = i as i32 + lag;
                (j >= 0 && (j as usize) < b.len()).then(|| (*x, b[j as usize]))
            })
            .collect();
        let n = pairs.len() as f32;
        let (ma, mb) = pairs
            .iter()
            .fold((0.0, 0.0), |(sa, sb), (x, y)| (sa + x / n, sb + y / n));
        let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
        for (x, y) in &pairs {
            cov += (x - ma) * (y - mb);
            va += (x - ma) * (x - ma);
            vb += (y - mb) * (y - mb);
        }
        best = best.max(cov / (va.sqrt() * vb.sqrt()).max(1e-12));
    }
    best
}

#[test]
fn all_fixtures_decode_to_the_same_speech() {
    let reference = fixture("short-16k-mono.wav");
    let ref_env = envelope(&reference);
    let ref_rms = audio::rms(&reference);
    for name in [
        "short-44k-stereo.mp3",
        "short-48k-stereo.m4a",
        "short-22k-mono.ogg",
        "short-8k-mono.flac",
    ] {
        let decoded = fixture(name);
        let ratio = decoded.len() as f32 / reference.len() as f32;
        assert!(
            (0.95..1.08).contains(&ratio),
            "{name}: {} samples vs {} (ratio {ratio:.3})",
            decoded.len(),
            reference.len()
        );
        // ffmpeg's mono-to-stereo upmix of the MP3/M4A fixtures lowers each
        // channel by 3 dB (x0.71); anything far outside that is a decoding bug.
        let level = audio::rms(&decoded) / ref_rms;
        assert!(
            (0.55..1.3).contains(&level),
            "{name}: level ratio {level:.2}"
        );
        let corr = best_correlation(&ref_env, &envelope(&decoded));
        assert!(corr > 0.9, "{name}: envelope correlation {corr:.3}");
    }
}
