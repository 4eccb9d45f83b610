//! `golive run --shard I/N`: a deterministic slice of the selected scenarios, so a suite can be
//! split across CI runners. A scenario's shard depends only on its feature's and its own name
//! (a stable FNV-1a hash, the same on every machine and in every run), so every scenario lands
//! in exactly one shard whatever else is selected; `golive report --merge` joins the shards'
//! saved runs into one report.

use std::fmt;

/// One slice `index` of `count` (1-based, as people write it: `2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Parses `I/N` with 1 ≤ I ≤ N.
    pub fn parse(text: &str) -> Result<Shard, BadShard> {
        let bad = || BadShard(text.to_string());
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the scenario `scenario` of feature `feature` belongs to this shard.
    pub fn contains(&self, feature: &str, scenario: &str) -> bool {
        shard_of(feature, scenario, self.count) == self.index
    }
}

/// A `--shard` value that is not `I/N` with 1 ≤ I ≤ N (the text given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard takes I/N with 1 ≤ I ≤ N, such as 2/4; got {0:?}")]
pub struct BadShard(pub String);

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The 1-based shard of a scenario among `count`.
fn shard_of(feature: &str, scenario: &str, count: u32) -> u32 {
    // FNV-1a: tiny, fixed, and not randomised per process like std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in feature
        .bytes()
        .chain(std::iter::once(0))
        .chain(scenario.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % u64::from(count)) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_as_people_write_them() {
        assert_eq!(Shard::parse("2/4").unwrap().to_string(), "2/4");
        assert_eq!(Shard::parse(" 1 / 1 ").unwrap().to_string(), "1/1");
        for bad in ["0/3", "4/3", "1/0", "2", "a/b", "1/2/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_scenario_is_in_exactly_one_shard_and_stays_there() {
        let scenarios: Vec<(String, String)> = (0..500)
            .map(|i| (format!("Feature {}", i % 13), format!("Scenario {i}")))
            .collect();
        for count in 1..=6 {
            let shards: Vec<Shard> = (1..=count)
                .map(|i| Shard::parse(&format!("{i}/{count}")).unwrap())
                .collect();
            for (f, s) in &scenarios {
                let holders = shards.iter().filter(|sh| sh.contains(f, s)).count();
                assert_eq!(holders, 1, "{f} / {s} in {holders} of {count} shards");
            }
        }
        // Stable: the same value on every run and machine (a fixed hash, pinned here).
        assert_eq!(shard_of("a", "b", 1_000_003), 298_960);
        // Roughly even: no shard of 4 holds more than a third of 500 scenarios.
        for i in 1..=4 {
            let sh = Shard::parse(&format!("{i}/4")).unwrap();
            let n = scenarios.iter().filter(|(f, s)| sh.contains(f, s)).count();
            assert!((80..=170).contains(&n), "shard {i}/4 holds {n}");
        }
    }
}
