//! End-to-end tests over HTTP: a simulator on 127.0.0.1:0, a tiny webhook receiver on port 0.
//! One file per flow; the helpers they share are in `common.rs`.

mod common;

mod checkout;
mod checkout_modes;
mod checkout_params;
mod conventions;
mod payment_methods;
mod server_limits;
