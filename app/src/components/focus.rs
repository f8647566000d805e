//! The component a learner narrowed the lab to by choosing it on the topology (or in the
//! log filter): the dashboard then shows that component's metrics and only the switches
//! acting on it; the logs and traces only its lines and requests. One signal shared by
//! the dashboard and the console, provided once by `App`.

use engine::topology::NodeSpec;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct ComponentFocus(pub RwSignal<Option<NodeSpec>>);

impl ComponentFocus {
    pub fn provide() -> ComponentFocus {
        let focus = ComponentFocus(RwSignal::new(None));
        provide_context(focus);
        focus
    }

    /// The page's focus; a view outside the lab layout (an embed) gets its own.
    pub fn get_or_new() -> ComponentFocus {
        use_context::<ComponentFocus>().unwrap_or_else(|| ComponentFocus(RwSignal::new(None)))
    }

    /// Narrows to `node`, or clears the focus when it is chosen again.
    pub fn toggle(&self, node: NodeSpec) {
        self.0.update(|f| {
            *f = match f {
                Some(current) if current.id == node.id => None,
                _ => Some(node),
            }
        });
    }
}
