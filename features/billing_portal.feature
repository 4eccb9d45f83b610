@checklist-6.2
Feature: Billing portal (Stripe Customer Portal)
  "From the app, open the billing portal (Customer Portal). /api/subscription/create-portal-session
  returns a URL. You can view invoices, update card details, cancel a subscription. After
  cancellation: webhook logs show customer.subscription.deleted; UserSubscription is updated to
  cancelled and not active."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Ana is signed in
    And Ana has an active BASIC monthly subscription

  @smoke @checklist-6.2.1 @checklist-6.2.2 @checklist-6.2.4
  Scenario: A subscriber opens the billing portal and sees her invoices
    When Ana opens the billing portal
    Then the backend gives Ana a billing portal link
    And the billing portal shows Ana's paid invoice for BASIC monthly

  @sim-only @checklist-6.2.5
  Scenario: Updating the card in the portal
    When Ana replaces her card in the billing portal with the Visa test card
    Then Stripe shows Ana's new card as her default payment method

  @sim-only @checklist-6.2.5
  Scenario: A declined card is refused in the portal
    When Ana tries to replace her card in the billing portal with a card that is declined
    Then the billing portal tells Ana her card was declined
    And Stripe still shows Ana's first card as her default payment method

  @sim-only @fault-cancel-at-period-end-ignored @fault-local-auto-renewal @checklist-6.2.6 @checklist-6.2.8 @checklist-6.2.9
  Scenario: Cancelling at the end of the period keeps the plan until the period ends
    Given the billing portal cancels subscriptions at the end of the period
    When Ana cancels her subscription in the billing portal
    Then the backend has processed "customer.subscription.updated"
    And Ana's subscription is ACTIVE on BASIC monthly and ends with the period
    When a month passes
    Then the backend has processed "customer.subscription.deleted"
    And Ana's subscription is CANCELLED and not active

  @sim-only @checklist-6.2.6 @checklist-6.2.8 @checklist-6.2.9
  Scenario: Cancelling immediately ends the plan at once
    Given the billing portal cancels subscriptions immediately
    When Ana cancels her subscription in the billing portal
    Then the backend has processed "customer.subscription.deleted"
    And Ana's subscription is CANCELLED and not active

  @sim-only @fault-portal-plan-change-ignored
  Scenario: Switching from BASIC to PRO in the portal
    Given the billing portal offers the BASIC and PRO monthly plans
    When Ana switches to PRO monthly in the billing portal
    Then Ana's subscription is ACTIVE on PRO monthly

  @sim-only
  Scenario: An upgrade in the portal bills the prorated difference at once
    Given the billing portal offers the BASIC and PRO monthly plans and invoices prorations at once
    When Ana switches to PRO monthly in the billing portal
    Then Ana's subscription is ACTIVE on PRO monthly
    And Ana has paid the prorated difference between BASIC and PRO monthly

  @smoke @fault-no-billing-profile-500
  Scenario: A user who never paid has no billing profile
    Given Bruno is signed in
    When Bruno opens the billing portal
    Then the backend refuses with HTTP 404 and code "no_billing_profile"
