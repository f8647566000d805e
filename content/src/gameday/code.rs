//! Completion codes: what a learner hands in after a game day, and an instructor checks
//! without a server. A code carries the incident, the seed, the score and the time to
//! mitigate, with a checksum: a mistyped or casually edited code is refused. It is not
//! a signature: anyone who reads this file can make a valid code, and the page says so.
//!
//! Form: `GD1-` and Crockford base32 of 16 bytes (version, incident, seed, score, time,
//! checksum), in groups of four: `GD1-0Q4A-…`.

use super::incident::Incident;
use super::{hash, pool};

const PREFIX: &str = "GD1-";
const VERSION: u8 = 1;
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
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum.to_be_bytes()[..4]);
    let text = base32(&bytes);
    let groups: Vec<&str> = text
        .as_bytes()
        .chunks(4)
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    format!("{PREFIX}{}", groups.join("-"))
}

/// Reads a code; the error says what is wrong with it.
pub fn decode(code: &str) -> Result<Completion, String> {
    let trimmed = code.trim();
    let upper = trimmed.to_ascii_uppercase();
    let Some(body) = upper.strip_prefix(PREFIX) else {
        return Err(format!(
            "`{trimmed}` is not a game-day completion code: they start with {PREFIX}"
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
    if data[0] != VERSION {
        return Err(format!(
            "`{trimmed}` was made by another version of the lab"
        ));
    }
    let key = u32::from_be_bytes([data[1], data[2], data[3], data[4]]);
    let incident = pool()
        .iter()
        .find(|i| incident_key(i) == key)
        .ok_or_else(|| format!("`{trimmed}` names an incident this lab does not have"))?;
    let seed = u32::from_be_bytes([data[5], data[6], data[7], data[8]]);
    let time = u16::from_be_bytes([data[10], data[11]]);
    Ok(Completion {
        incident,
        seed,
        score: data[9].min(100),
        mitigated_s: (time != u16::MAX).then_some(u32::from(time)),
    })
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
        let body_at = PREFIX.len();
        for (i, ch) in code.char_indices().skip(body_at) {
            if ch == '-' {
                continue;
            }
            let other = if ch == 'Z' { 'Y' } else { 'Z' };
            let mut edited = code.clone();
            edited.replace_range(i..i + 1, &other.to_string());
            assert!(decode(&edited).is_err(), "{edited}");
        }
        assert!(decode("GD1-").is_err());
        assert!(decode("hello").unwrap_err().contains("GD1-"));
        let none = Completion {
            mitigated_s: None,
            ..c
        };
        assert_eq!(decode(&encode(&none)), Ok(none));
    }
}
