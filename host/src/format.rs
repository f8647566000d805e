//! How numbers read on the dashboard: units chosen for people (ms, %, req/s), a few
//! significant digits, and round chart scales.

/// What a chart's numbers measure, which decides how they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Requests per second.
    Rate,
    /// A 0..1 share, shown as a percentage.
    Ratio,
    /// Seconds, shown in ms below one second.
    Seconds,
    /// A plain count (queue depth).
    Count,
    /// Events per second of something other than requests (retries, evictions, bytes).
    PerSecond,
    /// A number without a unit (a flag, attempts per call, a level).
    Plain,
    /// An amount of memory or storage, shown with a decimal prefix (`8 GB`).
    Bytes,
}

impl Quantity {
    /// The unit a chart's axis is drawn in.
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::Rate => "req/s",
            Quantity::Ratio => "%",
            Quantity::Seconds => "ms",
            Quantity::Count => "requests",
            Quantity::PerSecond => "/s",
            Quantity::Plain => "",
            Quantity::Bytes => "bytes",
        }
    }

    /// A raw engine value in the chart's unit.
    pub fn scaled(self, v: f64) -> f64 {
        match self {
            Quantity::Ratio => v * 100.0,
            Quantity::Seconds => v * 1000.0,
            Quantity::Rate
            | Quantity::Count
            | Quantity::PerSecond
            | Quantity::Plain
            | Quantity::Bytes => v,
        }
    }

    /// The top of a chart's scale (already in display units) as its axis label.
    pub fn axis_label(self, top: f64) -> String {
        match self {
            Quantity::Count | Quantity::Plain => sig(top),
            Quantity::PerSecond => format!("{}/s", sig(top)),
            Quantity::Bytes => bytes(top),
            _ => format!("{} {}", sig(top), self.unit()),
        }
    }

    /// A raw engine value as text with its unit, e.g. `12.3 ms`, `1.25 s`, `99.5 %`.
    pub fn format(self, v: f64) -> String {
        if !v.is_finite() {
            return "–".to_string();
        }
        match self {
            Quantity::Seconds if v >= 1.0 => format!("{} s", sig(v)),
            Quantity::Seconds => format!("{} ms", sig(v * 1000.0)),
            Quantity::Ratio => format!("{} %", sig(v * 100.0)),
            Quantity::Rate => format!("{} req/s", sig(v)),
            Quantity::Count | Quantity::Plain => sig(v),
            Quantity::PerSecond => format!("{}/s", sig(v)),
            Quantity::Bytes => bytes(v),
        }
    }
}

/// Bytes with a decimal prefix and three significant digits: `512 B`, `1.5 MB`, `8 GB`.
pub fn bytes(v: f64) -> String {
    const PREFIXES: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut x = v;
    let mut i = 0;
    while x.abs() >= 1000.0 && i + 1 < PREFIXES.len() {
        x /= 1000.0;
        i += 1;
    }
    format!("{} {}", sig(x), PREFIXES[i])
}

/// Three significant digits, without a trailing `.0`.
pub fn sig(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        trim(format!("{v:.1}"))
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.3}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The smallest "round" number (1, 2 or 5 × 10ⁿ) at or above `v`: the top of a chart.
pub fn nice_ceiling(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v * 0.999_999)
        .unwrap_or(10.0 * magnitude)
}

/// Virtual time as people read it: `42.0 s`, `12 min 5 s`, `3 h 2 min`.
pub fn virtual_time(ns: u64) -> String {
    let s = ns as f64 / 1e9;
    if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {} s", (s / 60.0).floor(), (s % 60.0).floor())
    } else {
        format!(
            "{} h {} min",
            (s / 3600.0).floor(),
            ((s % 3600.0) / 60.0).floor()
        )
    }
}
