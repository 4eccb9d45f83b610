//! Steps that run the preflight and check what it says: pass or fail, item by item, line by
//! line.

use std::time::Duration;

use cucumber::{then, when};

use super::deployment;
use crate::preflight::env::EnvSource;
use crate::preflight::{self, Options, Report, Status, render};
use crate::steps::parameters::{Dependency, Items};
use crate::steps::world::Rehearsal;

/// `When ops run the preflight`: `golive preflight` on the deployment (its env file if it has
/// one, its source tree if it has one).
#[when(expr = "ops run the preflight")]
async fn run_preflight(world: &mut Rehearsal) {
    let d = deployment(world);
    let options = Options {
        env: match &d.env_file {
            Some(file) => EnvSource::File(file.clone()),
            None => EnvSource::Vars(d.vars.clone()),
        },
        sources: d.source.iter().cloned().collect(),
        public_url: None,
        timeout: Duration::from_secs(10),
    };
    d.report = Some(preflight::run(&options).await);
}

fn shown(report: &Report) -> String {
    render::text(report)
}

/// `Then the preflight passes`: no FAIL (warnings allowed), so its exit code is 0.
#[then(expr = "the preflight passes")]
fn preflight_passes(world: &mut Rehearsal) {
    let report = deployment(world).report();
    assert!(
        report.ready,
        "the preflight should pass; it said:\n{}",
        shown(report)
    );
}

/// `Then the preflight fails`: at least one FAIL, so its exit code is non-zero.
#[then(expr = "the preflight fails")]
fn preflight_fails(world: &mut Rehearsal) {
    let report = deployment(world).report();
    assert!(
        !report.ready,
        "the preflight should fail; it said:\n{}",
        shown(report)
    );
}

/// `Then the preflight passes items 1, 2, 3 and 4`: every check of those checklist items is
/// PASS.
#[then(expr = "the preflight passes item(s) {items}")]
fn preflight_passes_items(world: &mut Rehearsal, items: Items) {
    let report = deployment(world).report();
    for item in items.replace(" and ", ", ").split(", ") {
        let checks: Vec<_> = report.item(item).collect();
        assert!(
            !checks.is_empty() && checks.iter().all(|c| c.status == Status::Pass),
            "every check of item {item} should pass; the preflight said:\n{}",
            shown(report)
        );
    }
}

fn find_line(world: &mut Rehearsal, status: Status, item: &str, fix: Option<&str>, text: &str) {
    let report = deployment(world).report();
    let found = report.item(item).any(|c| {
        c.status == status
            && match fix {
                Some(fix) => c.fix.as_deref().is_some_and(|f| f.contains(fix)),
                None => {
                    c.title.contains(text) || c.detail.as_deref().is_some_and(|d| d.contains(text))
                }
            }
    });
    assert!(
        found,
        "expected a {} line for item {item} with {}; the preflight said:\n{}",
        status.label(),
        match fix {
            Some(fix) => format!("the fix {fix:?}"),
            None => format!("{text:?}"),
        },
        shown(report)
    );
}

/// `Then the preflight fails item 1 with the fix "use the signing secret of the live-mode
/// webhook endpoint"`: a FAIL line of that item whose fix says this.
#[then(expr = "the preflight fails item {int} with the fix {string}")]
fn fails_with_fix(world: &mut Rehearsal, item: String, fix: String) {
    find_line(world, Status::Fail, &item, Some(&fix), "");
}

/// `Then the preflight fails item 3 naming "fraud_warnings"`: a FAIL line of that item that
/// names it.
#[then(expr = "the preflight fails item {int} naming {string}")]
fn fails_naming(world: &mut Rehearsal, item: String, text: String) {
    find_line(world, Status::Fail, &item, None, &text);
}

/// `Then the preflight warns on item 4 naming "radar.early_fraud_warning.updated"`.
#[then(expr = "the preflight warns on item {int} naming {string}")]
fn warns_naming(world: &mut Rehearsal, item: String, text: String) {
    find_line(world, Status::Warn, &item, None, &text);
}

/// `Then the preflight shows exactly one failure, naming "cannot be reached"`: one clear FAIL
/// line with the cause (bad input never cascades into a wall of failures).
#[then(expr = "the preflight shows exactly one failure, naming {string}")]
fn exactly_one_failure(world: &mut Rehearsal, text: String) {
    let report = deployment(world).report();
    let fails: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .collect();
    assert!(
        fails.len() == 1
            && (fails[0].title.contains(&text)
                || fails[0]
                    .detail
                    .as_deref()
                    .is_some_and(|d| d.contains(&text))),
        "expected exactly one FAIL naming {text:?}; the preflight said:\n{}",
        shown(report)
    );
}

/// `Then the checks that need Stripe are reported as not run` (or `… need the database …`):
/// each is a SKIP line saying why, none a PASS.
#[then(expr = "the checks that need {dependency} are reported as not run")]
fn dependent_checks_not_run(world: &mut Rehearsal, part: Dependency) {
    let report = deployment(world).report();
    let ids: &[&str] = if part == "Stripe" {
        &["price", "webhook-endpoint"]
    } else {
        &["tables", "migrations", "plan-rows"]
    };
    for id in ids {
        let checks: Vec<_> = report.checks.iter().filter(|c| c.id == *id).collect();
        assert!(
            !checks.is_empty() && checks.iter().all(|c| c.status == Status::Skip),
            "the {id} checks should be reported as not run; the preflight said:\n{}",
            shown(report)
        );
    }
}

/// `Then the preflight's output does not show the committed key`: neither the text nor the
/// JSON report holds the key beyond its `sk_live_` prefix.
#[then(expr = "the preflight's output does not show the committed key")]
fn key_not_shown(world: &mut Rehearsal) {
    let d = deployment(world);
    let key = d.committed_key.clone().expect("a key was committed");
    let secret_part = &key["sk_live_".len()..];
    let report = d.report();
    for output in [render::text(report), render::json(report)] {
        assert!(
            !output.contains(secret_part),
            "the preflight showed the committed key:\n{output}"
        );
    }
}
