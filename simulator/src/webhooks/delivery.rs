//! The delivery engine. Per account, a dispatcher drains the outbox into one ordered queue
//! per endpoint; one worker task per endpoint drains its queue. Each time a worker wakes it
//! takes the account lock once (so the whole flow that was drained is queued), takes what is
//! queued, orders it by the account's delivery mode
//! ([`super::modes`]) and makes the first attempts one by one. An attempt succeeds on any
//! 2xx within the timeout; otherwise a separate task retries on the backoff schedule
//! (re-signed with a fresh `t` each time) without holding up later events, and gives up after
//! the last delay. A retry that a clock advance brings forward waits for its turn in the
//! endpoint's queue, behind the events already emitted (those of the advance included), so it
//! reaches the endpoint after them. Every attempt is logged on the account; `outstanding`
//! counts what is owed so a quiescence call can wait for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::account::Account;
use crate::app::App;
use crate::engine::events;
use crate::outbox::DeliveryMode;
use crate::outbox::DeliveryRecord;
use crate::time::clock::wall_now;
use crate::webhooks::job::{DeliveryJob, Queued};
use crate::webhooks::modes::{self, Fault, SeededRng};
use crate::webhooks::signing;

/// Default retry delays after a failed first attempt (fast, for tests).
pub const DEFAULT_RETRY_SCHEDULE: &[Duration] = &[
    Duration::from_millis(200),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(5),
];

/// Stripe's live-mode schedule (exponential backoff for up to three days). Stripe publishes
/// only "up to 3 days with an exponential back off"; these exact delays are a guess
/// (see `simulator/docs/guesses.md`).
pub const STRIPE_RETRY_SCHEDULE: &[Duration] = &[
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(12 * 3600),
    Duration::from_secs(12 * 3600),
    Duration::from_secs(12 * 3600),
];

/// Stripe's test-mode (sandbox) schedule: Stripe publishes "three times over a few hours";
/// these exact delays are a guess (see `simulator/docs/guesses.md`).
pub const TEST_MODE_RETRY_SCHEDULE: &[Duration] = &[
    Duration::from_secs(10 * 60),
    Duration::from_secs(3600),
    Duration::from_secs(3 * 3600),
];

/// A retry schedule by name: `fast` (the default, for tests), `test_mode` (Stripe's
/// sandbox schedule), `live_mode` or `stripe` (Stripe's live-mode schedule).
pub fn named_retry_schedule(name: &str) -> Option<&'static [Duration]> {
    match name {
        "fast" => Some(DEFAULT_RETRY_SCHEDULE),
        "test_mode" => Some(TEST_MODE_RETRY_SCHEDULE),
        "live_mode" | "stripe" => Some(STRIPE_RETRY_SCHEDULE),
        _ => None,
    }
}

/// Simulated time an endpoint may keep failing under the live-mode schedule before it is
/// disabled (Stripe disables such endpoints after some days and e-mails the account; three
/// days is a guess, see `simulator/docs/guesses.md`).
pub(crate) const DISABLE_AFTER_SECS: i64 = 3 * 86_400;

/// Shortest retry delay that a clock advance brings forward: Stripe's schedules start at
/// minutes; the fast test schedules (seconds) stay on wall time, so a receiver that is
/// restarting while a test advances the clock still gets its retries spread out.
pub(crate) const SIMULATED_RETRY_MIN: Duration = Duration::from_secs(60);

/// Default time an endpoint has to answer.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Characters of the response body kept in the log.
pub(crate) const SNIPPET_LEN: usize = 200;

enum Outcome {
    Delivered,
    Failed,
    /// The endpoint or account is gone or disabled: stop trying.
    Gone,
}

/// Marks one owed delivery as finished (delivered, given up or moot).
fn finish(acct: &Account, job: &DeliveryJob, gave_up: bool) {
    let mut st = acct.lock();
    if st.delivery.epoch == job.epoch {
        st.delivery.outstanding = st.delivery.outstanding.saturating_sub(1);
        if gave_up {
            st.delivery
                .given_up
                .insert((job.event_id.clone(), job.endpoint_id.clone()));
        }
    }
}

