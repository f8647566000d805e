//! Completion codes: what a learner hands in after a game day, and an instructor checks
//! without a server. A code carries the incident, the seed, the score and the time to
//! mitigate, with a checksum: a mistyped or casually edited code is refused. It is not
//! a signature: anyone who reads this file can make a valid code, and the page says so.
//!
//! Form: `GD1-` and Crockford base32 of 16 bytes (version, incident, seed, score, time,
//! checksum), in groups of four: `GD1-0Q4A-…`.
//!
//! A series certificate's verification code is the same kind of code with another kind
//! byte and prefix: `CERT1-` and 16 bytes (kind 2, the series' key, the score, the day
//! since 2026-01-01, a hash of the name printed, checksum). It matches only the name it
//! was made for (`Certificate::matches`); the series is resolved against the library's.

use super::incident::Incident;
use super::{hash, pool};
use crate::model::Series;

const PREFIX: &str = "GD1-";
const VERSION: u8 = 1;
const CERT_PREFIX: &str = "CERT1-";
/// The kind byte of a series certificate (a game-day completion's is `VERSION`).
const CERT_KIND: u8 = 2;
/// Mixed into the checksum so that codes of other tools do not pass by accident.
const SALT: &str = "systems-design-lab/gameday/1";
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// What a completion code says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Completion {
    pub incident: &'static Incident,
    pub seed: u32,
    pub score: u8,
    /// Seconds from the first fault to mitigation (`None`: not mitigated).
    pub mitigated_s: Option<u32>,
}

fn checksum(bytes: &[u8]) -> u32 {
    let mut h = hash(SALT);
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 32)) as u32
}

fn incident_key(i: &Incident) -> u32 {
    hash(i.id) as u32
}

/// The code for a completion.
pub fn encode(c: &Completion) -> String {
    let mut bytes = Vec::with_capacity(16);
    bytes.push(VERSION);
    bytes.extend_from_slice(&incident_key(c.incident).to_be_bytes());
    bytes.extend_from_slice(&c.seed.to_be_bytes());
    bytes.push(c.score.min(100));
    let time = c
        .mitigated_s
        .map_or(u16::MAX, |s| s.min(u32::from(u16::MAX - 1)) as u16);
    bytes.extend_from_slice(&time.to_be_bytes());
    finish(PREFIX, bytes)
}

/// The checksum appended, in base32, in groups of four after `prefix`.
fn finish(prefix: &str, mut bytes: Vec<u8>) -> String {
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum.to_be_bytes()[..4]);
    let text = base32(&bytes);
    let groups: Vec<&str> = text
        .as_bytes()
        .chunks(4)
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    format!("{prefix}{}", groups.join("-"))
}

/// What any code of the lab says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Code {
    Gameday(Completion),
    Certificate(Certificate),
}

/// A series certificate: finished every tutorial of `series` with `score` (the quizzes'
/// mean) on `day` (days since 2026-01-01), for the name whose key is `name_key`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Certificate {
    pub series: &'static Series,
    pub score: u8,
    pub day: u16,
    pub name_key: u32,
}

impl Certificate {
    pub fn new(series: &'static Series, name: &str, score: u8, day: u16) -> Certificate {
        Certificate {
            series,
            score: score.min(100),
            day,
            name_key: name_key(name),
        }
    }

    /// Whether the certificate was made for `name` (spacing and case aside).
    pub fn matches(&self, name: &str) -> bool {
        !name.trim().is_empty() && name_key(name) == self.name_key
    }

    /// The date, `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        date_of(self.day)
    }
}

/// A name's key: its words, lowercased, one space between them.
pub fn name_key(name: &str) -> u32 {
    let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    let h = hash(&format!("name\n{}", words.join(" ")));
    (h ^ (h >> 32)) as u32
}

fn series_key(s: &Series) -> u32 {
    hash(&format!("series\n{}", s.id)) as u32
}

/// Milliseconds since the Unix epoch as days since 2026-01-01 (0 before it).
pub fn day_of(unix_ms: f64) -> u16 {
    const EPOCH_2026_MS: f64 = 1_767_225_600_000.0;
    ((unix_ms - EPOCH_2026_MS) / 86_400_000.0)
        .floor()
        .clamp(0.0, f64::from(u16::MAX)) as u16
}

