@checklist-6.3 @sim-only
Feature: Failed renewal payment
  "Use a known failing test card. Trigger a failed invoice. Verify: invoice.payment_failed
  processed; UserSubscription status is set to PAST_DUE and is_active is false."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Ana is signed in
    And Ana has an active BASIC monthly subscription
    And Ana has replaced her card in the billing portal with the card that fails on renewal (4000 0000 0000 0341)

  @checklist-6.3.1 @checklist-6.3.2 @checklist-6.3.4 @checklist-6.3.5
  Scenario: A renewal charged to a failing card leaves the user PAST_DUE
    When a month passes
    Then the backend has processed "invoice.payment_failed"
    And Ana's subscription is PAST_DUE and not active

  Scenario: Paying after a card update makes the subscription ACTIVE again
    Given a month has passed and Ana's renewal payment failed
    When Ana replaces her card in the billing portal with the Visa test card
    And Stripe retries the payment
    Then the backend has processed "invoice.payment_succeeded"
    And Ana's subscription is ACTIVE on BASIC monthly

  @fault-local-auto-renewal
  Scenario: When every retry fails the subscription is cancelled
    Given Stripe cancels the subscription when all retries for a payment fail
    And a month has passed and Ana's renewal payment failed
    When every payment retry fails
    Then the backend has processed "customer.subscription.deleted"
    And Ana's subscription is CANCELLED and not active
