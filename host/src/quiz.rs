//! The order a learner sees a question's choices in: shuffled per learner, the same on
//! every visit (seeded by the learner's seed, the tutorial and the question), so the
//! right answer is not always in the same place and two learners side by side see
//! different orders. Saved answers keep the choices' own indices, so progress and
//! scoring never depend on the order shown.

use engine::rng::Xoshiro256PlusPlus;

/// FNV-1a of the tutorial id: a stable number for it.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The choices' indices (0..n) in the order to show them: a Fisher–Yates shuffle of a
/// named portable RNG stream seeded by `learner` and the question.
pub fn choice_order(learner: u64, tutorial: &str, question: usize, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Xoshiro256PlusPlus::stream(learner ^ hash(tutorial), question as u64);
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// A learner seed from a random-ish number (the page passes `Math.random()`'s bits and
/// the time): never 0, so "no seed yet" stays distinguishable where it is stored as 0.
pub fn new_learner_seed(entropy: u64) -> u64 {
    let mut rng = Xoshiro256PlusPlus::stream(entropy, 0x5d1_5eed);
    rng.next_u64().max(1)
}
