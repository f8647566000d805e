//! The step checker's verdicts and messages: what matched, "not yet", what to look at,
//! no data — on a real lab advanced in virtual time.

use content::check::evaluate;
use content::{Expect, Holds};
use engine::time::NS_PER_SEC;
use engine::{Lab, LabConfig};

fn queue_lab(seconds: u64) -> Lab {
    let mut cfg = LabConfig::new("queue");
    cfg.seed = 3;
    cfg.set("arrival_rate_rps", "50").unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(seconds * NS_PER_SEC);
    lab
}

fn expect(conditions: &[&str], holds: Holds) -> Expect {
    Expect {
        conditions: conditions.iter().map(|c| c.to_string()).collect(),
        holds,
    }
}

#[test]
fn at_end_waits_for_the_run_then_reports_values() {
    let e = expect(
        &["avg_over_time(utilization[10s]) < 0.9"],
        Holds::AtEnd { after_s: 10.0 },
    );
    let early = evaluate(&queue_lab(5), &e);
    assert!(!early.passed);
    assert!(
        early.message.contains("at least 10 s") && early.message.contains("at 5 s"),
        "{}",
        early.message
    );

    let done = evaluate(&queue_lab(10), &e);
    assert!(done.passed, "{}", done.message);
    let v = done.observed.expect("a value");
    assert!(v > 0.2 && v < 0.9, "{v}");
    assert!(
        done.message.contains("t = 10 s")
            && done.message.contains("avg_over_time(utilization[10s])"),
        "{}",
        done.message
    );
}

#[test]
fn a_failing_condition_says_what_it_saw() {
    let e = expect(&["throughput_rps > 1000"], Holds::AtEnd { after_s: 10.0 });
    let out = evaluate(&queue_lab(10), &e);
    assert!(!out.passed);
    let seen = out.observed.expect("a value");
    assert!(seen > 20.0 && seen < 100.0, "{seen}");
    assert!(
        out.message.contains("throughput_rps") && out.message.contains("> 1000"),
        "{}",
        out.message
    );
}

#[test]
fn within_finds_the_first_sample_or_reports_the_range() {
    let e = expect(&["throughput_rps > 10"], Holds::Within { seconds: 10.0 });
    let out = evaluate(&queue_lab(10), &e);
    assert!(out.passed, "{}", out.message);
    assert!(out.message.contains("Held at t = 1 s"), "{}", out.message);

    let never = expect(
        &["throughput_rps > 10", "queue_depth > 100000"],
        Holds::Within { seconds: 10.0 },
    );
    let out = evaluate(&queue_lab(5), &never);
    assert!(!out.passed);
    // The condition that never held is the one reported, with the values it took.
    assert!(
        out.message.contains("queue_depth") && out.message.contains("ranged from"),
        "{}",
        out.message
    );
    assert!(
        out.message.contains("keep it running until 10 s"),
        "{}",
        out.message
    );
}

#[test]
fn no_data_is_not_a_pass_or_a_panic() {
    // The queue system has no cache: the metric is declared (by the web system) but never recorded.
    let e = expect(&["cache_hit_rate > 0.5"], Holds::AtEnd { after_s: 5.0 });
    let out = evaluate(&queue_lab(5), &e);
    assert!(!out.passed && out.observed.is_none());
    assert!(out.message.contains("no data"), "{}", out.message);

    let broken = expect(&["latency_p99_s >"], Holds::AtEnd { after_s: 5.0 });
    let out = evaluate(&queue_lab(5), &broken);
    assert!(
        !out.passed && out.message.contains("cannot run"),
        "{}",
        out.message
    );
}
