//! The lab setup a tutorial step's action describes (`setup_for`): the system, seed,
//! speed, parameter values and switches the page applies at once (`Sim::set_up` in the
//! app) and the engine's host runs.

use crate::protocol::Speed;
use content::Action;
use std::collections::BTreeMap;

/// A whole lab setup at once (what a tutorial step applies): every switch not listed is
/// turned off, every system parameter not listed is at its default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    pub system: String,
    pub seed: u64,
    pub speed: Option<Speed>,
    pub system_params: BTreeMap<String, String>,
    /// Scenario and mitigation ids to turn on, with their parameter values.
    pub switches: BTreeMap<String, BTreeMap<String, String>>,
}

/// The lab setup a step's action describes.
pub fn setup_for(action: &Action) -> Setup {
    let mut switches: BTreeMap<String, BTreeMap<String, String>> = engine::order::to_map(
        action
            .scenarios
            .iter()
            .chain(&action.mitigations)
            .map(|id| (id.clone(), BTreeMap::new())),
    );
    let mut system_params = BTreeMap::new();
    for (key, value) in &action.params {
        match key.split_once('.') {
            Some((sw, name)) => {
                if let Some(params) = switches.get_mut(sw) {
                    params.insert(name.to_string(), value.trim().to_string());
                }
            }
            None => {
                system_params.insert(key.clone(), value.trim().to_string());
            }
        }
    }
    Setup {
        system: action.system.clone(),
        seed: action.seed,
        speed: Some(speed_for(action.speed)),
        system_params,
        switches,
    }
}

/// The closest playback speed the lab offers to the step's suggestion.
fn speed_for(x: f64) -> Speed {
    match x {
        x if x.is_nan() || x <= 3.0 => Speed::Times(1),
        x if x <= 30.0 => Speed::Times(10),
        x if x <= 300.0 => Speed::Times(100),
        _ => Speed::Max,
    }
}
