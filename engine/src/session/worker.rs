//! The session's own thread: voice activity, utterance audio, decode
//! scheduling, LocalAgreement and event delivery.
//!
//! Everything is driven by messages on one channel: audio from
//! [`super::Session::push_audio`], results from the decode thread, and the
//! finish request. Time is audio time (samples at 16 kHz); wall time is only
//! used to stamp events. At most one decode is in flight: closed utterances
//! (committed decodes) always go first, a tentative decode of the open
//! utterance only runs when nothing else waits, so when decoding falls behind
//! it is tentative text that is skipped, never committed text.

use std::collections::VecDeque;
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::agreement::{agreed_segments, comparable_words, AgreementRules};
use super::events::{ErrorEvent, LagEvent, LevelEvent, SessionEvent, TextEvent};
use super::options::SessionOptions;
use super::recognizer::Recognizer;
use super::{SessionStats, SessionSummary};
use crate::asr::{AsrError, DecodeOptions, Segment, Transcript};
use crate::audio::WHISPER_SAMPLE_RATE;
use crate::vad::{SegmentEvent, Segmenter};

const RATE: u64 = WHISPER_SAMPLE_RATE as u64;
/// Committed text of the open utterance handed to Whisper as context, in chars.
const PROMPT_CHARS: usize = 200;

/// Messages into the session thread.
pub(super) enum Msg {
    /// 16 kHz mono audio.
    Audio(Vec<f32>),
    /// A problem reported from outside (capture); forwarded as an error event.
    Problem(String),
    /// No more audio: close, decode what is left, reply with the summary.
    Finish(mpsc::Sender<SessionSummary>),
    /// The session handle was dropped without finishing.
    Abort,
    /// A decode finished.
    Decoded {
        job: u64,
        result: Result<Transcript, AsrError>,
        compute: Duration,
    },
}

/// A request to the decode thread.
pub(super) struct DecodeRequest {
    job: u64,
    samples: Vec<f32>,
    options: DecodeOptions,
}

/// Runs decode requests one at a time and posts results back.
pub(super) fn decode_loop(
    recognizer: Arc<dyn Recognizer>,
    requests: mpsc::Receiver<DecodeRequest>,
    results: mpsc::Sender<Msg>,
) {
    while let Ok(req) = requests.recv() {
        let started = Instant::now();
        let result = recognizer.recognize(req.samples, &req.options);
        let msg = Msg::Decoded {
            job: req.job,
            result,
            compute: started.elapsed(),
        };
        if results.send(msg).is_err() {
            return;
        }
    }
}

struct Open {
    id: u64,
    /// Start of the audio still to be committed (moves on LocalAgreement).
    start: u64,
    onset: u64,
    /// Position when the last tentative decode was submitted.
    last_tentative: u64,
    /// The previous hypothesis of audio from `start`, for LocalAgreement.
    previous: Option<(u64, Vec<Segment>)>,
    /// Committed text of this utterance so far (decoder context).
    committed: String,
    /// Last tentative text published.
    shown: String,
    /// End of speech a speculative committed decode was started for.
    speculated: Option<u64>,
    /// Its result: (start, end, transcript) of audio that becomes the
    /// committed text if the utterance closes right there.
    speculative: Option<(u64, u64, Transcript)>,
}

struct CommitJob {
    utterance: u64,
    start: u64,
    end: u64,
    onset: u64,
    speech_end: Option<u64>,
    samples: Vec<f32>,
    prompt: String,
    tentative_shown: bool,
    /// Already decoded (speculatively, during the hangover): commit at once.
    ready: Option<Transcript>,
}

/// What a decode request is for; [`Worker::decode_options`] sets the options from it.
#[derive(Debug, Clone, Copy)]
enum DecodeKind {
    /// Text that will never change (a closed utterance, or its speculative decode).
    Committed,
    /// A guess at the open utterance, `seconds` of audio long.
    Tentative { seconds: f64 },
}

enum InFlight {
    Tentative {
        job: u64,
        utterance: u64,
        start: u64,
        end: u64,
    },
    Commit {
        job: u64,
        commit: CommitJob,
    },
    /// The committed decode of an utterance whose speaker has paused, run
    /// during the hangover so the text is ready when the pause is confirmed.
    Speculative {
        job: u64,
        utterance: u64,
        start: u64,
        end: u64,
    },
}

