//! Runnable examples for the darling-rs crates; see the `[[example]]` entries.
