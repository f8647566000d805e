//! One way to build a run: `RunSpec` says what to run (a system, a seed, its parameters,
//! the scenarios and mitigations switched on with theirs, the learner's alert rules, how
//! long) as the inputs were written, and builds the `LabConfig` from them. The CLI's
//! flags, a lab link, a lab file, a tutorial step and the page all go through it, so an
//! input is accepted, refused and worded the same everywhere.
//!
//! Two ways to build:
//! - `build` (strict): the first input that cannot be used is an error naming it and
//!   what is allowed (`LabError`); `try_build` also says which input it was.
//! - `build_lenient` (`lenient` for what was kept): every input that can be used is, and
//!   each one refused comes back with why (`Refusal`); the result is always a valid
//!   configuration. Links and the page use this form.
//!
//! Inputs are applied in one fixed order, whatever order the builder was called in:
//! 1. the system (an unknown one is refused; leniently, `DEFAULT_SYSTEM` runs instead);
//! 2. the system parameters and objectives (`workers`, `slo.latency_ms`), in the order
//!    given (a later value of the same key replaces an earlier one);
//! 3. the switches, in the order given, each followed at once by its parameters (in the
//!    order given): a scenario's applicability can depend on them;
//! 4. the parameters of switches that are not on (each refused: "not switched on");
//! 5. the alert rules, in the order given.

use crate::catalog::find_system;
use crate::time::{Nanos, NS_PER_SEC};
use crate::{LabConfig, LabError};
use std::fmt;

/// The system a lab shows when none (or an unknown one) is given.
pub const DEFAULT_SYSTEM: &str = "web";
/// The seed of a run when none is given.
pub const DEFAULT_SEED: u64 = 1;
/// Virtual time between metric samples when none is given (1 s).
pub const DEFAULT_SAMPLE_INTERVAL_NS: Nanos = NS_PER_SEC;
/// Samples kept per series when none is given (an hour at 1 s).
pub const DEFAULT_HISTORY_LEN: usize = 3600;

/// Which catalogue a switch id must be found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchKind {
    /// A scenario or a mitigation (`LabConfig::enable`).
    Either,
    /// A scenario only: a mitigation's id is refused as an unknown scenario.
    Scenario,
    /// A mitigation only: a scenario's id is refused as an unknown mitigation.
    Mitigation,
}

/// A scenario or mitigation to switch on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchSpec {
    pub id: String,
    pub kind: SwitchKind,
}

/// What to run, as its inputs were written. Every field is public; the builder methods
/// set them. Defaults (`RunSpec::new`): seed `DEFAULT_SEED` (1), no warm-up, a sample
/// every `DEFAULT_SAMPLE_INTERVAL_NS` (1 s), `DEFAULT_HISTORY_LEN` (3600) samples kept,
/// no end time, every parameter at its default, nothing switched on, no rules of the
/// learner's own: exactly `LabConfig::new(system)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub system: String,
    pub seed: u64,
    /// Statistics in the summary ignore requests arriving before this.
    pub warmup_ns: Nanos,
    /// Virtual time between metric samples.
    pub sample_interval_ns: Nanos,
    /// Samples kept per series.
    pub history_len: usize,
    /// Virtual time to run to (the CLI's duration, a link's `t`, a tutorial step's
    /// `run_for_s`); `None`: open-ended (the page plays on). Not part of the
    /// configuration: the caller runs the lab to it.
    pub until_ns: Option<Nanos>,
    /// System parameters and objectives as `LabConfig::set` takes them (`workers`,
    /// `slo.latency_ms`), raw, in the order given. A key `ID.name` here is applied
    /// before any switch is on, so it is refused; `param` files such keys under
    /// `switch_params` instead.
    pub params: Vec<(String, String)>,
    /// Scenarios and mitigations to switch on, in the order given (the configuration
    /// keeps them in catalogue order).
    pub switches: Vec<SwitchSpec>,
    /// Parameters of switches: `(id, name, raw)`, in the order given.
    pub switch_params: Vec<(String, String, String)>,
    /// The learner's own alert rules (`Rule::parse` text), in the order given.
    pub rules: Vec<String>,
}

