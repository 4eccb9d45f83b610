//! Steps about who is acting.

use cucumber::given;

use crate::world::Rehearsal;

/// `Given Ana is signed in`: a new user with a generated id and e-mail and a valid token.
#[given(regex = r"^(\w+) is signed in$")]
async fn signed_in(world: &mut Rehearsal, name: String) {
    world.actor(&name);
}
