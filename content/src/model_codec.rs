//! The validated library (the public types of `model` and `load::Library`) in the
//! compact form of `engine::codec`: `build.rs` reads and validates the tutorial files
//! natively and embeds the result, which `content::library()` reads back on first use.
//! So the browser bundle carries the tutorials as data and a small reader: no TOML
//! parser, no validation (it already ran, with the native tests keeping `errors` empty)
//! and no code per value. `build.rs` includes this file, so both ends expand the same
//! field lists.

use crate::error::ContentError;
use crate::load::Library;
use crate::model::*;
use engine::{codec_enum, codec_struct};

codec_struct!(Library {
    series,
    tutorials,
    errors
});
codec_struct!(Series {
    id,
    title,
    summary,
    order
});
codec_struct!(Tutorial {
    id,
    series,
    number,
    title,
    objectives,
    prerequisites,
    minutes,
    difficulty,
    assumes,
    instructor_notes,
    steps,
    code,
    exercises,
    quiz,
    reading,
    file
});
codec_struct!(Step {
    number,
    title,
    kind,
    text,
    action,
    expect,
    hints,
    diagnosis,
    wrong
});
codec_struct!(Diagnosis { component, kind });
codec_struct!(WrongChoice {
    mitigations,
    params,
    feedback
});
codec_enum!(StepKind {
    Observe,
    Inject,
    Diagnose,
    Mitigate,
    Verify
});
codec_struct!(Action {
    system,
    seed,
    speed,
    scenarios,
    mitigations,
    params,
    run_for_s
});
codec_struct!(Expect { conditions, holds });
codec_enum!(Holds {
    Within { seconds },
    AtEnd { after_s }
});
codec_struct!(CodeExample {
    language,
    title,
    source
});
codec_struct!(Exercise { prompt, solution });
codec_struct!(Question {
    number,
    prompt,
    answer
});
codec_enum!(Answer {
    Single(choices),
    Multiple(choices),
    Numeric {
        value,
        tolerance,
        unit,
        explanation
    }
});
codec_struct!(Choice {
    text,
    correct,
    explanation
});
codec_struct!(Reading { title, url });
codec_struct!(ContentError {
    file,
    tutorial,
    step,
    field,
    message
});
