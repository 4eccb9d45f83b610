//! Prorations of a plan change half-way through a period, on a test clock (so amounts are
//! exact to the second): each `proration_behavior`, upgrades and downgrades, the pending
//! invoice items, the next renewal's lines and total, the `always_invoice` charge and its
//! events, and the portal's plan switch with and without prorations.

mod changes;
mod portal;
mod world;
