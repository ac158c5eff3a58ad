//! Streaming sample-rate conversion to 16 kHz with rubato.
//!
//! [`StreamResampler`] accepts mono blocks of any length at the source rate and
//! returns resampled mono blocks. It hides rubato's fixed chunk sizes and its
//! output delay, so the output lines up sample-for-sample with the input
//! (`out.len() ≈ in.len() * to / from`).

use rubato::{FftFixedIn, Resampler};

/// Why resampling could not be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    /// The source or target rate is zero or otherwise unusable.
    #[error("unsupported sample rate conversion {from} Hz -> {to} Hz: {reason}")]
    UnsupportedRate {
        /// Source rate in Hz.
        from: u32,
        /// Target rate in Hz.
        to: u32,
        /// What rubato said.
        reason: String,
    },
    /// rubato failed while processing.
    #[error("resampling failed: {0}")]
    Process(String),
}

/// Lowest sample rate accepted, in Hz. Lower rates are no audio hardware's, and rubato's
/// FFT sizes grow with `to / gcd(from, to)`: a header claiming 1 Hz would take 600 MB.
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// Highest sample rate accepted, in Hz (4x the highest studio rate, 192 kHz).
pub const MAX_SAMPLE_RATE: u32 = 768_000;

/// Input block size handed to rubato, in frames at the source rate.
const CHUNK_FRAMES: usize = 1024;

/// Converts a mono stream from one sample rate to another, block by block.
pub struct StreamResampler {
    inner: Option<FftFixedIn<f32>>,
    from: u32,
    to: u32,
    pending: Vec<f32>,
    delay_left: usize,
    consumed: u64,
    produced: u64,
}

impl StreamResampler {
    /// Creates a resampler from `from` Hz to `to` Hz (a pass-through when equal).
    pub fn new(from: u32, to: u32) -> Result<Self, ResampleError> {
        let range = MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE;
        if !range.contains(&from) || !range.contains(&to) {
            return Err(ResampleError::UnsupportedRate {
                from,
                to,
                reason: format!(
                    "sample rates must lie between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE} Hz"
                ),
            });
        }
        let inner = if from == to {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK_FRAMES, 1, 1).map_err(
                    |e| ResampleError::UnsupportedRate {
                        from,
                        to,
                        reason: e.to_string(),
                    },
                )?,
            )
        };
        let delay_left = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(Self {
            inner,
            from,
            to,
            pending: Vec::new(),
            delay_left,
            consumed: 0,
            produced: 0,
        })
    }

    /// Source rate in Hz.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// Feeds a block of mono samples; returns whatever output is ready.
    pub fn push(&mut self, input: &[f32]) -> Result<Vec<f32>, ResampleError> {
        self.consumed += input.len() as u64;
        let Some(inner) = self.inner.as_mut() else {
            self.produced += input.len() as u64;
            return Ok(input.to_vec());
        };
        self.pending.extend_from_slice(input);
        let mut out = Vec::new();
        let mut start = 0;
        loop {
            let need = inner.input_frames_next();
            if self.pending.len() - start < need {
                break;
            }
            let block = &self.pending[start..start + need];
            let res = inner
                .process(&[block], None)
                .map_err(|e| ResampleError::Process(e.to_string()))?;
            start += need;
            Self::emit(&mut self.delay_left, &mut out, &res[0]);
        }
        self.pending.drain(..start);
        self.produced += out.len() as u64;
        Ok(out)
    }

    /// Flushes the tail: returns the remaining output so that the total output
    /// length matches the input length converted to the target rate.
    pub fn finish(&mut self) -> Result<Vec<f32>, ResampleError> {
        let expected = (self.consumed as u128 * self.to as u128).div_ceil(self.from as u128) as u64;
        let Some(inner) = self.inner.as_mut() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut rest = std::mem::take(&mut self.pending);
        // Feed what is left, then silence, until the delayed tail has come out.
        let mut guard = 0;
        while self.produced + (out.len() as u64) < expected && guard < 64 {
            let need = inner.input_frames_next();
            let mut block = vec![0.0f32; need];
            let take = rest.len().min(need);
            block[..take].copy_from_slice(&rest[..take]);
            rest.drain(..take);
            let res = inner
                .process(&[block.as_slice()], None)
                .map_err(|e| ResampleError::Process(e.to_string()))?;
            Self::emit(&mut self.delay_left, &mut out, &res[0]);
            guard += 1;
        }
        let missing = expected.saturating_sub(self.produced) as usize;
        out.truncate(missing);
        self.produced += out.len() as u64;
        Ok(out)
    }

    fn emit(delay_left: &mut usize, out: &mut Vec<f32>, block: &[f32]) {
        let skip = (*delay_left).min(block.len());
        *delay_left -= skip;
        out.extend_from_slice(&block[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    fn resample_all(from: u32, input: &[f32], block: usize) -> Vec<f32> {
        let mut r = StreamResampler::new(from, 16_000).expect("valid rates");
        let mut out = Vec::new();
        for chunk in input.chunks(block) {
            out.extend(r.push(chunk).expect("push"));
        }
        out.extend(r.finish().expect("finish"));
        out
    }

    #[test]
    fn output_length_matches_duration_for_common_rates() {
        for from in [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000] {
            let input = sine(from, 440.0, 1.3);
            let out = resample_all(from, &input, 777);
            let expected = (input.len() as f64 * 16_000.0 / from as f64).ceil() as usize;
            assert_eq!(out.len(), expected, "rate {from}");
        }
    }

    #[test]
    fn tone_survives_resampling_in_phase() {
        // A 440 Hz tone at 48 kHz must come out as the same tone at 16 kHz,
        // aligned with the input (the resampler's delay is removed).
        let input = sine(48_000, 440.0, 1.0);
        let out = resample_all(48_000, &input, 4096);
        let reference = sine(16_000, 440.0, 1.0);
        let mid = &out[2000..14000];
        let err: f32 = mid
            .iter()
            .zip(&reference[2000..14000])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.02, "max deviation {err}");
    }

    #[test]
    fn same_rate_is_passthrough() {
        let input = sine(16_000, 300.0, 0.5);
        assert_eq!(resample_all(16_000, &input, 100), input);
    }

    #[test]
    fn zero_rate_is_an_error() {
        assert!(StreamResampler::new(0, 16_000).is_err());
    }
}
