@checklist-7 @checklist-8 @sim-only
Feature: The backend as several replicas
  Production runs the backend as several replicas behind a load balancer. "Confirm
  create-checkout-session applies per-user rate limits" must hold whichever replica answers,
  every webhook must be applied once even when both replicas receive it, and "unusually high
  dispute volume" must raise one alert, not one per replica.

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Checkout allows 3 attempts per user per minute
    And alerts go to the team's alert channel, with a threshold of 2 per hour
    And Ana is signed in
    And the backend runs as two replicas on one database and one Redis

  @checklist-7.1.1
  Scenario: The Checkout budget is one per user, whichever replica answers
    When Ana starts Checkout 6 times, alternating between the replicas
    Then exactly 3 of Ana's attempts are accepted, whichever replica answered

  Scenario: The same events delivered to both replicas at once are applied once
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    Then Ana's subscription is ACTIVE on BASIC monthly
    And every event reached both replicas and was applied once
    And the backend's ledger shows each event applied once
    And the backend's logs show each event applied once and every other copy recognised as a duplicate

  @checklist-8.2.3
  Scenario: One spike of disputes raises one alert
    # Past the threshold each new dispute makes the replica that applies it check again.
    When 6 customers pay with the card that creates a dispute
    Then the alert channel receives exactly one alert about disputes
