//! `golive soak`: a chaos soak that proves no event is lost.
//!
//! The same seeded plan of users (subscribing, renewing, failing a renewal, cancelling in the
//! portal, being disputed, drawing an early fraud warning, with ops answering) runs twice
//! against the simulator, each run with its own Stripe account, database and backend: once
//! without faults, once while the simulator drops answers, fails first attempts, duplicates,
//! delays and reorders deliveries, and the backend is killed (its runtime dropped mid-request)
//! and started again at scheduled moments. Then the faulty run's final tables must equal the
//! clean run's, row for row; any difference fails the soak with the rows that differ.
//!
//! - [`plan`]: the seeded flows and fault schedule, printed so a failure can be replayed;
//! - [`backend`]: a backend that can be killed and restarted on the same address;
//! - [`snapshot`]: the tables, keyed so two runs compare.

mod backend;
mod plan;
mod snapshot;

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use stripe_sim::control::client::Control;

use crate::steps::actors::{Actor, random_suffix};
use crate::steps::backend_under_test::{
    APP_ORIGIN, DeploymentVars, WEBHOOK_EVENTS, WEBHOOK_PATH, deployment_vars,
};
use crate::steps::catalog::PlansOnSale;
use crate::steps::database::TestDatabases;
use crate::stripe_client::StripeClient;
use backend::KillableBackend;
use plan::{BatchFaults, Flow, FlowKind, Plan};
use snapshot::Snapshot;

/// How long one call to the backend keeps being retried while it is down or restarting.
const CALL_DEADLINE: Duration = Duration::from_secs(60);
/// How long the soak waits for the simulator to have delivered everything.
const QUIESCE_DEADLINE: Duration = Duration::from_secs(600);
/// One wait of the simulator's quiescence call: shorter than the HTTP client's timeout.
const QUIESCE_STEP_MS: u64 = 10_000;
const POLL: Duration = Duration::from_millis(25);
/// Stripe's test card that attaches but fails every charge.
const FAILS_ON_RENEWAL: &str = "4000000000000341";
/// Webhook retry delays for the soak's account: long enough to outlast a restart.
const RETRY_SCHEDULE_MS: [u64; 10] = [100, 200, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000];

/// What a soak run is asked to do.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// How many users (flows). About nine events each.
    pub flows: usize,
    /// The seed of the plan and the fault schedule.
    pub seed: u64,
    /// How many times the backend is killed during the faulty run.
    pub restarts: usize,
    /// Users per batch (each batch has its own delivery mode).
    pub batch_size: usize,
    /// Users acting at once within a batch.
    pub concurrency: usize,
}

impl Default for SoakOptions {
    fn default() -> Self {
        SoakOptions {
            flows: 120,
            seed: 1,
            restarts: 4,
            batch_size: 10,
            concurrency: 8,
        }
    }
}

/// What a soak found.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// The plan and fault schedule, in words.
    pub schedule: String,
    /// Distinct events the backend processed in the clean run.
    pub events: u64,
    /// Distinct events Stripe sent in the clean run.
    pub sent: u64,
    /// Distinct events Stripe sent in the faulty run.
    pub faulty_events: u64,
    /// Delivery attempts in the faulty run.
    pub attempts: u64,
    /// Failed attempts (dropped answers, refused connections, 5xx) in the faulty run.
    pub failed_attempts: u64,
    /// Events the simulator gave up on in the faulty run (lost: must be 0).
    pub given_up: u64,
    /// Times the backend was killed and restarted.
    pub restarts: usize,
    /// Rows compared.
    pub rows_compared: usize,
    /// Rows that differ between the runs.
    pub differences: Vec<String>,
    /// Wall time of the two runs.
    pub wall: Duration,
}

impl SoakReport {
    /// The report in a few lines; the last one says whether the soak passed.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "events: {} sent and {} processed in the fault-free run, {} sent in the faulty run\nfaulty run: {} delivery attempts, {} failed, {} given up, {} backend restarts\nrows compared: {}, differences: {}\nwall time: {:.1} s\n",
            self.sent,
            self.events,
            self.faulty_events,
            self.attempts,
            self.failed_attempts,
            self.given_up,
            self.restarts,
            self.rows_compared,
            self.differences.len(),
            self.wall.as_secs_f64()
        );
        for d in &self.differences {
            out.push_str(&format!("  differs: {d}\n"));
        }
        out
    }

    /// Whether nothing was lost or changed.
    pub fn passed(&self) -> bool {
        self.differences.is_empty() && self.given_up == 0 && self.events > 0
    }
}

