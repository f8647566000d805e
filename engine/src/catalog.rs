//! The catalogue: every system and scenario, looked up by id, and their descriptions
//! (doc, parameter schema, declared metrics) as data for the CLI and the UI.

use crate::metrics::MetricSpec;
use crate::mitigation::MitigationMeta;
use crate::params::ParamSpec;
use crate::scenario::{Component, ScenarioMeta};
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

/// Every mitigation, in display order.
pub fn mitigations() -> &'static [&'static MitigationMeta] {
    crate::mitigations::ALL
}

pub fn find_mitigation(id: &str) -> Result<&'static MitigationMeta, LabError> {
    mitigations()
        .iter()
        .copied()
        .find(|m| m.id == id)
        .ok_or_else(|| LabError::UnknownMitigation {
            id: id.to_string(),
            allowed: mitigations().iter().map(|m| m.id.to_string()).collect(),
        })
}

/// Something a run switches on and off with parameters: a scenario or a mitigation.
#[derive(Clone, Copy)]
pub enum Switch {
    Scenario(&'static ScenarioMeta),
    Mitigation(&'static MitigationMeta),
}

impl Switch {
    pub fn id(&self) -> &'static str {
        match self {
            Switch::Scenario(s) => s.id,
            Switch::Mitigation(m) => m.id,
        }
    }
    /// All parameters (a scenario's include the common timing ones).
    pub fn params(&self) -> Vec<&'static ParamSpec> {
        match self {
            Switch::Scenario(s) => s.params(),
            Switch::Mitigation(m) => m.params.iter().collect(),
        }
    }
    /// The system parts it acts on: a scenario's struck components, a mitigation's.
    pub fn components(&self) -> &'static [Component] {
        match self {
            Switch::Scenario(s) => s.strikes,
            Switch::Mitigation(m) => m.acts_on,
        }
    }
    /// Fixed order of switches in a run: scenarios, then mitigations, each in catalogue order.
    pub fn rank(&self) -> (u8, usize) {
        match self {
            Switch::Scenario(s) => (0, scenario_rank(s.id)),
            Switch::Mitigation(m) => (
                1,
                mitigations()
                    .iter()
                    .position(|x| x.id == m.id)
                    .unwrap_or(usize::MAX),
            ),
        }
    }
}

/// The scenario or mitigation called `id`.
pub fn find_switch(id: &str) -> Result<Switch, LabError> {
    if let Ok(s) = find_scenario(id) {
        return Ok(Switch::Scenario(s));
    }
    find_mitigation(id)
        .map(Switch::Mitigation)
        .map_err(|_| LabError::UnknownSwitch {
            id: id.to_string(),
            allowed: scenarios()
                .iter()
                .map(|s| s.id.to_string())
                .chain(mitigations().iter().map(|m| m.id.to_string()))
                .collect(),
        })
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
/// `items` in catalogue order, as a stable `sort_by_key` on `find_switch(id)`'s
/// `Switch::rank` gives them: scenarios then mitigations, each as listed; ids that name
/// no switch last; items with the same id in their order. Without a sort: each
/// `sort_by_key` over a new type adds a copy of the standard library's sort (3–7 KB)
/// to the browser bundle.
pub fn in_switch_order<T>(items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<T> {
    let mut rest: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(rest.len());
    let known = scenarios()
        .iter()
        .map(|s| s.id)
        .chain(mitigations().iter().map(|m| m.id));
    for switch in known {
        for slot in rest.iter_mut() {
            if slot.as_ref().is_some_and(|t| id(t) == switch) {
                out.extend(slot.take());
            }
        }
    }
    out.extend(rest.into_iter().flatten());
    out
}

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
    Mitigation,
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
    /// The catalogue page's Markdown (empty in WebAssembly: see `doc_path`).
    pub doc: String,
    /// The file the doc comes from (`DocSource::path`): in the browser, its key in
    /// `docs.json`.
    #[serde(skip)]
    pub doc_path: &'static str,
    pub params: Vec<ParamDoc>,
    pub metrics: Vec<MetricSpec>,
    /// For a scenario: the components it strikes; for a mitigation, those it acts on.
    pub strikes: Vec<&'static str>,
    /// For a scenario: the kind of fault it is (`FaultKind`), as a diagnosis names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// For a scenario: mitigations that address it.
    pub mitigations: Vec<&'static str>,
    /// For a system: what each golden signal measures there (`SystemMeta::golden`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub golden: Vec<crate::golden::GoldenSeries>,
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
    let mitigations = mitigations().iter().map(|m| ItemSummary {
        id: m.id,
        kind: ItemKind::Mitigation,
        title: m.title,
        category: m.category,
        summary: m.summary,
    });
    systems.chain(scenarios).chain(mitigations).collect()
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
            doc_path: s.source.path,
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
            fault: None,
            mitigations: Vec::new(),
            golden: s.golden.to_vec(),
        });
    }
    if let Ok(m) = find_mitigation(id) {
        return Ok(ItemDescription {
            id: m.id,
            kind: ItemKind::Mitigation,
            title: m.title,
            category: m.category,
            summary: m.summary,
            doc: m.doc(),
            doc_path: m.source.path,
            params: m
                .params
                .iter()
                .map(|p| ParamDoc {
                    key: format!("{}.{}", m.id, p.name),
                    spec: *p,
                })
                .collect(),
            metrics: m.metrics.to_vec(),
            strikes: m.acts_on.iter().map(|c| c.as_str()).collect(),
            fault: None,
            mitigations: Vec::new(),
            golden: Vec::new(),
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
            doc_path: s.source.path,
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
            fault: Some(s.kind.as_str()),
            mitigations: s.mitigations.to_vec(),
            golden: Vec::new(),
        }),
        Err(_) => Err(LabError::UnknownSwitch {
            id: id.to_string(),
            allowed: list().iter().map(|i| i.id.to_string()).collect(),
        }),
    }
}

/// Every metric the systems, scenarios and mitigations declare, one per name, sorted by
/// name (the names a query, an alert or a tutorial may use besides the golden series).
pub fn metric_specs() -> Vec<&'static MetricSpec> {
    let mut by_name: std::collections::BTreeMap<&'static str, &'static MetricSpec> =
        std::collections::BTreeMap::new();
    let declared = systems()
        .iter()
        .flat_map(|s| s.metrics.iter())
        .chain(scenarios().iter().flat_map(|s| s.metrics.iter()))
        .chain(mitigations().iter().flat_map(|m| m.metrics.iter()));
    for spec in declared {
        by_name.entry(spec.name).or_insert(spec);
    }
    by_name.into_values().collect()
}

/// The declared metric called `name`, if any.
pub fn find_metric(name: &str) -> Option<&'static MetricSpec> {
    metric_specs().into_iter().find(|m| m.name == name)
}
