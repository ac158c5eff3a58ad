//! [`Segmenter`]: frame decisions in, utterance boundaries out.
//!
//! Positions are absolute sample indices at 16 kHz since the segmenter was
//! created, so the caller can cut the same audio it keeps itself.

use std::collections::VecDeque;

use super::{FrameDecision, Vad};
use crate::audio::WHISPER_SAMPLE_RATE;

/// Timing of utterance boundaries, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmenterConfig {
    /// Audio kept before the first speech frame, so a soft first consonant
    /// (below the detector's threshold) is not clipped. 300–500 ms works.
    pub pre_roll_ms: u32,
    /// Speech needed within a short window before an utterance opens; shorter
    /// bursts (clicks, a cough's tail) are ignored.
    pub onset_ms: u32,
    /// Silence after the last speech frame that closes an utterance. Dictation
    /// pauses inside a sentence are shorter; pauses between sentences longer.
    pub hangover_ms: u32,
    /// Audio kept after the last speech frame (at most `hangover_ms`), so a
    /// trailing soft sound reaches the recogniser.
    pub tail_ms: u32,
    /// Utterances with less speech than this are cancelled, not decoded.
    pub min_speech_ms: u32,
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        Self {
            pre_roll_ms: 400,
            onset_ms: 60,
            hangover_ms: 500,
            tail_ms: 200,
            min_speech_ms: 120,
        }
    }
}

/// A boundary found by the [`Segmenter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentEvent {
    /// An utterance opened. Its audio starts at `start` (the pre-roll before
    /// `onset`, never before the previous utterance's end).
    Start {
        /// First sample of the utterance's audio, pre-roll included.
        start: u64,
        /// First sample of the first speech frame.
        onset: u64,
    },
    /// The open utterance closed after a pause of `hangover_ms`.
    End {
        /// One past the last sample of the utterance's audio, tail included.
        end: u64,
        /// One past the last sample of the last speech frame.
        speech_end: u64,
        /// Milliseconds of speech frames in the utterance.
        speech_ms: u32,
    },
    /// The open utterance held too little speech (a click or a breath) and
    /// was dropped; nothing should be decoded for it.
    Cancel {
        /// Where the dropped utterance's audio would have ended.
        end: u64,
    },
}

enum State {
    Idle,
    Open {
        last_speech_end: u64,
        speech_frames: u32,
    },
}

/// Turns a stream of 16 kHz samples into utterance boundaries using a [`Vad`].
pub struct Segmenter {
    vad: Box<dyn Vad>,
    config: SegmenterConfig,
    frame_len: usize,
    partial: Vec<f32>,
    /// Absolute index of the next frame's first sample.
    position: u64,
    state: State,
    /// Recent (frame start, speech) decisions while idle, for onset confirmation.
    recent: VecDeque<(u64, bool)>,
    onset_frames: usize,
    last_end: u64,
    last_decision: Option<FrameDecision>,
}

impl Segmenter {
    /// Creates a segmenter over `vad` with the given timing.
    pub fn new(vad: Box<dyn Vad>, config: SegmenterConfig) -> Self {
        let frame_len = vad.frame_len().max(1);
        let frame_ms = (frame_len as u64 * 1000 / WHISPER_SAMPLE_RATE as u64).max(1);
        let onset_frames = (config.onset_ms as u64).div_ceil(frame_ms).max(1) as usize;
        Self {
            vad,
            frame_len,
            partial: Vec::with_capacity(frame_len),
            position: 0,
            state: State::Idle,
            recent: VecDeque::new(),
            onset_frames,
            last_end: 0,
            last_decision: None,
            config,
        }
    }

    /// The timing in use.
    pub fn config(&self) -> &SegmenterConfig {
        &self.config
    }

