//! Fuzzing the host's readers of outside input (issue 18, "Fuzzing that keeps it so"):
//! the page ⇄ worker messages (`protocol`, in `engine::codec`'s binary form) and the
//! engine host that acts on them (sessions of commands, questions and steps), the
//! learner's progress files and SCORM suspend data (`progress`: the same document) and
//! an embed's query (`embed`). Every message the page or the engine can send comes back
//! bit for bit, any bytes decode to a message or an error, progress the lab writes reads
//! back equal, and nothing panics. Natively only (`main.rs`); `make fuzz` scales it with
//! `SDL_FUZZ_CASES` (see `fuzzkit`).

use crate::fuzzkit::{fuzz, Gen, SMOKE};
use engine::alerts::{AlertState, Change, ErrorBudget, Severity, Slo, Transition};
use engine::catalog;
use engine::observe::{Level, SpanStatus};
use engine::topology::Health;
use engine::Golden;
use sdl_host::embed::{self, LinkState};
use sdl_host::event_store::{EventStoreW, EventW, HistoryW, ProjectionW, RebuildW, StepW, TailW};
use sdl_host::figures::Figures;
use sdl_host::heatmap::HeatGrid;
use sdl_host::progress::{
    self, Given, Loaded, Progress, QuizAnswer, Score, TutorialProgress, MAX_QUESTIONS, MAX_STEPS,
    MAX_TUTORIALS,
};
use sdl_host::protocol::*;
use std::collections::{BTreeMap, BTreeSet};

// ---- messages ----

fn list<T>(g: &mut Gen, max: usize, mut item: impl FnMut(&mut Gen) -> T) -> Vec<T> {
    (0..g.range(0, max)).map(|_| item(g)).collect()
}

fn maybe<T>(g: &mut Gen, item: impl FnOnce(&mut Gen) -> T) -> Option<T> {
    if g.chance(0.5) {
        Some(item(g))
    } else {
        None
    }
}

fn string_map(g: &mut Gen) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for _ in 0..g.range(0, 3) {
        m.insert(g.text(), g.text());
    }
    m
}

fn pairs(g: &mut Gen) -> Vec<(String, String)> {
    list(g, 3, |g| (g.text(), g.text()))
}

fn level(g: &mut Gen) -> Level {
    *g.pick(&[Level::Debug, Level::Info, Level::Warn, Level::Error])
}

fn severity(g: &mut Gen) -> Severity {
    *g.pick(&[Severity::Warning, Severity::Critical])
}

fn recipe(g: &mut Gen) -> Recipe {
    let mut switches = BTreeMap::new();
    for _ in 0..g.range(0, 3) {
        switches.insert(g.text(), string_map(g));
    }
    Recipe {
        system: g.text(),
        seed: g.number(),
        history_len: g.number() as usize,
        system_params: string_map(g),
        switches,
        rules: list(g, 2, Gen::text),
        scheduled: list(g, 2, |g| (g.number(), g.text())),
    }
}

fn gameday_act(g: &mut Gen) -> GamedayAct {
    match g.below(4) {
        0 => GamedayAct::Ack,
        1 => GamedayAct::Hint,
        2 => GamedayAct::Change { what: g.text() },
        _ => GamedayAct::Diagnose {
            component: g.text(),
            kind: g.text(),
        },
    }
}

fn ask(g: &mut Gen) -> Ask {
    match g.below(11) {
        0 => Ask::Panels {
            from_ns: g.number(),
            to_ns: g.number(),
            exprs: list(g, 3, |g| (g.text(), maybe(g, Gen::number))),
        },
        1 => Ask::Metrics {
            names: list(g, 4, Gen::text),
        },
        2 => Ask::Console {
            logs: maybe(g, |g| LogFilter {
                min_level: level(g),
                text: g.text(),
                focus: maybe(g, Gen::text),
                frozen: maybe(g, |g| g.number() as u32),
                max: g.number() as usize,
            }),
            traces: g.chance(0.5),
            topology: g.chance(0.5),
        },
        3 => Ask::Trace { id: g.number() },
        4 => Ask::Alerts,
        5 => Ask::Heatmap {
            metric: g.text(),
            from_ns: g.number(),
            to_ns: g.number(),
        },
        6 => Ask::Export(match g.below(7) {
            0 => ExportKind::Prometheus,
            1 => ExportKind::Csv,
            2 => ExportKind::OpenMetrics,
            3 => ExportKind::AlertRules,
            4 => ExportKind::Grafana,
            5 => ExportKind::Traces,
            _ => ExportKind::SeriesJson { lab: g.text() },
        }),
        7 => Ask::Summary,
        8 => Ask::Check {
            tutorial: g.text(),
            step: g.number() as usize,
        },
        9 => Ask::Gameday {
            incident: g.text(),
            seed: g.number(),
            acts: list(g, 3, |g| (g.number(), gameday_act(g))),
        },
        _ => Ask::EventStore {
            tail: g.chance(0.5),
            filter: maybe(g, |g| g.number() as u32),
            order: maybe(g, |g| g.number() as u32),
            projections: g.chance(0.5),
        },
    }
}

