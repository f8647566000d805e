//! A series certificate: whether the learner's progress earns one (every step of every
//! tutorial in the series checked, each quiz at 80 % or more), its score (the quizzes'
//! mean), and its verification code (`content::gameday::code`'s kind of code: the series,
//! the score, the date and a hash of the name printed).

use crate::progress::Progress;
use content::gameday::code::{day_of, encode_certificate, Certificate};
use content::{Series, Tutorial};

/// The lowest quiz score, in percent, a certificate needs on every quiz.
pub const PASS_PERCENT: u32 = 80;

/// What stands between the learner and a series' certificate, tutorial by tutorial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub tutorial: String,
    pub why: String,
}

/// The certificate's score (the quizzes' mean, in percent) if `progress` finishes every
/// tutorial of `tutorials` (a series' own); otherwise what is missing.
pub fn series_result(progress: &Progress, tutorials: &[&Tutorial]) -> Result<u8, Vec<Missing>> {
    let mut missing = Vec::new();
    let mut percents = Vec::new();
    for t in tutorials {
        let steps = t.steps.len() as u32;
        let p = progress.get(&t.id);
        let passed = p.map_or(0, |p| p.steps_passed(steps));
        if passed < steps {
            missing.push(Missing {
                tutorial: t.id.clone(),
                why: format!("{passed} of {steps} steps checked"),
            });
        }
        if t.quiz.is_empty() {
            continue;
        }
        match p.and_then(|p| p.score).filter(|s| s.total > 0) {
            Some(s) => {
                let percent = (s.correct.min(s.total) * 100 + s.total / 2) / s.total;
                if s.correct.min(s.total) * 100 < PASS_PERCENT * s.total {
                    missing.push(Missing {
                        tutorial: t.id.clone(),
                        why: format!("quiz {percent} % (needs {PASS_PERCENT} %)"),
                    });
                }
                percents.push(percent);
            }
            None => missing.push(Missing {
                tutorial: t.id.clone(),
                why: "quiz not taken".into(),
            }),
        }
    }
    if tutorials.is_empty() {
        missing.push(Missing {
            tutorial: String::new(),
            why: "the series has no tutorials".into(),
        });
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let n = percents.len() as u32;
    let mean = (percents.iter().sum::<u32>() + n / 2)
        .checked_div(n)
        .unwrap_or(100);
    Ok(mean.min(100) as u8)
}

/// The certificate for `name` on the day of `unix_ms`, and its verification code.
pub fn certificate(
    series: &'static Series,
    name: &str,
    score: u8,
    unix_ms: f64,
) -> (Certificate, String) {
    let c = Certificate::new(series, name, score, day_of(unix_ms));
    let code = encode_certificate(&c);
    (c, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Score;
    use content::gameday::code::decode_certificate;

    fn series() -> (&'static Series, Vec<&'static Tutorial>) {
        let s = content::series()
            .iter()
            .find(|s| content::tutorials_in(&s.id).all(|t| !t.quiz.is_empty()))
            .expect("a series whose every tutorial has a quiz");
        (s, content::tutorials_in(&s.id).collect())
    }

    fn finished(tutorials: &[&Tutorial], correct_of: impl Fn(u32) -> u32) -> Progress {
        let mut p = Progress::default();
        for t in tutorials {
            for s in 0..t.steps.len() as u32 {
                p.mark_step(&t.id, s, 1);
            }
            let total = t.quiz.len() as u32;
            p.entry(&t.id, 1).score = Some(Score {
                correct: correct_of(total),
                total,
            });
        }
        p
    }

    #[test]
    fn a_finished_series_earns_a_certificate_with_the_quizzes_mean() {
        let (s, tutorials) = series();
        let p = finished(&tutorials, |total| total);
        assert_eq!(series_result(&p, &tutorials), Ok(100));
        let (c, code) = certificate(s, "Ada Lovelace", 100, 1_767_225_600_000.0);
        assert_eq!(decode_certificate(&code), Ok(c));
        assert!(c.matches("Ada Lovelace") && !c.matches("Ada"));
        assert_eq!(c.date(), "2026-01-01");
    }

    #[test]
    fn a_step_unchecked_or_a_quiz_under_80_percent_is_missing() {
        let (_, tutorials) = series();
        assert!(series_result(&Progress::default(), &tutorials).is_err());
        let mut p = finished(&tutorials, |total| total);
        p.tutorials
            .get_mut(&tutorials[0].id)
            .unwrap()
            .steps_done
            .remove(&0);
        let missing = series_result(&p, &tutorials).unwrap_err();
        assert_eq!(missing.len(), 1);
        assert!(missing[0].why.contains("steps checked"), "{missing:?}");

        let mut p = finished(&tutorials, |total| total);
        let last = tutorials.last().unwrap();
        let total = last.quiz.len() as u32;
        // One wrong answer of 2 is 50 %; of 5 or more it passes.
        p.entry(&last.id, 2).score = Some(Score {
            correct: total - 1,
            total,
        });
        let result = series_result(&p, &tutorials);
        if (total - 1) * 100 < 80 * total {
            assert!(result.unwrap_err()[0].why.contains("needs 80 %"));
        } else {
            assert!(result.unwrap() < 100);
        }
        p.tutorials.get_mut(&last.id).unwrap().score = None;
        assert_eq!(
            series_result(&p, &tutorials).unwrap_err()[0].why,
            "quiz not taken"
        );
    }

    #[test]
    fn the_score_is_the_mean_of_the_quizzes() {
        let (_, tutorials) = series();
        let mut p = finished(&tutorials, |total| total);
        // A score as recorded (out of 10), 90 %; the others 100 %.
        p.entry(&tutorials[0].id, 2).score = Some(Score {
            correct: 9,
            total: 10,
        });
        let n = tutorials.len() as u32;
        let mean = (90 + 100 * (n - 1) + n / 2) / n;
        assert_eq!(series_result(&p, &tutorials), Ok(mean as u8));
    }
}
