//! Every route of the simulator, in one table: the Stripe API (`/v1/…`, one handler file per
//! resource under `api/`), the hosted pages (`/c/pay/…`, `/p/session/…`, under `hosted/`) and
//! the control plane (`/_sim/…`, `control/`). The simulator README lists the same routes with
//! the file of each.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, get, on, post};

use crate::api::{
    charges, checkout, customer_sources, customers, disputes, events, invoice_items,
    invoice_payments, invoices, payment_intents, payment_methods, portal, prices, products, radar,
    refunds, setup_intents, subscriptions, test_clocks, tokens, webhook_endpoints,
};
use crate::app::App;
use crate::control;
use crate::error::StripeError;
use crate::hosted::{checkout_page, portal_page};
use crate::pipeline::{Handler, route, route_id, run};
use crate::request::ApiRequest;

const GET: MethodFilter = MethodFilter::GET;
const POST: MethodFilter = MethodFilter::POST;
const DELETE: MethodFilter = MethodFilter::DELETE;

/// All routes (the fallback for unknown ones is added by the caller).
pub(crate) fn table() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/v1/products",
            route(POST, products::create).merge(route(GET, products::list)),
        )
        .route(
            "/v1/products/{id}",
            route_id(GET, products::retrieve)
                .merge(route_id(POST, products::update))
                .merge(route_id(DELETE, products::delete)),
        )
        .route(
            "/v1/prices",
            route(POST, prices::create).merge(route(GET, prices::list)),
        )
        .route(
            "/v1/prices/{id}",
            route_id(GET, prices::retrieve).merge(route_id(POST, prices::update)),
        )
        .route(
            "/v1/customers",
            route(POST, customers::create).merge(route(GET, customers::list)),
        )
        .route(
            "/v1/customers/{id}",
            route_id(GET, customers::retrieve)
                .merge(route_id(POST, customers::update))
                .merge(route_id(DELETE, customers::delete)),
        )
        .route(
            "/v1/customers/{id}/payment_methods",
            route_id(GET, customers::list_payment_methods),
        )
        .route(
            "/v1/customers/{id}/sources",
            route_id(POST, customer_sources::create).merge(route_id(GET, customer_sources::list)),
        )
        .route(
            "/v1/customers/{id}/sources/{card}",
            route_pair(GET, customer_sources::retrieve)
                .merge(route_pair(DELETE, customer_sources::delete)),
        )
        .route(
            "/v1/checkout/sessions",
            route(POST, checkout::create).merge(route(GET, checkout::list)),
        )
        .route(
            "/v1/checkout/sessions/{id}",
            route_id(GET, checkout::retrieve),
        )
        .route(
            "/v1/checkout/sessions/{id}/expire",
            route_id(POST, checkout::expire),
        )
        .route(
            "/v1/checkout/sessions/{id}/line_items",
            route_id(GET, checkout::line_items),
        )
        .route(
            "/v1/subscriptions",
            route(POST, subscriptions::create).merge(route(GET, subscriptions::list)),
        )
        .route(
            "/v1/subscriptions/{id}",
            route_id(GET, subscriptions::retrieve)
                .merge(route_id(POST, subscriptions::update))
                .merge(route_id(DELETE, subscriptions::cancel)),
        )
        .route("/v1/invoices", route(GET, invoices::list))
        .route("/v1/invoices/{id}", route_id(GET, invoices::retrieve))
        .route("/v1/invoices/{id}/pay", route_id(POST, invoices::pay))
        .route("/v1/invoices/{id}/void", route_id(POST, invoices::void))
        .route("/v1/invoice_payments", route(GET, invoice_payments::list))
        .route(
            "/v1/invoice_payments/{id}",
            route_id(GET, invoice_payments::retrieve),
        )
        .route("/v1/tokens", route(POST, tokens::create))
        .route("/v1/tokens/{id}", route_id(GET, tokens::retrieve))
        .route("/v1/invoiceitems", route(GET, invoice_items::list))
        .route(
            "/v1/invoiceitems/{id}",
            route_id(GET, invoice_items::retrieve),
        )
        .route(
            "/v1/payment_intents",
            route(POST, payment_intents::create).merge(route(GET, payment_intents::list)),
        )
        .route(
            "/v1/payment_intents/{id}",
            route_id(GET, payment_intents::retrieve).merge(route_id(POST, payment_intents::update)),
        )
        .route(
            "/v1/payment_intents/{id}/confirm",
            route_id(POST, payment_intents::confirm),
        )
        .route(
            "/v1/payment_intents/{id}/cancel",
            route_id(POST, payment_intents::cancel),
        )
        .route("/v1/setup_intents", route(GET, setup_intents::list))
        .route(
            "/v1/setup_intents/{id}",
            route_id(GET, setup_intents::retrieve),
        )
        .route(
            "/v1/charges",
            route(POST, charges::create).merge(route(GET, charges::list)),
        )
        .route(
            "/v1/charges/{id}",
            route_id(GET, charges::retrieve).merge(route_id(POST, charges::update)),
        )
        .route("/v1/charges/{id}/capture", route_id(POST, charges::capture))
        .route(
            "/v1/charges/{id}/refunds",
            route_id(POST, charges::refund).merge(route_id(GET, charges::list_refunds)),
        )
        .route(
            "/v1/payment_methods",
            route(POST, payment_methods::create).merge(route(GET, payment_methods::list)),
        )
        .route(
            "/v1/payment_methods/{id}",
            route_id(GET, payment_methods::retrieve),
        )
        .route(
            "/v1/payment_methods/{id}/attach",
            route_id(POST, payment_methods::attach),
        )
        .route(
            "/v1/payment_methods/{id}/detach",
            route_id(POST, payment_methods::detach),
        )
        .route(
            "/v1/webhook_endpoints",
            route(POST, webhook_endpoints::create).merge(route(GET, webhook_endpoints::list)),
        )
        .route(
            "/v1/webhook_endpoints/{id}",
            route_id(GET, webhook_endpoints::retrieve)
                .merge(route_id(POST, webhook_endpoints::update))
                .merge(route_id(DELETE, webhook_endpoints::delete)),
        )
        .route(
            "/v1/refunds",
            route(POST, refunds::create).merge(route(GET, refunds::list)),
        )
        .route(
            "/v1/refunds/{id}",
            route_id(GET, refunds::retrieve).merge(route_id(POST, refunds::update)),
        )
        .route("/v1/disputes", route(GET, disputes::list))
        .route(
            "/v1/disputes/{id}",
            route_id(GET, disputes::retrieve).merge(route_id(POST, disputes::update)),
        )
        .route("/v1/disputes/{id}/close", route_id(POST, disputes::close))
        .route("/v1/radar/early_fraud_warnings", route(GET, radar::list))
        .route(
            "/v1/radar/early_fraud_warnings/{id}",
            route_id(GET, radar::retrieve),
        )
        .route(
            "/v1/billing_portal/configurations",
            route(POST, portal::create_configuration)
                .merge(route(GET, portal::list_configurations)),
        )
        .route(
            "/v1/billing_portal/configurations/{id}",
            route_id(GET, portal::retrieve_configuration)
                .merge(route_id(POST, portal::update_configuration)),
        )
        .route(
            "/v1/billing_portal/sessions",
            route(POST, portal::create_session),
        )
        .route("/v1/events", route(GET, events::list))
        .route("/v1/events/{id}", route_id(GET, events::retrieve))
        .route("/v1/events/{id}/retry", route_id(POST, events::retry))
        .route(
            "/v1/test_helpers/test_clocks",
            route(POST, test_clocks::create).merge(route(GET, test_clocks::list)),
        )
        .route(
            "/v1/test_helpers/test_clocks/{id}",
            route_id(GET, test_clocks::retrieve).merge(route_id(DELETE, test_clocks::delete)),
        )
        .route(
            "/v1/test_helpers/test_clocks/{id}/advance",
            route_id(POST, test_clocks::advance),
        )
        // Hosted pages: no API key, the object id in the URL is the capability.
        .route(
            "/c/pay/{id}",
            get(checkout_page::show).post(checkout_page::pay),
        )
        .route("/p/session/{id}", get(portal_page::show))
        .route("/p/session/{id}/{action}", post(portal_page::act))
        // Control plane.
        .route("/_sim/reset", route(POST, control::reset))
        .route("/_sim/clock", route(GET, control::clock))
        .route("/_sim/clock/advance", route(POST, control::advance))
        .route(
            "/_sim/settings/renewals",
            route(GET, control::renewal_settings).merge(route(POST, control::renewal_settings)),
        )
        .route(
            "/_sim/settings/fraud_type",
            route(GET, control::fraud_type_setting).merge(route(POST, control::fraud_type_setting)),
        )
        .route(
            "/_sim/checkout/sessions/{id}/pay",
            route_id(POST, control::pay_session),
        )
        .route(
            "/_sim/checkout/sessions/{id}/decline",
            route_id(POST, control::decline_session),
        )
        .route(
            "/_sim/portal/sessions/{id}",
            route_id(GET, control::portal_view),
        )
        .route(
            "/_sim/portal/sessions/{id}/cancel",
            route_id(POST, control::portal_cancel),
        )
        .route(
            "/_sim/portal/sessions/{id}/update_card",
            route_id(POST, control::portal_update_card),
        )
        .route(
            "/_sim/portal/sessions/{id}/switch_plan",
            route_id(POST, control::portal_switch_plan),
        )
        .route(
            "/_sim/charges/{id}/dispute",
            route_id(POST, control::dispute),
        )
        .route(
            "/_sim/charges/{id}/early_fraud_warning",
            route_id(POST, control::early_fraud_warning),
        )
        .route(
            "/_sim/customers/{id}/payments",
            route_id(POST, control::customer_payments),
        )
        .route("/_sim/trigger", route(POST, control::trigger::trigger))
        .route("/_sim/emit", route(POST, control::emit))
        .route(
            "/_sim/delivery_mode",
            route(GET, control::deliveries::delivery_mode)
                .merge(route(POST, control::deliveries::delivery_mode)),
        )
        .route(
            "/_sim/webhook_endpoints/{id}/roll_secret",
            route_id(POST, control::deliveries::roll_secret),
        )
        .route(
            "/_sim/deliveries",
            route(GET, control::deliveries::deliveries),
        )
        .route(
            "/_sim/deliveries/summary",
            route(GET, control::deliveries::deliveries_summary),
        )
        .route(
            "/_sim/deliveries.html",
            get(control::deliveries::deliveries_page),
        )
        .route("/_sim/quiesce", post(control::deliveries::quiesce))
        .route("/_sim/snapshot", route(POST, control::snapshot))
        .route("/healthz", get(healthz))
}

/// A route method with two path parameters (`{id}/{card}`), handed to `h` as one id
/// `"{id}/{card}"`.
fn route_pair(filter: MethodFilter, h: Handler) -> MethodRouter<Arc<App>> {
    on(
        filter,
        move |State(app): State<Arc<App>>,
              path: Result<Path<(String, String)>, PathRejection>,
              req: ApiRequest| async move {
            match path {
                Ok(Path((a, b))) => run(app, req, Some(format!("{a}/{b}")), h),
                Err(_) => {
                    StripeError::bad_request("Invalid id in the URL path: it must be valid UTF-8.")
                        .into_response()
                }
            }
        },
    )
}

/// `GET /healthz` (no key): `{"status":"ok","accounts":N,"outstanding_deliveries":M}` — for
/// a load balancer or a CI job waiting for a shared simulator to be up.
async fn healthz(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
) -> axum::Json<serde_json::Value> {
    let accounts = app.accounts();
    let outstanding: usize = accounts
        .iter()
        .map(|(_, a)| a.lock().delivery.outstanding)
        .sum();
    axum::Json(serde_json::json!({
        "status": "ok",
        "accounts": accounts.len(),
        "outstanding_deliveries": outstanding,
    }))
}
