//! Transcribing whole files of any length with flat memory.
//!
//! The file is decoded and resampled block by block. Audio gathers in a window
//! of at most [`WINDOW_S`] seconds (Whisper's context); when full, the window
//! is cut at the quietest moment of its last seconds, so words are not split,
//! and that part is transcribed while the rest carries over. Stretches with no
//! audible signal are skipped, which also keeps Whisper from inventing
//! subtitles for silence.

use std::path::{Path, PathBuf};

use crate::audio::{self, AudioError, AudioFileReader, StreamResampler, WHISPER_SAMPLE_RATE};

use super::options::DecodeOptions;
use super::transcriber::{AsrError, Segment, Transcriber, Transcript};

/// Longest window handed to Whisper at once, in seconds.
pub const WINDOW_S: f64 = 28.0;
/// The cut is placed in the last this-many seconds of a full window.
const CUT_SEARCH_S: f64 = 8.0;
/// Frame used to find the quietest cut point, in seconds.
const CUT_FRAME_S: f64 = 0.1;
/// Below this RMS level a window counts as silence and is not decoded.
pub const SILENCE_RMS: f32 = 0.003;
/// Segments whisper flags as no-speech with at least this probability, and
/// that come from quiet audio, are dropped as likely hallucinations.
const NO_SPEECH_DROP: f32 = 0.8;

/// Why a file could not be transcribed.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeFileError {
    /// The audio could not be read.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Recognition failed.
    #[error(transparent)]
    Asr(#[from] AsrError),
}

/// Progress through a file, reported after each decoded window.
#[derive(Debug, Clone, PartialEq)]
pub struct FileProgress {
    /// Seconds of audio transcribed so far.
    pub done_s: f64,
    /// Total seconds, when the file's header says.
    pub total_s: Option<f64>,
    /// Segments found in the window just finished (times relative to the file).
    pub new_segments: Vec<Segment>,
}

/// Transcribes `path` in order, window by window, calling `on_progress` after
/// each window. Returns all segments with times relative to the file's start.
pub fn transcribe_file(
    transcriber: &Transcriber,
    path: &Path,
    options: &DecodeOptions,
    mut on_progress: impl FnMut(&FileProgress),
) -> Result<Transcript, TranscribeFileError> {
    let mut reader = AudioFileReader::open(path)?;
    let info = reader.info().clone();
    let mut resampler = StreamResampler::new(info.sample_rate, WHISPER_SAMPLE_RATE)
        .map_err(|source| resample_error(path, source))?;
    let window_len = (WINDOW_S * WHISPER_SAMPLE_RATE as f64) as usize;
    let mut buffer: Vec<f32> = Vec::with_capacity(window_len * 2);
    let mut offset_samples: usize = 0;
    let mut transcript = Transcript::default();
    let mut ended = false;
    while !ended {
        match reader.next_chunk()? {
            Some(block) => buffer.extend(
                resampler
                    .push(&block)
                    .map_err(|source| resample_error(path, source))?,
            ),
            None => {
                buffer.extend(
                    resampler
                        .finish()
                        .map_err(|source| resample_error(path, source))?,
                );
                ended = true;
            }
        }
        while buffer.len() >= window_len || (ended && !buffer.is_empty()) {
            let cut = if buffer.len() >= window_len {
                quietest_cut(&buffer[..window_len])
            } else {
                buffer.len()
            };
            let window: Vec<f32> = buffer.drain(..cut).collect();
            let offset_s = offset_samples as f64 / WHISPER_SAMPLE_RATE as f64;
            offset_samples += window.len();
            let new_segments = transcribe_window(transcriber, window, options, offset_s)?;
            transcript.segments.extend(new_segments.iter().cloned());
            on_progress(&FileProgress {
                done_s: offset_samples as f64 / WHISPER_SAMPLE_RATE as f64,
                total_s: info.duration_s,
                new_segments,
            });
        }
    }
    if reader.skipped_packets() > 0 {
        tracing::warn!(
            skipped = reader.skipped_packets(),
            "some damaged audio packets were skipped"
        );
    }
    Ok(transcript)
}

fn transcribe_window(
    transcriber: &Transcriber,
    window: Vec<f32>,
    options: &DecodeOptions,
    offset_s: f64,
) -> Result<Vec<Segment>, AsrError> {
    let level = loudest_frame_rms(&window);
    if level < SILENCE_RMS {
        tracing::debug!(offset_s, "skipping silent window");
        return Ok(Vec::new());
    }
    let result = transcriber.transcribe(window, options)?;
    Ok(result
        .segments
        .into_iter()
        .filter(|s| !s.text.is_empty())
        .filter(|s| !(s.no_speech_prob >= NO_SPEECH_DROP && level < SILENCE_RMS * 4.0))
        .map(|mut s| {
            s.start_s += offset_s;
            s.end_s += offset_s;
            s
        })
        .collect())
}

/// Index at which to cut a full window: the start of the quietest frame in its
/// last [`CUT_SEARCH_S`] seconds.
fn quietest_cut(window: &[f32]) -> usize {
    let frame = (CUT_FRAME_S * WHISPER_SAMPLE_RATE as f64) as usize;
    let search = (CUT_SEARCH_S * WHISPER_SAMPLE_RATE as f64) as usize;
    let start = window.len().saturating_sub(search);
    let mut best = (f32::MAX, window.len());
    let mut pos = start;
    while pos + frame <= window.len() {
        let level = audio::rms(&window[pos..pos + frame]);
        if level < best.0 {
            best = (level, pos + frame / 2);
        }
        pos += frame / 2;
    }
    best.1.max(1)
}

/// RMS of the loudest 100 ms frame: a window is silent only if every part is.
fn loudest_frame_rms(samples: &[f32]) -> f32 {
    let frame = (CUT_FRAME_S * WHISPER_SAMPLE_RATE as f64) as usize;
    samples.chunks(frame).map(audio::rms).fold(0.0f32, f32::max)
}

fn resample_error(path: &Path, source: audio::ResampleError) -> TranscribeFileError {
    TranscribeFileError::Audio(AudioError::Resample {
        path: PathBuf::from(path),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_lands_in_the_quiet_gap() {
        let rate = WHISPER_SAMPLE_RATE as usize;
        let mut window = vec![0.3f32; 28 * rate];
        // A quiet gap at 24.0–24.4 s.
        for s in &mut window[24 * rate..24 * rate + rate * 4 / 10] {
            *s = 0.0;
        }
        let cut = quietest_cut(&window);
        assert!(
            cut >= 24 * rate && cut <= 24 * rate + rate * 4 / 10,
            "cut at {cut}"
        );
    }

    #[test]
    fn silence_is_detected_by_loudest_frame() {
        let mut quiet = vec![0.0005f32; 16_000];
        assert!(loudest_frame_rms(&quiet) < SILENCE_RMS);
        quiet[8000..9600].iter_mut().for_each(|s| *s = 0.2);
        assert!(loudest_frame_rms(&quiet) > SILENCE_RMS);
    }
}