fn operation(g: &mut Gen) -> Operation {
    Operation::RebuildProjections {
        projection: maybe(g, Gen::text),
    }
}

fn event(g: &mut Gen) -> EventW {
    EventW {
        position: g.number(),
        order: g.number() as u32,
        version: g.number() as u32,
        kind: g.text(),
        t_ns: g.number(),
    }
}

fn event_store(g: &mut Gen) -> EventStoreW {
    EventStoreW {
        t_ns: g.number(),
        head: g.number(),
        orders: g.number() as u32,
        tail: maybe(g, |g| TailW {
            filter: maybe(g, |g| g.number() as u32),
            matching: g.number(),
            events: list(g, 3, event),
        }),
        history: maybe(g, |g| HistoryW {
            order: g.number() as u32,
            amount_cents: g.number() as u32,
            version: g.number() as u32,
            steps: list(g, 3, |g| StepW {
                event: event(g),
                state: g.text(),
            }),
            snapshot: maybe(g, |g| (g.number() as u32, g.text())),
        }),
        projections: list(g, 3, |g| ProjectionW {
            name: g.text(),
            checkpoint: g.number(),
            lag_events: g.number(),
            lag_seconds: g.float(),
            rebuild: maybe(g, |g| RebuildW {
                started_ns: g.number(),
                target: g.number(),
                beside: maybe(g, Gen::number),
            }),
        }),
    }
}

fn command(g: &mut Gen) -> Command {
    match g.below(12) {
        11 => Command::Operate { op: operation(g) },
        10 => Command::StopRunTo,
        0 => Command::Reset {
            run: g.number() as u32,
            recipe: maybe(g, recipe),
        },
        1 => Command::SetSwitch {
            id: g.text(),
            on: g.chance(0.5),
            params: string_map(g),
        },
        2 => Command::SetParam {
            key: g.text(),
            raw: g.text(),
        },
        3 => Command::AddRule { text: g.text() },
        4 => Command::RemoveRule { name: g.text() },
        5 => Command::Play(g.chance(0.5)),
        6 => Command::Speed(if g.chance(0.8) {
            Speed::Times(g.number() as u32)
        } else {
            Speed::Max
        }),
        7 => Command::Visible(g.chance(0.5)),
        8 => Command::RunTo {
            target_ns: g.number(),
        },
        _ => Command::Ask {
            id: g.number() as u32,
            ask: ask(g),
        },
    }
}

fn batch(g: &mut Gen) -> Batch {
    Batch {
        sent_ms: g.float(),
        commands: list(g, 4, command),
    }
}

fn golden(g: &mut Gen) -> Golden {
    Golden {
        t_ns: g.number(),
        throughput_rps: g.float(),
        error_rate: g.float(),
        latency_p50_s: g.float(),
        latency_p95_s: g.float(),
        latency_p99_s: g.float(),
        queue_depth: g.float(),
        utilization: g.float(),
        in_flight: g.float(),
    }
}

fn trace(g: &mut Gen) -> TraceW {
    TraceW {
        trace_id: g.number(),
        spans: list(g, 3, |g| SpanW {
            trace_id: g.number(),
            span_id: g.number(),
            parent: maybe(g, Gen::number),
            service: g.text(),
            operation: g.text(),
            start_ns: g.number(),
            duration_ns: g.number(),
            status: *g.pick(&[SpanStatus::Ok, SpanStatus::Error]),
            attributes: pairs(g),
            links: list(g, 2, |g| (g.number(), g.number())),
        }),
    }
}

fn console(g: &mut Gen) -> ConsoleData {
    ConsoleData {
        topology: maybe(g, |g| TopologyW {
            t_ns: g.number(),
            nodes: list(g, 3, |g| NodeW {
                id: g.text(),
                health: *g.pick(&[Health::Idle, Health::Ok, Health::Degraded, Health::Failing]),
                reasons: list(g, 2, Gen::text),
                detail: g.text(),
                struck_by: list(g, 2, Gen::text),
            }),
            edges: list(g, 3, |g| EdgeW {
                from: g.text(),
                to: g.text(),
                rate_rps: g.float(),
            }),
        }),
        logs: maybe(g, |g| LogsW {
            snapshot: g.number() as u32,
            matching: g.number() as usize,
            held: g.number() as usize,
            lines: list(g, 3, |g| LogLineW {
                key: (g.number(), g.number() as u32),
                sampled: g.chance(0.5),
                t_ns: g.number(),
                level: level(g),
                service: g.text(),
                message: g.text(),
                fields: pairs(g),
                trace_id: maybe(g, Gen::number),
            }),
        }),
        traces: maybe(g, |g| list(g, 2, trace)),
    }
}

