//! Issue 17: quizzes that cannot be gamed. Each learner sees every question's choices in
//! an order of their own, stable across visits, and over learners the right answers
//! fall evenly over the positions.

use sdl_host::quiz::choice_order;

#[test]
fn the_order_is_a_stable_permutation_per_learner() {
    let a = choice_order(7, "latency-baseline", 0, 4);
    assert_eq!(a, choice_order(7, "latency-baseline", 0, 4), "stable");
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(sorted, vec![0, 1, 2, 3]);
    let others: Vec<Vec<usize>> = (1..20)
        .map(|l| choice_order(l, "latency-baseline", 0, 4))
        .collect();
    assert!(others.iter().any(|o| *o != a), "learners differ");
    assert!(
        (1..6).any(|q| choice_order(7, "latency-baseline", q, 4) != a),
        "questions differ"
    );
}

/// Over 400 learners, every question's right answers land in each position about as
/// often (within 30 % of the even share), across the whole library.
#[test]
fn right_answers_spread_evenly_over_positions() {
    let mut questions = 0;
    for t in content::tutorials() {
        for (q, question) in t.quiz.iter().enumerate() {
            let choices = match &question.answer {
                content::Answer::Single(c) | content::Answer::Multiple(c) => c,
                content::Answer::Numeric { .. } => continue,
            };
            questions += 1;
            let n = choices.len();
            let mut at = vec![0usize; n];
            let learners = 400;
            for learner in 1..=learners {
                let order = choice_order(learner, &t.id, q, n);
                for (pos, &i) in order.iter().enumerate() {
                    if choices[i].correct {
                        at[pos] += 1;
                    }
                }
            }
            let right = choices.iter().filter(|c| c.correct).count();
            let even = (learners as usize * right) as f64 / n as f64;
            for (pos, &count) in at.iter().enumerate() {
                assert!(
                    (count as f64 - even).abs() <= 0.3 * even,
                    "{} question {}: position {pos} holds the right answer {count} times, even is {even}",
                    t.id,
                    q + 1
                );
            }
        }
    }
    assert!(questions >= 25, "{questions} choice questions");
}