pub(super) struct Worker {
    options: SessionOptions,
    rules: AgreementRules,
    segmenter: Segmenter,
    events: UnboundedSender<SessionEvent>,
    epoch: Arc<OnceLock<Instant>>,
    decode: mpsc::Sender<DecodeRequest>,
    /// Samples from `offset` to `pos`.
    audio: Vec<f32>,
    offset: u64,
    pos: u64,
    open: Option<Open>,
    queue: VecDeque<CommitJob>,
    in_flight: Option<InFlight>,
    next_job: u64,
    next_utterance: u64,
    decoded_to: u64,
    pieces: Vec<TextEvent>,
    stats: SessionStats,
    level: LevelAcc,
    lagging: bool,
    last_lag_report: u64,
    finishing: Option<mpsc::Sender<SessionSummary>>,
}

#[derive(Default)]
struct LevelAcc {
    start: u64,
    count: u64,
    sum_sq: f64,
    peak: f32,
}

impl Worker {
    pub(super) fn new(
        options: SessionOptions,
        segmenter: Segmenter,
        events: UnboundedSender<SessionEvent>,
        epoch: Arc<OnceLock<Instant>>,
        decode: mpsc::Sender<DecodeRequest>,
    ) -> Self {
        Self {
            options,
            rules: AgreementRules::default(),
            segmenter,
            events,
            epoch,
            decode,
            audio: Vec::new(),
            offset: 0,
            pos: 0,
            open: None,
            queue: VecDeque::new(),
            in_flight: None,
            next_job: 0,
            next_utterance: 0,
            decoded_to: 0,
            pieces: Vec::new(),
            stats: SessionStats::default(),
            level: LevelAcc::default(),
            lagging: false,
            last_lag_report: 0,
            finishing: None,
        }
    }

    /// Serves messages until the session is finished or abandoned.
    pub(super) fn run(mut self, inbox: mpsc::Receiver<Msg>) {
        let span = tracing::info_span!("session");
        let _guard = span.enter();
        while let Ok(msg) = inbox.recv() {
            match msg {
                Msg::Audio(samples) => self.on_audio(&samples),
                Msg::Problem(message) => self.error(message),
                Msg::Finish(reply) => self.on_finish(reply),
                Msg::Abort => {
                    tracing::debug!("session abandoned");
                    return;
                }
                Msg::Decoded {
                    job,
                    result,
                    compute,
                } => self.on_decoded(job, result, compute),
            }
            self.schedule();
            self.report_lag();
            if self.finishing.is_some() && self.in_flight.is_none() && self.queue.is_empty() {
                self.complete();
                return;
            }
        }
    }

    fn secs(samples: u64) -> f64 {
        samples as f64 / RATE as f64
    }

    fn now_s(&self) -> f64 {
        self.epoch.get().map_or(0.0, |e| e.elapsed().as_secs_f64())
    }

    fn emit(&self, event: SessionEvent) {
        // A subscriber that went away does not stop the session.
        let _ = self.events.send(event);
    }

    fn error(&self, message: String) {
        tracing::warn!(%message, "session problem");
        self.emit(SessionEvent::Error(ErrorEvent {
            message,
            audio_end_s: Self::secs(self.pos),
            emitted_s: self.now_s(),
        }));
    }

    fn slice(&self, start: u64, end: u64) -> Vec<f32> {
        let a = start.saturating_sub(self.offset) as usize;
        let b = (end.saturating_sub(self.offset) as usize).min(self.audio.len());
        self.audio
            .get(a.min(b)..b)
            .map(<[f32]>::to_vec)
            .unwrap_or_default()
    }

    fn on_audio(&mut self, samples: &[f32]) {
        if samples.is_empty() {
            return;
        }
        self.audio.extend_from_slice(samples);
        self.pos += samples.len() as u64;
        self.stats.audio_s = Self::secs(self.pos);
        let events = self.segmenter.push(samples);
        for event in events {
            self.on_segment(event);
        }
        self.levels(samples);
        self.force_cut();
        self.trim();
    }