fn alerts(g: &mut Gen) -> AlertsW {
    AlertsW {
        rules: list(g, 3, |g| RuleW {
            name: g.text(),
            severity: severity(g),
            state: *g.pick(&[
                AlertState::Inactive,
                AlertState::Pending,
                AlertState::Firing,
            ]),
            condition: g.text(),
            summary: g.text(),
            active_since: maybe(g, Gen::number),
            metrics: list(g, 2, Gen::text),
        }),
        history: list(g, 3, |g| Transition {
            t_ns: g.number(),
            alert: g.text(),
            severity: severity(g),
            change: *g.pick(&[
                Change::Pending,
                Change::Firing,
                Change::Resolved,
                Change::Cleared,
            ]),
            value: g.float(),
        }),
        budget: maybe(g, |g| ErrorBudget {
            target: g.float(),
            bad_ratio: g.float(),
            remaining: g.float(),
            burn_rate_5m: g.float(),
            burn_rate_1h: g.float(),
        }),
        slo: Slo {
            availability: g.float(),
            latency_p99_s: g.float(),
        },
    }
}

fn answer(g: &mut Gen) -> Answer {
    match g.below(13) {
        12 => Answer::Gameday(maybe(g, |g| ScoreW {
            total: g.number() as u32,
            lines: list(g, 3, |g| LineW {
                label: g.text(),
                points: g.number() as i64 - 50,
                max: g.number() as i64,
                detail: g.text(),
            }),
            first_alert_ns: maybe(g, Gen::number),
            mitigated_ns: maybe(g, Gen::number),
            mitigated_s: maybe(g, |g| g.number() as u32),
            code: g.text(),
        })),
        11 => Answer::EventStore(maybe(g, event_store)),
        0 => Answer::Nothing,
        1 => Answer::Stale,
        2 => Answer::Panels(list(g, 3, |g| list(g, 4, |g| (g.number(), g.float())))),
        3 => Answer::Metrics(list(g, 5, |g| g.chance(0.5))),
        4 => Answer::Console(console(g)),
        5 => Answer::Trace(maybe(g, trace)),
        6 => Answer::Alerts(alerts(g)),
        7 => Answer::Heatmap(HeatGrid {
            bounds: list(g, 4, Gen::float),
            first_row: g.number() as usize,
            counts: list(g, 3, |g| list(g, 4, Gen::number)),
            from_ns: g.number(),
            to_ns: g.number(),
        }),
        8 => Answer::Text(g.text()),
        9 => Answer::Summary(Figures {
            p50_s: g.float(),
            p95_s: g.float(),
            p99_s: g.float(),
            error_rate: g.float(),
            throughput_rps: g.float(),
            goodput_rps: g.float(),
        }),
        _ => Answer::Check {
            passed: g.chance(0.5),
            message: g.text(),
        },
    }
}

fn from_engine(g: &mut Gen) -> FromEngine {
    match g.below(3) {
        0 => FromEngine::Ready,
        1 => FromEngine::Tick(Tick {
            run: g.number() as u32,
            has_run: g.chance(0.5),
            now_ns: g.number(),
            events: g.number(),
            lagging: g.chance(0.5),
            replaying: g.chance(0.5),
            halted: maybe(g, Gen::text),
            samples: list(g, 3, golden),
            anomalies: maybe(g, |g| list(g, 3, |g| (g.text(), g.float()))),
            bill: maybe(g, |g| sdl_host::cost::Bill {
                lines: list(g, 3, |g| sdl_host::cost::BillLine {
                    resource: g.text(),
                    per_hour: g.float(),
                    total: g.float(),
                }),
                requests: g.float(),
            }),
        }),
        _ => FromEngine::Answer {
            id: g.number() as u32,
            run: g.number() as u32,
            answer: answer(g),
        },
    }
}

/// Every variant the generators make, listed without a wildcard: a variant added to a
/// message fails to compile here, the reminder to generate it too.
#[allow(dead_code)]
fn every_variant_is_generated(c: &Command, a: &Ask, x: &Answer, f: &FromEngine) {
    match c {
        Command::Reset { .. }
        | Command::SetSwitch { .. }
        | Command::SetParam { .. }
        | Command::AddRule { .. }
        | Command::RemoveRule { .. }
        | Command::Play(_)
        | Command::Speed(_)
        | Command::Visible(_)
        | Command::RunTo { .. }
        | Command::Ask { .. }
        | Command::StopRunTo
        | Command::Operate { .. } => {}
    }
    match a {
        Ask::Panels { .. }
        | Ask::Metrics { .. }
        | Ask::Console { .. }
        | Ask::Trace { .. }
        | Ask::Alerts
        | Ask::Heatmap { .. }
        | Ask::Export(
            ExportKind::Prometheus
            | ExportKind::Csv
            | ExportKind::SeriesJson { .. }
            | ExportKind::OpenMetrics
            | ExportKind::AlertRules
            | ExportKind::Grafana
            | ExportKind::Traces,
        )
        | Ask::Summary
        | Ask::Check { .. }
        | Ask::Gameday { .. }
        | Ask::EventStore { .. } => {}
    }
    match x {
        Answer::Nothing
        | Answer::Stale
        | Answer::Panels(_)
        | Answer::Metrics(_)
        | Answer::Console(_)
        | Answer::Trace(_)
        | Answer::Alerts(_)
        | Answer::Heatmap(_)
        | Answer::Text(_)
        | Answer::Summary(_)
        | Answer::Check { .. }
        | Answer::EventStore(_)
        | Answer::Gameday(_) => {}
    }
    match f {
        FromEngine::Ready | FromEngine::Tick(_) | FromEngine::Answer { .. } => {}
    }
}

