//! What the page and the engine say to each other (`engine_host` answers, the app's
//! `sim` asks): commands that change the run, questions (`Ask`) with their `Answer`s,
//! and the `Tick` the engine sends as its run moves. Encoded in `engine::codec`'s
//! compact binary form between the page and the engine's worker (the app's `worker`;
//! both run this build); the in-page backend passes the same values directly.
//!
//! Engine types that hold `&'static str`s (log lines, spans, the topology) travel as
//! owned mirrors with the same field names and are rebuilt on the page: names the engine
//! writes come from a finite vocabulary, interned once (`intern`); topology nodes and
//! edges are looked up in the system's layout. The others (golden samples, alert
//! transitions, the error budget, the objectives) travel as they are. Numbers travel bit
//! for bit, NaN (a query without data) and infinities included.

use engine::alerts::{AlertState, ErrorBudget, Severity, Slo, Transition};
use engine::codec::{self, Codec};
use engine::observe::{Level, LogRecord, Span, SpanStatus, Trace};
pub use engine::systems::Operation;
use engine::topology::{EdgeSpec, EdgeState, Health, NodeSpec, NodeState, TopologyView};
use engine::Golden;
use engine::{codec_enum, codec_struct};
use std::collections::BTreeMap;

/// What a new run is built from: the learner's choices the page accepted (switches the
/// run refused are already left out). Both sides build the same `LabConfig` from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recipe {
    pub system: String,
    pub seed: u64,
    pub history_len: usize,
    pub system_params: BTreeMap<String, String>,
    /// Switched-on scenarios and mitigations with their parameter values.
    pub switches: BTreeMap<String, BTreeMap<String, String>>,
    /// The learner's own alert rules, as `Rule::parse` reads them.
    pub rules: Vec<String>,
    /// Switches the engine turns on at a virtual time, in time order (a game day's red
    /// herring): `(t_ns, id)`.
    pub scheduled: Vec<(u64, String)>,
}

/// Commands sent together, in order, and when they were sent (ms since the Unix epoch,
/// the page's high-resolution clock: `performance.timeOrigin + performance.now()`). An
/// idle engine starts its clock from then, so the time the message took to arrive (the
/// first one waits for the worker to start) is simulated too, as in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub sent_ms: f64,
    pub commands: Vec<Command>,
}

/// How fast virtual time runs against wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    Times(u32),
    /// As much virtual time as fits in the frame budget.
    Max,
}

impl Speed {
    pub const CHOICES: [Speed; 4] = [
        Speed::Times(1),
        Speed::Times(10),
        Speed::Times(100),
        Speed::Max,
    ];

    pub fn value(self) -> String {
        match self {
            Speed::Times(x) => x.to_string(),
            Speed::Max => "max".to_string(),
        }
    }

    pub fn label(self) -> String {
        match self {
            Speed::Times(x) => format!("{x}×"),
            Speed::Max => "As fast as possible".to_string(),
        }
    }

    pub fn parse(raw: &str) -> Option<Speed> {
        Speed::CHOICES.into_iter().find(|s| s.value() == raw)
    }
}

/// A change to the running simulation, or a question about it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A new run (`run` numbers it: ticks and answers carry it).
    /// `recipe` is `None` when the page could not build one: there is no run then.
    Reset {
        run: u32,
        recipe: Option<Recipe>,
    },
    /// A switch on or off, live, with the parameter values the learner applied.
    SetSwitch {
        id: String,
        on: bool,
        params: BTreeMap<String, String>,
    },
    /// A switched-on scenario's or mitigation's parameter (`ID.name`), or an objective
    /// (`slo.name`), live.
    SetParam {
        key: String,
        raw: String,
    },
    /// One of the learner's alert rules added (or replaced, by name), live.
    AddRule {
        text: String,
    },
    /// One of the learner's alert rules removed, by name, live.
    RemoveRule {
        name: String,
    },
    Play(bool),
    Speed(Speed),
    /// Whether the lab can be seen; off screen, the run waits.
    Visible(bool),
    /// Runs to this virtual time as fast as possible (a shared link), then waits.
    RunTo {
        target_ns: u64,
    },
    Ask {
        id: u32,
        ask: Ask,
    },
    /// Stops running to a link's time where the run is now (the learner cancelled it).
    StopRunTo,
    /// An operator's command on the running system (rebuild a projection…), carried
    /// out at the run's virtual time when it arrives, between steps.
    Operate {
        op: Operation,
    },
}

