#!/usr/bin/env python3
"""faster-whisper baseline for `dikta bench`: the engine a user would pick instead.

Reads a JSON job on stdin:
  {"model_dir": "...", "compute_type": "int8"|"float32", "threads": 2,
   "beam_size": 1, "language": "da", "files": ["a.wav", ...]}
and prints one JSON object on stdout:
  {"load_s": ..., "files": [{"file": ..., "wall_s": ..., "text": ...}, ...],
   "peak_rss_mb": ...}

Run by the harness with PYTHONPATH pointing at a private pip --target folder, so nothing is
installed into the user's Python. Settings mirror Dikta's: Danish forced, no temperature
fallback, no conditioning on previous text, no VAD filter.
"""
import json
import resource
import sys
import time


def main() -> int:
    job = json.load(sys.stdin)
    from faster_whisper import WhisperModel  # imported late: its import time is not ours

    t0 = time.perf_counter()
    model = WhisperModel(
        job["model_dir"],
        device="cpu",
        compute_type=job["compute_type"],
        cpu_threads=int(job["threads"]),
        num_workers=1,
    )
    load_s = time.perf_counter() - t0
    results = []
    for path in job["files"]:
        t0 = time.perf_counter()
        segments, _info = model.transcribe(
            path,
            language=job.get("language", "da"),
            beam_size=int(job.get("beam_size", 1)),
            temperature=0.0,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        results.append({"file": path, "wall_s": time.perf_counter() - t0, "text": text})
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump({"load_s": load_s, "files": results, "peak_rss_mb": peak_kb / 1024.0}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
