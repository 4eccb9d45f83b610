//! Billing portal configurations and sessions.

use axum::http::StatusCode;

use super::common::*;

#[tokio::test]
async fn billing_portal_configurations_and_sessions() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (product, price_id) = price(&api, "2000").await;
    let (cus, _) = customer_with_card(&api, "pm_card_visa").await;
    // A session without a configuration uses the account's default one.
    let s0 = api
        .ok(
            "/v1/billing_portal/sessions",
            &[
                ("customer", &cus),
                ("return_url", "https://app.example/account"),
            ],
        )
        .await;
    assert!(id(&s0).starts_with("bps_"));
    assert_eq!(s0["object"], "billing_portal.session");
    assert_eq!(s0["url"], format!("{}/p/session/{}", sim.base_url, id(&s0)));
    assert_eq!(s0["return_url"], "https://app.example/account");
    let default_cfg = api
        .get_ok(&format!(
            "/v1/billing_portal/configurations/{}",
            s0["configuration"].as_str().expect("cfg")
        ))
        .await;
    assert_eq!(default_cfg["is_default"], true);
    let cfg = api
        .ok(
            "/v1/billing_portal/configurations",
            &[
                ("features[subscription_cancel][enabled]", "true"),
                ("features[subscription_cancel][mode]", "immediately"),
                ("features[subscription_update][enabled]", "true"),
                (
                    "features[subscription_update][default_allowed_updates][]",
                    "price",
                ),
                (
                    "features[subscription_update][products][0][product]",
                    &product,
                ),
                (
                    "features[subscription_update][products][0][prices][]",
                    &price_id,
                ),
                ("features[invoice_history][enabled]", "true"),
                ("business_profile[headline]", "Acme"),
                ("default_return_url", "https://app.example/back"),
            ],
        )
        .await;
    assert!(id(&cfg).starts_with("bpc_"));
    assert_eq!(
        cfg["features"]["subscription_cancel"]["mode"],
        "immediately"
    );
    assert_eq!(
        cfg["features"]["subscription_update"]["products"][0]["prices"][0],
        price_id.as_str()
    );
    assert_eq!(cfg["is_default"], false);
    let path = format!("/v1/billing_portal/configurations/{}", id(&cfg));
    let upd = api
        .ok(
            &path,
            &[("features[subscription_cancel][mode]", "at_period_end")],
        )
        .await;
    assert_eq!(
        upd["features"]["subscription_cancel"]["mode"],
        "at_period_end"
    );
    assert_eq!(upd["features"]["invoice_history"]["enabled"], true, "kept");
    assert_eq!(
        api.get_ok(&path).await["business_profile"]["headline"],
        "Acme"
    );
    let list = api.get_ok("/v1/billing_portal/configurations").await;
    assert_eq!(list["data"][0]["id"], cfg["id"]);
    let list = api
        .get_ok("/v1/billing_portal/configurations?is_default=true")
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let s1 = api
        .ok(
            "/v1/billing_portal/sessions",
            &[("customer", &cus), ("configuration", &id(&cfg))],
        )
        .await;
    assert_eq!(s1["configuration"], cfg["id"]);
    assert_eq!(
        s1["return_url"], "https://app.example/back",
        "default_return_url"
    );
    let (s, v) = api
        .post(
            "/v1/billing_portal/configurations",
            &[("features[subscription_cancel][mode]", "whenever")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["param"], "features[subscription_cancel][mode]");
    let (s, v) = api
        .post(
            "/v1/billing_portal/configurations",
            &[
                (
                    "features[subscription_update][products][0][product]",
                    &product,
                ),
                (
                    "features[subscription_update][products][0][prices][]",
                    "price_nope",
                ),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api.post("/v1/billing_portal/sessions", &[]).await;
    assert_eq!(v["error"]["param"], "customer", "{s}");
    let (s, v) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", "cus_nope"),
                ("return_url", "https://x.example"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", &cus),
                ("configuration", "bpc_nope"),
                ("return_url", "https://x.example"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let ev = api
        .get_ok("/v1/events?type=billing_portal.session.created")
        .await;
    assert_eq!(ev["data"].as_array().map(Vec::len), Some(2));
    sim.shutdown().await;
}
