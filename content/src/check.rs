//! The step checker: evaluates a step's `Expect` on a running `engine::Lab` (natively or
//! in wasm; virtual time only) and says what matched or what to look at.

/// The result of checking a step.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub passed: bool,
    /// The first condition's expression at the sample that decided (None while it has
    /// no data).
    pub observed: Option<f64>,
    /// What matched, or what to look at.
    pub message: String,
}
