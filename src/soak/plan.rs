//! What a soak does, decided up front from its seed: the flows (who subscribes to what with
//! which test card, and what happens to them next) and, for the faulty run, the fault schedule
//! (a delivery mode per batch, and when the backend is killed). Printed before the run, so a
//! failure can be replayed with the same `--seed`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What happens to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    /// Subscribes and keeps the plan; renews when the month passes.
    Renewal,
    /// Subscribes to a yearly plan (no renewal within the soak's month).
    Yearly,
    /// Subscribes, then replaces the card in the portal with the one that fails on renewal:
    /// PAST_DUE after the month.
    Failure,
    /// Subscribes, then cancels in the billing portal.
    Cancellation,
    /// Pays with the card that is disputed; ops submit evidence (even users) or concede (odd).
    Dispute,
    /// Pays with the card that draws an early fraud warning; ops refund (even) or ignore (odd).
    FraudWarning,
}

impl FlowKind {
    const ALL: [FlowKind; 6] = [
        FlowKind::Renewal,
        FlowKind::Yearly,
        FlowKind::Failure,
        FlowKind::Cancellation,
        FlowKind::Dispute,
        FlowKind::FraudWarning,
    ];

    /// The Stripe test card the user pays Checkout with.
    pub(crate) fn card(self) -> &'static str {
        match self {
            FlowKind::Dispute => "4000000000000259",
            FlowKind::FraudWarning => "4000000000005423",
            _ => "4242424242424242",
        }
    }

    /// The plan they buy: `(tier, cycle)`.
    pub(crate) fn plan(self, index: usize) -> (&'static str, &'static str) {
        let tier = if index.is_multiple_of(3) {
            "pro"
        } else {
            "basic"
        };
        match self {
            FlowKind::Yearly => (tier, "yearly"),
            _ => (tier, "monthly"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            FlowKind::Renewal => "renewal",
            FlowKind::Yearly => "yearly",
            FlowKind::Failure => "failed renewal",
            FlowKind::Cancellation => "cancellation",
            FlowKind::Dispute => "dispute",
            FlowKind::FraudWarning => "fraud warning",
        }
    }
}

/// One user's flow.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    /// Position in the plan; also names the user (`soak_user_00042`).
    pub(crate) index: usize,
    /// What happens to them.
    pub(crate) kind: FlowKind,
}

impl Flow {
    /// The user's id (the same in every run of the plan).
    pub(crate) fn user_id(&self) -> String {
        format!("soak_user_{:05}", self.index)
    }
}

/// The faults of one batch of the faulty run.
#[derive(Debug, Clone)]
pub(crate) struct BatchFaults {
    /// The simulator's delivery mode while the batch runs.
    pub(crate) mode: &'static str,
    /// The share of events the mode picks (duplicating and failing modes).
    pub(crate) rate: f64,
    /// Kill the backend once this many of the batch's users have started Checkout.
    pub(crate) kill_after: Option<usize>,
}

/// The delivery modes the faulty run cycles through: dropped answers, failed first attempts,
/// duplicates, delays and reordering.
const MODES: [&str; 6] = [
    "drop_first",
    "duplicated",
    "fail_first",
    "delayed",
    "shuffled",
    "reversed",
];

/// Everything a soak does.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The seed it came from.
    pub(crate) seed: u64,
    /// The users' flows.
    pub(crate) flows: Vec<Flow>,
    /// How many users a batch holds.
    pub(crate) batch_size: usize,
    /// The faulty run's faults per batch of Checkouts, then for the admin phase and the month.
    pub(crate) batches: Vec<BatchFaults>,
    /// The faults while ops act and users cancel.
    pub(crate) admin_phase: BatchFaults,
    /// The faults while the month passes (renewals, failed payments).
    pub(crate) month_phase: BatchFaults,
}

