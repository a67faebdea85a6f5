//! The hostile peer's output: one JSON object per notable thing, for a test to wait on.

use serde_json::Value;

/// Where reports go: stdout in the binary, a channel in tests.
pub trait Report {
    fn report(&mut self, line: Value);
}

/// Prints each report as one line on stdout (Rust's stdout flushes per line).
#[derive(Debug, Default)]
pub struct Stdout;

impl Report for Stdout {
    fn report(&mut self, line: Value) {
        println!("{line}");
    }
}

impl<F: FnMut(Value)> Report for F {
    fn report(&mut self, line: Value) {
        self(line)
    }
}
