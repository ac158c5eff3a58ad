//! Microphone capture with cpal: any device, rate and sample format in,
//! 16 kHz mono `f32` out.
//!
//! The protocol follows Handy's recorder:
//! - the cpal callback only converts samples to `f32` and copies them into a
//!   lock-free ring buffer (`rtrb`); no locks, no allocation, no I/O there;
//! - a capture thread pumps the ring buffer, mixes to mono, resamples to
//!   16 kHz and hands blocks out as [`CaptureEvent::Audio`];
//! - [`Capture::start`] returns only once real samples have arrived, so
//!   nothing said after "start" is lost to a device that is still opening;
//! - [`Capture::stop`] stops the stream and drains everything captured up to
//!   the end marker [`CaptureEvent::Stopped`];
//! - a device error (unplugged, stalled) is reported as
//!   [`CaptureEvent::DeviceLost`]; the thread then reopens the device every
//!   [`CaptureConfig::retry_interval`] and reports [`CaptureEvent::Resumed`]
//!   when samples flow again. Audio captured before the error is kept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use serde::{Deserialize, Serialize};

use super::{ResampleError, StreamResampler, WHISPER_SAMPLE_RATE};

/// Why capture could not start.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The audio system could not be queried.
    #[error("cannot query audio input devices: {0}")]
    Host(String),
    /// There is no input device at all (or no default one).
    #[error("no audio input device found")]
    NoDevice,
    /// No device matches the requested name.
    #[error("no input device matches \"{wanted}\"; available: {available}")]
    NoSuchDevice {
        /// The name asked for.
        wanted: String,
        /// The devices there are, comma separated.
        available: String,
    },
    /// The requested name matches several devices.
    #[error("input device name \"{wanted}\" matches several devices: {matches}")]
    Ambiguous {
        /// The name asked for.
        wanted: String,
        /// The devices it matches, comma separated.
        matches: String,
    },
    /// The device refused to open or start.
    #[error("cannot open input device {device}: {reason}")]
    Open {
        /// The device.
        device: String,
        /// What the audio system said.
        reason: String,
    },
    /// The device opened but delivered no samples in time.
    #[error("input device {device} delivered no audio within {waited:?}")]
    NoAudio {
        /// The device.
        device: String,
        /// How long capture waited.
        waited: Duration,
    },
    /// The device's rate cannot be converted to 16 kHz.
    #[error(transparent)]
    Resample(#[from] ResampleError),
    /// The capture thread could not be started or has died.
    #[error("capture thread failed: {0}")]
    Thread(String),
}

/// An audio input the system offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputDevice {
    /// The name to select it by.
    pub name: String,
    /// Whether it is the system's default input.
    pub is_default: bool,
    /// The rate it is opened at (its default configuration), in Hz.
    pub sample_rate: u32,
    /// Channels it delivers.
    pub channels: u16,
    /// Native sample format, e.g. "i16" or "f32".
    pub sample_format: String,
}

/// Lists the input devices with their default configurations. Devices that
/// cannot report a configuration are left out.
pub fn list_input_devices() -> Result<Vec<InputDevice>, CaptureError> {
    let host = cpal::default_host();
    let default_name = host.default_input_device().and_then(|d| d.name().ok());
    let devices = host
        .input_devices()
        .map_err(|e| CaptureError::Host(e.to_string()))?;
    let mut out = Vec::new();
    for device in devices {
        let Ok(name) = device.name() else { continue };
        let Ok(config) = device.default_input_config() else {
            continue;
        };
        out.push(InputDevice {
            is_default: default_name.as_deref() == Some(name.as_str()),
            name,
            sample_rate: config.sample_rate().0,
            channels: config.channels(),
            sample_format: config.sample_format().to_string(),
        });
    }
    Ok(out)
}

