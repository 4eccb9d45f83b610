//! The configuration's unit tests: every variable's problems and fixes.

use super::*;
use crate::server::ServerLimits;

const MAPPING: &str =
    r#"{"basic":{"monthly":"price_bm","yearly":"price_by"},"pro":{"monthly":"price_pm"}}"#;

fn base() -> Vec<(&'static str, String)> {
    vec![
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/x".into(),
        ),
        ("STRIPE_SECRET_KEY", "sk_test_abcdefSECRETPART".into()),
        ("STRIPE_WEBHOOK_SECRET", "whsec_SECRETPARTxyz".into()),
        ("STRIPE_PLAN_PRICE_MAPPING_TEST", MAPPING.into()),
        ("JWT_SECRET", "jwt-SECRETPART".into()),
        (
            "ALLOWED_REDIRECT_ORIGINS",
            "https://app.example.com, http://localhost:3000/".into(),
        ),
    ]
}

fn with(changes: &[(&'static str, Option<&str>)]) -> Result<Config, ConfigError> {
    let mut vars = base();
    for (k, v) in changes {
        vars.retain(|(n, _)| n != k);
        if let Some(v) = v {
            vars.push((k, v.to_string()));
        }
    }
    Config::from_vars(vars)
}

fn problems(changes: &[(&'static str, Option<&str>)]) -> Vec<ConfigProblem> {
    match with(changes) {
        Ok(_) => panic!("expected problems for {changes:?}"),
        Err(e) => {
            let text = e.to_string();
            assert!(!text.contains("SECRETPART"), "secret leaked: {text}");
            e.problems
        }
    }
}

fn has(ps: &[ConfigProblem], var: &str, needle: &str) -> bool {
    ps.iter()
        .any(|p| p.variable == var && p.problem.contains(needle))
}

#[test]
fn good_config_parses() {
    let c = with(&[]).unwrap();
    assert_eq!(c.stripe.mode, StripeMode::Test);
    assert_eq!(c.stripe.api_base, "https://api.stripe.com");
    assert_eq!(
        c.stripe.price_mapping_source,
        "STRIPE_PLAN_PRICE_MAPPING_TEST"
    );
    assert_eq!(
        c.allowed_redirect_origins,
        vec!["https://app.example.com", "http://localhost:3000"]
    );
    assert!(matches!(c.auth, AuthConfig::Hs256 { .. }));
    assert!(!format!("{c:?}").contains("SECRETPART"));
}

#[test]
fn mode_is_inferred_and_mismatch_is_refused() {
    let c = with(&[
        ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
        ("STRIPE_PLAN_PRICE_MAPPING_LIVE", Some(MAPPING)),
    ])
    .unwrap();
    assert_eq!(c.stripe.mode, StripeMode::Live);
    assert_eq!(
        c.stripe.price_mapping_source,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE"
    );
    let ps = problems(&[("STRIPE_MODE", Some("live"))]);
    assert!(has(
        &ps,
        "STRIPE_MODE",
        "is `live` but STRIPE_SECRET_KEY is a test key (sk_test_…)"
    ));
    let ps = problems(&[("STRIPE_MODE", Some("Test"))]);
    assert!(has(&ps, "STRIPE_MODE", "not a mode"));
    // The key is still checked when the mode is invalid.
    let ps = problems(&[
        ("STRIPE_MODE", Some("Test")),
        ("STRIPE_SECRET_KEY", Some("xyz")),
    ]);
    assert!(has(&ps, "STRIPE_SECRET_KEY", "not a Stripe secret key"));
    assert!(with(&[("STRIPE_MODE", Some("test"))]).is_ok());
}

#[test]
fn key_is_required_and_must_look_like_a_key() {
    let ps = problems(&[("STRIPE_SECRET_KEY", None)]);
    assert!(has(&ps, "STRIPE_SECRET_KEY", "not set"));
    let ps = problems(&[("STRIPE_SECRET_KEY", Some("pk_test_SECRETPART"))]);
    assert!(has(&ps, "STRIPE_SECRET_KEY", "not a Stripe secret key"));
    assert!(with(&[("STRIPE_SECRET_KEY", Some("rk_test_SECRETPART"))]).is_ok());
}

#[test]
fn mapping_falls_back_and_errors_name_the_key() {
    let c = with(&[
        ("STRIPE_PLAN_PRICE_MAPPING_TEST", None),
        ("STRIPE_PLAN_PRICE_MAPPING", Some(MAPPING)),
    ])
    .unwrap();
    assert_eq!(c.stripe.price_mapping_source, "STRIPE_PLAN_PRICE_MAPPING");
    // The mode's own mapping wins over the fallback.
    let c = with(&[("STRIPE_PLAN_PRICE_MAPPING", Some("not json"))]).unwrap();
    assert_eq!(c.stripe.price_mapping.len(), 3);
    let ps = problems(&[("STRIPE_PLAN_PRICE_MAPPING_TEST", None)]);
    assert!(has(
        &ps,
        "STRIPE_PLAN_PRICE_MAPPING_TEST",
        "no price mapping"
    ));
    let ps = problems(&[(
        "STRIPE_PLAN_PRICE_MAPPING_TEST",
        Some(r#"{"basic":{"monthly":"price_1"},"pro":{"monthly":"price_1"}}"#),
    )]);
    assert!(has(
        &ps,
        "STRIPE_PLAN_PRICE_MAPPING_TEST",
        "`pro.monthly` repeats"
    ));
    let ps = problems(&[(
        "STRIPE_PLAN_PRICE_MAPPING_TEST",
        Some(r#"{"basic":{"yearly":"price_1"},"pro":{"monthly":"price_2"}}"#),
    )]);
    assert!(has(
        &ps,
        "STRIPE_PLAN_PRICE_MAPPING_TEST",
        "`basic.monthly` is required"
    ));
}

#[test]
fn webhook_secret_is_required() {
    let ps = problems(&[("STRIPE_WEBHOOK_SECRET", None)]);
    assert!(has(&ps, "STRIPE_WEBHOOK_SECRET", "not set"));
    let ps = problems(&[("STRIPE_WEBHOOK_SECRET", Some("sk_test_SECRETPART"))]);
    assert!(has(
        &ps,
        "STRIPE_WEBHOOK_SECRET",
        "not a webhook signing secret"
    ));
}

#[test]
fn auth_rules() {
    let ps = problems(&[("JWT_SECRET", None)]);
    assert!(has(&ps, "JWT_SECRET", "not set"));
    let c = with(&[("JWT_SECRET", None), ("DISABLE_AUTH", Some("true"))]).unwrap();
    assert!(matches!(c.auth, AuthConfig::Disabled));
    let ps = problems(&[
        ("DISABLE_AUTH", Some("true")),
        ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
        ("STRIPE_PLAN_PRICE_MAPPING_LIVE", Some(MAPPING)),
    ]);
    assert!(has(&ps, "DISABLE_AUTH", "live"));
    // Also when the mode itself is in conflict.
    let ps = problems(&[
        ("DISABLE_AUTH", Some("true")),
        ("STRIPE_MODE", Some("test")),
        ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
    ]);
    assert!(has(&ps, "DISABLE_AUTH", "live"));
    let ps = problems(&[("DISABLE_AUTH", Some("yes please"))]);
    assert!(has(&ps, "DISABLE_AUTH", "neither"));
}

#[test]
fn rs256_needs_jwks_and_issuer() {
    let c = with(&[
        ("JWT_SECRET", None),
        (
            "JWKS_URL",
            Some("https://idp.example.com/.well-known/jwks.json"),
        ),
        ("JWT_ISSUER", Some("https://idp.example.com")),
    ])
    .unwrap();
    assert!(matches!(c.auth, AuthConfig::Rs256 { .. }));
    let ps = problems(&[("JWKS_URL", Some("https://idp.example.com/jwks"))]);
    assert!(has(&ps, "JWT_ISSUER", "not set"));
    let ps = problems(&[("JWT_ISSUER", Some("https://idp.example.com"))]);
    assert!(has(&ps, "JWKS_URL", "not set"));
    let ps = problems(&[
        ("JWKS_URL", Some("ftp://x")),
        ("JWT_ISSUER", Some("https://idp.example.com")),
    ]);
    assert!(has(&ps, "JWKS_URL", "http"));
}

#[test]
fn live_mode_refuses_a_test_webhook_secret() {
    let ps = problems(&[
        ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
        ("STRIPE_PLAN_PRICE_MAPPING_LIVE", Some(MAPPING)),
        ("STRIPE_WEBHOOK_SECRET", Some("whsec_testSECRETPART")),
    ]);
    assert!(has(&ps, "STRIPE_WEBHOOK_SECRET", "test-mode"));
    assert!(with(&[("STRIPE_WEBHOOK_SECRET", Some("whsec_testSECRETPART"))]).is_ok());
}

#[test]
fn rate_limits_and_alerts_are_configurable_and_checked() {
    let c = with(&[]).unwrap();
    assert_eq!(c.rate_limits.checkout_per_minute, 10);
    assert_eq!(c.rate_limits.window_secs, 60);
    assert_eq!(c.database_max_connections, 20);
    assert_eq!(c.alerts.webhook_url, None);
    let c = with(&[
        ("CHECKOUT_RATE_LIMIT_PER_MINUTE", Some("3")),
        ("RATE_LIMIT_WINDOW_SECS", Some("2")),
        ("DATABASE_MAX_CONNECTIONS", Some("32")),
        ("ALERT_WEBHOOK_URL", Some("https://hooks.example.com/x")),
        ("ALERT_DISPUTE_THRESHOLD", Some("5")),
        ("ALERT_WINDOW_SECONDS", Some("60")),
    ])
    .unwrap();
    assert_eq!(c.rate_limits.checkout_per_minute, 3);
    assert_eq!(c.rate_limits.window_secs, 2);
    assert_eq!(c.database_max_connections, 32);
    assert_eq!(c.alerts.dispute_threshold, 5);
    assert_eq!(c.alerts.window_secs, 60);
    let ps = problems(&[
        ("CHECKOUT_RATE_LIMIT_PER_MINUTE", Some("0")),
        ("ALERT_WEBHOOK_URL", Some("hooks")),
        ("ALERT_EFW_THRESHOLD", Some("many")),
        ("RATE_LIMIT_WINDOW_SECS", Some("0")),
        ("DATABASE_MAX_CONNECTIONS", Some("lots")),
    ]);
    assert!(has(&ps, "CHECKOUT_RATE_LIMIT_PER_MINUTE", "whole number"));
    assert!(has(&ps, "RATE_LIMIT_WINDOW_SECS", "whole number"));
    assert!(has(&ps, "DATABASE_MAX_CONNECTIONS", "whole number"));
    assert!(has(&ps, "ALERT_WEBHOOK_URL", "http"));
    assert!(has(&ps, "ALERT_EFW_THRESHOLD", "whole number"));
}

#[test]
fn server_limits_have_defaults_and_are_checked() {
    let c = with(&[]).unwrap();
    assert_eq!(c.server, ServerLimits::default());
    assert_eq!(c.server.header_read.as_secs(), 10);
    assert_eq!(c.server.max_connections, 1024);
    assert_eq!(c.jwt_max_lifetime_secs, 86_400);
    let c = with(&[
        ("BILLING_HEADER_READ_TIMEOUT_SECS", Some("2")),
        ("BILLING_MAX_CONNECTIONS", Some("16")),
    ])
    .unwrap();
    assert_eq!(c.server.header_read.as_secs(), 2);
    assert_eq!(c.server.max_connections, 16);
    let ps = problems(&[
        ("BILLING_HEADER_READ_TIMEOUT_SECS", Some("0")),
        ("BILLING_BODY_READ_TIMEOUT_SECS", Some("10s")),
        ("BILLING_KEEP_ALIVE_TIMEOUT_SECS", Some("-1")),
        ("BILLING_MAX_CONNECTIONS", Some("lots")),
        ("JWT_MAX_LIFETIME_SECS", Some("0")),
    ]);
    for v in [
        "BILLING_HEADER_READ_TIMEOUT_SECS",
        "BILLING_BODY_READ_TIMEOUT_SECS",
        "BILLING_KEEP_ALIVE_TIMEOUT_SECS",
        "BILLING_MAX_CONNECTIONS",
        "JWT_MAX_LIFETIME_SECS",
    ] {
        assert!(has(&ps, v, "whole number"), "{v}: {ps:?}");
    }
}

#[test]
fn database_url_and_origins_are_required() {
    let ps = problems(&[("DATABASE_URL", None)]);
    assert!(has(&ps, "DATABASE_URL", "not set"));
    let ps = problems(&[("ALLOWED_REDIRECT_ORIGINS", None)]);
    assert!(has(&ps, "ALLOWED_REDIRECT_ORIGINS", "not set"));
    let ps = problems(&[(
        "ALLOWED_REDIRECT_ORIGINS",
        Some("https://a.example.com/path"),
    )]);
    assert!(has(&ps, "ALLOWED_REDIRECT_ORIGINS", "not an origin"));
    let ps = problems(&[("STRIPE_API_BASE", Some("ftp://x"))]);
    assert!(has(&ps, "STRIPE_API_BASE", "http"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = Config::from_vars(Vec::<(String, String)>::new()).unwrap_err();
    let vars: Vec<_> = err.problems.iter().map(|p| p.variable.as_str()).collect();
    for v in [
        "DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "JWT_SECRET",
        "ALLOWED_REDIRECT_ORIGINS",
    ] {
        assert!(vars.contains(&v), "{v} missing from {vars:?}");
    }
    for line in err.to_string().lines() {
        assert!(line.contains(": ") && line.contains(". Fix: "), "{line}");
    }
}

#[test]
fn admin_rules() {
    let c = with(&[
        ("ADMIN_EMAILS", Some(" Ops@Example.com , b@x.io")),
        ("ADMIN_EMAIL_DOMAIN", Some("example.com")),
    ])
    .unwrap();
    assert!(c.admin.is_admin("ops@example.com"));
    assert!(c.admin.is_admin("B@X.IO"));
    assert!(c.admin.is_admin("anyone@example.com"));
    assert!(!c.admin.is_admin("a@ops.example.com"));
    assert!(!c.admin.is_admin("a@example.com.evil"));
}

#[test]
fn redirect_urls_must_be_within_origins() {
    let o = vec![
        "https://app.example.com".to_string(),
        "http://localhost:3000".to_string(),
    ];
    assert!(url_within_origins("https://app.example.com/ok?x=1", &o));
    assert!(url_within_origins("HTTPS://APP.example.com", &o));
    assert!(url_within_origins("http://localhost:3000/done", &o));
    assert!(!url_within_origins("http://localhost:3001/done", &o));
    assert!(!url_within_origins(
        "https://app.example.com.evil.net/x",
        &o
    ));
    assert!(!url_within_origins(
        "https://app.example.com@evil.net/x",
        &o
    ));
    assert!(!url_within_origins("http://app.example.com/x", &o));
    assert!(!url_within_origins("javascript:alert(1)", &o));
}

#[test]
fn redaction_shows_prefix_only() {
    assert_eq!(redact("sk_test_123"), "sk_test_…");
    assert_eq!(redact("whsec_abc"), "whsec_…");
    assert_eq!(redact("hunter2"), "…");
    assert_eq!(
        format!("{:?}", Secret::new("sk_live_x")),
        "Secret(sk_live_…)"
    );
}
