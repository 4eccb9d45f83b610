//! Steps that give the deployment a source tree for the preflight's secret scan.

use cucumber::given;

use super::deployment;
use crate::steps::actors::random_suffix;
use crate::steps::world::Rehearsal;

/// `And a live secret key is committed in the source tree at "config/settings.py"`: the
/// backend's source tree holds a real-looking `sk_live_…` key on line 3 of that file.
#[given(expr = "a live secret key is committed in the source tree at {string}")]
fn key_committed(world: &mut Rehearsal, file: String) {
    let d = deployment(world);
    let source = d.folder().join("source");
    let key = format!("sk_live_{}{}", random_suffix(), random_suffix());
    let path = source.join(&file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the source folder");
    }
    std::fs::write(
        &path,
        format!("# settings\nDEBUG = False\nSTRIPE_SECRET_KEY = \"{key}\"\n"),
    )
    .expect("write the source file");
    d.source = Some(source);
    d.committed_key = Some(key);
}

/// `And the source tree holds no Stripe key`: a source tree with code and placeholders
/// (`sk_live_…`) but no key.
#[given(expr = "the source tree holds no Stripe key")]
fn clean_source(world: &mut Rehearsal) {
    let d = deployment(world);
    let source = d.folder().join("source");
    std::fs::create_dir_all(source.join("app")).expect("create the source folder");
    std::fs::write(
        source.join("app/settings.py"),
        "import os\nSTRIPE_SECRET_KEY = os.environ[\"STRIPE_SECRET_KEY\"]  # sk_live_… in production\n",
    )
    .expect("write the source file");
    d.source = Some(source);
}
