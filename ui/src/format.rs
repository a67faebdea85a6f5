//! Pure text formatting for the pages: relative times, byte sizes and counts. No browser needed,
//! so these are unit-tested natively.

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// How long ago `then_ms` was, seen at `now_ms` (both ms since the epoch), in words: "just now",
/// "5 min ago", "3 h ago", "yesterday", "4 days ago". `None` from a week on, where a date reads
/// better. A time in the future (a clock ahead of ours) counts as "just now".
pub fn relative_time(then_ms: u64, now_ms: u64) -> Option<String> {
    let ago = now_ms.saturating_sub(then_ms);
    Some(match ago {
        a if a < MINUTE => "just now".to_owned(),
        a if a < HOUR => format!("{} min ago", a / MINUTE),
        a if a < DAY => format!("{} h ago", a / HOUR),
        a if a < 2 * DAY => "yesterday".to_owned(),
        a if a < 7 * DAY => format!("{} days ago", a / DAY),
        _ => return None,
    })
}

/// A byte count for people: "512 bytes", "12.3 KB", "4.0 MB" (binary multiples).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return plural(bytes, "byte", "bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `n` with thousands separated by commas: 12345 → "12,345" (the core's one copy).
pub use phemossa_core::words::group_digits;

/// An SVG document as a `data:` URL for an `img`'s `src`: the few characters a URL cannot carry
/// as they are (`%`, `#`, `<`, `>`) escaped, the rest left readable.
pub fn svg_data_url(svg: &str) -> String {
    let escaped = svg
        .replace('%', "%25")
        .replace('#', "%23")
        .replace('<', "%3C")
        .replace('>', "%3E");
    format!("data:image/svg+xml,{escaped}")
}

/// "1 post", "2 posts", "12,345 posts".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", group_digits(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        let now = 1_700_000_000_000;
        assert_eq!(relative_time(now, now).as_deref(), Some("just now"));
        assert_eq!(relative_time(now + 5_000, now).as_deref(), Some("just now"));
        assert_eq!(
            relative_time(now - 59 * SECOND, now).as_deref(),
            Some("just now")
        );
        assert_eq!(
            relative_time(now - 2 * MINUTE, now).as_deref(),
            Some("2 min ago")
        );
        assert_eq!(
            relative_time(now - 3 * HOUR, now).as_deref(),
            Some("3 h ago")
        );
        assert_eq!(
            relative_time(now - 30 * HOUR, now).as_deref(),
            Some("yesterday")
        );
        assert_eq!(
            relative_time(now - 4 * DAY, now).as_deref(),
            Some("4 days ago")
        );
        assert_eq!(relative_time(now - 8 * DAY, now), None);
    }

    #[test]
    fn bytes_and_counts() {
        assert_eq!(human_bytes(0), "0 bytes");
        assert_eq!(human_bytes(1), "1 byte");
        assert_eq!(human_bytes(1023), "1,023 bytes");
        assert_eq!(human_bytes(12_595), "12.3 KB");
        assert_eq!(human_bytes(4 * 1024 * 1024), "4.0 MB");
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(plural(2, "post", "posts"), "2 posts");
    }
}
