//! # Auth bypass
//!
//! A release adds an export endpoint meant for admins and forgets its role check: the
//! caller is authenticated (a valid session), but nobody asks whether its role may read
//! the resource. One ordinary user, `attacker_client`, finds it and calls it for
//! `attack_share` of the reads, each reading `rows_per_request` rows of other users'
//! data. Every one of those requests succeeds: 200, no error, no extra latency. The
//! golden signals see nothing, because nothing failed: the failure is in *what* was
//! answered, not *how*.
//!
//! The lab's security layer gives each request a principal (its API client; clients 0,
//! 25, 50, … are admins, the others users), takes an authorization decision when the
//! resource needs a role, and counts rows read per principal.
//!
//! ```text
//!   user 7 ──GET /admin/export──▶ api-i ──(role check? none)──▶ 200, 500 rows
//!   golden signals: 200s, no errors, same latency          ← silent
//!   authz_decisions_total{decision="unchecked"} > 0        ← visible
//!   rows_read_per_principal{stat="max"} ≫ {stat="median"}   ← visible
//! ```
//!
//! ## What to look at
//! - `rate(authz_decisions_total{decision="unchecked"}[1m])`: requests for a resource
//!   that needs a role, answered without checking it. Any is a finding.
//! - `rows_read_per_principal{stat="max"}` against `{stat="median"}`: with the defaults
//!   one principal reads about 1,600 rows a second while the median principal reads
//!   about 4 (each ordinary request reads one row).
//! - Not the golden signals: the error rate and the latency are the same as without
//!   the bypass (its test checks it).
//!
//! ## How to fix it
//! Enforce authorization on every endpoint, deny by default (`authz = enforced`): the
//! attacker's requests are then refused (403, `authz_decisions_total{decision="deny"}`;
//! the lab sends the export calls as reads, so they show as
//! `http_requests_total{endpoint="GET /product",status="403"}`)
//! and the rows it reads fall back to the median's order. Alert on unchecked decisions
//! and on one principal reading far more than the rest.
//!
//! ## Where the numbers come from
//! Broken access control is the first category of the OWASP Top 10 (2021, A01:2021),
//! the one found most often in the applications its data covers. The share, the row
//! count and the attacker are illustrative: a scraping user sending about 3 requests a
//! second (2 % of the reads, 80 % of the default 200 req/s) of 500 rows each. The lab models the
//! mechanism, not an exploit.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    Component, Effect, Hop, Scenario, ScenarioMeta, SecurityEffect, ServiceEffect, StrikeCx,
};
use crate::systems::web::metrics::{
    AUTHZ_DECISIONS, AUTHZ_DECISION_LABELS, ROWS_PER_PRINCIPAL, ROWS_STATS,
};

const MODES: [&str; 2] = ["missing", "enforced"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "auth-bypass",
    title: "Auth bypass",
    category: "security",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "An endpoint forgets its role check: a user reads admin data with 200s, silent on the golden signals.",
    source: crate::doc_of!("scenarios/security/auth_bypass.rs"),
    own_params: &[
        ParamSpec::choice(
            "authz",
            "missing",
            &MODES,
            "Whether the export endpoint checks the caller's role (enforced) or not (missing).",
        ),
        ParamSpec::float(
            "attack_share",
            "",
            0.02,
            0.0,
            1.0,
            "Share of reads that are the attacker's calls to the admin export.",
        ),
        ParamSpec::int(
            "rows_per_request",
            "rows",
            500,
            1,
            1_000_000,
            "Rows one export call reads.",
        ),
        ParamSpec::int(
            "attacker_client",
            "client",
            7,
            1,
            1_000_000,
            "The API client (principal) who calls the export; a user, not an admin (not a multiple of 25).",
        ),
    ],
    metrics: &[AUTHZ_DECISIONS, ROWS_PER_PRINCIPAL],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(AuthBypass::default()),
    check: |params, _| {
        if params.i64("attacker_client") % 25 == 0 {
            return Err("attacker_client: clients 0, 25, 50, … are admins; choose a user".into());
        }
        Ok(())
    },
};

#[derive(Default)]
struct AuthBypass {
    missing: bool,
    share: f64,
    rows: u64,
    attacker: u32,
}

impl Scenario for AuthBypass {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.missing = params.choice("authz") == "missing";
        self.share = params.f64("attack_share");
        self.rows = params.i64("rows_per_request").max(1) as u64;
        self.attacker = params.i64("attacker_client").max(1) as u32;
        for d in AUTHZ_DECISION_LABELS {
            metrics.counter(&AUTHZ_DECISIONS, &[d]);
        }
        for s in ROWS_STATS {
            metrics.gauge(&ROWS_PER_PRINCIPAL, &[s]);
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let attack = hop.endpoint == "GET /product" && cx.rng.chance(self.share);
        let security = if attack {
            SecurityEffect {
                admin_only: true,
                authz_missing: self.missing,
                principal: Some(self.attacker),
                rows: self.rows,
                ..SecurityEffect::NONE
            }
        } else {
            // An ordinary request reads (or writes) one row of its own.
            SecurityEffect {
                rows: 1,
                ..SecurityEffect::NONE
            }
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
        let off = run(&config("web", 2101, &[], &[]), 30);
        assert!(!registered(&off, "authz_decisions_total"));
        assert!(!registered(&off, "rows_read_per_principal"));
        let on = run(&config("web", 2101, &["auth-bypass"], &[]), 30);
        // ~200 req/s × 0.8 reads × 2 % ≈ 3.2 export calls/s for 30 s.
        let unchecked = total_where(&on, "authz_decisions_total", "unchecked");
        assert!((50.0..150.0).contains(&unchecked), "{unchecked}");
        assert_eq!(total_where(&on, "authz_decisions_total", "deny"), 0.0);
        assert!(total_where(&on, "authz_decisions_total", "allow") > 5000.0);
    }

    #[test]
    fn symptom_appears() {
        // Silent on the golden signals, loud in the access pattern.
        let off = summary(config("web", 2102, &[], &[]), 5, 60);
        let on_cfg = config("web", 2102, &["auth-bypass"], &[]);
        let on = summary(on_cfg.clone(), 5, 60);
        assert_eq!(on.errors_total, off.errors_total, "no errors added");
        assert!(
            (on.latency_p99_s - off.latency_p99_s).abs() < 0.2 * off.latency_p99_s,
            "p99 {} vs {}",
            on.latency_p99_s,
            off.latency_p99_s
        );
        let lab = run(&on_cfg, 60);
        let (max, median) = (stat(&lab, "max"), stat(&lab, "median"));
        assert!(max > 1000.0, "one principal reads {max} rows/s");
        assert!(median < 10.0, "the median principal reads {median} rows/s");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let lab = run(
            &config(
                "web",
                2103,
                &["auth-bypass"],
                &[("auth-bypass.authz", "enforced")],
            ),
            60,
        );
        let denied = total_where(&lab, "authz_decisions_total", "deny");
        assert!(denied > 100.0, "{denied}");
        assert_eq!(total_where(&lab, "authz_decisions_total", "unchecked"), 0.0);
        let max = stat(&lab, "max");
        assert!(
            max < 30.0,
            "no principal reads far more than the rest: {max}"
        );
        assert!(responses(&lab, "GET /product", "403") > 100.0);
    }
}
