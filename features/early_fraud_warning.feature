@checklist-6.5 @checklist-5
Feature: Early fraud warnings
  "Create a test Early Fraud Warning. Confirm: EFW is ingested and appears in Fraud Warnings tab;
  details dialog shows issuer fraud_type and actionable flag; 'Refund Full Amount' works in test
  (Stripe shows charge refunded)." And from the ops readiness list: "'Mark as Ignored' works
  (updates status)."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Omar from ops is signed in as an admin
    And Ana is signed in
    And Ana pays for BASIC monthly with the card that triggers an early fraud warning
    And the fraud warning has reached the backend

  @smoke @checklist-5.3.4 @checklist-5.3.5 @checklist-5.3.6 @checklist-5.3.8 @checklist-6.5.1 @checklist-6.5.4 @checklist-6.5.5
  Scenario: Ops refunds a charge flagged by the card issuer
    When Omar from ops opens the fraud warning
    Then he sees the issuer's fraud type "made_with_stolen_card" and that it is actionable
    When Omar from ops refunds the full amount with the note "card testing pattern"
    Then Stripe shows Ana's charge as fully refunded
    And the fraud warning is marked refunded by Omar, with his note and the refund id

  @smoke @checklist-5.3.2 @checklist-5.3.6 @checklist-5.3.9 @checklist-6.5.3
  Scenario: Ops marks a warning as ignored
    When Omar from ops marks the fraud warning as ignored with the note "known customer"
    Then the Fraud Warnings tab lists the warning as "ignored"

  @sim-only @fault-efw-update-reopens
  Scenario: A later update from Stripe does not reopen a refunded warning
    Given Omar from ops has refunded the full amount
    When Stripe sends an update for the fraud warning
    Then the backend has processed "radar.early_fraud_warning.updated"
    And the Fraud Warnings tab lists the warning as "refunded"

  @smoke @fault-ignore-overwrites-refunded @checklist-5.3.8
  Scenario: A refunded warning cannot be ignored or refunded again
    Given Omar from ops has refunded the full amount
    When Omar from ops marks the fraud warning as ignored with the note "oops"
    Then the backend refuses with HTTP 409
    When Omar from ops refunds the full amount with the note "again"
    Then the backend refuses with HTTP 409
    And Stripe shows exactly one refund for Ana's charge
