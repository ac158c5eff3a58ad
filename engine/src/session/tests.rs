//! Session behaviour with a scripted recogniser: no model needed.
//!
//! The fake recogniser "hears" bursts of tone and names each by its
//! amplitude (`w20` for a peak of 0.20); every three bursts make a segment.
//! So the text says exactly which audio reached the decoder.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::asr::{AsrError, DecodeOptions, Segment, Transcript};

const RATE: usize = 16_000;

#[derive(Default)]
struct Calls {
    lens: Vec<usize>,
    shrunk: Vec<bool>,
}

struct FakeRecognizer {
    delay: Duration,
    calls: Mutex<Calls>,
}

impl FakeRecognizer {
    fn new(delay_ms: u64) -> Arc<Self> {
        Arc::new(Self {
            delay: Duration::from_millis(delay_ms),
            calls: Mutex::new(Calls::default()),
        })
    }
}

impl Recognizer for FakeRecognizer {
    fn recognize(
        &self,
        samples: Vec<f32>,
        options: &DecodeOptions,
    ) -> Result<Transcript, AsrError> {
        std::thread::sleep(self.delay);
        if let Ok(mut calls) = self.calls.lock() {
            calls.lens.push(samples.len());
            calls
                .shrunk
                .push(options.shrink_encoder || options.audio_ctx.is_some());
        }
        Ok(hear(&samples))
    }
}

/// Bursts (runs of 10 ms frames above 0.0005 RMS, at least 30 ms long) named
/// by their peak, three to a segment.
fn hear(samples: &[f32]) -> Transcript {
    let frame = RATE / 100;
    let mut bursts: Vec<(usize, usize, f32)> = Vec::new();
    let mut current: Option<(usize, f32)> = None;
    let frames: Vec<&[f32]> = samples.chunks(frame).collect();
    for (i, f) in frames.iter().enumerate() {
        let active = crate::audio::rms(f) > 0.0005;
        let peak = f.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        match (&mut current, active) {
            (Some((_, p)), true) => *p = p.max(peak),
            (None, true) => current = Some((i, peak)),
            (Some((start, p)), false) => {
                bursts.push((*start, i, *p));
                current = None;
            }
            (None, false) => {}
        }
    }
    if let Some((start, p)) = current {
        bursts.push((start, frames.len(), p));
    }
    bursts.retain(|(a, b, _)| b - a >= 3);
    let segments = bursts
        .chunks(3)
        .map(|group| Segment {
            start_s: group[0].0 as f64 / 100.0,
            end_s: group[group.len() - 1].1 as f64 / 100.0,
            text: group
                .iter()
                .map(|(_, _, p)| format!("w{}", (p * 100.0).round() as u32))
                .collect::<Vec<_>>()
                .join(" "),
            no_speech_prob: 0.0,
        })
        .collect();
    Transcript { segments }
}

fn tone(seconds: f32, amp: f32) -> Vec<f32> {
    let n = (seconds * RATE as f32) as usize;
    (0..n)
        .map(|i| amp * (2.0 * std::f32::consts::PI * 300.0 * i as f32 / RATE as f32).sin())
        .collect()
}

fn silence(seconds: f32) -> Vec<f32> {
    vec![0.0; (seconds * RATE as f32) as usize]
}

/// Words with amplitudes `amps`, each `word_s` long, separated by `gap_s`.
fn words(amps: &[u32], word_s: f32, gap_s: f32) -> Vec<f32> {
    let mut out = Vec::new();
    for (i, a) in amps.iter().enumerate() {
        if i > 0 {
            out.extend(silence(gap_s));
        }
        out.extend(tone(word_s, *a as f32 / 100.0));
    }
    out
}

