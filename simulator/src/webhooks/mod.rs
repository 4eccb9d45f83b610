//! Webhooks: signing (`signing`) and ordered, retried delivery to endpoints (`delivery`).

pub mod delivery;
pub mod signing;
