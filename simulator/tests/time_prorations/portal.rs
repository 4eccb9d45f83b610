//! The portal's plan switch with and without prorations in its configuration.

use axum::http::StatusCode;

use super::world::*;
use crate::time_common;

/// A portal configuration offering BASIC and PRO with `proration_behavior` (if given), and
/// a session of the world's customer on it.
async fn portal(w: &World, behavior: Option<&str>) -> (String, String) {
    let (s, basic) = w.api.get(&format!("/v1/prices/{}", w.basic)).await;
    assert_eq!(s, StatusCode::OK);
    let basic_product = basic["product"].as_str().expect("product").to_string();
    let mut form = vec![
        ("features[subscription_update][enabled]", "true"),
        (
            "features[subscription_update][default_allowed_updates][]",
            "price",
        ),
        (
            "features[subscription_update][products][0][product]",
            basic_product.as_str(),
        ),
        (
            "features[subscription_update][products][0][prices][]",
            w.basic.as_str(),
        ),
        (
            "features[subscription_update][products][1][product]",
            w.pro_product.as_str(),
        ),
        (
            "features[subscription_update][products][1][prices][]",
            w.pro.as_str(),
        ),
    ];
    if let Some(b) = behavior {
        form.push(("features[subscription_update][proration_behavior]", b));
    }
    let cfg = ok(&w.api, "/v1/billing_portal/configurations", &form).await;
    let expected = behavior.unwrap_or("none");
    assert_eq!(
        cfg["features"]["subscription_update"]["proration_behavior"],
        expected
    );
    let session = ok(
        &w.api,
        "/v1/billing_portal/sessions",
        &[
            ("customer", &w.customer),
            ("configuration", &id(&cfg)),
            ("return_url", "https://app.example/account"),
        ],
    )
    .await;
    (id(&cfg), id(&session))
}

/// Posts the hosted portal page's switch-plan form.
async fn switch_on_page(w: &World, session: &str, price: &str) {
    let r = w
        .api
        .http
        .post(format!("{}/p/session/{session}/switch_plan", w.api.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("subscription={}&price={price}", id(&w.sub)))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 303, "{:?}", r.text().await);
}

#[tokio::test]
async fn portal_plan_switch_follows_the_configurations_proration_behavior() {
    let sim = time_common::sim().await;

    // create_prorations: the upgrade BASIC → PRO bills the difference on the renewal.
    let w = world(&sim, false).await;
    let (_, session) = portal(&w, Some("create_prorations")).await;
    switch_on_page(&w, &session, &w.pro).await;
    let got: Vec<i64> = w.pending_amounts().await;
    assert_eq!(got, [-1000, 2500]);
    assert_eq!(w.renewal().await["total"], 6500);

    // always_invoice: charged at once.
    let w = world(&sim, false).await;
    let (_, session) = portal(&w, Some("always_invoice")).await;
    switch_on_page(&w, &session, &w.pro).await;
    let invs = w.invoices().await;
    assert_eq!(invs.len(), 2);
    assert_eq!(invs[1]["billing_reason"], "subscription_update");
    assert_eq!(invs[1]["amount_paid"], 1500);

    // A configuration without proration_behavior (Stripe's default: none): no prorations.
    let w = world(&sim, false).await;
    let (cfg, session) = portal(&w, None).await;
    switch_on_page(&w, &session, &w.pro).await;
    assert!(w.items(None).await.is_empty());
    let sub = get(&w.api, &format!("/v1/subscriptions/{}", id(&w.sub))).await;
    assert_eq!(sub["items"]["data"][0]["price"]["id"], w.pro.as_str());
    assert_eq!(w.renewal().await["total"], 5000);
    // The field is stored and can be changed; an unknown value is refused.
    let path = format!("/v1/billing_portal/configurations/{cfg}");
    let upd = ok(
        &w.api,
        &path,
        &[(
            "features[subscription_update][proration_behavior]",
            "always_invoice",
        )],
    )
    .await;
    assert_eq!(
        upd["features"]["subscription_update"]["proration_behavior"],
        "always_invoice"
    );
    let (s, e) = w
        .api
        .post(
            &path,
            &[(
                "features[subscription_update][proration_behavior]",
                "sometimes",
            )],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_invalid");
}
