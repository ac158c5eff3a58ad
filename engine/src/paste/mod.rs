//! Paste (in progress).
