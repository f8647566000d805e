//! The incident pool. Each entry is checked by the native tests: its lab builds, its
//! cause is true of one of its scenarios, its signature holds on an unfixed play and on
//! no play of an incident with another cause, and its fix restores it (`recovered`, or
//! the SLO) for `score::HOLD_S`.
//!
//! Hidden parameters are chosen so the symptom is clear and the fix is enough; where a
//! number comes from a measured run, the comment says which.

use super::incident::{Fault, Fix, Herring, Incident};

pub static POOL: &[Incident] = &[
    Incident {
        id: "orders-unpaid",
        title: "Finance: orders placed but never charged",
        system: "orders",
        difficulty: 2,
        duration_s: 420,
        setup: &[],
        faults: &[Fault {
            scenario: "dual-write",
            params: &[],
            start_s: [45, 120],
        }],
        herring: None,
        component: "queue",
        kind: "inconsistent",
        fix: Fix {
            mitigations: &["transactional-outbox"],
            params: &[],
        },
        signature: &[
            r#"sum(increase(integration_events_total{outcome="lost"}[5m])) > 5"#,
            "orders_awaiting_payment > 40",
        ],
        recovered: &[r#"sum(increase(integration_events_total{outcome="lost"}[1m])) == 0"#],
        cause: "The command handler appends OrderPlaced and then publishes the message that starts the payment saga as a second write; while the broker times out, 5 % of those publishes are lost after the append committed, so those orders never start a saga and stay placed and unpaid. The fix is a transactional outbox: the event in the log is the message, relayed at least once.",
    },
    Incident {
        id: "orders-wrong-status",
        title: "Support: customers see paid orders as still placed",
        system: "orders",
        difficulty: 3,
        duration_s: 420,
        setup: &[],
        faults: &[Fault {
            scenario: "event-ordering-issue",
            params: &[],
            start_s: [45, 120],
        }],
        herring: Some(Herring::Change {
            at_s: 40,
            switch_on: "shadow-rebuild",
            note: "A config push switched on blue/green rebuilds of the projections: no rebuild runs, so it changes nothing; it is in the timeline, not in the cause.",
        }),
        component: "projection",
        kind: "inconsistent",
        fix: Fix {
            mitigations: &["per-stream-ordering"],
            params: &[],
        },
        signature: &[
            r#"sum(increase(data_anomalies_total{kind="wrong_read_model"}[5m])) > 10"#,
            "max(projection_lag_events) < 50",
        ],
        recovered: &["sum(increase(projection_events_out_of_order_total[1m])) == 0"],
        cause: "The order summary's writes fail now and then and its consumer retries them from a retry queue while it goes on, so an order's later event is applied before its OrderPlaced and the read model is left wrong though it is not behind. The fix keeps each order's events in order through retries.",
    },
];
