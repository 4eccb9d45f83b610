//! Steps that check the backend's answer to the latest request.

use cucumber::then;

use crate::world::Rehearsal;

/// `Then the backend refuses with HTTP 401`: the status, with the JSON error shape
/// `{"error":{"code","message"}}` every refusal must have.
#[then(regex = r"^the backend refuses with HTTP (\d{3})$")]
async fn refuses_with(world: &mut Rehearsal, status: u16) {
    check_refusal(world, status, None);
}

/// `Then the backend refuses with HTTP 400 naming "enterprise.monthly"`: the message names it.
#[then(regex = r#"^the backend refuses with HTTP (\d{3}) naming "([^"]+)"$"#)]
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