fn expected(amps: &[u32]) -> String {
    amps.iter()
        .map(|a| format!("w{a}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Pushes `audio` in 20 ms chunks, `speed` times faster than real time.
fn feed(session: &mut Session, audio: &[f32], rate: u32, speed: f32) {
    let chunk = rate as usize / 50;
    for c in audio.chunks(chunk) {
        session.push_audio(c, rate).expect("push");
        if speed.is_finite() {
            std::thread::sleep(Duration::from_secs_f32(0.02 / speed));
        }
    }
}

fn drain(mut events: EventReceiver) -> Vec<SessionEvent> {
    let mut out = Vec::new();
    while let Some(e) = events.blocking_recv() {
        out.push(e);
    }
    out
}

fn texts(events: &[SessionEvent]) -> Vec<(&'static str, u64, String, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Tentative(t) => Some(("tentative", t.utterance, t.text.clone(), t.last)),
            SessionEvent::Committed(t) => Some(("committed", t.utterance, t.text.clone(), t.last)),
            _ => None,
        })
        .collect()
}

#[test]
fn tentative_text_precedes_committed_text_and_final_text_is_the_pieces() {
    let fake = FakeRecognizer::new(5);
    let options = SessionOptions {
        committed_audio_ctx: false,
        ..SessionOptions::default()
    };
    let (mut session, events) = Session::start(fake.clone(), options).expect("start");
    let first = [20, 21, 22, 23];
    let second = [24, 25, 26];
    let mut audio = silence(0.5);
    audio.extend(words(&first, 0.3, 0.1));
    audio.extend(silence(1.0));
    audio.extend(words(&second, 0.3, 0.1));
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, 4.0);
    let summary = session.finish().expect("finish");
    let events = drain(events);
    let t = texts(&events);

    let committed: Vec<_> = t.iter().filter(|e| e.0 == "committed").collect();
    assert_eq!(committed.len(), 2, "{t:?}");
    assert_eq!(committed[0].2, expected(&first));
    assert_eq!(committed[1].2, expected(&second));
    assert!(
        committed.iter().all(|c| c.3),
        "closing pieces are marked last"
    );
    for utterance in 0..2 {
        let first_tentative = t
            .iter()
            .position(|e| e.0 == "tentative" && e.1 == utterance);
        let commit = t
            .iter()
            .position(|e| e.0 == "committed" && e.1 == utterance);
        assert!(
            first_tentative.is_some() && first_tentative < commit,
            "utterance {utterance}: {t:?}"
        );
        // Nothing about an utterance is said after it was committed.
        let after = t
            .iter()
            .skip(commit.unwrap_or(0) + 1)
            .any(|e| e.1 == utterance);
        assert!(!after, "{t:?}");
    }
    assert_eq!(
        summary.text,
        format!("{} {}", expected(&first), expected(&second))
    );
    assert_eq!(summary.pieces.len(), 2);
    assert!(summary.stats.tentative_decodes > 0);
    assert!(events.iter().any(|e| matches!(e, SessionEvent::Level(_))));
    // Tentative decodes shrink the encoder; committed ones here use the full window.
    let calls = fake.calls.lock().expect("calls");
    assert!(calls.shrunk.iter().any(|c| *c));
    assert!(calls.shrunk.iter().any(|c| !*c));
}

