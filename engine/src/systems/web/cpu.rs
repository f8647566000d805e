//! Processor sharing: the CPU cores of one instance, shared equally by the handlers
//! computing on it. With k handlers on c cores each progresses at min(1, c/k) — exact
//! egalitarian processor sharing, kept with a virtual clock (work done per job) so each
//! change costs O(log k) and only the earliest completion is ever scheduled.

use crate::time::Nanos;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub struct Cpu {
    cores: f64,
    /// CPU time each running job has received since the origin, in nanoseconds.
    virtual_ns: f64,
    last: Nanos,
    /// (virtual finish, request id), earliest on top (a min-heap: a handful of jobs per
    /// instance, added and removed on every request, without a node allocation each).
    jobs: BinaryHeap<Reverse<(u64, u32)>>,
    /// Bumped whenever the earliest completion may have moved: older ticks are stale.
    pub version: u32,
    /// ∫ busy cores dt, for utilisation.
    pub busy_core_ns: f64,
}

impl Cpu {
    pub fn new(cores: f64) -> Cpu {
        Cpu {
            cores: cores.max(1e-3),
            virtual_ns: 0.0,
            last: 0,
            jobs: BinaryHeap::new(),
            version: 0,
            busy_core_ns: 0.0,
        }
    }

    fn rate(&self) -> f64 {
        let k = self.jobs.len() as f64;
        if k <= self.cores {
            1.0
        } else {
            self.cores / k
        }
    }

    /// Brings the clock to `now`; no progress is made during a stop-the-world pause
    /// `[pause_from, pause_until)`.
    pub fn advance(&mut self, now: Nanos, pause_from: Nanos, pause_until: Nanos) {
        if now <= self.last {
            return;
        }
        let overlap = now
            .min(pause_until)
            .saturating_sub(self.last.max(pause_from));
        let dt = (now - self.last - overlap) as f64;
        self.virtual_ns += dt * self.rate();
        self.busy_core_ns += dt * (self.jobs.len() as f64).min(self.cores);
        self.last = now;
    }

    /// Starts a job needing `work_ns` of CPU (call `advance` first).
    pub fn add(&mut self, id: u32, work_ns: Nanos) {
        let finish = (self.virtual_ns + work_ns as f64).ceil() as u64;
        self.jobs.push(Reverse((finish, id)));
        self.version = self.version.wrapping_add(1);
    }

    /// Moves the jobs whose work is done into `done`, earliest first (call `advance`
    /// first); returns how many.
    pub fn take_done(&mut self, done: &mut Vec<u32>) -> usize {
        let before = done.len();
        while let Some(&Reverse((finish, id))) = self.jobs.peek() {
            if finish as f64 > self.virtual_ns + 1.0 {
                break;
            }
            self.jobs.pop();
            done.push(id);
        }
        let n = done.len() - before;
        if n > 0 {
            self.version = self.version.wrapping_add(1);
        }
        n
    }

    /// When the earliest job will finish if nothing changes (after a pause ending at
    /// `resume`, if it has not ended yet).
    pub fn next_completion(&self, now: Nanos, resume: Nanos) -> Option<Nanos> {
        let &Reverse((finish, _)) = self.jobs.peek()?;
        let remaining = (finish as f64 - self.virtual_ns).max(0.0);
        Some(now.max(resume) + (remaining / self.rate()).ceil() as Nanos)
    }

    /// Gives the instance `cores` cores from now on (call `advance` first; the earliest
    /// completion moves, so older ticks are stale).
    pub fn set_cores(&mut self, cores: f64) {
        self.cores = cores.max(1e-3);
        self.version = self.version.wrapping_add(1);
    }

    /// Drops every job (the instance died).
    pub fn clear(&mut self) {
        self.jobs.clear();
        self.version = self.version.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_jobs_on_two_cores_take_twice_as_long() {
        let mut cpu = Cpu::new(2.0);
        for id in 0..4 {
            cpu.add(id, 10);
        }
        assert_eq!(cpu.next_completion(0, 0), Some(20));
        cpu.advance(20, 0, 0);
        let mut done = Vec::new();
        assert_eq!(cpu.take_done(&mut done), 4);
        assert_eq!(done, vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_pause_stops_progress() {
        let mut cpu = Cpu::new(1.0);
        cpu.add(7, 10);
        cpu.advance(12, 5, 10); // 5 ns of the 12 were a pause: 7 ns of work done
        let mut done = Vec::new();
        assert_eq!(cpu.take_done(&mut done), 0);
        assert_eq!(cpu.next_completion(12, 10), Some(15));
        cpu.advance(15, 5, 10);
        cpu.take_done(&mut done);
        assert_eq!(done, vec![7]);
    }
}
