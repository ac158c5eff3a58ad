//! Delivery (in progress).