#[test]
fn emitted_times_grow_and_level_events_cover_the_audio() {
    let fake = FakeRecognizer::new(1);
    let (mut session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    let mut audio = words(&[30, 31, 32], 0.3, 0.1);
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, 8.0);
    session.finish().expect("finish");
    let events = drain(events);
    let times: Vec<f64> = events.iter().map(SessionEvent::emitted_s).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let levels: Vec<&LevelEvent> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Level(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(levels.len(), audio.len() / 1600);
    assert!(levels[0].speech && levels[0].rms_db > -20.0);
    assert!(!levels[levels.len() - 1].speech);
}

#[test]
fn pre_roll_keeps_a_soft_first_word() {
    // A soft word (peak 0.002, below the detector's threshold) right before loud ones.
    let fake = FakeRecognizer::new(1);
    let (mut session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    let mut audio = silence(1.0);
    audio.extend(tone(0.15, 0.002));
    audio.extend(silence(0.05));
    audio.extend(words(&[40, 41], 0.3, 0.1));
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, f32::INFINITY);
    let summary = session.finish().expect("finish");
    drain(events);
    assert_eq!(summary.text, "w0 w40 w41");
}

#[test]
fn audio_pushed_at_another_rate_is_resampled() {
    let fake = FakeRecognizer::new(1);
    let (mut session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    let mut audio16 = silence(0.3);
    audio16.extend(words(&[20, 30, 40], 0.3, 0.1));
    audio16.extend(silence(1.0));
    // Upsample crudely to 48 kHz by repeating samples (the tone is low).
    let audio48: Vec<f32> = audio16.iter().flat_map(|s| [*s, *s, *s]).collect();
    feed(&mut session, &audio48, 48_000, f32::INFINITY);
    let summary = session.finish().expect("finish");
    drain(events);
    assert_eq!(summary.text, "w20 w30 w40");
    assert!((summary.stats.audio_s - audio16.len() as f64 / 16_000.0).abs() < 0.01);
}

#[test]
fn a_long_utterance_commits_its_stable_prefix_and_stays_bounded() {
    let fake = FakeRecognizer::new(2);
    let options = SessionOptions {
        agreement_after_s: 3.0,
        ..SessionOptions::default()
    };
    let (mut session, events) = Session::start(fake.clone(), options).expect("start");
    // 30 words of 0.35 s with 0.15 s gaps: 15 s without a pause.
    let amps: Vec<u32> = (10..40).collect();
    let mut audio = silence(0.5);
    audio.extend(words(&amps, 0.35, 0.15));
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, 6.0);
    let summary = session.finish().expect("finish");
    let events = drain(events);
    let t = texts(&events);
    let committed: Vec<_> = t.iter().filter(|e| e.0 == "committed").collect();
    assert!(committed.len() >= 3, "{t:?}");
    assert!(
        committed.iter().any(|c| !c.3),
        "some prefix committed early"
    );
    assert!(committed.last().is_some_and(|c| c.3));
    // Nothing lost, nothing doubled.
    assert_eq!(summary.text, expected(&amps));
    // Decoding stayed bounded: no decode saw the whole 15 s.
    let calls = fake.calls.lock().expect("calls");
    let longest = calls.lens.iter().max().copied().unwrap_or(0);
    assert!(longest < 10 * RATE, "longest decode {} s", longest / RATE);
    // A prefix was committed while the speaker was still speaking.
    let early = events.iter().find_map(|e| match e {
        SessionEvent::Committed(c) if !c.last => Some(c.audio_end_s),
        _ => None,
    });
    assert!(early.is_some_and(|end| end < 12.0), "{early:?}");
}

#[test]
fn an_over_long_utterance_is_cut_without_losing_words() {
    let fake = FakeRecognizer::new(1);
    let options = SessionOptions {
        agreement_after_s: 1000.0,
        max_utterance_s: 6.0,
        ..SessionOptions::default()
    };
    let (mut session, events) = Session::start(fake.clone(), options).expect("start");
    let amps: Vec<u32> = (10..40).collect();
    let mut audio = words(&amps, 0.35, 0.15);
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, f32::INFINITY);
    let summary = session.finish().expect("finish");
    drain(events);
    assert_eq!(summary.text, expected(&amps));
    let calls = fake.calls.lock().expect("calls");
    assert!(calls.lens.iter().all(|l| *l <= 6 * RATE + RATE / 10));
}

#[test]
fn when_decoding_falls_behind_tentatives_are_skipped_and_lag_is_reported() {
    // Each decode takes 120 ms while audio arrives 8x faster than real time:
    // a decode costs about a second of audio.
    let fake = FakeRecognizer::new(120);
    let options = SessionOptions {
        lag_warn_s: 1.0,
        ..SessionOptions::default()
    };
    let (mut session, events) = Session::start(fake, options).expect("start");
    let utterances: Vec<Vec<u32>> = (0..6).map(|u| (10 + u * 5..13 + u * 5).collect()).collect();
    let mut audio = Vec::new();
    for u in &utterances {
        audio.extend(words(u, 0.4, 0.1));
        audio.extend(silence(0.8));
    }
    feed(&mut session, &audio, 16_000, 8.0);
    let summary = session.finish().expect("finish");
    let events = drain(events);
    // Every utterance was committed, complete and in order.
    let all: Vec<u32> = utterances.concat();
    assert_eq!(summary.text, expected(&all));
    assert_eq!(summary.pieces.len(), utterances.len());
    assert!(summary.stats.skipped_tentatives > 0, "{:?}", summary.stats);
    assert!(summary.stats.max_behind_s >= 1.0, "{:?}", summary.stats);
    let lag: Vec<&LagEvent> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Lag(l) => Some(l),
            _ => None,
        })
        .collect();
    assert!(lag.iter().any(|l| l.behind_s >= 1.0), "{lag:?}");
}

