//! The C ABI of licstore.
