//! One run of the soak's plan: its own Stripe account, database and backend, prepared as a
//! deployment would be; the plan driven phase by phase (with the fault schedule's delivery
//! modes and backend kills when faulty); and the finish: everything delivered, the tables read.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use stripe_sim::client::{Control, Stripe};

use super::SoakOptions;
use super::backend::KillableBackend;
use super::error::SoakError;
use super::plan::{BatchFaults, Flow, FlowKind, Plan};
use super::snapshot::Snapshot;
use crate::steps::actors::{Actor, random_suffix};
use crate::steps::backend_under_test::{
    DeploymentVars, WEBHOOK_EVENTS, WEBHOOK_PATH, deployment_vars,
};
use crate::steps::catalog::PlansOnSale;
use crate::steps::database::TestDatabases;

/// How long the soak waits for the simulator to have delivered everything.
const QUIESCE_DEADLINE: Duration = Duration::from_secs(600);
/// One wait of the simulator's quiescence call: shorter than the HTTP client's timeout.
const QUIESCE_STEP_MS: u64 = 10_000;
/// Webhook retry delays for the soak's account: long enough to outlast a restart.
const RETRY_SCHEDULE_MS: [u64; 10] = [100, 200, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000];

/// What the simulator's delivery log says about one run.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct DeliveryCounts {
    pub(super) attempts: u64,
    pub(super) failed: u64,
    pub(super) events: u64,
    pub(super) given_up: u64,
}

/// One run of the plan: its own Stripe account, database and backend.
pub(super) struct Run {
    pub(super) control: Control,
    pub(super) http: reqwest::Client,
    pub(super) backend: tokio::sync::Mutex<KillableBackend>,
    pub(super) base_url: String,
    pub(super) pool: PgPool,
    pub(super) database: String,
    pub(super) jwt_secret: String,
    pub(super) admin: Actor,
    pub(super) clock_start: i64,
    pub(super) concurrency: usize,
}

impl Run {
    pub(super) async fn prepare(
        databases: &TestDatabases,
        stripe_api_base: &str,
        options: &SoakOptions,
    ) -> Result<Run, SoakError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(SoakError::Http)?;
        let key = format!("sk_test_soak{}{}", random_suffix(), random_suffix());
        let stripe = Stripe::new(http.clone(), stripe_api_base, &key);
        let control = stripe.control();
        control
            .delivery_mode(json!({"mode": "canonical", "retry_schedule": RETRY_SCHEDULE_MS}))
            .await
            .map_err(SoakError::stripe("setting the retry schedule"))?;
        let clock_start = control
            .clock()
            .await
            .map_err(SoakError::stripe("the simulator's clock"))?["now"]
            .as_i64()
            .unwrap_or_default();
        let plans = PlansOnSale::create(
            &stripe,
            &["basic".to_string(), "pro".to_string()],
            &["monthly".to_string(), "yearly".to_string()],
        )
        .await
        .map_err(SoakError::stripe("putting the plans on sale"))?;
        let database = databases.create_scenario_database().await?;
        let database_url = databases.url_of(&database);
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(SoakError::io("the backend could not listen"))?;
        let address = listener
            .local_addr()
            .map_err(SoakError::io("the backend's listener has no address"))?;
        let (_, secret) = stripe
            .create_webhook_endpoint(&format!("http://{address}{WEBHOOK_PATH}"), WEBHOOK_EVENTS)
            .await
            .map_err(SoakError::stripe("registering the webhook endpoint"))?;
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
        let config = billing::Config::from_vars(&vars).map_err(SoakError::Config)?;
        let backend = KillableBackend::start(config, listener).await?;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(&database_url)
            .await
            .map_err(SoakError::sql("the backend's database"))?;
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
    pub(super) async fn execute(&self, plan: &Plan, faults: bool) -> Result<(), SoakError> {
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
    ) -> Result<(), SoakError>
    where
        F: Fn(&'a Flow) -> Fut,
        Fut: std::future::Future<Output = Result<(), SoakError>> + 'a,
    {
        if let Some(f) = faults {
            self.set_mode(f, flows.first().map(|f| f.index as u64).unwrap_or(0))
                .await?;
        }
        let kill_after = faults.and_then(|f| f.kill_after);
        let started = std::sync::atomic::AtomicUsize::new(0);
        let started = &started;
        let act = &act;
        let results: Vec<Result<(), SoakError>> = futures::stream::iter(flows.iter())
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

    async fn set_mode(&self, f: &BatchFaults, seed: u64) -> Result<(), SoakError> {
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
            .map_err(SoakError::stripe(format!(
                "setting delivery mode {}",
                f.mode
            )))
    }

    /// Kills the backend and starts it again.
    pub(super) async fn restart(&self) -> Result<(), SoakError> {
        let mut backend = self.backend.lock().await;
        Ok(backend.restart().await?)
    }

    /// A month (and the invoice's finalisation) passes: renewals are charged.
    async fn month_passes(&self) -> Result<(), SoakError> {
        self.quiesce().await?;
        let now = self
            .control
            .clock()
            .await
            .map_err(SoakError::stripe("the clock"))?["now"]
            .as_i64()
            .unwrap_or_default();
        self.control
            .advance_to(now + 32 * 86_400)
            .await
            .map(|_| ())
            .map_err(SoakError::stripe("moving time"))
    }

    /// Waits until Stripe owes no delivery.
    async fn quiesce(&self) -> Result<(), SoakError> {
        let give_up = Instant::now() + QUIESCE_DEADLINE;
        loop {
            let q = self
                .control
                .quiesce(QUIESCE_STEP_MS)
                .await
                .map_err(SoakError::stripe("quiescence"))?;
            if q["quiescent"] == true {
                return Ok(());
            }
            if Instant::now() >= give_up {
                return Err(SoakError::StillOwed(q));
            }
        }
    }

    /// This run's deliveries: attempts, failed attempts (no answer, a non-2xx answer, or an
    /// injected fault), distinct events, events given up.
    pub(super) async fn delivery_counts(&self) -> Result<DeliveryCounts, SoakError> {
        let log = self
            .control
            .deliveries()
            .await
            .map_err(SoakError::stripe("the delivery log"))?;
        let summary = self
            .control
            .deliveries_summary()
            .await
            .map_err(SoakError::stripe("the delivery log"))?;
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
    pub(super) async fn finish(
        &self,
        databases: &TestDatabases,
        outcome: Result<(), SoakError>,
    ) -> Result<Snapshot, SoakError> {
        let settle = async {
            outcome?;
            self.control
                .delivery_mode(json!({"mode": "canonical", "retry_schedule": RETRY_SCHEDULE_MS}))
                .await
                .map_err(SoakError::stripe("resetting the delivery mode"))?;
            {
                let mut backend = self.backend.lock().await;
                if !backend.is_up() {
                    backend.restart().await?;
                }
            }
            self.quiesce().await?;
            Snapshot::take(&self.pool, self.clock_start)
                .await
                .map_err(SoakError::sql("reading the tables"))
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
