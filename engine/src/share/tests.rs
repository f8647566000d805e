//! The links and configuration files tests: round trips, files saved by earlier
//! builds, bad input refused with what is wrong.

use super::*;

fn link(q: &str) -> ParsedLink {
    parse_query(q)
}

/// Issue 25: the embed's `scenario=` and `mitigation=` open the full lab too, and a
/// misspelt key is answered with the nearest allowed ones, not all 59.
#[test]
fn the_embeds_names_work_in_the_full_lab_and_misspellings_get_the_nearest() {
    let parsed = link("scenario=retry-storm&mitigation=retry-backoff");
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    let ids: Vec<&str> = parsed
        .state
        .switches
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(ids, ["retry-storm", "retry-backoff"]);
    let typo = link("arrival_rate=300");
    let message = typo.ignored.join(" ");
    assert!(
        message.contains("unknown parameter `arrival_rate` (allowed: arrival_rate_rps, "),
        "{message}"
    );
    assert!(message.contains("more)"), "{message}");
    assert!(message.len() < 200, "{message}");
}

#[test]
fn a_full_link_round_trips() {
    let q = "system=web&seed=7&speed=100&workers=4&s=retry-storm&retry-storm.retries=3&m=breaker&t=120.5&paused=1";
    let parsed = link(q);
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    let s = &parsed.state;
    assert_eq!(s.system, "web");
    assert_eq!(s.seed, 7);
    assert_eq!(s.speed, "100");
    assert_eq!(s.t_ns, Some(120_500_000_000));
    assert!(s.paused);
    assert_eq!(s.params.get("workers").map(String::as_str), Some("4"));
    let ids: Vec<&str> = s.switches.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["retry-storm", "breaker"]);
    assert_eq!(
        s.switches[0].params.get("retries").map(String::as_str),
        Some("3")
    );
    let again = link(&s.to_query());
    assert_eq!(&again.state, s);
    assert!(again.ignored.is_empty());
    assert_eq!(link(&again.state.to_query()).state.to_query(), s.to_query());
    s.config().expect("a parsed link is a valid configuration");
}

#[test]
fn an_empty_link_is_the_default_lab() {
    for q in ["", "?", "&&&"] {
        let parsed = link(q);
        assert_eq!(parsed.state, LabState::default(), "{q}");
        assert!(parsed.ignored.is_empty(), "{q}");
    }
    assert_eq!(LabState::default().to_query(), "system=web&seed=1");
}

#[test]
fn the_same_link_gives_the_same_run() {
    let parsed = link("?seed=42&s=fixed-latency&fixed-latency.delay_ms=200&t=30");
    let run = |cfg: &LabConfig| {
        let mut lab = crate::Lab::new(cfg).unwrap();
        lab.run_until(parsed.state.t_ns.unwrap());
        lab.digest()
    };
    let cfg = parsed.state.config().unwrap();
    let again = link(&parsed.state.to_query()).state.config().unwrap();
    assert_eq!(cfg, again);
    assert_eq!(run(&cfg), run(&again));
    let mut plain = LabConfig::new("web");
    plain.seed = 42;
    assert_ne!(run(&cfg), run(&plain), "the scenario must change the run");
}

#[test]
fn a_tutorial_deep_link_is_left_to_the_tutorial_panel() {
    let parsed = link("tutorial=latency-inject&step=2&seed=7");
    assert_eq!(parsed.ignored, Vec::<String>::new());
    assert_eq!(parsed.state.seed, 7);
    assert!(parsed.state.params.is_empty());
}

#[test]
fn bad_parts_are_ignored_with_the_engines_message_and_the_rest_kept() {
    let parsed = link(
        "system=web&seed=banana&s=no-such-scenario,fixed-latency&fixed-latency.delay_ms=-5\
         &workers=0&speed=3&t=soon&paused=maybe&nosuch=1&justakey&breaker.nope=1&m=breaker",
    );
    let all = parsed.ignored.join("\n");
    for needle in [
        "invalid value `banana` for `seed`",
        "unknown scenario or mitigation `no-such-scenario`",
        "fixed-latency.delay_ms",
        "`workers`",
        "invalid value `3` for `speed`",
        "invalid value `soon` for `t`",
        "invalid value `maybe` for `paused`",
        "unknown parameter `nosuch`",
        "`justakey` has no value",
        "unknown parameter `breaker.nope`",
    ] {
        assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
    }
    let s = &parsed.state;
    assert_eq!(s.seed, DEFAULT_SEED);
    assert_eq!(s.speed, DEFAULT_SPEED);
    assert!(s.params.is_empty());
    let ids: Vec<&str> = s.switches.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["fixed-latency", "breaker"]);
    assert!(s.switches[0].params.is_empty(), "the bad delay is not kept");
    s.config().expect("what is kept is valid");
}

