//! Replay one input through a check: `cargo run --example one -- TARGET FILE`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[2]).expect("input file");
    let t = std::time::Instant::now();
    match args[1].as_str() {
        "interpreter" => dikta_fuzz::interpreter(&data),
        "autotext" => dikta_fuzz::autotext(&data),
        "draft_decoder" => dikta_fuzz::draft_decoder(&data),
        "audio_decode" => dikta_fuzz::audio_decode(&data),
        other => panic!("unknown target {other}"),
    }
    println!("{} ok in {:.3} s", args[2], t.elapsed().as_secs_f64());
}
