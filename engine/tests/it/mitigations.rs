//! Each mitigation does what its catalogue page says, measured the way a learner would
//! (mitigations tied to one scenario are tested in that scenario's file).

use engine::{Lab, LabConfig};

const S: u64 = engine::time::NS_PER_SEC;

fn lab(switches: &[&str], sets: &[(&str, &str)], secs: u64) -> Lab {
    let mut cfg = LabConfig::new("web");
    cfg.seed = 99;
    for id in switches {
        cfg.enable(id).unwrap();
    }
    for (k, v) in sets {
        cfg.set(k, v).unwrap();
    }
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(secs * S);
    lab
}

fn points(lab: &Lab, name: &str) -> Vec<(u64, f64)> {
    let key = lab
        .metrics()
        .series_keys()
        .find(|k| k.name == name)
        .unwrap()
        .index;
    lab.metrics().points(key)
}

/// The largest one-second increase of a counter between virtual seconds `from` and `to`.
fn peak_rate(lab: &Lab, name: &str, from: u64, to: u64) -> f64 {
    let p: Vec<_> = points(lab, name)
        .into_iter()
        .filter(|(t, _)| *t >= from * S && *t <= to * S)
        .collect();
    p.windows(2).map(|w| w[1].1 - w[0].1).fold(0.0, f64::max)
}

#[test]
fn ttl_jitter_spreads_the_refill_wave() {
    // Warm the cache in one instant, then watch it expire 30 s later.
    let sets = [
        ("cache-warming.warm_keys", "2000"),
        ("key_space", "2000"),
        ("write_fraction", "0"),
        ("arrival_rate_rps", "2000"),
    ];
    let synchronized = lab(&["cache-warming"], &sets, 50);
    let jittered = lab(&["cache-warming", "ttl-jitter"], &sets, 50);
    // The warmed keys all expire at 30 s without jitter; between 24 and 36 s with it.
    let peak = |l: &Lab| peak_rate(l, "cache_backend_queries_total", 20, 45);
    let (a, b) = (peak(&synchronized), peak(&jittered));
    assert!(b < a * 0.6, "peak refills/s {a} → {b}");
}

#[test]
fn cache_warming_starts_with_a_high_hit_rate() {
    let hit_rate_first_5s = |switches: &[&str]| {
        let l = lab(switches, &[], 5);
        let hits = l.metrics().family_total("cache_hits_total");
        hits / (hits + l.metrics().family_total("cache_miss_total"))
    };
    let (cold, warm) = (
        hit_rate_first_5s(&[]),
        hit_rate_first_5s(&["cache-warming"]),
    );
    assert!(
        warm > cold + 0.2,
        "hit rate in the first 5 s: {cold} → {warm}"
    );
}

#[test]
fn pool_sizing_removes_the_pool_queue_live() {
    let sets = [
        ("db_pool_size", "2"),
        ("arrival_rate_rps", "1000"),
        ("cache_enabled", "false"),
    ];
    let mut cfg = LabConfig::new("web");
    for (k, v) in sets {
        cfg.set(k, v).unwrap();
    }
    let mut l = Lab::new(&cfg).unwrap();
    l.run_until(30 * S);
    let p99_before = l.golden().latency_p99_s;
    l.set_enabled("pool-sizing", true).unwrap();
    l.run_until(60 * S);
    let p99_after = l.golden().latency_p99_s;
    assert!(
        p99_after < p99_before * 0.8,
        "p99 {p99_before} → {p99_after} once the pool fits"
    );
}

#[test]
fn autoscaling_adds_instances_after_the_delay_and_recovers() {
    let sets = [
        ("arrival_rate_rps", "3000"),
        ("instances", "2"),
        ("autoscaling.scale_up_delay_s", "20"),
    ];
    let mut l = lab(&["autoscaling"], &sets, 10);
    let g_hot = l.golden();
    assert!(g_hot.utilization > 0.9, "{g_hot:?}");
    assert_eq!(
        l.metrics().family_total("autoscaler_instances"),
        2.0,
        "still booting"
    );
    l.run_until(90 * S);
    let g = l.golden();
    assert!(l.metrics().family_total("autoscaler_instances") > 2.0);
    assert!(g.utilization < 0.75 && g.error_rate < 0.01, "{g:?}");
}

#[test]
fn rate_limiter_keeps_a_spike_from_overloading_the_service() {
    let sets = [
        ("instances", "1"),
        ("arrival_rate_rps", "300"),
        ("load_profile", "step"),
        ("profile_period_s", "20"),
        ("profile_peak_factor", "8"),
    ];
    let flooded = lab(&[], &sets, 60);
    let limited = lab(&["rate-limiter"], &sets, 60);
    let (a, b) = (flooded.golden(), limited.golden());
    // Flooded: workers saturated, the accept queue full. Limited: excess refused early.
    assert!(a.utilization > 0.95, "{a:?}");
    assert!(
        a.latency_p99_s > 2.0 * b.latency_p99_s,
        "p99 {} → {}",
        a.latency_p99_s,
        b.latency_p99_s
    );
    assert!(b.utilization < 0.7, "{b:?}");
    assert!(limited.metrics().family_total("rate_limited_total") > 10_000.0);
}

