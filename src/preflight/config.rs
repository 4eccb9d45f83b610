//! §1 Configuration & environment: the backend's own start-up validation
//! (`billing::Config::from_vars`, the same rules as `billing check-config`), split into the
//! checklist's items, plus what the backend allows but the checklist does not want in
//! production: no admins, `DISABLE_AUTH=true` in a test deployment, an implicit mode, a live
//! deployment on the shared fallback mapping.

use billing::ConfigProblem;
use billing::config::redact;

use super::Check;
use super::env::Deployment;

/// The item a backend configuration problem belongs to, by its variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// `STRIPE_SECRET_KEY`, `STRIPE_MODE`, `STRIPE_WEBHOOK_SECRET`.
    Keys,
    /// `STRIPE_PLAN_PRICE_MAPPING*`.
    Mapping,
    /// `ADMIN_EMAILS`, `ADMIN_EMAIL_DOMAIN`.
    Admins,
    /// `DISABLE_AUTH`.
    Auth,
    /// Everything else the backend needs to start.
    Other,
}

fn group_of(variable: &str) -> Group {
    match variable {
        "STRIPE_SECRET_KEY" | "STRIPE_MODE" | "STRIPE_WEBHOOK_SECRET" => Group::Keys,
        v if v.starts_with("STRIPE_PLAN_PRICE_MAPPING") => Group::Mapping,
        "ADMIN_EMAILS" | "ADMIN_EMAIL_DOMAIN" => Group::Admins,
        "DISABLE_AUTH" => Group::Auth,
        _ => Group::Other,
    }
}

const KEYS: &str = "STRIPE_MODE, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET agree";
const MAPPING: &str = "The price mapping for the mode is set and valid";
const ADMINS: &str = "ADMIN_EMAILS / ADMIN_EMAIL_DOMAIN name who may use the admin tools";
const AUTH: &str = "DISABLE_AUTH is not \"true\"";
const OTHER: &str = "The backend accepts the rest of its configuration (billing check-config)";

