//! Conformance with Stripe's own declarations: `conformance/contract.json`, generated from
//! stripe-node's TypeScript declarations for the pinned API version (see
//! `docs/conformance.md`), checked against a simulator on a free port:
//!
//! - (a) every field declared required is present, and every field present has a declared
//!   JSON type — the test fails on any miss not listed, with its reason, in
//!   `conformance/allow.toml` (and on an entry that is no longer needed);
//! - (b) every declared create / update / list parameter is known (not a 400
//!   `parameter_unknown`; reported), one that is accepted and named like a field of the answer
//!   is shown back as sent (fails unless `allow.toml` lists `"create:param"` …), and an
//!   undeclared one is refused (fails when not);
//! - (c) every declared expandable field expands — the test fails on one that does not, unless
//!   `allow.toml` lists it as `"expand:path"` with its reason.
//!
//! It prints one table row per resource. `cargo test -p stripe-sim --test integration -- --nocapture conformance::`.

mod checks;
mod client;
mod contract;
mod fixtures;

use std::collections::BTreeMap;

use stripe_sim::{SimOptions, start};

use checks::{Op, ParamReport};

#[derive(Default)]
struct Totals {
    required: usize,
    required_ok: usize,
    wrong_type: usize,
    params: usize,
    accepted: usize,
    reflectable: usize,
    reflected: usize,
    expandable: usize,
    expanded: usize,
}