/// Days since 2026-01-01 as `YYYY-MM-DD` (the proleptic Gregorian calendar).
pub fn date_of(day: u16) -> String {
    // Days since 1970-01-01, then Howard Hinnant's civil-from-days.
    let z = i64::from(day) + 20_454 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The verification code of a certificate.
pub fn encode_certificate(c: &Certificate) -> String {
    let mut bytes = Vec::with_capacity(16);
    bytes.push(CERT_KIND);
    bytes.extend_from_slice(&series_key(c.series).to_be_bytes());
    bytes.push(c.score.min(100));
    bytes.extend_from_slice(&c.day.to_be_bytes());
    bytes.extend_from_slice(&c.name_key.to_be_bytes());
    finish(CERT_PREFIX, bytes)
}

/// Reads a game-day completion code; the error says what is wrong with it.
pub fn decode(code: &str) -> Result<Completion, String> {
    match decode_any(code)? {
        Code::Gameday(c) => Ok(c),
        Code::Certificate(_) => Err(format!(
            "`{}` is a series certificate, not a game-day completion code",
            code.trim()
        )),
    }
}

/// Reads a certificate's verification code.
pub fn decode_certificate(code: &str) -> Result<Certificate, String> {
    match decode_any(code)? {
        Code::Certificate(c) => Ok(c),
        Code::Gameday(_) => Err(format!(
            "`{}` is a game-day completion code, not a certificate",
            code.trim()
        )),
    }
}

/// Reads any of the lab's codes (game day `GD1-`, certificate `CERT1-`).
pub fn decode_any(code: &str) -> Result<Code, String> {
    let trimmed = code.trim();
    let upper = trimmed.to_ascii_uppercase();
    let (body, kind) = if let Some(b) = upper.strip_prefix(PREFIX) {
        (b, VERSION)
    } else if let Some(b) = upper.strip_prefix(CERT_PREFIX) {
        (b, CERT_KIND)
    } else {
        return Err(format!(
            "`{trimmed}` is not a code of the lab: game-day codes start with {PREFIX}, certificates with {CERT_PREFIX}"
        ));
    };
    let clean: String = body.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let bytes = match unbase32(&clean) {
        Some(Some(bytes)) => bytes,
        // Spare bits set: only an edit makes that.
        Some(None) => {
            return Err(format!(
                "`{trimmed}` does not check out: mistyped, or changed after it was given"
            ))
        }
        None => {
            return Err(format!(
                "`{trimmed}` has characters a completion code never has (it uses 0-9 and A-Z without I, L, O, U)"
            ))
        }
    };
    if bytes.len() != 16 {
        return Err(format!(
            "`{trimmed}` is too short or too long: a part is missing or extra"
        ));
    }
    let (data, sum) = bytes.split_at(12);
    if checksum(data).to_be_bytes()[..] != sum[..4] {
        return Err(format!(
            "`{trimmed}` does not check out: mistyped, or changed after it was given"
        ));
    }
    if data[0] != kind {
        return Err(format!(
            "`{trimmed}` was made by another version of the lab"
        ));
    }
    if kind == CERT_KIND {
        let key = u32::from_be_bytes([data[1], data[2], data[3], data[4]]);
        let series = crate::series()
            .iter()
            .find(|s| series_key(s) == key)
            .ok_or_else(|| format!("`{trimmed}` names a series this lab does not have"))?;
        return Ok(Code::Certificate(Certificate {
            series,
            score: data[5].min(100),
            day: u16::from_be_bytes([data[6], data[7]]),
            name_key: u32::from_be_bytes([data[8], data[9], data[10], data[11]]),
        }));
    }
    let key = u32::from_be_bytes([data[1], data[2], data[3], data[4]]);
    let incident = pool()
        .iter()
        .find(|i| incident_key(i) == key)
        .ok_or_else(|| format!("`{trimmed}` names an incident this lab does not have"))?;
    let seed = u32::from_be_bytes([data[5], data[6], data[7], data[8]]);
    let time = u16::from_be_bytes([data[10], data[11]]);
    Ok(Code::Gameday(Completion {
        incident,
        seed,
        score: data[9].min(100),
        mitigated_s: (time != u16::MAX).then_some(u32::from(time)),
    }))
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in bytes {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The bytes of `text`: `None` for a character outside the alphabet, `Some(None)` when
/// the last character's spare bits are set (no code this file wrote has them).
fn unbase32(text: &str) -> Option<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        // Crockford: O reads as 0, I and L as 1.
        let c = match c {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            c => c,
        };
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some((acc == 0).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Changes each character of `code`'s body in turn (after `body_at`, dashes left) and
    /// asserts `refused` says so for every edit.
    fn every_edit_refused(code: &str, body_at: usize, refused: impl Fn(&str) -> bool) {
        for (i, ch) in code.char_indices().skip(body_at) {
            if ch == '-' {
                continue;
            }
            let other = if ch == 'Z' { 'Y' } else { 'Z' };
            let mut edited = code.to_string();
            edited.replace_range(i..i + 1, &other.to_string());
            assert!(refused(&edited), "{edited}");
        }
    }

    #[test]
    fn a_code_reads_back_and_an_edit_is_refused() {
        let c = Completion {
            incident: &pool()[0],
            seed: 4_000_000_001,
            score: 87,
            mitigated_s: Some(412),
        };
        let code = encode(&c);
        assert!(code.starts_with("GD1-"), "{code}");
        assert_eq!(decode(&code), Ok(c));
        assert_eq!(decode(&code.to_lowercase()), Ok(c));
        // Every single-character change is caught.
        every_edit_refused(&code, PREFIX.len(), |c| decode(c).is_err());
        assert!(decode("GD1-").is_err());
        assert!(decode("hello").unwrap_err().contains("GD1-"));
        assert!(decode_certificate(&code).is_err());
        let none = Completion {
            mitigated_s: None,
            ..c
        };
        assert_eq!(decode(&encode(&none)), Ok(none));
    }

    /// A code made before certificates existed still reads.
    #[test]
    fn an_older_game_day_code_still_reads() {
        let c = Completion {
            incident: &pool()[0],
            seed: 3,
            score: 90,
            mitigated_s: Some(60),
        };
        // The 16 bytes as the first version wrote them, by hand.
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&incident_key(c.incident).to_be_bytes());
        bytes.extend_from_slice(&3u32.to_be_bytes());
        bytes.push(90);
        bytes.extend_from_slice(&60u16.to_be_bytes());
        let code = finish("GD1-", bytes);
        assert_eq!(encode(&c), code);
        assert_eq!(decode_any(&code), Ok(Code::Gameday(c)));
    }

    #[test]
    fn a_certificate_reads_back_matches_only_its_name_and_an_edit_is_refused() {
        let series = &crate::series()[1];
        let cert = Certificate::new(series, "  Ada   Lovelace ", 93, 75);
        let code = encode_certificate(&cert);
        assert!(code.starts_with("CERT1-"), "{code}");
        let back = decode_certificate(&code).unwrap();
        assert_eq!(back, cert);
        assert_eq!(back.series.id, series.id);
        assert!(back.matches("Ada Lovelace"));
        assert!(back.matches("ada lovelace"));
        assert!(!back.matches("Ada Lovelac"));
        assert!(!back.matches("Grace Hopper"));
        assert!(!back.matches(""));
        assert_eq!(back.date(), "2026-03-17");
        assert!(decode(&code).unwrap_err().contains("certificate"));
        every_edit_refused(&code, CERT_PREFIX.len(), |c| decode_any(c).is_err());
        // A game-day body under a certificate's prefix (or the reverse) is refused.
        let gd = encode(&Completion {
            incident: &pool()[0],
            seed: 1,
            score: 50,
            mitigated_s: None,
        });
        assert!(decode_any(&gd.replacen("GD1-", "CERT1-", 1)).is_err());
        assert!(decode_any(&code.replacen("CERT1-", "GD1-", 1)).is_err());
        // Every series has its own key.
        let keys: std::collections::BTreeSet<u32> =
            crate::series().iter().map(series_key).collect();
        assert_eq!(keys.len(), crate::series().len());
    }

    #[test]
    fn days_and_dates() {
        assert_eq!(date_of(0), "2026-01-01");
        assert_eq!(date_of(31), "2026-02-01");
        assert_eq!(date_of(365), "2027-01-01");
        assert_eq!(date_of(365 + 365 + 59), "2028-02-29");
        assert_eq!(day_of(1_767_225_600_000.0), 0);
        assert_eq!(day_of(1_767_225_600_000.0 + 86_400_000.0 * 75.5), 75);
        assert_eq!(day_of(0.0), 0);
    }
}
