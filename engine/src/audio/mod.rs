//! Audio in: decoding files, mixing to mono and resampling to the 16 kHz that
//! Whisper expects.
//!
//! Everything here produces plain `f32` samples in `[-1, 1]`; nothing here knows
//! about models or text.

pub mod capture;
pub mod decode;
pub mod resample;

pub use decode::{AudioError, AudioFileReader, AudioFormatInfo};
pub use resample::{ResampleError, StreamResampler};

/// The sample rate every stage after the resampler works in (Whisper's rate).
pub const WHISPER_SAMPLE_RATE: u32 = 16_000;

/// Mixes interleaved frames of `channels` channels down to mono by averaging.
///
/// A trailing partial frame (fewer than `channels` samples) is ignored.
pub fn mix_to_mono(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels <= 1 {
        return interleaved.to_vec();
    }
    let scale = 1.0 / channels as f32;
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() * scale)
        .collect()
}

/// Reads a whole audio file and returns it as 16 kHz mono samples.
///
/// Convenient for short clips; for long recordings use [`AudioFileReader`] and
/// [`StreamResampler`] chunk by chunk so memory stays flat.
pub fn load_16k_mono(path: &std::path::Path) -> Result<Vec<f32>, AudioError> {
    let mut reader = AudioFileReader::open(path)?;
    let mut resampler = StreamResampler::new(reader.info().sample_rate, WHISPER_SAMPLE_RATE)
        .map_err(|source| AudioError::Resample {
            path: path.to_path_buf(),
            source,
        })?;
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk()? {
        out.extend(
            resampler
                .push(&chunk)
                .map_err(|source| AudioError::Resample {
                    path: path.to_path_buf(),
                    source,
                })?,
        );
    }
    out.extend(resampler.finish().map_err(|source| AudioError::Resample {
        path: path.to_path_buf(),
        source,
    })?);
    Ok(out)
}

/// Root-mean-square level of a block of samples (0 for an empty block).
pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|s| (*s as f64) * (*s as f64)).sum();
    (sum / samples.len() as f64).sqrt() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_is_averaged_to_mono() {
        let mono = mix_to_mono(&[1.0, 0.0, 0.5, 0.5, -1.0, 1.0], 2);
        assert_eq!(mono, vec![0.5, 0.5, 0.0]);
    }

    #[test]
    fn rms_of_constant_signal_is_its_magnitude() {
        assert!((rms(&[0.5; 100]) - 0.5).abs() < 1e-6);
        assert_eq!(rms(&[]), 0.0);
    }
}
