//! The game-day pool, proven playable: every incident's lab builds and its cause is true
//! of one of its scenarios; every incident is solvable by construction (its signature
//! holds on an unfixed play, and no signature of an incident with another cause does);
//! its recommended fix restores it and holds; a scripted learner's score moves the way
//! the rules say.

use content::check::validate_condition;
use content::gameday::score::{mitigated_at, recovery_conditions, score, HOLD_S};
use content::gameday::{find, pool, Act, Herring, Incident, Play, Timeline};
use engine::query::Condition;
use engine::time::NS_PER_SEC;
use engine::Lab;

/// An unfixed play run to its end.
fn unfixed(i: &'static Incident, seed: u64) -> (Play, Lab) {
    let play = Play::new(i, seed);
    let mut lab = Lab::new(&play.lab_config().unwrap()).unwrap();
    play.run_until(&mut lab, play.duration_ns());
    (play, lab)
}

fn signature(i: &Incident) -> Vec<Condition> {
    i.signature
        .iter()
        .map(|s| validate_condition(s).unwrap_or_else(|e| panic!("{}: {s}: {e}", i.id)))
        .collect()
}

fn holds_at_end(conditions: &[Condition], lab: &Lab) -> bool {
    let t = lab.golden_history().times().last().unwrap_or(0);
    conditions.iter().all(|c| c.holds_at(lab, t) == Some(true))
}

#[test]
fn every_incident_is_well_formed() {
    let all = pool();
    assert!(all.len() >= 40, "{} incidents", all.len());
    let mut ids: Vec<&str> = all.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "incident ids are unique");
    for i in all {
        assert!((1..=5).contains(&i.difficulty), "{}", i.id);
        assert!(!i.faults.is_empty() && !i.signature.is_empty(), "{}", i.id);
        assert!(!i.title.is_empty() && !i.cause.is_empty(), "{}", i.id);
        let play = Play::new(i, 1);
        Lab::new(&play.lab_config().unwrap()).unwrap();
        // The cause is a component one of its scenarios strikes, with that kind.
        let true_of_one = i.faults.iter().any(|f| {
            let m = engine::catalog::find_scenario(f.scenario).unwrap();
            m.kind.as_str() == i.kind && m.strikes.iter().any(|c| c.as_str() == i.component)
        });
        assert!(
            true_of_one,
            "{}: {} / {} is no scenario's",
            i.id, i.component, i.kind
        );
        for m in i.fix.mitigations {
            engine::catalog::find_mitigation(m).unwrap();
        }
        // A learner can make the fix in the game day's page: a parameter is a fix
        // mitigation's (set in its panel) or a fault's, restored by "Roll back the last
        // deploy".
        for (key, _) in i.fix.params {
            let id = key.split_once('.').map_or(*key, |(id, _)| id);
            let rollback = play.rollback().iter().any(|(k, _)| k == key);
            assert!(
                i.fix.mitigations.contains(&id) || rollback,
                "{}: the fix sets `{key}`, which the page offers no way to set",
                i.id
            );
        }
        signature(i);
        for c in i.recovered {
            validate_condition(c).unwrap_or_else(|e| panic!("{}: {c}: {e}", i.id));
        }
        if let Some(Herring::Change {
            at_s, switch_on, ..
        }) = i.herring
        {
            assert!(at_s < i.duration_s, "{}", i.id);
            assert!(
                !i.fix.mitigations.contains(&switch_on),
                "{}: the herring is the fix",
                i.id
            );
            let mut lab = Lab::new(&play.lab_config().unwrap()).unwrap();
            lab.set_enabled(switch_on, true)
                .unwrap_or_else(|e| panic!("{}: {e}", i.id));
        }
        for f in i.faults {
            let [lo, hi] = f.start_s;
            assert!(
                lo <= hi && hi + 120 < i.duration_s,
                "{}: starts too late",
                i.id
            );
        }
    }
}

#[test]
fn every_incident_is_solvable_by_construction() {
    let all = pool();
    let runs: Vec<(Play, Lab)> = all.iter().map(|i| unfixed(i, 1)).collect();
    let signatures: Vec<Vec<Condition>> = all.iter().map(signature).collect();
    for (k, (play, lab)) in runs.iter().enumerate() {
        let i = play.incident;
        assert!(
            holds_at_end(&signatures[k], lab),
            "{}: its signature does not hold on its own play",
            i.id
        );
        for (j, other) in all.iter().enumerate() {
            if j == k || other.is_cause(i.component, i.kind) {
                continue;
            }
            assert!(
                !holds_at_end(&signatures[j], lab),
                "{}'s signature holds on {} (another cause): they cannot be told apart",
                other.id,
                i.id
            );
        }
        // Unfixed, it is not recovered.
        let conditions = recovery_conditions(play, lab);
        let late = play
            .duration_ns()
            .saturating_sub((HOLD_S + 30) * NS_PER_SEC);
        assert_eq!(
            mitigated_at(lab, &conditions, late),
            None,
            "{}: recovered at the end without a fix",
            i.id
        );
    }
}