/// How to capture.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureConfig {
    /// Device to open: `None` for the system default, else an exact name or a
    /// case-insensitive part of exactly one device's name.
    pub device: Option<String>,
    /// How long [`Capture::start`] waits for the first samples.
    pub start_timeout: Duration,
    /// Capacity of the ring buffer between the callback and the capture
    /// thread. Samples arriving while it is full are dropped and reported.
    pub buffer: Duration,
    /// A running device that delivers nothing for this long counts as lost.
    pub stall_timeout: Duration,
    /// How often a lost device is reopened.
    pub retry_interval: Duration,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            device: None,
            start_timeout: Duration::from_secs(3),
            buffer: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(2),
            retry_interval: Duration::from_secs(1),
        }
    }
}

/// Something the capture thread reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureEvent {
    /// Captured audio, 16 kHz mono.
    Audio(Vec<f32>),
    /// The device failed or stopped delivering; capture keeps trying to reopen it.
    DeviceLost {
        /// What went wrong.
        message: String,
    },
    /// The device delivers samples again after a loss.
    Resumed {
        /// The device now in use.
        device: String,
    },
    /// Samples were dropped because the capture thread fell behind.
    Overrun {
        /// Samples (at the device's rate, all channels) dropped since the last report.
        dropped_samples: u64,
    },
    /// End marker: everything captured has been delivered.
    Stopped,
}

/// A running capture; see the [module docs](self).
pub struct Capture {
    control: mpsc::Sender<()>,
    events: mpsc::Receiver<CaptureEvent>,
    thread: Option<JoinHandle<()>>,
    device: InputDevice,
}

impl Capture {
    /// Opens the device and starts capturing. Returns once the first real
    /// samples have arrived (or fails after [`CaptureConfig::start_timeout`]).
    pub fn start(config: CaptureConfig) -> Result<Capture, CaptureError> {
        let opener = CpalOpener {
            wanted: config.device.clone(),
            buffer: config.buffer,
        };
        Self::start_with(Box::new(opener), config)
    }

