//! The scenario model: what a fault is (`ScenarioMeta`, its parameters and metrics), the
//! points of a system where it can strike (`Component`, `Hop`), and what it does there
//! (`Effect`). Systems call `Scenarios::strike` at each hop; scenarios never see the
//! system's internals.

use crate::metrics::{MetricSpec, Registry};
use crate::observe::LogBuffer;
use crate::params::{ParamSet, ParamSpec};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::time::{secs_to_ns, Nanos};

pub use crate::strike::*;

/// What a scenario gets when it strikes: the clock, its own random stream, the metrics
/// and the log.
pub struct StrikeCx<'a> {
    pub now: Nanos,
    /// When this scenario started striking (switched on + `start_s`).
    pub active_since: Nanos,
    pub rng: &'a mut Rng,
    pub metrics: &'a mut Registry,
    pub logs: &'a mut LogBuffer,
    pub trace_id: Option<u64>,
}

/// A running fault. One type per file under `scenarios/<category>/`.
pub trait Scenario {
    /// Reads (validated) parameters and registers metric handles. Called when switched
    /// on and whenever a parameter changes while it runs.
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry);
    /// Acts on one hop of a request while the scenario is active. A part-specific effect
    /// must be of the hop's kind (`Effect::on_database` at a `Database` hop, …).
    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect;
    /// Called at every metrics sample, active or not, to keep gauges true.
    fn on_sample(&mut self, _metrics: &mut Registry, _active: bool) {}
}

/// The catalogue entry of a scenario.
pub struct ScenarioMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    /// What kind of fault it is, as an on-call engineer names it in a diagnosis (with
    /// the component it strikes): the vocabulary of tutorials' blind diagnoses and game
    /// days.
    pub kind: FaultKind,
    /// One sentence for lists.
    pub summary: &'static str,
    /// The `//!` documentation of the scenario's file (`doc_of!`): its catalogue page.
    pub source: DocSource,
    /// Scenario-specific parameters (the common timing ones are added by `params()`).
    pub own_params: &'static [ParamSpec],
    pub metrics: &'static [MetricSpec],
    pub strikes: &'static [Component],
    /// Mitigation ids that address it.
    pub mitigations: &'static [&'static str],
    pub build: fn() -> Box<dyn Scenario>,
    /// Refuses parameter values that make no sense on a system with these components
    /// (e.g. a database delay on a system without a database); the message says why.
    pub check: fn(&ParamSet, &[Component]) -> Result<(), String>,
}

/// The kinds of fault a diagnosis names (with the struck component): what is wrong,
/// not where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// Something takes longer than it should (added latency, slow queries, a slow path).
    Slow,
    /// Something answers with errors.
    Failing,
    /// A finite resource is used up (a pool, workers, CPU, memory, disk, bandwidth).
    Saturated,
    /// Something is taken and never given back, so use grows until it runs out.
    Leaking,
    /// The load itself is amplified (retries, stampedes, fan-out, storms).
    Overloaded,
    /// Work waits on locks held by other work (contention, deadlock, conflicts).
    Contended,
    /// Data is wrong or stale: readers see what they should not.
    Inconsistent,
    /// A part cannot be reached at all (partition, name resolution).
    Unreachable,
    /// A setting is wrong for the conditions (timeouts, limits, versions, clocks).
    Misconfigured,
}

