//! Integration tests of the content crate: the embedded library loads without errors.

mod library;