/// A message either way, and bytes to decode: its own, mutated, or noise.
#[derive(Debug)]
enum Message {
    ToEngine(Batch),
    FromEngine(FromEngine),
}

fn message(g: &mut Gen) -> (Message, Vec<u8>) {
    let m = if g.chance(0.5) {
        Message::ToEngine(batch(g))
    } else {
        Message::FromEngine(from_engine(g))
    };
    let own = match &m {
        Message::ToEngine(b) => encode(b),
        Message::FromEngine(f) => encode(f),
    };
    let bytes = match g.below(5) {
        0 => own,
        1 => g.bytes(48),
        _ => g.mutate_bytes(&own),
    };
    (m, bytes)
}

/// Decoding `bytes` as `T` gives a message or an error naming the bytes, never a panic;
/// a message decoded re-encodes to bytes that decode to it again.
fn decodes_or_refuses<T: engine::codec::Codec>(bytes: &[u8]) -> bool {
    match decode::<T>(bytes) {
        Ok(m) => {
            let again = encode(&m);
            let back: T = decode(&again).expect("an encoded message decodes");
            assert_eq!(encode(&back), again);
            true
        }
        Err(e) => {
            assert!(e.contains(&format!("{} bytes", bytes.len())), "{e}");
            false
        }
    }
}

fn check_message((m, bytes): &(Message, Vec<u8>)) -> bool {
    // Every message comes back bit for bit (NaN included), and equal.
    match m {
        Message::ToEngine(b) => {
            let own = encode(b);
            let back: Batch = decode(&own).expect("a batch decodes");
            assert_eq!(encode(&back), own);
            if !b.sent_ms.is_nan() {
                assert_eq!(&back.commands, &b.commands);
            }
        }
        Message::FromEngine(f) => {
            let own = encode(f);
            let back: FromEngine = decode(&own).expect("a message from the engine decodes");
            assert_eq!(encode(&back), own);
        }
    }
    let to_engine = decodes_or_refuses::<Batch>(bytes);
    let from_engine = decodes_or_refuses::<FromEngine>(bytes);
    decodes_or_refuses::<Command>(bytes);
    decodes_or_refuses::<Answer>(bytes);
    decodes_or_refuses::<Tick>(bytes);
    decodes_or_refuses::<Recipe>(bytes);
    match m {
        Message::ToEngine(_) => to_engine,
        Message::FromEngine(_) => from_engine,
    }
}

#[test]
fn fuzz_protocol() {
    fuzz("host::protocol", SMOKE, message, check_message);
}

// ---- the engine host: sessions of commands ----

/// A parameter value for `spec`: at a bound, past one, or not a value.
fn param_raw(g: &mut Gen, spec: &engine::params::ParamSpec) -> String {
    use engine::params::ParamKind;
    match spec.kind {
        ParamKind::Int { min, max, default } => g
            .pick(&[
                min,
                max,
                default,
                min.saturating_sub(1),
                max.saturating_add(1),
            ])
            .to_string(),
        ParamKind::Float { min, max, default } => g
            .pick(&[min, max, default, -1.0, max * 10.0 + 1.0])
            .to_string(),
        ParamKind::Bool { .. } => g.pick(&["true", "false", "maybe"]).to_string(),
        ParamKind::Choice { allowed, .. } => {
            if g.chance(0.8) {
                g.pick(allowed).to_string()
            } else {
                g.text()
            }
        }
    }
}

const RULES: &[&str] = &[
    "Busy: utilization > 0.8",
    "SlowP99: latency_p99_s > 0.5 for 30s critical",
    "Errors: rate(http_requests_total{status=~\"5..\"}[1m]) > 1 for 1m",
    "Broken: nope_total > 1",
    "Saturation: utilization > 0.1",
    "x: y",
];

const QUERIES: &[&str] = &[
    "latency_p99_s",
    "rate(http_requests_total[30s])",
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))",
    "sum(rate(http_requests_total{status=~\"5..\"}[10s])) / sum(rate(http_requests_total[10s]))",
    "max_over_time(queue_depth[1m]) * 2 - 1",
    "nope_total",
    "rate(",
    "",
];

/// A switch of the catalogue with some of its parameters.
fn switch_with_params(g: &mut Gen) -> (String, BTreeMap<String, String>) {
    let ids: Vec<&str> = catalog::scenarios()
        .iter()
        .map(|s| s.id)
        .chain(catalog::mitigations().iter().map(|m| m.id))
        .collect();
    let id = g.pick(&ids).to_string();
    let specs = catalog::find_switch(&id).expect("a catalogue id").params();
    let mut params = BTreeMap::new();
    for _ in 0..g.range(0, 2) {
        if let Some(spec) = (!specs.is_empty()).then(|| *g.pick(&specs)) {
            params.insert(spec.name.to_string(), param_raw(g, spec));
        }
    }
    (id, params)
}

