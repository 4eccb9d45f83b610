// Drives stripe-sim through Stripe's official Node SDK (not written by this project): the same
// flows as stripe_python_compat.py.
//
// Usage: STRIPE_SIM_BASE=http://127.0.0.1:12111 NODE_PATH=target/compat-node/node_modules \
//          node stripe_node_compat.js
// Exits non-zero on the first failed check. Run by `cargo test -p stripe-sim --test compat
// -- --ignored` (see simulator/README.md), which starts the simulator on a free port.
'use strict';

const crypto = require('crypto');
const Stripe = require('stripe');

const BASE = process.env.STRIPE_SIM_BASE.replace(/\/+$/, '');
const url = new URL(BASE);
const stripe = new Stripe('sk_test_compat' + crypto.randomUUID().replace(/-/g, ''), {
  host: url.hostname,
  port: Number(url.port),
  protocol: url.protocol.replace(':', ''),
  maxNetworkRetries: 0,
});
let checks = 0;

function check(cond, what) {
  checks += 1;
  if (!cond) throw new Error(`COMPAT FAILURE: ${what}`);
}

async function raises(type, promise) {
  try {
    await promise;
  } catch (e) {
    if (e.type !== type) throw new Error(`COMPAT FAILURE: expected ${type}, got ${e.type}: ${e.message}`);
    return e;
  }
  throw new Error(`COMPAT FAILURE: expected ${type}`);
}

const hex = n => crypto.randomBytes(n).toString('hex');