#[test]
fn silence_and_clicks_produce_no_text() {
    let fake = FakeRecognizer::new(1);
    let (mut session, events) =
        Session::start(fake.clone(), SessionOptions::default()).expect("start");
    let mut audio = silence(2.0);
    audio.extend(tone(0.04, 0.5));
    audio.extend(silence(2.0));
    feed(&mut session, &audio, 16_000, f32::INFINITY);
    let summary = session.finish().expect("finish");
    let events = drain(events);
    assert_eq!(summary.text, "");
    assert!(texts(&events).is_empty());
    assert!(fake.calls.lock().expect("calls").lens.is_empty());
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let fake = FakeRecognizer::new(1);
    let (mut session, _events) = Session::start(fake, SessionOptions::default()).expect("start");
    assert!(matches!(
        session.push_audio(&[0.0, f32::NAN], 16_000),
        Err(SessionError::InvalidAudio(_))
    ));
    assert!(matches!(
        session.push_audio(&[0.0], 0),
        Err(SessionError::InvalidAudio(_))
    ));
    session.push_audio(&[], 16_000).expect("empty push is fine");
    assert_eq!(session.finish().expect("finish").text, "");
}

#[test]
fn errors_reported_from_outside_reach_subscribers() {
    let fake = FakeRecognizer::new(1);
    let (session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    session
        .report_error("microphone unplugged")
        .expect("report");
    session.finish().expect("finish");
    let events = drain(events);
    assert!(events
        .iter()
        .any(|e| matches!(e, SessionEvent::Error(err) if err.message == "microphone unplugged")));
}

#[test]
fn dropping_a_session_without_finishing_does_not_hang() {
    let fake = FakeRecognizer::new(50);
    let (mut session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    feed(
        &mut session,
        &words(&[20, 21, 22], 0.4, 0.1),
        16_000,
        f32::INFINITY,
    );
    drop(session);
    // The event stream ends once the session thread has stopped.
    let _ = drain(events);
}

#[test]
fn the_committed_decode_runs_during_the_pause_so_text_is_ready_at_its_end() {
    // Decoding takes 150 ms; the 500 ms hangover hides it completely.
    let fake = FakeRecognizer::new(150);
    let (mut session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    let mut audio = silence(0.3);
    audio.extend(words(&[50, 51, 52], 0.3, 0.1));
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, 1.0);
    let summary = session.finish().expect("finish");
    let events = drain(events);
    assert_eq!(summary.text, "w50 w51 w52");
    assert!(
        summary.stats.speculative_decodes >= 1,
        "{:?}",
        summary.stats
    );
    assert_eq!(summary.stats.committed_decodes, 0, "{:?}", summary.stats);
    let committed = events
        .iter()
        .find_map(|e| match e {
            SessionEvent::Committed(c) => Some(c.clone()),
            _ => None,
        })
        .expect("committed");
    let latency = committed.emitted_s - committed.speech_end_s.unwrap_or(0.0);
    assert!(latency < 0.5 + 0.15, "latency {latency:.3} s");
}

#[test]
fn speech_resuming_after_a_short_pause_discards_the_speculative_text() {
    let fake = FakeRecognizer::new(20);
    let (mut session, events) = Session::start(fake, SessionOptions::default()).expect("start");
    // A 350 ms pause: long enough to speculate (200 ms), too short to close (500 ms).
    let mut audio = words(&[60, 61], 0.3, 0.1);
    audio.extend(silence(0.35));
    audio.extend(words(&[62, 63], 0.3, 0.1));
    audio.extend(silence(1.0));
    feed(&mut session, &audio, 16_000, 2.0);
    let summary = session.finish().expect("finish");
    drain(events);
    assert_eq!(summary.text, "w60 w61 w62 w63");
    assert_eq!(summary.pieces.len(), 1);
    assert!(
        summary.stats.speculative_decodes >= 2,
        "{:?}",
        summary.stats
    );
}