/// The input a refusal is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The system id.
    System(String),
    /// A system parameter or objective, by key.
    Param(String),
    /// A scenario or mitigation to switch on.
    Switch(SwitchSpec),
    /// A switch's parameter, by key (`ID.name`).
    SwitchParam(String),
    /// An alert rule, as given.
    Rule(String),
}

impl Input {
    /// The id of the scenario or mitigation the input belongs to, if any.
    pub fn switch_id(&self) -> Option<&str> {
        match self {
            Input::Switch(sw) => Some(&sw.id),
            Input::SwitchParam(key) => key.split_once('.').map(|(id, _)| id),
            _ => None,
        }
    }
}

/// An input that could not be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub input: Input,
    pub error: LabError,
}

/// The refusal as a lenient build reports it: the engine's message, and for a system, a
/// switch or a rule what was done instead (`…; it was left off`).
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.error;
        match self.input {
            Input::System(_) => write!(f, "{e}; showing `{DEFAULT_SYSTEM}`"),
            Input::Switch(_) => write!(f, "{e}; it was left off"),
            Input::Rule(_) => write!(f, "{e}; the rule was left out"),
            Input::Param(_) | Input::SwitchParam(..) => write!(f, "{e}"),
        }
    }
}

/// What a lenient build made: the configuration, the inputs it used (values trimmed as
/// the configuration keeps them, rules in their canonical text) and those it refused.
#[derive(Debug, Clone)]
pub struct Lenient {
    pub config: LabConfig,
    /// The spec of exactly what `config` runs: building it strictly gives `config`.
    pub kept: RunSpec,
    pub refused: Vec<Refusal>,
}

impl RunSpec {
    /// A run of `system` with every default (see `RunSpec`).
    pub fn new(system: &str) -> RunSpec {
        RunSpec {
            system: system.to_string(),
            seed: DEFAULT_SEED,
            warmup_ns: 0,
            sample_interval_ns: DEFAULT_SAMPLE_INTERVAL_NS,
            history_len: DEFAULT_HISTORY_LEN,
            until_ns: None,
            params: Vec::new(),
            switches: Vec::new(),
            switch_params: Vec::new(),
            rules: Vec::new(),
        }
    }

    pub fn seed(mut self, seed: u64) -> RunSpec {
        self.seed = seed;
        self
    }

    pub fn warmup_ns(mut self, ns: Nanos) -> RunSpec {
        self.warmup_ns = ns;
        self
    }

    pub fn sample_interval_ns(mut self, ns: Nanos) -> RunSpec {
        self.sample_interval_ns = ns;
        self
    }

    pub fn history_len(mut self, samples: usize) -> RunSpec {
        self.history_len = samples;
        self
    }

    pub fn until_ns(mut self, ns: Nanos) -> RunSpec {
        self.until_ns = Some(ns);
        self
    }

    /// A parameter keyed as `LabConfig::set` takes it: a system parameter (`workers`)
    /// or objective (`slo.latency_ms`), or a switch's (`fixed-latency.delay_ms`, applied
    /// once that switch is on). The value is anything displayable: `"4"`, `4`, `0.5`,
    /// `true`, a `ParamValue`.
    pub fn param(mut self, key: &str, value: impl fmt::Display) -> RunSpec {
        let value = value.to_string();
        match key.split_once('.') {
            Some((id, name)) if id != "slo" => {
                self.switch_params
                    .push((id.to_string(), name.to_string(), value));
            }
            _ => self.params.push((key.to_string(), value)),
        }
        self
    }

    /// Switches a scenario or a mitigation on.
    pub fn switch(self, id: &str) -> RunSpec {
        self.push_switch(id, SwitchKind::Either)
    }

    /// Switches a scenario on (a mitigation's id is refused).
    pub fn scenario(self, id: &str) -> RunSpec {
        self.push_switch(id, SwitchKind::Scenario)
    }

    /// Switches a mitigation on (a scenario's id is refused).
    pub fn mitigation(self, id: &str) -> RunSpec {
        self.push_switch(id, SwitchKind::Mitigation)
    }

