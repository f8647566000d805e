//! The shared cache of the `web` system (Redis-like) as a part: the store (a fixed
//! capacity of keys with a TTL each, least-recently-used eviction, O(1) operations on
//! dense key ids), the version of the row each entry holds, the fills in flight (and the
//! requests coalesced onto them), and its metrics.

use super::metrics::{
    CACHE_BACKEND, CACHE_CONCURRENT, CACHE_EVICTIONS, CACHE_HITS, CACHE_HIT_RATE, CACHE_MISSES,
};
use crate::metrics::{CounterId, GaugeId, Registry};
use crate::mitigations::{cache_warming, stale_while_revalidate};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::systems::Core;
use crate::time::{ms_to_ns, secs_to_ns, Nanos};
use std::collections::BTreeMap;

/// The cache's metric handles (registered with the system's other fixed series).
#[derive(Debug, Clone, Copy)]
pub(super) struct CacheIds {
    hits: CounterId,
    misses: CounterId,
    hit_rate: GaugeId,
    backend: CounterId,
    concurrent: GaugeId,
    evictions: CounterId,
}

impl CacheIds {
    pub fn register(m: &mut Registry) -> CacheIds {
        CacheIds {
            hits: m.counter(&CACHE_HITS, &[]),
            misses: m.counter(&CACHE_MISSES, &[]),
            hit_rate: m.gauge(&CACHE_HIT_RATE, &[]),
            backend: m.counter(&CACHE_BACKEND, &[]),
            concurrent: m.gauge(&CACHE_CONCURRENT, &[]),
            evictions: m.counter(&CACHE_EVICTIONS, &[]),
        }
    }
}

/// The part: the store when the system reads through a cache, and what goes with it.
pub(super) struct SharedCache {
    store: Option<Cache>,
    ttl_ns: Nanos,
    /// Time of a lookup.
    pub latency_ns: Nanos,
    rng: Rng,
    /// `ttl-jitter`'s spread and `stale-while-revalidate`'s grace, while they are on.
    ttl_jitter: Option<f64>,
    stale_grace_ns: Nanos,
    /// Keys being fetched to fill the cache → requests waiting on that fetch.
    pub filling: BTreeMap<u32, Vec<u32>>,
    fills_in_flight: u64,
    fills_peak: u64,
    /// (hits, misses) since the last sample.
    lookups: (u64, u64),
    /// The row version each entry holds.
    versions: Vec<u32>,
    /// `cache-warming` has run since it was switched on.
    warmed: bool,
    /// `stale_served_total`, registered at the first stale value served.
    stale_served: Option<CounterId>,
    ids: CacheIds,
}

impl SharedCache {
    pub fn new(p: &ParamSet, key_space: usize, ids: CacheIds, rng: Rng) -> SharedCache {
        SharedCache {
            store: p
                .bool("cache_enabled")
                .then(|| Cache::new(key_space, p.i64("cache_capacity_keys").max(1) as usize)),
            ttl_ns: secs_to_ns(p.f64("cache_ttl_s")).max(1),
            latency_ns: ms_to_ns(p.f64("cache_latency_ms")),
            rng,
            ttl_jitter: None,
            stale_grace_ns: 0,
            filling: BTreeMap::new(),
            fills_in_flight: 0,
            fills_peak: 0,
            lookups: (0, 0),
            versions: vec![0; key_space],
            warmed: false,
            stale_served: None,
            ids,
        }
    }

    /// Whether the system reads products through the cache.
    pub fn enabled(&self) -> bool {
        self.store.is_some()
    }

    /// The mitigations that change how entries live: `ttl-jitter`, `stale-while-revalidate`.
    pub fn configure(&mut self, ttl_jitter: Option<f64>, stale_grace_ns: Nanos) {
        self.ttl_jitter = ttl_jitter;
        self.stale_grace_ns = stale_grace_ns;
    }

    /// A new entry's time to live, spread by `ttl-jitter` when it is on.
    fn ttl(&mut self) -> Nanos {
        let base = self.ttl_ns;
        match self.ttl_jitter {
            Some(j) => ((base as f64) * (1.0 + j * (2.0 * self.rng.next_f64() - 1.0))) as Nanos,
            None => base,
        }
        .max(1)
    }

