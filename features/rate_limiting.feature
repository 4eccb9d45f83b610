@checklist-7 @sim-only
Feature: Rate limiting on Checkout
  "Confirm create-checkout-session applies per-user rate limits. Hitting the endpoint rapidly
  produces HTTP 429 and a log entry. Logs for rate-limited events are visible in your logging
  system." (The scenarios set a small limit, so they need a backend of their own: @sim-only.)

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Checkout allows 3 attempts per user per minute
    And Ana is signed in

  @checklist-7.1.1 @checklist-7.1.2 @checklist-7.2.1
  Scenario: A burst of Checkout attempts is stopped with 429 and logged
    When Ana starts Checkout 4 times in a row
    Then the first 3 attempts are accepted and the last is refused with HTTP 429 and a Retry-After
    And the backend logs a "rate_limited" line for Ana

  @checklist-7.1.1
  Scenario: Another user is not affected
    Given Bruno is signed in
    When Ana starts Checkout 4 times in a row
    And Bruno starts Checkout 1 time in a row
    Then Bruno's attempts are all accepted

  @fault-shared-rate-limit-bucket
  Scenario: Being limited on Checkout does not block other endpoints
    When Ana starts Checkout 4 times in a row
    Then Ana can still see her subscription status

  @fault-rejected-attempts-counted
  Scenario: Rejected attempts do not extend the lock-out
    # A deployment's window set short: one attempt comes back every 2/3 s, so the wait is
    # under a second, while nine refused attempts, were they counted, would add six.
    Given Checkout allows 3 attempts per user every 2 seconds
    When Ana starts Checkout 12 times in a row
    Then Ana can start Checkout again as soon as her Retry-After has passed

  Scenario: The billing portal has its own budget per user
    Given the billing portal allows 2 sessions per user per minute
    And Ana has an active BASIC monthly subscription
    When Ana asks for a billing portal link 3 times in a row
    Then only Ana's last attempt is refused with HTTP 429 and a Retry-After

  Scenario: Admin changes have their own budget per admin
    Given admins may make 2 changes per minute
    And Omar from ops is signed in as an admin
    When Omar from ops marks a fraud warning as ignored 3 times in a row
    Then only Omar's last attempt is refused with HTTP 429 and a Retry-After