#[test]
fn an_unknown_system_falls_back_to_the_default() {
    let parsed = link("system=mainframe&seed=3");
    assert_eq!(parsed.state.system, DEFAULT_SYSTEM);
    assert_eq!(parsed.state.seed, 3);
    assert!(parsed.ignored[0].contains("unknown system `mainframe`"));
}

#[test]
fn a_parameter_of_a_switch_that_is_off_is_named() {
    let parsed = link("retry-storm.retries=3");
    assert_eq!(parsed.ignored.len(), 1);
    assert!(
        parsed.ignored[0].contains("not switched on"),
        "{:?}",
        parsed.ignored
    );
    assert!(parsed.state.switches.is_empty());
}

#[test]
fn a_switch_that_does_not_fit_the_system_is_left_off() {
    let parsed = link("system=queue&s=cache-stampede");
    assert!(parsed.state.switches.is_empty());
    assert!(
        parsed.ignored[0].contains("cache-stampede"),
        "{:?}",
        parsed.ignored
    );
    assert!(parsed.ignored[0].contains("left off"));
}

#[test]
fn t_is_exact_to_the_nanosecond_and_bounded() {
    assert_eq!(parse_t("0"), Ok(0));
    assert_eq!(parse_t("1.000000001"), Ok(1_000_000_001));
    assert_eq!(parse_t("2m"), Ok(120 * NS_PER_SEC));
    for bad in [
        "",
        "-1",
        "1.0000000001",
        "1e3",
        "nan",
        "1.2.3",
        "99999999999999999999",
    ] {
        assert!(parse_t(bad).is_err(), "{bad}");
    }
    assert!(parse_t("86401").unwrap_err().contains("out of range"));
    for ns in [
        0,
        1,
        999_999_999,
        120 * NS_PER_SEC,
        90_500_000_000,
        MAX_T_NS,
    ] {
        assert_eq!(parse_t(&format_seconds(ns)), Ok(ns));
    }
}

#[test]
fn garbage_never_panics_and_always_leaves_a_valid_lab() {
    let long = "a".repeat(MAX_QUERY_LEN + 1);
    let inputs = [
        "%",
        "%%",
        "%zz=%",
        "=",
        "==",
        "&=&=",
        "s=",
        "s=,,,",
        "t=%FF",
        "seed=%E2%82%AC",
        "system=%00",
        "\u{1F600}=\u{1F600}",
        ".=.",
        "a.b.c=d",
        "s=retry-storm&s=retry-storm",
        long.as_str(),
    ];
    for q in inputs {
        let parsed = link(q);
        parsed.state.config().unwrap_or_else(|e| panic!("{q}: {e}"));
        let again = link(&parsed.state.to_query());
        assert_eq!(again.state, parsed.state, "{q}");
    }
    assert_eq!(link(&long).ignored.len(), 1);
    let many: String = (0..50).map(|i| format!("x{i}=1&")).collect();
    let parsed = link(&many);
    assert_eq!(parsed.ignored.len(), MAX_PROBLEMS + 1);
    assert!(parsed.ignored.last().unwrap().contains("30 more"));
}

#[test]
fn values_are_encoded_and_decoded() {
    assert_eq!(encode("a b&c=d%"), "a%20b%26c%3Dd%25");
    assert_eq!(decode("a%20b+c%26"), "a b c&");
    assert_eq!(decode("%"), "%");
    assert_eq!(decode("%4"), "%4");
    assert_eq!(decode("100%"), "100%");
    assert_eq!(decode(&encode("ünïcode ✓")), "ünïcode ✓");
}

#[test]
fn view_and_item_are_read() {
    let parsed = link("view=catalog&item=retry-storm");
    assert_eq!(parsed.view.as_deref(), Some("catalog"));
    assert_eq!(parsed.item.as_deref(), Some("retry-storm"));
    assert!(parsed.ignored.is_empty());
}

fn read_file(json: &str) -> Result<LabState, Vec<String>> {
    read_config_file(json)
}

fn write_file(state: &LabState) -> String {
    state.to_file().to_json()
}