/// A recipe: mostly one the page would send (values in range, rules it accepts), else
/// anything.
fn session_recipe(g: &mut Gen) -> Recipe {
    let good = g.chance(0.7);
    let systems = catalog::systems();
    let sys = g.pick(systems);
    let mut system_params = BTreeMap::new();
    for _ in 0..g.range(0, 2) {
        if !sys.params.is_empty() {
            let spec = g.pick(sys.params);
            let raw = if good {
                spec.default_value().to_string()
            } else {
                param_raw(g, spec)
            };
            system_params.insert(spec.name.to_string(), raw);
        }
    }
    let mut switches = BTreeMap::new();
    for _ in 0..g.range(0, 3) {
        let (id, params) = switch_with_params(g);
        switches.insert(id, params);
    }
    if good {
        return Recipe {
            system: sys.id.to_string(),
            seed: g.number(),
            history_len: *g.pick(&[2, 60, 3600]),
            system_params,
            switches,
            rules: list(g, 2, |g| g.pick(&RULES[..3]).to_string()),
            scheduled: list(g, 1, |g| {
                (
                    g.number() % 20_000_000_000,
                    g.pick(&["timeouts", "breaker"]).to_string(),
                )
            }),
        };
    }
    Recipe {
        system: if g.chance(0.8) {
            sys.id.to_string()
        } else {
            g.text()
        },
        seed: g.number(),
        history_len: *g.pick(&[0, 1, 2, 60, 3600, usize::MAX]),
        system_params,
        switches,
        rules: list(g, 2, |g| g.pick(RULES).to_string()),
        scheduled: list(g, 2, |g| (g.number(), g.text())),
    }
}

fn session_ask(g: &mut Gen) -> Ask {
    let histograms: Vec<&str> = catalog::metric_specs()
        .iter()
        .filter(|m| m.kind == engine::metrics::MetricKind::Histogram)
        .map(|m| m.name)
        .collect();
    let tutorials = content::tutorials();
    match g.below(9) {
        0 | 1 => Ask::Panels {
            from_ns: 0,
            to_ns: *g.pick(&[u64::MAX, 10_000_000_000, 0]),
            exprs: list(g, 3, |g| {
                let q = if g.chance(0.8) {
                    g.pick(QUERIES).to_string()
                } else {
                    g.text()
                };
                (q, maybe(g, |g| g.number() % 60_000_000_000))
            }),
        },
        2 => Ask::Heatmap {
            metric: if g.chance(0.8) {
                g.pick(&histograms).to_string()
            } else {
                g.text()
            },
            from_ns: g.number() % 30_000_000_000,
            to_ns: *g.pick(&[u64::MAX, 0, 5_000_000_000]),
        },
        3 if !tutorials.is_empty() => {
            let t = g.pick(tutorials);
            Ask::Check {
                tutorial: t.id.clone(),
                step: g.below(t.steps.len() + 2),
            }
        }
        5 => Ask::EventStore {
            tail: g.chance(0.7),
            filter: maybe(g, |g| *g.pick(&[0, 1, 7, u32::MAX])),
            order: maybe(g, |g| *g.pick(&[0, 1, 7, u32::MAX])),
            projections: g.chance(0.7),
        },
        4 => Ask::Console {
            logs: maybe(g, |g| LogFilter {
                min_level: level(g),
                text: g.pick(&["", "error", "timeout", "é"]).to_string(),
                focus: maybe(g, |g| g.pick(&["lb", "db", "cache", "nope"]).to_string()),
                frozen: maybe(g, |g| g.below(5) as u32),
                max: g.below(300),
            }),
            traces: g.chance(0.5),
            topology: g.chance(0.5),
        },
        _ => ask(g),
    }
}

fn session_command(g: &mut Gen) -> Command {
    match g.below(11) {
        10 => Command::StopRunTo,
        0 => Command::Reset {
            run: g.number() as u32,
            recipe: (!g.chance(0.1)).then(|| session_recipe(g)),
        },
        1 => {
            let (id, params) = switch_with_params(g);
            Command::SetSwitch {
                id,
                on: g.chance(0.7),
                params,
            }
        }
        2 => {
            let (id, params) = switch_with_params(g);
            let (key, raw) = match params.into_iter().next() {
                Some((name, raw)) if g.chance(0.7) => (format!("{id}.{name}"), raw),
                _ => (
                    g.pick(&["slo.latency_ms", "slo.availability_pct", "workers", "x.y"])
                        .to_string(),
                    g.pick(&["300", "99.9", "0", "-1", "nan", "1e99"])
                        .to_string(),
                ),
            };
            Command::SetParam { key, raw }
        }
        3 => Command::AddRule {
            text: g.pick(RULES).to_string(),
        },
        4 => Command::RemoveRule {
            name: g
                .pick(&["Busy", "SlowP99", "HighErrorRate", "nope"])
                .to_string(),
        },
        5 => Command::Play(g.chance(0.7)),
        6 => Command::Speed(*g.pick(&[
            Speed::Times(1),
            Speed::Times(100),
            Speed::Max,
            Speed::Times(0),
            Speed::Times(u32::MAX),
        ])),
        7 => Command::RunTo {
            target_ns: *g.pick(&[0, 1, 2_000_000_000, 15_000_000_000, u64::MAX]),
        },
        8 if g.chance(0.5) => Command::Operate {
            op: Operation::RebuildProjections {
                projection: maybe(g, |g| {
                    g.pick(&["order_summary", "analytics", "nope", ""])
                        .to_string()
                }),
            },
        },
        _ => Command::Ask {
            id: g.number() as u32,
            ask: session_ask(g),
        },
    }
}

