//! The catalogue: every system and scenario, looked up by id, and their descriptions
//! (doc, parameter schema, declared metrics) as data for the CLI and the UI.

use crate::metrics::MetricSpec;
use crate::params::ParamSpec;
use crate::scenario::ScenarioMeta;
use crate::systems::SystemMeta;
use crate::LabError;
use serde::Serialize;

/// Every system, in display order.
pub fn systems() -> &'static [&'static SystemMeta] {
    crate::systems::ALL
}

/// Every scenario, in display order.
pub fn scenarios() -> &'static [&'static ScenarioMeta] {
    crate::scenarios::ALL
}

pub fn find_system(id: &str) -> Result<&'static SystemMeta, LabError> {
    systems()
        .iter()
        .copied()
        .find(|s| s.id == id)
        .ok_or_else(|| LabError::UnknownSystem {
            id: id.to_string(),
            allowed: systems().iter().map(|s| s.id.to_string()).collect(),
        })
}

pub fn find_scenario(id: &str) -> Result<&'static ScenarioMeta, LabError> {
    scenarios()
        .iter()
        .copied()
        .find(|s| s.id == id)
        .ok_or_else(|| LabError::UnknownScenario {
            id: id.to_string(),
            allowed: scenarios().iter().map(|s| s.id.to_string()).collect(),
        })
}

/// Position of a scenario in the catalogue: fixes the order scenarios act in a run.
pub fn scenario_rank(id: &str) -> usize {
    scenarios()
        .iter()
        .position(|s| s.id == id)
        .unwrap_or(usize::MAX)
}

/// What kind of catalogue item an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    System,
    Scenario,
}

/// A line of `sdl list`.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSummary {
    pub id: &'static str,
    pub kind: ItemKind,
    pub title: &'static str,
    pub category: &'static str,
    pub summary: &'static str,
}

/// One parameter as documented: the schema plus the key to set it with.
#[derive(Debug, Clone, Serialize)]
pub struct ParamDoc {
    pub key: String,
    #[serde(flatten)]
    pub spec: ParamSpec,
}

/// The full description of an item (`sdl describe`, catalogue pages).
#[derive(Debug, Clone, Serialize)]
pub struct ItemDescription {
    pub id: &'static str,
    pub kind: ItemKind,
    pub title: &'static str,
    pub category: &'static str,
    pub summary: &'static str,
    pub doc: String,
    pub params: Vec<ParamDoc>,
    pub metrics: Vec<MetricSpec>,
    /// For a scenario: the components it strikes.
    pub strikes: Vec<&'static str>,
    /// For a scenario: mitigations that address it.
    pub mitigations: Vec<&'static str>,
}

/// Every system then every scenario.
pub fn list() -> Vec<ItemSummary> {
    let systems = systems().iter().map(|s| ItemSummary {
        id: s.id,
        kind: ItemKind::System,
        title: s.title,
        category: s.category,
        summary: s.summary,
    });
    let scenarios = scenarios().iter().map(|s| ItemSummary {
        id: s.id,
        kind: ItemKind::Scenario,
        title: s.title,
        category: s.category,
        summary: s.summary,
    });
    systems.chain(scenarios).collect()
}

/// Describes the system or scenario `id`.
pub fn describe(id: &str) -> Result<ItemDescription, LabError> {
    if let Ok(s) = find_system(id) {
        return Ok(ItemDescription {
            id: s.id,
            kind: ItemKind::System,
            title: s.title,
            category: s.category,
            summary: s.summary,
            doc: s.doc(),
            params: s
                .params
                .iter()
                .map(|p| ParamDoc {
                    key: p.name.to_string(),
                    spec: *p,
                })
                .collect(),
            metrics: s.metrics.to_vec(),
            strikes: Vec::new(),
            mitigations: Vec::new(),
        });
    }
    match find_scenario(id) {
        Ok(s) => Ok(ItemDescription {
            id: s.id,
            kind: ItemKind::Scenario,
            title: s.title,
            category: s.category,
            summary: s.summary,
            doc: s.doc(),
            params: s
                .params()
                .into_iter()
                .map(|p| ParamDoc {
                    key: format!("{}.{}", s.id, p.name),
                    spec: *p,
                })
                .collect(),
            metrics: s.metrics.to_vec(),
            strikes: s.strikes.iter().map(|c| c.as_str()).collect(),
            mitigations: s.mitigations.to_vec(),
        }),
        Err(_) => Err(LabError::UnknownScenario {
            id: id.to_string(),
            allowed: list().iter().map(|i| i.id.to_string()).collect(),
        }),
    }
}