#[test]
fn a_configuration_file_round_trips() {
    let state = link(
        "system=web&seed=9&s=retry-storm&retry-storm.retries=3&m=breaker&t=60&paused=1&workers=4",
    )
    .state;
    let json = write_file(&state);
    assert!(
        json.starts_with("{\n  \"format\": \"sdl-lab-config\",\n  \"version\": 2,\n"),
        "{json}"
    );
    assert_eq!(read_file(&json), Ok(state));
}

#[test]
fn slos_and_alert_rules_travel_in_links_and_files() {
    let rule = "SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 30s critical";
    let q = format!(
        "seed=3&slo.latency_ms=400&slo.availability_pct=99.5&rule={}&rule={}",
        encode(rule),
        encode("Busy: utilization > 0.8")
    );
    let parsed = link(&q);
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    let s = &parsed.state;
    assert_eq!(s.rules, [rule, "Busy: utilization > 0.8"]);
    assert_eq!(
        s.params.get("slo.latency_ms").map(String::as_str),
        Some("400")
    );
    let cfg = s.config().unwrap();
    assert_eq!(cfg.slo.latency_p99_s, 0.4);
    assert_eq!(cfg.custom_rules().len(), 2);
    assert_eq!(&link(&s.to_query()).state, s);
    let json = write_file(s);
    assert!(json.contains("\"rules\": ["), "{json}");
    assert_eq!(read_file(&json).as_ref(), Ok(s));
    // A file from before rules existed still reads.
    let old = r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1}"#;
    assert_eq!(read_file(old).map(|s| s.rules), Ok(vec![]));
    // Fields that may be left out, or (t_ns) null, take their defaults.
    let null_t = r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"t_ns":null,"scenarios":[{"id":"retry-storm"}]}"#;
    let read = read_file(null_t).unwrap();
    assert_eq!(
        (read.t_ns, read.speed.as_str(), read.paused),
        (None, DEFAULT_SPEED, false)
    );
    assert_eq!(read.switches[0].params, BTreeMap::new());
}

#[test]
fn a_bad_rule_or_slo_in_a_link_is_left_out_with_why() {
    let parsed = link(&format!(
        "slo.latency_ms=-3&rule={}&rule={}&rule={}",
        encode("Ok: utilization > 0.5"),
        encode("Broken: nope_total > 1"),
        encode("Saturation: utilization > 0.1"),
    ));
    assert_eq!(parsed.state.rules, ["Ok: utilization > 0.5"]);
    assert!(parsed.state.params.is_empty());
    let all = parsed.ignored.join(" | ");
    assert!(all.contains("slo.latency_ms"), "{all}");
    assert!(all.contains("unknown metric `nope_total`"), "{all}");
    assert!(all.contains("belongs to a default rule"), "{all}");
    assert!(all.contains("the rule was left out"), "{all}");
}

/// The link the fixture `lab-config-v1.json` was written from.
fn fixture_state() -> LabState {
    let parsed = link(&format!(
        "system=web&seed=9&speed=100&s=retry-storm&retry-storm.retries=3&m=breaker&t=60.5&paused=1&workers=4&slo.latency_ms=400&rule={}",
        encode("Busy: utilization > 0.8 for 30s critical")
    ));
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    parsed.state
}

/// Files saved by earlier builds (serde_json, commit 15ad606) read back to the state
/// they were saved from, and this build writes the same state byte for byte.
#[test]
fn configuration_files_saved_by_earlier_builds_still_load_and_are_written_the_same() {
    let cases = [
        (
            include_str!("../../tests/fixtures/json/lab-config-v1.json"),
            fixture_state(),
        ),
        (
            include_str!("../../tests/fixtures/json/lab-config-default-v1.json"),
            LabState::default(),
        ),
    ];
    for (saved, state) in cases {
        assert_eq!(read_file(saved).as_ref(), Ok(&state), "{saved}");
        // Written as version 2, otherwise byte for byte the same.
        let now = saved.replacen("\"version\": 1,", "\"version\": 2,", 1);
        assert_eq!(write_file(&state), now);
    }
}

/// A version-1 file's rules were in the lab's old query dialect: they read as the
/// PromQL that means the same, and a link from then too.
#[test]
fn rules_saved_before_promql_read_as_the_promql_that_means_the_same() {
    let old =
        "SlowDb: histogram_quantile(0.99, db_query_duration_seconds[1m]) > 0.1 for 30s critical";
    let new = "SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 30s critical";
    let file = format!(
        r#"{{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"rules":["{old}","Errors: rate(http_requests_total{{status=~\"5..\"}}[1m]) > 2"]}}"#
    );
    let state = read_file(&file).unwrap();
    assert_eq!(
        state.rules,
        [
            new,
            "Errors: sum(rate(http_requests_total{status=~\"5..\"}[1m])) > 2"
        ]
    );
    let parsed = link(&format!("rule={}", encode(old)));
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    assert_eq!(parsed.state.rules, [new]);
    // Typed today, the old form is refused with the standard one.
    let e = Rule::parse(old).unwrap_err();
    assert!(
        e.contains("sum by (le) (rate(db_query_duration_seconds_bucket[1m]))"),
        "{e}"
    );
}

