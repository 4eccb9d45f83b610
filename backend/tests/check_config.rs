//! `billing check-config` prints every configuration problem at once and exits non-zero; with a
//! valid configuration it exits zero. Runs the real binary with a controlled environment.

use std::process::Command;

fn run(vars: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_billing"))
        .arg("check-config")
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn every_problem_is_printed_and_the_exit_code_is_non_zero() {
    let (ok, _, err) = run(&[
        ("STRIPE_SECRET_KEY", "sk_live_SECRETPART"),
        ("STRIPE_MODE", "test"),
        (
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            r#"{"basic":{"monthly":"price_1"},"pro":{"monthly":"price_1"},"gold":{"monthly":"price_2"}}"#,
        ),
        ("DISABLE_AUTH", "true"),
        ("CHECKOUT_RATE_LIMIT_PER_MINUTE", "0"),
    ]);
    assert!(!ok);
    for needle in [
        "DATABASE_URL: is not set",
        "STRIPE_MODE: is `test` but STRIPE_SECRET_KEY is a live key",
        "STRIPE_WEBHOOK_SECRET: is not set",
        "STRIPE_PLAN_PRICE_MAPPING_TEST:",
        "DISABLE_AUTH:",
        "ALLOWED_REDIRECT_ORIGINS: is not set",
        "CHECKOUT_RATE_LIMIT_PER_MINUTE:",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
    assert!(
        err.lines().filter(|l| l.contains(". Fix: ")).count() >= 7,
        "{err}"
    );
    assert!(!err.contains("SECRETPART"), "a secret was printed:\n{err}");
}

#[test]
fn a_valid_configuration_passes() {
    let (ok, out, err) = run(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/billing"),
        ("STRIPE_SECRET_KEY", "sk_test_SECRETPART"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_SECRETPART"),
        (
            "STRIPE_PLAN_PRICE_MAPPING",
            r#"{"basic":{"monthly":"price_1"},"pro":{"monthly":"price_2"}}"#,
        ),
        (
            "JWKS_URL",
            "https://clerk.example.com/.well-known/jwks.json",
        ),
        ("JWT_ISSUER", "https://clerk.example.com"),
        ("ALLOWED_REDIRECT_ORIGINS", "https://app.example.com"),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("configuration OK"), "{out}");
    assert!(!out.contains("SECRETPART"));
}
