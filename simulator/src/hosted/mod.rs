//! Hosted pages a person uses in a browser: the Checkout page (`/c/pay/{id}`) and the
//! Customer Portal (`/p/session/{bps_id}`, whose actions are `engine::portal`, shared with `/_sim`). Plain,
//! accessible HTML; every interpolated value is escaped.

pub(crate) mod checkout_page;
pub(crate) mod html;
pub(crate) mod portal_page;
