@checklist-6.2 @browser
Feature: Managing billing from the account page, in a browser
  "From the app, open the billing portal (Customer Portal). You can: view invoices, update card
  details, cancel a subscription. After cancellation: webhook logs show
  customer.subscription.deleted; UserSubscription is updated to cancelled and not active."

  Background:
    Given the BASIC and PRO monthly plans are on sale
    And the billing portal cancels subscriptions immediately
    And Ana is signed in
    And Ana has an active BASIC monthly subscription

  @sim-only @checklist-6.2.1 @checklist-6.2.3 @checklist-6.2.4 @checklist-6.2.5 @checklist-6.2.6 @checklist-6.2.7 @checklist-6.2.8 @checklist-6.2.9
  Scenario: Ana opens the portal from her account page, sees her invoice, replaces her card and cancels
    When Ana opens her account page in her browser
    Then her account page shows the BASIC plan, ACTIVE, and when the period ends
    When she presses "Manage billing"
    Then her browser shows the billing portal with her paid BASIC invoice
    When she replaces her card in the portal with the Mastercard test card (5555 5555 5555 4444)
    Then the portal shows her card ending in 4444
    And Stripe shows Ana's new card as her default payment method
    When she presses "Cancel plan now" in the portal
    Then the portal says her plan has been canceled
    And the backend has processed "customer.subscription.deleted"
    And Ana's subscription is CANCELLED and not active
    When she follows "Return to the site" from the portal
    Then her account page shows the FREE plan with status CANCELLED

  @sim-only @checklist-6.2.1
  Scenario: The account page works with the keyboard alone
    When Ana opens her account page in her browser
    And with the keyboard alone she moves to "Manage billing" and presses Enter
    Then her browser shows the billing portal with her paid BASIC invoice
