//! libFuzzer entry point; the checks live in `dikta_fuzz::interpreter`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dikta_fuzz::interpreter(data));