#[test]
fn a_bad_configuration_file_is_refused_with_what_is_wrong() {
    let cases = [
        (r#"{"format":"other","version":1}"#, "`format` is `other`"),
        (r#"{"version":1}"#, "no `format` field"),
        (
            r#"{"format":"sdl-lab-config","version":3,"new":true}"#,
            "unknown configuration version 3",
        ),
        (r#"{"format":"sdl-lab-config"}"#, "no `version` field"),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"colour":"red"}"#,
            "unknown field `colour`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":"one"}"#,
            "invalid type",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"scenarios":[{"id":"nope"}]}"#,
            "unknown scenario or mitigation `nope`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"mitigations":[{"id":"retry-storm"}]}"#,
            "is a scenario",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"mars","seed":1}"#,
            "unknown system `mars`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"params":{"workers":"0"}}"#,
            "out of range",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"speed":"7"}"#,
            "`speed`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"t_ns":99999999999999999}"#,
            "`t_ns`",
        ),
        ("not json", "expected"),
        (
            "{\"format\":\"sdl-lab-config\",\n \"version\":1,,}",
            "not a lab configuration (JSON): expected a member name (a string), found `,` at line 2 column 14",
        ),
        ("[1]", "invalid type: sequence, expected a map"),
        (
            r#"{"format":1,"version":1}"#,
            "`format`: invalid type: integer `1`, expected a string",
        ),
        (
            r#"{"format":"sdl-lab-config","version":"1"}"#,
            "`version`: invalid type: string \"1\"",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"seed":1}"#,
            "missing field `system`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web"}"#,
            "missing field `seed`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"colour":"red"}"#,
            "expected one of `format`, `version`, `system`, `seed`, `speed`, `paused`, `t_ns`, `params`, `scenarios`, `mitigations`, `rules`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"seed":2}"#,
            "duplicate field `seed`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1.0}"#,
            "`seed`: invalid type: floating point `1.0`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":-1}"#,
            "`seed`: invalid value: integer `-1`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"speed":null}"#,
            "`speed`: invalid type: null, expected a string",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"paused":1}"#,
            "`paused`: invalid type: integer `1`, expected a boolean",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"params":{"workers":4}}"#,
            "`params`: `workers`: invalid type: integer `4`, expected a string",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"scenarios":[{"id":"retry-storm","param":{}}]}"#,
            "`scenarios`: [0]: unknown field `param`, expected `id` or `params`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"mitigations":[{"params":{}}]}"#,
            "`mitigations`: [0]: missing field `id`",
        ),
        (
            r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"rules":["a",2]}"#,
            "`rules`: [1]: invalid type: integer `2`, expected a string",
        ),
    ];
    for (json, needle) in cases {
        let problems = read_file(json).expect_err(json).join("\n");
        assert!(
            problems.contains(needle),
            "{json}: `{needle}` not in {problems}"
        );
    }
}

/// A SCORM launch (`?series=<id>&tutorial=<id>`, scripts/scorm.py) is a tutorial
/// deep link, not a lab with an unknown parameter (issue 18: every LMS learner saw
/// "unknown parameter `series`").
#[test]
fn a_scorm_launch_link_is_read_without_complaint() {
    let parsed = parse_query("?series=queueing&tutorial=little-law");
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    assert_eq!(parsed.state, LabState::default());
}

/// A lab configuration larger than any the lab writes is refused before it is parsed
/// (issue 18: a 5 MB import froze the page), with its size and the limit.
#[test]
fn an_oversized_configuration_is_refused_before_parsing() {
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(MAX_CONFIG_BYTES));
    let err = read_config_file(&huge).unwrap_err();
    assert_eq!(
        err,
        vec![format!(
            "the file is {} bytes; lab configurations are at most {MAX_CONFIG_BYTES} bytes",
            huge.len()
        )]
    );
    // One the lab writes is far below the limit.
    assert!(LabState::default().to_file().to_json().len() < MAX_CONFIG_BYTES / 100);
}