/// Starts the delivery of one account: a task that, each time the account's state lock is
/// released with events in its outbox, drains the outbox into one queue per endpoint, in
/// emission order. It holds the lock while it queues, so the endpoints' workers see each
/// drained flow whole. Called once per account, when the account is created.
pub(crate) fn start(app: Arc<App>, account: &Arc<Account>) {
    let weak = Arc::downgrade(account);
    let account_id = account.id.clone();
    let ready = account.outbox_ready.clone();
    let mut shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        let mut queues: HashMap<String, mpsc::UnboundedSender<Queued>> = HashMap::new();
        let mut epoch = None;
        loop {
            tokio::select! {
                _ = ready.notified() => {}
                _ = shutdown.changed() => break,
            }
            let Some(acct) = weak.upgrade() else { break };
            let mut st = acct.lock();
            let events = st.delivery.outbox.drain();
            acct.outbox_drained.notify_waiters();
            // A reset starts a new epoch: the old workers end once their queues are dropped.
            if epoch != Some(st.delivery.epoch) {
                queues.clear();
                epoch = Some(st.delivery.epoch);
            }
            // A deleted endpoint's worker ends once its queue is drained.
            queues.retain(|id, _| st.store.get_kind("webhook_endpoint", id).is_some());
            for ev in events {
                for endpoint_id in &ev.targets {
                    let tx = queues.entry(endpoint_id.clone()).or_insert_with(|| {
                        spawn_worker(app.clone(), weak.clone(), endpoint_id.clone())
                    });
                    let job = DeliveryJob {
                        event_id: ev.event_id.clone(),
                        event_type: ev.event_type.clone(),
                        endpoint_id: endpoint_id.clone(),
                        body: ev.body.clone(),
                        flow: ev.flow.clone(),
                        epoch: ev.epoch,
                        queued_at: ev.emitted_at,
                        delivered: Arc::new(AtomicBool::new(false)),
                        copy: false,
                    };
                    if tx.send(Queued::Job(job)).is_err() {
                        // The worker is gone (shutdown): nothing will deliver this one.
                        st.delivery.outstanding = st.delivery.outstanding.saturating_sub(1);
                    }
                }
            }
        }
        tracing::debug!(account = %account_id, "outbox dispatcher stopped");
    });
}

/// Starts the worker of one endpoint and returns its queue.
fn spawn_worker(
    app: Arc<App>,
    account: Weak<Account>,
    endpoint_id: String,
) -> mpsc::UnboundedSender<Queued> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Queued>();
    // The retries' way back into this queue; weak, so the worker still ends with its queue.
    let queue = tx.downgrade();
    let mut shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        let mut rng = SeededRng::new(0);
        let mut generation = None;
        loop {
            let item = tokio::select! {
                item = rx.recv() => item,
                _ = shutdown.changed() => None,
            };
            let Some(item) = item else { break };
            let Some(acct) = account.upgrade() else { break };
            // Taking the lock waits for the emitter: the rest of its flow is queued now.
            let settings = acct.lock().delivery.settings.clone();
            drop(acct);
            let mut items = vec![item];
            while let Ok(i) = rx.try_recv() {
                items.push(i);
            }
            if generation != Some(settings.generation) {
                rng = SeededRng::new(settings.seed);
                generation = Some(settings.generation);
            }
            let mut batch = Vec::new();
            for item in items {
                match item {
                    Queued::Job(job) => batch.push(job),
                    Queued::Turn(turn) => {
                        let jobs = std::mem::take(&mut batch);
                        let worker = Worker {
                            app: &app,
                            account: &account,
                            queue: &queue,
                        };
                        if !worker.deliver(jobs, &settings, &mut rng).await {
                            return;
                        }
                        let _ = turn.send(());
                    }
                }
            }
            let worker = Worker {
                app: &app,
                account: &account,
                queue: &queue,
            };
            if !worker.deliver(batch, &settings, &mut rng).await {
                return;
            }
        }
        tracing::debug!(endpoint = %endpoint_id, "webhook worker stopped");
    });
    tx
}