    fn push_switch(mut self, id: &str, kind: SwitchKind) -> RunSpec {
        let sw = SwitchSpec {
            id: id.to_string(),
            kind,
        };
        if !self.switches.contains(&sw) {
            self.switches.push(sw);
        }
        self
    }

    /// Sets parameter `name` of switch `id` (applied once it is on).
    pub fn switch_param(mut self, id: &str, name: &str, value: impl AsRef<str>) -> RunSpec {
        self.switch_params
            .push((id.to_string(), name.to_string(), value.as_ref().to_string()));
        self
    }

    /// Adds an alert rule of the learner's own (`NAME: CONDITION [for D] [severity]`).
    pub fn rule(mut self, text: &str) -> RunSpec {
        self.rules.push(text.to_string());
        self
    }

    /// The configuration, or the first input that cannot be used (the engine's message).
    pub fn build(&self) -> Result<LabConfig, LabError> {
        self.try_build().map_err(|r| r.error)
    }

    /// `build`, saying which input was refused.
    pub fn try_build(&self) -> Result<LabConfig, Refusal> {
        self.apply(true).map(|l| l.config)
    }

    /// A configuration of every input that can be used, and each refused one with why.
    pub fn build_lenient(&self) -> (LabConfig, Vec<Refusal>) {
        let l = self.lenient();
        (l.config, l.refused)
    }

    /// `build_lenient`, with the spec of what was kept.
    pub fn lenient(&self) -> Lenient {
        match self.apply(false) {
            Ok(l) => l,
            // Leniently nothing is an error; should that change, run the default lab.
            Err(r) => Lenient {
                config: LabConfig::new(DEFAULT_SYSTEM),
                kept: RunSpec::new(DEFAULT_SYSTEM),
                refused: vec![r],
            },
        }
    }

