//! # Certificate expiry
//!
//! The service calls the payment provider over mutual TLS: it presents a client
//! certificate, which expires `expires_in_s` after the scenario starts. Nobody renewed
//! it (the renewal job was never set up, its credentials rotated, the calendar reminder
//! went to someone who left). Until that instant nothing at all is wrong: no latency, no
//! errors, no warning in the golden signals. At the instant the provider refuses every
//! handshake (`certificate expired`); the lab counts each payment call as a handshake,
//! so every payment call fails at once with a 502 and every `POST /order` with it: a
//! cliff from 0 % to 100 % of orders failing, while product reads stay perfectly
//! healthy. The only warning, before, was a
//! gauge counting down to zero.
//!
//! ```text
//!   expiry ▲ 30 s ╲
//!   (gauge)│        ╲ 0 ───────────────╲──── negative: expired
//!   orders │ ✓✓✓✓✓✓✓✓│✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗✗  every handshake refused
//!   failing└─────────┴──────────────────▶ time
//!                 notAfter
//! ```
//!
//! ## What to look at
//! - `tls_certificate_expiry_seconds{dependency="payment"}`: seconds the client
//!   certificate has left (negative once expired); the alert belongs here, days ahead
//!   (`tls_certificate_expiry_seconds < 14 * 86400` in production).
//! - `tls_handshake_failures_total{dependency="payment"}` jumping from 0 to the order
//!   rate at the expiry.
//! - `http_requests_total{endpoint="POST /order",status="502"}` and
//!   `dependency_requests_total{dependency="payment",outcome="error"}` going from 0 to
//!   every call in one sample, with `GET /product` untouched; the logs say "payment call
//!   failed".
//!
//! ## How to fix it
//! Renew automatically, long before expiry: `auto_renew` models cert-manager's default,
//! renewing when a third of the certificate's `lifetime_s` is left, so the gauge never
//! gets near zero and no handshake fails. Alert on the expiry gauge, not on errors
//! (errors only arrive when it is too late). Once expired, the fix is a new certificate
//! deployed everywhere; no retry, timeout or breaker makes a refused handshake
//! succeed. No switch of the lab fixes it.
//!
//! Where the numbers come from: certificates from Let's Encrypt live 90 days, and
//! cert-manager renews a certificate when a third of its lifetime remains unless told
//! otherwise (cert-manager documentation, `Certificate.spec.renewBefore`); the lab's
//! default `lifetime_s` of 90 s is those 90 days at a second a day, and `expires_in_s`
//! 30 s is the moment the renewal should have happened. Expired certificates took down
//! Microsoft Teams (February 2020) and O2's and SoftBank's mobile data (Ericsson,
//! December 2018).

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ns_to_secs, secs_to_ns, Nanos};

