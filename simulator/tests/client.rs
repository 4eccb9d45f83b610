//! The Rust client (`stripe_sim::client`): its control-plane methods reach a running
//! simulator, and one client speaks Stripe's API and the control plane with one error type.

use crate::time_common;

use serde_json::json;
use time_common::{Api, sim};

#[tokio::test]
async fn the_rust_client_reaches_the_control_plane() {
    use stripe_sim::client::Control;
    let sim = sim().await;
    let api = Api::new(&sim);
    let ctl = Control::new(&sim.base_url, &api.key);
    let (_, price) = api.price("Basic", "2000").await;
    let (_, cs) = api
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("line_items[0][price]", &price),
                ("success_url", "https://app.example/ok"),
            ],
        )
        .await;
    let cs = cs["id"].as_str().expect("id");
    let declined = ctl.decline_checkout(cs, None).await.expect("decline");
    assert_eq!(declined["error"]["code"], "card_declined");
    let paid = ctl.pay_checkout(cs, "4242424242424242").await.expect("pay");
    assert_eq!(paid["redirect_url"], "https://app.example/ok");
    let before = ctl.clock().await.expect("clock")["now"]
        .as_i64()
        .expect("now");
    let after = ctl.advance_days(1).await.expect("advance");
    assert_eq!(after["now"].as_i64(), Some(before + 86_400));
    let mode = ctl
        .delivery_mode(json!({"mode": "duplicated", "seed": 4}))
        .await
        .expect("mode");
    assert_eq!(mode["mode"], "duplicated");
    let q = ctl.quiesce(5_000).await.expect("quiesce");
    assert_eq!(q["quiescent"], true);
    let t = ctl.trigger("invoice.paid").await.expect("trigger");
    assert_eq!(t["event"], "invoice.paid");
    let err = ctl
        .dispute("ch_nope", "fraudulent", false)
        .await
        .expect_err("404");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("resource_missing"), "{err}");
    assert!(ctl.snapshot().await.expect_err("no state").status() == Some(400));
    ctl.reset().await.expect("reset");
}

#[tokio::test]
async fn one_client_speaks_the_api_and_the_control_plane_with_one_error_type() {
    use stripe_sim::client::{ApiError, Stripe};
    let sim = sim().await;
    let key = format!("sk_test_client{}", stripe_sim::ids::random_base62(12));
    let stripe = Stripe::new(reqwest::Client::new(), &format!("{}/", sim.base_url), &key);
    assert_eq!(stripe.base_url(), sim.base_url, "no trailing slash");
    // Stripe's API takes forms, with bracket nesting.
    let product = stripe
        .post(
            "/v1/products",
            &[
                ("name", "Basic".to_string()),
                ("metadata[tier]", "basic".to_string()),
            ],
        )
        .await
        .expect("product");
    assert_eq!(product["metadata"]["tier"], "basic", "{product}");
    let id = product["id"].as_str().expect("id");
    assert_eq!(
        stripe
            .get(&format!("/v1/products/{id}"))
            .await
            .expect("get")["id"],
        id
    );
    // A refusal keeps the status and Stripe's error body: code, param, message, type.
    let missing = stripe.get("/v1/customers/cus_nope").await.expect_err("404");
    assert_eq!(missing.status(), Some(404));
    assert_eq!(missing.code(), Some("resource_missing"), "{missing}");
    assert_eq!(missing.param(), Some("id"), "{missing}");
    assert_eq!(missing.error_type(), Some("invalid_request_error"));
    assert!(
        missing.message().is_some_and(|m| m.contains("cus_nope")),
        "{missing}"
    );
    let unnamed = stripe
        .post::<&str>("/v1/customers", &[("bogus", "1".to_string())])
        .await
        .expect_err("400");
    assert_eq!(unnamed.code(), Some("parameter_unknown"), "{unnamed}");
    assert_eq!(unnamed.param(), Some("bogus"), "{unnamed}");
    let deleted = stripe
        .delete(&format!("/v1/products/{id}"))
        .await
        .expect("delete");
    assert_eq!(deleted["deleted"], true, "{deleted}");
    // The same account's control plane, over the same client, takes JSON and fails alike.
    let control = stripe.control();
    assert!(control.clock().await.expect("clock")["now"].is_i64());
    let refused = control.advance_to(0).await.expect_err("backwards");
    assert_eq!(refused.status(), Some(400));
    assert_eq!(refused.param(), Some("to"), "{refused}");
    // No answer at all is a transport error, with no status.
    let nobody = Stripe::new(reqwest::Client::new(), "http://127.0.0.1:9", &key);
    let down = nobody.get("/v1/customers").await.expect_err("down");
    assert!(matches!(down, ApiError::Transport { .. }), "{down:?}");
    assert_eq!((down.status(), down.code()), (None, None));
}
