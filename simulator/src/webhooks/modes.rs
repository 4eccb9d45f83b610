//! Delivery modes for resilience tests, per account and seeded so a run can be reproduced:
//!
//! - `canonical` (default): first attempts in emission order;
//! - `shuffled`: the events of one flow (one API call, one hosted-page action, one due job
//!   of a clock advance) are sent in a seeded random order;
//! - `reversed`: the events of one flow are sent last first — the adversarial order for a
//!   receiver that lets whatever arrives last win (a subscription's `created` snapshot,
//!   still `incomplete`, lands after the `updated` that made it `active`);
//! - `duplicated`: each chosen event is sent twice (the copy after the rest of its flow);
//! - `delayed`: first attempts are held back `delay_ms` after emission (order kept), so
//!   they arrive after the API response that caused them;
//! - `drop_first`: the first attempt of each chosen event reaches the endpoint but the
//!   simulator closes the connection without reading the answer (recorded as a connection
//!   error), so a retry delivers it again — the "response lost" failure;
//! - `fail_first`: the first attempt of each chosen event never leaves the simulator: its
//!   fault injector answers 500 in the endpoint's place; a retry delivers it.
//!
//! `rate` (0–1, default 1) is the share of events a duplicating or fault mode picks.

use crate::outbox::{DeliveryMode, DeliverySettings};
use crate::webhooks::job::DeliveryJob;

/// A small seeded generator (SplitMix64): the same seed gives the same choices on every
/// platform and with any version of the `rand` crate.
#[derive(Debug, Clone)]
pub(crate) struct SeededRng(u64);

impl SeededRng {
    /// A generator from `seed`.
    pub(crate) fn new(seed: u64) -> SeededRng {
        SeededRng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `true` with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            return true;
        }
        if p <= 0.0 {
            return false;
        }
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// What the fault injector does to a first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Send, then drop the answer (connection closed).
    DropResponse,
    /// Do not send; answer 500 in the endpoint's place.
    Answer500,
}

/// One first attempt to make.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// The delivery.
    pub(crate) job: DeliveryJob,
    /// A fault to inject, if any.
    pub(crate) fault: Option<Fault>,
}

/// Orders a batch of jobs (consecutive jobs of one flow stay together) according to the
/// mode. Returns the plan and the number of extra copies added (`duplicated`).
pub(crate) fn plan(
    batch: Vec<DeliveryJob>,
    settings: &DeliverySettings,
    rng: &mut SeededRng,
) -> (Vec<Planned>, usize) {
    let mut out = Vec::with_capacity(batch.len());
    let mut copies = 0;
    let mut flows: Vec<Vec<DeliveryJob>> = Vec::new();
    for job in batch {
        match flows.last_mut() {
            Some(f) if f[0].flow == job.flow => f.push(job),
            _ => flows.push(vec![job]),
        }
    }
    for mut flow in flows {
        match settings.mode {
            DeliveryMode::Canonical | DeliveryMode::Delayed => {
                out.extend(flow.into_iter().map(|job| Planned { job, fault: None }));
            }
            DeliveryMode::Shuffled => {
                rng.shuffle(&mut flow);
                out.extend(flow.into_iter().map(|job| Planned { job, fault: None }));
            }
            DeliveryMode::Reversed => {
                out.extend(
                    flow.into_iter()
                        .rev()
                        .map(|job| Planned { job, fault: None }),
                );
            }
            DeliveryMode::Duplicated => {
                let mut dups = Vec::new();
                for job in flow {
                    if rng.chance(settings.rate) {
                        let mut copy = job.clone();
                        copy.copy = true;
                        dups.push(Planned {
                            job: copy,
                            fault: None,
                        });
                    }
                    out.push(Planned { job, fault: None });
                }
                copies += dups.len();
                out.extend(dups);
            }
            DeliveryMode::DropFirst | DeliveryMode::FailFirst => {
                let fault = if settings.mode == DeliveryMode::DropFirst {
                    Fault::DropResponse
                } else {
                    Fault::Answer500
                };
                for job in flow {
                    let fault = rng.chance(settings.rate).then_some(fault);
                    out.push(Planned { job, fault });
                }
            }
        }
    }
    (out, copies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    fn job(n: usize, flow: &str) -> DeliveryJob {
        DeliveryJob {
            event_id: format!("evt_{n}"),
            event_type: "x".into(),
            endpoint_id: "we_1".into(),
            body: Arc::from("{}"),
            flow: flow.into(),
            epoch: 0,
            queued_at: Instant::now(),
            delivered: Arc::new(AtomicBool::new(false)),
            copy: false,
        }
    }

    fn ids(p: &[Planned]) -> Vec<String> {
        p.iter().map(|p| p.job.event_id.clone()).collect()
    }

    fn batch() -> Vec<DeliveryJob> {
        (0..8)
            .map(|i| job(i, if i < 5 { "a" } else { "b" }))
            .collect()
    }

    #[test]
    fn canonical_keeps_order_and_shuffle_stays_within_flows() {
        let s = DeliverySettings::default();
        let (p, _) = plan(batch(), &s, &mut SeededRng::new(1));
        assert_eq!(
            ids(&p),
            (0..8).map(|i| format!("evt_{i}")).collect::<Vec<_>>()
        );
        let s = DeliverySettings {
            mode: DeliveryMode::Shuffled,
            ..Default::default()
        };
        let (p1, _) = plan(batch(), &s, &mut SeededRng::new(7));
        let (p2, _) = plan(batch(), &s, &mut SeededRng::new(7));
        assert_eq!(ids(&p1), ids(&p2), "same seed, same order");
        let first: Vec<String> = ids(&p1)[..5].to_vec();
        let mut sorted = first.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            (0..5).map(|i| format!("evt_{i}")).collect::<Vec<_>>()
        );
        let orders: std::collections::HashSet<Vec<String>> = (0..20)
            .map(|seed| ids(&plan(batch(), &s, &mut SeededRng::new(seed)).0))
            .collect();
        assert!(orders.len() > 1, "seeds change the order");
    }

    #[test]
    fn reversed_sends_each_flow_last_first() {
        let s = DeliverySettings {
            mode: DeliveryMode::Reversed,
            ..Default::default()
        };
        let (p, _) = plan(batch(), &s, &mut SeededRng::new(1));
        let expected: Vec<String> = [4, 3, 2, 1, 0, 7, 6, 5]
            .iter()
            .map(|i| format!("evt_{i}"))
            .collect();
        assert_eq!(ids(&p), expected);
    }

    #[test]
    fn duplicates_and_faults() {
        let s = DeliverySettings {
            mode: DeliveryMode::Duplicated,
            ..Default::default()
        };
        let (p, copies) = plan(batch(), &s, &mut SeededRng::new(1));
        assert_eq!(copies, 8);
        assert_eq!(p.len(), 16);
        assert!(p[5].job.copy && !p[4].job.copy, "copies after their flow");
        let s = DeliverySettings {
            mode: DeliveryMode::FailFirst,
            rate: 0.5,
            ..Default::default()
        };
        let (p, _) = plan(batch(), &s, &mut SeededRng::new(3));
        let faults = p.iter().filter(|p| p.fault.is_some()).count();
        assert!(faults > 0 && faults < 8, "rate picks some: {faults}");
        let mut r = SeededRng::new(5);
        assert!(!r.chance(0.0) && r.chance(1.0));
        assert_eq!(
            DeliveryMode::parse("drop_first"),
            Some(DeliveryMode::DropFirst)
        );
        assert_eq!(DeliveryMode::parse("nope"), None);
    }
}