/// `golive soak`: runs the soak on a runtime of its own, prints the report, and exits non-zero
/// when anything differs, was lost, or the soak could not run.
pub fn main_with(options: &SoakOptions) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("golive soak: no runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(options)) {
        Ok(report) => {
            print!("{}", report.describe());
            if report.passed() {
                println!("soak: passed");
                std::process::ExitCode::SUCCESS
            } else {
                println!("soak: FAILED");
                std::process::ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("golive soak: {e}");
            println!("soak: FAILED");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the soak: the plan once without faults, once with them, and compares.
pub async fn run(options: &SoakOptions) -> Result<SoakReport, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = Instant::now();
    let plan = Plan::new(
        options.seed,
        options.flows,
        options.restarts,
        options.batch_size,
    );
    let schedule = plan.describe();
    println!("{schedule}");
    let databases = TestDatabases::provision()
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("the simulator could not listen: {e}"))?;
    let simulator = stripe_sim::start(listener, stripe_sim::SimOptions::default())
        .await
        .map_err(|e| format!("the simulator did not start: {e}"))?;
    let result = async {
        let clean = Run::prepare(&databases, &simulator.base_url, options).await?;
        let clean_outcome = clean.execute(&plan, false).await;
        let clean_snapshot = clean.finish(&databases, clean_outcome).await?;
        let clean_counts = clean.delivery_counts().await?;
        println!("fault-free run done: {} rows", clean_snapshot.rows.len());
        let faulty = Run::prepare(&databases, &simulator.base_url, options).await?;
        let faulty_outcome = faulty.execute(&plan, true).await;
        let faulty_snapshot = faulty.finish(&databases, faulty_outcome).await?;
        let counts = faulty.delivery_counts().await?;
        let differences = faulty_snapshot.differences(&clean_snapshot);
        Ok::<_, String>(SoakReport {
            schedule: schedule.clone(),
            events: clean_snapshot.processed_events(),
            sent: clean_counts.events,
            faulty_events: counts.events,
            attempts: counts.attempts,
            failed_attempts: counts.failed,
            given_up: counts.given_up + clean_counts.given_up,
            restarts: plan.kills(),
            rows_compared: clean_snapshot.rows.len().max(faulty_snapshot.rows.len()),
            differences,
            wall: started.elapsed(),
        })
    }
    .await;
    simulator.shutdown().await;
    databases.teardown().await;
    result
}

/// What the simulator's delivery log says about one run.
#[derive(Debug, Clone, Copy, Default)]
struct DeliveryCounts {
    attempts: u64,
    failed: u64,
    events: u64,
    given_up: u64,
}

/// One run of the plan: its own Stripe account, database and backend.
struct Run {
    control: Control,
    http: reqwest::Client,
    backend: tokio::sync::Mutex<KillableBackend>,
    base_url: String,
    pool: PgPool,
    database: String,
    jwt_secret: String,
    admin: Actor,
    clock_start: i64,
    concurrency: usize,
}

impl Run {
    async fn prepare(
        databases: &TestDatabases,
        stripe_api_base: &str,
        options: &SoakOptions,
    ) -> Result<Run, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let key = format!("sk_test_soak{}{}", random_suffix(), random_suffix());
        let stripe = StripeClient::new(http.clone(), stripe_api_base, &key);
        let control = Control::with_client(http.clone(), stripe_api_base, &key);
        control
            .delivery_mode(json!({"mode": "canonical", "retry_schedule": RETRY_SCHEDULE_MS}))
            .await
            .map_err(|e| format!("setting the retry schedule: {e}"))?;
        let clock_start = control
            .clock()
            .await
            .map_err(|e| format!("the simulator's clock: {e}"))?["now"]
            .as_i64()
            .unwrap_or_default();
        let plans = PlansOnSale::create(
            &stripe,
            &["basic".to_string(), "pro".to_string()],
            &["monthly".to_string(), "yearly".to_string()],
        )
        .await
        .map_err(|e| format!("putting the plans on sale: {e}"))?;
        let database = databases
            .create_scenario_database()
            .await
            .map_err(|e| e.to_string())?;
        let database_url = databases.url_of(&database);
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("the backend could not listen: {e}"))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("the backend's listener has no address: {e}"))?;
        let (_, secret) = stripe
            .create_webhook_endpoint(&format!("http://{address}{WEBHOOK_PATH}"), WEBHOOK_EVENTS)
            .await
            .map_err(|e| format!("registering the webhook endpoint: {e}"))?;
        let jwt_secret = format!("soak-{}", random_suffix());
        let admin_email = format!("ops.{}@ops.golive.test", random_suffix());
        let mut vars = deployment_vars(&DeploymentVars {
            database_url: &database_url,
            address,
            stripe: &stripe,
            webhook_secret: &secret,
            plans: &plans,
            jwt_secret: &jwt_secret,
        });
        vars.insert("ADMIN_EMAILS".into(), admin_email.clone());
        // The soak's users act fast; the limiter is not what it measures.
        for limit in [
            "CHECKOUT_RATE_LIMIT_PER_MINUTE",
            "PORTAL_RATE_LIMIT_PER_MINUTE",
            "ADMIN_RATE_LIMIT_PER_MINUTE",
        ] {
            vars.insert(limit.into(), "100000".into());
        }
        let config = billing::Config::from_vars(&vars)
            .map_err(|e| format!("the backend's configuration is invalid:\n{e}"))?;
        let backend = KillableBackend::start(config, listener).await?;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(&database_url)
            .await
            .map_err(|e| format!("the backend's database: {e}"))?;
        let admin = Actor::with_identity("Ops", "soak_ops", &admin_email, &jwt_secret);
        Ok(Run {
            control,
            http,
            base_url: format!("http://{address}"),
            backend: tokio::sync::Mutex::new(backend),
            pool,
            database,
            jwt_secret,
            admin,
            clock_start,
            concurrency: options.concurrency.max(1),
        })
    }

    /// Drives the plan; with `faults`, under the plan's fault schedule.
    async fn execute(&self, plan: &Plan, faults: bool) -> Result<(), String> {
        let batches = plan.flows.len().div_ceil(plan.batch_size);
        for b in 0..batches {
            let flows = plan.batch(b);
            self.phase(faults.then_some(&plan.batches[b]), flows, |flow| {
                self.subscribe(flow)
            })
            .await?;
        }
        let ops: Vec<Flow> = plan
            .flows
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    FlowKind::Cancellation
                        | FlowKind::Failure
                        | FlowKind::Dispute
                        | FlowKind::FraudWarning
                )
            })
            .cloned()
            .collect();
        self.phase(faults.then_some(&plan.admin_phase), &ops, |flow| {
            self.answer(flow)
        })
        .await?;
        if let Some(f) = faults.then_some(&plan.month_phase) {
            self.set_mode(f, plan.seed).await?;
        }
        self.month_passes().await?;
        if faults && plan.month_phase.kill_after.is_some() {
            self.restart().await?;
        }
        Ok(())
    }

    /// Runs `act` for each flow, `concurrency` at a time, under `faults` (its delivery mode,
    /// and a kill once `kill_after` users have started).
    async fn phase<'a, F, Fut>(
        &'a self,
        faults: Option<&BatchFaults>,
        flows: &'a [Flow],
        act: F,
    ) -> Result<(), String>
    where
        F: Fn(&'a Flow) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>> + 'a,
    {
        if let Some(f) = faults {
            self.set_mode(f, flows.first().map(|f| f.index as u64).unwrap_or(0))
                .await?;
        }
        let kill_after = faults.and_then(|f| f.kill_after);
        let started = std::sync::atomic::AtomicUsize::new(0);
        let started = &started;
        let act = &act;
        let results: Vec<Result<(), String>> = futures::stream::iter(flows.iter())
            .map(|flow| async move {
                let n = started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if kill_after == Some(n) {
                    self.restart().await?;
                }
                act(flow).await
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn set_mode(&self, f: &BatchFaults, seed: u64) -> Result<(), String> {
        let mut settings =
            json!({"mode": f.mode, "seed": seed, "retry_schedule": RETRY_SCHEDULE_MS});
        if matches!(f.mode, "duplicated" | "drop_first" | "fail_first") {
            settings["rate"] = json!(f.rate);
        }
        if f.mode == "delayed" {
            settings["delay_ms"] = json!(150);
        }
        self.control
            .delivery_mode(settings)
            .await
            .map(|_| ())
            .map_err(|e| format!("setting delivery mode {}: {e}", f.mode))
    }

    /// Kills the backend and starts it again.
    async fn restart(&self) -> Result<(), String> {
        let mut backend = self.backend.lock().await;
        backend.restart().await
    }

    fn token(&self, flow: &Flow) -> String {
        Actor::with_identity(
            "user",
            &flow.user_id(),
            &format!("{}@soak.golive.test", flow.user_id()),
            &self.jwt_secret,
        )
        .token
    }

    /// Calls the backend as a client would, trying again while it is down or restarting
    /// (connection refused, 5xx) and while `retry_on` says the answer is not final yet.
    async fn call(
        &self,
        path: &str,
        token: &str,
        body: Option<Value>,
        retry_on: &[u16],
    ) -> Result<Value, String> {
        let give_up = Instant::now() + CALL_DEADLINE;
        let url = format!("{}{path}", self.base_url);
        loop {
            let request = match &body {
                Some(b) => self.http.post(&url).json(b),
                None => self.http.get(&url),
            };
            let seen = match request.bearer_auth(token).send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let value: Value = r.json().await.unwrap_or(Value::Null);
                    if (200..300).contains(&status) {
                        return Ok(value);
                    }
                    if status < 500 && !retry_on.contains(&status) {
                        return Err(format!("{path} answered {status}: {value}"));
                    }
                    format!("{status}: {value}")
                }
                Err(e) => e.to_string(),
            };
            if Instant::now() >= give_up {
                return Err(format!("{path} never answered: {seen}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The user subscribes through the backend and pays on Stripe's Checkout.
    async fn subscribe(&self, flow: &Flow) -> Result<(), String> {
        let (tier, cycle) = flow.kind.plan(flow.index);
        let session = self
            .call(
                billing::routes::CHECKOUT_SESSION,
                &self.token(flow),
                Some(json!({
                    "tier": tier, "billing_cycle": cycle,
                    "success_url": format!("{APP_ORIGIN}/billing/success"),
                    "cancel_url": format!("{APP_ORIGIN}/pricing"),
                })),
                &[],
            )
            .await?;
        let id = session["session_id"].as_str().unwrap_or_default();
        self.control
            .pay_checkout(id, flow.kind.card())
            .await
            .map(|_| ())
            .map_err(|e| format!("{} paying {id}: {e}", flow.user_id()))
    }

    /// What happens next: cancelling in the portal, or ops answering a dispute or warning.
    async fn answer(&self, flow: &Flow) -> Result<(), String> {
        let admin = self.admin.token.clone();
        match flow.kind {
            FlowKind::Cancellation => {
                let bps = self.portal(flow).await?;
                self.control
                    .portal_cancel(&bps, None, Some("immediately"))
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{} cancelling: {e}", flow.user_id()))
            }
            FlowKind::Failure => {
                let bps = self.portal(flow).await?;
                self.control
                    .portal_update_card(&bps, FAILS_ON_RENEWAL)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{} replacing the card: {e}", flow.user_id()))
            }
            FlowKind::Dispute => {
                let id = self.wait_for_record("disputes", flow).await?;
                if flow.index.is_multiple_of(2) {
                    self.call(
                        &billing::routes::with_id(billing::routes::DISPUTE_EVIDENCE, &id),
                        &admin,
                        Some(json!({"evidence": {"uncategorized_text": "winning_evidence"}, "submit": true})),
                        &[],
                    )
                    .await
                    .map(|_| ())
                } else {
                    self.call(
                        &billing::routes::with_id(billing::routes::DISPUTE_CLOSE, &id),
                        &admin,
                        Some(json!({"confirm": true})),
                        &[],
                    )
                    .await
                    .map(|_| ())
                }
            }
            FlowKind::FraudWarning => {
                let id = self.wait_for_record("fraud_warnings", flow).await?;
                let route = if flow.index.is_multiple_of(2) {
                    billing::routes::FRAUD_WARNING_REFUND
                } else {
                    billing::routes::FRAUD_WARNING_IGNORE
                };
                self.call(
                    &billing::routes::with_id(route, &id),
                    &admin,
                    Some(json!({"notes": "soak"})),
                    &[],
                )
                .await
                .map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// Opens the billing portal from the app; returns the portal session's id. (404 until the
    /// backend has recorded the user's customer.)
    async fn portal(&self, flow: &Flow) -> Result<String, String> {
        let portal = self
            .call(
                billing::routes::PORTAL_SESSION,
                &self.token(flow),
                Some(json!({"return_url": format!("{APP_ORIGIN}/account")})),
                &[404],
            )
            .await?;
        let url = portal["url"].as_str().unwrap_or_default();
        Ok(url.rsplit('/').next().unwrap_or_default().to_string())
    }

    /// The id of the user's dispute or warning, once the backend has recorded it.
    async fn wait_for_record(&self, table: &str, flow: &Flow) -> Result<String, String> {
        let query = match table {
            "disputes" => "SELECT id FROM disputes WHERE user_id = $1",
            _ => "SELECT id FROM fraud_warnings WHERE user_id = $1",
        };
        let give_up = Instant::now() + CALL_DEADLINE;
        loop {
            let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
                .bind(flow.user_id())
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| format!("reading {table}: {e}"))?;
            if let Some(id) = found {
                return Ok(id);
            }
            if Instant::now() >= give_up {
                return Err(format!("{} never reached {table}", flow.user_id()));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A month (and the invoice's finalisation) passes: renewals are charged.
    async fn month_passes(&self) -> Result<(), String> {
        self.quiesce().await?;
        let now = self
            .control
            .clock()
            .await
            .map_err(|e| format!("the clock: {e}"))?["now"]
            .as_i64()
            .unwrap_or_default();
        self.control
            .advance_to(now + 32 * 86_400)
            .await
            .map(|_| ())
            .map_err(|e| format!("moving time: {e}"))
    }

    /// Waits until Stripe owes no delivery.
    async fn quiesce(&self) -> Result<(), String> {
        let give_up = Instant::now() + QUIESCE_DEADLINE;
        loop {
            let q = self
                .control
                .quiesce(QUIESCE_STEP_MS)
                .await
                .map_err(|e| format!("quiescence: {e}"))?;
            if q["quiescent"] == true {
                return Ok(());
            }
            if Instant::now() >= give_up {
                return Err(format!("Stripe still owes deliveries: {q}"));
            }
        }
    }

    /// This run's deliveries: attempts, failed attempts (no answer, a non-2xx answer, or an
    /// injected fault), distinct events, events given up.
    async fn delivery_counts(&self) -> Result<DeliveryCounts, String> {
        let log = self
            .control
            .deliveries()
            .await
            .map_err(|e| format!("the delivery log: {e}"))?;
        let summary = self
            .control
            .deliveries_summary()
            .await
            .map_err(|e| format!("the delivery log: {e}"))?;
        let records = log["data"].as_array().cloned().unwrap_or_default();
        let failed = records
            .iter()
            .filter(|r| {
                !r["fault"].is_null()
                    || !r["status"]
                        .as_u64()
                        .is_some_and(|s| (200..300).contains(&s))
            })
            .count() as u64;
        let entries = summary["data"].as_array().cloned().unwrap_or_default();
        Ok(DeliveryCounts {
            attempts: records.len() as u64,
            failed,
            events: entries.len() as u64,
            given_up: entries.iter().filter(|s| s["state"] == "given_up").count() as u64,
        })
    }

    /// Ends the run: the backend up, every delivery made, the tables read, the database
    /// dropped. A failure of the run itself is reported after cleaning up.
    async fn finish(
        &self,
        databases: &TestDatabases,
        outcome: Result<(), String>,
    ) -> Result<Snapshot, String> {
        let settle = async {
            outcome?;
            self.control
                .delivery_mode(json!({"mode": "canonical", "retry_schedule": RETRY_SCHEDULE_MS}))
                .await
                .map_err(|e| format!("resetting the delivery mode: {e}"))?;
            {
                let mut backend = self.backend.lock().await;
                if !backend.is_up() {
                    backend.restart().await?;
                }
            }
            self.quiesce().await?;
            Snapshot::take(&self.pool, self.clock_start)
                .await
                .map_err(|e| format!("reading the tables: {e}"))
        }
        .await;
        self.backend.lock().await.kill().await;
        self.pool.close().await;
        if let Err(e) = databases.drop_database(&self.database).await {
            eprintln!("golive soak: could not drop {}: {e}", self.database);
        }
        settle
    }
}
