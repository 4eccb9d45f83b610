//! The Rust client of Stripe's API and of the simulator's control plane, for harnesses and
//! tests. One HTTP transport (the account's secret key as a bearer token, a form body for
//! Stripe's API and a JSON body for `/_sim`, the answer as JSON) and one error type,
//! [`ApiError`], which keeps the HTTP status and Stripe's error body (`error.code`,
//! `error.param`, `error.message`).
//!
//! - [`Stripe`] calls Stripe's API (`/v1/…`) of one account: the simulator's, or Stripe test
//!   mode's (`https://api.stripe.com`), so the same code runs against both;
//! - [`Control`] calls the simulator's control plane (`/_sim/…`), one method per route.
//!
//! ```no_run
//! # async fn demo() -> Result<(), stripe_sim::client::ApiError> {
//! use stripe_sim::client::{Control, Stripe};
//! let stripe = Stripe::new(reqwest::Client::new(), "http://127.0.0.1:12111", "sk_test_abc");
//! let product = stripe.post("/v1/products", &[("name", "Basic".to_string())]).await?;
//! let sim: Control = stripe.control();
//! sim.advance_days(31).await?;
//! sim.quiesce(10_000).await?;
//! # let _ = product; Ok(()) }
//! ```
//!
//! The client uses nothing else of the simulator: it speaks HTTP only.

mod control;
mod error;
mod stripe;
mod transport;

pub use control::Control;
pub use error::ApiError;
pub use stripe::Stripe;