/// What a page does to the engine host: a run, then commands, questions and steps of
/// wall time (odd ones included) in any order.
#[derive(Debug)]
enum Act {
    Do(Command),
    Step { wall_dt_ms: f64, budget_ms: f64 },
    Tick,
}

fn session(g: &mut Gen) -> Vec<Act> {
    let mut acts = vec![Act::Do(Command::Reset {
        run: 1,
        recipe: Some(session_recipe(g)),
    })];
    for _ in 0..g.range(1, 10) {
        acts.push(match g.below(3) {
            // The wall time between frames may be anything; the budget is the
            // caller's own (a few ms a frame).
            0 => Act::Step {
                wall_dt_ms: *g.pick(&[16.0, 100.0, 1e9, -5.0, 0.0, f64::NAN, f64::INFINITY]),
                budget_ms: *g.pick(&[0.0, 2.0, 5.0, -1.0]),
            },
            1 => Act::Tick,
            _ => Act::Do(session_command(g)),
        });
    }
    acts
}

/// A value's encoding decodes to a value of the same encoding.
fn same_on_the_wire<T: engine::codec::Codec>(v: &T) {
    let bytes = encode(v);
    let back: T = decode(&bytes).expect("an encoded message decodes");
    assert_eq!(encode(&back), bytes);
}

fn check_session(acts: &Vec<Act>) -> bool {
    let mut host = sdl_host::engine_host::EngineHost::new();
    // A clock a millisecond further on each time it is read.
    let now = std::cell::Cell::new(0.0);
    let clock = || {
        now.set(now.get() + 1.0);
        now.get()
    };
    for act in acts {
        match act {
            Act::Do(c) => {
                if let Some((_, answer)) = host.apply(c.clone()) {
                    same_on_the_wire(&answer);
                }
            }
            Act::Step {
                wall_dt_ms,
                budget_ms,
            } => host.step(*wall_dt_ms, *budget_ms, &clock),
            Act::Tick => {
                if let Some(tick) = host.tick() {
                    assert!(tick.now_ns <= sdl_host::engine_host::MAX_RUN_NS);
                    same_on_the_wire(&tick);
                }
            }
        }
    }
    let summary = host.answer(&Ask::Summary);
    same_on_the_wire(&summary);
    summary != Answer::Nothing
}

#[test]
fn fuzz_engine_host() {
    // A case builds a lab and runs it a little.
    fuzz("host::engine_host", SMOKE / 6, session, check_session);
}

// ---- progress and suspend data ----

fn tutorial_id(g: &mut Gen) -> String {
    match g.below(12) {
        0 => g.text(),
        1 => "a".repeat(g.range(99, 102)),
        2 => g.word(6).to_uppercase(),
        _ => g.word(24),
    }
}

fn index(g: &mut Gen, bound: u32) -> u32 {
    if g.chance(0.97) {
        g.below(bound as usize) as u32
    } else {
        g.number() as u32
    }
}

fn tutorial_progress(g: &mut Gen) -> TutorialProgress {
    let steps_done: BTreeSet<u32> = list(g, 5, |g| index(g, MAX_STEPS)).into_iter().collect();
    let mut answers = BTreeMap::new();
    for _ in 0..g.range(0, 4) {
        let given = if g.chance(0.5) {
            Given::Choices(
                list(g, 3, |g| index(g, MAX_QUESTIONS))
                    .into_iter()
                    .collect(),
            )
        } else if g.chance(0.95) {
            Given::Number(g.finite())
        } else {
            Given::Number(g.float())
        };
        answers.insert(
            index(g, MAX_QUESTIONS),
            QuizAnswer {
                given,
                correct: g.chance(0.5),
            },
        );
    }
    let completed = g.chance(0.5);
    TutorialProgress {
        steps_done,
        current_step: index(g, MAX_STEPS),
        answers,
        score: maybe(g, |g| {
            let total = index(g, MAX_QUESTIONS + 1);
            Score {
                correct: if g.chance(0.97) {
                    g.below(total as usize + 1) as u32
                } else {
                    total.wrapping_add(1)
                },
                total,
            }
        }),
        completed,
        started_ms: g.number(),
        updated_ms: g.number(),
        completed_ms: if completed || g.chance(0.03) {
            maybe(g, Gen::number)
        } else {
            None
        },
    }
}

