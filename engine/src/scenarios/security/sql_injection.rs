//! # SQL injection
//!
//! The product search builds its query by string concatenation:
//! `"SELECT … WHERE name = '" + q + "'"`. One client, `attacker_client`, sends reads
//! whose search term closes the quote and adds a condition that is always true, so the
//! database returns every row of the table instead of one. The request succeeds (200)
//! and takes no longer than any other: the golden signals see nothing. The lab does not
//! run SQL; it models the mechanism: a hostile request succeeds only where the query is
//! concatenated, and then reads `dump_rows` rows.
//!
//! - With a **parameterized** query the term is a value, never SQL: it matches nothing,
//!   the request reads no row (`outcome="neutralized"`).
//! - A **WAF** rule in front of the handler refuses requests that look like injection
//!   (403, `outcome="blocked"`), whatever the query.
//!
//! ```text
//!   attacker ──q = x' OR '1'='1──▶ api-i ──"… WHERE name = 'x' OR '1'='1'"──▶ db
//!                                   concatenated: every row ─▶ 200, 10,000 rows
//!                                   parameterized: no row    ─▶ 200, 0 rows
//!   WAF on ──▶ 403 before the handler
//! ```
//!
//! ## What to look at
//! - `sql_injection_attempts_total{outcome}`: what the hostile requests achieved
//!   (succeeded, neutralized, blocked).
//! - `rows_read_per_principal{stat="max"}` against `{stat="median"}`: with the defaults
//!   one principal reads about 15,000 rows a second (1.6 payloads of 10,000 rows), the
//!   median about 4.
//! - Not the golden signals: the errors and the latency are those of a run without it.
//!
//! ## How to fix it
//! Parameterized queries (`queries = parameterized`) remove the cause: input is never
//! parsed as SQL. A WAF (`waf = on`) blocks the requests it recognises, a second line
//! of defence: real WAF rules can be evaded, so it does not replace the first. Least
//! privilege on the database account limits what a successful injection reads.
//!
//! ## Where the numbers come from
//! Injection is A03 of the OWASP Top 10 (2021); the OWASP SQL Injection Prevention Cheat
//! Sheet names prepared statements with parameterized queries as the primary defence.
//! The share (1 % of reads, about 1.6 a second at the default 200 req/s), the attacker
//! and the rows a dump returns (10,000, the default `key_space` of products) are
//! illustrative.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, SecurityEffect, ServiceEffect,
    StrikeCx,
};
use crate::systems::web::metrics::{ROWS_PER_PRINCIPAL, ROWS_STATS};

const ATTEMPTS: MetricSpec = MetricSpec::counter(
    "sql_injection_attempts_total",
    "Requests carrying an injection payload, by what they achieved: succeeded (read the table), neutralized (a parameterized query read nothing), blocked (by the WAF).",
    &["outcome"],
);

const OUTCOMES: [&str; 3] = ["succeeded", "neutralized", "blocked"];
const QUERIES: [&str; 2] = ["concatenated", "parameterized"];
const WAF: [&str; 2] = ["off", "on"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "sql-injection",
    title: "SQL injection",
    category: "security",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary:
        "A query built by string concatenation lets hostile input read the whole table, with 200s.",
    source: crate::doc_of!("scenarios/security/sql_injection.rs"),
    own_params: &[
        ParamSpec::choice(
            "queries",
            "concatenated",
            &QUERIES,
            "How the search builds its query: by string concatenation, or parameterized.",
        ),
        ParamSpec::choice(
            "waf",
            "off",
            &WAF,
            "A web application firewall rule that refuses injection payloads.",
        ),
        ParamSpec::float(
            "hostile_share",
            "",
            0.01,
            0.0,
            1.0,
            "Share of reads that carry an injection payload.",
        ),
        ParamSpec::int(
            "dump_rows",
            "rows",
            10_000,
            1,
            100_000_000,
            "Rows a successful injection reads (the whole table).",
        ),
        ParamSpec::int(
            "attacker_client",
            "client",
            13,
            0,
            1_000_000,
            "The API client (principal) who sends the payloads.",
        ),
    ],
    metrics: &[ATTEMPTS, ROWS_PER_PRINCIPAL],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(SqlInjection::default()),
    check: no_check,
};

#[derive(Default)]
struct SqlInjection {
    parameterized: bool,
    waf: bool,
    share: f64,
    rows: u64,
    attacker: u32,
    outcomes: Option<[CounterId; 3]>,
}

impl Scenario for SqlInjection {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.parameterized = params.choice("queries") == "parameterized";
        self.waf = params.choice("waf") == "on";
        self.share = params.f64("hostile_share");
        self.rows = params.i64("dump_rows").max(1) as u64;
        self.attacker = params.i64("attacker_client").max(0) as u32;
        self.outcomes = Some(OUTCOMES.map(|o| metrics.counter(&ATTEMPTS, &[o])));
        for s in ROWS_STATS {
            metrics.gauge(&ROWS_PER_PRINCIPAL, &[s]);
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let hostile = hop.endpoint == "GET /product" && cx.rng.chance(self.share);
        let mut security = SecurityEffect {
            rows: 1,
            ..SecurityEffect::NONE
        };
        if hostile {
            let outcome = if self.waf {
                2
            } else if self.parameterized {
                1
            } else {
                0
            };
            if let Some(c) = self.outcomes {
                cx.metrics.inc(c[outcome]);
            }
            if outcome == 2 {
                return Effect::fail(403);
            }
            security = SecurityEffect {
                principal: Some(self.attacker),
                rows: if outcome == 0 { self.rows } else { 0 },
                ..SecurityEffect::NONE
            };
        }
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
        let off = run(&config("web", 2201, &[], &[]), 30);
        assert!(!registered(&off, "sql_injection_attempts_total"));
        assert!(!registered(&off, "rows_read_per_principal"));
        let on = run(&config("web", 2201, &["sql-injection"], &[]), 30);
        // ~200 req/s × 0.8 reads × 1 % ≈ 1.6 payloads/s for 30 s.
        let ok = total_where(&on, "sql_injection_attempts_total", "succeeded");
        assert!((25.0..75.0).contains(&ok), "{ok}");
        assert_eq!(
            total_where(&on, "sql_injection_attempts_total", "blocked"),
            0.0
        );
        assert!(stat(&on, "max") > 5000.0);
    }

    #[test]
    fn symptom_appears() {
        let off = summary(config("web", 2202, &[], &[]), 5, 60);
        let on_cfg = config("web", 2202, &["sql-injection"], &[]);
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
        assert!(max > 100.0 * median, "max {max}, median {median}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Parameterized queries neutralize every payload; a WAF blocks them (403).
        let param = run(
            &config(
                "web",
                2203,
                &["sql-injection"],
                &[("sql-injection.queries", "parameterized")],
            ),
            60,
        );
        assert_eq!(
            total_where(&param, "sql_injection_attempts_total", "succeeded"),
            0.0
        );
        assert!(total_where(&param, "sql_injection_attempts_total", "neutralized") > 50.0);
        assert!(stat(&param, "max") < 30.0, "{}", stat(&param, "max"));
        let waf = run(
            &config(
                "web",
                2203,
                &["sql-injection"],
                &[("sql-injection.waf", "on")],
            ),
            60,
        );
        let blocked = total_where(&waf, "sql_injection_attempts_total", "blocked");
        assert!(blocked > 50.0, "{blocked}");
        assert_eq!(responses(&waf, "GET /product", "403"), blocked);
        assert!(stat(&waf, "max") < 30.0);
    }
}
