//! The wall clock: `Date.now()` as whole milliseconds since the Unix epoch.

/// Milliseconds since the epoch (0 if the clock reads before 1970).
pub fn now_ms() -> u64 {
    // Date.now() is an integer-valued double; the cast saturates instead of wrapping.
    js_sys::Date::now() as u64
}
