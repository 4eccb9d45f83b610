//! Steps that check the backend's answer to the latest request.

use cucumber::then;

use crate::steps::world::Rehearsal;

/// `Then the backend refuses with HTTP 401`: the status, with the JSON error shape
/// `{"error":{"code","message"}}` every refusal must have.
#[then(expr = "the backend refuses with HTTP {int}")]
async fn refuses_with(world: &mut Rehearsal, status: u16) {
    check_refusal(world, status, None);
}

/// `Then the backend refuses with HTTP 400 naming "enterprise.monthly"`: the message names it.
#[then(expr = "the backend refuses with HTTP {int} naming {string}")]
async fn refuses_naming(world: &mut Rehearsal, status: u16, named: String) {
    check_refusal(world, status, Some(&named));
}

fn check_refusal(world: &Rehearsal, status: u16, named: Option<&str>) {
    let response = world
        .last_response
        .as_ref()
        .expect("no request was made to the backend in this scenario");
    assert_eq!(
        response.status, status,
        "expected HTTP {status}, the backend answered {response}"
    );
    let code = response.error_code();
    let message = response.body["error"]["message"].as_str();
    assert!(
        code.is_some_and(|c| !c.is_empty()) && message.is_some(),
        "a refusal must be a JSON error {{\"error\":{{\"code\",\"message\"}}}}; got {response}"
    );
    if let Some(named) = named {
        let message = message.unwrap_or_default();
        assert!(
            message.contains(named),
            "the error should name {named:?}; it says {message:?}"
        );
    }
}

/// `Then the backend refuses with HTTP 404 and code "no_billing_profile"`.
#[then(expr = "the backend refuses with HTTP {int} and code {string}")]
async fn refuses_with_code(world: &mut Rehearsal, status: u16, code: String) {
    check_refusal(world, status, None);
    let response = world.last_response.as_ref().expect("a request was made");
    assert_eq!(response.error_code(), Some(code.as_str()), "{response}");
}

/// `Then the backend refuses with HTTP 502 without passing on Stripe's message`: a stable error
/// of our own; Stripe's text (which may name keys or ids) never reaches the user.
#[then(expr = "the backend refuses with HTTP {int} without passing on Stripe's message")]
async fn refuses_without_stripe_text(world: &mut Rehearsal, status: u16) {
    check_refusal(world, status, None);
    let response = world.last_response.as_ref().expect("a request was made");
    let text = response.body.to_string();
    for leak in ["Invalid API Key", "sk_test", "api_key", "stripe.com/docs"] {
        assert!(
            !text.contains(leak),
            "the error passes on Stripe's text ({leak:?}): {response}"
        );
    }
}