fn progress(g: &mut Gen) -> Progress {
    let mut p = Progress::default();
    for _ in 0..g.range(0, 4) {
        p.tutorials.insert(tutorial_id(g), tutorial_progress(g));
    }
    p
}

/// A progress document: written by the lab from any progress (valid or not), or by hand
/// with a changed header, repeated or unknown keys, then often mutated.
fn progress_text(g: &mut Gen) -> (Progress, String) {
    let p = progress(g);
    let mut text = if g.chance(0.5) {
        p.to_json()
    } else {
        p.to_compact_json()
    };
    match g.below(8) {
        0 => {
            let header = g.pick(&[
                "\"version\": 1",
                "\"version\": 0",
                "\"version\": 2",
                "\"version\": \"1\"",
                "\"version\": 1.0",
                "\"version\": -1",
                "\"version\": 18446744073709551616",
                "\"version\": null",
            ]);
            text = text
                .replacen("\"version\": 1", header, 1)
                .replacen("\"version\":1", header, 1);
        }
        1 => {
            let format = g.pick(&["\"sdl-progresS\"", "null", "1", "\"\""]);
            text = text.replacen("\"sdl-progress\"", format, 1);
        }
        2 => {
            // A key given twice, or one the format does not have.
            let key = g.pick(&[
                "\"completed\": true",
                "\"current_step\": 3",
                "\"steps_done\": []",
                "\"colour\": 1",
                "\"score\": {\"correct\": 1, \"total\": 2, \"total\": 3}",
            ]);
            text = text.replacen("\"completed\":", &format!("{key},\n\"completed\":"), 1);
        }
        3 => text = format!("{{\"format\": \"sdl-progress\", \"version\": 1, \"tutorials\": {{\"t\": {}}}}}", g.pick(&[
            "{\"answers\": {\"01\": {\"correct\": true, \"given\": {\"number\": 1}}}}",
            "{\"answers\": {\"1\": {\"correct\": true, \"given\": {\"number\": 1e400}}}}",
            "{\"answers\": {\"1\": {\"correct\": true, \"given\": {}}}}",
            "{\"answers\": {\"1\": {\"correct\": true, \"given\": {\"choices\": [1], \"number\": 2}}}}",
            "{\"answers\": {\"4294967296\": {\"correct\": false, \"given\": {\"choices\": []}}}}",
            "{\"steps_done\": [4294967295]}",
            "{\"score\": null, \"completed_ms\": null}",
            "{\"completed\": false, \"completed_ms\": 5}",
        ])),
        _ => {}
    }
    if g.chance(0.5) {
        text = g.mutate_text(&text);
    }
    (p, text)
}

