@checklist-6.1 @browser
Feature: Subscribing from the Pricing page, in a browser
  "As a test user: go to Pricing page. Select BASIC monthly (or equivalent). Start Stripe
  Checkout and complete payment with test card. You are redirected back to the success URL."
  These scenarios click what a person clicks, in a real browser; the API scenarios of
  "New subscription through Stripe Checkout" prove the contract underneath.

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And Ana is signed in

  @sim-only @checklist-6.1.1 @checklist-6.1.2 @checklist-6.1.3 @checklist-6.1.4 @checklist-6.1.5 @checklist-6.1.7 @checklist-6.1.9
  Scenario: Ana picks BASIC monthly on the Pricing page and pays on Stripe's Checkout page
    When Ana opens the Pricing page in her browser
    Then the Pricing page offers BASIC and PRO, and says she is on the free plan
    When she presses "Subscribe to BASIC"
    And she types a card that succeeds on the Checkout page and presses Pay
    Then her browser is back on the success page
    And the success page shows her BASIC plan is active
    And the backend has processed "checkout.session.completed"
    And Ana's subscription is ACTIVE on BASIC monthly

  @sim-only @checklist-6.1.4
  Scenario: A declined card on the Checkout page leaves Ana on the free plan
    When Ana opens the Pricing page in her browser
    And she presses "Subscribe to BASIC"
    And she types a card that is declined on the Checkout page and presses Pay
    Then the Checkout page in her browser says her card was declined
    And Ana has no active paid subscription

  @sim-only @checklist-6.1.3
  Scenario: A subscriber sees her plan on the Pricing page and cannot buy a second one
    Given Ana has an active BASIC monthly subscription
    When Ana opens the Pricing page in her browser
    Then the Pricing page shows her current plan is BASIC
    When she presses "Subscribe to PRO"
    Then the page tells her "You already have an active BASIC subscription"

  @sim-only @checklist-7
  Scenario: Subscribing too often is answered with the wait, in words
    Given Checkout allows 1 attempts per user per minute
    When Ana opens the Pricing page in her browser
    And she presses "Subscribe to BASIC"
    Then her browser is on Stripe's Checkout page
    When she goes back to the Pricing page
    And she presses "Subscribe to BASIC"
    Then the page tells her "Please wait"

  @sim-only @checklist-6.1.2 @checklist-6.1.3
  Scenario: The Pricing page works with the keyboard alone
    When Ana opens the Pricing page in her browser
    And with the keyboard alone she moves to "Subscribe to BASIC" and presses Enter
    Then her browser is on Stripe's Checkout page

  @sim-only
  Scenario: Leaving Checkout brings Ana to the cancelled page, charged nothing
    When Ana opens the Pricing page in her browser
    And she presses "Subscribe to BASIC"
    And she leaves the Checkout page with "Cancel and go back"
    Then the page tells her "Nothing was charged"
    And Ana has no active paid subscription

  @sim-only
  Scenario: Without a session the pages show the sign-in page
    When someone who is not signed in opens the Pricing page in a browser
    Then the page tells them "Sign in to continue"