fn cell(r: &Option<ParamReport>) -> String {
    match r {
        Some(r) => format!("{}/{}", r.accepted, r.declared),
        None => "-".to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_conforms_to_stripe_nodes_declarations() {
    let contract = contract::load();
    let allow = contract::allow_list();
    assert_eq!(
        contract["api_version"],
        stripe_sim::API_VERSION,
        "the contract was generated for another API version"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let options = SimOptions {
        // Webhook deliveries owed at the end do not matter here.
        drain_timeout: Some(std::time::Duration::from_millis(100)),
        ..SimOptions::default()
    };
    let sim = start(listener, options).await.expect("start simulator");
    let c = client::Client::new(&sim.base_url, "sk_test_conformance");
    let fx = fixtures::make(&c).await;

    println!(
        "conformance with {} ({}); params: create · update · list; '-' = not routed",
        contract["sdk"].as_str().unwrap_or_default(),
        contract["api_version"].as_str().unwrap_or_default()
    );
    println!(
        "{:<30} {:>15} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "resource", "required fields", "types", "create", "update", "list", "expand"
    );
    let mut t = Totals::default();
    let mut failures = Vec::new();
    let mut details = Vec::new();
    let mut unused: BTreeMap<String, Vec<String>> = allow
        .iter()
        .map(|(r, m)| (r.clone(), m.keys().cloned().collect()))
        .collect();
    for f in &fx.all {
        let spec = &contract["resources"][f.resource];
        assert!(spec.is_object(), "{} is not in the contract", f.resource);
        let declared = spec["fields"].as_array().expect("fields");
        let fields = contract::check_fields(&f.object, declared);
        let allowed = allow.get(f.resource);
        for (path, problem) in &fields.problems {
            if allowed.is_some_and(|a| a.contains_key(path)) {
                if let Some(u) = unused.get_mut(f.resource) {
                    u.retain(|p| p != path);
                }
            } else {
                failures.push(format!("{} {path}: {problem}", f.resource));
            }
        }
        let expandable = spec["expandable"].as_array().cloned().unwrap_or_default();
        let expand = checks::check_expand(&c, f, &expandable).await;
        let mut ops = Vec::new();
        for op in [Op::Create, Op::Update, Op::List] {
            let report = match spec["params"][op.name()].as_array() {
                Some(ps) => checks::check_params(&c, f, op, ps, &fx.ids).await,
                None => None,
            };
            ops.push(report);
        }
        let expanded = expand.values().filter(|p| p.is_none()).count();
        println!(
            "{:<30} {:>15} {:>6} {:>9} {:>9} {:>9} {:>9}",
            f.resource,
            format!("{}/{}", fields.required_ok, fields.required),
            fields.wrong_type,
            cell(&ops[0]),
            cell(&ops[1]),
            cell(&ops[2]),
            format!("{expanded}/{}", expand.len()),
        );
        t.required += fields.required;
        t.required_ok += fields.required_ok;
        t.wrong_type += fields.wrong_type;
        t.expandable += expand.len();
        t.expanded += expanded;
        for (path, problem) in &fields.problems {
            details.push(format!("  {} field {path}: {problem}", f.resource));
        }
        for (op, r) in [Op::Create, Op::Update, Op::List].iter().zip(&ops) {
            let Some(r) = r else { continue };
            t.params += r.declared;
            t.accepted += r.accepted;
            t.reflectable += r.reflectable;
            t.reflected += r.reflected;
            if !r.undeclared_refused {
                failures.push(format!(
                    "{} {}: an undeclared parameter is not a 400 parameter_unknown",
                    f.resource,
                    op.name()
                ));
            }
            for (p, problem) in &r.problems {
                let key = format!("{}:{p}", op.name());
                if problem.starts_with("not shown back")
                    && allowed.is_some_and(|a| a.contains_key(&key))
                {
                    if let Some(u) = unused.get_mut(f.resource) {
                        u.retain(|x| *x != key);
                    }
                } else if problem.starts_with('5') || problem.starts_with("not shown back") {
                    failures.push(format!("{} {} {p}: {problem}", f.resource, op.name()));
                }
                details.push(format!("  {} {} {p}: {problem}", f.resource, op.name()));
            }
        }
        for (path, problem) in expand.iter().filter_map(|(p, e)| Some((p, e.as_ref()?))) {
            details.push(format!("  {} expand {path}: {problem}", f.resource));
            let key = format!("expand:{path}");
            if allowed.is_some_and(|a| a.contains_key(&key)) {
                if let Some(u) = unused.get_mut(f.resource) {
                    u.retain(|p| *p != key);
                }
            } else {
                failures.push(format!("{} expand {path}: {problem}", f.resource));
            }
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "{:<30} {:>15} {:>6} {:>29} {:>9}",
        "TOTAL",
        format!("{}/{}", t.required_ok, t.required),
        t.wrong_type,
        format!("params {}/{}", t.accepted, t.params),
        format!("{}/{}", t.expanded, t.expandable),
    );
    println!(
        "required fields {:.1}%, params {:.1}% (shown back {}/{} of those Stripe shows), expandable {:.1}%",
        pct(t.required_ok, t.required),
        pct(t.accepted, t.params),
        t.reflected,
        t.reflectable,
        pct(t.expanded, t.expandable)
    );
    if std::env::var_os("CONFORMANCE_DETAILS").is_some() {
        println!("{}", details.join("\n"));
    }
    for (resource, paths) in unused {
        for p in paths {
            failures.push(format!(
                "allow.toml lists {resource} {p}, which now conforms: remove the entry"
            ));
        }
    }
    sim.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} conformance failures (allow-list: conformance/allow.toml; \
         CONFORMANCE_DETAILS=1 prints every miss):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The contract's own shape: every resource has fields, and `contract.json` names its SDK.
#[test]
fn the_contract_names_its_sdk_and_covers_every_resource() {
    let c = contract::load();
    assert!(
        c["sdk"]
            .as_str()
            .is_some_and(|s| s.starts_with("stripe-node ")),
        "{}",
        c["sdk"]
    );
    let resources = c["resources"].as_object().expect("resources");
    assert_eq!(resources.len(), 19);
    for (name, r) in resources {
        let fields = r["fields"].as_array().map(Vec::len).unwrap_or(0);
        assert!(fields > 0, "{name} declares no fields");
        assert!(
            r["fields"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["path"] == "id" || f["path"] == "object")),
            "{name} has neither id nor object"
        );
    }
}
