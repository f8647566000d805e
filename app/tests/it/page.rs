//! The whole page, mounted into the document and used through the DOM: every schema
//! parameter has an input, a refused value shows the engine's message beside its field,
//! the charts and values are there.

use engine::catalog;
use leptos::prelude::*;
use leptos::task::tick;
use sdl_app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement};

/// The mounted app and its container; unmounts when dropped.
struct Page {
    root: HtmlElement,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Page {
    async fn open() -> Page {
        // The app keeps its state in the address bar; each test starts from a bare one.
        let bare = window().location().pathname().unwrap();
        window()
            .history()
            .unwrap()
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&bare))
            .unwrap();
        let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&root).unwrap();
        let handle = leptos::mount::mount_to(root.clone(), || App().into_any());
        tick().await;
        Page {
            root,
            _handle: handle,
        }
    }

    fn find(&self, testid: &str) -> Option<HtmlElement> {
        self.root
            .query_selector(&format!("[data-testid=\"{testid}\"]"))
            .unwrap()
            .map(|e| e.unchecked_into())
    }

    fn get(&self, testid: &str) -> HtmlElement {
        self.find(testid)
            .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
    }

    fn text(&self, testid: &str) -> String {
        self.get(testid)
            .text_content()
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// Types `value` into a text input and commits it, as a person does with Enter/Tab.
    async fn type_into(&self, testid: &str, value: &str) {
        let input: HtmlInputElement = self.get(testid).unchecked_into();
        input.set_value(value);
        fire(&input, "input");
        fire(&input, "change");
        tick().await;
    }

    async fn choose(&self, testid: &str, value: &str) {
        let select: HtmlSelectElement = self.get(testid).unchecked_into();
        select.set_value(value);
        fire(&select, "change");
        tick().await;
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn fire(target: &web_sys::EventTarget, kind: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict(kind, &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn every_schema_parameter_has_a_labelled_input() {
    let page = Page::open().await;
    let system = catalog::systems().iter().find(|s| s.id == "web").unwrap();
    for spec in system.params {
        let input = page.get(&format!("param-{}", spec.name));
        let label = page
            .root
            .query_selector(&format!("label[for=\"{}\"]", input.id()))
            .unwrap();
        assert!(label.is_some(), "parameter {} has no label", spec.name);
        assert!(page.find(&format!("param-error-{}", spec.name)).is_some());
    }
    for scenario in catalog::scenarios() {
        assert!(page
            .find(&format!("scenario-toggle-{}", scenario.id))
            .is_some());
        for spec in scenario.params() {
            page.get(&format!("scenario-param-{}-{}", scenario.id, spec.name));
        }
    }
    for mitigation in catalog::mitigations() {
        page.get(&format!("mitigation-toggle-{}", mitigation.id));
        for spec in mitigation.params {
            page.get(&format!("mitigation-param-{}-{}", mitigation.id, spec.name));
        }
    }
}

#[wasm_bindgen_test]
async fn out_of_range_value_shows_the_engine_message() {
    let page = Page::open().await;
    let spec = catalog::systems()[0]
        .params
        .iter()
        .find(|p| p.name == "workers")
        .unwrap();
    page.type_into("param-workers", "0").await;
    let expected = spec.parse("0").unwrap_err().to_string();
    assert_eq!(page.text("param-error-workers"), expected);
    assert_eq!(
        page.get("param-workers")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );

    page.type_into("param-workers", "8").await;
    assert_eq!(page.text("param-error-workers"), "");
    assert_eq!(
        page.get("param-workers").get_attribute("aria-invalid"),
        None
    );
}

#[wasm_bindgen_test]
async fn malformed_scenario_value_shows_the_engine_message() {
    let page = Page::open().await;
    page.type_into("scenario-param-fixed-latency-delay_ms", "soon")
        .await;
    let message = page.text("scenario-param-error-fixed-latency-delay_ms");
    assert!(
        message.contains("fixed-latency.delay_ms") && message.contains("soon"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn switching_system_regenerates_the_form() {
    let page = Page::open().await;
    page.choose("system-select", "queue").await;
    let queue = catalog::systems().iter().find(|s| s.id == "queue").unwrap();
    for spec in queue.params {
        page.get(&format!("param-{}", spec.name));
    }
    assert!(
        page.find("param-instances").is_none()
            || queue.params.iter().any(|p| p.name == "instances")
    );
}

#[wasm_bindgen_test]
async fn dashboard_shows_every_golden_signal() {
    let page = Page::open().await;
    for chart in [
        "chart-throughput",
        "chart-error-rate",
        "chart-latency",
        "chart-queue-depth",
        "chart-utilization",
    ] {
        let svg = page
            .get(chart)
            .query_selector("svg")
            .unwrap()
            .expect("a plot");
        assert!(
            svg.get_attribute("aria-label")
                .is_some_and(|l| l.contains("now")),
            "{chart}"
        );
    }
    for value in [
        "value-throughput",
        "value-error-rate",
        "value-p50",
        "value-p95",
        "value-p99",
        "value-queue-depth",
        "value-utilization",
    ] {
        page.get(value);
    }
    assert!(page.text("virtual-time").ends_with('s'));
}

#[wasm_bindgen_test]
async fn play_toggle_says_what_it_does() {
    let page = Page::open().await;
    assert_eq!(page.text("play-toggle"), "Pause");
    page.get("play-toggle").click();
    tick().await;
    assert_eq!(page.text("play-toggle"), "Play");
}

/// Waits `ms` of wall time (frames and timers run meanwhile).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Sets (or with `None` removes) boot.js's engine factory for the next page.
fn engine_factory(body: Option<&str>) {
    let key = wasm_bindgen::JsValue::from_str("sdlStartEngine");
    match body {
        Some(body) => {
            js_sys::Reflect::set(
                &js_sys::global(),
                &key,
                &js_sys::Function::new_no_args(body),
            )
            .unwrap();
        }
        None => {
            js_sys::Reflect::delete_property(
                &js_sys::global().unchecked_into::<js_sys::Object>(),
                &key,
            )
            .unwrap();
        }
    }
}

async fn virtual_ns(page: &Page) -> u64 {
    page.get("virtual-time")
        .get_attribute("data-ns")
        .unwrap_or_default()
        .parse()
        .unwrap_or(0)
}

/// Where no worker can start (a sandboxed frame: the factory throws) or the one started
/// dies (its script is missing), the page runs the engine itself: never a blank page.
#[wasm_bindgen_test]
async fn without_a_worker_the_page_runs_the_engine_itself() {
    for factory in [
        "throw new Error('no workers in this frame')",
        "return new Worker('no-such-engine-worker.js', { type: 'module' })",
    ] {
        engine_factory(Some(factory));
        let page = Page::open().await;
        engine_factory(None);
        let mut moved = false;
        for _ in 0..40 {
            sleep(50).await;
            if virtual_ns(&page).await > 0 {
                moved = true;
                break;
            }
        }
        assert!(moved, "the run moves with factory `{factory}`");
        assert_eq!(page.text("run-error"), "");
        drop(page);
    }
}

/// Clicks a checkbox as a person does (it toggles and fires `change`).
async fn click(page: &Page, testid: &str) {
    page.get(testid).click();
    tick().await;
}

#[wasm_bindgen_test]
async fn every_scenario_switches_on_in_the_lab_and_its_panels_come_and_go() {
    let page = Page::open().await;
    // Each scenario on the first system it applies to (`web` has every part the web
    // faults strike; the order system's own run there).
    let mut on_system = "";
    for scenario in catalog::scenarios() {
        let id = scenario.id;
        let system = catalog::systems()
            .iter()
            .map(|s| s.id)
            .find(|s| engine::LabConfig::new(s).enable(id).is_ok())
            .unwrap_or_else(|| panic!("{id} applies to no system"));
        if system != on_system {
            page.choose("system-select", system).await;
            on_system = system;
        }
        click(&page, &format!("scenario-toggle-{id}")).await;
        assert_eq!(
            page.text(&format!("scenario-error-{id}")),
            "",
            "{id} was refused"
        );
        let group = page
            .find(&format!("panels-{id}"))
            .unwrap_or_else(|| panic!("no panels for {id} once on"));
        // A panel per metric it declares (as a rate, value or percentiles).
        for metric in scenario.metrics {
            assert!(
                group
                    .query_selector(&format!("[data-testid=\"panel-{id}-{}\"]", metric.name))
                    .unwrap()
                    .is_some(),
                "{id}: no panel for {}",
                metric.name
            );
        }
        click(&page, &format!("scenario-toggle-{id}")).await;
        assert!(
            page.find(&format!("panels-{id}")).is_none(),
            "{id}: panels stay once off"
        );
    }
    // The page keeps the chosen system for the next visit: leave it on the default.
    page.choose("system-select", "web").await;
}