    fn on_segment(&mut self, event: SegmentEvent) {
        match event {
            SegmentEvent::Start { start, onset } => {
                let id = self.next_utterance;
                self.next_utterance += 1;
                let start = start.max(self.offset);
                tracing::debug!(
                    utterance = id,
                    start_s = Self::secs(start),
                    "speech started"
                );
                self.open = Some(Open {
                    id,
                    start,
                    onset,
                    last_tentative: 0,
                    previous: None,
                    committed: String::new(),
                    shown: String::new(),
                    speculated: None,
                    speculative: None,
                });
            }
            SegmentEvent::End {
                end, speech_end, ..
            } => {
                if let Some(open) = self.open.take() {
                    tracing::debug!(utterance = open.id, end_s = Self::secs(end), "speech ended");
                    let ready = open
                        .speculative
                        .filter(|(s, e, _)| *s == open.start && *e == end)
                        .map(|(_, _, t)| t);
                    let job = CommitJob {
                        utterance: open.id,
                        start: open.start,
                        end,
                        onset: open.onset,
                        speech_end: Some(speech_end),
                        samples: if ready.is_some() {
                            Vec::new()
                        } else {
                            self.slice(open.start, end)
                        },
                        prompt: open.committed,
                        tentative_shown: !open.shown.is_empty(),
                        ready,
                    };
                    self.queue.push_back(job);
                }
            }
            SegmentEvent::Cancel { .. } => {
                if let Some(open) = self.open.take() {
                    if !open.shown.is_empty() || !open.committed.is_empty() {
                        // Something was shown for it: close it with an empty piece.
                        self.publish_committed(
                            open.id,
                            String::new(),
                            open.start,
                            open.start,
                            open.onset,
                            None,
                            true,
                        );
                    }
                }
            }
        }
    }

    fn levels(&mut self, samples: &[f32]) {
        let block = self.options.level_interval_ms as u64 * RATE / 1000;
        if block == 0 {
            return;
        }
        let mut at = self.pos - samples.len() as u64;
        for &s in samples {
            if self.level.count == 0 {
                self.level.start = at;
            }
            self.level.sum_sq += (s as f64) * (s as f64);
            self.level.peak = self.level.peak.max(s.abs());
            self.level.count += 1;
            at += 1;
            if self.level.count >= block {
                let rms = (self.level.sum_sq / self.level.count as f64).sqrt();
                let rms_db = if rms <= 1e-5 {
                    -100.0
                } else {
                    (20.0 * rms.log10()) as f32
                };
                let speech = self.segmenter.last_decision().is_some_and(|d| d.speech);
                self.emit(SessionEvent::Level(LevelEvent {
                    rms_db,
                    peak: self.level.peak,
                    speech,
                    audio_start_s: Self::secs(self.level.start),
                    audio_end_s: Self::secs(at),
                    emitted_s: self.now_s(),
                }));
                self.level = LevelAcc::default();
            }
        }
    }

    /// Cuts an over-long open utterance at its quietest recent moment.
    fn force_cut(&mut self) {
        let max = (self.options.max_utterance_s * RATE as f64) as u64;
        let Some(open) = self.open.as_ref() else {
            return;
        };
        if self.pos - open.start < max.max(RATE * 4) {
            return;
        }
        let search_from = self.pos.saturating_sub(3 * RATE).max(open.start + RATE);
        let frame = RATE / 10;
        let mut best = (f32::MAX, self.pos);
        let mut at = search_from;
        while at + frame <= self.pos {
            let level = crate::audio::rms(&self.slice(at, at + frame));
            if level < best.0 {
                best = (level, at + frame / 2);
            }
            at += frame / 2;
        }
        let cut = best.1;
        let samples = self.slice(open.start, cut);
        let job = CommitJob {
            utterance: open.id,
            start: open.start,
            end: cut,
            onset: open.onset,
            speech_end: None,
            samples,
            prompt: open.committed.clone(),
            tentative_shown: false,
            ready: None,
        };
        tracing::debug!(
            utterance = open.id,
            cut_s = Self::secs(cut),
            "long utterance cut"
        );
        self.queue.push_back(job);
        if let Some(open) = self.open.as_mut() {
            open.start = cut;
            open.previous = None;
            open.speculated = None;
            open.speculative = None;
        }
    }

