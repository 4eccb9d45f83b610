@checklist-4
Feature: Stripe webhooks reach the backend, verified and applied once
  "Production webhook endpoint configured, uses HTTPS, subscribed to at least the checklist's
  events; webhook secret set correctly; trigger a test event and verify the backend logs show
  successful verification and handling."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Ana is signed in

  @smoke @fault-webhook-needs-bearer-token @checklist-4.3.1 @checklist-4.4.1
  Scenario: A test event sent by Stripe is verified and handled
    When Stripe sends a test "customer.subscription.updated" event
    Then the backend has processed "customer.subscription.updated"

  @smoke
  Scenario Outline: A delivery that is not signed by Stripe is refused and changes nothing
    Given Ana has started Checkout for BASIC monthly
    When a "checkout.session.completed" event for Ana's Checkout session arrives <problem>
    Then the backend refuses with HTTP 400
    And the backend has not recorded that event
    And Ana has no active paid subscription

    Examples:
      | problem                                 |
      | without a signature                     |
      | signed with the wrong secret            |
      | signed ten minutes ago                  |
      | with its body changed after signing     |
      | with only a v0 signature                |

  @smoke
  Scenario: During a secret rotation both signatures are accepted
    Given Ana has started Checkout for BASIC monthly
    When a "checkout.session.completed" event for Ana's Checkout session arrives signed with an old secret and the current one
    Then the backend answers the delivery with HTTP 200
    And the backend has recorded that event

  @sim-only @fault-duplicates-applied-twice
  Scenario: Duplicate and concurrent deliveries are applied once
    Given Stripe delivers every event twice, the copies at the same moment
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    Then Ana's subscription is ACTIVE on BASIC monthly
    And each event is recorded once in the backend's ledger
    And the backend's ledger shows each event applied once
    And the backend's logs show each event applied once and every other copy recognised as a duplicate

  @sim-only @fault-no-ordering-protection
  Scenario: Events delivered in a shuffled order give the same final state
    Given Stripe delivers the events of each flow in a shuffled order
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    And Stripe has delivered every event
    Then Ana's subscription is ACTIVE on BASIC monthly
    And Ana's billing period is the one Stripe shows for her subscription

  @sim-only @fault-no-ordering-protection
  Scenario: Events delivered last first give the same final state
    Given Stripe delivers the events of each flow last first
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    And Stripe has delivered every event
    Then Ana's subscription is ACTIVE on BASIC monthly
    And Ana's billing period is the one Stripe shows for her subscription

  @sim-only @fault-no-ordering-protection
  Scenario: A delivery retried after a newer event does not undo it
    Given Ana has an active BASIC monthly subscription
    And the billing portal cancels subscriptions at the end of the period
    And Stripe retries a failed delivery only after 1 hour
    And the backend's database is unavailable for the next delivery
    When Ana cancels her subscription in the billing portal
    And a month passes
    And Stripe has delivered every event
    Then Stripe's delivery log shows a failed attempt followed by a successful one
    And Stripe's delivery log shows the retry delivered after a newer event
    And Ana's subscription is CANCELLED and not active

  @sim-only @fault-handler-errors-swallowed
  Scenario: A delivery the backend fails is retried and then succeeds
    Given the backend's database is unavailable for the next delivery
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    Then Stripe's delivery log shows a failed attempt followed by a successful one
    And Ana's subscription is ACTIVE on BASIC monthly

  @sim-only @fault-missing-secret-200 @checklist-1.2.2
  Scenario: Without a webhook secret the backend refuses to start rather than drop events
    Given the deployment has no STRIPE_WEBHOOK_SECRET
    When the backend starts
    Then it refuses to start, naming "STRIPE_WEBHOOK_SECRET"
