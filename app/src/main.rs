//! Entry point of the browser bundle: mounts `App` into the page body. The same wasm
//! also runs the engine's worker (`sdl_app::worker`), where there is no page to mount.

fn main() {
    console_error_panic_hook::set_once();
    if sdl_app::worker::in_worker() {
        return;
    }
    leptos::mount::mount_to_body(sdl_app::App);
}
