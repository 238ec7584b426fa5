//! How times and sizes are shown. Times are the person's local time (see
//! `local_time`), the same on the server and in the browser.

/// `1763735400000` → `"21 Nov 2025, 14:30"`, in the time zone the page
/// provided as context (the signed-in person's), else UTC.
pub fn format_moment(millis: i64) -> String {
    let zone = leptos::prelude::use_context::<crate::local_time::TimeZone>().unwrap_or_default();
    crate::local_time::exact(&zone, millis)
}

/// `26214400` → `"25 MiB"`.
pub fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// `3600` → `"1 hour"`, `90` → `"90 seconds"`, `300` → `"5 minutes"`.
pub fn human_duration(secs: u64) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if secs >= 3600 && secs.is_multiple_of(3600) {
        plural(secs / 3600, "hour")
    } else if secs >= 60 && secs.is_multiple_of(60) {
        plural(secs / 60, "minute")
    } else {
        plural(secs, "second")
    }
}

/// `83_400` ms → `"1:23"`; an hour or more → `"1:02:03"`.
pub fn format_duration(millis: i64) -> String {
    let total = (millis.max(0) + 500) / 1000;
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_are_shown_in_utc() {
        assert_eq!(super::format_moment(1_763_735_400_000), "21 Nov 2025, 14:30");
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(super::format_duration(0), "0:00");
        assert_eq!(super::format_duration(2_999), "0:03");
        assert_eq!(super::format_duration(83_400), "1:23");
        assert_eq!(super::format_duration(3_723_000), "1:02:03");
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(super::human_size(26_214_400), "25 MiB");
        assert_eq!(super::human_size(1_572_864), "1.5 MiB");
        assert_eq!(super::human_size(2048), "2 KiB");
    }
}
