//! What a query reads a run through: `RunView` (the metrics registry and the golden
//! series) of anything that gives one (`Run`: a `Lab`, a `RunView`).

use crate::golden::{Series, GOLDEN_SERIES};
use crate::metrics::Registry;
use crate::time::Nanos;

/// Something a run can be read from: a `Lab` (`sim` implements this), or a `RunView`
/// of its parts. Queries take it by reference so `&Lab`, `&mut Lab` and `&RunView`
/// all do.
pub trait Run {
    fn view(&self) -> RunView<'_>;
}

/// A run as queries read it: its metrics registry and its golden series (in
/// `GOLDEN_SERIES` order). `Lab::run` gives one.
#[derive(Clone, Copy)]
pub struct RunView<'a> {
    pub metrics: &'a Registry,
    pub golden: &'a [Series],
}

impl<'a> RunView<'a> {
    /// A golden series by name (see `GOLDEN_SERIES`).
    pub fn series(&self, name: &str) -> Option<&'a Series> {
        GOLDEN_SERIES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.golden.get(i))
    }

    /// Time of the run's latest sample.
    pub fn latest_sample(&self) -> Option<Nanos> {
        self.series(GOLDEN_SERIES[0])
            .and_then(|s| s.last())
            .map(|p| p.0)
    }
}

impl Run for RunView<'_> {
    fn view(&self) -> RunView<'_> {
        *self
    }
}

/// Time of the run's latest sample.
pub fn latest_sample(run: &impl Run) -> Option<Nanos> {
    run.view().latest_sample()
}