/// The §1 checks of `d`'s environment.
pub fn checks(d: &Deployment) -> Vec<Check> {
    let problems = match billing::Config::from_vars(&d.vars) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems,
    };
    let of = |group: Group| -> Vec<&ConfigProblem> {
        problems
            .iter()
            .filter(|p| group_of(&p.variable) == group)
            .collect()
    };
    let fails = |id: &'static str, title: &str, group: Group| -> Vec<Check> {
        of(group)
            .into_iter()
            .map(|p| {
                Check::fail(
                    "1",
                    id,
                    title,
                    format!("{} {}", p.variable, p.problem),
                    &p.fix,
                )
            })
            .collect()
    };
    let mut out = Vec::new();

    // Mode, key and webhook secret.
    let keys = fails("stripe-keys", KEYS, Group::Keys);
    if keys.is_empty() {
        out.push(Check::pass(
            "1",
            "stripe-keys",
            KEYS,
            format!(
                "{} mode, STRIPE_SECRET_KEY {}, STRIPE_WEBHOOK_SECRET {}",
                d.mode_name(),
                redact(d.get("STRIPE_SECRET_KEY").unwrap_or_default()),
                redact(d.get("STRIPE_WEBHOOK_SECRET").unwrap_or_default()),
            ),
        ));
    }
    out.extend(keys);
    if d.get("STRIPE_MODE").is_none() && d.key_mode.is_some() {
        out.push(Check::warn(
            "1",
            "stripe-mode-explicit",
            "STRIPE_MODE is set explicitly",
            format!(
                "STRIPE_MODE is not set; the mode ({}) is inferred from the key",
                d.mode_name()
            ),
            format!("set STRIPE_MODE={} (recommended)", d.mode_name()),
        ));
    }

    // The mapping.
    let mapping = fails("price-mapping", MAPPING, Group::Mapping);
    if mapping.is_empty() {
        match &d.mapping {
            Some(("STRIPE_PLAN_PRICE_MAPPING", _)) => out.push(Check::warn(
                "1",
                "price-mapping",
                MAPPING,
                format!(
                    "the {} deployment uses the shared fallback STRIPE_PLAN_PRICE_MAPPING",
                    d.mode_name()
                ),
                format!(
                    "set STRIPE_PLAN_PRICE_MAPPING_{} (keep the fallback only if one mapping is shared on purpose)",
                    d.mode_name().to_ascii_uppercase()
                ),
            )),
            Some((name, _)) => out.push(Check::pass("1", "price-mapping", MAPPING, *name)),
            // The mode is unknown: its problem is reported under stripe-keys.
            None => out.push(Check::skip(
                "1",
                "price-mapping",
                MAPPING,
                "the mode is unknown",
            )),
        }
    }
    out.extend(mapping);

    // Admins.
    let admins = fails("admins", ADMINS, Group::Admins);
    if admins.is_empty() {
        let emails = d
            .get("ADMIN_EMAILS")
            .map(|v| v.split(',').filter(|e| !e.trim().is_empty()).count());
        let domain = d.get("ADMIN_EMAIL_DOMAIN");
        match (emails, domain) {
            (None | Some(0), None) => out.push(Check::fail(
                "1",
                "admins",
                ADMINS,
                "neither ADMIN_EMAILS nor ADMIN_EMAIL_DOMAIN is set: nobody can open the disputes and fraud-warning tools",
                "set ADMIN_EMAILS to the ops team's addresses (comma-separated), and/or ADMIN_EMAIL_DOMAIN to your exact domain",
            )),
            (emails, domain) => out.push(Check::pass(
                "1",
                "admins",
                ADMINS,
                format!(
                    "ADMIN_EMAILS lists {}; ADMIN_EMAIL_DOMAIN {}",
                    emails.unwrap_or(0),
                    domain.map_or("not set".to_string(), |d| format!("is {d}"))
                ),
            )),
        }
    }
    out.extend(admins);

    // Authentication.
    let auth = fails("auth", AUTH, Group::Auth);
    if auth.is_empty() {
        if matches!(d.get("DISABLE_AUTH"), Some("true") | Some("1")) {
            out.push(Check::warn(
                "1",
                "auth",
                AUTH,
                format!(
                    "DISABLE_AUTH is true in this {} deployment: anyone can act as any user",
                    d.mode_name()
                ),
                "unset DISABLE_AUTH: it is for local development only (the backend refuses it in live mode)",
            ));
        } else {
            out.push(Check::pass("1", "auth", AUTH, "authentication is on"));
        }
    }
    out.extend(auth);

    // The rest of what the backend needs to start.
    let other = fails("backend-config", OTHER, Group::Other);
    if other.is_empty() {
        out.push(Check::pass("1", "backend-config", OTHER, ""));
    }
    out.extend(other);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::Status;
    use crate::preflight::env::LoadedEnv;

    const MAPPING_JSON: &str = r#"{"basic":{"monthly":"price_b"},"pro":{"monthly":"price_p"}}"#;

    fn deployment(changes: &[(&str, Option<&str>)]) -> Deployment {
        let mut vars = crate::preflight::vars([
            ("DATABASE_URL", "postgres://u@db:5432/billing"),
            ("STRIPE_SECRET_KEY", "sk_live_SECRETPART"),
            ("STRIPE_MODE", "live"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_SECRETPART"),
            ("STRIPE_PLAN_PRICE_MAPPING_LIVE", MAPPING_JSON),
            ("JWT_SECRET", "dev"),
            ("ALLOWED_REDIRECT_ORIGINS", "https://app.example.com"),
            ("ADMIN_EMAILS", "ops@example.com"),
        ]);
        for (k, v) in changes {
            match v {
                Some(v) => vars.insert(k.to_string(), v.to_string()),
                None => vars.remove(*k),
            };
        }
        Deployment::new(
            LoadedEnv {
                vars,
                ..LoadedEnv::default()
            },
            None,
        )
    }

    fn statuses(checks: &[Check], id: &str) -> Vec<Status> {
        checks
            .iter()
            .filter(|c| c.id == id)
            .map(|c| c.status)
            .collect()
    }

    #[test]
    fn a_good_live_deployment_passes_every_item() {
        let checks = checks(&deployment(&[]));
        assert!(
            checks.iter().all(|c| c.status == Status::Pass),
            "{checks:#?}"
        );
        let keys = checks.iter().find(|c| c.id == "stripe-keys").unwrap();
        let detail = keys.detail.as_deref().unwrap();
        assert!(detail.contains("live mode") && detail.contains("sk_live_…"));
        assert!(!detail.contains("SECRETPART"), "no secret in {detail}");
    }

    #[test]
    fn a_test_webhook_secret_in_live_fails_with_the_backend_s_fix() {
        let checks = checks(&deployment(&[(
            "STRIPE_WEBHOOK_SECRET",
            Some("whsec_testSECRETPART"),
        )]));
        let fail = checks
            .iter()
            .find(|c| c.id == "stripe-keys" && c.status == Status::Fail)
            .expect("a FAIL");
        assert!(
            fail.fix
                .as_deref()
                .unwrap()
                .contains("live-mode webhook endpoint")
        );
    }

    #[test]
    fn mode_and_key_must_agree() {
        let checks = checks(&deployment(&[("STRIPE_SECRET_KEY", Some("sk_test_abc"))]));
        assert_eq!(statuses(&checks, "stripe-keys"), [Status::Fail]);
    }

    #[test]
    fn the_mapping_is_checked_and_the_fallback_warned_about() {
        let checks1 = checks(&deployment(&[(
            "STRIPE_PLAN_PRICE_MAPPING_LIVE",
            Some(r#"{"basic":{"monthly":"price_b"}}"#),
        )]));
        let fail = checks1.iter().find(|c| c.id == "price-mapping").unwrap();
        assert_eq!(fail.status, Status::Fail);
        assert!(fail.detail.as_deref().unwrap().contains("pro.monthly"));
        let checks2 = checks(&deployment(&[
            ("STRIPE_PLAN_PRICE_MAPPING_LIVE", None),
            ("STRIPE_PLAN_PRICE_MAPPING", Some(MAPPING_JSON)),
        ]));
        assert_eq!(statuses(&checks2, "price-mapping"), [Status::Warn]);
    }

    #[test]
    fn admins_must_be_named() {
        let checks1 = checks(&deployment(&[("ADMIN_EMAILS", None)]));
        assert_eq!(statuses(&checks1, "admins"), [Status::Fail]);
        let checks2 = checks(&deployment(&[
            ("ADMIN_EMAILS", None),
            ("ADMIN_EMAIL_DOMAIN", Some("example.com")),
        ]));
        assert_eq!(statuses(&checks2, "admins"), [Status::Pass]);
        let checks3 = checks(&deployment(&[("ADMIN_EMAILS", Some("not-an-address"))]));
        assert_eq!(statuses(&checks3, "admins"), [Status::Fail]);
    }

    #[test]
    fn disable_auth_fails_in_live_and_warns_in_test() {
        let live = checks(&deployment(&[("DISABLE_AUTH", Some("true"))]));
        assert_eq!(statuses(&live, "auth"), [Status::Fail]);
        let test = checks(&deployment(&[
            ("DISABLE_AUTH", Some("true")),
            ("STRIPE_MODE", Some("test")),
            ("STRIPE_SECRET_KEY", Some("sk_test_abc")),
            ("STRIPE_PLAN_PRICE_MAPPING_TEST", Some(MAPPING_JSON)),
        ]));
        assert_eq!(statuses(&test, "auth"), [Status::Warn]);
    }

    #[test]
    fn an_implicit_mode_is_a_warning() {
        let checks = checks(&deployment(&[("STRIPE_MODE", None)]));
        assert_eq!(statuses(&checks, "stripe-mode-explicit"), [Status::Warn]);
        assert_eq!(statuses(&checks, "stripe-keys"), [Status::Pass]);
    }
}
