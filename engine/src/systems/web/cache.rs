//! The shared cache of the `web` system (Redis-like): a fixed capacity of keys with a
//! TTL each, least-recently-used eviction, O(1) operations on dense key ids.

use crate::time::Nanos;

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
