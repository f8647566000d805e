//! # 499 client disconnect
//!
//! Some requests become slower than the clients are willing to wait: a share of
//! database queries (`slow_share`) stalls for `slow_ms`, longer than the clients'
//! `client_timeout_ms` (5 s by default). The client gives up and closes the connection —
//! nginx logs that as a 499, "client closed request" — but the server never notices: the
//! worker and the database connection stay busy until the query finishes, and the answer
//! is written to a socket nobody reads. That is wasted work, and it is taken from the
//! requests that are still waiting; if clients retry, each retry adds more.
//!
//! ```text
//!   client ──▶ service ──▶ database   (slow query: slow_ms)
//!     │ gives up at client_timeout_ms (499)
//!     ✗                    … query finishes, response written to a closed socket
//!                                    └─▶ server_wasted_responses_total
//! ```
//!
//! ## What to look at
//! - `client_requests_total{outcome="timeout"}`: calls the clients abandoned.
//! - `server_wasted_responses_total`: answers the server finished after the client left;
//!   it tracks the abandoned calls one for one.
//! - `client_disconnect_slow_queries_total{endpoint}`: the queries that outlived the
//!   clients' patience, and `db_query_duration_seconds` with its far tail.
//!
//! ## How to fix it
//! Stop working for clients that left: `timeouts` bounds each layer below the client's
//! own timeout (`db_timeout_ms` well under `client_timeout_ms`), so a stalled query is
//! cut short and answered with a 504 while the client still listens, and its worker and
//! connection come back. `load-shedding` drops requests that queued too long before a
//! worker took them. Then find the slow query.
//! Mitigations: `timeouts`, `load-shedding`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::CLIENT_ABANDONED;
use crate::time::{ms_to_ns, Nanos};

const SLOW: MetricSpec = MetricSpec::counter(
    "client_disconnect_slow_queries_total",
    "Database queries stalled past the clients' patience, by endpoint.",
    &["endpoint"],
);

const ENDPOINTS: [&str; 2] = ["GET /product", "POST /order"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "499-client-disconnect",
    title: "499 client disconnect",
    category: "http",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Some queries outlast the clients' timeout: clients leave (499) while the server keeps working for nobody.",
    source: crate::doc_of!("scenarios/http/client_disconnect_499.rs"),
    own_params: &[
        ParamSpec::float(
            "slow_share",
            "",
            0.01,
            0.0,
            1.0,
            "Share of database queries that stall.",
        ),
        ParamSpec::float(
            "slow_ms",
            "ms",
            6000.0,
            0.0,
            3_600_000.0,
            "How long a stalled query takes (longer than client_timeout_ms makes clients leave).",
        ),
    ],
    metrics: &[SLOW, CLIENT_ABANDONED],
    strikes: &[Component::Database],
    mitigations: &["timeouts", "load-shedding"],
    build: || Box::new(ClientDisconnect::default()),
    check: no_check,
};

#[derive(Default)]
struct ClientDisconnect {
    share: f64,
    slow_ns: Nanos,
    /// Counters indexed like `ENDPOINTS`.
    slow: [Option<CounterId>; 2],
}

impl Scenario for ClientDisconnect {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("slow_share");
        self.slow_ns = ms_to_ns(params.f64("slow_ms"));
        for (i, e) in ENDPOINTS.iter().enumerate() {
            self.slow[i] = Some(metrics.counter(&SLOW, &[e]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = ENDPOINTS
            .iter()
            .position(|e| *e == hop.endpoint)
            .and_then(|i| self.slow[i])
        {
            cx.metrics.inc(c);
        }
        Effect::delay(self.slow_ns)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 531, &[], &[]), 30);
        assert!(!registered(&off, "client_disconnect_slow_queries_total"));
        assert_eq!(total(&off, "server_wasted_responses_total"), 0.0);
        let on = run(&config("web", 531, &["499-client-disconnect"], &[]), 30);
        let slow = total(&on, "client_disconnect_slow_queries_total");
        assert!(slow > 10.0, "{slow}");
        assert!(total(&on, "server_wasted_responses_total") > 5.0);
    }

    #[test]
    fn symptom_appears() {
        // Clients abandon the stalled calls; the server finishes each one anyway.
        let lab = run(&config("web", 532, &["499-client-disconnect"], &[]), 120);
        let left = client_outcomes(&lab, "timeout");
        let wasted = total(&lab, "server_wasted_responses_total");
        assert!(left > 50.0, "{left} abandoned calls");
        assert!(
            wasted > left * 0.8,
            "{wasted} wasted responses for {left} abandoned calls"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let wasted = |switches: &[&str]| {
            let lab = run(&config("web", 533, switches, &[]), 120);
            (
                total(&lab, "server_wasted_responses_total"),
                client_outcomes(&lab, "timeout"),
            )
        };
        let (without, left) = wasted(&["499-client-disconnect"]);
        let (with, left_with) = wasted(&["499-client-disconnect", "timeouts"]);
        assert!(without > 50.0, "{without}");
        assert!(
            with < without * 0.1,
            "wasted responses {without} → {with} with timeouts"
        );
        assert!(left_with < left * 0.1, "abandoned {left} → {left_with}");
    }
}
