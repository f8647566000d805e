//! Game day: hidden incidents to diagnose and fix, as on-call engineers meet them.
//!
//! An **incident** (`Incident`, the pool in `pool.rs`) is data: a system and its load,
//! one or more scenarios with hidden parameters whose start times are drawn from a
//! range by the play's seed, sometimes a red herring (a harmless change, a noisy alert),
//! load that changes over time (a load profile), the true cause in the catalogue's vocabulary (a
//! component and a kind of fault), the recommended fix, and a **signature**: PromQL
//! conditions over what the learner sees that hold on this incident and not on the
//! others with a different cause (the native tests prove it for the whole pool).
//!
//! A **play** (`Play`) is an incident with a seed: its hidden draws, the lab it runs, and
//! the red herring's change at its time (`Play::run_until` makes it). What the learner
//! does is a `Timeline` of acts (acknowledging, diagnosing, changing the lab, asking for
//! hints), scored against the run in `score.rs`; `code.rs` turns a result into a
//! completion code an instructor can check without a server.

pub mod code;
mod incident;
pub mod pool;
pub mod score;

pub use incident::{Fault, Fix, Herring, Incident, Setting};

use engine::rng::Xoshiro256PlusPlus;
use engine::time::{Nanos, NS_PER_SEC};
use engine::{Lab, LabConfig};

/// Every incident.
pub fn pool() -> &'static [Incident] {
    pool::POOL
}

/// An incident by id.
pub fn find(id: &str) -> Option<&'static Incident> {
    pool().iter().find(|i| i.id == id)
}

/// The incident a class code's seed draws (the same for everyone with the code).
pub fn draw(seed: u64) -> &'static Incident {
    let mut rng = Xoshiro256PlusPlus::stream(seed, GAMEDAY_STREAM);
    let all = pool();
    &all[rng.below(all.len() as u64) as usize]
}

/// The seed a class code gives (everyone typing the same code plays the same).
pub fn class_seed(class: &str) -> u64 {
    hash(class.trim()) % 1_000_000_000
}

/// A learner's own seed from a class code and their name: the class plays the incident
/// its code draws (`draw(class_seed(class))`), each learner with different numbers, so
/// answers cannot be copied. Spacing and case of the name do not matter.
pub fn learner_seed(class: &str, learner: &str) -> u64 {
    let name: Vec<String> = learner.split_whitespace().map(str::to_lowercase).collect();
    hash(&format!("{}\n{}", class.trim(), name.join(" "))) % 1_000_000_000
}

/// The RNG stream a play's draws come from (apart from the run's own streams).
const GAMEDAY_STREAM: u64 = 0x0067_616d_6564_6179;

/// An incident played with a seed: the fault start times drawn, the lab, the changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    pub incident: &'static Incident,
    pub seed: u64,
    /// Each fault's start, in seconds, in `incident.faults` order.
    pub starts: Vec<u32>,
}

impl Play {
    pub fn new(incident: &'static Incident, seed: u64) -> Play {
        let mut rng = Xoshiro256PlusPlus::stream(seed, GAMEDAY_STREAM ^ hash(incident.id));
        let starts = incident
            .faults
            .iter()
            .map(|f| {
                let [lo, hi] = f.start_s;
                let (lo, hi) = (lo.min(hi), lo.max(hi));
                lo + rng.below(u64::from(hi - lo) + 1) as u32
            })
            .collect();
        Play {
            incident,
            seed,
            starts,
        }
    }

    /// When the first fault starts.
    pub fn first_fault_ns(&self) -> Nanos {
        self.starts.iter().min().copied().unwrap_or(0) as Nanos * NS_PER_SEC
    }

    pub fn duration_ns(&self) -> Nanos {
        u64::from(self.incident.duration_s) * NS_PER_SEC
    }

    /// The lab the play runs: the system, the seed, its setup, every fault switched on
    /// with its parameters and start, and the red herring's alert rule if it has one.
    pub fn lab_config(&self) -> Result<LabConfig, String> {
        let i = self.incident;
        let mut cfg = LabConfig::new(i.system);
        cfg.seed = self.seed;
        let err = |what: &str, e: engine::LabError| format!("incident `{}`: {what}: {e}", i.id);
        for (k, v) in i.setup {
            cfg.set(k, v).map_err(|e| err(k, e))?;
        }
        for (f, start) in i.faults.iter().zip(&self.starts) {
            cfg.enable_scenario(f.scenario)
                .map_err(|e| err(f.scenario, e))?;
            let key = format!("{}.start_s", f.scenario);
            cfg.set(&key, &start.to_string())
                .map_err(|e| err(&key, e))?;
            for (k, v) in f.params {
                let key = format!("{}.{k}", f.scenario);
                cfg.set(&key, v).map_err(|e| err(&key, e))?;
            }
        }
        if let Some(Herring::Alert { rule, .. }) = i.herring {
            cfg.add_rule(rule)
                .map_err(|e| err("the red herring's alert", e))?;
        }
        Ok(cfg)
    }

    /// The harmless change a red herring makes, and when.
    pub fn herring_change(&self) -> Option<(Nanos, &'static str)> {
        match self.incident.herring {
            Some(Herring::Change {
                at_s, switch_on, ..
            }) => Some((u64::from(at_s) * NS_PER_SEC, switch_on)),
            _ => None,
        }
    }

    /// Runs `lab` (this play's) to `end`, making the red herring's change when its time
    /// comes (a change the lab refuses is skipped; the pool's tests keep them valid).
    pub fn run_until(&self, lab: &mut Lab, end: Nanos) {
        if let Some((at, id)) = self.herring_change() {
            if lab.now_ns() < at && at <= end {
                lab.run_until(at);
                let _ = lab.set_enabled(id, true);
            }
        }
        lab.run_until(end);
    }

    /// The settings a rollback of the last deploy restores: the fix's parameters that
    /// belong to one of the incident's faults (an on-call engineer's rollback; nothing
    /// when the fix is elsewhere).
    pub fn rollback(&self) -> Vec<(&'static str, &'static str)> {
        self.incident
            .fix
            .params
            .iter()
            .filter(|(k, _)| {
                k.split_once('.')
                    .is_some_and(|(id, _)| self.incident.faults.iter().any(|f| f.scenario == id))
            })
            .copied()
            .collect()
    }

    /// Applies the incident's recommended fix to a running lab.
    pub fn apply_fix(&self, lab: &mut Lab) -> Result<(), String> {
        let fix = self.incident.fix;
        for m in fix.mitigations {
            lab.set_enabled(m, true)
                .map_err(|e| format!("incident `{}`: fix {m}: {e}", self.incident.id))?;
        }
        for (k, v) in fix.params {
            lab.set_param(k, v)
                .map_err(|e| format!("incident `{}`: fix {k}: {e}", self.incident.id))?;
        }
        Ok(())
    }
}

/// FNV-1a of a text: stable across builds and platforms.
pub fn hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// What the learner did, and when (virtual time).
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// Acknowledged the page.
    Ack,
    /// Declared a cause: a component and a kind of fault.
    Diagnose { component: String, kind: String },
    /// Changed the lab: a mitigation switched or a parameter set (as said).
    Change { what: String },
    /// Asked for a hint.
    Hint,
}

/// The learner's acts, in the order made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub acts: Vec<(Nanos, Act)>,
}

impl Timeline {
    pub fn push(&mut self, t_ns: Nanos, act: Act) {
        self.acts.push((t_ns, act));
    }
}
