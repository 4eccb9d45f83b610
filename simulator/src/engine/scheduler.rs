//! Running what falls due when a clock advances, in time order.
//!
//! There is no stored job list that could drift from the objects: an advance scans the
//! subscriptions, invoices and checkout sessions of the clock's domain once, derives their
//! next due job from their fields (`current_period_end`, `cancel_at`, `trial_end`,
//! `automatically_finalizes_at`, `next_payment_attempt`, `expires_at`; uncaptured legacy
//! charges from `TimeState::authorizations`), and runs the jobs
//! from a heap ordered by (time, sequence). After a job runs, the objects it touched are
//! asked for their next job again. A popped job runs only if its object still says it is due
//! at that instant, so stale or duplicate entries are harmless.
//!
//! The domain of an object is its customer's test clock: advancing the account clock runs
//! jobs of customers without a test clock; advancing a test clock runs only its customers'.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde_json::Value;

use crate::account::AccountState;
use crate::engine::renewals::{self, Job, Touched};
use crate::engine::{events, legacy_charges, subscriptions};
use crate::objects::status::{InvoiceStatus, Status, SubscriptionStatus};
use crate::objects::{
    subscription_period_end as period_end, subscription_period_start as period_start,
};

/// What an advance did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ran {
    /// Due jobs run.
    pub(crate) jobs: usize,
}

fn customer_in_domain(st: &AccountState, customer: &Value, clock: Option<&str>) -> bool {
    let id = match customer {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("id").and_then(Value::as_str).unwrap_or_default(),
        _ => return clock.is_none(),
    };
    st.customer_clock(id) == clock
}

