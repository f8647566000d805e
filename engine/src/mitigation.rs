//! Mitigations: what an engineer does about a fault (timeouts, retries with backoff,
//! circuit breakers, …). A mitigation is a switch with typed parameters and the metrics
//! it declares; the behaviour lives in the system part it configures (the client retries,
//! the breaker guards the dependency), which reads the switched-on mitigations through
//! `Mitigations`. One file per mitigation under `mitigations/`, listed in `ALL`.

use crate::metrics::MetricSpec;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{module_doc, Component};
use std::collections::BTreeMap;

/// The catalogue entry of a mitigation.
pub struct MitigationMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub summary: &'static str,
    /// The `//!` documentation of the mitigation's file (`doc_of!`): its catalogue page.
    pub source: crate::scenario::DocSource,
    pub params: &'static [ParamSpec],
    pub metrics: &'static [MetricSpec],
    /// The system parts that must exist for it to act.
    pub acts_on: &'static [Component],
}

impl MitigationMeta {
    pub fn doc(&self) -> String {
        module_doc(self.source.text)
    }
}

/// A mitigation's parameters read once, when it is switched on or changed, into named
/// fields (`Mitigations::config`): the part it configures never reads a parameter by
/// its string name on a hot path, and a misspelt name fails the first test that reads
/// it (`ParamSet` refuses undeclared names in debug builds).
pub trait MitigationConfig: Sized {
    /// The mitigation's id (`MitigationMeta::id`).
    const ID: &'static str;
    /// Reads the validated parameters.
    fn from_params(p: &ParamSet) -> Self;
}

/// The switched-on mitigations of a run with their validated parameters, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mitigations {
    on: BTreeMap<&'static str, ParamSet>,
}

impl Mitigations {
    pub fn set(&mut self, id: &'static str, params: Option<ParamSet>) {
        match params {
            Some(p) => {
                self.on.insert(id, p);
            }
            None => {
                self.on.remove(id);
            }
        }
    }

    /// The parameters of mitigation `id` if it is switched on.
    pub fn get(&self, id: &str) -> Option<&ParamSet> {
        self.on.get(id)
    }

    /// The typed configuration of mitigation `C` if it is switched on.
    pub fn config<C: MitigationConfig>(&self) -> Option<C> {
        self.on.get(C::ID).map(C::from_params)
    }

    pub fn is_on(&self, id: &str) -> bool {
        self.on.contains_key(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.on.keys().copied()
    }
}
