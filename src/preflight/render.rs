//! The report as people read it (one line per check: status, checklist item, what is checked,
//! what was found, and for a FAIL or WARN the fix) and as machines read it (JSON).

use std::fmt::Write as _;

use super::{Report, Status};

/// One line per check, a heading and a closing count.
pub fn text(report: &Report) -> String {
    let d = &report.deployment;
    let mut out = format!(
        "golive preflight: {}, {} mode, Stripe API {}, database {}, public URL {}\n",
        d.environment,
        d.mode.as_deref().unwrap_or("unknown"),
        if d.stripe_api_base.is_empty() {
            "(unknown)"
        } else {
            &d.stripe_api_base
        },
        d.database.as_deref().unwrap_or("(not set)"),
        d.public_url.as_deref().unwrap_or("(not set)"),
    );
    for check in &report.checks {
        let _ = write!(
            out,
            "{}  {:<2} {}",
            check.status.label(),
            check.item,
            check.title
        );
        if let Some(detail) = &check.detail {
            let _ = write!(out, ": {detail}");
        }
        if let Some(fix) = &check.fix {
            let label = if check.status == Status::Warn {
                "Consider"
            } else {
                "Fix"
            };
            let _ = write!(out, ". {label}: {fix}");
        }
        out.push('\n');
    }
    let c = report.counts;
    let _ = writeln!(
        out,
        "preflight: {} passed, {} warnings, {} failed, {} not run — {}",
        c.pass,
        c.warn,
        c.fail,
        c.skip,
        if report.ready {
            "ready as far as these checks go"
        } else {
            "NOT ready: fix every FAIL"
        }
    );
    out
}

/// The whole report as pretty JSON: `{ready, deployment, counts, checks: [{item, id, status,
/// title, detail?, fix?}]}`.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"ready\":false,\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::{Check, Summary};

    fn report() -> Report {
        Report::new(
            Summary {
                environment: "env file deploy.env".into(),
                mode: Some("live".into()),
                stripe_api_base: "https://api.stripe.com".into(),
                database: Some("db:5432/billing".into()),
                public_url: None,
            },
            vec![
                Check::pass(
                    "1",
                    "auth",
                    "DISABLE_AUTH is not \"true\"",
                    "authentication is on",
                ),
                Check::fail(
                    "4",
                    "webhook-https",
                    "HTTPS",
                    "http://x is not HTTPS",
                    "use HTTPS",
                ),
                Check::warn("4", "webhook-events", "Events", "lacks y", "add y"),
                Check::skip("3", "tables", "Tables", "no database"),
            ],
        )
    }

    #[test]
    fn one_line_per_check_with_status_item_and_fix() {
        let text = text(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[0].contains("live mode") && lines[0].contains("db:5432/billing"));
        assert_eq!(
            lines[1],
            "PASS  1  DISABLE_AUTH is not \"true\": authentication is on"
        );
        assert_eq!(lines[2], "SKIP  3  Tables: not run: no database");
        assert_eq!(
            lines[3],
            "FAIL  4  HTTPS: http://x is not HTTPS. Fix: use HTTPS"
        );
        assert_eq!(lines[4], "WARN  4  Events: lacks y. Consider: add y");
        assert!(lines[5].contains("1 failed") && lines[5].contains("NOT ready"));
    }

    #[test]
    fn json_has_every_check_for_machines() {
        let value: serde_json::Value = serde_json::from_str(&json(&report())).unwrap();
        assert_eq!(value["ready"], false);
        assert_eq!(value["counts"]["fail"], 1);
        assert_eq!(value["checks"][2]["status"], "FAIL");
        assert_eq!(value["checks"][2]["item"], "4");
        assert_eq!(value["checks"][2]["fix"], "use HTTPS");
        assert!(value["checks"][0].get("fix").is_none());
    }
}
