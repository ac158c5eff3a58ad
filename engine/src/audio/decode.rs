//! Decoding audio files (WAV, FLAC, MP3, OGG/Vorbis, M4A/AAC) with symphonia.
//!
//! [`AudioFileReader`] yields mono `f32` blocks at the file's own sample rate,
//! one packet at a time, so a two-hour recording never sits in memory whole.

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::resample::{ResampleError, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};

/// Why an audio file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file could not be opened.
    #[error("cannot open audio file {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is empty (0 bytes).
    #[error("audio file {path} is empty (0 bytes)")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The container or codec is not one Dikta can decode, or the file is not audio.
    #[error(
        "{path} is not a supported audio file (WAV, FLAC, MP3, OGG/Vorbis, M4A/AAC): {reason}"
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// The file's data is broken beyond what can be skipped.
    #[error("audio file {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// Resampling the decoded audio failed.
    #[error("cannot resample {path}: {source}")]
    Resample {
        /// The file.
        path: PathBuf,
        /// The resampler's error.
        source: ResampleError,
    },
}

/// What the file's audio track is, as found in its header.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFormatInfo {
    /// Native sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels in the file (the reader mixes them to mono).
    pub channels: usize,
    /// Duration in seconds, when the container states it.
    pub duration_s: Option<f64>,
    /// Codec name, e.g. "pcm_s16le", "mp3", "aac".
    pub codec: String,
}

/// Most consecutive undecodable packets tolerated before the file is called corrupt.
const MAX_CONSECUTIVE_BAD_PACKETS: usize = 50;

/// Reads an audio file packet by packet as mono `f32` samples.
pub struct AudioFileReader {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::Decoder>,
    track_id: u32,
    info: AudioFormatInfo,
    skipped_packets: usize,
    decoded_any: bool,
    finished: bool,
}

impl AudioFileReader {
    /// Opens and probes `path`; fails with a clear error for empty, unknown or
    /// unreadable files.
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let file = File::open(path).map_err(|source| AudioError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len == 0 {
            return Err(AudioError::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let probed = guard(path, || {
            symphonia::default::get_probe().format(
                &hint,
                stream,
                &FormatOptions {
                    enable_gapless: true,
                    ..Default::default()
                },
                &MetadataOptions::default(),
            )
        })?
        .map_err(|e| AudioError::Unsupported {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| AudioError::Unsupported {
                path: path.to_path_buf(),
                reason: "no audio track found".into(),
            })?;
        let params = &track.codec_params;
        let sample_rate = params.sample_rate.ok_or_else(|| AudioError::Unsupported {
            path: path.to_path_buf(),
            reason: "the audio track does not state its sample rate".into(),
        })?;
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(AudioError::Corrupt {
                path: path.to_path_buf(),
                reason: format!(
                    "the header states a sample rate of {sample_rate} Hz; audio has \
                     {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz"
                ),
            });
        }
        let channels = params.channels.map(|c| c.count()).unwrap_or(1).max(1);
        let duration_s = params
            .n_frames
            .map(|frames| frames as f64 / sample_rate as f64);
        let codec = symphonia::default::get_codecs()
            .get_codec(params.codec)
            .map(|d| d.short_name.to_string())
            .unwrap_or_else(|| "unknown".into());
        let track_id = track.id;
        let decoder = symphonia::default::get_codecs()
            .make(params, &DecoderOptions::default())
            .map_err(|e| AudioError::Unsupported {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            format,
            decoder,
            track_id,
            info: AudioFormatInfo {
                sample_rate,
                channels,
                duration_s,
                codec,
            },
            skipped_packets: 0,
            decoded_any: false,
            finished: false,
        })
    }

    /// The audio track's format as found in the header.
    pub fn info(&self) -> &AudioFormatInfo {
        &self.info
    }

    /// How many damaged packets were skipped so far.
    pub fn skipped_packets(&self) -> usize {
        self.skipped_packets
    }

    /// Returns the next block of mono samples at the file's rate, or `None` at
    /// the end. Damaged packets are skipped (and counted); a file whose data
    /// cannot be decoded at all is reported as corrupt.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<f32>>, AudioError> {
        if self.finished {
            return Ok(None);
        }
        let mut consecutive_bad = 0;
        loop {
            let format = &mut self.format;
            let next = guard(&self.path, || format.next_packet())?;
            let packet = match next {
                Ok(p) => p,
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return self.end();
                }
                Err(SymphoniaError::ResetRequired) => return self.end(),
                Err(e) => {
                    if self.decoded_any {
                        // A truncated or damaged tail: keep what was decoded.
                        tracing::warn!(error = %e, "audio stream ended early");
                        return self.end();
                    }
                    return Err(AudioError::Corrupt {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            let decoder = &mut self.decoder;
            let decoded = guard(&self.path, || {
                decoder.decode(&packet).map(|decoded| {
                    let spec = *decoded.spec();
                    let frames = decoded.frames();
                    if frames == 0 {
                        return Vec::new();
                    }
                    let mut buf = SampleBuffer::<f32>::new(frames as u64, spec);
                    buf.copy_interleaved_ref(decoded);
                    super::mix_to_mono(buf.samples(), spec.channels.count().max(1))
                })
            })?;
            match decoded {
                Ok(mono) => {
                    if mono.is_empty() {
                        continue;
                    }
                    self.decoded_any = true;
                    return Ok(Some(sanitize(mono)));
                }
                Err(SymphoniaError::DecodeError(reason)) => {
                    self.skipped_packets += 1;
                    consecutive_bad += 1;
                    tracing::debug!(reason, "skipping undecodable audio packet");
                    if consecutive_bad >= MAX_CONSECUTIVE_BAD_PACKETS {
                        if self.decoded_any {
                            tracing::warn!("too many damaged packets; stopping early");
                            return self.end();
                        }
                        return Err(AudioError::Corrupt {
                            path: self.path.clone(),
                            reason: format!("no decodable audio: {reason}"),
                        });
                    }
                }
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return self.end();
                }
                Err(e) => {
                    return Err(AudioError::Corrupt {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    })
                }
            }
        }
    }

    fn end(&mut self) -> Result<Option<Vec<f32>>, AudioError> {
        self.finished = true;
        Ok(None)
    }
}

/// Runs a symphonia call, turning a panic inside the decoder (seen on hostile
/// files: arithmetic overflow in the ADTS/AAC reader) into a "corrupt file"
/// error, so bad input never takes the program down.
fn guard<T>(path: &Path, f: impl FnOnce() -> T) -> Result<T, AudioError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "decoder failure".into());
        AudioError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("the decoder gave up on damaged data ({reason})"),
        }
    })
}

