//! # Data breach
//!
//! An ordinary user's API key is stolen. The thief uses it as the user could: every
//! request is authenticated and authorized, but it reads far more than anyone does, a
//! page of `rows_per_request` customer rows at a time, for `exfil_share` of the reads.
//! Nothing fails and nothing slows: the only trace is the access pattern. The lab's
//! security layer counts the rows each principal (API client) reads per second.
//!
//! ```text
//!   stolen key (client 11) ──GET … page of 500 rows──▶ api-i ──allow──▶ 200
//!   rows_read_per_principal{stat="max"}    ≈ 4,000 rows/s   ← the thief
//!   rows_read_per_principal{stat="median"} ≈ 4 rows/s       ← everyone else
//! ```
//!
//! ## What to look at
//! - `rows_read_per_principal{stat="max"}` against `{stat="median"}`: one principal
//!   reading about a thousand times what the median one does.
//! - `authz_decisions_total{decision}`: every request is allowed (no deny): the
//!   credentials are valid, so access control alone does not see a breach.
//! - Not the golden signals: errors and latency are those of a run without it.
//!
//! ## How to fix it
//! Short-lived session tokens (`token_ttl_s` above 0): the stolen copy is not renewed,
//! so it stops working when it expires (401, `authn_decisions_total{decision="expired"}`)
//! while the real client re-authenticates (`auth_tokens_issued_total`). The lab
//! compresses time: the lifetime is in virtual seconds.
//!
//! A per-principal quota on rows read (`row_quota = on`, `quota_rows_per_s`): past it
//! the layer refuses the principal's requests for the rest of the second (403,
//! `decision="deny"`), which bounds what a stolen key can take
//! and makes the thief's requests visible as errors. Alert on one principal reading far
//! more than the rest; rotate the key.
//!
//! ## Where the numbers come from
//! The Verizon Data Breach Investigations Report finds stolen credentials among the
//! most common ways in, year after year. The thief's share (5 % of the reads, about 8
//! requests a second at 200 req/s), its 500-row pages and the 500 rows/s quota are
//! illustrative. The tokens never expire by default (a long-lived API key); the OWASP
//! Session Management Cheat Sheet gives idle timeouts of 2 to 5 minutes for high-value
//! applications and 15 to 30 minutes for low-risk ones.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, SecurityEffect, ServiceEffect,
    StrikeCx,
};
use crate::systems::web::metrics::{
    AUTHN_DECISIONS, AUTHN_DECISION_LABELS, AUTHZ_DECISIONS, AUTHZ_DECISION_LABELS,
    ROWS_PER_PRINCIPAL, ROWS_STATS, TOKENS_ISSUED,
};
use crate::time::{secs_to_ns, Nanos};

const SWITCH: [&str; 2] = ["off", "on"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "data-breach",
    title: "Data breach",
    category: "security",
    kind: crate::scenario::FaultKind::Leaking,
    summary: "A stolen API key pulls customer data page by page; every request is allowed, only rows per principal show it.",
    source: crate::doc_of!("scenarios/security/data_breach.rs"),
    own_params: &[
        ParamSpec::choice(
            "row_quota",
            "off",
            &SWITCH,
            "A per-principal quota on rows read per second.",
        ),
        ParamSpec::int(
            "quota_rows_per_s",
            "rows/s",
            500,
            1,
            1_000_000_000,
            "Rows one principal may read per second under the quota.",
        ),
        ParamSpec::float(
            "token_ttl_s",
            "s",
            0.0,
            0.0,
            86_400.0,
            "Lifetime of a session token, in virtual seconds; 0 = never expires.",
        ),
        ParamSpec::float(
            "exfil_share",
            "",
            0.05,
            0.0,
            1.0,
            "Share of reads that are the thief's.",
        ),
        ParamSpec::int(
            "rows_per_request",
            "rows",
            500,
            1,
            1_000_000,
            "Rows one of the thief's requests reads.",
        ),
        ParamSpec::int(
            "stolen_client",
            "client",
            11,
            0,
            1_000_000,
            "The API client whose key was stolen.",
        ),
    ],
    metrics: &[AUTHZ_DECISIONS, ROWS_PER_PRINCIPAL, AUTHN_DECISIONS, TOKENS_ISSUED],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(DataBreach::default()),
    check: no_check,
};