    /// Drops audio nobody can need any more.
    fn trim(&mut self) {
        let seg = self.segmenter.config();
        let keep = (seg.pre_roll_ms as u64 + seg.onset_ms as u64 * 2 + 1000) * RATE / 1000;
        let mut keep_from = self.pos.saturating_sub(keep);
        if let Some(open) = &self.open {
            keep_from = keep_from.min(open.start);
        }
        if keep_from > self.offset + RATE {
            let n = (keep_from - self.offset) as usize;
            self.audio.drain(..n.min(self.audio.len()));
            self.offset = keep_from;
        }
    }

    fn on_finish(&mut self, reply: mpsc::Sender<SessionSummary>) {
        let events = self.segmenter.flush();
        for event in events {
            self.on_segment(event);
        }
        if let Some(open) = self.open.take() {
            // Still open after a flush only if the segmenter had no frame yet.
            self.queue.push_back(CommitJob {
                utterance: open.id,
                start: open.start,
                end: self.pos,
                onset: open.onset,
                speech_end: Some(self.pos),
                samples: self.slice(open.start, self.pos),
                prompt: open.committed,
                tentative_shown: !open.shown.is_empty(),
                ready: None,
            });
        }
        self.finishing = Some(reply);
    }

    /// Decoding options for one request. `prompt` is the utterance's committed text so
    /// far.
    ///
    /// Tentative decodes drop the configured base prompt (the care prompt by default): its
    /// ~50 tokens made every tentative decode slower (first tentative p50 0.42 s → 1.07 s on
    /// 2 threads) for text that is replaced anyway; committed decodes keep it. Tentative
    /// buffers shorter than the agreement threshold need text only (segment times matter
    /// from `agreement_after_s`): one untimed segment lets the token cap end a looping guess
    /// early (a "bebebebe..." loop took 0.64 s instead of ~0.1 s).
    fn decode_options(&self, prompt: &str, kind: DecodeKind) -> DecodeOptions {
        let mut options = self.options.decode.clone();
        // Shrinking follows the audio's length (asr::options::audio_ctx_for).
        options.audio_ctx = None;
        match kind {
            DecodeKind::Committed => options.shrink_encoder = self.options.committed_audio_ctx,
            DecodeKind::Tentative { seconds } => {
                options.shrink_encoder = self.options.tentative_audio_ctx;
                options.initial_prompt = None;
                if seconds < self.options.agreement_after_s {
                    options.timestamps = false;
                    options.single_segment = true;
                }
            }
        }
        if !prompt.is_empty() {
            let tail: String = {
                let chars: Vec<char> = prompt.chars().collect();
                chars[chars.len().saturating_sub(PROMPT_CHARS)..]
                    .iter()
                    .collect()
            };
            options.initial_prompt = Some(match options.initial_prompt.take() {
                Some(base) => format!("{base} {tail}"),
                None => tail,
            });
        }
        options
    }

    fn submit(&mut self, samples: Vec<f32>, options: DecodeOptions) -> Option<u64> {
        let job = self.next_job;
        self.next_job += 1;
        match self.decode.send(DecodeRequest {
            job,
            samples,
            options,
        }) {
            Ok(()) => Some(job),
            Err(_) => {
                self.error("the decoder has stopped".into());
                None
            }
        }
    }

