//! libFuzzer entry point; the checks live in `dikta_fuzz::audio_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dikta_fuzz::audio_decode(data));