    /// Looks `key` up (a failed lookup is a miss). A stale value served is counted here.
    pub fn lookup(&mut self, core: &mut Core, key: u32, failed: bool) -> Lookup {
        let lookup = match (&mut self.store, failed) {
            (Some(c), false) => c.get(key, core.now, self.stale_grace_ns),
            _ => Lookup::Miss,
        };
        if lookup == Lookup::Stale {
            let c = *self.stale_served.get_or_insert_with(|| {
                core.metrics
                    .counter(&stale_while_revalidate::STALE_SERVED, &[])
            });
            core.metrics.inc(c);
        }
        lookup
    }

    /// Counts a hit; whether the entry is older than the row (`latest`: the database's
    /// versions), for the caller to count as a stale read.
    pub fn hit(&mut self, core: &mut Core, key: u32, latest: &[u32]) -> bool {
        self.lookups.0 += 1;
        core.metrics.inc(self.ids.hits);
        let k = key as usize;
        self.versions.get(k) < latest.get(k)
    }

    pub fn miss(&mut self, core: &mut Core) {
        self.lookups.1 += 1;
        core.metrics.inc(self.ids.misses);
    }

    /// A query to fill an entry starts.
    pub fn start_fill(&mut self, core: &mut Core) {
        self.fills_in_flight += 1;
        self.fills_peak = self.fills_peak.max(self.fills_in_flight);
        core.metrics.inc(self.ids.backend);
    }

    /// A fill query ended (answered or lost).
    pub fn end_fill(&mut self) {
        self.fills_in_flight = self.fills_in_flight.saturating_sub(1);
    }

    /// Stores `version` of `key` after a read (evictions counted).
    pub fn fill(&mut self, core: &mut Core, key: u32, version: u32) {
        if self.store.is_none() {
            return;
        }
        let ttl = self.ttl();
        if let Some(cache) = &mut self.store {
            let before = cache.evictions;
            cache.set(key, core.now + ttl);
            if let Some(v) = self.versions.get_mut(key as usize) {
                *v = version;
            }
            if cache.evictions > before {
                core.metrics.inc(self.ids.evictions);
            }
        }
    }

    /// Stores `version` of `key` as a write sets it (write-through, write-behind).
    pub fn set(&mut self, now: Nanos, key: u32, version: Option<u32>) {
        if self.store.is_none() {
            return;
        }
        let ttl = self.ttl();
        if let Some(cache) = &mut self.store {
            cache.set(key, now + ttl);
            if let (Some(c), Some(v)) = (self.versions.get_mut(key as usize), version) {
                *c = v;
            }
        }
    }

    /// Deletes `key`'s entry (a write invalidates it).
    pub fn remove(&mut self, key: u32) {
        if let Some(cache) = &mut self.store {
            cache.remove(key);
        }
    }

    /// The cache node restarted: every entry is gone.
    pub fn clear(&mut self) {
        if let Some(cache) = &mut self.store {
            for key in 0..self.versions.len() as u32 {
                cache.remove(key);
            }
        }
    }

    /// `cache-warming`: once after it is switched on, preloads the `n` most popular
    /// products (ranks 0..n) with the rows' current versions; switched off, it may run
    /// again the next time.
    pub fn warm(&mut self, core: &mut Core, config: Option<cache_warming::Config>, latest: &[u32]) {
        let Some(config) = config else {
            self.warmed = false;
            return;
        };
        if self.warmed {
            return;
        }
        self.warmed = true;
        if self.store.is_none() {
            return;
        }
        let n = config.warm_keys.min(latest.len());
        for (key, &version) in latest.iter().enumerate().take(n) {
            let ttl = self.ttl();
            if let Some(cache) = &mut self.store {
                cache.set(key as u32, core.now + ttl);
            }
            self.versions[key] = version;
        }
        let c = core.metrics.counter(&cache_warming::WARMED, &[]);
        core.metrics.add(c, n as f64);
    }

