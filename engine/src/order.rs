//! Sorting without a copy of the standard sort for every element type.
//!
//! The standard library's sorts are generic over the element and the comparison: each
//! call site with a new type gets its own driftsort or ipnsort, 3 to 6 KB of wasm each,
//! and the browser bundle had fifteen of them. These functions sort through one
//! non-generic merge sort over positions; a call site adds only its comparison and a
//! short in-place permutation. They are stable (equal elements keep their order), so
//! they give exactly what `slice::sort_by` gives.
//!
//! For the lists the lab sorts (scenarios, series, traces, labels: tens to thousands).
//! The engine's one large sort, every latency of a run for exact percentiles, keeps
//! `sort_unstable`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` by `less`, stably: `less(a, b)` is true when `a` goes strictly before `b`.
pub fn sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let order = stable_order(v.len(), &mut |a, b| less(&v[a], &v[b]));
    permute(v, order);
}

/// Sorts `v` by the key `key` gives each element, stably.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a) < key(b));
}

/// Sorts `v` in ascending order, stably.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, |a, b| a.cmp(b) == Ordering::Less);
}

/// A map of `pairs`, inserted one by one: the same map as `collect()` gives (a later
/// pair replaces an earlier one with the same key), without the sort `collect()` runs
/// (and instantiates) to build the tree in bulk.
pub fn to_map<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// A set of `items`, inserted one by one (see [`to_map`]).
pub fn to_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// The positions `0..n` in sorted order: a bottom-up merge sort, where an element from
/// the right run goes first only when it is strictly less (which keeps it stable).
fn stable_order(n: usize, less: &mut dyn FnMut(usize, usize) -> bool) -> Vec<usize> {
    let mut from: Vec<usize> = (0..n).collect();
    let mut to = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in &mut to[lo..hi] {
                if j < hi && (i >= mid || less(from[j], from[i])) {
                    *slot = from[j];
                    j += 1;
                } else {
                    *slot = from[i];
                    i += 1;
                }
            }
            lo = hi;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    from
}

/// Rearranges `v` so that position `k` holds what was at `order[k]`, following each
/// cycle of the permutation with swaps (`order` is a permutation of `0..v.len()`).
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != start {
            let from = order[k];
            v.swap(k, from);
            order[k] = k;
            k = from;
        }
        order[k] = k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Xoshiro256PlusPlus as Rng;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut rng = Rng::stream(7, 0);
        for n in [0usize, 1, 2, 3, 5, 8, 17, 64, 100, 1000, 1025] {
            // Few distinct keys, so stability is tested: the payload is the position.
            let v: Vec<(u64, usize)> = (0..n).map(|i| (rng.next_u64() % 7, i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            let mut got = v.clone();
            sort_by_key(&mut got, |p| p.0);
            assert_eq!(got, want, "n = {n}");
            let mut want = v.clone();
            want.sort_by_key(|p| std::cmp::Reverse(p.0));
            let mut got = v;
            sort_by(&mut got, |a, b| a.0 > b.0);
            assert_eq!(got, want, "descending, n = {n}");
        }
    }

    #[test]
    fn maps_and_sets_equal_what_collect_gives() {
        let pairs = [(3, "c"), (1, "a"), (3, "later"), (2, "b")];
        let want: BTreeMap<_, _> = pairs.into_iter().collect();
        assert_eq!(to_map(pairs), want);
        let want: BTreeSet<_> = [5, 1, 5, 3].into_iter().collect();
        assert_eq!(to_set([5, 1, 5, 3]), want);
    }

    #[test]
    fn sorts_owned_values_and_already_sorted_input() {
        let mut words: Vec<String> = ["pear", "fig", "apple", "fig", "kiwi"]
            .map(String::from)
            .into();
        sort(&mut words);
        assert_eq!(words, ["apple", "fig", "fig", "kiwi", "pear"]);
        sort(&mut words);
        assert_eq!(words, ["apple", "fig", "fig", "kiwi", "pear"]);
        let mut rev: Vec<u32> = (0..50).rev().collect();
        sort(&mut rev);
        assert_eq!(rev, (0..50).collect::<Vec<_>>());
    }
}