#[derive(Default)]
struct DataBreach {
    quota: u64,
    ttl: Nanos,
    share: f64,
    rows: u64,
    thief: u32,
}

impl Scenario for DataBreach {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.quota = if params.choice("row_quota") == "on" {
            params.i64("quota_rows_per_s").max(1) as u64
        } else {
            0
        };
        self.ttl = secs_to_ns(params.f64("token_ttl_s"));
        self.share = params.f64("exfil_share");
        self.rows = params.i64("rows_per_request").max(1) as u64;
        self.thief = params.i64("stolen_client").max(0) as u32;
        for d in AUTHZ_DECISION_LABELS {
            metrics.counter(&AUTHZ_DECISIONS, &[d]);
        }
        for s in ROWS_STATS {
            metrics.gauge(&ROWS_PER_PRINCIPAL, &[s]);
        }
        for d in AUTHN_DECISION_LABELS {
            metrics.counter(&AUTHN_DECISIONS, &[d]);
        }
        metrics.counter(&TOKENS_ISSUED, &[]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let thief = hop.endpoint == "GET /product" && cx.rng.chance(self.share);
        let security = SecurityEffect {
            principal: thief.then_some(self.thief),
            rows: if thief { self.rows } else { 1 },
            rows_quota: self.quota,
            token_ttl_ns: self.ttl,
            stolen_token: thief,
            ..SecurityEffect::NONE
        };
        Effect::on_service(ServiceEffect {
            security,
            ..ServiceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn stat(lab: &crate::sim::Lab, stat: &str) -> f64 {
        settled_mean(lab, "rows_read_per_principal", stat)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2701, &[], &[]), 30);
        assert!(!registered(&off, "rows_read_per_principal"));
        assert!(!registered(&off, "authz_decisions_total"));
        assert!(!registered(&off, "authn_decisions_total"));
        let on = run(&config("web", 2701, &["data-breach"], &[]), 30);
        // Tokens never expire by default: nothing checked, nothing renewed.
        assert!(registered(&on, "authn_decisions_total"));
        assert_eq!(total(&on, "authn_decisions_total"), 0.0);
        assert!(stat(&on, "max") > 2000.0, "{}", stat(&on, "max"));
        assert!(total_where(&on, "authz_decisions_total", "allow") > 5000.0);
        assert_eq!(total_where(&on, "authz_decisions_total", "deny"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        let off = summary(config("web", 2702, &[], &[]), 5, 60);
        let on_cfg = config("web", 2702, &["data-breach"], &[]);
        let on = summary(on_cfg.clone(), 5, 60);
        assert_eq!(on.errors_total, off.errors_total, "no errors added");
        assert!((on.latency_p99_s - off.latency_p99_s).abs() < 0.2 * off.latency_p99_s);
        let lab = run(&on_cfg, 60);
        let (max, median) = (stat(&lab, "max"), stat(&lab, "median"));
        assert!(max > 500.0 * median, "max {max}, median {median}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let open = run(&config("web", 2703, &["data-breach"], &[]), 60);
        let quota = run(
            &config(
                "web",
                2703,
                &["data-breach"],
                &[("data-breach.row_quota", "on")],
            ),
            60,
        );
        let (before, after) = (stat(&open, "max"), stat(&quota, "max"));
        assert!(after <= 500.0 && after < before * 0.2, "{before} → {after}");
        let denied = total_where(&quota, "authz_decisions_total", "deny");
        assert!(denied > 200.0, "{denied}");
        // The stolen key's own orders are refused too once its quota is spent.
        let refused =
            responses(&quota, "GET /product", "403") + responses(&quota, "POST /order", "403");
        assert!(
            denied - refused <= 2.0 && refused <= denied,
            "{refused} of {denied}"
        );
    }
}