/// What an endpoint's worker delivers with.
struct Worker<'a> {
    app: &'a Arc<App>,
    account: &'a Weak<Account>,
    queue: &'a mpsc::WeakUnboundedSender<Queued>,
}

impl Worker<'_> {
    /// Orders `batch` by the account's delivery mode and makes each first attempt, handing
    /// failures to their retries. Returns `false` on shutdown.
    async fn deliver(
        &self,
        batch: Vec<DeliveryJob>,
        settings: &crate::outbox::DeliverySettings,
        rng: &mut SeededRng,
    ) -> bool {
        if batch.is_empty() {
            return true;
        }
        let (plan, copies) = modes::plan(batch, settings, rng);
        if copies > 0
            && let Some(acct) = self.account.upgrade()
        {
            acct.lock().delivery.outstanding += copies;
        }
        let mut shutdown = self.app.shutdown.clone();
        for p in plan {
            if settings.mode == DeliveryMode::Delayed {
                let due = p.job.queued_at + Duration::from_millis(settings.delay_ms);
                tokio::select! {
                    _ = tokio::time::sleep_until(due.into()) => {}
                    _ = shutdown.changed() => return false,
                }
            }
            match attempt(self.app, self.account, &p.job, 1, p.fault).await {
                Outcome::Failed => spawn_retries(
                    self.app.clone(),
                    self.account.clone(),
                    self.queue.clone(),
                    p.job,
                ),
                Outcome::Delivered | Outcome::Gone => {
                    if let Some(acct) = self.account.upgrade() {
                        finish(&acct, &p.job, false);
                    }
                }
            }
        }
        true
    }
}

/// Why a retry is due.
enum Due {
    /// Its delay passed on the wall clock (or there is nothing left to wait for).
    Now,
    /// A clock advance reached it: it waits for its turn behind what is already queued.
    AfterQueued,
}

/// Waits until every event emitted so far has had its first attempt on the endpoint of
/// `queue`: takes a turn in that queue once the account's outbox is drained (under the
/// account lock, so nothing emitted before is left behind) and waits for the worker to reach
/// it. Returns at once when the worker is gone.
async fn wait_turn(account: &Weak<Account>, queue: &mpsc::WeakUnboundedSender<Queued>) {
    let Some(tx) = queue.upgrade() else { return };
    let (turn, reached) = oneshot::channel();
    let mut turn = Some(turn);
    loop {
        let Some(acct) = account.upgrade() else {
            return;
        };
        // Listening before the check: a drain after it cannot be missed.
        let drained = acct.outbox_drained.notified();
        tokio::pin!(drained);
        drained.as_mut().enable();
        let queued = {
            let st = acct.lock();
            match turn.take() {
                Some(turn) if st.delivery.outbox.is_empty() => Some(tx.send(Queued::Turn(turn))),
                other => {
                    turn = other;
                    None
                }
            }
        };
        match queued {
            Some(Ok(())) => break,
            Some(Err(_)) => return,
            // The dispatcher has not drained the outbox yet; it does so as soon as it runs.
            // The bound only lets a deleted account or a stopped dispatcher end the wait.
            None => {
                let _ = tokio::time::timeout(Duration::from_millis(100), drained).await;
            }
        }
    }
    drop(tx);
    let _ = reached.await;
}

