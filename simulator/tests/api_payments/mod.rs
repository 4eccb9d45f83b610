//! Payments over HTTP: payment intents with test cards, refunds, disputes, early fraud
//! warnings, subscriptions with `payment_behavior`, invoices pay/void, the billing portal,
//! and a fuzz pass over every route. One file per resource; shared helpers in `common.rs`.

mod common;

mod billing_portal;
mod catalog_customers;
mod disputes;
mod fuzz;
mod invoice_payments;
mod payment_intents;
mod subscriptions;
