//! The `stripe-test` target's code path, proven without reaching Stripe: the same run
//! `golive run --target stripe-test` makes — one test-mode account, one catalog, one backend
//! started here with its webhook endpoint registered through the API, only `@smoke` scenarios —
//! pointed at a simulator through `STRIPE_API_BASE` instead of api.stripe.com.

use golive::results::ScenarioStatus;
use golive::runner::{RunOptions, run};
use golive::steps::target::{StagingBackend, StripeTest, Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_scenarios_pass_against_a_stripe_api_and_the_others_are_skipped_with_a_reason() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stripe = stripe_sim::start(listener, stripe_sim::SimOptions::default())
        .await
        .unwrap();
    let target = Target::StripeTest(StripeTest {
        api_base: stripe.base_url.clone(),
        secret_key: format!(
            "sk_test_stagingrun{}",
            golive::steps::actors::random_suffix()
        ),
        backend: StagingBackend::Local {
            listen: "127.0.0.1:0".parse().unwrap(),
            // Stripe (here the simulator) reaches the backend at its own address.
            public_url: None,
            webhook_secret: None,
        },
    });
    let (outcome, results) = run(RunOptions {
        target,
        ..RunOptions::default()
    })
    .await
    .expect("the stripe-test environment starts");
    stripe.shutdown().await;

    let failures: Vec<_> = results
        .iter()
        .filter(|r| matches!(r.status, ScenarioStatus::Failed { .. }))
        .collect();
    assert!(
        failures.is_empty(),
        "failed against the stripe-test target: {failures:#?}"
    );
    assert!(outcome.passed > 0, "no scenario ran: {outcome:?}");
    for result in &results {
        let smoke = result.tags.iter().any(|t| t == "smoke");
        let sim_only = result.tags.iter().any(|t| t == "sim-only");
        match &result.status {
            ScenarioStatus::Passed => assert!(
                smoke && !sim_only,
                "{} ran but is not a smoke scenario",
                result.scenario
            ),
            ScenarioStatus::Skipped { reason } => {
                assert!(
                    !smoke || sim_only,
                    "{} is a smoke scenario but was skipped",
                    result.scenario
                );
                assert!(!reason.is_empty());
            }
            ScenarioStatus::Failed { .. } => unreachable!("checked above"),
        }
    }
    assert!(
        outcome.skipped > 0,
        "the @sim-only scenarios should be skipped: {outcome:?}"
    );
}
