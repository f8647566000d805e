//! # Inference timeout
//!
//! A new client sends long inputs: `long_share` of the requests carry `long_factor`
//! times the usual work (a long document, a long prompt). With static batching a batch
//! runs until its longest item is done, the short ones padded to it, and nothing joins
//! it meanwhile: every request that shares a batch with a long one waits for it, the
//! GPU spends most of its time on padding, the batchers' queues grow, and requests
//! pass the client's `timeout_ms` (2 s): 504s, although most of them were short. The
//! slower batches fill up, which makes a long item in each more likely: with the
//! defaults the workers never catch up, and most answers of a 40 s run are 504s. (At
//! 1% long requests the same system copes: the collapse has a threshold.)
//!
//! ```text
//!   static:      [short short LONG short] ──────────── all four done at the LONG's end
//!   continuous:  short ─▶ done   short ─▶ done   (a waiting request takes the slot)
//!                LONG  ───────────────────────────▶ done
//! ```
//!
//! ## What to look at
//! - `http_requests_total{status="504"}` and `http_request_duration_seconds` p99.
//! - `inference_queue_seconds`: the wait before the GPU grows with the backlog.
//! - `inference_batch_size`: batches at the maximum.
//!
//! ## How to fix it
//! Continuous (iteration-level) batching, as in Orca (OSDI '22) and vLLM:
//! `batching = continuous`. Each request leaves the batch when its own work is done and
//! a waiting one takes its slot, so short requests no longer wait for long ones and the
//! GPU does no padding. Limit input length at the API, or route long inputs to their
//! own pool.
//!
//! The default mix (2% of requests ten times as long) is an assumption chosen to show
//! the effect.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::inference::{BATCH_SIZE, PREDICT_HOP, QUEUE_SECONDS};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "inference-timeout",
    title: "Inference timeout",
    category: "ml",
    kind: crate::scenario::FaultKind::Slow,
    summary:
        "A few long inputs hold whole static batches: short requests wait behind them and time out.",
    source: crate::doc_of!("scenarios/ml/inference_timeout.rs"),
    own_params: &[
        ParamSpec::float(
            "long_share",
            "ratio",
            0.02,
            0.0,
            1.0,
            "Share of requests with long inputs.",
        ),
        ParamSpec::float(
            "long_factor",
            "×",
            10.0,
            1.0,
            1000.0,
            "Work of a long request as a multiple of a usual one.",
        ),
    ],
    metrics: &[QUEUE_SECONDS, BATCH_SIZE],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(LongInputs::default()),
    check: no_check,
};

#[derive(Default)]
struct LongInputs {
    share: f64,
    factor: f64,
}

impl Scenario for LongInputs {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("long_share");
        self.factor = params.f64("long_factor");
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != PREDICT_HOP || !crate::dist::bernoulli(cx.rng, self.share) {
            return Effect::NONE;
        }
        Effect {
            work_factor: self.factor,
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "inference-timeout";

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1301, &[], &[]), 40);
        let on = run(&config("inference", 1301, &[ID], &[]), 40);
        let wait = |lab| quantile_all(lab, "inference_queue_seconds", 0.99);
        assert!(wait(&off) < 0.1, "off {}", wait(&off));
        assert!(wait(&on) > 0.5, "on {}", wait(&on));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1302, &[], &[]), 40);
        let on = run(&config("inference", 1302, &[ID], &[]), 40);
        assert_eq!(responses(&off, "POST /predict", "504"), 0.0);
        let timeouts = responses(&on, "POST /predict", "504");
        let ok = responses(&on, "POST /predict", "200");
        assert!(
            timeouts > 0.05 * (ok + timeouts),
            "{timeouts} timeouts, {ok} ok"
        );
    }

    #[test]
    // continuous batching lets short requests through
    fn mitigation_reduces_symptom() {
        let on = run(&config("inference", 1303, &[ID], &[]), 40);
        let cont = run(
            &config("inference", 1303, &[ID], &[("batching", "continuous")]),
            40,
        );
        let t = |lab| responses(lab, "POST /predict", "504");
        assert!(t(&cont) < 0.05 * t(&on), "{} → {}", t(&on), t(&cont));
        let p50 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.5);
        assert!(p50(&cont) < 0.1, "p50 {}", p50(&cont));
    }
}
