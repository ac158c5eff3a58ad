//! [`EnergyVad`]: speech-band energy against an adaptive noise floor.
//!
//! Each 20 ms frame is windowed and transformed; the energy between
//! [`EnergyVadConfig::band_hz`] is compared with a noise floor that follows
//! the quietest frames of the last few seconds (minimum statistics), so the
//! detector adapts when a fan starts or the speaker moves to a quieter room.
//! Steady broadband noise has a flat spectrum while voiced speech has
//! harmonics, so a frame only a little above the floor must also be "peaky"
//! (low spectral flatness) to count as speech. Thresholds have hysteresis: a
//! frame right after speech needs less margin than a frame after silence.

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::{FrameDecision, Vad};
use crate::audio::WHISPER_SAMPLE_RATE;

/// Samples per frame: 20 ms at 16 kHz.
pub const FRAME_LEN: usize = 320;
const FFT_LEN: usize = 512;
/// Level reported for digital silence.
const SILENCE_DB: f32 = -100.0;

/// Tuning of [`EnergyVad`]. The defaults suit a headset or laptop microphone
/// in an ordinary room.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyVadConfig {
    /// Frequency band (Hz) whose energy is measured; speech formants live here
    /// and mains hum or rumble below it is ignored.
    pub band_hz: (f32, f32),
    /// Margin above the noise floor (dB) that opens speech after silence.
    pub snr_on_db: f32,
    /// Margin above the noise floor (dB) that keeps speech going once it runs.
    pub snr_off_db: f32,
    /// Margin (dB) above which a frame is speech whatever its spectral shape.
    pub strong_snr_db: f32,
    /// Absolute band level (dBFS) below which nothing is speech.
    pub min_level_db: f32,
    /// Highest spectral flatness (0..1) a frame between the thresholds may
    /// have to count as speech; white noise measures about 0.56.
    pub max_flatness: f32,
    /// How far back (ms) the noise floor looks for the quietest frame.
    pub noise_window_ms: u32,
    /// Noise floor (dBFS) assumed before enough audio has been heard, so that
    /// speech in the very first frames is still detected.
    pub initial_floor_db: f32,
    /// How long (ms) the assumed initial floor stays in force.
    pub warmup_ms: u32,
    /// Lowest floor (dBFS) ever assumed, even over digital silence.
    pub min_floor_db: f32,
}

impl Default for EnergyVadConfig {
    fn default() -> Self {
        Self {
            band_hz: (200.0, 5000.0),
            snr_on_db: 10.0,
            snr_off_db: 6.0,
            strong_snr_db: 18.0,
            min_level_db: -55.0,
            max_flatness: 0.45,
            noise_window_ms: 3000,
            initial_floor_db: -60.0,
            warmup_ms: 1000,
            min_floor_db: -80.0,
        }
    }
}

/// Energy and spectral-flatness voice activity detector with an adaptive
/// noise floor. Frames are [`FRAME_LEN`] samples of 16 kHz audio.
pub struct EnergyVad {
    config: EnergyVadConfig,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    band: (usize, usize),
    /// Monotonic deque of (frame index, band level) for the sliding minimum.
    minima: VecDeque<(u64, f32)>,
    frames: u64,
    window_frames: u64,
    warmup_frames: u64,
    last_speech: bool,
}

impl EnergyVad {
    /// Creates a detector with the given tuning.
    pub fn new(config: EnergyVadConfig) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(FFT_LEN);
        let window = (0..FRAME_LEN)
            .map(|i| {
                let x = std::f32::consts::PI * 2.0 * i as f32 / FRAME_LEN as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let hz_per_bin = WHISPER_SAMPLE_RATE as f32 / FFT_LEN as f32;
        let lo = (config.band_hz.0 / hz_per_bin).floor().max(1.0) as usize;
        let hi = ((config.band_hz.1 / hz_per_bin).ceil() as usize).clamp(lo + 1, FFT_LEN / 2);
        let frame_ms = 1000 * FRAME_LEN as u64 / WHISPER_SAMPLE_RATE as u64;
        Self {
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            band: (lo, hi),
            minima: VecDeque::new(),
            frames: 0,
            window_frames: (config.noise_window_ms as u64 / frame_ms).max(1),
            warmup_frames: config.warmup_ms as u64 / frame_ms,
            last_speech: false,
            config,
        }
    }

    /// The tuning in use.
    pub fn config(&self) -> &EnergyVadConfig {
        &self.config
    }

    /// Speech-band level (dBFS) and spectral flatness of one frame.
    fn analyse(&mut self, frame: &[f32]) -> (f32, f32, f32) {
        let mean = frame.iter().sum::<f32>() / frame.len().max(1) as f32;
        let mut full = 0.0f64;
        for (i, slot) in self.input.iter_mut().enumerate() {
            *slot = match (frame.get(i), self.window.get(i)) {
                (Some(s), Some(w)) => {
                    let x = s - mean;
                    full += (x as f64) * (x as f64);
                    x * w
                }
                _ => 0.0,
            };
        }
        let full_db = to_db(full / frame.len().max(1) as f64);
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            return (full_db, SILENCE_DB, 1.0);
        }
        let (lo, hi) = self.band;
        let bins = &self.spectrum[lo..hi];
        let mut sum = 0.0f64;
        let mut log_sum = 0.0f64;
        for c in bins {
            let p = c.norm_sqr() as f64 + 1e-12;
            sum += p;
            log_sum += p.ln();
        }
        let n = bins.len() as f64;
        let flatness = ((log_sum / n).exp() / (sum / n)) as f32;
        // Parseval, one-sided, corrected for the Hann window's power (3/8):
        // the band's share of the frame's mean square.
        let band_power = 2.0 * sum / (FFT_LEN as f64 * FRAME_LEN as f64 * 0.375);
        (full_db, to_db(band_power), flatness)
    }

