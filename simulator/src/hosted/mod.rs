//! Hosted pages a person uses in a browser: the Checkout page (`/c/pay/{id}`) and the
//! Customer Portal (`/p/session/{bps_id}`, actions shared with `/_sim` in [`portal`]). Plain,
//! accessible HTML; every interpolated value is escaped.

pub mod checkout_page;
pub mod html;
pub mod portal;
pub mod portal_page;
