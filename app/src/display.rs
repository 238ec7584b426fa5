//! How times and sizes are shown. Times are formatted from UTC milliseconds the same way on the
//! server and in the browser, so hydration sees identical text.

use chrono::DateTime;

/// `1763735400000` → `"21 Nov 2025, 14:30 UTC"`.
pub fn format_moment(millis: i64) -> String {
    DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|| "unknown time".to_owned())
}

/// The `datetime-local` form value for a moment (UTC).
pub fn datetime_local(millis: i64) -> String {
    DateTime::from_timestamp_millis(millis).map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

/// `26214400` → `"25 MiB"`.
pub fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_are_shown_in_utc() {
        assert_eq!(super::format_moment(1_763_735_400_000), "21 Nov 2025, 14:30 UTC");
        assert_eq!(super::datetime_local(1_763_735_400_000), "2025-11-21T14:30");
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(super::human_size(26_214_400), "25 MiB");
        assert_eq!(super::human_size(1_572_864), "1.5 MiB");
        assert_eq!(super::human_size(2048), "2 KiB");
    }
}
