//! What a test card does after a successful charge: dispute cards open a dispute, 5423 raises
//! an early fraud warning. Callers run it once their own flow's events are emitted (after
//! `checkout.session.completed`, `invoice.paid`, …) so a flow's canonical sequence is not
//! interrupted; on Stripe these events arrive later too.

use crate::account::AccountState;
use crate::engine::payments::{FollowUp, Payment};
use crate::engine::{disputes, radar};

/// Runs the after-effects of a successful charge on a dispute or fraud-warning test card
/// (automatic events, `request.id: null`). Does nothing for other cards or failed charges.
pub(crate) fn run(st: &mut AccountState, payment: &Payment) {
    if !payment.succeeded() {
        return;
    }
    let charge = payment.charge_id().to_string();
    match payment.follow_up {
        FollowUp::None => {}
        FollowUp::Dispute { reason, inquiry } => {
            let _ = disputes::create(st, &charge, reason, inquiry);
        }
        FollowUp::EarlyFraudWarning => {
            let fraud_type = radar::fraud_type(st);
            let _ = radar::create(st, &charge, &fraud_type);
        }
    }
}
