//! What an incident is made of (the pool in `pool.rs` is a list of these).

/// A parameter as `LabConfig::set` takes it: `arrival_rate_rps`, `slow-db-query.delay_ms`.
pub type Setting = (&'static str, &'static str);

/// A fault of an incident: a scenario with its (hidden) parameters, starting at a time
/// drawn from `start_s` (both ends included) by the play's seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    pub scenario: &'static str,
    pub params: &'static [Setting],
    pub start_s: [u32; 2],
}

/// Something in the run that is not the cause.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Herring {
    /// A harmless change made at `at_s` (a config push): a mitigation switched on that
    /// does nothing for this incident; in the timeline, not in the cause.
    Change {
        at_s: u32,
        switch_on: &'static str,
        note: &'static str,
    },
    /// An alert rule that fires but means nothing for this incident (`Rule::parse`'s
    /// text).
    Alert {
        rule: &'static str,
        note: &'static str,
    },
}

/// What fixes it: mitigations to switch on and parameters to set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub mitigations: &'static [&'static str],
    pub params: &'static [Setting],
}

/// One incident of the pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Incident {
    pub id: &'static str,
    /// What the pager says: a symptom, never the cause.
    pub title: &'static str,
    pub system: &'static str,
    /// 1 (one loud fault) to 5 (several faults, herrings, quiet symptoms).
    pub difficulty: u8,
    /// Virtual seconds a play lasts.
    pub duration_s: u32,
    /// The system's parameters (and SLOs, `slo.latency_ms`) for the whole play; load
    /// that changes over time is a load profile (`load_profile`, `profile_period_s`).
    pub setup: &'static [Setting],
    pub faults: &'static [Fault],
    pub herring: Option<Herring>,
    /// The true cause: a catalogue component and kind of fault.
    pub component: &'static str,
    pub kind: &'static str,
    pub fix: Fix,
    /// Conditions that hold at the end of an unfixed play of this incident and not of
    /// any incident with another cause.
    pub signature: &'static [&'static str],
    /// What "mitigated" means, held for `score::HOLD_S`: the SLO by default (p99 under
    /// the latency objective, under 1 % errors); an incident whose symptom is not on
    /// the golden signals names its own.
    pub recovered: &'static [&'static str],
    /// The true cause, told in the postmortem.
    pub cause: &'static str,
}

impl Incident {
    /// Whether a diagnosis names this incident's cause.
    pub fn is_cause(&self, component: &str, kind: &str) -> bool {
        component == self.component && kind == self.kind
    }
}

impl Fix {
    /// What the fix does, a step each: the mitigations to switch on, then the
    /// parameters to set (`key=value`).
    pub fn steps(&self) -> Vec<String> {
        self.mitigations
            .iter()
            .map(|m| m.to_string())
            .chain(self.params.iter().map(|(k, v)| format!("{k}={v}")))
            .collect()
    }
}
