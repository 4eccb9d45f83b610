//! A Stripe whose every call fails, for the few tests that need exactly that fault: the
//! simulator has no switch that makes its own API answer 5xx, so these tests point a backend
//! (often a [`super::TestApp::twin`] on the same database) at wiremock instead. The error text
//! is a marker the backend must never pass on.

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The text in every failing answer; no response of ours may contain it.
pub const SECRET_STRIPE_TEXT: &str = "SECRET_STRIPE_TEXT";

/// A server answering every request `status` with a Stripe-shaped `api_error`.
pub async fn stripe_answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status).set_body_json(serde_json::json!({
                "error": {"type": "api_error", "message": SECRET_STRIPE_TEXT}
            })),
        )
        .mount(&server)
        .await;
    server
}
