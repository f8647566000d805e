//! The mobile system's own behaviour on real runs.

use crate::testkit::*;

#[test]
fn slower_networks_wait_longer_and_cellular_costs_more_energy() {
    let lab = run(&config("mobile", 21, &[], &[]), 120);
    let p50 = |net| quantile_where(&lab, "device_request_duration_seconds", net, 0.5);
    assert!(p50("wifi") < 0.3, "wifi {}", p50("wifi"));
    assert!(p50("3g") > p50("slow4g") && p50("slow4g") > p50("wifi"));
    let mwh = |net| total_where(&lab, "battery_mwh_total", net);
    // Half the devices are on Wi-Fi, three in ten on Slow 4G: still more energy there.
    assert!(
        mwh("slow4g") > 5.0 * mwh("wifi"),
        "{} vs {}",
        mwh("slow4g"),
        mwh("wifi")
    );
    assert!(total_where(&lab, "client_requests_total", "success") > 500.0);
}

#[test]
fn flaky_devices_queue_edits_offline_and_sync_them() {
    let lab = run(
        &config(
            "mobile",
            22,
            &[],
            &[
                ("share_flaky", "1"),
                ("share_wifi", "0"),
                ("share_slow4g", "0"),
                ("share_3g", "0"),
            ],
        ),
        300,
    );
    assert!(total_where(&lab, "client_requests_total", "queued") > 10.0);
    assert!(total(&lab, "sync_conflicts_total") > 0.0);
    assert!(total_where(&lab, "data_anomalies_total", "lost_update") > 0.0);
}

#[test]
fn the_largest_parameters_run_and_timeouts_are_logged() {
    let lab = run(
        &config(
            "mobile",
            23,
            &[],
            &[
                ("devices", "20000"),
                ("records", "1000000"),
                ("think_s", "5"),
                ("poll_s", "1"),
                ("timeout_s", "0.05"),
                ("retries", "10"),
            ],
        ),
        3,
    );
    assert!(total_where(&lab, "client_requests_total", "timeout") > 100.0);
    assert!(lab
        .logs()
        .any(|l| l.message == "call timed out on the device"));
}
