//! Steps about monitoring (checklist §8): alerts reaching the team's alert channel (a real HTTP
//! receiver standing in for Slack), the backend's metrics and its log lines.

use cucumber::{given, then, when};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::logs;
use crate::steps::parameters::{AlertTopic, Card, EventType, Person};
use crate::steps::world::Rehearsal;

/// `Given alerts go to the team's alert channel, with a threshold of 2 per hour`: the backend's
/// `ALERT_WEBHOOK_URL` points at a Slack-compatible receiver this scenario watches.
#[given(expr = "alerts go to the team's alert channel, with a threshold of {int} per hour")]
async fn alerts_go_to_channel(world: &mut Rehearsal, threshold: u32) {
    let channel = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&channel)
        .await;
    world.configure(
        "ALERT_WEBHOOK_URL",
        &format!("{}/services/alerts", channel.uri()),
    );
    world.configure("ALERT_DISPUTE_THRESHOLD", &threshold.to_string());
    world.configure("ALERT_EFW_THRESHOLD", &threshold.to_string());
    world.configure("ALERT_WINDOW_SECONDS", "3600");
    world.alert_channel = Some(channel);
}

/// The backend's alert kind for the words a feature uses.
fn alert_kind(about: &str) -> &'static str {
    match about {
        "a webhook failure" => "webhook_failure",
        "disputes" => "dispute_threshold",
        "early fraud warnings" => "efw_threshold",
        other => panic!("no alert about {other:?}"),
    }
}

/// `Then the alert channel receives an alert about disputes` (or `a webhook failure`, `early
/// fraud warnings`): a Slack-compatible message (`text`) of that kind arrived.
#[then(expr = "the alert channel receives an alert about {alert_topic}")]
async fn channel_receives_alert(world: &mut Rehearsal, about: AlertTopic) {
    let kind = alert_kind(&about);
    let channel = world
        .alert_channel
        .as_ref()
        .expect("the alert channel was set up first");
    eventually(DEFAULT_DEADLINE, || async move {
        let received = channel.received_requests().await.unwrap_or_default();
        let bodies: Vec<serde_json::Value> = received
            .iter()
            .filter_map(|r| serde_json::from_slice(&r.body).ok())
            .collect();
        if bodies
            .iter()
            .any(|b| b["alert"] == kind && b["text"].as_str().is_some_and(|t| !t.is_empty()))
        {
            Ok(())
        } else {
            Err(format!("alerts received: {bodies:?}"))
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("no alert about {about}: {seen}"));
}

/// `When 3 customers pay with the card that creates a dispute`: three new users each subscribe
/// to BASIC monthly and pay with that card.
#[when(expr = "{int} customers pay with {card}")]
async fn customers_pay(world: &mut Rehearsal, count: usize, card: Card) {
    for i in 1..=count {
        let name = format!("Customer{i}");
        world.actor(&name);
        super::checkout::subscribe_with_card(world, &name, "BASIC", "monthly", &card).await;
    }
}

/// `Then the backend's metrics count processed "checkout.session.completed" events`:
/// `GET /metrics` has a non-zero `billing_webhook_events_total` for that type, applied.
#[then(expr = r#"the backend's metrics count processed "{event}" events"#)]
async fn metrics_count(world: &mut Rehearsal, event_type: EventType) {
    let backend = world.backend().await;
    let response = backend.client.metrics().await;
    assert_eq!(response.status, 200, "GET /metrics: {response}");
    let text = response.body.as_str().unwrap_or_default().to_string();
    let counted = text.lines().any(|line| {
        line.starts_with("billing_webhook_events_total")
            && line.contains(&format!("type=\"{event_type}\""))
            && line.contains("outcome=\"applied\"")
            && line
                .rsplit(' ')
                .next()
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|v| v >= 1.0)
    });
    assert!(counted, "no applied {event_type} in the metrics:\n{text}");
}

/// `Then the backend logs the event with its id, type, outcome and Ana's user id` — one JSON
/// line per handled webhook, as ops would search for it.
#[then(expr = r#"the backend logs "{event}" with its event id, outcome and {person}'s user id"#)]
async fn logs_event_context(world: &mut Rehearsal, event_type: EventType, name: Person) {
    let actor = world.known_actor(&name);
    let (user, kind) = (actor.user_id.clone(), event_type.clone());
    let line = eventually(DEFAULT_DEADLINE, || {
        let (user, kind) = (user.clone(), kind.clone());
        async move {
            logs::lines_with(&[&user, &format!("\"{kind}\""), "evt_"])
                .into_iter()
                .find(|l| l.contains("outcome"))
                .ok_or_else(|| "no such log line".to_string())
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("the backend did not log {event_type} for {name}: {seen}"));
    assert!(
        line.contains("event_id"),
        "the log line lacks the event id: {line}"
    );
}
