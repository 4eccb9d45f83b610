@checklist-5 @browser
Feature: The ops dashboard, in a browser
  "Confirm at least one admin user can access /stripe-disputes. Non-admin users cannot access
  sensitive endpoints. /stripe-disputes loads without error. Disputes tab can: list disputes,
  show dispute details, submit evidence, close a dispute. Fraud Warnings tab loads without
  error; details dialog shows issuer fraud type, actionable flag, internal status / actions;
  'Refund Full Amount' works; 'Mark as Ignored' works (updates status)." And from the final
  switch: "Internal dashboard reflects the subscription correctly."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Omar from ops is signed in as an admin
    And Ana is signed in

  @sim-only @checklist-5.1.1 @checklist-5.2.1 @checklist-5.3.1
  Scenario: Omar opens the dashboard and both tabs load
    When Omar opens the ops dashboard in his browser
    Then the Disputes tab is shown without error
    When he switches to the Fraud Warnings tab
    Then the Fraud Warnings tab is shown without error
    When he follows "Ops Guide"
    Then the page tells him "When to escalate to engineering"

  @sim-only @checklist-5.1.2
  Scenario: A user who is not an admin gets the 403 page, never the data
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Ana opens the ops dashboard in her browser
    Then the page tells her "You do not have access to this page"
    And the page shows no dispute

  @sim-only @checklist-5.2.2 @checklist-5.2.3 @checklist-5.2.4 @checklist-5.2.5 @checklist-6.4.1 @checklist-6.4.2 @checklist-6.4.3 @checklist-6.4.4
  Scenario: Omar answers a dispute from the Disputes tab
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Omar opens the ops dashboard in his browser
    Then the Disputes tab lists Ana's dispute with reason "fraudulent" and status "needs_response"
    When he opens the dispute in the Disputes tab
    Then the dispute's details show its amount, reason "fraudulent", status "needs_response" and evidence due date
    When with the keyboard alone he types "Customer used the product for three weeks" as the uncategorized text and presses "Stage evidence"
    Then the page tells him "Evidence staged"
    And Stripe shows that evidence on the dispute, not yet submitted
    When he presses "Submit evidence"
    Then the page tells him "Evidence submitted"
    And the dispute's status in Stripe is "under_review"
    And the dispute's history on the page shows "stage evidence" and "submit evidence" by Omar

  @sim-only @checklist-5.2.6
  Scenario: Omar closes a dispute only after confirming
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Omar opens the ops dashboard in his browser
    And he opens the dispute in the Disputes tab
    And he presses "Close dispute" without ticking the confirmation
    Then the dispute's status in Stripe is "needs_response"
    When he ticks "I understand that closing concedes the dispute and cannot be undone" and presses "Close dispute"
    Then the page tells him "Dispute closed"
    And the dispute's status in Stripe is "lost"
    And the dispute's history on the page shows "close" by Omar

  @sim-only @checklist-5.3.2 @checklist-5.3.3 @checklist-5.3.4 @checklist-5.3.5 @checklist-5.3.6 @checklist-5.3.7 @checklist-5.3.8 @checklist-6.5.1 @checklist-6.5.2 @checklist-6.5.3 @checklist-6.5.4 @checklist-6.5.5
  Scenario: Omar refunds a flagged charge with "Refund Full Amount"
    Given Ana pays for BASIC monthly with the card that triggers an early fraud warning
    And the fraud warning has reached the backend
    When Omar opens the ops dashboard in his browser
    And he switches to the Fraud Warnings tab
    Then the Fraud Warnings tab on the page lists the warning as "open"
    When he opens the fraud warning in the Fraud Warnings tab
    Then the warning's details show the fraud type "made_with_stolen_card", actionable "Yes", its charge and amount, and the status "open"
    When he ticks "I confirm refunding the full amount", notes "card testing pattern" and presses "Refund Full Amount"
    Then the page tells him "The full amount was refunded"
    And the warning's details show the status "refunded" and a refund
    And the warning's history on the page shows "refund" by Omar with "card testing pattern"
    And Stripe shows Ana's charge as fully refunded
    And "Refund Full Amount" and "Mark as Ignored" are disabled, saying why

  @sim-only @checklist-5.3.7 @checklist-5.3.9
  Scenario: Omar marks a warning as ignored, with the keyboard alone
    Given Ana pays for BASIC monthly with the card that triggers an early fraud warning
    And the fraud warning has reached the backend
    When Omar opens the ops dashboard in his browser
    And he switches to the Fraud Warnings tab
    And with the keyboard alone he opens the fraud warning, ticks "I confirm no refund is needed", notes "known customer" and presses "Mark as Ignored"
    Then the page tells him "The warning is marked as ignored"
    And the warning's details show the status "ignored"
    And the Fraud Warnings tab on the page lists the warning as "ignored"

  @sim-only @checklist-9.2.4
  Scenario: The Subscriptions tab shows a new subscriber
    Given Ana has an active BASIC monthly subscription
    When Omar opens the ops dashboard in his browser
    And with the keyboard alone he looks Ana up by her e-mail in the Subscriptions tab
    Then the Subscriptions tab shows Ana on BASIC monthly, ACTIVE, with her Stripe customer and subscription ids
