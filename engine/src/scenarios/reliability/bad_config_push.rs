//! # Bad config push
//!
//! Someone pushes a configuration change (a feature flag, a new rule, a limit) that is
//! wrong: on an instance running it, `error_rate` of the requests take a broken code
//! path and fail with a 500. Configuration feels safer than code, so it is often pushed
//! to every instance at once (`rollout` = `all_at_once`): the whole fleet breaks in the
//! same second, and the error rate jumps from 0 to `error_rate` everywhere. Nothing
//! about the instances changed but their configuration, so nothing else shows it.
//!
//! ```text
//!   all_at_once:  push ──▶ api-0 api-1 api-2 api-3   ✗ every instance, every user
//!   canary:       push ──▶ api-0 ── bake_s ── errors? ──▶ roll back   (api-1..3 never see it)
//! ```
//!
//! ## What to look at
//! - The golden error rate stepping up at the push, about `error_rate` (30 %) with the
//!   whole fleet on the new config.
//! - `config_new_version_instances`: how many instances run the pushed config (4 of 4
//!   at once; 1 during a canary).
//! - `config_errors_total{instance}`: the errors the new config causes, on every
//!   instance that has it; `config_rollbacks_total` counts automatic rollbacks.
//!
//! ## How to fix it
//! Roll configuration out like code, in stages: with `rollout` = `canary` the change
//! goes to one instance (api-0) first; after `bake_s` the rollout compares the canary's
//! error share with `abort_error_ratio` and rolls it back automatically when worse, so
//! only the canary's share of the traffic, for the bake time, ever saw the bad config
//! (with the defaults, about 4 % of the errors a push to all causes in a minute). Keep
//! the previous config one command away, and validate configs before pushing. No
//! mitigation switch of the lab stages a rollout: `rollout` is the fix.
//!
//! Where the numbers come from: Google SRE book, ch. 8 ("Release Engineering") and the
//! SRE workbook, ch. 16 ("Canarying Releases"), on treating configuration as code and
//! canarying it; the Google Cloud incident of 2 June 2019 and Cloudflare's WAF rule
//! outage of 2 July 2019 were both global configuration pushes. The 30 % error rate and
//! 10 s bake time are the lab's, short enough to see in a minute.

use super::gray_failure::needs_load_balancer;
use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{secs_to_ns, Nanos};

