//! End-to-end tests for Dikta live in `tests/tests/`.
