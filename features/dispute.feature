@checklist-6.4 @checklist-5
Feature: Disputes
  "Create a test dispute in Stripe's test mode. Confirm: dispute appears in the Disputes tab;
  you can open details and submit evidence." And from the ops readiness list: "Disputes tab can:
  list disputes, show dispute details, submit evidence, close a dispute."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Omar from ops is signed in as an admin
    And Ana is signed in

  @smoke @checklist-5.2.3 @checklist-5.2.4 @checklist-6.4.1 @checklist-6.4.3 @checklist-6.4.4
  Scenario: A disputed payment appears in the Disputes tab with its details
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Omar from ops opens the Disputes tab
    Then he sees Ana's dispute with reason "fraudulent" and status "needs_response"
    When Omar from ops opens the dispute
    Then he sees its amount, reason, status and evidence due date

  @smoke
  Scenario: Staging evidence keeps it editable and unsubmitted
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Omar from ops stages the evidence "Customer used the product for three weeks"
    Then Stripe shows that evidence on the dispute, not yet submitted
    And the dispute's status in Stripe is "needs_response"

  @smoke @checklist-5.2.5 @checklist-6.4.4
  Scenario: Submitting winning evidence wins the dispute
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Omar from ops submits the evidence "winning_evidence"
    Then the dispute's status in Stripe is "won"
    And the Disputes tab shows the dispute as "won"

  @smoke @checklist-5.2.6
  Scenario: Closing a dispute concedes it, and only with confirmation
    Given Ana pays for BASIC monthly with the card that creates a dispute
    And the dispute has reached the backend
    When Omar from ops closes the dispute without confirming
    Then the backend refuses with HTTP 400 and code "confirmation_required"
    And the dispute's status in Stripe is "needs_response"
    When Omar from ops closes the dispute and confirms
    Then the dispute's status in Stripe is "lost"
    And the dispute's history shows Omar closed it

  @smoke @checklist-5.2.3
  Scenario: An inquiry is listed with its warning status
    Given Ana pays for BASIC monthly with the card that creates an inquiry
    And the dispute has reached the backend
    When Omar from ops opens the Disputes tab
    Then he sees Ana's dispute with reason "fraudulent" and status "warning_needs_response"
