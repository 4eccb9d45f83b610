//! What a scenario runs on: the World, what it is made of, and the step definitions.
//!
//! - [`environment`] holds what one run shares: the database server and its migrated template,
//!   the in-process simulator, the token-signing secret; [`target`] says where the run takes
//!   place (the simulator, or Stripe test mode with a local or staging backend);
//! - [`backend_under_test`] starts or reaches the billing backend a scenario exercises;
//! - [`world`] is one scenario's world: its own simulator account, database and backend
//!   instance, and the people acting in it;
//! - [`definitions`] are the step definitions, one module per domain;
//! - [`parameters`] are the domain words of a step's text (`{person}`, `{plan}`, `{card}`, …)
//!   as Cucumber Expression parameter types, and [`glossary`] lists their values for `STEPS.md`;
//! - [`database`] provisions PostgreSQL ([`database_url`]: how it is reached), and [`clean_database`] proves a finished scenario's
//!   database as clean as the template so the next scenario can reuse it; [`backend_client`] speaks HTTP to the backend; [`actors`], [`cards`], [`catalog`] and [`eventually`] are the
//!   small vocabularies the steps share; [`records`] reads what the backend stored, [`remembered`] is what earlier steps found out, [`logs`]
//!   what it logged; [`preflight_deployment`] is the deployment a preflight scenario describes;
//! - [`feature_check`] matches every feature step against the definitions without running;
//! - [`browser`] drives headless Chromium over WebDriver for `@browser` scenarios (one
//!   chromedriver per run, one browser per scenario).

pub mod actors;
pub mod backend_client;
pub mod backend_under_test;
pub mod browser;
pub mod cards;
pub mod catalog;
pub mod clean_database;
pub mod database;
pub mod database_url;
pub mod definitions;
pub mod environment;
pub mod eventually;
pub mod feature_check;
pub mod glossary;
pub mod logs;
pub mod parameters;
pub mod preflight_deployment;
pub mod records;
pub mod remembered;
pub mod step_catalog;
pub mod target;
pub mod world;
