@sim-only
Feature: Go-live preflight of a deployment
  "Environment variables configured for production. No Stripe keys are committed to the repo.
  All required prices exist in Stripe. Price mapping in backend updated. SubscriptionPlan data is
  consistent. Tables related to subscriptions exist. Production webhook endpoint configured in
  Stripe Dashboard: uses HTTPS, subscribed events include at least the checklist's. No
  references to test keys remain in production configs."

  Ops run `golive preflight` against a deployment's environment, its Stripe account and its
  database. Every line says PASS, WARN or FAIL with the checklist item, and a FAIL says the fix.

  @checklist-1 @checklist-2 @checklist-3 @checklist-4
  Scenario: A deployment that is ready passes every check
    Given a test deployment that is ready for launch
    And the source tree holds no Stripe key
    When ops run the preflight
    Then the preflight passes
    And the preflight passes items 1, 2, 3 and 4

  @checklist-1
  Scenario: A live deployment with a test webhook secret is refused
    Given a live deployment whose webhook secret is a test secret
    When ops run the preflight
    Then the preflight fails item 1 with the fix "use the signing secret of the live-mode webhook endpoint"

  @checklist-1 @checklist-2 @checklist-9
  Scenario: A live deployment still running on a test key
    Given a live deployment that is configured for launch
    And its Stripe secret key is a test key
    When ops run the preflight
    Then the preflight fails item 1 with the fix "use a live key"
    And the preflight fails item 2 naming "is a test-mode price but the deployment is in live mode"
    And the preflight fails item 9 naming "STRIPE_SECRET_KEY"

  @checklist-9
  Scenario: A test key forgotten in a live configuration
    Given a live deployment that is configured for launch
    And a test secret key is left in the deployment's OLD_STRIPE_KEY
    When ops run the preflight
    Then the preflight fails item 9 naming "OLD_STRIPE_KEY (sk_test_…)"

  @checklist-1
  Scenario: A live deployment with authentication switched off is refused
    Given a live deployment that is configured for launch
    And the deployment sets DISABLE_AUTH to "true"
    When ops run the preflight
    Then the preflight fails item 1 with the fix "unset DISABLE_AUTH"

  @checklist-1
  Scenario: Authentication switched off in a test deployment is a warning
    Given a test deployment that is ready for launch
    And the deployment sets DISABLE_AUTH to "true"
    When ops run the preflight
    Then the preflight warns on item 1 naming "anyone can act as any user"
    And the preflight passes

  @checklist-1
  Scenario: Nobody is named admin
    Given a test deployment that is ready for launch
    And the deployment does not set ADMIN_EMAILS
    When ops run the preflight
    Then the preflight fails item 1 with the fix "set ADMIN_EMAILS"

  @checklist-1 @checklist-2
  Scenario: A price mapping without pro.monthly is refused
    Given a test deployment that is ready for launch
    And its price mapping has no pro.monthly
    When ops run the preflight
    Then the preflight fails item 1 naming "`pro.monthly` is required"
    And the preflight fails item 2 naming "has no pro.monthly"

  @checklist-1
  Scenario: A live key committed to the source tree is found and not shown
    Given a test deployment that is ready for launch
    And a live secret key is committed in the source tree at "config/settings.py"
    When ops run the preflight
    Then the preflight fails item 1 naming "config/settings.py:3 (sk_live_…)"
    And the preflight's output does not show the committed key

  @checklist-2
  Scenario: A mapped price that does not exist in Stripe
    Given a test deployment that is ready for launch
    And its price mapping sells basic.yearly with a price that does not exist in Stripe
    When ops run the preflight
    Then the preflight fails item 2 naming "does not exist in this test account"

  @checklist-2
  Scenario: A mapped price that was archived in Stripe
    Given a test deployment that is ready for launch
    And the PRO monthly price is archived in Stripe
    When ops run the preflight
    Then the preflight fails item 2 with the fix "unarchive"

  @checklist-2
  Scenario: A yearly plan mapped to a price billed every month
    Given a test deployment that is ready for launch
    And its price mapping sells basic.yearly with a price billed every month
    When ops run the preflight
    Then the preflight fails item 2 naming "bills every 1 month(s) but is mapped as yearly"

  @checklist-2
  Scenario: A sellable plan switched off in the database
    Given a test deployment that is ready for launch
    And the PRO plan is switched off in its database
    When ops run the preflight
    Then the preflight fails item 2 with the fix "set is_active = true on the PRO row"

  @checklist-2
  Scenario: A mapped tier with no plan row
    Given a test deployment that is ready for launch
    And its database has no BASIC plan
    When ops run the preflight
    Then the preflight fails item 2 naming "subscription_plans has no basic row"

  @checklist-3
  Scenario: A database that was never migrated
    Given a test deployment that is ready for launch
    And its database has never been migrated
    When ops run the preflight
    Then the preflight fails item 3 with the fix "billing migrate"
    And the preflight fails item 3 naming "5 of 5 not applied"

  @checklist-3
  Scenario: A database behind the backend's migrations
    Given a test deployment that is ready for launch
    And its database has not had the latest migration
    When ops run the preflight
    Then the preflight fails item 3 naming "1 of 5 not applied"

  @checklist-3
  Scenario: The fraud warnings table is missing
    Given a test deployment that is ready for launch
    And the fraud_warnings table is missing from its database
    When ops run the preflight
    Then the preflight fails item 3 naming "missing: fraud_warnings"

  @checklist-4
  Scenario: No webhook endpoint points at the production backend
    Given a test deployment that is ready for launch
    And the webhook endpoint in Stripe points at another backend
    When ops run the preflight
    Then the preflight fails item 4 with the fix "Developers → Webhooks → Add endpoint"

  @checklist-4
  Scenario: The webhook endpoint is disabled
    Given a test deployment that is ready for launch
    And the webhook endpoint is disabled in Stripe
    When ops run the preflight
    Then the preflight fails item 4 naming "is disabled"

  @checklist-4
  Scenario: The webhook endpoint misses a required event
    Given a test deployment that is ready for launch
    And the webhook endpoint does not listen to "invoice.payment_failed"
    When ops run the preflight
    Then the preflight fails item 4 naming "does not subscribe to invoice.payment_failed"

  @checklist-4
  Scenario: The optional fraud-warning update event is only a warning
    Given a test deployment that is ready for launch
    And the webhook endpoint does not listen to "radar.early_fraud_warning.updated"
    When ops run the preflight
    Then the preflight warns on item 4 naming "radar.early_fraud_warning.updated"
    And the preflight passes

  @checklist-4
  Scenario: An endpoint that listens to every event has the checklist's events
    Given a test deployment that is ready for launch
    And the webhook endpoint listens to every event
    When ops run the preflight
    Then the preflight passes items 4

  @checklist-4
  Scenario: A webhook URL without HTTPS is refused
    Given a test deployment that is ready for launch
    And the backend's public URL is plain http
    When ops run the preflight
    Then the preflight fails item 4 naming "is not HTTPS"

  @checklist-1
  Scenario: The environment is read from an env file
    Given a test deployment that is ready for launch
    And the deployment's environment is kept in an env file
    When ops run the preflight
    Then the preflight passes

  @checklist-1
  Scenario: A missing env file is one clear failure
    Given a test deployment that is ready for launch
    And the deployment's env file is missing
    When ops run the preflight
    Then the preflight shows exactly one failure, naming "does not exist"

  @checklist-1
  Scenario: An unreachable Stripe API is one clear failure
    Given a test deployment that is ready for launch
    And the Stripe API cannot be reached from the deployment
    When ops run the preflight
    Then the preflight shows exactly one failure, naming "cannot be reached"
    And the checks that need Stripe are reported as not run

  @checklist-1
  Scenario: A key Stripe refuses is one clear failure
    Given a test deployment that is ready for launch
    And Stripe refuses the deployment's secret key
    When ops run the preflight
    Then the preflight shows exactly one failure, naming "HTTP 401"
    And the checks that need Stripe are reported as not run

  @checklist-3
  Scenario: An unreachable database is one clear failure
    Given a test deployment that is ready for launch
    And its database cannot be reached
    When ops run the preflight
    Then the preflight shows exactly one failure, naming "cannot be reached"
    And the checks that need the database are reported as not run
