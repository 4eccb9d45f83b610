//! The database and Stripe variables: `DATABASE_URL`, the key and mode, the price mapping, the
//! webhook secret and the API base.

use crate::config::problems::Reader;
use crate::config::secret::{Secret, redact};
use crate::config::settings::StripeMode;
use crate::plans::PriceMapping;

const DEFAULT_API_BASE: &str = "https://api.stripe.com";

pub(super) fn read_database_url(r: &mut Reader) -> Option<String> {
    match r.get("DATABASE_URL") {
        None => {
            r.problem(
                "DATABASE_URL",
                "is not set",
                "set it to a PostgreSQL URL, e.g. postgres://user@host:5432/billing",
            );
            None
        }
        Some(url) if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
            r.problem(
                "DATABASE_URL",
                "is not a PostgreSQL URL",
                "use the form postgres://user:password@host:5432/database",
            );
            None
        }
        Some(url) => Some(url.to_string()),
    }
}

pub(super) fn read_key_and_mode(r: &mut Reader) -> (Option<Secret>, Option<StripeMode>) {
    let mut mode_valid = true;
    let declared = match r.get("STRIPE_MODE") {
        None => None,
        Some("test") => Some(StripeMode::Test),
        Some("live") => Some(StripeMode::Live),
        Some(other) => {
            let other = other.chars().take(20).collect::<String>();
            r.problem(
                "STRIPE_MODE",
                format!("`{other}` is not a mode"),
                "set it to `test` or `live`, or unset it to infer the mode from STRIPE_SECRET_KEY",
            );
            mode_valid = false;
            None
        }
    };
    let Some(key) = r.get("STRIPE_SECRET_KEY").map(str::to_string) else {
        r.problem(
            "STRIPE_SECRET_KEY",
            "is not set",
            "set it to the account's secret key (sk_test_… or sk_live_…, or a restricted rk_… key)",
        );
        return (None, declared.filter(|_| mode_valid));
    };
    let Some(key_mode) = StripeMode::of_key(&key) else {
        r.problem(
            "STRIPE_SECRET_KEY",
            format!(
                "`{}` is not a Stripe secret key (expected sk_test_…, sk_live_…, rk_test_… or rk_live_…)",
                redact(&key)
            ),
            "copy the secret key from the Stripe Dashboard (Developers → API keys)",
        );
        return (None, declared);
    };
    let shown = redact(&key);
    let key = Some(Secret::new(key));
    match declared {
        _ if !mode_valid => (key, None),
        Some(mode) if mode != key_mode => {
            r.problem(
                "STRIPE_MODE",
                format!(
                    "is `{}` but STRIPE_SECRET_KEY is a {} key ({shown})",
                    mode.as_str(),
                    key_mode.as_str(),
                ),
                format!(
                    "use a {} key, or set STRIPE_MODE={} (or unset it)",
                    mode.as_str(),
                    key_mode.as_str()
                ),
            );
            (key, None)
        }
        _ => (key, Some(key_mode)),
    }
}

pub(super) fn read_mapping(
    r: &mut Reader,
    mode: Option<StripeMode>,
) -> Option<(PriceMapping, &'static str)> {
    let candidates: Vec<&'static str> = match mode {
        Some(StripeMode::Test) => vec![
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            "STRIPE_PLAN_PRICE_MAPPING",
        ],
        Some(StripeMode::Live) => vec![
            "STRIPE_PLAN_PRICE_MAPPING_LIVE",
            "STRIPE_PLAN_PRICE_MAPPING",
        ],
        // Mode unknown (already reported): still validate whatever mappings are set.
        None => {
            for name in [
                "STRIPE_PLAN_PRICE_MAPPING_TEST",
                "STRIPE_PLAN_PRICE_MAPPING_LIVE",
                "STRIPE_PLAN_PRICE_MAPPING",
            ] {
                if let Some(json) = r.get(name).map(str::to_string) {
                    parse_mapping(r, name, &json);
                }
            }
            return None;
        }
    };
    let Some((name, json)) = candidates
        .iter()
        .find_map(|n| r.get(n).map(|j| (*n, j.to_string())))
    else {
        let own = candidates[0];
        r.problem(
            own,
            "no price mapping is set for this mode (nor STRIPE_PLAN_PRICE_MAPPING)",
            format!(
                "set {own} to JSON such as {{\"basic\":{{\"monthly\":\"price_…\"}},\"pro\":{{\"monthly\":\"price_…\"}}}}"
            ),
        );
        return None;
    };
    parse_mapping(r, name, &json).map(|m| (m, name))
}

fn parse_mapping(r: &mut Reader, name: &'static str, json: &str) -> Option<PriceMapping> {
    match PriceMapping::parse(json) {
        Ok(m) => Some(m),
        Err(problems) => {
            for p in problems {
                r.problem(
                    name,
                    p,
                    "map tiers free|basic|pro|enterprise to cycles monthly|yearly with distinct price_… ids; basic.monthly and pro.monthly are required",
                );
            }
            None
        }
    }
}

pub(super) fn read_webhook_secret(r: &mut Reader, mode: Option<StripeMode>) -> Option<Secret> {
    match r.get("STRIPE_WEBHOOK_SECRET").map(str::to_string) {
        None => {
            r.problem(
                "STRIPE_WEBHOOK_SECRET",
                "is not set; webhooks cannot be verified, so the service will not accept them",
                "set it to the endpoint's signing secret (whsec_…) shown when the webhook endpoint was created",
            );
            None
        }
        Some(s) if !s.starts_with("whsec_") || s.len() == "whsec_".len() => {
            r.problem(
                "STRIPE_WEBHOOK_SECRET",
                format!("`{}` is not a webhook signing secret (whsec_…)", redact(&s)),
                "use the endpoint's signing secret, which starts with whsec_",
            );
            None
        }
        // Stripe CLI / test endpoints are often given `whsec_test…` secrets by convention; in
        // live mode such a secret means test configuration leaked into production.
        Some(s) if mode == Some(StripeMode::Live) && s.starts_with("whsec_test") => {
            r.problem(
                "STRIPE_WEBHOOK_SECRET",
                "looks like a test-mode secret (whsec_test…) while Stripe is in live mode",
                "use the signing secret of the live-mode webhook endpoint",
            );
            None
        }
        Some(s) => Some(Secret::new(s)),
    }
}

pub(super) fn read_api_base(r: &mut Reader) -> Option<String> {
    let base = r
        .get("STRIPE_API_BASE")
        .unwrap_or(DEFAULT_API_BASE)
        .to_string();
    if base.starts_with("https://") || base.starts_with("http://") {
        Some(base.trim_end_matches('/').to_string())
    } else {
        r.problem(
            "STRIPE_API_BASE",
            "is not an http(s) URL",
            "unset it for https://api.stripe.com, or point it at a simulator such as http://127.0.0.1:12111",
        );
        None
    }
}
