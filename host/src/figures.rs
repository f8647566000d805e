//! The numbers runs are compared by (`Figures`, the engine's answer to `Ask::Summary`,
//! from a run's exact summary), the rows the comparison table shows and the change from
//! a baseline in words. The page draws the table (`components::compare` in the app).

use crate::format::Quantity;
use engine::Summary;

/// The numbers compared, from a run's exact summary.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    pub p50_s: f64,
    pub p95_s: f64,
    pub p99_s: f64,
    pub error_rate: f64,
    /// All responses per second.
    pub throughput_rps: f64,
    /// Successful responses per second.
    pub goodput_rps: f64,
}

impl Figures {
    pub fn of(s: &Summary) -> Figures {
        let answered = s.requests_completed + s.errors_total;
        Figures {
            p50_s: s.latency_p50_s,
            p95_s: s.latency_p95_s,
            p99_s: s.latency_p99_s,
            error_rate: if answered == 0 {
                0.0
            } else {
                s.errors_total as f64 / answered as f64
            },
            throughput_rps: if s.measured_s > 0.0 {
                answered as f64 / s.measured_s
            } else {
                0.0
            },
            goodput_rps: s.throughput_rps,
        }
    }

    /// Rows of the table: label, test id, how to write it, the value, and whether a
    /// rise is good.
    pub fn rows(&self) -> [(&'static str, &'static str, Quantity, f64, bool); 6] {
        [
            ("Latency p50", "p50", Quantity::Seconds, self.p50_s, false),
            ("Latency p95", "p95", Quantity::Seconds, self.p95_s, false),
            ("Latency p99", "p99", Quantity::Seconds, self.p99_s, false),
            (
                "Error rate",
                "error-rate",
                Quantity::Ratio,
                self.error_rate,
                false,
            ),
            (
                "Throughput (all responses)",
                "throughput",
                Quantity::Rate,
                self.throughput_rps,
                true,
            ),
            (
                "Goodput (successful responses)",
                "goodput",
                Quantity::Rate,
                self.goodput_rps,
                true,
            ),
        ]
    }
}

/// The change from baseline `b` to current `v`, and a class saying better or worse.
pub fn delta(q: Quantity, v: f64, b: f64, rise_good: bool) -> (String, &'static str) {
    let diff = v - b;
    if diff == 0.0 {
        return ("no change".to_string(), "delta-same");
    }
    let sign = if diff > 0.0 { "+" } else { "−" };
    let rel = if b != 0.0 {
        format!(" ({sign}{:.0} %)", (diff / b * 100.0).abs())
    } else {
        String::new()
    };
    let better = (diff > 0.0) == rise_good;
    (
        format!(
            "{sign}{}{rel} {}",
            q.format(diff.abs()),
            if better { "better" } else { "worse" }
        ),
        if better {
            "delta-better"
        } else {
            "delta-worse"
        },
    )
}

// On the wire from the engine's worker (`protocol`).
engine::codec_struct!(Figures {
    p50_s,
    p95_s,
    p99_s,
    error_rate,
    throughput_rps,
    goodput_rps
});
