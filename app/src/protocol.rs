//! The page ⇄ engine messages are the `sdl-host` crate's (`sdl_host::protocol`), which
//! cannot depend on anything browser-side; this path stays only until the check that
//! read this file (engine/tests/it/tidy.rs) gives way to host/tests/it/deps.rs. Use
//! `sdl_host`.

pub use sdl_host::protocol::*;