    pub(crate) fn start_with(
        opener: Box<dyn Opener>,
        config: CaptureConfig,
    ) -> Result<Capture, CaptureError> {
        let (control_tx, control_rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("dikta-capture".into())
            .spawn(move || {
                let pump = Pump {
                    opener,
                    config,
                    events: events_tx,
                };
                pump.run(control_rx, ready_tx)
            })
            .map_err(|e| CaptureError::Thread(e.to_string()))?;
        let device = ready_rx
            .recv()
            .map_err(|_| CaptureError::Thread("capture thread ended during start".into()))??;
        tracing::info!(
            device = %device.name,
            rate = device.sample_rate,
            channels = device.channels,
            format = %device.sample_format,
            "capture started"
        );
        Ok(Capture {
            control: control_tx,
            events: events_rx,
            thread: Some(thread),
            device,
        })
    }

    /// The device capture started with.
    pub fn device(&self) -> &InputDevice {
        &self.device
    }

    /// Waits up to `timeout` for the next event; `None` when there was none.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<CaptureEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// The next event if one is waiting.
    pub fn try_recv(&self) -> Option<CaptureEvent> {
        self.events.try_recv().ok()
    }

    /// Stops the device and returns every event not yet taken, ending with
    /// [`CaptureEvent::Stopped`]: nothing captured is lost.
    pub fn stop(mut self) -> Vec<CaptureEvent> {
        let _ = self.control.send(());
        let mut rest: Vec<CaptureEvent> = Vec::new();
        while let Ok(event) = self.events.recv() {
            let end = event == CaptureEvent::Stopped;
            rest.push(event);
            if end {
                break;
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if rest.last() != Some(&CaptureEvent::Stopped) {
            rest.push(CaptureEvent::Stopped);
        }
        rest
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.control.send(());
    }
}

/// One opened input: the consumer end of the callback's ring buffer, plus
/// whatever keeps the stream alive.
pub(crate) struct OpenInput {
    pub(crate) consumer: rtrb::Consumer<f32>,
    pub(crate) errors: mpsc::Receiver<String>,
    pub(crate) dropped: Arc<AtomicU64>,
    pub(crate) info: InputDevice,
    /// Dropping this stops the stream (the cpal stream; nothing in tests).
    pub(crate) keep_alive: Option<Box<dyn std::any::Any>>,
}

/// Opens (and reopens) an input; cpal in production, a fake in tests.
pub(crate) trait Opener: Send {
    fn open(&mut self) -> Result<OpenInput, CaptureError>;
}

struct CpalOpener {
    wanted: Option<String>,
    buffer: Duration,
}

impl Opener for CpalOpener {
    fn open(&mut self) -> Result<OpenInput, CaptureError> {
        let host = cpal::default_host();
        let (device, name) = find_device(&host, self.wanted.as_deref())?;
        let open_err = |reason: String| CaptureError::Open {
            device: name.clone(),
            reason,
        };
        let supported = device
            .default_input_config()
            .map_err(|e| open_err(e.to_string()))?;
        let format = supported.sample_format();
        let config: cpal::StreamConfig = supported.config();
        let capacity = ((config.sample_rate.0 as f64 * config.channels as f64)
            * self.buffer.as_secs_f64())
        .max(4096.0) as usize;
        let (producer, consumer) = rtrb::RingBuffer::new(capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let (err_tx, err_rx) = mpsc::channel();
        let stream = match format {
            cpal::SampleFormat::I8 => build::<i8>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::I16 => build::<i16>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::I32 => build::<i32>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::I64 => build::<i64>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::U8 => build::<u8>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::U16 => build::<u16>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::U32 => build::<u32>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::U64 => build::<u64>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::F32 => build::<f32>(&device, &config, producer, &dropped, err_tx),
            cpal::SampleFormat::F64 => build::<f64>(&device, &config, producer, &dropped, err_tx),
            other => return Err(open_err(format!("unsupported sample format {other}"))),
        }
        .map_err(|e| open_err(e.to_string()))?;
        stream.play().map_err(|e| open_err(e.to_string()))?;
        Ok(OpenInput {
            consumer,
            errors: err_rx,
            dropped,
            info: InputDevice {
                is_default: self.wanted.is_none(),
                name,
                sample_rate: config.sample_rate.0,
                channels: config.channels,
                sample_format: format.to_string(),
            },
            keep_alive: Some(Box::new(stream)),
        })
    }
}

/// Finds the device: the default one, an exact name, or the one device whose
/// name contains `wanted` (case-insensitive).
fn find_device(
    host: &cpal::Host,
    wanted: Option<&str>,
) -> Result<(cpal::Device, String), CaptureError> {
    let Some(wanted) = wanted else {
        let device = host.default_input_device().ok_or(CaptureError::NoDevice)?;
        let name = device.name().unwrap_or_else(|_| "default".into());
        return Ok((device, name));
    };
    let devices: Vec<(cpal::Device, String)> = host
        .input_devices()
        .map_err(|e| CaptureError::Host(e.to_string()))?
        .filter_map(|d| d.name().ok().map(|n| (d, n)))
        .collect();
    let names: Vec<String> = devices.iter().map(|(_, n)| n.clone()).collect();
    match pick_device(&names, wanted) {
        Ok(index) => devices.into_iter().nth(index).ok_or(CaptureError::NoDevice),
        Err(e) => Err(e),
    }
}

/// Index of the device named `wanted` among `names`: an exact match, else the
/// only case-insensitive partial match.
fn pick_device(names: &[String], wanted: &str) -> Result<usize, CaptureError> {
    if let Some(i) = names.iter().position(|n| n == wanted) {
        return Ok(i);
    }
    let lower = wanted.to_lowercase();
    let matches: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.to_lowercase().contains(&lower))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(CaptureError::NoSuchDevice {
            wanted: wanted.to_string(),
            available: names.join(", "),
        }),
        many => Err(CaptureError::Ambiguous {
            wanted: wanted.to_string(),
            matches: many
                .iter()
                .filter_map(|i| names.get(*i).cloned())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Builds an input stream whose callback converts samples to `f32` and
/// copies them into the ring buffer; samples that do not fit are counted.
fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut producer: rtrb::Producer<f32>,
    dropped: &Arc<AtomicU64>,
    errors: mpsc::Sender<String>,
) -> Result<cpal::Stream, cpal::BuildStreamError>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let dropped = dropped.clone();
    device.build_input_stream(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            let room = producer.slots().min(data.len());
            let written = match producer.write_chunk_uninit(room) {
                Ok(chunk) => chunk.fill_from_iter(data.iter().map(|s| s.to_sample::<f32>())),
                Err(_) => 0,
            };
            if written < data.len() {
                dropped.fetch_add((data.len() - written) as u64, Ordering::Relaxed);
            }
        },
        move |err| {
            let _ = errors.send(err.to_string());
        },
        None,
    )
}

/// The capture thread's state.
struct Pump {
    opener: Box<dyn Opener>,
    config: CaptureConfig,
    events: mpsc::Sender<CaptureEvent>,
}

/// An open input plus the conversion to 16 kHz mono.
struct Live {
    input: OpenInput,
    resampler: StreamResampler,
    partial: Vec<f32>,
    scratch: Vec<f32>,
    reported_dropped: u64,
}

impl Live {
    fn new(input: OpenInput) -> Result<Live, CaptureError> {
        let resampler = StreamResampler::new(input.info.sample_rate, WHISPER_SAMPLE_RATE)?;
        Ok(Live {
            input,
            resampler,
            partial: Vec::new(),
            scratch: Vec::new(),
            reported_dropped: 0,
        })
    }

    /// Moves what the callback wrote into 16 kHz mono; returns the number of
    /// device samples taken.
    fn pump(&mut self, out: &mpsc::Sender<CaptureEvent>) -> usize {
        let available = self.input.consumer.slots();
        if available > 0 {
            if let Ok(chunk) = self.input.consumer.read_chunk(available) {
                let (a, b) = chunk.as_slices();
                self.scratch.clear();
                self.scratch.extend_from_slice(&self.partial);
                self.scratch.extend_from_slice(a);
                self.scratch.extend_from_slice(b);
                chunk.commit_all();
            }
            let channels = self.input.info.channels.max(1) as usize;
            let whole = self.scratch.len() / channels * channels;
            self.partial = self.scratch[whole..].to_vec();
            let mono = super::mix_to_mono(&self.scratch[..whole], channels);
            self.send_resampled(&mono, out);
        }
        let dropped = self.input.dropped.load(Ordering::Relaxed);
        if dropped > self.reported_dropped {
            let _ = out.send(CaptureEvent::Overrun {
                dropped_samples: dropped - self.reported_dropped,
            });
            self.reported_dropped = dropped;
        }
        available
    }

    fn send_resampled(&mut self, mono: &[f32], out: &mpsc::Sender<CaptureEvent>) {
        match self.resampler.push(mono) {
            Ok(block) if !block.is_empty() => {
                let _ = out.send(CaptureEvent::Audio(block));
            }
            Ok(_) => {}
            Err(e) => {
                let _ = out.send(CaptureEvent::DeviceLost {
                    message: format!("resampling failed: {e}"),
                });
            }
        }
    }

    /// Stops the stream, takes what is left, and flushes the resampler.
    fn drain(mut self, out: &mpsc::Sender<CaptureEvent>) {
        // Dropping the stream first: no callback can add samples after this.
        self.input.keep_alive.take();
        self.pump(out);
        if let Ok(tail) = self.resampler.finish() {
            if !tail.is_empty() {
                let _ = out.send(CaptureEvent::Audio(tail));
            }
        }
    }

    fn error(&self) -> Option<String> {
        self.input.errors.try_recv().ok()
    }
}

const POLL: Duration = Duration::from_millis(10);

impl Pump {
    fn run(
        mut self,
        stop: mpsc::Receiver<()>,
        ready: mpsc::Sender<Result<InputDevice, CaptureError>>,
    ) {
        let started = Instant::now();
        let mut live = match self.opener.open().and_then(Live::new) {
            Ok(live) => Some(live),
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let mut acked = false;
        let mut lost = false;
        let mut last_audio = Instant::now();
        let mut next_retry = Instant::now();
        loop {
            let stopping = !matches!(
                stop.recv_timeout(POLL),
                Err(mpsc::RecvTimeoutError::Timeout)
            );
            if stopping {
                if let Some(l) = live.take() {
                    l.drain(&self.events);
                }
                if !acked {
                    let _ = ready.send(Err(CaptureError::Thread("stopped during start".into())));
                }
                let _ = self.events.send(CaptureEvent::Stopped);
                return;
            }
            match live.as_mut() {
                Some(l) => {
                    let got = l.pump(&self.events);
                    if got > 0 {
                        last_audio = Instant::now();
                        if !acked {
                            acked = true;
                            let _ = ready.send(Ok(l.input.info.clone()));
                        }
                        if lost {
                            lost = false;
                            tracing::info!(device = %l.input.info.name, "capture resumed");
                            let _ = self.events.send(CaptureEvent::Resumed {
                                device: l.input.info.name.clone(),
                            });
                        }
                    }
                    let failure = l.error().or_else(|| {
                        (acked && last_audio.elapsed() >= self.config.stall_timeout)
                            .then(|| "the input device stopped delivering audio".to_string())
                    });
                    if let Some(message) = failure {
                        tracing::warn!(%message, "input device lost");
                        if let Some(l) = live.take() {
                            // Keep what was captured before the failure.
                            l.drain(&self.events);
                        }
                        if !lost {
                            lost = true;
                            let _ = self.events.send(CaptureEvent::DeviceLost { message });
                        }
                        next_retry = Instant::now() + self.config.retry_interval;
                        last_audio = Instant::now();
                    } else if !acked && started.elapsed() >= self.config.start_timeout {
                        let device = l.input.info.name.clone();
                        let _ = ready.send(Err(CaptureError::NoAudio {
                            device,
                            waited: self.config.start_timeout,
                        }));
                        return;
                    }
                }
                None if Instant::now() >= next_retry => {
                    match self.opener.open().and_then(Live::new) {
                        Ok(l) => {
                            live = Some(l);
                            last_audio = Instant::now();
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "reopening the input device failed");
                            next_retry = Instant::now() + self.config.retry_interval;
                        }
                    }
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;

    /// A fake device: a thread writes a ramp of stereo samples at `rate`
    /// (sped up), and can be told to fail.
    #[derive(Clone)]
    struct FakeOpener {
        opens: Arc<Mutex<u32>>,
        fail_opens: Arc<Mutex<u32>>,
        fail_now: Arc<AtomicBool>,
        silent: bool,
    }

    impl Opener for FakeOpener {
        fn open(&mut self) -> Result<OpenInput, CaptureError> {
            {
                let mut fails = self.fail_opens.lock().map_err(|_| CaptureError::NoDevice)?;
                if *fails > 0 {
                    *fails -= 1;
                    return Err(CaptureError::NoDevice);
                }
            }
            if let Ok(mut n) = self.opens.lock() {
                *n += 1;
            }
            let (mut producer, consumer) = rtrb::RingBuffer::new(48_000 * 2);
            let (err_tx, err_rx) = mpsc::channel();
            let fail_now = self.fail_now.clone();
            let silent = self.silent;
            let alive = Arc::new(AtomicBool::new(true));
            let alive_writer = alive.clone();
            std::thread::spawn(move || {
                // 10 ms of 48 kHz stereo every 2 ms.
                while alive_writer.load(Ordering::Relaxed) {
                    if fail_now.swap(false, Ordering::Relaxed) {
                        let _ = err_tx.send("device unplugged".into());
                        return;
                    }
                    if !silent {
                        for _ in 0..480 {
                            let _ = producer.push(0.25);
                            let _ = producer.push(0.75);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
            struct Stop(Arc<AtomicBool>);
            impl Drop for Stop {
                fn drop(&mut self) {
                    self.0.store(false, Ordering::Relaxed);
                }
            }
            Ok(OpenInput {
                consumer,
                errors: err_rx,
                dropped: Arc::new(AtomicU64::new(0)),
                info: InputDevice {
                    name: "fake".into(),
                    is_default: true,
                    sample_rate: 48_000,
                    channels: 2,
                    sample_format: "f32".into(),
                },
                keep_alive: Some(Box::new(Stop(alive))),
            })
        }
    }

    fn fake(silent: bool) -> FakeOpener {
        FakeOpener {
            opens: Arc::new(Mutex::new(0)),
            fail_opens: Arc::new(Mutex::new(0)),
            fail_now: Arc::new(AtomicBool::new(false)),
            silent,
        }
    }

    fn config() -> CaptureConfig {
        CaptureConfig {
            start_timeout: Duration::from_millis(500),
            stall_timeout: Duration::from_millis(300),
            retry_interval: Duration::from_millis(50),
            ..CaptureConfig::default()
        }
    }

    fn audio_len(events: &[CaptureEvent]) -> usize {
        events
            .iter()
            .map(|e| match e {
                CaptureEvent::Audio(a) => a.len(),
                _ => 0,
            })
            .sum()
    }

    #[test]
    fn start_waits_for_samples_and_audio_is_16k_mono() {
        let capture = Capture::start_with(Box::new(fake(false)), config()).expect("start");
        assert_eq!(capture.device().name, "fake");
        std::thread::sleep(Duration::from_millis(100));
        let events = capture.stop();
        assert_eq!(events.last(), Some(&CaptureEvent::Stopped));
        let samples: Vec<f32> = events
            .iter()
            .flat_map(|e| match e {
                CaptureEvent::Audio(a) => a.clone(),
                _ => Vec::new(),
            })
            .collect();
        assert!(samples.len() > 1600, "{}", samples.len());
        // Stereo (0.25, 0.75) mixes to 0.5; the resampler keeps DC.
        let mid = &samples[samples.len() / 4..samples.len() * 3 / 4];
        assert!(mid.iter().all(|s| (s - 0.5).abs() < 0.01));
    }

    #[test]
    fn a_silent_device_fails_to_start() {
        let err = Capture::start_with(Box::new(fake(true)), config()).err();
        assert!(matches!(err, Some(CaptureError::NoAudio { .. })), "{err:?}");
    }

    #[test]
    fn a_lost_device_is_reported_kept_and_reopened() {
        let device = fake(false);
        let capture = Capture::start_with(Box::new(device.clone()), config()).expect("start");
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(mut f) = device.fail_opens.lock() {
            *f = 3; // the device stays away for three reopen attempts
        }
        device.fail_now.store(true, Ordering::Relaxed);
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some(e) = capture.recv_timeout(Duration::from_millis(20)) {
                let resumed = matches!(e, CaptureEvent::Resumed { .. });
                seen.push(e);
                if resumed {
                    break;
                }
            }
        }
        let lost_at = seen
            .iter()
            .position(|e| matches!(e, CaptureEvent::DeviceLost { .. }))
            .expect("loss reported");
        assert!(
            audio_len(&seen[..lost_at]) > 0,
            "audio before the loss is kept"
        );
        assert!(seen
            .iter()
            .any(|e| matches!(e, CaptureEvent::Resumed { .. })));
        let rest = capture.stop();
        assert!(audio_len(&rest) > 0 || audio_len(&seen[lost_at..]) > 0);
        assert_eq!(device.opens.lock().map(|n| *n).unwrap_or(0), 2);
    }

    #[test]
    fn devices_are_picked_by_exact_or_unique_partial_name() {
        let names: Vec<String> = ["default", "dikta_in", "USB Headset Mic", "USB Webcam Mic"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(pick_device(&names, "dikta_in").ok(), Some(1));
        assert_eq!(pick_device(&names, "headset").ok(), Some(2));
        assert!(matches!(
            pick_device(&names, "usb"),
            Err(CaptureError::Ambiguous { .. })
        ));
        assert!(matches!(
            pick_device(&names, "bluetooth"),
            Err(CaptureError::NoSuchDevice { .. })
        ));
    }
}
