//! When to try a request again, and how long to wait first.
//!
//! Cloudflare allows 1,200 requests per five minutes per token and answers 429 beyond that, with
//! `Retry-After` in seconds (<https://developers.cloudflare.com/fundamentals/api/reference/limits/>).
//! Connection errors, timeouts, 408, 409 and 5xx are transient. The official SDK
//! (`cloudflare-go internal/requestconfig`) honours `Retry-After` and `Retry-After-Ms`, otherwise
//! waits exponentially with jitter; so does this module, within a total time budget.
//!
//! Writes are different: there are no idempotency keys, so a POST whose answer was lost may have
//! landed. A write is resent only when the server certainly did not act on it (no connection was
//! made, or it answered 408, 409, 429 or 503); see docs/cloudflare.md.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Whether a request may be resent after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET: resend on any transient failure.
    Read,
    /// POST, PUT, PATCH, DELETE: resend only when the server did not act.
    Write,
}

/// Whether an HTTP status is worth another attempt for this kind of request.
pub fn retry_status(status: u16, kind: Idempotency) -> bool {
    match kind {
        Idempotency::Read => matches!(status, 408 | 409 | 429) || status >= 500,
        // NOTE: a 500 or 502 to a write may come from a proxy after the origin committed;
        // only statuses that say "not processed" are safe to resend.
        Idempotency::Write => matches!(status, 408 | 409 | 429 | 503),
    }
}

/// Exponential backoff with jitter: `base * 2^attempt`, capped, minus up to 25 %.
pub fn backoff(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let factor = 1u64 << attempt.min(16);
    let raw = base.saturating_mul(u32::try_from(factor).unwrap_or(u32::MAX));
    let capped = raw.min(cap);
    let jitter = 1.0 - fastrand::f64() * 0.25;
    capped.mul_f64(jitter)
}

/// The wait a 429 (or 503) asks for: `Retry-After-Ms`, else `Retry-After` as seconds or as an
/// HTTP date. `None` when absent or unreadable.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    parse_retry_after(value, now)
}

/// Parses a `Retry-After` value: delta seconds, or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37
/// GMT`, RFC 9110 section 10.2.3). A date in the past means "now".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn parse_http_date(value: &str) -> Option<SystemTime> {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let rest = value.split_once(", ").map_or(value, |(_, r)| r);
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year, time, zone] = parts.as_slice() else {
        return None;
    };
    if *zone != "GMT" && *zone != "UTC" {
        return None;
    }
    let day: u32 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m.eq_ignore_ascii_case(month))? as u32
        + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + (*h * 3600 + *m * 60 + *s) as i64;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        // A date already past means: go now.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now),
            None
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered_down_only() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        for attempt in 0..8 {
            let d = backoff(base, cap, attempt);
            let full = (base * 2u32.pow(attempt)).min(cap);
            assert!(d <= full && d >= full.mul_f64(0.75), "{attempt}: {d:?}");
        }
    }

    #[test]
    fn writes_are_resent_only_when_not_processed() {
        assert!(retry_status(500, Idempotency::Read));
        assert!(retry_status(429, Idempotency::Write));
        assert!(retry_status(503, Idempotency::Write));
        assert!(!retry_status(500, Idempotency::Write));
        assert!(!retry_status(502, Idempotency::Write));
        assert!(!retry_status(400, Idempotency::Read));
    }
}
