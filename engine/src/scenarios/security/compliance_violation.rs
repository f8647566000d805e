//! # Compliance violation
//!
//! Every order stores the customer's personal data (name, address, email). The
//! retention rule says a record is deleted `retention_s` after it was written, and a
//! purge job is meant to do it. The job is not running (`purge = off`): records past
//! their retention pile up. Nothing is slow and nothing fails: the service works, and
//! the data it keeps grows into a liability that only a count of records past
//! retention shows.
//!
//! The lab compresses time: the retention period is in virtual seconds (30 by default)
//! so that a run shows records ageing past it; in production it is days or months.
//!
//! ```text
//!   POST /order ──▶ personal-data record (written at t)
//!   t + retention ──▶ purge job deletes it        (purge = on)
//!                 ──▶ it stays, past retention    (purge = off)
//!   personal_data_past_retention_records  ↗ 40 a second with the defaults
//! ```
//!
//! ## What to look at
//! - `personal_data_past_retention_records`: records kept longer than the rule allows;
//!   with the defaults it grows by about 40 a second (every order) once the first
//!   records are 30 s old.
//! - `personal_data_records`: everything stored; without purging it only grows.
//! - `retention_purged_records_total`: what the purge job deleted (nothing while off).
//!
//! ## How to fix it
//! Run the purge job (`purge = on`) and alert when `personal_data_past_retention_records`
//! is above 0 for longer than one purge interval. Then the stored records level off at
//! about the orders of one retention period.
//!
//! ## Where the numbers come from
//! GDPR Art. 5(1)(e) (storage limitation): personal data kept in a form which permits
//! identification of data subjects for no longer than is necessary for the purposes
//! for which they are processed. The law sets no period; the 30 s stand in for the one
//! an organisation sets itself.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{secs_to_ns, Nanos, NS_PER_SEC};
use std::collections::VecDeque;

const RECORDS: MetricSpec = MetricSpec::gauge(
    "personal_data_records",
    "Personal-data records the service stores (one per order).",
    &[],
);

const PAST_RETENTION: MetricSpec = MetricSpec::gauge(
    "personal_data_past_retention_records",
    "Stored personal-data records older than the retention period.",
    &[],
);

const PURGED: MetricSpec = MetricSpec::counter(
    "retention_purged_records_total",
    "Personal-data records the purge job deleted at the end of their retention period.",
    &[],
);

const SWITCH: [&str; 2] = ["off", "on"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "compliance-violation",
    title: "Compliance violation",
    category: "security",
    kind: crate::scenario::FaultKind::Leaking,
    summary: "The retention purge job does not run: personal data is kept past its retention period, silently.",
    source: crate::doc_of!("scenarios/security/compliance_violation.rs"),
    own_params: &[
        ParamSpec::choice(
            "purge",
            "off",
            &SWITCH,
            "Whether the purge job deletes records at the end of their retention period.",
        ),
        ParamSpec::float(
            "retention_s",
            "s",
            30.0,
            1.0,
            86_400.0,
            "The retention period, in virtual seconds.",
        ),
    ],
    metrics: &[RECORDS, PAST_RETENTION, PURGED],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(ComplianceViolation::default()),
    check: no_check,
};

#[derive(Default)]
struct ComplianceViolation {
    purge: bool,
    retention: Nanos,
    /// Records written, per virtual second: (the second's start, records).
    written: VecDeque<(Nanos, u64)>,
    /// How many of the oldest seconds are past retention, and their records.
    aged: usize,
    past: u64,
    stored: u64,
    now: Nanos,
    ids: Option<(GaugeId, GaugeId, CounterId)>,
}

impl Scenario for ComplianceViolation {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.purge = params.choice("purge") == "on";
        self.retention = secs_to_ns(params.f64("retention_s"));
        self.ids = Some((
            metrics.gauge(&RECORDS, &[]),
            metrics.gauge(&PAST_RETENTION, &[]),
            metrics.counter(&PURGED, &[]),
        ));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.now = self.now.max(cx.now);
        if hop.endpoint == "POST /order" {
            let second = cx.now / NS_PER_SEC * NS_PER_SEC;
            match self.written.back_mut() {
                Some((s, n)) if *s == second => *n += 1,
                _ => self.written.push_back((second, 1)),
            }
            self.stored += 1;
        }
        Effect::NONE
    }

    fn on_sample(&mut self, metrics: &mut Registry, _active: bool) {
        let Some((records, past, purged)) = self.ids else {
            return;
        };
        // A second's records are past retention once its last one is.
        while let Some(&(second, n)) = self.written.get(self.aged) {
            if second + NS_PER_SEC + self.retention > self.now {
                break;
            }
            self.aged += 1;
            self.past += n;
        }
        if self.purge && self.past > 0 {
            self.written.drain(..self.aged);
            metrics.add(purged, self.past as f64);
            self.stored -= self.past;
            self.aged = 0;
            self.past = 0;
        }
        metrics.set(records, self.stored as f64);
        metrics.set(past, self.past as f64);
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2801, &[], &[]), 30);
        assert!(!registered(&off, "personal_data_records"));
        assert!(!registered(&off, "personal_data_past_retention_records"));
        assert!(!registered(&off, "retention_purged_records_total"));
        let on = run(&config("web", 2801, &["compliance-violation"], &[]), 60);
        // ~40 orders/s: ~2,400 records in 60 s, those older than 30 s (and a second)
        // past retention.
        let stored = total(&on, "personal_data_records");
        assert!((2000.0..2800.0).contains(&stored), "{stored}");
        let past = total(&on, "personal_data_past_retention_records");
        assert!((900.0..1400.0).contains(&past), "{past}");
        assert_eq!(total(&on, "retention_purged_records_total"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Silent on the golden signals; the records past retention only grow.
        let off = summary(config("web", 2802, &[], &[]), 5, 90);
        let on_cfg = config("web", 2802, &["compliance-violation"], &[]);
        let on = summary(on_cfg.clone(), 5, 90);
        assert_eq!(on.errors_total, off.errors_total);
        assert_eq!(on.requests_total, off.requests_total);
        let lab = run(&on_cfg, 90);
        let past = values_of(&lab, "personal_data_past_retention_records");
        assert_eq!(past[20], 0.0, "nothing is past retention in the first 30 s");
        assert!(past[89] > past[60] + 1000.0, "{} → {}", past[60], past[89]);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let lab = run(
            &config(
                "web",
                2803,
                &["compliance-violation"],
                &[("compliance-violation.purge", "on")],
            ),
            90,
        );
        let past = values_of(&lab, "personal_data_past_retention_records");
        assert!(past.iter().all(|&p| p == 0.0), "purged each second");
        let purged = total(&lab, "retention_purged_records_total");
        assert!((2000.0..2700.0).contains(&purged), "{purged}");
        let stored = values_of(&lab, "personal_data_records");
        // Levels off at about one retention period of orders (~40/s × 31 s).
        assert!((1000.0..1500.0).contains(&stored[89]), "{}", stored[89]);
    }
}
