@checklist-8
Feature: Monitoring and alerts
  "At minimum, you can detect: webhook failures, unusually high dispute volume, frequent early
  fraud warnings. Key Stripe flows (webhooks, disputes, fraud warnings) log useful context."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Ana is signed in

  @sim-only @checklist-8.2.1 @checklist-8.2.2
  Scenario: A webhook the backend cannot process raises an alert
    Given alerts go to the team's alert channel, with a threshold of 2 per hour
    And the backend's database is unavailable for the next delivery
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    Then the alert channel receives an alert about a webhook failure

  @sim-only @checklist-8.2.1 @checklist-8.2.3
  Scenario: A spike of disputes raises an alert
    Given alerts go to the team's alert channel, with a threshold of 2 per hour
    When 3 customers pay with the card that creates a dispute
    Then the alert channel receives an alert about disputes

  @sim-only @checklist-8.2.1 @checklist-8.2.4
  Scenario: A spike of early fraud warnings raises an alert
    Given alerts go to the team's alert channel, with a threshold of 2 per hour
    When 3 customers pay with the card that triggers an early fraud warning
    Then the alert channel receives an alert about early fraud warnings

  @smoke @checklist-4.4.2 @checklist-6.1.7
  Scenario: Webhook handling is logged with its context and counted
    When Ana subscribes to BASIC monthly and pays with a card that succeeds
    Then the backend has processed "checkout.session.completed"
    And the backend logs "checkout.session.completed" with its event id, outcome and Ana's user id
    And the backend's metrics count processed "checkout.session.completed" events
