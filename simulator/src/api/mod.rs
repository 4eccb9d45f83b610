//! The Stripe-shaped `/v1` API: one module per resource, all run through the pipeline.

pub mod billing;
pub mod checkout;
pub mod customers;
pub mod disputes;
pub mod events;
pub mod payment_methods;
pub mod portal;
pub mod prices;
pub mod products;
pub mod refunds;
pub mod subscriptions;
pub mod webhook_endpoints;

use std::sync::Arc;

use axum::Router;
use axum::routing::MethodFilter;
use serde_json::{Map, Value};

use crate::app::App;
use crate::error::StripeError;
use crate::pipeline::{Call, route, route_id};
use crate::store::{ListParams, kind_name};

const GET: MethodFilter = MethodFilter::GET;
const POST: MethodFilter = MethodFilter::POST;
const DELETE: MethodFilter = MethodFilter::DELETE;

/// All `/v1` routes.
pub fn router() -> Router<Arc<App>> {
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
        .route("/v1/invoices", route(GET, billing::list_invoices))
        .route(
            "/v1/invoices/{id}",
            route_id(GET, billing::retrieve_invoice),
        )
        .route(
            "/v1/invoices/{id}/pay",
            route_id(POST, billing::pay_invoice),
        )
        .route(
            "/v1/invoices/{id}/void",
            route_id(POST, billing::void_invoice),
        )
        .route(
            "/v1/payment_intents",
            route(POST, billing::create_payment_intent)
                .merge(route(GET, billing::list_payment_intents)),
        )
        .route(
            "/v1/payment_intents/{id}",
            route_id(GET, billing::retrieve_payment_intent)
                .merge(route_id(POST, billing::update_payment_intent)),
        )
        .route(
            "/v1/payment_intents/{id}/confirm",
            route_id(POST, billing::confirm_payment_intent),
        )
        .route(
            "/v1/payment_intents/{id}/cancel",
            route_id(POST, billing::cancel_payment_intent),
        )
        .route("/v1/charges", route(GET, billing::list_charges))
        .route("/v1/charges/{id}", route_id(GET, billing::retrieve_charge))
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
        .route(
            "/v1/radar/early_fraud_warnings",
            route(GET, disputes::list_efw),
        )
        .route(
            "/v1/radar/early_fraud_warnings/{id}",
            route_id(GET, disputes::retrieve_efw),
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
}

/// Retrieves an object of `kind` named by the path id, or 404.
pub fn retrieve_kind(c: &Call, kind: &str) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    c.account
        .lock()
        .store
        .get_kind(kind, c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing(kind_name(kind), c.id()))
}

/// Lists objects of `kind`: `filters` are (parameter, field) pairs compared for equality.
pub fn list_kind(
    c: &Call,
    kind: &str,
    url: &str,
    filters: &[(&str, &str)],
) -> Result<Value, StripeError> {
    let mut allowed: Vec<&str> = crate::store::LIST_PARAMS.to_vec();
    allowed.extend(filters.iter().map(|(p, _)| *p));
    c.params.allow_only(&allowed)?;
    let lp = ListParams::from_params(&c.params)?;
    let mut wanted: Vec<(&str, String)> = Vec::new();
    for (param, field) in filters {
        if let Some(v) = c.params.nonempty(param)? {
            wanted.push((field, v.to_string()));
        }
    }
    let st = c.account.lock();
    st.store.list(kind, url, &lp, |o| {
        wanted.iter().all(|(field, v)| field_matches(o, field, v))
    })
}

/// Compares a (possibly dotted) field of `o` with a filter string; booleans compare as
/// `true`/`false`, expanded objects by their id.
pub fn field_matches(o: &Value, field: &str, want: &str) -> bool {
    let mut cur = o;
    for seg in field.split('.') {
        cur = &cur[seg];
    }
    match cur {
        Value::String(s) => s == want,
        Value::Bool(b) => b.to_string() == want,
        Value::Number(n) => n.to_string() == want,
        Value::Object(m) => m.get("id").and_then(Value::as_str) == Some(want),
        _ => false,
    }
}

/// Old values of the top-level keys that differ between `old` and `new`
/// (`previous_attributes` of `*.updated` events).
pub fn previous_attributes(old: &Value, new: &Value) -> Value {
    let mut prev = Map::new();
    if let (Value::Object(o), Value::Object(n)) = (old, new) {
        for (k, v) in o {
            if n.get(k) != Some(v) {
                prev.insert(k.clone(), v.clone());
            }
        }
        for k in n.keys() {
            if !o.contains_key(k) {
                prev.insert(k.clone(), Value::Null);
            }
        }
    }
    Value::Object(prev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn previous_attributes_lists_changed_keys() {
        let old = json!({"a": 1, "b": {"x": 1}, "c": 3});
        let new = json!({"a": 1, "b": {"x": 2}, "c": 3, "d": 4});
        assert_eq!(
            previous_attributes(&old, &new),
            json!({"b": {"x": 1}, "d": null})
        );
    }

    #[test]
    fn field_matching() {
        let o = json!({"customer": "cus_1", "active": true, "recurring": {"interval": "month"}});
        assert!(field_matches(&o, "customer", "cus_1"));
        assert!(field_matches(&o, "active", "true"));
        assert!(field_matches(&o, "recurring.interval", "month"));
        assert!(!field_matches(&o, "missing", "x"));
    }
}