#[test]
fn every_recommended_fix_restores_the_incident() {
    for i in pool() {
        let play = Play::new(i, 1);
        let mut lab = Lab::new(&play.lab_config().unwrap()).unwrap();
        let last_start = *play.starts.iter().max().unwrap() as u64 * NS_PER_SEC;
        let fix_at = last_start + 60 * NS_PER_SEC;
        play.run_until(&mut lab, fix_at);
        play.apply_fix(&mut lab).unwrap();
        play.run_until(&mut lab, play.duration_ns());
        let conditions = recovery_conditions(&play, &lab);
        let at = mitigated_at(&lab, &conditions, fix_at);
        assert!(
            at.is_some(),
            "{}: its fix does not restore it for {HOLD_S} s",
            i.id
        );
    }
}

#[test]
fn a_scripted_learner_scores_by_the_rules() {
    let i = find("orders-unpaid").unwrap();
    let play = Play::new(i, 7);
    let start = play.first_fault_ns();
    let run = |acts: &[(u64, Act)], fix_s: Option<u64>| {
        let mut lab = Lab::new(&play.lab_config().unwrap()).unwrap();
        if let Some(s) = fix_s {
            let t = start + s * NS_PER_SEC;
            play.run_until(&mut lab, t);
            play.apply_fix(&mut lab).unwrap();
        }
        play.run_until(&mut lab, play.duration_ns());
        let mut timeline = Timeline::default();
        for (s, a) in acts {
            timeline.push(start + s * NS_PER_SEC, a.clone());
        }
        score(&play, &lab, &timeline)
    };
    let right = || Act::Diagnose {
        component: "queue".into(),
        kind: "inconsistent".into(),
    };
    let wrong = || Act::Diagnose {
        component: "database".into(),
        kind: "slow".into(),
    };
    let fix = || Act::Change {
        what: "transactional-outbox on".into(),
    };
    let good = run(&[(30, Act::Ack), (60, right()), (70, fix())], Some(70));
    assert!(good.mitigated_ns.is_some(), "{good:?}");
    assert_eq!(good.wrong_diagnoses, 0);
    let sloppy = run(
        &[
            (30, Act::Ack),
            (40, wrong()),
            (50, Act::Hint),
            (60, right()),
            (70, fix()),
        ],
        Some(70),
    );
    assert_eq!(sloppy.wrong_diagnoses, 1);
    assert_eq!(sloppy.hints, 1);
    assert_eq!(
        good.total - sloppy.total,
        15,
        "{:?} vs {:?}",
        good.lines,
        sloppy.lines
    );
    let unfixed = run(&[(30, Act::Ack), (60, right())], None);
    assert_eq!(unfixed.mitigated_ns, None);
    assert!(
        unfixed.total + 30 <= good.total,
        "{} vs {}",
        unfixed.total,
        good.total
    );
    // Every line explains itself and the total is their sum, clamped.
    for s in [&good, &sloppy, &unfixed] {
        let sum: i32 = s.lines.iter().map(|l| l.points).sum();
        assert_eq!(s.total as i32, sum.clamp(0, 100));
        assert!(s.lines.iter().all(|l| !l.detail.is_empty()));
    }
}

#[test]
fn a_class_code_draws_the_same_incident_and_starts_for_everyone() {
    let a = Play::new(content::gameday::draw(2024), 2024);
    let b = Play::new(content::gameday::draw(2024), 2024);
    assert_eq!(a, b);
    for i in pool() {
        let p = Play::new(i, 99);
        for (f, s) in i.faults.iter().zip(&p.starts) {
            assert!((f.start_s[0]..=f.start_s[1]).contains(s), "{}", i.id);
        }
    }
}

#[test]
fn one_class_code_with_learners_names_draws_one_incident_and_a_seed_each() {
    use content::gameday::{class_seed, draw, learner_seed};
    let class = "ops-101 spring";
    let incident = draw(class_seed(class));
    let names = [
        "Ada Lovelace",
        "Grace Hopper",
        "Alan Turing",
        "Edsger Dijkstra",
    ];
    let seeds: std::collections::BTreeSet<u64> =
        names.iter().map(|n| learner_seed(class, n)).collect();
    assert_eq!(seeds.len(), names.len(), "each learner has their own seed");
    assert!(
        seeds.iter().all(|s| *s < u64::from(u32::MAX)),
        "a code carries it"
    );
    // Spacing and case of the name do not matter; the class does.
    assert_eq!(
        learner_seed(class, "  ada   LOVELACE "),
        learner_seed(class, "Ada Lovelace")
    );
    assert_ne!(
        learner_seed("another class", "Ada Lovelace"),
        learner_seed(class, "Ada Lovelace")
    );
    // The same incident for the class, its numbers (fault starts) per learner.
    let plays: Vec<Play> = seeds.iter().map(|s| Play::new(incident, *s)).collect();
    assert!(plays.iter().all(|p| p.incident.id == incident.id));
    assert_eq!(
        Play::new(incident, learner_seed(class, "Ada Lovelace")),
        Play::new(incident, learner_seed(class, "ada lovelace"))
    );
}
