//! libFuzzer entry point; the checks live in `dikta_fuzz::draft_decoder`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dikta_fuzz::draft_decoder(data));