#[test]
fn stale_while_revalidate_hides_slow_refreshes() {
    // Few hot keys, short TTL, a slow query to recompute them.
    let sets = [
        ("key_space", "50"),
        ("cache_ttl_s", "5"),
        ("db_read_ms", "300"),
        ("write_fraction", "0"),
        ("arrival_rate_rps", "500"),
    ];
    let p99 = |l: &Lab| l.golden().latency_p99_s;
    let mut plain = lab(&[], &sets, 60);
    let mut swr = lab(&["stale-while-revalidate"], &sets, 60);
    assert!(p99(&plain) > 0.25, "{}", p99(&plain));
    assert!(p99(&swr) < 0.05, "p99 {} → {}", p99(&plain), p99(&swr));
    assert!(swr.metrics().family_total("cache_stale_served_total") > 0.0);
    let backend = |l: &Lab| l.metrics().family_total("cache_backend_queries_total");
    assert!(backend(&swr) < backend(&plain));
    let _ = (plain.summary(), swr.summary());
}

#[test]
fn database_timeout_bounds_the_wait_for_a_connection() {
    // One connection per instance, far too few: without a timeout requests wait in the
    // pool for seconds; with it they give up at db_timeout_ms and free their worker.
    let sets = [
        ("db_pool_size", "1"),
        ("workers", "128"),
        ("arrival_rate_rps", "800"),
        ("cache_enabled", "false"),
    ];
    let waiting = lab(&[], &sets, 40);
    let bounded = lab(&["timeouts"], &sets, 40);
    let wait_p99 = |l: &Lab| {
        let (bounds, cum, _) = l
            .metrics()
            .family_histogram("db_pool_wait_seconds")
            .unwrap();
        engine::metrics::histogram_quantile(0.99, bounds, &cum)
    };
    assert!(wait_p99(&waiting) > 0.5, "{}", wait_p99(&waiting));
    // ≤ 250 ms, read off a histogram whose bucket spans 200–300 ms.
    assert!(wait_p99(&bounded) <= 0.3, "{}", wait_p99(&bounded));
    let db_timeouts = bounded
        .metrics()
        .family_total_where("timeouts_total", |_, v| v[0] == "database");
    assert!(db_timeouts > 100.0);
}

#[test]
fn hedging_budget_caps_the_copies_when_every_read_is_slow() {
    // Every request is slower than the hedge delay (an overload would look the same):
    // without a cap nearly every read is sent twice; the budget keeps it to its share.
    let slow = [
        ("fixed-latency.delay_ms", "100"),
        ("fixed-latency.probability", "1"),
    ];
    let uncapped = [slow[0], slow[1], ("hedging.max_hedge_ratio", "1")];
    let capped = [slow[0], slow[1], ("hedging.max_hedge_ratio", "0.05")];
    let share = |l: &Lab| {
        l.metrics().family_total("hedged_requests_total")
            / l.metrics()
                .family_total_where("http_requests_total", |_, v| v[1] == "GET /product")
    };
    let all = lab(&["fixed-latency", "hedging"], &uncapped, 30);
    let few = lab(&["fixed-latency", "hedging"], &capped, 30);
    assert!(share(&all) > 0.9, "{}", share(&all));
    assert!(share(&few) < 0.07, "{}", share(&few));
    assert!(few.metrics().family_total("hedge_budget_exhausted_total") > 1000.0);
    // Both copies are as slow: hedging cannot help, and nobody sees an error from it.
    for l in [&all, &few] {
        let g = l.golden();
        assert!(g.error_rate == 0.0 && g.latency_p50_s > 0.1, "{g:?}");
    }
}

#[test]
fn hedged_copies_leave_nothing_behind_through_crashes_and_lost_links() {
    // Instances crash (memory leak) and links lose exchanges while reads are hedged:
    // every copy ends once, so requests in flight and busy workers return to zero.
    let mut cfg = LabConfig::new("web");
    cfg.seed = 5;
    for id in [
        "hedging",
        "memory-leak",
        "network-degradation",
        "tail-latency",
    ] {
        cfg.enable(id).unwrap();
    }
    cfg.set("hedging.hedge_after_ms", "5").unwrap();
    cfg.set("hedging.max_hedge_ratio", "1").unwrap();
    cfg.set("memory-leak.leak_kb_per_request", "200").unwrap();
    cfg.set("network-degradation.edge", "lb_api").unwrap();
    cfg.set("network-degradation.loss", "0.05").unwrap();
    cfg.set("network-degradation.jitter_ms", "20").unwrap();
    let mut l = Lab::new(&cfg).unwrap();
    l.run_until(120 * S);
    assert!(l.metrics().family_total("hedged_requests_total") > 1000.0);
    assert!(l.metrics().family_total("instance_restarts_total") >= 1.0);
    for id in ["memory-leak", "network-degradation", "tail-latency"] {
        l.set_enabled(id, false).unwrap();
    }
    l.run_until(180 * S);
    let gauge = |name: &str| {
        let key = l.metrics().series_keys().find(|k| k.name == name).unwrap();
        l.metrics().points(key.index).last().unwrap().1
    };
    // About 200 req/s × 10 ms in flight once healthy; a leaked copy would stay counted.
    assert!(gauge("http_requests_in_flight") < 20.0);
    assert!(gauge("service_workers_busy") < 20.0);
    let s = l.summary();
    assert!(s.requests_total >= s.requests_completed + s.errors_total);
    assert!(s.requests_total - s.requests_completed - s.errors_total < 20);
}