impl FaultKind {
    pub const ALL: [FaultKind; 9] = [
        FaultKind::Slow,
        FaultKind::Failing,
        FaultKind::Saturated,
        FaultKind::Leaking,
        FaultKind::Overloaded,
        FaultKind::Contended,
        FaultKind::Inconsistent,
        FaultKind::Unreachable,
        FaultKind::Misconfigured,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Slow => "slow",
            FaultKind::Failing => "failing",
            FaultKind::Saturated => "saturated",
            FaultKind::Leaking => "leaking",
            FaultKind::Overloaded => "overloaded",
            FaultKind::Contended => "contended",
            FaultKind::Inconsistent => "inconsistent",
            FaultKind::Unreachable => "unreachable",
            FaultKind::Misconfigured => "misconfigured",
        }
    }

    /// What the kind means, for the learner choosing it.
    pub fn meaning(self) -> &'static str {
        match self {
            FaultKind::Slow => "something takes longer than it should",
            FaultKind::Failing => "something answers with errors",
            FaultKind::Saturated => "a finite resource is used up",
            FaultKind::Leaking => "something is taken and never given back",
            FaultKind::Overloaded => "the load itself is amplified",
            FaultKind::Contended => "work waits on locks held by other work",
            FaultKind::Inconsistent => "readers see stale or wrong data",
            FaultKind::Unreachable => "a part cannot be reached at all",
            FaultKind::Misconfigured => "a setting is wrong for the conditions",
        }
    }

    pub fn parse(s: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A `check` for scenarios whose parameters fit any system that has a struck component.
pub fn no_check(_: &ParamSet, _: &[Component]) -> Result<(), String> {
    Ok(())
}

/// Every scenario has these: when it starts after being switched on, and how long it lasts.
pub const COMMON_SCENARIO_PARAMS: &[ParamSpec] = &[
    ParamSpec::float(
        "start_s",
        "s",
        0.0,
        0.0,
        86_400.0,
        "Virtual seconds after the scenario is switched on before it strikes.",
    ),
    ParamSpec::float(
        "duration_s",
        "s",
        0.0,
        0.0,
        86_400.0,
        "How long it strikes, in virtual seconds; 0 = until switched off.",
    ),
];

impl ScenarioMeta {
    /// All parameters: its own, then the common timing ones.
    pub fn params(&self) -> Vec<&'static ParamSpec> {
        self.own_params
            .iter()
            .chain(COMMON_SCENARIO_PARAMS.iter())
            .collect()
    }

    /// The `//!` documentation of the scenario's file, as Markdown.
    pub fn doc(&self) -> String {
        module_doc(self.source.text)
    }
}

/// Where a catalogue entry's prose comes from: the `//!` documentation of its file
/// (`doc_of!`).
#[derive(Debug, Clone, Copy)]
pub struct DocSource {
    /// The file under `engine/src/`, e.g. `systems/queue.rs`: also the key of the text
    /// in `docs.json`, from which the browser build loads it.
    pub path: &'static str,
    /// The file's `//!` lines as written; empty in WebAssembly, which leaves them out.
    pub text: &'static str,
}

/// The leading `//!` block of a Rust source file, without the markers.
pub fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// A switched-on scenario inside a run.
pub struct ActiveScenario {
    pub meta: &'static ScenarioMeta,
    /// Its place in the catalogue: the order scenarios are asked in, its stream's number.
    rank: usize,
    pub params: ParamSet,
    pub enabled: bool,
    enabled_at: Nanos,
    /// `[from, until)` in virtual time, from `enabled_at`, `start_s` and `duration_s`;
    /// kept as integers because every hop of every request asks.
    window: (Nanos, Nanos),
    rng: Rng,
    instance: Box<dyn Scenario>,
}

impl ActiveScenario {
    fn set_window(&mut self) {
        let from = self
            .enabled_at
            .saturating_add(secs_to_ns(self.params.f64("start_s")));
        let duration = secs_to_ns(self.params.f64("duration_s"));
        let until = if duration == 0 {
            Nanos::MAX
        } else {
            from.saturating_add(duration)
        };
        self.window = (from, until);
    }

    /// When it starts (or started) striking: switched on + `start_s`.
    pub fn active_since(&self) -> Nanos {
        self.window.0
    }

    /// Whether it strikes at `now`: switched on, past its start delay, within its duration.
    #[inline]
    pub fn is_active(&self, now: Nanos) -> bool {
        self.enabled && now >= self.window.0 && now < self.window.1
    }
}

/// The scenarios of one run, in a fixed order (catalogue order), so results never depend
/// on the order they were switched on.
#[derive(Default)]
pub struct Scenarios {
    list: Vec<ActiveScenario>,
    /// Fast path: no scenario switched on means `strike` is free.
    any_enabled: bool,
    /// For each component (`Component as usize`), the positions in `list` of the
    /// scenarios that strike it, so a hop asks only those.
    by_component: [Vec<u16>; COMPONENTS],
    /// Bumped whenever a scenario is switched on or off or reconfigured.
    version: u64,
    /// Which scenarios are active, per component, during `active.window`: every hop
    /// asks, and the answer changes only when a scenario's window opens or closes.
    active: ActiveSet,
}

/// The scenarios active over a stretch of virtual time in which none starts or stops.
#[derive(Default)]
struct ActiveSet {
    /// `[from, until)`: the stretch the sets below hold for.
    window: (Nanos, Nanos),
    /// `Scenarios::version` they were computed at (`None`: never).
    version: Option<u64>,
    /// Per component: positions in `list` of the active scenarios striking it, in order.
    positions: [Vec<u16>; COMPONENTS],
    /// Per component: bit k set when the k-th scenario of `by_component` is active.
    bits: [u64; COMPONENTS],
}

