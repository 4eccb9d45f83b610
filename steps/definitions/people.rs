//! Steps about who is acting.

use cucumber::given;

use crate::steps::parameters::Person;
use crate::steps::world::Rehearsal;

/// `Given Ana is signed in`: a new user with a generated id and e-mail and a valid token.
#[given(expr = "{person} is signed in")]
async fn signed_in(world: &mut Rehearsal, name: Person) {
    world.actor(&name);
}

/// `Given Ann is signed in with Ana's e-mail address`: a different user (her own id and token)
/// who shares an e-mail with someone already signed in — to prove nothing is matched by e-mail.
#[given(expr = "{person} is signed in with {person}'s e-mail address")]
async fn signed_in_with_same_email(world: &mut Rehearsal, name: Person, other: Person) {
    let email = world.known_actor(&other).email;
    world.actor_with_email(&name, &email);
}