/// The next jobs of a subscription.
pub(crate) fn subscription_jobs(st: &AccountState, sub: &Value) -> Vec<(i64, Job)> {
    let id = sub["id"].as_str().unwrap_or_default().to_string();
    let Some(status) = SubscriptionStatus::of(sub).filter(|s| s.is_billed()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let end = period_end(sub);
    if let Some(cancel_at) = sub["cancel_at"].as_i64()
        && end.is_none_or(|e| cancel_at <= e)
    {
        out.push((cancel_at, Job::EndSubscription(id.clone())));
    } else if let Some(e) = end {
        out.push((e, Job::Renew(id.clone())));
        let at = e - st.time.settings.upcoming_days * 86_400;
        if st.time.upcoming_sent.get(&id) != Some(&e)
            && period_start(sub).is_some_and(|start| at > start)
        {
            out.push((at, Job::Upcoming(id.clone())));
        }
    }
    if status == SubscriptionStatus::Trialing
        && let Some(te) = sub["trial_end"].as_i64()
        && !st.time.trial_notified.contains(&id)
    {
        // A trial shorter than the warning is warned at its start (at creation, by
        // `subscriptions::warn_short_trial`; this is the fallback for other paths).
        let at = (te - subscriptions::TRIAL_WILL_END_BEFORE)
            .max(sub["trial_start"].as_i64().unwrap_or(i64::MIN));
        out.push((at, Job::TrialWillEnd(id)));
    }
    out
}

/// The next job of an invoice.
pub(crate) fn invoice_jobs(inv: &Value) -> Vec<(i64, Job)> {
    let id = inv["id"].as_str().unwrap_or_default().to_string();
    if inv["subscription"].as_str().is_none() && inv["parent"]["subscription_details"].is_null() {
        return Vec::new();
    }
    match InvoiceStatus::of(inv) {
        Some(InvoiceStatus::Draft) => inv["automatically_finalizes_at"]
            .as_i64()
            .map(|t| vec![(t, Job::Finalize(id))])
            .unwrap_or_default(),
        Some(InvoiceStatus::Open) => inv["next_payment_attempt"]
            .as_i64()
            .map(|t| vec![(t, Job::Retry(id))])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn session_jobs(cs: &Value) -> Vec<(i64, Job)> {
    match (cs["status"].as_str(), cs["expires_at"].as_i64()) {
        (Some("open"), Some(t)) => vec![(
            t,
            Job::ExpireSession(cs["id"].as_str().unwrap_or_default().to_string()),
        )],
        _ => Vec::new(),
    }
}

/// The expiry of uncaptured charge `id`, authorised at `created`.
fn authorization_jobs(id: &str, created: i64) -> Vec<(i64, Job)> {
    vec![(
        created + legacy_charges::AUTHORIZATION_EXPIRES_AFTER,
        Job::ExpireCharge(id.to_string()),
    )]
}

/// Whether `job` is still due at `at` according to its object.
fn still_due(st: &AccountState, job: &Job, at: i64) -> bool {
    let check = |jobs: Vec<(i64, Job)>| jobs.iter().any(|(t, j)| *t == at && j == job);
    match job {
        Job::TrialWillEnd(id) | Job::Upcoming(id) | Job::EndSubscription(id) | Job::Renew(id) => st
            .store
            .get_kind("subscription", id)
            .is_some_and(|s| check(subscription_jobs(st, s))),
        Job::Finalize(id) | Job::Retry(id) => st
            .store
            .get_kind("invoice", id)
            .is_some_and(|i| check(invoice_jobs(i))),
        Job::ExpireSession(id) => st
            .store
            .get_kind("checkout.session", id)
            .is_some_and(|s| check(session_jobs(s))),
        Job::ExpireCharge(id) => st
            .time
            .authorizations
            .get(id)
            .is_some_and(|c| check(authorization_jobs(id, *c))),
    }
}

struct Queue {
    heap: BinaryHeap<Reverse<(i64, u64, Job)>>,
    seq: u64,
    to: i64,
}

impl Queue {
    fn push_all(&mut self, jobs: Vec<(i64, Job)>) {
        for (at, job) in jobs {
            if at <= self.to {
                self.seq += 1;
                self.heap.push(Reverse((at, self.seq, job)));
            }
        }
    }
}

/// Runs every job of `clock`'s domain (`None` = the account clock) due at or before `to`,
/// in time order. Does not move the clock itself.
pub(crate) fn run_due(st: &mut AccountState, clock: Option<&str>, to: i64) -> Ran {
    let mut q = Queue {
        heap: BinaryHeap::new(),
        seq: 0,
        to,
    };
    let mut initial = Vec::new();
    // Scans peek: they must not leave every invoice of the account parsed.
    for id in st.store.ids_of("subscription") {
        if let Some(s) = st.store.peek(id)
            && customer_in_domain(st, &s["customer"], clock)
        {
            initial.extend(subscription_jobs(st, &s));
        }
    }
    for id in st.store.ids_of("invoice") {
        if let Some(i) = st.store.peek(id)
            && InvoiceStatus::is_any(&i, &[InvoiceStatus::Draft, InvoiceStatus::Open])
            && customer_in_domain(st, &i["customer"], clock)
        {
            initial.extend(invoice_jobs(&i));
        }
    }
    for (id, created) in &st.time.authorizations {
        let customer = st
            .store
            .peek(id)
            .map_or(Value::Null, |c| c["customer"].clone());
        if customer_in_domain(st, &customer, clock) {
            initial.extend(authorization_jobs(id, *created));
        }
    }
    if clock.is_none() {
        for id in st.store.ids_of("checkout.session") {
            if let Some(s) = st.store.peek(id) {
                initial.extend(session_jobs(&s));
            }
        }
    }
    q.push_all(initial);
    let mut jobs = 0;
    let saved = st.time.now_override;
    while let Some(Reverse((at, _, job))) = q.heap.pop() {
        if !still_due(st, &job, at) {
            continue;
        }
        st.time.now_override = Some(at);
        st.delivery.new_flow();
        let touched = renewals::run(st, &job, at);
        jobs += 1;
        if clock.is_none() {
            drop_old_events(st, at);
        }
        for t in touched {
            let next = match &t {
                Touched::Subscription(id) => st
                    .store
                    .get_kind("subscription", id)
                    .map(|s| subscription_jobs(st, s))
                    .unwrap_or_default(),
                Touched::Invoice(id) => st
                    .store
                    .get_kind("invoice", id)
                    .map(invoice_jobs)
                    .unwrap_or_default(),
            };
            q.push_all(next);
        }
    }
    st.time.now_override = saved;
    Ran { jobs }
}

/// Frees the events the API no longer shows once the account clock reaches `now` (Stripe keeps
/// events 30 days, [`events::RETENTION_SECS`]; test clocks' own advances free nothing), oldest
/// first, stopping at the first one still shown. Without test clocks that is a walk over
/// `created` alone; with them, each candidate is asked `events::kept` (an event of a test-clock
/// customer follows that clock, which has not moved).
fn drop_old_events(st: &mut AccountState, now: i64) {
    let cutoff = now - events::RETENTION_SECS;
    if st.store.ids_of("test_helpers.test_clock").next().is_none() {
        st.store.drop_events_before(cutoff);
        return;
    }
    let mut walked = 0;
    for id in st.store.ids_of("event") {
        if let Some(e) = st.store.peek(id) {
            let created = e["created"].as_i64().unwrap_or(0);
            if created >= cutoff || events::kept(st, &e, now) {
                break;
            }
        }
        walked += 1;
    }
    st.store.drop_oldest_events(walked);
}

/// Advances the account clock to `to` (Unix seconds, not before its current time), running
/// everything due on the way.
pub(crate) fn advance_account(st: &mut AccountState, to: i64) -> Ran {
    let ran = run_due(st, None, to);
    drop_old_events(st, to);
    st.clock_offset = to - crate::time::clock::wall_now();
    st.delivery.new_flow();
    st.clock_moved.notify_waiters();
    ran
}