/// How many `Component`s there are.
const COMPONENTS: usize = 13;
const _: () = assert!(Component::Device as usize + 1 == COMPONENTS);

impl Scenarios {
    /// Switches `meta` on at `now` with `params` (already validated), or back on with new
    /// parameters if it ran before. `rank` is its place in the catalogue
    /// (`catalog::scenario_rank`): scenarios are asked in that order and each draws from
    /// its own stream numbered by it, whatever order they were switched on in. It is
    /// passed in, not looked up, so this module does not import the catalogue that lists it.
    pub fn enable(
        &mut self,
        meta: &'static ScenarioMeta,
        rank: usize,
        params: ParamSet,
        now: Nanos,
        seed: u64,
        metrics: &mut Registry,
    ) {
        if let Some(s) = self.list.iter_mut().find(|s| s.meta.id == meta.id) {
            s.params = params;
            s.enabled = true;
            s.enabled_at = now;
            s.set_window();
            s.instance.configure(&s.params, metrics);
            self.version += 1;
        } else {
            let mut instance = (meta.build)();
            instance.configure(&params, metrics);
            let mut active = ActiveScenario {
                meta,
                rank,
                params,
                enabled: true,
                enabled_at: now,
                window: (0, 0),
                rng: Rng::stream(seed, 1000 + rank as u64),
                instance,
            };
            active.set_window();
            self.list.push(active);
            self.version += 1;
            crate::order::sort_by_key(&mut self.list, |s| s.rank);
            for (c, positions) in self.by_component.iter_mut().enumerate() {
                positions.clear();
                for (i, s) in self.list.iter().enumerate() {
                    if s.meta.strikes.iter().any(|&k| k as usize == c) {
                        positions.push(i as u16);
                    }
                }
            }
        }
        self.any_enabled = true;
    }

    pub fn disable(&mut self, id: &str) {
        self.version += 1;
        for s in &mut self.list {
            if s.meta.id == id {
                s.enabled = false;
            }
        }
        self.any_enabled = self.list.iter().any(|s| s.enabled);
    }

    /// Replaces the parameters of a switched-on scenario.
    pub fn reconfigure(&mut self, id: &str, params: ParamSet, metrics: &mut Registry) {
        self.version += 1;
        if let Some(s) = self.list.iter_mut().find(|s| s.meta.id == id) {
            s.params = params;
            s.set_window();
            s.instance.configure(&s.params, metrics);
        }
    }

