//! libFuzzer entry point; the checks live in `dikta_fuzz::autotext`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dikta_fuzz::autotext(data));
