//! Hosted pages a person uses in a browser: the Checkout page (`/c/pay/{id}`). Plain,
//! accessible HTML; every interpolated value is escaped.

pub mod checkout_page;
pub mod html;
