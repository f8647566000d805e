//! Entry point of the browser bundle: mounts `App` into the page body.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(sdl_app::App);
}