fn spawn_retries(
    app: Arc<App>,
    account: Weak<Account>,
    queue: mpsc::WeakUnboundedSender<Queued>,
    job: DeliveryJob,
) {
    let schedule: Vec<Duration> = account
        .upgrade()
        .and_then(|a| a.lock().delivery.settings.retry_schedule.clone())
        .or_else(|| app.options.retry_schedule.clone())
        .unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE.to_vec());
    tokio::spawn(async move {
        for (i, delay) in schedule.into_iter().enumerate() {
            match wait_due(&app, &account, &job, delay, i == 0).await {
                None => return,
                Some(Due::Now) => {}
                Some(Due::AfterQueued) => wait_turn(&account, &queue).await,
            }
            match attempt(&app, &account, &job, i as u32 + 2, None).await {
                Outcome::Failed => continue,
                Outcome::Delivered | Outcome::Gone => {
                    if let Some(acct) = account.upgrade() {
                        finish(&acct, &job, false);
                    }
                    return;
                }
            }
        }
        tracing::info!(event = %job.event_id, endpoint = %job.endpoint_id, "webhook delivery given up");
        if let Some(acct) = account.upgrade() {
            finish(&acct, &job, true);
        }
    });
}

/// Waits until a retry `delay` from now is due: when `delay` of wall time has passed, or
/// `delay` of simulated time on the clock of the job's event (the account clock, or the
/// test clock of the customer the event is about), whichever comes first — so advancing
/// that clock brings pending retries forward (behind what the advance emitted). On the
/// simulated clock the `first` retry counts from the event's `created` (its first attempt
/// is due then, even when a clock advance came before the attempt was made), later ones
/// from the previous attempt. Returns `None` on shutdown.
async fn wait_due(
    app: &App,
    account: &Weak<Account>,
    job: &DeliveryJob,
    delay: Duration,
    first: bool,
) -> Option<Due> {
    let wall_due = tokio::time::Instant::now() + delay;
    if delay < SIMULATED_RETRY_MIN {
        let mut shutdown = app.shutdown.clone();
        return tokio::select! {
            _ = tokio::time::sleep_until(wall_due) => Some(Due::Now),
            _ = shutdown.changed() => None,
        };
    }
    let event: serde_json::Value = serde_json::from_str(&job.body).unwrap_or_default();
    let sim_delay = i64::try_from(delay.as_secs()).unwrap_or(i64::MAX).max(1);
    // Due when the clock reached the time, or at once when the endpoint is gone or disabled
    // (the attempt then stops the retries).
    let reached = |acct: &Account, due: i64| {
        let st = acct.lock();
        let enabled = st
            .store
            .get_kind("webhook_endpoint", &job.endpoint_id)
            .is_some_and(|we| we["status"] == "enabled");
        !enabled || events::clock_now(&st, &event) >= due
    };
    let created = event["created"].as_i64().filter(|_| first);
    let since = |acct: &Account| {
        let now = events::clock_now(&acct.lock(), &event);
        created.map_or(now, |created| created.min(now))
    };
    let Some((sim_due, moved)) = account.upgrade().map(|a| {
        let moved = a.lock().clock_moved.clone();
        (since(&a).saturating_add(sim_delay), moved)
    }) else {
        return Some(Due::Now);
    };
    let mut shutdown = app.shutdown.clone();
    loop {
        let notified = moved.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match account.upgrade() {
            Some(a) if !reached(&a, sim_due) => {}
            Some(_) => return Some(Due::AfterQueued),
            None => return Some(Due::Now),
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wall_due) => return Some(Due::Now),
            _ = &mut notified => {}
            _ = shutdown.changed() => return None,
        }
    }
}

