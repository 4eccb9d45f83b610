@checklist-1 @checklist-2 @checklist-3
Feature: Configuration, prices and database are checked before the service starts
  "Environment variables configured for production; price mapping includes basic.monthly and
  pro.monthly; tables related to subscriptions exist; SubscriptionPlan rows for each tier with
  is_active true for sellable plans."

  @sim-only
  Scenario Outline: A misconfigured deployment refuses to start and says what to fix
    Given a deployment of the backend where <problem>
    When the backend starts
    Then it refuses to start, naming "<variable>"

    @checklist-1.2.1 @checklist-1.2.3
    Examples:
      | problem                                                  | variable                       |
      | STRIPE_MODE is live but the key is a test key            | STRIPE_MODE                    |

    @checklist-1.2.2
    Examples:
      | problem                                                  | variable                       |
      | the webhook secret is missing                            | STRIPE_WEBHOOK_SECRET          |

    @checklist-2.2.2
    Examples:
      | problem                                                  | variable                       |
      | the price mapping is not JSON                            | STRIPE_PLAN_PRICE_MAPPING_TEST |
      | two plans share one price id                             | STRIPE_PLAN_PRICE_MAPPING_TEST |

    @checklist-2.2.3
    Examples:
      | problem                                                  | variable                       |
      | the price mapping lacks pro.monthly                      | pro.monthly                    |

    @checklist-1.2.8
    Examples:
      | problem                                                  | variable                       |
      | auth is disabled in live mode                            | DISABLE_AUTH                   |

  @sim-only @checklist-2.3.1 @checklist-2.3.2 @checklist-3.1.1 @checklist-3.1.2 @checklist-3.1.3 @checklist-3.1.4 @checklist-3.1.5 @checklist-3.2.1
  Scenario: Migrations create every table and seed the plans once
    When the backend's migrations have run
    Then the database has the tables subscription_plans, user_subscriptions, stripe_events, fraud_warnings, disputes, api_usage_logs, usage_summaries and subscription_renewal_history
    And the plans FREE, BASIC, PRO and ENTERPRISE exist and are active

  @smoke @checklist-2.3.2 @checklist-6.1.2
  Scenario: The plans on sale are listed by the backend
    Given the BASIC and PRO monthly plans are on sale
    When someone who is not signed in asks for the plans
    Then the backend lists the plans BASIC and PRO as active
