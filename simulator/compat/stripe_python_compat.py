"""Drives stripe-sim through Stripe's official Python SDK (not written by this project).

Usage: STRIPE_SIM_BASE=http://127.0.0.1:12111 python stripe_python_compat.py
Exits non-zero on the first failed assertion. Run by `cargo test -p stripe-sim --test compat
-- --ignored` (see simulator/README.md), which starts the simulator on a free port.
"""

import os
import sys
import uuid

import stripe

BASE = os.environ["STRIPE_SIM_BASE"].rstrip("/")
stripe.api_base = BASE
stripe.api_key = "sk_test_compat" + uuid.uuid4().hex
stripe.max_network_retries = 0
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


def raises(exc_type, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError(f"expected {exc_type.__name__}")


def main():
    check(stripe.api_version == "2026-10-28.endive", f"SDK pins {stripe.api_version}")

    # Products and prices.
    prod = stripe.Product.create(name="Pro", metadata={"tier": "pro"})
    check(prod.id.startswith("prod_") and prod.metadata["tier"] == "pro", "product create")
    check(stripe.Product.retrieve(prod.id).name == "Pro", "product retrieve")
    check(stripe.Product.modify(prod.id, name="Pro+").name == "Pro+", "product update")
    check(any(p.id == prod.id for p in stripe.Product.list(limit=3)), "product list")
    price = stripe.Price.create(
        product=prod.id, unit_amount=2000, currency="usd",
        recurring={"interval": "month"}, lookup_key="pro_monthly_" + uuid.uuid4().hex[:8],
    )
    check(price.recurring.interval == "month", "price create")
    check(stripe.Price.retrieve(price.id).unit_amount == 2000, "price retrieve")
    check(stripe.Price.modify(price.id, nickname="monthly").nickname == "monthly", "price update")
    check(stripe.Price.list(lookup_keys=[price.lookup_key]).data[0].id == price.id, "price lookup_key")

    # Customers, with expand and pagination through the SDK's auto-pager.
    cus = stripe.Customer.create(
        email="ada@example.com", payment_method="pm_card_visa",
        invoice_settings={"default_payment_method": "pm_card_visa"},
        address={"line1": "1 Main St", "city": "Paris", "country": "FR"},
    )
    check(cus.invoice_settings.default_payment_method.startswith("pm_"), "customer default pm")
    check(cus.address.city == "Paris" and cus.address.state is None, "customer address")
    got = stripe.Customer.retrieve(cus.id, expand=["invoice_settings.default_payment_method"])
    check(got.invoice_settings.default_payment_method.card.last4 == "4242", "customer expand")
    check(stripe.Customer.modify(cus.id, name="Ada").name == "Ada", "customer update")
    for i in range(12):
        stripe.Customer.create(email=f"c{i}@example.com")
    seen = [c.id for c in stripe.Customer.list(limit=5).auto_paging_iter()]
    check(len(seen) == 13 and len(set(seen)) == 13, f"auto-paging saw {len(seen)}")
    doomed = stripe.Customer.create(email="gone@example.com")
    check(stripe.Customer.delete(doomed.id).deleted is True, "customer delete")
    check(stripe.Customer.retrieve(doomed.id).deleted is True, "deleted customer retrieve")
    e = raises(stripe.InvalidRequestError, stripe.Customer.retrieve, "cus_nope")
    check(e.http_status == 404 and e.code == "resource_missing", "404 resource_missing")
    e = raises(stripe.InvalidRequestError, stripe.Customer.create, colour="red")
    check(e.code == "parameter_unknown" and e.param == "colour", "unknown parameter")

    # Payment methods: raw numbers, tokens, attach/detach, declines at attach.
    pm = stripe.PaymentMethod.create(type="card", card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"})
    check(pm.card.brand == "visa", "pm create by number")
    tok = stripe.PaymentMethod.create(type="card", card={"token": "tok_mastercard"})
    check(tok.card.brand == "mastercard", "pm create by token")
    stripe.PaymentMethod.attach(pm.id, customer=cus.id)
    check(any(p.id == pm.id for p in stripe.PaymentMethod.list(customer=cus.id, type="card")), "pm list")
    check(any(p.id == pm.id for p in stripe.Customer.list_payment_methods(cus.id)), "customer payment methods")
    check(stripe.PaymentMethod.detach(pm.id).customer is None, "pm detach")
    bad = stripe.PaymentMethod.create(type="card", card={"number": "4000000000009995"})
    e = raises(stripe.CardError, stripe.PaymentMethod.attach, bad.id, customer=cus.id)
    check(e.http_status == 402 and e.code == "card_declined", "decline at attach")
    check(e.error.decline_code == "insufficient_funds", "decline_code at attach")

    # Payment intents, charges, card errors.
    pi = stripe.PaymentIntent.create(amount=2000, currency="usd", customer=cus.id,
                                     payment_method="pm_card_visa", confirm=True)
    check(pi.status == "succeeded", "pi confirm=true")
    check(stripe.Charge.retrieve(pi.latest_charge).paid is True, "charge retrieve")
    check(stripe.Charge.list(payment_intent=pi.id).data[0].id == pi.latest_charge, "charge list")
    e = raises(stripe.CardError, stripe.PaymentIntent.create, amount=500, currency="usd",
               payment_method="pm_card_chargeDeclinedLostCard", confirm=True)
    check(e.code == "card_declined" and e.error.decline_code == "lost_card", "lost card")
    check(e.error.payment_intent.status == "requires_payment_method", "pi after decline")
    e = raises(stripe.CardError, stripe.PaymentIntent.create, amount=500, currency="usd",
               payment_method="pm_card_chargeDeclinedExpiredCard", confirm=True)
    check(e.code == "expired_card", "expired card")
    later = stripe.PaymentIntent.create(amount=900, currency="usd")
    later = stripe.PaymentIntent.modify(later.id, payment_method="pm_card_visa", metadata={"o": "1"})
    check(later.status == "requires_confirmation", "pi update")
    check(stripe.PaymentIntent.confirm(later.id).status == "succeeded", "pi confirm")
    gone = stripe.PaymentIntent.create(amount=900, currency="usd")
    check(stripe.PaymentIntent.cancel(gone.id).status == "canceled", "pi cancel")
    check(stripe.PaymentIntent.retrieve(gone.id).status == "canceled", "pi retrieve")
    check(len(stripe.PaymentIntent.list(customer=cus.id).data) >= 1, "pi list")

    # Refunds.
    r1 = stripe.Refund.create(charge=pi.latest_charge, amount=500)
    check(r1.status == "succeeded" and r1.amount == 500, "partial refund")
    e = raises(stripe.InvalidRequestError, stripe.Refund.create, payment_intent=pi.id, amount=5000)
    check(e.http_status == 400, "over-refund 400")
    r2 = stripe.Refund.create(payment_intent=pi.id)
    check(r2.amount == 1500, "refund the rest")
    ch = stripe.Charge.retrieve(pi.latest_charge)
    check(ch.refunded is True and ch.amount_refunded == 2000, "charge refunded")
    check(stripe.Refund.retrieve(r1.id).amount == 500, "refund retrieve")
    check(stripe.Refund.modify(r1.id, metadata={"t": "1"}).metadata["t"] == "1", "refund update")
    check(len(stripe.Refund.list(charge=ch.id).data) == 2, "refund list")
    check(stripe.Event.list(type="charge.refunded").data[0].type == "charge.refunded", "event type filter")

    # Disputes and early fraud warnings.
    dpi = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method="pm_card_createDispute", confirm=True)
    dp = stripe.Dispute.list(payment_intent=dpi.id).data[0]
    check(dp.status == "needs_response" and dp.reason == "fraudulent", "dispute created")
    check(stripe.Dispute.retrieve(dp.id).charge == dpi.latest_charge, "dispute retrieve")
    staged = stripe.Dispute.modify(dp.id, evidence={"customer_name": "Ada"}, submit=False)
    check(staged.status == "needs_response" and staged.evidence.customer_name == "Ada", "staged evidence")
    sub_dp = stripe.Dispute.modify(dp.id, evidence={"uncategorized_text": "winning_evidence"})
    check(sub_dp.status == "under_review", "submitted")
    check(stripe.Dispute.retrieve(dp.id).status == "won", "won")
    dpi2 = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method="pm_card_createDispute", confirm=True)
    dp2 = stripe.Dispute.list(charge=dpi2.latest_charge).data[0]
    check(stripe.Dispute.close(dp2.id).status == "lost", "close → lost")
    fpi = stripe.PaymentIntent.create(amount=3000, currency="usd", payment_method="pm_card_createIssuerFraudRecord", confirm=True)
    efw = stripe.radar.EarlyFraudWarning.list(payment_intent=fpi.id).data[0]
    check(efw.actionable is True and efw.fraud_type == "made_with_stolen_card", "efw")
    check(stripe.radar.EarlyFraudWarning.retrieve(efw.id).charge == fpi.latest_charge, "efw retrieve")
    stripe.Refund.create(payment_intent=fpi.id)
    check(stripe.radar.EarlyFraudWarning.retrieve(efw.id).actionable is False, "efw after refund")

    # Subscriptions, items, invoices.
    sub = stripe.Subscription.create(customer=cus.id, items=[{"price": price.id, "quantity": 1}],
                                     expand=["latest_invoice"])
    check(sub.status == "active" and sub.latest_invoice.status == "paid", "subscription create")
    item = sub["items"].data[0]
    check(item.current_period_end > item.current_period_start, "item periods")
    sub = stripe.Subscription.modify(sub.id, items=[{"id": item.id, "quantity": 3}])
    check(sub["items"].data[0].quantity == 3, "quantity change")
    price2 = stripe.Price.create(product=prod.id, unit_amount=5000, currency="usd", recurring={"interval": "month"})
    sub = stripe.Subscription.modify(sub.id, items=[{"id": item.id, "price": price2.id}], proration_behavior="none")
    check(sub["items"].data[0].price.id == price2.id, "price change")
    sub = stripe.Subscription.modify(sub.id, cancel_at_period_end=True)
    check(sub.cancel_at_period_end is True and sub.status == "active", "cancel at period end")
    check(stripe.Subscription.retrieve(sub.id).cancel_at is not None, "subscription retrieve")
    check(any(s.id == sub.id for s in stripe.Subscription.list(customer=cus.id)), "subscription list")
    cus_subs = stripe.Customer.retrieve(cus.id, expand=["subscriptions"])
    check(any(s.id == sub.id for s in cus_subs.subscriptions.data), "customer expand subscriptions")
    check(stripe.Subscription.cancel(sub.id).status == "canceled", "cancel now")
    bad_cus = stripe.Customer.create(payment_method="pm_card_chargeCustomerFail",
                                     invoice_settings={"default_payment_method": "pm_card_chargeCustomerFail"})
    e = raises(stripe.CardError, stripe.Subscription.create, customer=bad_cus.id,
               items=[{"price": price.id}], payment_behavior="error_if_incomplete")
    check(e.http_status == 402, "error_if_incomplete")
    inc = stripe.Subscription.create(customer=bad_cus.id, items=[{"price": price.id}])
    check(inc.status == "incomplete", "allow_incomplete")
    inv = stripe.Invoice.retrieve(inc.latest_invoice)
    check(inv.status == "open" and inv.attempt_count == 1, "invoice after failure")
    raises(stripe.CardError, stripe.Invoice.pay, inv.id)
    check(stripe.Invoice.pay(inv.id, payment_method="pm_card_visa").status == "paid", "invoice pay")
    check(stripe.Subscription.retrieve(inc.id).status == "active", "active after pay")
    di = stripe.Subscription.create(customer=bad_cus.id, items=[{"price": price2.id}], payment_behavior="default_incomplete")
    check(stripe.Invoice.void_invoice(di.latest_invoice).status == "void", "invoice void")
    check(any(i.id == inv.id for i in stripe.Invoice.list(customer=bad_cus.id, status="paid")), "invoice list")

    # Checkout sessions.
    cs = stripe.checkout.Session.create(mode="subscription", line_items=[{"price": price.id, "quantity": 2}],
                                        success_url="https://app.example/ok", customer_email="cs@example.com")
    check(cs.url.startswith(BASE), "session url")
    check(stripe.checkout.Session.retrieve(cs.id).status == "open", "session retrieve")
    check(stripe.checkout.Session.list_line_items(cs.id).data[0].quantity == 2, "line items")
    with_items = stripe.checkout.Session.retrieve(cs.id, expand=["line_items"])
    check(with_items.line_items.data[0].price.id == price.id, "session expand line_items")
    check(any(s.id == cs.id for s in stripe.checkout.Session.list(limit=5)), "session list")
    check(stripe.checkout.Session.expire(cs.id).status == "expired", "session expire")

    # Billing portal.
    cfg = stripe.billing_portal.Configuration.create(
        business_profile={"headline": "Acme"},
        features={"subscription_cancel": {"enabled": True, "mode": "immediately"},
                  "subscription_update": {"enabled": True, "default_allowed_updates": ["price"],
                                          "products": [{"product": prod.id, "prices": [price.id, price2.id]}]},
                  "invoice_history": {"enabled": True}},
    )
    check(cfg.features.subscription_cancel.mode == "immediately", "portal config create")
    cfg = stripe.billing_portal.Configuration.modify(cfg.id, features={"subscription_cancel": {"mode": "at_period_end"}})
    check(cfg.features.subscription_cancel.mode == "at_period_end", "portal config update")
    check(stripe.billing_portal.Configuration.retrieve(cfg.id).id == cfg.id, "portal config retrieve")
    check(any(c.id == cfg.id for c in stripe.billing_portal.Configuration.list()), "portal config list")
    ps = stripe.billing_portal.Session.create(customer=cus.id, return_url="https://app.example/account", configuration=cfg.id)
    check(ps.url == f"{BASE}/p/session/{ps.id}", "portal session url")

    # Webhook endpoints and events.
    we = stripe.WebhookEndpoint.create(url="https://hooks.example/stripe", enabled_events=["invoice.paid"])
    check(we.secret.startswith("whsec_"), "endpoint secret")
    check("secret" not in stripe.WebhookEndpoint.retrieve(we.id), "secret only once")
    check(stripe.WebhookEndpoint.modify(we.id, description="d").description == "d", "endpoint update")
    check(any(w.id == we.id for w in stripe.WebhookEndpoint.list()), "endpoint list")
    check(stripe.WebhookEndpoint.delete(we.id).deleted is True, "endpoint delete")
    ev = stripe.Event.list(type="invoice.paid", limit=1).data[0]
    check(ev.api_version == "2026-10-28.endive", "event api_version")
    check(stripe.Event.retrieve(ev.id).type == "invoice.paid", "event retrieve")

    # Test clocks, when present.
    clock = stripe.test_helpers.TestClock.create(frozen_time=1_800_000_000, name="c")
    check(clock.status == "ready", "clock create")
    tc_cus = stripe.Customer.create(email="t@example.com", test_clock=clock.id)
    check(tc_cus.test_clock == clock.id, "customer on a clock")
    check(stripe.test_helpers.TestClock.retrieve(clock.id).id == clock.id, "clock retrieve")
    check(any(c.id == clock.id for c in stripe.test_helpers.TestClock.list()), "clock list")
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=1_800_086_400)
    check(stripe.test_helpers.TestClock.delete(clock.id).deleted is True, "clock delete")

    # Idempotency: the SDK sends a key on every POST; reuse one explicitly.
    key = "compat-" + uuid.uuid4().hex
    a = stripe.Customer.create(email="idem@example.com", idempotency_key=key)
    b = stripe.Customer.create(email="idem@example.com", idempotency_key=key)
    check(a.id == b.id, "idempotent replay")
    check(b.last_response.headers.get("Idempotent-Replayed") == "true", "replay header")
    e = raises(stripe.IdempotencyError, stripe.Customer.create, email="other@example.com", idempotency_key=key)
    check(e.http_status == 400, "idempotency_error")
    check(a.last_response.request_id.startswith("req_"), "request id")

    print(f"stripe-python {stripe.VERSION}: {checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"COMPAT FAILURE: {e}", file=sys.stderr)
        sys.exit(1)