    /// The hit rate and peak concurrent fills of the interval, once per sample.
    pub fn sample(&mut self, core: &mut Core) {
        let (hits, misses) = std::mem::take(&mut self.lookups);
        if hits + misses > 0 {
            core.metrics
                .set(self.ids.hit_rate, hits as f64 / (hits + misses) as f64);
        }
        core.metrics
            .set(self.ids.concurrent, self.fills_peak as f64);
        self.fills_peak = self.fills_in_flight;
    }
}

const NIL: u32 = u32::MAX;

/// Result of a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Hit,
    /// Past its TTL but within the stale-while-revalidate grace: served, to be refreshed.
    Stale,
    /// Absent (never cached, or evicted).
    Miss,
    /// Present but past its TTL (now removed).
    Expired,
}

pub struct Cache {
    capacity: usize,
    /// Expiry per key; 0 = not cached.
    expires: Vec<Nanos>,
    prev: Vec<u32>,
    next: Vec<u32>,
    head: u32,
    tail: u32,
    len: usize,
    pub evictions: u64,
}

impl Cache {
    pub fn new(key_space: usize, capacity: usize) -> Cache {
        Cache {
            capacity: capacity.max(1),
            expires: vec![0; key_space],
            prev: vec![NIL; key_space],
            next: vec![NIL; key_space],
            head: NIL,
            tail: NIL,
            len: 0,
            evictions: 0,
        }
    }

    fn unlink(&mut self, k: u32) {
        let (p, n) = (self.prev[k as usize], self.next[k as usize]);
        if p != NIL {
            self.next[p as usize] = n;
        } else {
            self.head = n;
        }
        if n != NIL {
            self.prev[n as usize] = p;
        } else {
            self.tail = p;
        }
        self.prev[k as usize] = NIL;
        self.next[k as usize] = NIL;
    }

    fn push_front(&mut self, k: u32) {
        self.next[k as usize] = self.head;
        self.prev[k as usize] = NIL;
        if self.head != NIL {
            self.prev[self.head as usize] = k;
        }
        self.head = k;
        if self.tail == NIL {
            self.tail = k;
        }
    }

    /// Looks `key` up at `now`; an entry expired less than `grace` ago is `Stale` (kept).
    pub fn get(&mut self, key: u32, now: Nanos, grace: Nanos) -> Lookup {
        let Some(&exp) = self.expires.get(key as usize) else {
            return Lookup::Miss;
        };
        if exp == 0 {
            Lookup::Miss
        } else if exp <= now && now < exp.saturating_add(grace) {
            self.unlink(key);
            self.push_front(key);
            Lookup::Stale
        } else if exp <= now {
            self.remove(key);
            Lookup::Expired
        } else {
            self.unlink(key);
            self.push_front(key);
            Lookup::Hit
        }
    }

    pub fn remove(&mut self, key: u32) {
        if self.expires.get(key as usize).is_some_and(|&e| e != 0) {
            self.unlink(key);
            self.expires[key as usize] = 0;
            self.len -= 1;
        }
    }

    /// Caches `key` until `expires_at`, evicting the least recently used key when full.
    pub fn set(&mut self, key: u32, expires_at: Nanos) {
        let Some(&exp) = self.expires.get(key as usize) else {
            return;
        };
        if exp != 0 {
            self.unlink(key);
        } else {
            if self.len == self.capacity && self.tail != NIL {
                let victim = self.tail;
                self.remove(victim);
                self.evictions += 1;
            }
            self.len += 1;
        }
        self.expires[key as usize] = expires_at.max(1);
        self.push_front(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_and_lru_eviction() {
        let mut c = Cache::new(10, 2);
        c.set(1, 100);
        c.set(2, 100);
        assert_eq!(c.get(1, 50, 0), Lookup::Hit);
        c.set(3, 100); // evicts 2, the least recently used
        assert_eq!(c.get(2, 50, 0), Lookup::Miss);
        assert_eq!(c.get(1, 50, 0), Lookup::Hit);
        assert_eq!(c.get(1, 120, 30), Lookup::Stale, "within the grace period");
        assert_eq!(c.get(3, 100, 0), Lookup::Expired);
        assert_eq!(c.get(3, 100, 0), Lookup::Miss);
        assert_eq!((c.len, c.evictions), (1, 1));
    }
}