/// A question about the run; answered once, with the `Answer` of the same name.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// Panel lines: each expression's points at the sample times from `from_ns` to
    /// `to_ns` that come after the time given with it (all of them, thinned, when none
    /// is given).
    Panels {
        from_ns: u64,
        to_ns: u64,
        exprs: Vec<(String, Option<u64>)>,
    },
    /// Which of these metric families the run registers.
    Metrics {
        names: Vec<String>,
    },
    /// What the console's open tab shows.
    Console {
        logs: Option<LogFilter>,
        traces: bool,
        topology: bool,
    },
    /// One kept trace.
    Trace {
        id: u64,
    },
    Alerts,
    /// A histogram family as a heatmap over the samples from `from_ns` to `to_ns`.
    Heatmap {
        metric: String,
        from_ns: u64,
        to_ns: u64,
    },
    Export(ExportKind),
    /// The run's exact summary (every request since the start).
    Summary,
    /// A tutorial step's check on the run now.
    Check {
        tutorial: String,
        step: usize,
    },
    /// A game day's score on the run now: the incident and seed played and what the
    /// learner did, `(t_ns, act)`.
    Gameday {
        incident: String,
        seed: u64,
        acts: Vec<(u64, GamedayAct)>,
    },
    /// What the event-sourcing views show: the newest events if `tail` (of order
    /// `filter` only, when given), order `order`'s history, the projections if
    /// `projections`.
    EventStore {
        tail: bool,
        filter: Option<u32>,
        order: Option<u32>,
        projections: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExportKind {
    Prometheus,
    Csv,
    /// The golden series as JSON; `lab` is the lab link query it records.
    SeriesJson {
        lab: String,
    },
    /// The whole sampled history as OpenMetrics, for `promtool tsdb create-blocks-from`.
    OpenMetrics,
    /// The alert rules (defaults and the learner's) as a Prometheus rules file.
    AlertRules,
    /// The dashboard as a Grafana dashboard JSON.
    Grafana,
    /// The sampled traces as OTLP JSON.
    Traces,
}

/// Which log lines the console lists.
#[derive(Debug, Clone, PartialEq)]
pub struct LogFilter {
    pub min_level: Level,
    /// Lower-case text a line must contain (empty: any).
    pub text: String,
    /// A topology node id the lines must concern.
    pub focus: Option<String>,
    /// The tail is paused on the snapshot with this number (`LogsW::snapshot`): filter
    /// those lines, not new ones. `None`: the lines the run holds now.
    pub frozen: Option<u32>,
    /// The newest this many matches.
    pub max: usize,
}

/// The answer to an `Ask` of the same name; `Nothing` when there is no run. `Stale` is
/// the page's own: the run the question was about has been replaced since (views keep
/// what they show; they ask again for the new run).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Nothing,
    Stale,
    Panels(Vec<Vec<(u64, f64)>>),
    Metrics(Vec<bool>),
    Console(ConsoleData),
    Trace(Option<TraceW>),
    Alerts(AlertsW),
    Heatmap(crate::heatmap::HeatGrid),
    Text(String),
    Summary(crate::figures::Figures),
    Check {
        passed: bool,
        message: String,
    },
    /// `None`: the run has no event store (its system is not event-sourced).
    EventStore(Option<crate::event_store::EventStoreW>),
    /// `None`: no such incident, or no run.
    Gameday(Option<ScoreW>),
}

/// What the console's tab shows, as asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsoleData {
    pub topology: Option<TopologyW>,
    pub logs: Option<LogsW>,
    pub traces: Option<Vec<TraceW>>,
}

/// The matching log lines: how many match of how many held, and the newest (newest
/// first), from the numbered snapshot of the run's lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogsW {
    pub snapshot: u32,
    pub matching: usize,
    pub held: usize,
    pub lines: Vec<LogLineW>,
}