fn check_progress((p, text): &(Progress, String)) -> bool {
    // What the lab writes reads back equal when it is valid, and is refused when not.
    let written = p.to_json();
    match (p.validate(), Progress::parse(&written)) {
        (Ok(()), Ok(back)) => {
            assert_eq!(&back, p);
            assert_eq!(back.to_json(), written);
            // The compact form (an LMS's suspend data) too.
            let compact = p.to_compact_json();
            assert_eq!(Progress::parse(&compact).as_ref(), Ok(p), "{compact}");
        }
        (Err(_), Err(_)) => {}
        (valid, read) => panic!("validate {valid:?} but parse {read:?} of\n{written}"),
    }
    // Any text: progress that validates and round-trips, or a reason.
    let accepted = match Progress::parse(text) {
        Ok(read) => {
            assert_eq!(read.validate(), Ok(()));
            assert_eq!(Progress::parse(&read.to_json()).as_ref(), Ok(&read));
            // Merged into valid progress (an import), progress stays valid.
            let mut mine = p.clone();
            if mine.validate().is_ok() {
                mine.merge(read);
                assert!(mine.tutorials.len() <= MAX_TUTORIALS);
                assert_eq!(mine.validate(), Ok(()));
            }
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
    };
    // What the page does with it at load.
    match progress::load(Some(text), &|k| k.ends_with("-1")) {
        Loaded::Ok(_) => assert!(accepted),
        Loaded::Corrupt {
            aside_key, message, ..
        } => {
            assert!(!accepted);
            assert_eq!(aside_key, "sdl-progress-corrupt-2");
            assert!(message.contains(&aside_key));
        }
        Loaded::Fresh => panic!("stored text is not nothing"),
    }
    accepted
}

#[test]
fn fuzz_progress() {
    fuzz("host::progress", SMOKE, progress_text, check_progress);
}

// ---- an embed's query ----

fn embed_pair(g: &mut Gen) -> (String, String) {
    let scenarios = catalog::scenarios();
    let mitigations = catalog::mitigations();
    let ids: Vec<&str> = scenarios
        .iter()
        .map(|s| s.id)
        .chain(mitigations.iter().map(|m| m.id))
        .collect();
    match g.below(10) {
        0 => ("embed".into(), g.pick(&["1", "0", "", "yes"]).to_string()),
        1 => ("scenario".into(), {
            if g.chance(0.8) {
                g.pick(scenarios).id.to_string()
            } else {
                g.text()
            }
        }),
        2 => ("mitigation".into(), {
            if g.chance(0.8) {
                g.pick(mitigations).id.to_string()
            } else {
                g.text()
            }
        }),
        3 | 4 => {
            let key = g.pick(&["on", "s", "m"]).to_string();
            let items = list(g, 3, |g| {
                if g.chance(0.85) {
                    g.pick(&ids).to_string()
                } else {
                    g.text()
                }
            });
            (key, items.join(","))
        }
        5 => ("seed".into(), {
            if g.chance(0.7) {
                g.number().to_string()
            } else {
                g.odd()
            }
        }),
        6 => (
            "speed".into(),
            g.pick(&["1", "10", "100", "max", "7", " max", ""])
                .to_string(),
        ),
        7 => ("paused".into(), g.pick(&["1", "0", "", "no"]).to_string()),
        8 => {
            let id = g.pick(&ids);
            let params = catalog::find_switch(id).expect("a catalogue id").params();
            if params.is_empty() || g.chance(0.2) {
                (format!("{id}.{}", g.word(6)), g.text())
            } else {
                let spec = g.pick(&params);
                let value = match spec.kind {
                    engine::params::ParamKind::Int { min, max, .. } => g
                        .pick(&[min, max, min.saturating_sub(1), max / 2])
                        .to_string(),
                    engine::params::ParamKind::Float { min, max, .. } => {
                        g.pick(&[min, max, (min + max) / 2.0, -1.0]).to_string()
                    }
                    _ => g.text(),
                };
                (format!("{id}.{}", spec.name), value)
            }
        }
        _ => (g.text(), g.text()),
    }
}

fn embed_query(g: &mut Gen) -> String {
    let parts = list(g, 8, |g| {
        let (k, v) = embed_pair(g);
        match g.below(4) {
            0 => format!("{k}={v}"),
            1 => k,
            _ => format!("{}={}", embed::encode(&k), embed::encode(&v)),
        }
    });
    let mut q = format!("?{}", parts.join("&"));
    if g.chance(0.2) {
        q = g.mutate_text(&q);
    }
    q
}

fn check_embed(q: &str) -> bool {
    let (state, problems) = LinkState::parse(q);
    assert!(problems.iter().all(|p| !p.is_empty()));
    // What is read is written back as a query that reads to the same, refusing nothing.
    let written = state.to_query();
    assert_eq!(
        LinkState::parse(&written),
        (state.clone(), vec![]),
        "{written}"
    );
    let featured = state.featured_scenario();
    assert!(catalog::find_scenario(featured).is_ok(), "{featured}");
    let snippet = state.iframe_snippet("https://example.org/lab/");
    assert!(snippet.starts_with("<iframe src=\"https://example.org/lab/"));
    assert_eq!(snippet.matches('"').count(), 10, "{snippet}");
    assert!(
        !snippet.contains('<') || snippet.matches('<').count() == 2,
        "{snippet}"
    );
    problems.is_empty()
}

#[test]
fn fuzz_embed_query() {
    fuzz("host::embed", SMOKE, embed_query, |q| check_embed(q));
}

// ---- what fuzzing found, kept as regression tests ----

/// A tutorial id with `_` is read (as it always was), and the message refusing another
/// id says so: it listed letters, digits and '-' only.
#[test]
fn the_tutorial_id_message_names_every_character_allowed() {
    let doc = |id: &str| {
        format!(
            "{{\"format\": \"sdl-progress\", \"version\": 1, \"tutorials\": {{\"{id}\": {{}}}}}}"
        )
    };
    assert!(Progress::parse(&doc("cache_warming-2")).is_ok());
    let e = Progress::parse(&doc("Cache")).unwrap_err().to_string();
    assert!(e.contains("lowercase letters, digits, '-' and '_'"), "{e}");
}

/// A recipe asking for `usize::MAX` samples per series (a damaged message) overflowed a
/// histogram's sample count as the run was built; the run is refused instead, naming
/// the limit, and the host has no run.
#[test]
fn a_recipe_keeping_too_many_samples_is_refused() {
    let mut recipe = Recipe {
        system: "queue".into(),
        seed: 6,
        history_len: usize::MAX,
        ..Recipe::default()
    };
    let (cfg, _) = sdl_host::engine_host::build_config(&recipe).unwrap();
    let e = engine::Lab::new(&cfg).err().expect("refused").to_string();
    assert!(
        e.contains("`history_len`") && e.contains("up to 1000000"),
        "{e}"
    );
    let mut host = sdl_host::engine_host::EngineHost::new();
    host.apply(Command::Reset {
        run: 1,
        recipe: Some(recipe.clone()),
    });
    assert_eq!(host.answer(&Ask::Summary), Answer::Nothing);
    recipe.history_len = engine::sim::MAX_HISTORY_LEN;
    let (cfg, _) = sdl_host::engine_host::build_config(&recipe).unwrap();
    assert!(engine::Lab::new(&cfg).is_ok());
}