    fn update_floor(&mut self, band_db: f32) -> f32 {
        let index = self.frames;
        while self.minima.back().is_some_and(|&(_, v)| v >= band_db) {
            self.minima.pop_back();
        }
        self.minima.push_back((index, band_db));
        while self
            .minima
            .front()
            .is_some_and(|&(i, _)| i + self.window_frames <= index)
        {
            self.minima.pop_front();
        }
        let mut floor = self.minima.front().map_or(band_db, |&(_, v)| v);
        if index < self.warmup_frames {
            floor = floor.min(self.config.initial_floor_db);
        }
        floor.max(self.config.min_floor_db)
    }
}

impl Default for EnergyVad {
    fn default() -> Self {
        Self::new(EnergyVadConfig::default())
    }
}

impl Vad for EnergyVad {
    fn frame_len(&self) -> usize {
        FRAME_LEN
    }

    fn classify(&mut self, frame: &[f32]) -> FrameDecision {
        let (level_db, band_db, flatness) = self.analyse(frame);
        let floor = self.update_floor(band_db);
        self.frames += 1;
        let c = &self.config;
        let margin = if self.last_speech {
            c.snr_off_db
        } else {
            c.snr_on_db
        };
        let above = band_db - floor;
        let speech = band_db >= c.min_level_db
            && above >= margin
            && (flatness <= c.max_flatness || above >= c.strong_snr_db);
        self.last_speech = speech;
        FrameDecision {
            speech,
            level_db,
            noise_floor_db: floor,
        }
    }

    fn reset(&mut self) {
        self.minima.clear();
        self.frames = 0;
        self.last_speech = false;
    }
}

fn to_db(power: f64) -> f32 {
    if power <= 1e-10 {
        SILENCE_DB
    } else {
        (10.0 * power.log10()) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::testing::{noise, voiced};

    fn speech_share(vad: &mut EnergyVad, samples: &[f32]) -> f32 {
        let frames: Vec<bool> = samples
            .chunks_exact(FRAME_LEN)
            .map(|f| vad.classify(f).speech)
            .collect();
        frames.iter().filter(|s| **s).count() as f32 / frames.len().max(1) as f32
    }

    #[test]
    fn digital_silence_is_not_speech() {
        let mut vad = EnergyVad::default();
        assert_eq!(speech_share(&mut vad, &vec![0.0; 32_000]), 0.0);
    }

    #[test]
    fn voiced_sound_after_silence_is_speech() {
        let mut vad = EnergyVad::default();
        speech_share(&mut vad, &noise(32_000, 0.0005, 1));
        let share = speech_share(&mut vad, &voiced(16_000, 0.1, 140.0));
        assert!(share > 0.95, "share {share}");
    }

    #[test]
    fn speech_in_the_very_first_frame_is_detected() {
        let mut vad = EnergyVad::default();
        let first = vad.classify(&voiced(FRAME_LEN, 0.1, 140.0));
        assert!(first.speech, "{first:?}");
    }

    #[test]
    fn steady_noise_is_not_speech_and_floor_adapts_to_louder_noise() {
        let mut vad = EnergyVad::default();
        // Quiet room, then a fan starts 26 dB louder.
        assert!(speech_share(&mut vad, &noise(48_000, 0.001, 2)) < 0.05);
        let loud = noise(5 * 16_000, 0.02, 3);
        let decisions: Vec<bool> = loud
            .chunks_exact(FRAME_LEN)
            .map(|f| vad.classify(f).speech)
            .collect();
        // Flat noise never counts as speech: only margins above strong_snr could open it,
        // and by the end the floor has caught up.
        let tail = &decisions[decisions.len() - 50..];
        assert!(tail.iter().all(|s| !s), "floor did not adapt");
        // Voiced speech above the new floor is still found.
        let share = speech_share(&mut vad, &voiced(16_000, 0.3, 180.0));
        assert!(share > 0.9, "share {share}");
    }

    #[test]
    fn quiet_voiced_speech_over_quiet_noise_is_found() {
        let mut vad = EnergyVad::default();
        speech_share(&mut vad, &noise(48_000, 0.0005, 4));
        let mut mix = voiced(16_000, 0.03, 120.0);
        for (m, n) in mix.iter_mut().zip(noise(16_000, 0.0005, 5)) {
            *m += n;
        }
        let share = speech_share(&mut vad, &mix);
        assert!(share > 0.9, "share {share}");
    }

    #[test]
    fn rumble_below_the_band_is_ignored() {
        let mut vad = EnergyVad::default();
        speech_share(&mut vad, &noise(32_000, 0.0005, 6));
        let hum: Vec<f32> = (0..32_000)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 50.0 * i as f32 / 16_000.0).sin())
            .collect();
        assert!(speech_share(&mut vad, &hum) < 0.05);
    }
}
