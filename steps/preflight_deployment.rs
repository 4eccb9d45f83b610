//! The deployment a preflight scenario describes, kept in the World: its environment, its
//! scratch database and temporary folder (both handed back when the scenario ends), its webhook
//! endpoint, and the preflight's latest report. The steps that fill it are in
//! `definitions/preflight.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::preflight::Report;
use crate::steps::actors::random_suffix;
use crate::steps::environment::Environment;

/// One scenario's deployment under preflight, kept in the world.
#[derive(Debug, Default)]
pub struct PreflightScenario {
    /// The deployment's environment.
    pub vars: BTreeMap<String, String>,
    /// The scratch database (as the migrated template), handed back at the end.
    pub(crate) database: Option<String>,
    /// The `we_…` id of the deployment's webhook endpoint in the scenario's Stripe account.
    pub(crate) endpoint_id: Option<String>,
    /// A temporary folder for the source tree and the env file, removed at the end.
    pub(crate) folder: Option<PathBuf>,
    /// The source tree to scan, when the scenario has one.
    pub(crate) source: Option<PathBuf>,
    /// A key the scenario committed to the source tree (to prove it is never shown).
    pub(crate) committed_key: Option<String>,
    /// The env file the preflight reads instead of the variables, when there is one.
    pub(crate) env_file: Option<PathBuf>,
    /// The latest preflight's report.
    pub report: Option<Report>,
}

impl PreflightScenario {
    /// Hands the scratch database back (reused once proven clean, else dropped, in the
    /// background) and removes the temporary folder.
    pub async fn cleanup(self, env: &Environment) {
        if let Some(database) = &self.database {
            env.databases().recycle_soon(database.clone());
        }
        if let Some(folder) = &self.folder {
            std::fs::remove_dir_all(folder).ok();
        }
    }

    /// The scenario's temporary folder, created on first use.
    pub(crate) fn folder(&mut self) -> PathBuf {
        self.folder
            .get_or_insert_with(|| {
                let folder =
                    std::env::temp_dir().join(format!("golive_preflight_{}", random_suffix()));
                std::fs::create_dir_all(&folder)
                    .unwrap_or_else(|e| panic!("cannot create {}: {e}", folder.display()));
                folder
            })
            .clone()
    }

    /// The variable holding the mapping the deployment's mode uses.
    pub(crate) fn mapping_variable(&self) -> &'static str {
        if self.vars.get("STRIPE_MODE").map(String::as_str) == Some("live") {
            "STRIPE_PLAN_PRICE_MAPPING_LIVE"
        } else {
            "STRIPE_PLAN_PRICE_MAPPING_TEST"
        }
    }

    /// The price mapping the deployment's mode uses, as JSON.
    pub(crate) fn mapping(&self) -> Value {
        let json = self
            .vars
            .get(self.mapping_variable())
            .expect("the deployment has a price mapping");
        serde_json::from_str(json).expect("the deployment's mapping is JSON")
    }

    /// Replaces the price mapping the deployment's mode uses.
    pub(crate) fn set_mapping(&mut self, mapping: &Value) {
        let name = self.mapping_variable();
        self.vars.insert(name.to_string(), mapping.to_string());
    }

    /// The deployment's `DATABASE_URL`.
    pub(crate) fn database_url(&self) -> String {
        self.vars
            .get("DATABASE_URL")
            .cloned()
            .expect("the deployment has a database")
    }

    /// The latest preflight's report.
    pub(crate) fn report(&self) -> &Report {
        self.report
            .as_ref()
            .expect("the preflight was not run: add `When ops run the preflight`")
    }
}
