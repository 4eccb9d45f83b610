//! Steps about `golive preflight`: a deployment described in ops' words (its environment, its
//! Stripe account on the simulator, a scratch database cloned from the migrated template, its
//! source tree), the preflight run against it, and what the preflight says.

mod database;
mod deployment;
mod source_tree;
mod stripe;
mod verdict;

use crate::steps::preflight_deployment::PreflightScenario;
use crate::steps::world::Rehearsal;

/// The public URL of the deployments these steps describe.
const PUBLIC_URL: &str = "https://billing.golive.test";

fn deployment(world: &mut Rehearsal) -> &mut PreflightScenario {
    world.preflight.as_mut().expect(
        "no deployment was described: start with `Given a test deployment that is ready for launch`",
    )
}