    fn schedule(&mut self) {
        if self.in_flight.is_some() {
            return;
        }
        while self.queue.front().is_some_and(|j| j.ready.is_some()) {
            if let Some(mut commit) = self.queue.pop_front() {
                if let Some(transcript) = commit.ready.take() {
                    self.decoded_to = self.decoded_to.max(commit.end);
                    self.on_committed(commit, transcript);
                }
            }
        }
        if let Some(commit) = self.queue.pop_front() {
            let options = self.decode_options(&commit.prompt, DecodeKind::Committed);
            match self.submit(commit.samples.clone(), options) {
                Some(job) => self.in_flight = Some(InFlight::Commit { job, commit }),
                None => self.lose(commit),
            }
            return;
        }
        if self.finishing.is_some() {
            return;
        }
        let interval = self.options.tentative_interval_ms as u64 * RATE / 1000;
        let first = self.options.first_tentative_ms as u64 * RATE / 1000;
        if self.open.is_none() || self.speculate() {
            return;
        }
        let Some(open) = self.open.as_ref() else {
            return;
        };
        let due = self.pos.saturating_sub(open.onset) >= first
            && self.pos.saturating_sub(open.last_tentative) >= interval
            && self.segmenter.trailing_silence_ms() < self.options.tentative_pause_ms;
        if !due {
            return;
        }
        if open.last_tentative > 0 {
            let missed = (self.pos - open.last_tentative) / interval.max(1);
            self.stats.skipped_tentatives += missed.saturating_sub(1);
        }
        let (id, start, end) = (open.id, open.start, self.pos);
        let prompt = open.committed.clone();
        let samples = self.slice(start, end);
        let seconds = Self::secs(end - start);
        let options = self.decode_options(&prompt, DecodeKind::Tentative { seconds });
        if let Some(open) = self.open.as_mut() {
            open.last_tentative = end;
        }
        if let Some(job) = self.submit(samples, options) {
            self.in_flight = Some(InFlight::Tentative {
                job,
                utterance: id,
                start,
                end,
            });
        }
    }

    /// Once the speaker has paused for the tail length, the utterance's
    /// audio up to the end of speech plus tail is what a committed decode
    /// would get if the pause lasts; decode it now. Returns whether a decode
    /// was started.
    fn speculate(&mut self) -> bool {
        let tail = self
            .segmenter
            .config()
            .tail_ms
            .min(self.segmenter.config().hangover_ms);
        let Some(speech_end) = self.segmenter.open_speech_end() else {
            return false;
        };
        let Some(open) = self.open.as_ref() else {
            return false;
        };
        let end = speech_end + tail as u64 * RATE / 1000;
        if self.pos < end || open.speculated == Some(speech_end) || end <= open.start {
            return false;
        }
        let (utterance, start) = (open.id, open.start);
        let samples = self.slice(start, end);
        let options = self.decode_options(&open.committed, DecodeKind::Committed);
        if let Some(open) = self.open.as_mut() {
            open.speculated = Some(speech_end);
            open.speculative = None;
        }
        if let Some(job) = self.submit(samples, options) {
            self.in_flight = Some(InFlight::Speculative {
                job,
                utterance,
                start,
                end,
            });
            return true;
        }
        false
    }

    fn lose(&mut self, commit: CommitJob) {
        self.error(format!(
            "audio {:.1}–{:.1} s could not be transcribed",
            Self::secs(commit.start),
            Self::secs(commit.end)
        ));
    }

    fn on_decoded(&mut self, job: u64, result: Result<Transcript, AsrError>, compute: Duration) {
        let Some(in_flight) = self.in_flight.take() else {
            return;
        };
        match in_flight {
            InFlight::Commit { job: j, commit } if j == job => {
                self.stats.committed_decodes += 1;
                self.stats.committed_compute_s += compute.as_secs_f64();
                self.decoded_to = self.decoded_to.max(commit.end);
                match result {
                    Ok(transcript) => self.on_committed(commit, transcript),
                    Err(e) => {
                        self.error(format!("decoding failed: {e}"));
                        self.lose(commit);
                    }
                }
            }
            InFlight::Tentative {
                job: j,
                utterance,
                start,
                end,
            } if j == job => {
                self.stats.tentative_decodes += 1;
                self.stats.tentative_compute_s += compute.as_secs_f64();
                match result {
                    Ok(transcript) => {
                        self.decoded_to = self.decoded_to.max(end);
                        self.on_tentative(utterance, start, end, transcript);
                    }
                    Err(e) => self.error(format!("tentative decoding failed: {e}")),
                }
            }
            InFlight::Speculative {
                job: j,
                utterance,
                start,
                end,
            } if j == job => {
                self.stats.speculative_decodes += 1;
                self.stats.committed_compute_s += compute.as_secs_f64();
                match result {
                    Ok(transcript) => {
                        self.decoded_to = self.decoded_to.max(end);
                        self.on_speculative(utterance, start, end, transcript);
                    }
                    Err(e) => self.error(format!("decoding failed: {e}")),
                }
            }
            other => {
                // Not the job we wait for (cannot happen with one in flight).
                self.in_flight = Some(other);
            }
        }
    }