const EXPIRY: MetricSpec = MetricSpec::gauge(
    "tls_certificate_expiry_seconds",
    "Seconds until the client certificate presented to the dependency expires (negative: expired).",
    &["dependency"],
);
const HANDSHAKE_FAILURES: MetricSpec = MetricSpec::counter(
    "tls_handshake_failures_total",
    "TLS handshakes with the dependency refused because the certificate expired.",
    &["dependency"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "certificate-expiry",
    title: "Certificate expiry",
    category: "api",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "The client certificate for the payment provider expires: every order fails at once, with no gradual warning but a countdown gauge.",
    source: crate::doc_of!("scenarios/api/certificate_expiry.rs"),
    own_params: &[
        ParamSpec::float(
            "expires_in_s",
            "s",
            30.0,
            0.0,
            31_536_000.0,
            "Virtual seconds from the scenario's start until the certificate expires.",
        ),
        ParamSpec::float(
            "lifetime_s",
            "s",
            90.0,
            1.0,
            31_536_000.0,
            "Validity of a newly issued certificate (the lab's 90 s stand for 90 days).",
        ),
        ParamSpec::boolean(
            "auto_renew",
            false,
            "Renew automatically when a third of the lifetime is left (cert-manager's default).",
        ),
    ],
    metrics: &[EXPIRY, HANDSHAKE_FAILURES],
    strikes: &[Component::Dependency],
    mitigations: &[],
    build: || Box::new(CertificateExpiry::default()),
    check: no_check,
};

#[derive(Default)]
struct CertificateExpiry {
    expires_in_ns: Nanos,
    lifetime_ns: Nanos,
    auto_renew: bool,
    /// When the certificate in use expires; `None` until the first strike sets it.
    not_after: Option<Nanos>,
    /// The scenario's start the expiry was set from (a new start is a new certificate).
    since: Nanos,
    now: Nanos,
    expiry: Option<GaugeId>,
    failures: Option<CounterId>,
}

impl CertificateExpiry {
    /// The expiry at `now`, renewing first when renewal is on and due.
    fn not_after(&mut self, since: Nanos, now: Nanos) -> Nanos {
        if self.since != since || self.not_after.is_none() {
            self.since = since;
            self.not_after = Some(since.saturating_add(self.expires_in_ns));
        }
        let mut not_after = self.not_after.unwrap_or(Nanos::MAX);
        if self.auto_renew && not_after.saturating_sub(now) <= self.lifetime_ns / 3 {
            not_after = now.saturating_add(self.lifetime_ns);
            self.not_after = Some(not_after);
        }
        not_after
    }
}

impl Scenario for CertificateExpiry {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.expires_in_ns = secs_to_ns(params.f64("expires_in_s"));
        self.lifetime_ns = secs_to_ns(params.f64("lifetime_s")).max(1);
        self.auto_renew = params.bool("auto_renew");
        self.not_after = None;
        self.expiry = Some(metrics.gauge(&EXPIRY, &["payment"]));
        self.failures = Some(metrics.counter(&HANDSHAKE_FAILURES, &["payment"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        self.now = cx.now;
        if cx.now < self.not_after(cx.active_since, cx.now) {
            return Effect::NONE;
        }
        if let Some(c) = self.failures {
            cx.metrics.inc(c);
        }
        // The handshake is refused at once: the provider does none of the payment's work.
        Effect {
            fail_status: Some(502),
            work_factor: 0.0,
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        let Some(g) = self.expiry else {
            return;
        };
        let left = match self.not_after {
            Some(t) if active => ns_to_secs(t) - ns_to_secs(self.now),
            _ => ns_to_secs(self.expires_in_ns),
        };
        metrics.set(g, left);
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2101, &[], &[]), 30);
        assert!(!registered(&off, "tls_certificate_expiry_seconds"));
        assert!(!registered(&off, "tls_handshake_failures_total"));
        let mut on = run(&config("web", 2101, &["certificate-expiry"], &[]), 20);
        let left = total(&on, "tls_certificate_expiry_seconds");
        assert!((9.0..11.5).contains(&left), "10 s left at t=20: {left}");
        assert_eq!(total(&on, "tls_handshake_failures_total"), 0.0);
        on.run_until(60 * crate::time::NS_PER_SEC);
        let left = total(&on, "tls_certificate_expiry_seconds");
        assert!(left < -29.0, "expired 30 s ago: {left}");
        // ~40 orders/s for 30 s, every one refused.
        let failed = total(&on, "tls_handshake_failures_total");
        assert!((900.0..1500.0).contains(&failed), "{failed}");
    }

    #[test]
    fn symptom_appears() {
        // Nothing before the expiry, every order after it; reads untouched.
        let mut on = run(&config("web", 2102, &["certificate-expiry"], &[]), 29);
        let off = run(&config("web", 2102, &[], &[]), 29);
        let before = failed_responses(&on, "POST /order");
        assert_eq!(before, failed_responses(&off, "POST /order"), "no warning");
        on.run_until(31 * crate::time::NS_PER_SEC);
        let ok_at_31 = responses(&on, "POST /order", "200");
        on.run_until(60 * crate::time::NS_PER_SEC);
        let after = failed_responses(&on, "POST /order") - before;
        assert!(after > 1000.0, "orders failing after the expiry: {after}");
        let ok_late = responses(&on, "POST /order", "200") - ok_at_31;
        assert_eq!(ok_late, 0.0, "no order succeeds after the expiry");
        let t = 60 * crate::time::NS_PER_SEC;
        let series = on.series("error_rate").unwrap();
        let late: Vec<f64> = series
            .iter()
            .filter(|(s, _)| *s > 36 * crate::time::NS_PER_SEC && *s <= t)
            .map(|p| p.1)
            .collect();
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        // Orders are a fifth of the traffic: the error rate jumps to about 20 %.
        assert!(
            (0.15..0.25).contains(&mean),
            "error rate after expiry {mean}"
        );
        assert_eq!(failed_responses(&on, "GET /product"), 0.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let run_with =
            |sets: &[(&str, &str)]| run(&config("web", 2103, &["certificate-expiry"], sets), 60);
        let expired = run_with(&[]);
        let renewed = run_with(&[("certificate-expiry.auto_renew", "true")]);
        let off = run(&config("web", 2103, &[], &[]), 60);
        assert!(failed_responses(&expired, "POST /order") > 1000.0);
        assert_eq!(total(&renewed, "tls_handshake_failures_total"), 0.0);
        assert_eq!(
            failed_responses(&renewed, "POST /order"),
            failed_responses(&off, "POST /order")
        );
        let left = total(&renewed, "tls_certificate_expiry_seconds");
        assert!(left > 29.0, "renewed before a third was left: {left}");
    }
}
