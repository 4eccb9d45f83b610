//! What the backend does, whoever asks: start Checkout, open the Customer Portal, and the admin
//! actions on disputes and early fraud warnings. The JSON API ([`crate::api`]) and the pages
//! ([`crate::pages`]) both call these functions, so pressing a button on a page runs exactly
//! the code an API call runs — same validation, same rate limits, same audit records.

pub mod checkout;
pub mod disputes;
pub mod fraud;
pub mod portal;
pub mod validate;
