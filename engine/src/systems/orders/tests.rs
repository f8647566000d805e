//! The order system's invariants, on real runs: a projection rebuilt from the log equals
//! the live one; a snapshot load equals a full replay; no two appends share a stream
//! version; sagas end one way or another; the run is deterministic.

use super::store::{ProjectionKind, ReadModel};
use super::OrdersModel;
use crate::sim::{Lab, LabConfig};
use crate::time::NS_PER_SEC;

fn run(params: &[(&str, &str)], secs: u64) -> Lab {
    let mut cfg = LabConfig::new("orders");
    for (k, v) in params {
        cfg.set(k, v).expect("a valid parameter");
    }
    let mut lab = Lab::new(&cfg).expect("an orders run");
    lab.run_until(secs * NS_PER_SEC);
    lab
}

fn model(lab: &Lab) -> &OrdersModel {
    lab.model_as::<OrdersModel>().expect("an orders run")
}

#[test]
fn replaying_the_log_rebuilds_every_projection_to_the_live_digest() {
    let lab = run(&[], 60);
    let m = model(&lab);
    assert!(m.store.head() > 1_000, "{}", m.store.head());
    for (p, kind) in ProjectionKind::ALL.into_iter().enumerate() {
        let live = &m.projections[p];
        assert!(live.checkpoint > 0);
        let rebuilt = ReadModel::rebuild(kind, &m.store, live.checkpoint);
        assert_eq!(rebuilt.digest(), live.digest(), "{}", kind.as_str());
        assert_eq!(&rebuilt, live);
    }
}

#[test]
fn a_snapshot_load_equals_a_full_replay_for_every_order() {
    let lab = run(&[("snapshot_every", "2")], 30);
    let m = model(&lab);
    let mut from_snapshots = 0;
    for s in 0..m.store.streams() {
        let snap = m.store.load(s, true);
        let full = m.store.load(s, false);
        assert_eq!(
            (snap.state, snap.version),
            (full.state, full.version),
            "order {s}"
        );
        assert_eq!(full.state, m.store.state(s));
        from_snapshots += u32::from(snap.from_snapshot);
    }
    assert!(from_snapshots > 100, "{from_snapshots}");
}

#[test]
fn optimistic_concurrency_never_gives_two_appends_one_version() {
    // Many commands on few recent orders, slow commits: conflicts happen.
    let lab = run(
        &[
            ("arrival_rate_rps", "400"),
            ("query_share", "0"),
            ("ship_share", "0.45"),
            ("cancel_share", "0.45"),
            ("append_latency_ms", "50"),
        ],
        30,
    );
    let m = model(&lab);
    let conflicts = lab.metrics().family_total("event_append_conflicts_total");
    assert!(conflicts > 0.0, "the test needs conflicts");
    let mut next = vec![1u32; m.store.streams() as usize];
    for e in m.store.log() {
        assert_eq!(e.version, next[e.stream as usize], "order {}", e.stream);
        next[e.stream as usize] += 1;
    }
}

#[test]
fn sagas_complete_or_compensate_and_failed_compensations_leave_orders_stuck() {
    let healthy = run(&[("payment_failure_rate", "0.2")], 60);
    let total = |lab: &Lab, outcome: &str| {
        lab.metrics()
            .family_total_where("sagas_total", |_, values| values[0] == outcome)
    };
    assert!(total(&healthy, "completed") > 100.0);
    assert!(total(&healthy, "compensated") > 10.0);
    assert_eq!(total(&healthy, "stuck"), 0.0);
    let broken = run(
        &[
            ("payment_failure_rate", "0.2"),
            ("compensation_failure_rate", "1"),
            ("compensation_retries", "1"),
        ],
        60,
    );
    assert!(total(&broken, "stuck") > 10.0);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let mut a = run(&[], 20);
    let mut b = run(&[], 20);
    assert_eq!(a.digest(), b.digest());
    assert_eq!(model(&a).store.log(), model(&b).store.log());
}