const NEW_INSTANCES: MetricSpec = MetricSpec::gauge(
    "config_new_version_instances",
    "Instances running the pushed configuration.",
    &[],
);
const CONFIG_ERRORS: MetricSpec = MetricSpec::counter(
    "config_errors_total",
    "Requests failed by the pushed configuration's broken code path, by instance.",
    &["instance"],
);
const ROLLBACKS: MetricSpec = MetricSpec::counter(
    "config_rollbacks_total",
    "Automatic rollbacks of the pushed configuration after a failed canary.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "bad-config-push",
    title: "Bad config push",
    category: "reliability",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "A broken configuration is pushed to every instance at once: errors jump fleet-wide in one second; a canary limits the blast radius.",
    source: crate::doc_of!("scenarios/reliability/bad_config_push.rs"),
    own_params: &[
        ParamSpec::float(
            "error_rate",
            "",
            0.3,
            0.0,
            1.0,
            "Share of requests on an instance with the new config that fail with 500.",
        ),
        ParamSpec::choice(
            "rollout",
            "all_at_once",
            &["all_at_once", "canary"],
            "all_at_once: every instance gets the config when the scenario starts; canary: api-0 first, the rest only if it stays healthy for bake_s.",
        ),
        ParamSpec::float(
            "bake_s",
            "s",
            10.0,
            0.0,
            86_400.0,
            "(canary) How long the canary runs the config before the rollout judges it.",
        ),
        ParamSpec::float(
            "abort_error_ratio",
            "",
            0.01,
            0.0,
            1.0,
            "(canary) Error share of the canary above which the rollout rolls back.",
        ),
    ],
    metrics: &[NEW_INSTANCES, CONFIG_ERRORS, ROLLBACKS],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(BadConfigPush::default()),
    check: needs_load_balancer,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Stage {
    /// Not pushed yet (the scenario has not struck since it started).
    #[default]
    Pending,
    /// On api-0 only, judged at the instant held.
    Canary(Nanos),
    /// Everywhere.
    Everywhere,
    /// Rolled back: nowhere.
    RolledBack,
}

#[derive(Default)]
struct BadConfigPush {
    error_rate: f64,
    canary: bool,
    bake_ns: Nanos,
    abort_ratio: f64,
    stage: Stage,
    /// The start the stage belongs to (a new start is a new push).
    since: Nanos,
    fleet: u32,
    /// The canary's requests and errors so far.
    canary_seen: (u64, u64),
    errors: Vec<CounterId>,
    new_instances: Option<GaugeId>,
    rollbacks: Option<CounterId>,
}

impl BadConfigPush {
    fn errors_of(&mut self, metrics: &mut Registry, i: usize) -> CounterId {
        while self.errors.len() <= i {
            let name = format!("api-{}", self.errors.len());
            self.errors.push(metrics.counter(&CONFIG_ERRORS, &[&name]));
        }
        self.errors[i]
    }

    /// The stage at `now`, moving the rollout on (pushing, judging the canary).
    fn stage(&mut self, cx: &mut StrikeCx<'_>) -> Stage {
        if self.since != cx.active_since || self.stage == Stage::Pending {
            self.since = cx.active_since;
            self.canary_seen = (0, 0);
            self.stage = if self.canary {
                Stage::Canary(cx.active_since.saturating_add(self.bake_ns))
            } else {
                Stage::Everywhere
            };
        }
        if let Stage::Canary(judge_at) = self.stage {
            if cx.now >= judge_at {
                let (requests, errors) = self.canary_seen;
                let bad = requests > 0 && errors as f64 > self.abort_ratio * requests as f64;
                self.stage = if bad {
                    if let Some(c) = self.rollbacks {
                        cx.metrics.inc(c);
                    }
                    Stage::RolledBack
                } else {
                    Stage::Everywhere
                };
            }
        }
        self.stage
    }
}

impl Scenario for BadConfigPush {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.error_rate = params.f64("error_rate");
        self.canary = params.choice("rollout") == "canary";
        self.bake_ns = secs_to_ns(params.f64("bake_s"));
        self.abort_ratio = params.f64("abort_error_ratio");
        self.stage = Stage::Pending;
        self.errors_of(metrics, 0);
        self.new_instances = Some(metrics.gauge(&NEW_INSTANCES, &[]));
        self.rollbacks = Some(metrics.counter(&ROLLBACKS, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.fleet = hop.fleet;
        let has_it = match self.stage(cx) {
            Stage::Everywhere => true,
            Stage::Canary(_) => hop.instance == 0,
            Stage::Pending | Stage::RolledBack => false,
        };
        if !has_it {
            return Effect::NONE;
        }
        let failed = cx.rng.chance(self.error_rate);
        if matches!(self.stage, Stage::Canary(_)) {
            self.canary_seen.0 += 1;
            self.canary_seen.1 += u64::from(failed);
        }
        if !failed {
            return Effect::NONE;
        }
        let c = self.errors_of(cx.metrics, hop.instance as usize);
        cx.metrics.inc(c);
        Effect::fail(500)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.new_instances {
            let n = match self.stage {
                _ if !active => 0,
                Stage::Everywhere => self.fleet,
                Stage::Canary(_) => 1,
                Stage::Pending | Stage::RolledBack => 0,
            };
            metrics.set(g, f64::from(n));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn config_errors(lab: &crate::sim::Lab, instance: &str) -> f64 {
        lab.metrics()
            .family_total_where("config_errors_total", |_, v| v[0] == instance)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2121, &[], &[]), 30);
        for name in [
            "config_new_version_instances",
            "config_errors_total",
            "config_rollbacks_total",
        ] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 2121, &["bad-config-push"], &[]), 30);
        assert_eq!(total(&on, "config_new_version_instances"), 4.0);
        // 200 req/s × 30 % × 30 s.
        let errors = total(&on, "config_errors_total");
        assert!((1500.0..2100.0).contains(&errors), "{errors}");
        assert_eq!(total(&on, "config_rollbacks_total"), 0.0);
        let canary = run(
            &config(
                "web",
                2121,
                &["bad-config-push"],
                &[("bad-config-push.rollout", "canary")],
            ),
            30,
        );
        assert_eq!(total(&canary, "config_rollbacks_total"), 1.0);
        assert_eq!(total(&canary, "config_new_version_instances"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Every instance fails at once: the error rate steps to ~30 % fleet-wide.
        let on = run(&config("web", 2122, &["bad-config-push"], &[]), 60);
        for i in 0..4 {
            let n = config_errors(&on, &format!("api-{i}"));
            assert!((700.0..1100.0).contains(&n), "api-{i}: {n}");
        }
        let rate = mean_between(&on, "error_rate", 10, 60);
        let base = mean_between(
            &run(&config("web", 2122, &[], &[]), 60),
            "error_rate",
            10,
            60,
        );
        assert!(base < 0.01, "{base}");
        assert!((0.25..0.35).contains(&rate), "error rate {rate}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let failed = |rollout: &str| {
            let cfg = config(
                "web",
                2123,
                &["bad-config-push"],
                &[("bad-config-push.rollout", rollout)],
            );
            let lab = run(&cfg, 60);
            (
                client_outcomes(&lab, "error"),
                total(&lab, "config_errors_total"),
            )
        };
        let (all, all_errors) = failed("all_at_once");
        let (canary, canary_errors) = failed("canary");
        assert!(all > 3000.0, "{all}");
        // Only api-0's quarter of the traffic, for the 10 s bake: ~150 errors.
        assert!((100.0..220.0).contains(&canary_errors), "{canary_errors}");
        assert!(
            canary < all * 0.06 && canary_errors < all_errors * 0.06,
            "client errors {all} → {canary} with a canary"
        );
    }
}