/// Replaces NaN/infinite samples (from broken files) with silence and clamps
/// to [-1, 1] so later stages never see non-finite input.
fn sanitize(mut samples: Vec<f32>) -> Vec<f32> {
    for s in &mut samples {
        if !s.is_finite() {
            *s = 0.0;
        } else {
            *s = s.clamp(-1.0, 1.0);
        }
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
        let data_len = (samples.len() * 2) as u32;
        let mut f = File::create(path).expect("create");
        let byte_rate = rate * channels as u32 * 2;
        f.write_all(b"RIFF").unwrap();
        f.write_all(&(36 + data_len).to_le_bytes()).unwrap();
        f.write_all(b"WAVEfmt ").unwrap();
        f.write_all(&16u32.to_le_bytes()).unwrap();
        f.write_all(&1u16.to_le_bytes()).unwrap();
        f.write_all(&channels.to_le_bytes()).unwrap();
        f.write_all(&rate.to_le_bytes()).unwrap();
        f.write_all(&byte_rate.to_le_bytes()).unwrap();
        f.write_all(&(channels * 2).to_le_bytes()).unwrap();
        f.write_all(&16u16.to_le_bytes()).unwrap();
        f.write_all(b"data").unwrap();
        f.write_all(&data_len.to_le_bytes()).unwrap();
        for s in samples {
            f.write_all(&s.to_le_bytes()).unwrap();
        }
    }

    #[test]
    fn stereo_wav_is_read_as_mono_at_native_rate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("st.wav");
        // Left channel full scale, right channel silent: mono is half.
        let samples: Vec<i16> = (0..4410).flat_map(|_| [16384i16, 0]).collect();
        write_wav(&path, 44_100, 2, &samples);
        let mut r = AudioFileReader::open(&path).expect("open");
        assert_eq!(r.info().sample_rate, 44_100);
        assert_eq!(r.info().channels, 2);
        let mut all = Vec::new();
        while let Some(c) = r.next_chunk().expect("chunk") {
            all.extend(c);
        }
        assert_eq!(all.len(), 4410);
        assert!((all[100] - 0.25).abs() < 1e-3);
    }

    #[test]
    fn empty_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.wav");
        File::create(&path).unwrap();
        let err = AudioFileReader::open(&path).err().expect("must fail");
        assert!(matches!(err, AudioError::EmptyFile { .. }), "{err}");
    }

    #[test]
    fn text_file_is_unsupported_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.wav");
        std::fs::write(&path, "dette er ikke lyd, bare tekst ".repeat(50)).unwrap();
        let err = AudioFileReader::open(&path).err().expect("must fail");
        assert!(err.to_string().contains("notes.wav"), "{err}");
    }

    #[test]
    fn truncated_wav_keeps_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.wav");
        let samples: Vec<i16> = (0..16_000).map(|i| ((i % 100) * 100) as i16).collect();
        write_wav(&path, 16_000, 1, &samples);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let mut r = AudioFileReader::open(&path).expect("header is intact");
        let mut n = 0;
        while let Ok(Some(c)) = r.next_chunk() {
            n += c.len();
        }
        assert!(
            n > 7_000 && n < 9_000,
            "decoded {n} samples from half a file"
        );
    }

    #[test]
    fn header_rates_no_audio_has_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for rate in [1u32, 999, 768_001, 2_000_000_000] {
            let path = dir.path().join(format!("r{rate}.wav"));
            write_wav(&path, rate, 1, &[0i16; 64]);
            let err = AudioFileReader::open(&path).err().expect("must fail");
            assert!(matches!(err, AudioError::Corrupt { .. }), "{rate}: {err}");
            assert!(err.to_string().contains(&format!("{rate} Hz")), "{err}");
        }
        for rate in [8_000u32, 192_000] {
            let path = dir.path().join(format!("ok{rate}.wav"));
            write_wav(&path, rate, 1, &[0i16; 64]);
            AudioFileReader::open(&path).expect("a real rate opens");
        }
    }
}