    /// Feeds samples; returns the boundaries they completed, in order.
    pub fn push(&mut self, samples: &[f32]) -> Vec<SegmentEvent> {
        let mut events = Vec::new();
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.frame_len - self.partial.len()).min(rest.len());
            self.partial.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.partial.len() == self.frame_len {
                let frame = std::mem::take(&mut self.partial);
                let decision = self.vad.classify(&frame);
                self.partial = frame;
                self.partial.clear();
                self.step(decision, &mut events);
            }
        }
        events
    }

    /// Ends the stream: closes an open utterance at the last sample received.
    pub fn flush(&mut self) -> Vec<SegmentEvent> {
        let total = self.position + self.partial.len() as u64;
        let mut events = Vec::new();
        if let State::Open {
            last_speech_end,
            speech_frames,
        } = self.state
        {
            let end = (last_speech_end + self.ms_to_samples(self.config.tail_ms)).min(total);
            events.push(self.close(end, last_speech_end, speech_frames));
        }
        self.recent.clear();
        events
    }

    /// Whether an utterance is open.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// Milliseconds since the last speech frame of the open utterance (0 when idle).
    pub fn trailing_silence_ms(&self) -> u32 {
        match self.state {
            State::Open {
                last_speech_end, ..
            } => {
                ((self.position.saturating_sub(last_speech_end)) * 1000
                    / WHISPER_SAMPLE_RATE as u64) as u32
            }
            State::Idle => 0,
        }
    }

    /// End of the last speech frame of the open utterance (`None` when idle).
    pub fn open_speech_end(&self) -> Option<u64> {
        match self.state {
            State::Open {
                last_speech_end, ..
            } => Some(last_speech_end),
            State::Idle => None,
        }
    }

    /// The detector's decision on the latest frame.
    pub fn last_decision(&self) -> Option<FrameDecision> {
        self.last_decision
    }

    /// Samples classified so far (complete frames).
    pub fn position(&self) -> u64 {
        self.position
    }

    fn ms_to_samples(&self, ms: u32) -> u64 {
        ms as u64 * WHISPER_SAMPLE_RATE as u64 / 1000
    }

    fn frame_ms(&self) -> u32 {
        (self.frame_len as u64 * 1000 / WHISPER_SAMPLE_RATE as u64) as u32
    }

    fn step(&mut self, decision: FrameDecision, events: &mut Vec<SegmentEvent>) {
        self.last_decision = Some(decision);
        let frame_start = self.position;
        let frame_end = frame_start + self.frame_len as u64;
        self.position = frame_end;
        match &mut self.state {
            State::Idle => {
                self.recent.push_back((frame_start, decision.speech));
                while self.recent.len() > self.onset_frames * 2 {
                    self.recent.pop_front();
                }
                let speech = self.recent.iter().filter(|(_, s)| *s).count();
                if decision.speech && speech >= self.onset_frames {
                    let onset = self
                        .recent
                        .iter()
                        .find(|(_, s)| *s)
                        .map_or(frame_start, |(p, _)| *p);
                    let start = onset
                        .saturating_sub(self.ms_to_samples(self.config.pre_roll_ms))
                        .max(self.last_end);
                    self.recent.clear();
                    self.state = State::Open {
                        last_speech_end: frame_end,
                        speech_frames: speech as u32,
                    };
                    events.push(SegmentEvent::Start { start, onset });
                }
            }
            State::Open {
                last_speech_end,
                speech_frames,
            } => {
                if decision.speech {
                    *last_speech_end = frame_end;
                    *speech_frames += 1;
                } else if frame_end - *last_speech_end
                    >= self.config.hangover_ms as u64 * WHISPER_SAMPLE_RATE as u64 / 1000
                {
                    let (speech_end, frames) = (*last_speech_end, *speech_frames);
                    let tail = self.ms_to_samples(self.config.tail_ms.min(self.config.hangover_ms));
                    let end = (speech_end + tail).min(frame_end);
                    events.push(self.close(end, speech_end, frames));
                }
            }
        }
    }

    fn close(&mut self, end: u64, speech_end: u64, speech_frames: u32) -> SegmentEvent {
        self.state = State::Idle;
        self.last_end = end;
        let speech_ms = speech_frames * self.frame_ms();
        if speech_ms < self.config.min_speech_ms {
            SegmentEvent::Cancel { end }
        } else {
            SegmentEvent::End {
                end,
                speech_end,
                speech_ms,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vad::testing::{noise, script};
    use crate::vad::EnergyVad;

    const RATE: f64 = 16_000.0;

    fn segment(samples: &[f32], config: SegmenterConfig, chunk: usize) -> Vec<SegmentEvent> {
        let mut seg = Segmenter::new(Box::new(EnergyVad::default()), config);
        let mut events = Vec::new();
        for c in samples.chunks(chunk) {
            events.extend(seg.push(c));
        }
        events.extend(seg.flush());
        events
    }

    fn spans(events: &[SegmentEvent]) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let mut start = None;
        for e in events {
            match *e {
                SegmentEvent::Start { start: s, .. } => start = Some(s),
                SegmentEvent::End { end, .. } => {
                    out.push((start.take().unwrap_or(0) as f64 / RATE, end as f64 / RATE))
                }
                SegmentEvent::Cancel { .. } => start = None,
            }
        }
        out
    }

    #[test]
    fn two_sentences_with_a_pause_make_two_utterances() {
        // 1 s silence, 1.5 s speech with a 0.25 s gap inside, 0.9 s pause, 1 s speech.
        let audio = script(&[
            (1.0, None),
            (0.7, Some(0.2)),
            (0.25, None),
            (0.8, Some(0.2)),
            (0.9, None),
            (1.0, Some(0.2)),
            (1.0, None),
        ]);
        let events = segment(&audio, SegmenterConfig::default(), 333);
        let s = spans(&events);
        assert_eq!(s.len(), 2, "{events:?}");
        // Pre-roll of 0.4 s before the onset at 1.0 s; tail of 0.2 s after speech.
        assert!((s[0].0 - 0.6).abs() < 0.03, "{s:?}");
        assert!((s[0].1 - 2.95).abs() < 0.03, "{s:?}");
        assert!((s[1].0 - 3.25).abs() < 0.03, "{s:?}");
        assert!((s[1].1 - 4.85).abs() < 0.03, "{s:?}");
    }

    #[test]
    fn hangover_is_tunable() {
        let audio = script(&[
            (0.5, None),
            (0.6, Some(0.2)),
            (0.6, None),
            (0.6, Some(0.2)),
            (1.0, None),
        ]);
        let short = SegmenterConfig {
            hangover_ms: 400,
            ..Default::default()
        };
        let long = SegmenterConfig {
            hangover_ms: 800,
            ..Default::default()
        };
        assert_eq!(spans(&segment(&audio, short, 160)).len(), 2);
        assert_eq!(spans(&segment(&audio, long, 160)).len(), 1);
    }

    #[test]
    fn pre_roll_keeps_a_soft_onset_and_never_overlaps_the_previous_utterance() {
        // A soft unvoiced onset (noise at -50 dBFS, below the threshold) for
        // 150 ms, then a loud vowel: the utterance must start before the soft part.
        let mut audio = script(&[(1.0, None)]);
        audio.extend(noise(2_400, 0.003, 9));
        audio.extend(script(&[
            (0.5, Some(0.3)),
            (0.6, None),
            (0.5, Some(0.3)),
            (1.0, None),
        ]));
        let events = segment(&audio, SegmenterConfig::default(), 512);
        let s = spans(&events);
        assert_eq!(s.len(), 2, "{events:?}");
        assert!(s[0].0 <= 1.0 - 0.2, "soft onset clipped: {s:?}");
        // The second utterance's pre-roll would reach back into the first; it is clamped.
        assert!(s[1].0 >= s[0].1, "{s:?}");
    }

    #[test]
    fn clicks_do_not_open_or_are_cancelled() {
        let audio = script(&[
            (0.5, None),
            (0.02, Some(0.5)),
            (0.5, None),
            (0.08, Some(0.5)),
            (1.0, None),
        ]);
        let events = segment(&audio, SegmenterConfig::default(), 320);
        assert!(spans(&events).is_empty(), "{events:?}");
        assert!(events
            .iter()
            .all(|e| matches!(e, SegmentEvent::Cancel { .. } | SegmentEvent::Start { .. })));
    }

    #[test]
    fn flush_closes_an_open_utterance_at_the_end_of_input() {
        let audio = script(&[(0.5, None), (1.0, Some(0.2))]);
        let events = segment(&audio, SegmenterConfig::default(), 1000);
        let s = spans(&events);
        assert_eq!(s.len(), 1);
        assert!((s[0].1 - 1.5).abs() < 0.021, "{s:?}");
    }

    #[test]
    fn chunk_size_does_not_change_the_result() {
        let audio = script(&[(0.3, None), (0.9, Some(0.1)), (0.8, None), (0.4, Some(0.1))]);
        let a = segment(&audio, SegmenterConfig::default(), 1);
        let b = segment(&audio, SegmenterConfig::default(), 4096);
        assert_eq!(a, b);
    }

    #[test]
    fn real_dictation_splits_into_its_six_utterances() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/dictation-da.wav");
        let audio = crate::audio::load_16k_mono(&path).expect("sample audio");
        let events = segment(&audio, SegmenterConfig::default(), 1600);
        let s = spans(&events);
        assert_eq!(s.len(), 6, "{s:?}");
        // Known speech onsets (from the waveform) lie inside each utterance, after its pre-roll.
        for (span, onset) in s.iter().zip([0.52, 3.2, 8.98, 12.26, 18.2, 23.46]) {
            assert!(
                span.0 < onset - 0.25 && span.1 > onset + 1.0,
                "{span:?} vs {onset}"
            );
        }
    }
}