impl Plan {
    /// The plan for `flows` users and about `restarts` kills, from `seed`.
    pub(crate) fn new(seed: u64, flows: usize, restarts: usize, batch_size: usize) -> Plan {
        let mut rng = StdRng::seed_from_u64(seed);
        let flows: Vec<Flow> = (0..flows)
            .map(|index| Flow {
                index,
                kind: FlowKind::ALL[rng.random_range(0..FlowKind::ALL.len())],
            })
            .collect();
        let batch_size = batch_size.max(1);
        let batch_count = flows.len().div_ceil(batch_size);
        // Every mode comes round in turn (from a seeded start), so even a short soak meets
        // each kind of fault; the share of events each one picks is drawn.
        let offset = rng.random_range(0..MODES.len());
        let faults = |rng: &mut StdRng, n: usize| BatchFaults {
            mode: MODES[(offset + n) % MODES.len()],
            rate: [0.3, 0.5, 1.0][rng.random_range(0..3)],
            kill_after: None,
        };
        let mut batches: Vec<BatchFaults> = (0..batch_count).map(|b| faults(&mut rng, b)).collect();
        let mut admin_phase = faults(&mut rng, batch_count);
        let mut month_phase = faults(&mut rng, batch_count + 1);
        // Kills: spread over the batches, one in the admin phase and one while the month
        // passes when there are enough to go round.
        let mut left = restarts;
        if left > 0 {
            month_phase.kill_after = Some(0);
            left -= 1;
        }
        if left > 0 {
            admin_phase.kill_after = Some(rng.random_range(0..batch_size.max(1)));
            left -= 1;
        }
        let mut order: Vec<usize> = (0..batch_count).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        for b in order.into_iter().take(left) {
            let size = batch_size.min(flows.len() - b * batch_size);
            batches[b].kill_after = Some(rng.random_range(0..size.max(1)));
        }
        Plan {
            seed,
            flows,
            batch_size,
            batches,
            admin_phase,
            month_phase,
        }
    }

    /// The flows of batch `b`.
    pub(crate) fn batch(&self, b: usize) -> &[Flow] {
        let start = b * self.batch_size;
        &self.flows[start..(start + self.batch_size).min(self.flows.len())]
    }

    /// How many kills the schedule holds.
    pub(crate) fn kills(&self) -> usize {
        self.batches
            .iter()
            .chain([&self.admin_phase, &self.month_phase])
            .filter(|b| b.kill_after.is_some())
            .count()
    }

    /// The plan in words.
    pub(crate) fn describe(&self) -> String {
        let mut counts = std::collections::BTreeMap::new();
        for f in &self.flows {
            *counts.entry(f.kind.name()).or_insert(0usize) += 1;
        }
        let mut out = format!(
            "seed {} — {} users: {}\n",
            self.seed,
            self.flows.len(),
            counts
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let line = |name: String, f: &BatchFaults| {
            format!(
                "  {name}: delivery {} (rate {}){}\n",
                f.mode,
                f.rate,
                f.kill_after
                    .map(|k| format!(", backend killed after {k} started"))
                    .unwrap_or_default()
            )
        };
        for (b, f) in self.batches.iter().enumerate() {
            out.push_str(&line(format!("checkout batch {b}"), f));
        }
        out.push_str(&line("ops and cancellations".into(), &self.admin_phase));
        out.push_str(&line("a month passes".into(), &self.month_phase));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let a = Plan::new(7, 50, 4, 10);
        let b = Plan::new(7, 50, 4, 10);
        assert_eq!(a.describe(), b.describe());
        assert_eq!(a.kills(), 4);
        assert_ne!(a.describe(), Plan::new(8, 50, 4, 10).describe());
        assert_eq!(a.batch(4).len(), 10);
        assert_eq!(Plan::new(1, 23, 0, 10).batch(2).len(), 3);
        // Six batches and the two phases meet every delivery mode.
        let modes: std::collections::BTreeSet<&str> = a
            .batches
            .iter()
            .chain([&a.admin_phase, &a.month_phase])
            .map(|b| b.mode)
            .collect();
        assert_eq!(modes.len(), MODES.len(), "{modes:?}");
    }
}