async fn attempt(
    app: &App,
    account: &Weak<Account>,
    job: &DeliveryJob,
    n: u32,
    fault: Option<Fault>,
) -> Outcome {
    let Some(acct) = account.upgrade() else {
        return Outcome::Gone;
    };
    let t = wall_now();
    let target = {
        let st = acct.lock();
        if st.delivery.epoch != job.epoch {
            return Outcome::Gone;
        }
        let endpoint = st.store.get_kind("webhook_endpoint", &job.endpoint_id);
        // Old secrets still in their window sign first; the current one last.
        let secrets = st.secrets.signing(&job.endpoint_id, t);
        match endpoint {
            Some(we) if we["status"] == "enabled" && !secrets.is_empty() => {
                Some((we["url"].as_str().unwrap_or_default().to_string(), secrets))
            }
            _ => None,
        }
    };
    let Some((url, secrets)) = target else {
        return Outcome::Gone;
    };
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let sig = signing::header(&refs, t, &job.body);
    let timeout = app.options.delivery_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let started = Instant::now();
    let (status, error, snippet) = if fault == Some(Fault::Answer500) {
        (
            Some(500),
            None,
            "fault injector: answered 500 in the endpoint's place".to_string(),
        )
    } else {
        let result = app
            .http
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", sig)
            .header(
                "user-agent",
                "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            )
            .timeout(timeout)
            .body(job.body.to_string())
            .send()
            .await;
        match result {
            Ok(resp) if fault == Some(Fault::DropResponse) => {
                drop(resp);
                (
                    None,
                    Some("connection closed before the response (fault injector)".to_string()),
                    String::new(),
                )
            }
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = tokio::time::timeout(timeout, resp.text())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or_default();
                (Some(status), None, text.chars().take(SNIPPET_LEN).collect())
            }
            Err(e) => {
                let msg = if e.is_timeout() {
                    format!("timed out after {} ms", timeout.as_millis())
                } else {
                    format!("connection failed: {e}")
                };
                (None, Some(msg), String::new())
            }
        }
    };
    let record = DeliveryRecord {
        event_id: job.event_id.clone(),
        event_type: job.event_type.clone(),
        endpoint_id: job.endpoint_id.clone(),
        attempt: n,
        status,
        error,
        latency_ms: started.elapsed().as_millis() as u64,
        response_snippet: snippet,
        delivered_at: t,
        fault: fault.map(|f| match f {
            Fault::DropResponse => "drop_first".to_string(),
            Fault::Answer500 => "fail_first".to_string(),
        }),
        duplicate: job.copy,
    };
    let ok = record.succeeded();
    track_failures(app, &acct, &job.endpoint_id, ok);
    acct.deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(record);
    if ok {
        if !job.delivered.swap(true, Ordering::SeqCst) {
            acct.lock().delivered(&job.event_id);
        }
        Outcome::Delivered
    } else {
        Outcome::Failed
    }
}

/// Records an attempt's outcome for its endpoint and, under the live-mode schedule,
/// disables an endpoint none of whose attempts has succeeded for [`DISABLE_AFTER_SECS`] of
/// simulated time (its pending retries then stop, as on Stripe).
fn track_failures(app: &App, acct: &Account, endpoint: &str, ok: bool) {
    let mut st = acct.lock();
    if ok {
        st.endpoint_failing_since.remove(endpoint);
        return;
    }
    let now = st.now();
    let since = *st
        .endpoint_failing_since
        .entry(endpoint.to_string())
        .or_insert(now);
    let schedule = st
        .delivery
        .settings
        .retry_schedule
        .as_deref()
        .or(app.options.retry_schedule.as_deref());
    if schedule != Some(STRIPE_RETRY_SCHEDULE) || now - since < DISABLE_AFTER_SECS {
        return;
    }
    if let Some(we) = st.store.get_kind_mut("webhook_endpoint", endpoint)
        && we["status"] == "enabled"
    {
        we["status"] = serde_json::json!("disabled");
        tracing::warn!(
            endpoint,
            "webhook endpoint disabled after failing for 3 days"
        );
    }
}

/// Waits until the account owes no delivery (every due event delivered or given up) or
/// `deadline` passes. Returns how many deliveries are still owed (0 = quiescent).
pub(crate) async fn quiesce(account: &Account, deadline: Instant) -> usize {
    loop {
        let n = account.lock().delivery.outstanding;
        if n == 0 || Instant::now() >= deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
