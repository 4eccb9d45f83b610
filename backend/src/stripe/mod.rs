//! Stripe, spoken over HTTP through `STRIPE_API_BASE` exactly as against api.stripe.com:
//! [`client`] (transport, retries, idempotency header), [`api`] (the operations we perform),
//! [`types`] (the fields we read) and [`error`] (typed failures).

pub mod api;
pub mod client;
pub mod error;
pub mod types;

pub use client::{API_VERSION, StripeClient, StripeClientOptions};
pub use error::{StripeApiErrorBody, StripeError};