    fn on_speculative(&mut self, utterance: u64, start: u64, end: u64, transcript: Transcript) {
        // Closed meanwhile at exactly this audio: the result is its committed text.
        if let Some(job) = self
            .queue
            .iter_mut()
            .find(|j| j.utterance == utterance && j.start == start && j.end == end)
        {
            job.ready = Some(transcript);
            job.samples = Vec::new();
            return;
        }
        let Some(open) = self.open.as_mut() else {
            return;
        };
        if open.id != utterance || open.start != start {
            return;
        }
        // Still open: keep it for the close, and show it as the newest guess.
        let text = join(&usable(transcript.segments.clone()));
        open.speculative = Some((start, end, transcript));
        if !text.is_empty() && text != open.shown {
            open.shown = text.clone();
            let onset = open.onset;
            self.publish_tentative(utterance, text, start, end, onset);
        }
    }

    fn on_committed(&mut self, commit: CommitJob, transcript: Transcript) {
        let text = join(&usable(transcript.segments));
        let last = commit.speech_end.is_some();
        let utterance_open = self.open.as_ref().is_some_and(|o| o.id == commit.utterance);
        if !text.is_empty() || (last && commit.tentative_shown) {
            self.publish_committed(
                commit.utterance,
                text.clone(),
                commit.start,
                commit.end,
                commit.onset,
                commit.speech_end,
                last && !utterance_open,
            );
        }
        if utterance_open {
            if let Some(open) = self.open.as_mut() {
                push_words(&mut open.committed, &text);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn publish_committed(
        &mut self,
        utterance: u64,
        text: String,
        start: u64,
        end: u64,
        onset: u64,
        speech_end: Option<u64>,
        last: bool,
    ) {
        tracing::debug!(
            utterance,
            chars = text.chars().count(),
            end_s = Self::secs(end),
            "committed"
        );
        let event = TextEvent {
            utterance,
            text,
            audio_start_s: Self::secs(start),
            audio_end_s: Self::secs(end),
            onset_s: Self::secs(onset),
            speech_end_s: speech_end.map(Self::secs),
            last,
            emitted_s: self.now_s(),
        };
        self.pieces.push(event.clone());
        self.emit(SessionEvent::Committed(event));
    }

    fn on_tentative(&mut self, utterance: u64, start: u64, end: u64, transcript: Transcript) {
        let segments = usable(transcript.segments);
        let current = self
            .open
            .as_ref()
            .is_some_and(|o| o.id == utterance && o.start == start);
        if !current {
            // The utterance closed while this decode ran. Until its committed
            // text is out, the guess is still worth showing; after, never.
            let text = join(&segments);
            let waiting = self
                .queue
                .iter_mut()
                .find(|j| j.utterance == utterance && j.start == start);
            if let Some(job) = waiting.filter(|_| !text.is_empty()) {
                job.tentative_shown = true;
                let onset = job.onset;
                self.publish_tentative(utterance, text, start, end, onset);
            }
            return;
        }
        let Some(open) = self.open.as_ref() else {
            return;
        };
        let buffer_s = Self::secs(end - start);
        let mut agreed = 0;
        if buffer_s >= self.options.agreement_after_s {
            if let Some((prev_start, prev)) = &open.previous {
                if *prev_start == start {
                    agreed = agreed_segments(prev, &segments, buffer_s, &self.rules);
                }
            }
        }
        let onset = open.onset;
        if agreed > 0 {
            let boundary = start + (segments[agreed - 1].end_s * RATE as f64) as u64;
            let text = join(&segments[..agreed]);
            self.publish_committed(utterance, text.clone(), start, boundary, onset, None, false);
            let rest = join(&segments[agreed..]);
            if let Some(open) = self.open.as_mut() {
                push_words(&mut open.committed, &text);
                open.start = boundary;
                open.previous = None;
                open.shown = rest.clone();
            }
            self.publish_tentative(utterance, rest, boundary, end, onset);
        } else {
            let text = join(&segments);
            let changed = self.open.as_ref().is_some_and(|o| o.shown != text);
            if let Some(open) = self.open.as_mut() {
                open.previous = Some((start, segments));
                open.shown = text.clone();
            }
            if changed {
                self.publish_tentative(utterance, text, start, end, onset);
            }
        }
    }

    fn publish_tentative(&self, utterance: u64, text: String, start: u64, end: u64, onset: u64) {
        self.emit(SessionEvent::Tentative(TextEvent {
            utterance,
            text,
            audio_start_s: Self::secs(start),
            audio_end_s: Self::secs(end),
            onset_s: Self::secs(onset),
            speech_end_s: None,
            last: false,
            emitted_s: self.now_s(),
        }));
    }

    /// Seconds of speech audio not yet covered by any decode result.
    fn behind(&self) -> u64 {
        let mut oldest = None::<u64>;
        if let Some(job) = self.queue.front() {
            oldest = Some(job.start);
        }
        match &self.in_flight {
            Some(InFlight::Commit { commit, .. }) => {
                oldest = Some(oldest.map_or(commit.start, |o| o.min(commit.start)))
            }
            Some(InFlight::Tentative { start, .. }) | Some(InFlight::Speculative { start, .. }) => {
                oldest = Some(oldest.map_or(*start, |o| o.min(*start)))
            }
            None => {}
        }
        if let Some(open) = &self.open {
            oldest = Some(oldest.map_or(open.start, |o| o.min(open.start)));
        }
        match oldest {
            Some(oldest) => self.pos.saturating_sub(oldest.max(self.decoded_to)),
            None => 0,
        }
    }

    fn report_lag(&mut self) {
        let behind = self.behind();
        let behind_s = Self::secs(behind);
        self.stats.max_behind_s = self.stats.max_behind_s.max(behind_s);
        let warn = self.options.lag_warn_s;
        let report = if behind_s >= warn {
            !self.lagging || self.pos >= self.last_lag_report + RATE
        } else {
            self.lagging && behind_s < warn / 2.0
        };
        if !report {
            return;
        }
        self.lagging = behind_s >= warn;
        self.last_lag_report = self.pos;
        if self.lagging {
            tracing::info!(behind_s, "decoding behind real time");
        }
        self.emit(SessionEvent::Lag(LagEvent {
            behind_s,
            skipped_tentatives: self.stats.skipped_tentatives,
            audio_end_s: Self::secs(self.pos),
            emitted_s: self.now_s(),
        }));
    }

    fn complete(&mut self) {
        let text = self
            .pieces
            .iter()
            .map(|p| p.text.as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let summary = SessionSummary {
            text,
            pieces: std::mem::take(&mut self.pieces),
            stats: self.stats.clone(),
        };
        if let Some(reply) = self.finishing.take() {
            let _ = reply.send(summary);
        }
    }
}

/// Phrases Whisper invents on silence and noise (subtitle credits).
const HALLUCINATIONS: &str = include_str!("../../data/whisper-hallucinations.txt");

/// Segments worth showing: some letters or digits, not a bracketed
/// non-speech tag such as "[MUSIK]" or "(latter)", not a known invention.
fn usable(segments: Vec<Segment>) -> Vec<Segment> {
    segments
        .into_iter()
        .filter(|s| {
            let t = s.text.trim();
            t.chars().any(char::is_alphanumeric) && !is_noise_tag(t) && !is_hallucination(t)
        })
        .collect()
}

fn is_hallucination(text: &str) -> bool {
    let words = comparable_words(text);
    HALLUCINATIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|line| comparable_words(line) == words)
}

fn is_noise_tag(text: &str) -> bool {
    [('[', ']'), ('(', ')'), ('*', '*')]
        .iter()
        .any(|(open, close)| text.starts_with(*open) && text.ends_with(*close))
}

fn join(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| s.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn push_words(context: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    if !context.is_empty() {
        context.push(' ');
    }
    context.push_str(text);
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn seg(text: &str) -> Segment {
        Segment {
            start_s: 0.0,
            end_s: 1.0,
            text: text.to_string(),
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn noise_tags_and_subtitle_credits_are_dropped_real_words_kept() {
        let kept = usable(vec![
            seg("[MUSIK]"),
            seg("(latter)"),
            seg("..."),
            seg("Undertekster af Nicolai Winther."),
            seg("Tak fordi du så med!"),
            seg("Tak."),
            seg("Borgeren har det godt."),
        ]);
        let texts: Vec<&str> = kept.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, vec!["Tak.", "Borgeren har det godt."]);
    }
}
