//! The current time as Cloudflare writes `created_on` and `modified_on`
//! (`2025-08-27T20:36:17.634961Z`), without a date-time dependency for two fields.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in RFC 3339 UTC with microseconds.
pub fn now_rfc3339() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_unix(since.as_secs(), since.subsec_micros())
}

/// Formats seconds since the Unix epoch (days to civil date: Howard Hinnant's algorithm,
/// <https://howardhinnant.github.io/date_algorithms.html#civil_from_days>).
pub fn format_unix(secs: u64, micros: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::format_unix(0, 0), "1970-01-01T00:00:00.000000Z");
        // 2025-08-27T20:36:17Z, the fixture's created_on.
        assert_eq!(
            super::format_unix(1_756_326_977, 634_961),
            "2025-08-27T20:36:17.634961Z"
        );
        assert_eq!(
            super::format_unix(951_782_400, 0),
            "2000-02-29T00:00:00.000000Z"
        );
    }
}
