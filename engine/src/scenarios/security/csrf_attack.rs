//! # CSRF attack
//!
//! `POST /order` authenticates its caller by a session cookie alone. A page on another
//! site makes its visitors' browsers post orders to it: the browser attaches the
//! visitor's cookie, so the request arrives authenticated and the order is placed in
//! the victim's name. The server sees an ordinary, successful order (200): nothing in
//! the golden signals distinguishes it. The lab marks `forged_share` of orders as
//! forged and models the two controls a request meets:
//!
//! - **SameSite** (`same_site = lax`): the browser does not attach the cookie to a
//!   cross-site POST, so the forged request arrives unauthenticated (401).
//! - **A CSRF token** (`csrf_token = on`): the form carries a secret token the forging
//!   page cannot read; the request without it is refused (403).
//!
//! ```text
//!   evil.example ──auto-submitted form──▶ victim's browser ──POST /order + cookie──▶ api
//!     no token, SameSite=None : 200, an order the user never placed
//!     SameSite=Lax            : no cookie ─▶ 401
//!     CSRF token checked      : no token  ─▶ 403
//! ```
//!
//! ## What to look at
//! - `csrf_forged_requests_total{outcome}`: accepted, no_cookie (SameSite), rejected
//!   (token). With the defaults about 2 forged orders a second are accepted (5 % of 40
//!   orders a second).
//! - Not the golden signals: the forged orders succeed like the others. In production
//!   the traces are the `Origin`/`Referer` headers of other sites and complaints about
//!   orders nobody placed.
//!
//! ## How to fix it
//! Check a CSRF token on every state-changing request (`csrf_token = on`); set session
//! cookies `SameSite=Lax` or `Strict` (`same_site = lax`) as defence in depth; verify
//! the `Origin` header. The refused forgeries then show as 401s or 403s on `POST /order`.
//!
//! ## Where the numbers come from
//! The OWASP Cross-Site Request Forgery Prevention Cheat Sheet: token-based protection
//! (the synchronizer token pattern) as the primary defence, SameSite cookies as defence
//! in depth. The share of forged orders is illustrative. The lab models the mechanism,
//! not an exploit.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const FORGED: MetricSpec = MetricSpec::counter(
    "csrf_forged_requests_total",
    "Cross-site forged requests, by what became of them: accepted, no_cookie (SameSite kept the cookie back), rejected (no CSRF token).",
    &["outcome"],
);

const OUTCOMES: [&str; 3] = ["accepted", "no_cookie", "rejected"];
const SWITCH: [&str; 2] = ["off", "on"];
const SAME_SITE: [&str; 2] = ["none", "lax"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "csrf-attack",
    title: "CSRF attack",
    category: "security",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Another site makes visitors' browsers post orders with their session cookie; the orders succeed.",
    source: crate::doc_of!("scenarios/security/csrf_attack.rs"),
    own_params: &[
        ParamSpec::choice(
            "csrf_token",
            "off",
            &SWITCH,
            "Whether POST /order checks a CSRF token.",
        ),
        ParamSpec::choice(
            "same_site",
            "none",
            &SAME_SITE,
            "The session cookie's SameSite attribute (lax: not sent on cross-site POSTs).",
        ),
        ParamSpec::float(
            "forged_share",
            "",
            0.05,
            0.0,
            1.0,
            "Share of orders that are cross-site forgeries.",
        ),
    ],
    metrics: &[FORGED],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(CsrfAttack::default()),
    check: no_check,
};

#[derive(Default)]
struct CsrfAttack {
    token: bool,
    lax: bool,
    share: f64,
    outcomes: Option<[CounterId; 3]>,
}

impl Scenario for CsrfAttack {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.token = params.choice("csrf_token") == "on";
        self.lax = params.choice("same_site") == "lax";
        self.share = params.f64("forged_share");
        self.outcomes = Some(OUTCOMES.map(|o| metrics.counter(&FORGED, &[o])));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" || !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        // The browser decides first (the cookie), then the server (the token).
        let (outcome, effect) = if self.lax {
            (1, Effect::fail(401))
        } else if self.token {
            (2, Effect::fail(403))
        } else {
            (0, Effect::NONE)
        };
        if let Some(c) = self.outcomes {
            cx.metrics.inc(c[outcome]);
        }
        effect
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2601, &[], &[]), 30);
        assert!(!registered(&off, "csrf_forged_requests_total"));
        let on = run(&config("web", 2601, &["csrf-attack"], &[]), 30);
        // ~40 orders/s × 5 % ≈ 2 forged orders/s for 30 s.
        let accepted = total_where(&on, "csrf_forged_requests_total", "accepted");
        assert!((40.0..80.0).contains(&accepted), "{accepted}");
        assert_eq!(
            total_where(&on, "csrf_forged_requests_total", "rejected"),
            0.0
        );
    }

    #[test]
    fn symptom_appears() {
        // The forged orders succeed: the golden signals are those of a run without it.
        let off = summary(config("web", 2602, &[], &[]), 5, 60);
        let on_cfg = config("web", 2602, &["csrf-attack"], &[]);
        let on = summary(on_cfg.clone(), 5, 60);
        assert_eq!(on.errors_total, off.errors_total);
        assert_eq!(on.requests_total, off.requests_total);
        let lab = run(&on_cfg, 60);
        let accepted = total_where(&lab, "csrf_forged_requests_total", "accepted");
        assert!(accepted > 80.0, "{accepted}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let token = run(
            &config(
                "web",
                2603,
                &["csrf-attack"],
                &[("csrf-attack.csrf_token", "on")],
            ),
            60,
        );
        assert_eq!(
            total_where(&token, "csrf_forged_requests_total", "accepted"),
            0.0
        );
        let rejected = total_where(&token, "csrf_forged_requests_total", "rejected");
        assert!(rejected > 80.0, "{rejected}");
        assert_eq!(responses(&token, "POST /order", "403"), rejected);
        let lax = run(
            &config(
                "web",
                2603,
                &["csrf-attack"],
                &[("csrf-attack.same_site", "lax")],
            ),
            60,
        );
        assert_eq!(
            total_where(&lax, "csrf_forged_requests_total", "accepted"),
            0.0
        );
        let no_cookie = total_where(&lax, "csrf_forged_requests_total", "no_cookie");
        assert_eq!(responses(&lax, "POST /order", "401"), no_cookie);
        assert!(no_cookie > 80.0);
    }
}
