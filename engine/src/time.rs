//! Virtual time: integer nanoseconds, and parsing of human durations (`500ms`, `60s`, `10m`, `1h`).
//! Floats are for statistics only; the clock is always an integer.

use crate::LabError;

/// Virtual time or a span of it, in nanoseconds.
pub type Nanos = u64;

pub const NS_PER_MS: Nanos = 1_000_000;
pub const NS_PER_SEC: Nanos = 1_000_000_000;

/// Converts seconds (a statistic or a parameter) to nanoseconds, saturating at
/// `u64::MAX / 2` (292 years: far beyond any run, and room to add a delay to it).
#[inline]
pub fn secs_to_ns(secs: f64) -> Nanos {
    if secs.is_nan() || secs <= 0.0 {
        0
    } else {
        // Rounds half up; `f64::round` would be a libm call on baseline x86-64, and this
        // is on every event's path. Through `i64`: one conversion instruction (x86-64
        // has no unsigned one), saturating at `i64::MAX` = `u64::MAX / 2`.
        (secs * NS_PER_SEC as f64 + 0.5) as i64 as Nanos
    }
}

/// Converts milliseconds to nanoseconds, saturating.
pub fn ms_to_ns(ms: f64) -> Nanos {
    secs_to_ns(ms / 1000.0)
}

/// Nanoseconds as seconds.
pub fn ns_to_secs(ns: Nanos) -> f64 {
    ns as f64 / NS_PER_SEC as f64
}

/// Parses a duration such as `250ms`, `1.5s`, `10m` or `2h`. A bare number is refused:
/// the unit is what makes a duration unambiguous.
pub fn parse_duration(input: &str) -> Result<Nanos, LabError> {
    let bad = || LabError::BadDuration {
        input: input.to_string(),
    };
    let s = input.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(bad)?;
    let (number, unit) = s.split_at(split);
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    let scale = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err(bad()),
    };
    let ns = value * scale;
    // Cap at about 10 years of virtual time: far beyond any useful run, far below overflow.
    if ns > 3.2e17 {
        return Err(bad());
    }
    Ok(ns.round() as Nanos)
}

/// Formats nanoseconds compactly for people (`1m 05s`, `250ms`).
pub fn format_duration(ns: Nanos) -> String {
    if ns < NS_PER_SEC {
        format!("{}ms", ns / NS_PER_MS)
    } else if ns < 60 * NS_PER_SEC {
        format!("{:.1}s", ns_to_secs(ns))
    } else {
        let total = ns / NS_PER_SEC;
        let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
        if h > 0 {
            format!("{h}h {m:02}m {s:02}s")
        } else {
            format!("{m}m {s:02}s")
        }
    }
}
/// Virtual seconds as the shortest exact decimal (`120`, `90.5`, `0.000000001`).
pub fn format_seconds(ns: Nanos) -> String {
    let (whole, frac) = (ns / NS_PER_SEC, ns % NS_PER_SEC);
    if frac == 0 {
        whole.to_string()
    } else {
        let digits = format!("{frac:09}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}
