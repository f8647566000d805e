//! Deep links (`?tutorial=<id>&step=<n>`): the query is read as written (percent escapes
//! decoded), and a bad id or step gives a message naming what was asked for and what
//! exists, never a blank panel.

use sdl_app::learn::{parse_query, resolve, DeepLink, Open};
use wasm_bindgen_test::wasm_bindgen_test;

fn find(id: &str) -> Option<(&'static str, usize)> {
    match id {
        "latency-inject" => Some(("latency-inject", 3)),
        _ => None,
    }
}

#[wasm_bindgen_test]
fn query_is_read_with_escapes_and_first_value_wins() {
    assert_eq!(parse_query(""), None);
    assert_eq!(parse_query("?seed=4&system=web"), None);
    assert_eq!(
        parse_query("?seed=4&tutorial=latency%2Dinject&step=2&step=3"),
        Some(DeepLink {
            tutorial: "latency-inject".into(),
            step: Some("2".into())
        })
    );
    assert_eq!(
        parse_query("tutorial=a+b%zz%"),
        Some(DeepLink {
            tutorial: "a b%zz%".into(),
            step: None
        })
    );
    assert_eq!(
        parse_query("?tutorial=%E2%88%9A"),
        Some(DeepLink {
            tutorial: "√".into(),
            step: None
        })
    );
}

#[wasm_bindgen_test]
fn good_links_open_the_step() {
    let link = |step: Option<&str>| DeepLink {
        tutorial: "latency-inject".into(),
        step: step.map(Into::into),
    };
    let open = |page| Open {
        id: "latency-inject",
        page,
    };
    assert_eq!(resolve(&link(None), &find), Ok(open(0)));
    assert_eq!(resolve(&link(Some("1")), &find), Ok(open(0)));
    assert_eq!(resolve(&link(Some(" 3 ")), &find), Ok(open(2)));
}

#[wasm_bindgen_test]
fn bad_links_say_what_is_wrong() {
    let bad_id = DeepLink {
        tutorial: "nope".into(),
        step: Some("2".into()),
    };
    let (open, message) = resolve(&bad_id, &find).unwrap_err();
    assert_eq!(open, None);
    assert!(
        message.contains("\"nope\"") && message.contains("does not exist"),
        "{message}"
    );

    for step in ["0", "4", "-1", "two", "99999999999999999999999"] {
        let link = DeepLink {
            tutorial: "latency-inject".into(),
            step: Some(step.into()),
        };
        let (open, message) = resolve(&link, &find).unwrap_err();
        assert_eq!(
            open,
            Some(Open {
                id: "latency-inject",
                page: 0
            }),
            "{step}"
        );
        assert!(message.contains("steps 1 to 3"), "{step}: {message}");
    }
}

/// Issue 18: unreadable saved progress whose set-aside copy fails (storage full) was
/// deleted anyway. It now stays in place, untouched, held for the learner to download.
#[wasm_bindgen_test]
fn unreadable_progress_that_cannot_be_kept_aside_stays_in_place() {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("the test page has storage");
    storage.clear().unwrap();
    storage
        .set_item(sdl_host::progress::STORAGE_KEY, "{broken")
        .unwrap();
    // Fill what is left of the origin's storage, down to the last character.
    let mut chunk = 1usize << 20;
    let mut i = 0;
    while chunk > 0 {
        if storage
            .set_item(&format!("fill-{i}"), &"x".repeat(chunk))
            .is_ok()
        {
            i += 1;
        } else {
            chunk /= 2;
        }
    }
    let loaded = sdl_app::learn::load_progress();
    let still = storage.get_item(sdl_host::progress::STORAGE_KEY).unwrap();
    storage.clear().unwrap();
    assert_eq!(still.as_deref(), Some("{broken"), "the original is kept");
    assert_eq!(loaded.held.as_deref(), Some("{broken"));
    assert_eq!(loaded.progress, sdl_host::progress::Progress::default());
    let notice = loaded.notice.expect("the learner is told");
    assert!(notice.contains("untouched"), "{notice}");
}
