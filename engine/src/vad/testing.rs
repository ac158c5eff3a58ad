//! Synthetic signals for the VAD and session tests.

/// Deterministic white noise with the given RMS level.
pub fn noise(len: usize, rms: f32, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            // xorshift64*, uniform in [-1, 1): RMS of a uniform is 1/sqrt(3).
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let u = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
            (u * 2.0 - 1.0) * rms * 3f32.sqrt()
        })
        .collect()
}

/// A voiced, vowel-like sound: harmonics of `f0` with falling amplitude.
/// `peak` is the approximate peak amplitude.
pub fn voiced(len: usize, peak: f32, f0: f32) -> Vec<f32> {
    let rate = 16_000.0;
    let harmonics: Vec<(f32, f32)> = (1..=20)
        .map(|k| (f0 * k as f32, 1.0 / k as f32))
        .filter(|(f, _)| *f < 7000.0)
        .collect();
    let norm: f32 = harmonics.iter().map(|(_, a)| a).sum();
    (0..len)
        .map(|i| {
            let t = i as f32 / rate;
            harmonics
                .iter()
                .map(|(f, a)| a * (2.0 * std::f32::consts::PI * f * t).sin())
                .sum::<f32>()
                * peak
                / norm
        })
        .collect()
}

/// Concatenates pieces: `(seconds, Some(peak))` is a voiced stretch,
/// `(seconds, None)` is silence.
pub fn script(pieces: &[(f32, Option<f32>)]) -> Vec<f32> {
    let mut out = Vec::new();
    for (seconds, level) in pieces {
        let len = (seconds * 16_000.0) as usize;
        match level {
            Some(peak) => out.extend(voiced(len, *peak, 150.0)),
            None => out.extend(std::iter::repeat_n(0.0, len)),
        }
    }
    out
}