/// What the engine reports as the run moves (at most every frame or so).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tick {
    pub run: u32,
    /// False when the run could not be built.
    pub has_run: bool,
    pub now_ns: u64,
    pub events: u64,
    pub lagging: bool,
    /// A `RunTo` target is still ahead.
    pub replaying: bool,
    /// Why the run stopped for good (its memory ceiling), until the next `Reset`.
    pub halted: Option<String>,
    /// Samples taken since the last tick, oldest first.
    pub samples: Vec<Golden>,
    /// Data anomalies by kind, when a sample arrived.
    pub anomalies: Option<Vec<(String, f64)>>,
    /// The run's bill, when a sample arrived and the system bills.
    pub bill: Option<crate::cost::Bill>,
}

impl Tick {
    /// Folds a newer tick into this one, not yet applied: the newer state, the samples
    /// of both, the newest anomaly counts.
    pub fn merge(&mut self, newer: Tick) {
        let mut samples = std::mem::take(&mut self.samples);
        let anomalies = self.anomalies.take();
        let bill = self.bill.take();
        samples.extend(newer.samples.iter().copied());
        *self = Tick {
            samples,
            anomalies: newer.anomalies.clone().or(anomalies),
            bill: newer.bill.clone().or(bill),
            ..newer
        };
    }
}

/// What the engine sends the page.
#[derive(Debug, Clone, PartialEq)]
pub enum FromEngine {
    /// The engine is up and listening.
    Ready,
    Tick(Tick),
    Answer {
        id: u32,
        run: u32,
        answer: Answer,
    },
}

/// A message in the wire form.
pub fn encode<T: Codec>(value: &T) -> Vec<u8> {
    codec::encode(value)
}

/// A message from the wire form; bytes that do not hold one are refused.
pub fn decode<T: Codec>(bytes: &[u8]) -> Result<T, String> {
    codec::decode(bytes).ok_or_else(|| format!("{} bytes that do not hold a message", bytes.len()))
}

