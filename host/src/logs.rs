//! Which log lines a console filter keeps: at or above a level, containing a text (in
//! the message, the service, a field or the trace id). The engine's host filters the
//! run's lines with it (`Ask::Console`); the page lists what comes back.

use engine::observe::{Level, LogRecord};

/// Whether `line` passes the filters (`text` already lower-case).
pub fn matches(line: &LogRecord, min: Level, text: &str) -> bool {
    if line.level < min {
        return false;
    }
    if text.is_empty() {
        return true;
    }
    let has = |s: &str| s.to_lowercase().contains(text);
    has(line.message)
        || has(line.service)
        || line.fields.iter().any(|(k, v)| has(k) || has(v))
        || line.trace_id.is_some_and(|id| id.to_string() == text)
}
