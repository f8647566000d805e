//! # PII leak
//!
//! A deploy leaves debug logging on in the order handler: every `POST /order` logs its
//! request body, and with it the customer's personal data (by default the email and
//! the card number). Nothing fails and nothing slows down. The data now sits in the log
//! pipeline, its indexes and its backups, readable by everyone who can read logs, and
//! kept as long as the logs are.
//!
//! The lab's log pipeline has a PII detector: each personal-data field it finds in a
//! stored line is counted by field. With redaction on, the pipeline masks the fields
//! before storing the line and counts them as redacted instead.
//!
//! ```text
//!   POST /order ──▶ api-i ──debug: body={email, card_number, …}──▶ log pipeline
//!                                           PII detector ─▶ pii_fields_logged_total{field}
//!                                           redaction on ─▶ "email": "[REDACTED]"
//! ```
//!
//! ## What to look at
//! - `rate(pii_fields_logged_total[1m])` by `field`: with the defaults about 40 emails
//!   and 40 card numbers a second (every order, 20 % of 200 req/s). Any is a finding.
//! - The log view: `debug` lines from `api` with the fields as logged (the lab shows
//!   them masked, like a detector's report).
//! - Not the golden signals: they are those of a run without it.
//!
//! ## How to fix it
//! Turn the debug logging off and never log request bodies; redact known fields in
//! the pipeline (`redaction = on`: `pii_fields_redacted_total` instead); then find and
//! purge what was already stored (indexes, backups).
//!
//! ## Where the numbers come from
//! PCI DSS v4.0 requirement 3.5.1: the primary account number must be rendered
//! unreadable anywhere it is stored, logs included. The OWASP Logging Cheat Sheet lists
//! session identifiers, access tokens, payment card data and sensitive personal data
//! among what should not be recorded directly in logs. GDPR Art. 5(1)(f): personal data
//! processed with appropriate security. The share of lines (every order) is the
//! mechanism's default: a debug switch logs everything it covers.

use crate::metrics::Registry;
use crate::observe::{Level, LogRecord};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, SecurityEffect, ServiceEffect,
    StrikeCx, PII_FIELDS,
};
use crate::systems::web::metrics::{PII_LOGGED, PII_REDACTED};

const FIELDS: [&str; 3] = ["email", "email+card_number", "all"];
const REDACTION: [&str; 2] = ["off", "on"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "pii-leak",
    title: "PII leak",
    category: "security",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Debug logging writes customers' emails and card numbers into the logs; only a PII detector notices.",
    source: crate::doc_of!("scenarios/security/pii_leak.rs"),
    own_params: &[
        ParamSpec::choice(
            "fields",
            "email+card_number",
            &FIELDS,
            "Which personal-data fields the order handler's debug line carries (all: also the IP address and the session token).",
        ),
        ParamSpec::float(
            "leak_share",
            "",
            1.0,
            0.0,
            1.0,
            "Share of orders whose body is logged.",
        ),
        ParamSpec::choice(
            "redaction",
            "off",
            &REDACTION,
            "The log pipeline masks known personal-data fields before storing a line.",
        ),
    ],
    metrics: &[PII_LOGGED, PII_REDACTED],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(PiiLeak::default()),
    check: no_check,
};

#[derive(Default)]
struct PiiLeak {
    fields: u8,
    share: f64,
    redaction: bool,
}

impl Scenario for PiiLeak {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.fields = match params.choice("fields") {
            "email" => 0b0001,
            "all" => 0b1111,
            _ => 0b0011,
        };
        self.share = params.f64("leak_share");
        self.redaction = params.choice("redaction") == "on";
        for f in PII_FIELDS {
            metrics.counter(&PII_LOGGED, &[f]);
            metrics.counter(&PII_REDACTED, &[f]);
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" || !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if cx.logs.admits(cx.now) {
            let mut fields = vec![("endpoint", hop.endpoint.to_string())];
            for (bit, f) in PII_FIELDS.iter().enumerate() {
                if self.fields & (1 << bit) != 0 {
                    let shown = if self.redaction {
                        "[REDACTED]"
                    } else {
                        "[PII detected]"
                    };
                    fields.push((f, shown.to_string()));
                }
            }
            cx.logs.push(LogRecord {
                t_ns: cx.now,
                level: Level::Debug,
                service: "api",
                message: "request body",
                fields,
                trace_id: cx.trace_id,
            });
        }
        Effect::on_service(ServiceEffect {
            security: SecurityEffect {
                pii_fields: self.fields,
                redaction: self.redaction,
                ..SecurityEffect::NONE
            },
            ..ServiceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2301, &[], &[]), 30);
        assert!(!registered(&off, "pii_fields_logged_total"));
        assert!(!registered(&off, "pii_fields_redacted_total"));
        let on = run(&config("web", 2301, &["pii-leak"], &[]), 30);
        // ~200 req/s × 20 % orders ≈ 40 lines/s for 30 s.
        let cards = total_where(&on, "pii_fields_logged_total", "card_number");
        assert!((1000.0..1400.0).contains(&cards), "{cards}");
        assert_eq!(total_where(&on, "pii_fields_logged_total", "email"), cards);
        assert_eq!(
            total_where(&on, "pii_fields_logged_total", "session_token"),
            0.0
        );
        assert_eq!(total(&on, "pii_fields_redacted_total"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Only the detector sees it: the golden signals are the same as without it.
        let off = summary(config("web", 2302, &[], &[]), 5, 60);
        let on_cfg = config("web", 2302, &["pii-leak"], &[]);
        let on = summary(on_cfg.clone(), 5, 60);
        assert_eq!(on.errors_total, off.errors_total);
        assert_eq!(on.requests_total, off.requests_total);
        assert!((on.latency_p99_s - off.latency_p99_s).abs() < 0.05 * off.latency_p99_s);
        let lab = run(&on_cfg, 60);
        let logged = total(&lab, "pii_fields_logged_total");
        let orders = responses(&lab, "POST /order", "200");
        assert!(
            logged >= 2.0 * orders * 0.95,
            "two fields per order: {logged} for {orders} orders"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let lab = run(
            &config("web", 2303, &["pii-leak"], &[("pii-leak.redaction", "on")]),
            60,
        );
        assert_eq!(total(&lab, "pii_fields_logged_total"), 0.0);
        let redacted = total_where(&lab, "pii_fields_redacted_total", "card_number");
        assert!(redacted > 2000.0, "{redacted}");
    }
}