    /// Applies the inputs in the order of the module's documentation; `strict` stops at
    /// the first refusal.
    fn apply(&self, strict: bool) -> Result<Lenient, Refusal> {
        let mut refused: Vec<Refusal> = Vec::new();
        let mut refuse = |input: Input, error: LabError| {
            let r = Refusal { input, error };
            if strict {
                return Err(r);
            }
            refused.push(r);
            Ok(())
        };
        let mut kept = RunSpec {
            params: Vec::new(),
            switches: Vec::new(),
            switch_params: Vec::new(),
            rules: Vec::new(),
            ..self.clone()
        };
        if let Err(e) = find_system(&self.system) {
            refuse(Input::System(self.system.clone()), e)?;
            kept.system = DEFAULT_SYSTEM.to_string();
        }
        let mut cfg = LabConfig::new(&kept.system);
        cfg.seed = self.seed;
        cfg.warmup_ns = self.warmup_ns;
        cfg.sample_interval_ns = self.sample_interval_ns;
        cfg.history_len = self.history_len;
        for (key, raw) in &self.params {
            match cfg.set(key, raw) {
                Ok(()) => kept.params.push((key.clone(), raw.trim().to_string())),
                Err(e) => refuse(Input::Param(key.clone()), e)?,
            }
        }
        for sw in &self.switches {
            let enabled = match sw.kind {
                SwitchKind::Either => cfg.enable(&sw.id),
                SwitchKind::Scenario => cfg.enable_scenario(&sw.id),
                SwitchKind::Mitigation => cfg.enable_mitigation(&sw.id),
            };
            if let Err(e) = enabled {
                refuse(Input::Switch(sw.clone()), e)?;
                continue;
            }
            if kept.switches.iter().any(|k| k.id == sw.id) {
                // On already (listed under another kind): its parameters are set.
                continue;
            }
            kept.switches.push(sw.clone());
            for (id, name, raw) in self.switch_params.iter().filter(|p| p.0 == sw.id) {
                match cfg.set(&format!("{id}.{name}"), raw) {
                    Ok(()) => {
                        kept.switch_params
                            .push((id.clone(), name.clone(), raw.trim().to_string()));
                    }
                    Err(e) => refuse(Input::SwitchParam(format!("{id}.{name}")), e)?,
                }
            }
        }
        for (id, name, raw) in &self.switch_params {
            if kept.switches.iter().any(|k| k.id == *id) {
                continue;
            }
            // Let the engine say what is wrong: an unknown id or name, a bad value, or
            // (always, past those) a switch that is not on.
            let key = format!("{id}.{name}");
            let error = match LabConfig::new(&kept.system).set(&key, raw) {
                Err(e) => e,
                Ok(()) => LabError::ScenarioNotEnabled {
                    key: key.clone(),
                    scenario: id.clone(),
                },
            };
            refuse(Input::SwitchParam(key), error)?;
        }
        for text in &self.rules {
            if let Err(e) = cfg.add_rule(text) {
                refuse(Input::Rule(text.clone()), e)?;
            }
        }
        kept.rules = cfg.custom_rules().to_vec();
        Ok(Lenient {
            config: cfg,
            kept,
            refused,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::{parse_query, read_config_file, LabState};

    #[test]
    fn the_defaults_are_those_of_a_new_configuration() {
        for system in ["web", "queue"] {
            let spec = RunSpec::new(system);
            assert_eq!(spec.build(), Ok(LabConfig::new(system)));
            assert_eq!(spec.until_ns, None);
        }
        let cfg = RunSpec::new("web").build().unwrap();
        assert_eq!(
            (
                cfg.seed,
                cfg.warmup_ns,
                cfg.sample_interval_ns,
                cfg.history_len
            ),
            (
                DEFAULT_SEED,
                0,
                DEFAULT_SAMPLE_INTERVAL_NS,
                DEFAULT_HISTORY_LEN
            )
        );
        assert_eq!(cfg.enabled_scenarios().count(), 0);
        assert!(cfg.custom_rules().is_empty());
    }

    #[test]
    fn every_input_reaches_the_configuration() {
        let cfg = RunSpec::new("web")
            .seed(7)
            .warmup_ns(5 * NS_PER_SEC)
            .history_len(10)
            .until_ns(60 * NS_PER_SEC)
            .param("workers", 8)
            .param("slo.latency_ms", 250)
            .param("retry-storm.retries", 3)
            .scenario("retry-storm")
            .mitigation("breaker")
            .switch_param("breaker", "failure_rate_threshold", "0.4")
            .rule("Busy: utilization > 0.8")
            .build()
            .unwrap();
        let mut want = LabConfig::new("web");
        want.seed = 7;
        want.warmup_ns = 5 * NS_PER_SEC;
        want.history_len = 10;
        want.set("workers", "8").unwrap();
        want.set("slo.latency_ms", "250").unwrap();
        want.enable("retry-storm").unwrap();
        want.set("retry-storm.retries", "3").unwrap();
        want.enable("breaker").unwrap();
        want.set("breaker.failure_rate_threshold", "0.4").unwrap();
        want.add_rule("Busy: utilization > 0.8").unwrap();
        assert_eq!(cfg, want);
    }

    #[test]
    fn a_strict_build_names_the_first_bad_input_with_the_engines_message() {
        let cases: [(RunSpec, Input, &str); 7] = [
            (
                RunSpec::new("mainframe"),
                Input::System("mainframe".into()),
                "unknown system `mainframe` (allowed: ",
            ),
            (
                RunSpec::new("web").param("workers", 0),
                Input::Param("workers".into()),
                "value `0` for `workers` is out of range (allowed: 1..=4096)",
            ),
            (
                RunSpec::new("web").scenario("breaker"),
                Input::Switch(SwitchSpec {
                    id: "breaker".into(),
                    kind: SwitchKind::Scenario,
                }),
                "unknown scenario `breaker` (allowed: ",
            ),
            (
                RunSpec::new("web").switch("nope"),
                Input::Switch(SwitchSpec {
                    id: "nope".into(),
                    kind: SwitchKind::Either,
                }),
                "unknown scenario or mitigation `nope` (allowed: ",
            ),
            (
                RunSpec::new("web").param("retry-storm.retries", 3),
                Input::SwitchParam("retry-storm.retries".into()),
                "parameter `retry-storm.retries` belongs to `retry-storm`, which is not switched on",
            ),
            (
                RunSpec::new("web").switch("retry-storm").param("retry-storm.nope", 1),
                Input::SwitchParam("retry-storm.nope".into()),
                "unknown parameter `retry-storm.nope` (allowed: ",
            ),
            (
                RunSpec::new("web").rule("Broken: nope_total > 1"),
                Input::Rule("Broken: nope_total > 1".into()),
                "unknown metric `nope_total`",
            ),
        ];
        for (spec, input, message) in cases {
            let refusal = spec.try_build().expect_err(message);
            assert_eq!(refusal.input, input, "{message}");
            let text = spec.build().unwrap_err().to_string();
            assert_eq!(text, refusal.error.to_string());
            assert!(text.contains(message), "`{message}` not in `{text}`");
        }
        // The system parameters come before the switches, whatever the call order.
        let spec = RunSpec::new("web").switch("nope").param("workers", 0);
        assert_eq!(
            spec.try_build().unwrap_err().input,
            Input::Param("workers".into())
        );
    }

    #[test]
    fn a_lenient_build_keeps_what_it_can_and_lists_what_it_refused() {
        let spec = RunSpec::new("web")
            .param("workers", "0")
            .param("workers", " 6 ")
            .switch("fixed-latency")
            .param("fixed-latency.delay_ms", "-5")
            .switch("nope")
            .param("nope.x", 1)
            .param("breaker.failure_rate_threshold", "0.5")
            .rule("Ok: utilization > 0.5")
            .rule("Broken: nope_total > 1");
        let (cfg, refused) = spec.build_lenient();
        let messages: Vec<String> = refused.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 6, "{messages:#?}");
        assert!(messages[0].starts_with("value `0` for `workers` is out of range"));
        assert!(
            messages[1].contains("`fixed-latency.delay_ms`"),
            "{}",
            messages[1]
        );
        assert!(messages[2].starts_with("unknown scenario or mitigation `nope`"));
        assert!(messages[2].ends_with("; it was left off"));
        assert!(messages[3].starts_with("unknown scenario or mitigation `nope`"));
        assert!(messages[4].contains("not switched on"), "{}", messages[4]);
        assert!(messages[5].contains("unknown metric `nope_total`"));
        assert!(messages[5].ends_with("; the rule was left out"));
        let kept = spec.lenient().kept;
        assert_eq!(kept.params, [("workers".to_string(), "6".to_string())]);
        assert_eq!(kept.switches.len(), 1);
        assert!(kept.switch_params.is_empty());
        assert_eq!(kept.rules, ["Ok: utilization > 0.5"]);
        assert_eq!(kept.build(), Ok(cfg.clone()));
        assert_eq!(
            cfg.enabled_scenarios().collect::<Vec<_>>(),
            ["fixed-latency"]
        );
        // An unknown system: the default one runs, and says so.
        let (cfg, refused) = RunSpec::new("mars").seed(4).build_lenient();
        assert_eq!((cfg.system.as_str(), cfg.seed), (DEFAULT_SYSTEM, 4));
        assert!(refused[0].to_string().ends_with("; showing `web`"));
        // Nothing wrong, nothing refused: the same as strict.
        let good = RunSpec::new("queue").seed(3).param("workers", 2);
        assert_eq!(good.build_lenient(), (good.build().unwrap(), vec![]));
    }

    #[test]
    fn links_and_files_build_through_the_spec_and_round_trip() {
        let q = "system=web&seed=9&s=retry-storm&retry-storm.retries=3&m=breaker&t=60&workers=4&slo.latency_ms=400";
        let state = parse_query(q).state;
        let spec = state.spec();
        let want = RunSpec::new("web")
            .seed(9)
            .until_ns(60 * NS_PER_SEC)
            .param("slo.latency_ms", 400)
            .param("workers", 4)
            .switch("retry-storm")
            .param("retry-storm.retries", 3)
            .switch("breaker");
        assert_eq!(spec, want);
        assert_eq!(state.config(), want.build());
        let back = LabState::from_spec(&spec, &state.speed, state.paused);
        assert_eq!(back, state);
        assert_eq!(parse_query(&back.to_query()).state.spec(), spec);
        let file = read_config_file(&state.to_file().to_json()).unwrap();
        assert_eq!(file.spec(), spec);
        assert_eq!(LabState::default().spec(), RunSpec::new(DEFAULT_SYSTEM));
    }
}
