//! Integration tests of the content crate: the embedded library loads without errors
//! (the lint), bad content is reported with its place, and every step replays as its
//! text says.

mod library;
mod lint;
mod replay;
