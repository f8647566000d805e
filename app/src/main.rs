//! Entry point of the browser bundle: mounts `App` into the page body. The same wasm
//! also runs the engine's worker (`sdl_app::worker`), where there is no page to mount.

// Counts the bytes the heap holds, for the engine's memory ceiling (`sdl_host::heap`).
#[global_allocator]
static HEAP: sdl_host::heap::Counting = sdl_host::heap::Counting;

fn main() {
    console_error_panic_hook::set_once();
    if sdl_app::worker::in_worker() {
        return;
    }
    leptos::mount::mount_to_body(sdl_app::App);
}