thread_local! {
    // Sorted, for a binary search: a set type of its own would bring its own B-tree code.
    static INTERNED: std::cell::RefCell<Vec<&'static str>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// The one `&'static str` for `s`. Only for names the engine writes (services,
/// operations, log messages, field keys, scenario ids): a finite vocabulary, so each
/// distinct name is leaked once, however long the lab runs.
pub fn intern(s: &str) -> &'static str {
    INTERNED.with(|set| {
        let mut set = set.borrow_mut();
        match set.binary_search(&s) {
            Ok(at) => set[at],
            Err(at) => {
                let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
                set.insert(at, leaked);
                leaked
            }
        }
    })
}

fn owned_pairs(pairs: &[(&'static str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn interned_pairs(pairs: Vec<(String, String)>) -> Vec<(&'static str, String)> {
    pairs.into_iter().map(|(k, v)| (intern(&k), v)).collect()
}

/// A log line on the wire, with what the console adds: a key stable across snapshots
/// (time, and the line's rank among lines at that time) and whether its trace is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLineW {
    pub key: (u64, u32),
    pub sampled: bool,
    pub t_ns: u64,
    pub level: Level,
    pub service: String,
    pub message: String,
    pub fields: Vec<(String, String)>,
    pub trace_id: Option<u64>,
}

impl LogLineW {
    pub fn of(r: &LogRecord, key: (u64, u32), sampled: bool) -> LogLineW {
        LogLineW {
            key,
            sampled,
            t_ns: r.t_ns,
            level: r.level,
            service: r.service.to_string(),
            message: r.message.to_string(),
            fields: owned_pairs(&r.fields),
            trace_id: r.trace_id,
        }
    }

    pub fn record(self) -> LogRecord {
        LogRecord {
            t_ns: self.t_ns,
            level: self.level,
            service: intern(&self.service),
            message: intern(&self.message),
            fields: interned_pairs(self.fields),
            trace_id: self.trace_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpanW {
    pub trace_id: u64,
    pub span_id: u64,
    pub parent: Option<u64>,
    pub service: String,
    pub operation: String,
    pub start_ns: u64,
    pub duration_ns: u64,
    pub status: SpanStatus,
    pub attributes: Vec<(String, String)>,
    /// `(trace_id, span_id)` of the spans this one follows from.
    pub links: Vec<(u64, u64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TraceW {
    pub trace_id: u64,
    pub spans: Vec<SpanW>,
}

impl TraceW {
    pub fn of(t: &Trace) -> TraceW {
        TraceW {
            trace_id: t.trace_id,
            spans: t
                .spans
                .iter()
                .map(|s| SpanW {
                    trace_id: s.trace_id,
                    span_id: s.span_id,
                    parent: s.parent,
                    service: s.service.to_string(),
                    operation: s.operation.to_string(),
                    start_ns: s.start_ns,
                    duration_ns: s.duration_ns,
                    status: s.status,
                    attributes: owned_pairs(&s.attributes),
                    links: s.links.clone(),
                })
                .collect(),
        }
    }

    pub fn trace(self) -> Trace {
        Trace {
            trace_id: self.trace_id,
            spans: self
                .spans
                .into_iter()
                .map(|s| Span {
                    trace_id: s.trace_id,
                    span_id: s.span_id,
                    parent: s.parent,
                    service: intern(&s.service),
                    operation: intern(&s.operation),
                    start_ns: s.start_ns,
                    duration_ns: s.duration_ns,
                    status: s.status,
                    attributes: interned_pairs(s.attributes),
                    links: s.links,
                })
                .collect(),
        }
    }
}

/// The topology on the wire: nodes and edges by id (the page has their specs).
#[derive(Debug, Clone, PartialEq)]
pub struct TopologyW {
    pub t_ns: u64,
    pub nodes: Vec<NodeW>,
    pub edges: Vec<EdgeW>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeW {
    pub id: String,
    pub health: Health,
    pub reasons: Vec<String>,
    pub detail: String,
    pub struck_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeW {
    pub from: String,
    pub to: String,
    pub rate_rps: f64,
}

impl TopologyW {
    pub fn of(v: &TopologyView) -> TopologyW {
        TopologyW {
            t_ns: v.t_ns,
            nodes: v
                .nodes
                .iter()
                .map(|n| NodeW {
                    id: n.spec.id.to_string(),
                    health: n.health,
                    reasons: n.reasons.clone(),
                    detail: n.detail.clone(),
                    struck_by: n.struck_by.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
            edges: v
                .edges
                .iter()
                .map(|e| EdgeW {
                    from: e.spec.from.to_string(),
                    to: e.spec.to.to_string(),
                    rate_rps: e.rate_rps,
                })
                .collect(),
        }
    }

    /// The view again, its nodes and edges resolved in `layout` (the run's diagram);
    /// anything not in it is left out.
    pub fn view(self, layout: &(Vec<NodeSpec>, Vec<EdgeSpec>)) -> TopologyView {
        let (nodes, edges) = layout;
        TopologyView {
            t_ns: self.t_ns,
            nodes: self
                .nodes
                .into_iter()
                .filter_map(|n| {
                    let spec = *nodes.iter().find(|s| s.id == n.id)?;
                    Some(NodeState {
                        spec,
                        health: n.health,
                        reasons: n.reasons,
                        detail: n.detail,
                        struck_by: n.struck_by.iter().map(|s| intern(s)).collect(),
                    })
                })
                .collect(),
            edges: self
                .edges
                .into_iter()
                .filter_map(|e| {
                    let spec = *edges.iter().find(|s| s.from == e.from && s.to == e.to)?;
                    Some(EdgeState {
                        spec,
                        rate_rps: e.rate_rps,
                    })
                })
                .collect(),
        }
    }
}

/// The alerts on the wire (see the app's `components::alerts::AlertsView`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertsW {
    pub rules: Vec<RuleW>,
    pub history: Vec<Transition>,
    pub budget: Option<ErrorBudget>,
    pub slo: Slo,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleW {
    pub name: String,
    pub severity: Severity,
    pub state: AlertState,
    pub condition: String,
    pub summary: String,
    pub active_since: Option<u64>,
    pub metrics: Vec<String>,
}

/// What a game day's learner did (`content::gameday::Act`).
#[derive(Debug, Clone, PartialEq)]
pub enum GamedayAct {
    Ack,
    Hint,
    Change { what: String },
    Diagnose { component: String, kind: String },
}

/// A score as the page shows it: its lines, and the completion code.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreW {
    pub total: u32,
    pub lines: Vec<LineW>,
    pub first_alert_ns: Option<u64>,
    pub mitigated_ns: Option<u64>,
    /// Seconds from the first fault to mitigation.
    pub mitigated_s: Option<u32>,
    pub code: String,
}

/// One line of a score.
#[derive(Debug, Clone, PartialEq)]
pub struct LineW {
    pub label: String,
    pub points: i64,
    /// 0 for a line that can only take points away.
    pub max: i64,
    pub detail: String,
}

// ---- the wire form of each message ----

codec_struct!(Recipe {
    system,
    seed,
    history_len,
    system_params,
    switches,
    rules,
    scheduled
});
codec_struct!(Batch { sent_ms, commands });
codec_enum!(Command {
    Reset { run, recipe },
    SetSwitch { id, on, params },
    SetParam { key, raw },
    AddRule { text },
    RemoveRule { name },
    Play(on),
    Speed(speed),
    Visible(visible),
    RunTo { target_ns },
    Ask { id, ask },
    StopRunTo,
    Operate { op }
});
codec_enum!(Speed { Times(x), Max });
codec_enum!(Ask {
    Panels {
        from_ns,
        to_ns,
        exprs
    },
    Metrics { names },
    Console {
        logs,
        traces,
        topology
    },
    Trace { id },
    Alerts,
    Heatmap {
        metric,
        from_ns,
        to_ns
    },
    Export(kind),
    Summary,
    Check { tutorial, step },
    Gameday {
        incident,
        seed,
        acts
    },
    EventStore {
        tail,
        filter,
        order,
        projections
    }
});
codec_enum!(ExportKind {
    Prometheus,
    Csv,
    SeriesJson { lab },
    OpenMetrics,
    AlertRules,
    Grafana,
    Traces
});
codec_struct!(LogFilter {
    min_level,
    text,
    focus,
    frozen,
    max
});
codec_enum!(Answer {
    Nothing,
    Stale,
    Panels(lines),
    Metrics(present),
    Console(data),
    Trace(trace),
    Alerts(alerts),
    Heatmap(grid),
    Text(text),
    Summary(figures),
    Check { passed, message },
    EventStore(store),
    Gameday(score)
});
codec_struct!(ConsoleData {
    topology,
    logs,
    traces
});
codec_struct!(LogsW {
    snapshot,
    matching,
    held,
    lines
});
codec_struct!(Tick {
    run,
    has_run,
    now_ns,
    events,
    lagging,
    replaying,
    halted,
    samples,
    anomalies,
    bill
});
codec_enum!(FromEngine {
    Ready,
    Tick(tick),
    Answer { id, run, answer }
});
codec_struct!(LogLineW {
    key,
    sampled,
    t_ns,
    level,
    service,
    message,
    fields,
    trace_id
});
codec_struct!(SpanW {
    trace_id,
    span_id,
    parent,
    service,
    operation,
    start_ns,
    duration_ns,
    status,
    attributes,
    links
});
codec_struct!(TraceW { trace_id, spans });
codec_struct!(TopologyW { t_ns, nodes, edges });
codec_struct!(NodeW {
    id,
    health,
    reasons,
    detail,
    struck_by
});
codec_struct!(EdgeW { from, to, rate_rps });
codec_struct!(AlertsW {
    rules,
    history,
    budget,
    slo
});
codec_struct!(RuleW {
    name,
    severity,
    state,
    condition,
    summary,
    active_since,
    metrics
});

codec_enum!(GamedayAct {
    Ack,
    Hint,
    Change { what },
    Diagnose { component, kind }
});
codec_struct!(LineW {
    label,
    points,
    max,
    detail
});
codec_struct!(ScoreW {
    total,
    lines,
    first_alert_ns,
    mitigated_ns,
    mitigated_s,
    code
});
