@checklist-5
Feature: Admin access to the ops tools
  "Confirm at least one admin user can access /stripe-disputes. Non-admin users cannot access
  sensitive endpoints (disputes, fraud warnings)."

  Background:
    Given the BASIC and PRO monthly plans are on sale

  @smoke @checklist-1.2.6 @checklist-5.1.1 @checklist-5.2.1
  Scenario: An admin listed by e-mail opens the Disputes tab
    Given Omar from ops is signed in as an admin
    When Omar from ops opens the Disputes tab
    Then the Disputes tab loads

  @smoke @checklist-1.2.7 @checklist-5.3.1
  Scenario: An admin by company domain opens the Fraud Warnings tab
    Given the company's admin domain is set
    And Dana is signed in with an e-mail at the admin domain
    When Dana opens the Fraud Warnings tab
    Then the Fraud Warnings tab loads

  @smoke @checklist-1.2.7 @checklist-5.1.2
  Scenario: A subdomain of the admin domain is not admin
    Given the company's admin domain is set
    And Sam is signed in with an e-mail at a subdomain of the admin domain
    When Sam opens the Disputes tab
    Then the backend refuses with HTTP 403

  @smoke @checklist-5.1.2
  Scenario Outline: A signed-in user who is not an admin is refused the ops tools
    Given Ana is signed in
    When Ana opens the <tab>
    Then the backend refuses with HTTP 403

    Examples:
      | tab                |
      | Disputes tab       |
      | Fraud Warnings tab |

  @smoke @checklist-5.1.2
  Scenario: The ops dashboard page itself is refused to a signed-in user who is not an admin
    Given Ana is signed in
    When Ana requests the ops dashboard page directly
    Then the page is refused with HTTP 403

  @smoke @checklist-5.1.1
  Scenario: The ops dashboard page itself loads for an admin
    Given Omar from ops is signed in as an admin
    When Omar requests the ops dashboard page directly
    Then the page loads with HTTP 200

  @smoke @checklist-5.1.2
  Scenario: Nobody reaches the ops tools without signing in
    When someone who is not signed in opens the Disputes tab
    Then the backend refuses with HTTP 401

  @sim-only @fault-non-admin-500 @checklist-5.1.2
  Scenario: A non-admin is refused even when Stripe is misconfigured
    Given Stripe rejects the backend's API key
    And Ana is signed in
    When Ana opens the Disputes tab
    Then the backend refuses with HTTP 403