async function main() {
  check(Stripe.API_VERSION === '2026-10-28.endive', `SDK pins ${Stripe.API_VERSION}`);

  // Products and prices.
  const prod = await stripe.products.create({name: 'Pro', metadata: {tier: 'pro'}});
  check(prod.id.startsWith('prod_') && prod.metadata.tier === 'pro', 'product create');
  check((await stripe.products.retrieve(prod.id)).name === 'Pro', 'product retrieve');
  check((await stripe.products.update(prod.id, {name: 'Pro+'})).name === 'Pro+', 'product update');
  check((await stripe.products.list({limit: 3})).data.some(p => p.id === prod.id), 'product list');
  const price = await stripe.prices.create({
    product: prod.id, unit_amount: 2000, currency: 'usd',
    recurring: {interval: 'month'}, lookup_key: 'pro_monthly_' + hex(4),
  });
  check(price.recurring.interval === 'month', 'price create');
  check((await stripe.prices.retrieve(price.id)).unit_amount === 2000, 'price retrieve');
  check((await stripe.prices.update(price.id, {nickname: 'monthly'})).nickname === 'monthly', 'price update');
  check((await stripe.prices.list({lookup_keys: [price.lookup_key]})).data[0].id === price.id, 'price lookup_key');

  // Customers, with expand, address and pagination through the SDK's auto-pager.
  const cus = await stripe.customers.create({
    email: 'ada@example.com', payment_method: 'pm_card_visa',
    invoice_settings: {default_payment_method: 'pm_card_visa'},
    address: {line1: '1 Main St', city: 'Paris', country: 'FR'},
  });
  check(cus.invoice_settings.default_payment_method.startsWith('pm_'), 'customer default pm');
  check(cus.address.city === 'Paris' && cus.address.state === null, 'customer address');
  const got = await stripe.customers.retrieve(cus.id, {expand: ['invoice_settings.default_payment_method']});
  check(got.invoice_settings.default_payment_method.card.last4 === '4242', 'customer expand');
  check((await stripe.customers.update(cus.id, {name: 'Ada'})).name === 'Ada', 'customer update');
  for (let i = 0; i < 12; i++) await stripe.customers.create({email: `c${i}@example.com`});
  const seen = [];
  for await (const c of stripe.customers.list({limit: 5})) seen.push(c.id);
  check(seen.length === 13 && new Set(seen).size === 13, `auto-paging saw ${seen.length}`);
  const doomed = await stripe.customers.create({email: 'gone@example.com'});
  check((await stripe.customers.del(doomed.id)).deleted === true, 'customer delete');
  check((await stripe.customers.retrieve(doomed.id)).deleted === true, 'deleted customer retrieve');
  let e = await raises('StripeInvalidRequestError', stripe.customers.retrieve('cus_nope'));
  check(e.statusCode === 404 && e.code === 'resource_missing', '404 resource_missing');
  e = await raises('StripeInvalidRequestError', stripe.customers.create({colour: 'red'}));
  check(e.code === 'parameter_unknown' && e.param === 'colour', 'unknown parameter');

  // Payment methods: raw numbers, tokens, attach/detach, declines at attach.
  const pm = await stripe.paymentMethods.create({type: 'card', card: {number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123'}});
  check(pm.card.brand === 'visa', 'pm create by number');
  const tok = await stripe.paymentMethods.create({type: 'card', card: {token: 'tok_mastercard'}});
  check(tok.card.brand === 'mastercard', 'pm create by token');
  await stripe.paymentMethods.attach(pm.id, {customer: cus.id});
  check((await stripe.paymentMethods.list({customer: cus.id, type: 'card'})).data.some(p => p.id === pm.id), 'pm list');
  check((await stripe.customers.listPaymentMethods(cus.id)).data.some(p => p.id === pm.id), 'customer payment methods');
  check((await stripe.paymentMethods.detach(pm.id)).customer === null, 'pm detach');
  const bad = await stripe.paymentMethods.create({type: 'card', card: {number: '4000000000009995'}});
  e = await raises('StripeCardError', stripe.paymentMethods.attach(bad.id, {customer: cus.id}));
  check(e.statusCode === 402 && e.code === 'card_declined', 'decline at attach');
  check(e.decline_code === 'insufficient_funds', 'decline_code at attach');

  // Payment intents, charges, card errors.
  const pi = await stripe.paymentIntents.create({amount: 2000, currency: 'usd', customer: cus.id,
    payment_method: 'pm_card_visa', confirm: true});
  check(pi.status === 'succeeded', 'pi confirm=true');
  check((await stripe.charges.retrieve(pi.latest_charge)).paid === true, 'charge retrieve');
  check((await stripe.charges.list({payment_intent: pi.id})).data[0].id === pi.latest_charge, 'charge list');
  e = await raises('StripeCardError', stripe.paymentIntents.create({amount: 500, currency: 'usd',
    payment_method: 'pm_card_chargeDeclinedLostCard', confirm: true}));
  check(e.code === 'card_declined' && e.decline_code === 'lost_card', 'lost card');
  check(e.payment_intent.status === 'requires_payment_method', 'pi after decline');
  e = await raises('StripeCardError', stripe.paymentIntents.create({amount: 500, currency: 'usd',
    payment_method: 'pm_card_chargeDeclinedExpiredCard', confirm: true}));
  check(e.code === 'expired_card', 'expired card');
  let later = await stripe.paymentIntents.create({amount: 900, currency: 'usd'});
  later = await stripe.paymentIntents.update(later.id, {payment_method: 'pm_card_visa', metadata: {o: '1'}});
  check(later.status === 'requires_confirmation', 'pi update');
  check((await stripe.paymentIntents.confirm(later.id)).status === 'succeeded', 'pi confirm');
  const gone = await stripe.paymentIntents.create({amount: 900, currency: 'usd'});
  check((await stripe.paymentIntents.cancel(gone.id)).status === 'canceled', 'pi cancel');
  check((await stripe.paymentIntents.retrieve(gone.id)).status === 'canceled', 'pi retrieve');
  check((await stripe.paymentIntents.list({customer: cus.id})).data.length >= 1, 'pi list');

  // Refunds.
  const r1 = await stripe.refunds.create({charge: pi.latest_charge, amount: 500});
  check(r1.status === 'succeeded' && r1.amount === 500, 'partial refund');
  e = await raises('StripeInvalidRequestError', stripe.refunds.create({payment_intent: pi.id, amount: 5000}));
  check(e.statusCode === 400, 'over-refund 400');
  const r2 = await stripe.refunds.create({payment_intent: pi.id});
  check(r2.amount === 1500, 'refund the rest');
  const ch = await stripe.charges.retrieve(pi.latest_charge);
  check(ch.refunded === true && ch.amount_refunded === 2000, 'charge refunded');
  check((await stripe.refunds.retrieve(r1.id)).amount === 500, 'refund retrieve');
  check((await stripe.refunds.update(r1.id, {metadata: {t: '1'}})).metadata.t === '1', 'refund update');
  check((await stripe.refunds.list({charge: ch.id})).data.length === 2, 'refund list');
  check((await stripe.events.list({type: 'charge.refunded'})).data[0].type === 'charge.refunded', 'event type filter');

  // Disputes and early fraud warnings.
  const dpi = await stripe.paymentIntents.create({amount: 3000, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true});
  const dp = (await stripe.disputes.list({payment_intent: dpi.id})).data[0];
  check(dp.status === 'needs_response' && dp.reason === 'fraudulent', 'dispute created');
  check((await stripe.disputes.retrieve(dp.id)).charge === dpi.latest_charge, 'dispute retrieve');
  const staged = await stripe.disputes.update(dp.id, {evidence: {customer_name: 'Ada'}, submit: false});
  check(staged.status === 'needs_response' && staged.evidence.customer_name === 'Ada', 'staged evidence');
  const subDp = await stripe.disputes.update(dp.id, {evidence: {uncategorized_text: 'winning_evidence'}});
  check(subDp.status === 'under_review', 'submitted');
  check((await stripe.disputes.retrieve(dp.id)).status === 'won', 'won');
  const dpi2 = await stripe.paymentIntents.create({amount: 3000, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true});
  const dp2 = (await stripe.disputes.list({charge: dpi2.latest_charge})).data[0];
  check((await stripe.disputes.close(dp2.id)).status === 'lost', 'close → lost');
  const fpi = await stripe.paymentIntents.create({amount: 3000, currency: 'usd', payment_method: 'pm_card_createIssuerFraudRecord', confirm: true});
  const efw = (await stripe.radar.earlyFraudWarnings.list({payment_intent: fpi.id})).data[0];
  check(efw.actionable === true && efw.fraud_type === 'made_with_stolen_card', 'efw');
  check((await stripe.radar.earlyFraudWarnings.retrieve(efw.id)).charge === fpi.latest_charge, 'efw retrieve');
  await stripe.refunds.create({payment_intent: fpi.id});
  check((await stripe.radar.earlyFraudWarnings.retrieve(efw.id)).actionable === false, 'efw after refund');

  // Subscriptions, items, invoices.
  let sub = await stripe.subscriptions.create({customer: cus.id, items: [{price: price.id, quantity: 1}],
    expand: ['latest_invoice']});
  check(sub.status === 'active' && sub.latest_invoice.status === 'paid', 'subscription create');
  const item = sub.items.data[0];
  check(item.current_period_end > item.current_period_start, 'item periods');
  sub = await stripe.subscriptions.update(sub.id, {items: [{id: item.id, quantity: 3}]});
  check(sub.items.data[0].quantity === 3, 'quantity change');
  const price2 = await stripe.prices.create({product: prod.id, unit_amount: 5000, currency: 'usd', recurring: {interval: 'month'}});
  sub = await stripe.subscriptions.update(sub.id, {items: [{id: item.id, price: price2.id}], proration_behavior: 'none'});
  check(sub.items.data[0].price.id === price2.id, 'price change');
  sub = await stripe.subscriptions.update(sub.id, {cancel_at_period_end: true});
  check(sub.cancel_at_period_end === true && sub.status === 'active', 'cancel at period end');
  check((await stripe.subscriptions.retrieve(sub.id)).cancel_at !== null, 'subscription retrieve');
  check((await stripe.subscriptions.list({customer: cus.id})).data.some(s => s.id === sub.id), 'subscription list');
  const custSubs = await stripe.customers.retrieve(cus.id, {expand: ['subscriptions']});
  check(custSubs.subscriptions.data.some(s => s.id === sub.id), 'customer expand subscriptions');
  check((await stripe.subscriptions.cancel(sub.id)).status === 'canceled', 'cancel now');
  const badCus = await stripe.customers.create({payment_method: 'pm_card_chargeCustomerFail',
    invoice_settings: {default_payment_method: 'pm_card_chargeCustomerFail'}});
  e = await raises('StripeCardError', stripe.subscriptions.create({customer: badCus.id,
    items: [{price: price.id}], payment_behavior: 'error_if_incomplete'}));
  check(e.statusCode === 402, 'error_if_incomplete');
  const inc = await stripe.subscriptions.create({customer: badCus.id, items: [{price: price.id}]});
  check(inc.status === 'incomplete', 'allow_incomplete');
  const inv = await stripe.invoices.retrieve(inc.latest_invoice);
  check(inv.status === 'open' && inv.attempt_count === 1, 'invoice after failure');
  await raises('StripeCardError', stripe.invoices.pay(inv.id));
  check((await stripe.invoices.pay(inv.id, {payment_method: 'pm_card_visa'})).status === 'paid', 'invoice pay');
  check((await stripe.subscriptions.retrieve(inc.id)).status === 'active', 'active after pay');
  const di = await stripe.subscriptions.create({customer: badCus.id, items: [{price: price2.id}], payment_behavior: 'default_incomplete'});
  check((await stripe.invoices.voidInvoice(di.latest_invoice)).status === 'void', 'invoice void');
  check((await stripe.invoices.list({customer: badCus.id, status: 'paid'})).data.some(i => i.id === inv.id), 'invoice list');

  // Checkout sessions.
  const cs = await stripe.checkout.sessions.create({mode: 'subscription', line_items: [{price: price.id, quantity: 2}],
    success_url: 'https://app.example/ok', customer_email: 'cs@example.com'});
  check(cs.url.startsWith(BASE), 'session url');
  check((await stripe.checkout.sessions.retrieve(cs.id)).status === 'open', 'session retrieve');
  check((await stripe.checkout.sessions.listLineItems(cs.id)).data[0].quantity === 2, 'line items');
  const withItems = await stripe.checkout.sessions.retrieve(cs.id, {expand: ['line_items']});
  check(withItems.line_items.data[0].price.id === price.id, 'session expand line_items');
  check((await stripe.checkout.sessions.list({limit: 5})).data.some(s => s.id === cs.id), 'session list');
  check((await stripe.checkout.sessions.expire(cs.id)).status === 'expired', 'session expire');

  // Billing portal.
  let cfg = await stripe.billingPortal.configurations.create({
    business_profile: {headline: 'Acme'},
    features: {subscription_cancel: {enabled: true, mode: 'immediately'},
      subscription_update: {enabled: true, default_allowed_updates: ['price'],
        products: [{product: prod.id, prices: [price.id, price2.id]}]},
      invoice_history: {enabled: true}},
  });
  check(cfg.features.subscription_cancel.mode === 'immediately', 'portal config create');
  cfg = await stripe.billingPortal.configurations.update(cfg.id, {features: {subscription_cancel: {mode: 'at_period_end'}}});
  check(cfg.features.subscription_cancel.mode === 'at_period_end', 'portal config update');
  check((await stripe.billingPortal.configurations.retrieve(cfg.id)).id === cfg.id, 'portal config retrieve');
  check((await stripe.billingPortal.configurations.list()).data.some(c => c.id === cfg.id), 'portal config list');
  const ps = await stripe.billingPortal.sessions.create({customer: cus.id, return_url: 'https://app.example/account', configuration: cfg.id});
  check(ps.url === `${BASE}/p/session/${ps.id}`, 'portal session url');

  // Webhook endpoints and events.
  const we = await stripe.webhookEndpoints.create({url: 'https://hooks.example/stripe', enabled_events: ['invoice.paid']});
  check(we.secret.startsWith('whsec_'), 'endpoint secret');
  check(!('secret' in await stripe.webhookEndpoints.retrieve(we.id)), 'secret only once');
  check((await stripe.webhookEndpoints.update(we.id, {description: 'd'})).description === 'd', 'endpoint update');
  check((await stripe.webhookEndpoints.list()).data.some(w => w.id === we.id), 'endpoint list');
  check((await stripe.webhookEndpoints.del(we.id)).deleted === true, 'endpoint delete');
  const ev = (await stripe.events.list({type: 'invoice.paid', limit: 1})).data[0];
  check(ev.api_version === '2026-10-28.endive', 'event api_version');
  check((await stripe.events.retrieve(ev.id)).type === 'invoice.paid', 'event retrieve');

  // Test clocks.
  const clock = await stripe.testHelpers.testClocks.create({frozen_time: 1_800_000_000, name: 'c'});
  check(clock.status === 'ready', 'clock create');
  const tcCus = await stripe.customers.create({email: 't@example.com', test_clock: clock.id});
  check(tcCus.test_clock === clock.id, 'customer on a clock');
  check((await stripe.testHelpers.testClocks.retrieve(clock.id)).id === clock.id, 'clock retrieve');
  check((await stripe.testHelpers.testClocks.list()).data.some(c => c.id === clock.id), 'clock list');
  await stripe.testHelpers.testClocks.advance(clock.id, {frozen_time: 1_800_086_400});
  check((await stripe.testHelpers.testClocks.del(clock.id)).deleted === true, 'clock delete');

  // Idempotency: the SDK sends a key on every POST; reuse one explicitly.
  const key = 'compat-' + hex(16);
  const a = await stripe.customers.create({email: 'idem@example.com'}, {idempotencyKey: key});
  const b = await stripe.customers.create({email: 'idem@example.com'}, {idempotencyKey: key});
  check(a.id === b.id, 'idempotent replay');
  check(b.lastResponse.headers['idempotent-replayed'] === 'true', 'replay header');
  e = await raises('StripeIdempotencyError', stripe.customers.create({email: 'other@example.com'}, {idempotencyKey: key}));
  check(e.statusCode === 400, 'idempotency_error');
  check(a.lastResponse.requestId.startsWith('req_'), 'request id');

  console.log(`stripe-node ${Stripe.PACKAGE_VERSION}: ${checks} checks passed`);
}

main().catch(e => {
  console.error(e.message.startsWith('COMPAT FAILURE') ? e.message : `COMPAT FAILURE: ${e.stack}`);
  process.exit(1);
});