    pub fn get(&self, id: &str) -> Option<&ActiveScenario> {
        self.list.iter().find(|s| s.meta.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ActiveScenario> {
        self.list.iter()
    }

    /// Which scenarios striking `component` are active at `now`, as a value that changes
    /// whenever that set or any scenario's parameters change: a system may reuse an
    /// effect struck while the state was the same, where effects depend only on the hop
    /// (link faults: see `NetworkEffect::link`). `None` when it cannot tell (over 64 scenarios).
    #[inline]
    pub fn state(&mut self, now: Nanos, component: Component) -> Option<(u64, u64)> {
        if !self.any_enabled {
            return Some((0, 0));
        }
        if self.by_component[component as usize].len() > 64 {
            return None;
        }
        self.refresh(now);
        Some((self.version, self.active.bits[component as usize]))
    }

    /// Whether any scenario striking `component` is active at `now`: when not, a hop
    /// there needs no `strike` (it would return `Effect::NONE`).
    #[inline(always)]
    pub fn acts_on(&mut self, now: Nanos, component: Component) -> bool {
        if !self.any_enabled {
            return false;
        }
        self.refresh(now);
        !self.active.positions[component as usize].is_empty()
    }

    /// Brings the active sets up to `now`: recomputed only when a scenario was switched
    /// or reconfigured, or `now` left the stretch they hold for.
    #[inline]
    fn refresh(&mut self, now: Nanos) {
        let (from, until) = self.active.window;
        if self.active.version != Some(self.version) || now < from || now >= until {
            self.recompute_active(now);
        }
    }

    #[inline(never)]
    fn recompute_active(&mut self, now: Nanos) {
        let (mut from, mut until) = (0, Nanos::MAX);
        for s in self.list.iter().filter(|s| s.enabled) {
            for edge in [s.window.0, s.window.1] {
                if edge <= now {
                    from = from.max(edge);
                } else {
                    until = until.min(edge);
                }
            }
        }
        let active = &mut self.active;
        active.window = (from, until);
        active.version = Some(self.version);
        for (c, positions) in self.by_component.iter().enumerate() {
            active.positions[c].clear();
            active.bits[c] = 0;
            for (k, &i) in positions.iter().enumerate() {
                if self.list[i as usize].is_active(now) {
                    active.positions[c].push(i);
                    if k < 64 {
                        active.bits[c] |= 1 << k;
                    }
                }
            }
        }
    }

    /// Lets every active scenario act on `hop`; their effects add up.
    #[inline(always)]
    pub fn strike(
        &mut self,
        now: Nanos,
        hop: &Hop,
        metrics: &mut Registry,
        logs: &mut LogBuffer,
        trace_id: Option<u64>,
    ) -> Struck {
        if !self.acts_on(now, hop.component) {
            // Not the `Struck::NONE` constant: copying it would copy a whole `Effect`.
            return Struck(None);
        }
        Struck(Some(self.strike_active(now, hop, metrics, logs, trace_id)))
    }

    /// `strike` for a hop where some scenario is active.
    #[inline(never)]
    fn strike_active(
        &mut self,
        now: Nanos,
        hop: &Hop,
        metrics: &mut Registry,
        logs: &mut LogBuffer,
        trace_id: Option<u64>,
    ) -> Effect {
        let c = hop.component as usize;
        if self.active.positions[c].is_empty() {
            return Effect::NONE;
        }
        let mut one = |n: usize| {
            let s = &mut self.list[self.active.positions[c][n] as usize];
            let mut cx = StrikeCx {
                now,
                active_since: s.active_since(),
                rng: &mut s.rng,
                metrics: &mut *metrics,
                logs: &mut *logs,
                trace_id,
            };
            let mut effect = s.instance.strike(&mut cx, hop);
            // No system reads a part of another kind at this hop; dropped, kinds never mix.
            let kind = effect.part.component();
            debug_assert!(
                kind.is_none_or(|k| k == hop.component),
                "{} returns an effect on the {:?} at a {:?} hop",
                s.meta.id,
                kind,
                hop.component
            );
            if kind.is_some_and(|k| k != hop.component) {
                effect.part = PartEffect::None;
            }
            effect
        };
        // The first effect is taken as it is; the others add to it, in catalogue order.
        let mut effect = one(0);
        for n in 1..self.active.positions[c].len() {
            let e = one(n);
            effect.merge_in(&e);
        }
        effect
    }

    pub fn on_sample(&mut self, now: Nanos, metrics: &mut Registry) {
        for s in &mut self.list {
            let active = s.is_active(now);
            s.instance.on_sample(metrics, active);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(a: Effect, b: Effect) -> Effect {
        let mut a = a;
        a.merge_in(&b);
        a
    }

    #[test]
    fn generic_fields_merge_whatever_the_parts() {
        let a = Effect {
            delay_ns: 5,
            work_factor: 2.0,
            ..Effect::on_service(ServiceEffect {
                leak_bytes: 1,
                ..ServiceEffect::NONE
            })
        };
        let b = Effect {
            delay_ns: 7,
            fail_status: Some(503),
            work_factor: 3.0,
            ..Effect::fail(500)
        };
        let m = merged(a, b);
        assert_eq!(
            (m.delay_ns, m.fail_status, m.work_factor),
            (12, Some(503), 6.0)
        );
        assert_eq!(m.service().leak_bytes, 1);
        assert_eq!(
            merged(Effect::fail(502), Effect::fail(504)).fail_status,
            Some(502)
        );
    }

    #[test]
    fn cpu_adds_an_l1_hit_stands_and_the_first_response_size_wins() {
        let cpu = |ns| {
            Effect::on_service(ServiceEffect {
                cpu_ns: ns,
                ..ServiceEffect::NONE
            })
        };
        assert_eq!(merged(cpu(5), cpu(7)).service().cpu_ns, 12);
        let l1 = |hit| {
            Effect::on_cache(CacheEffect {
                local_hit: hit,
                ..CacheEffect::NONE
            })
        };
        assert!(merged(l1(false), l1(true)).cache().local_hit);
        let size = |b| {
            Effect::on_network(NetworkEffect {
                response_bytes: b,
                ..NetworkEffect::NONE
            })
        };
        assert_eq!(
            merged(size(None), size(Some(9))).network().response_bytes,
            Some(9)
        );
        assert_eq!(
            merged(size(Some(4)), size(Some(9)))
                .network()
                .response_bytes,
            Some(4)
        );
    }

    #[test]
    fn parts_of_one_kind_merge_field_by_field() {
        let a = Effect::on_database(DatabaseEffect {
            key: Some(1),
            scan_rows: 10,
            write_behind_ns: 0,
            replica_lag_ns: 3,
            ..DatabaseEffect::NONE
        });
        let b = Effect::on_database(DatabaseEffect {
            key: Some(2),
            second_key: Some(9),
            scan_rows: 30,
            write_behind_ns: 40,
            replica_lag_ns: 4,
            drop_write_buffer: true,
            ..DatabaseEffect::NONE
        });
        let m = *merged(a, b).database();
        assert_eq!(
            (m.key, m.second_key),
            (Some(1), Some(9)),
            "the first key stands"
        );
        assert_eq!((m.scan_rows, m.replica_lag_ns), (30, 7));
        assert_eq!((m.write_behind_ns, m.drop_write_buffer), (40, true));
        let c = Effect::on_database(DatabaseEffect {
            write_behind_ns: 20,
            ..DatabaseEffect::NONE
        });
        assert_eq!(merged(merged(a, b), c).database().write_behind_ns, 20);

        let retries = |n| Effect::on_client(ClientEffect { retries: n });
        let m = merged(retries(Some(2)), retries(Some(5)));
        assert_eq!(m.client().retries, Some(5));
        assert_eq!(
            merged(retries(None), retries(Some(3))).client().retries,
            Some(3)
        );

        let cap = |b| {
            Effect::on_network(NetworkEffect {
                link_bytes_per_s: b,
                ..NetworkEffect::NONE
            })
        };
        assert_eq!(
            merged(cap(100.0), cap(50.0)).network().link_bytes_per_s,
            50.0
        );
        assert_eq!(merged(cap(0.0), cap(50.0)).network().link_bytes_per_s, 50.0);
    }

    #[test]
    fn a_part_merges_with_none_as_its_kinds_none() {
        let loss = |l| {
            Effect::on_network(NetworkEffect {
                link: LinkFault {
                    loss: l,
                    ..LinkFault::NONE
                },
                ..NetworkEffect::NONE
            })
        };
        // As when every field merged: 1 - (1 - 0)(1 - 0.3), not 0.3 bit for bit.
        let expected = 1.0 - (1.0 - 0.0) * (1.0 - 0.3);
        for m in [
            merged(Effect::NONE, loss(0.3)),
            merged(loss(0.3), Effect::NONE),
        ] {
            assert_eq!(m.part.component(), Some(Component::Network));
            assert_eq!(m.network().link.loss.to_bits(), f64::to_bits(expected));
        }
        let m = merged(loss(0.5), loss(0.5));
        assert_eq!(m.network().link.loss, 0.75, "independent losses");
        assert_eq!(
            merged(Effect::delay(1), Effect::delay(2)).part,
            PartEffect::None
        );
    }

    #[test]
    fn an_accessor_of_another_kind_reads_none() {
        let e = Effect::on_cache(CacheEffect {
            key: Some(4),
            bypass: true,
            ..CacheEffect::NONE
        });
        assert_eq!(e.cache().key, Some(4));
        assert_eq!(*e.database(), DatabaseEffect::NONE);
        assert_eq!(*Struck::NONE.cache(), CacheEffect::NONE);
    }

    #[test]
    fn device_effects_merge_the_worst_of_each_and_zero_means_unchanged() {
        let a = Effect::on_device(DeviceEffect {
            offline_ns: 5,
            network: Some("3g"),
            rtt_ns: 10,
            bandwidth_factor: 0.5,
            loss: 0.5,
            poll_ns: 9,
            ..DeviceEffect::NONE
        });
        let b = Effect::on_device(DeviceEffect {
            offline_ns: 3,
            kill: true,
            network: Some("slow4g"),
            rtt_ns: 20,
            loss: 0.5,
            poll_ns: 4,
            timeout_ns: 7,
            power_factor: 2.0,
            ..DeviceEffect::NONE
        });
        let m = *merged(a, b).device();
        assert_eq!((m.offline_ns, m.kill, m.network), (5, true, Some("3g")));
        assert_eq!((m.rtt_ns, m.poll_ns, m.timeout_ns), (30, 4, 7));
        assert_eq!(
            (m.bandwidth_factor, m.power_factor, m.loss),
            (0.5, 2.0, 0.75)
        );
        assert_eq!(*merged(a, Effect::NONE).device(), *a.device());
        assert_eq!(
            merged(Effect::NONE, b).part.component(),
            Some(Component::Device)
        );
    }
}
