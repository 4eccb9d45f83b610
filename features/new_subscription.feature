@checklist-6.1
Feature: New subscription through Stripe Checkout
  "As a test user: select BASIC monthly, start Stripe Checkout and complete payment with a test
  card. You are redirected back to the success URL. Backend: webhook logs show
  checkout.session.completed processed; UserSubscription updated with stripe_customer_id and
  stripe_subscription_id; subscription status is ACTIVE."

  Background:
    Given the BASIC and PRO monthly and yearly plans are on sale

  @smoke @fault-period-not-from-stripe @checklist-6.1.3 @checklist-6.1.4 @checklist-6.1.5 @checklist-6.1.7 @checklist-6.1.8 @checklist-6.1.9
  Scenario: A user pays for BASIC monthly with a card that succeeds
    Given Ana is signed in
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    Then Ana is sent back to the success URL with her Checkout session
    And the backend has processed "checkout.session.completed"
    And Ana's subscription is ACTIVE on BASIC monthly
    And Ana's subscription record holds her Stripe customer and subscription ids
    And Ana's billing period is the one Stripe shows for her subscription

  @smoke @checklist-2.2.4 @checklist-6.1.7 @checklist-6.1.9
  Scenario Outline: Every plan on sale can be bought: <plan> <cycle>
    Given Ana is signed in
    When Ana subscribes to <plan> <cycle> and pays with a card that succeeds
    Then the backend has processed "checkout.session.completed"
    And Ana's subscription is ACTIVE on <plan> <cycle>
    And Ana's billing period is the one Stripe shows for her subscription

    Examples:
      | plan  | cycle   |
      | BASIC | yearly  |
      | PRO   | monthly |
      | PRO   | yearly  |

  @smoke
  Scenario: A user who leaves the Checkout page goes back to the app unsubscribed
    Given Ana is signed in
    And Ana has started Checkout for BASIC monthly
    When Ana cancels on the Checkout page
    Then Ana is sent back to the app's pricing page
    And Ana has no active paid subscription

  @smoke
  Scenario: A subscriber cannot buy a second paid subscription
    Given Ana is signed in
    And Ana has an active BASIC monthly subscription
    When Ana asks to subscribe to PRO monthly
    Then the backend refuses with HTTP 409
    And Ana's subscription is ACTIVE on BASIC monthly

  @sim-only @fault-activated-without-payment @checklist-6.1.4
  Scenario: A declined card leaves the user on the free plan
    Given Ana is signed in
    When Ana subscribes to BASIC monthly and pays with a card that is declined
    Then the Checkout page tells Ana her card was declined
    And Ana's Checkout session is still open in Stripe
    And Ana has no active paid subscription

  @smoke @checklist-5
  Scenario: Nobody can start Checkout without signing in
    When someone who is not signed in asks to subscribe to BASIC monthly
    Then the backend refuses with HTTP 401

  @smoke @checklist-2
  Scenario: A plan that is not on sale is refused by name
    Given Ana is signed in
    When Ana asks to subscribe to ENTERPRISE monthly
    Then the backend refuses with HTTP 400 naming "enterprise.monthly"
    And Ana has no active paid subscription

  @smoke @checklist-4
  Scenario: A webhook signed with the wrong secret is refused and changes nothing
    Given Ana is signed in
    And Ana has started Checkout for BASIC monthly
    When a "checkout.session.completed" event for Ana's Checkout session, signed with the wrong secret, reaches the backend
    Then the backend refuses with HTTP 400
    And the backend has not recorded that event
    And Ana has no active paid subscription

  @smoke @fault-customer-matched-by-email
  Scenario: Two users with the same e-mail get their own Stripe customers
    Given Ana is signed in
    And Ann is signed in with Ana's e-mail address
    When Ana and Ann each start Checkout for BASIC monthly
    Then Ana and Ann have different Stripe customers

  @sim-only @fault-stripe-text-leaked
  Scenario: When Stripe refuses the backend, the user gets a clear error without Stripe's text
    Given Stripe rejects the backend's API key
    And Ana is signed in
    When Ana asks to subscribe to BASIC monthly
    Then the backend refuses with HTTP 502 without passing on Stripe's message
