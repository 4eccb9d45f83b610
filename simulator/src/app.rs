//! The shared state of a running simulator: options, accounts by API key, the checkout
//! session index used by the hosted page, the HTTP client for webhooks, the shutdown signal.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock, RwLock, Weak};

use tokio::sync::watch;

use crate::SimOptions;
use crate::account::Account;

/// Shared application state (one per running simulator).
#[derive(Debug)]
pub(crate) struct App {
    /// Public base URL without a trailing slash (used in hosted page URLs).
    pub(crate) base_url: String,
    /// Start-up options.
    pub(crate) options: SimOptions,
    /// HTTP client for webhook deliveries.
    pub(crate) http: reqwest::Client,
    /// Becomes `true` when the simulator shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
    accounts: Shards,
    sessions: Shards,
    /// Run for every new account (webhook delivery starts its dispatcher there), with the
    /// app itself; set once at start-up so this module need not know about delivery.
    on_new_account: OnceLock<(Weak<App>, NewAccountHook)>,
}

/// What [`App::on_new_account`] runs.
pub(crate) type NewAccountHook = fn(Arc<App>, &Arc<Account>);

impl App {
    /// Builds the state.
    pub(crate) fn new(
        base_url: String,
        options: SimOptions,
        http: reqwest::Client,
        shutdown: watch::Receiver<bool>,
    ) -> App {
        App {
            base_url,
            options,
            http,
            shutdown,
            accounts: Shards::new(),
            sessions: Shards::new(),
            on_new_account: OnceLock::new(),
        }
    }

    /// The account of an API key, created on first use. Only the key's shard is locked, and
    /// only for reading once the account exists, so accounts never wait for each other.
    pub(crate) fn account(&self, key: &str) -> Arc<Account> {
        let shard = self.accounts.shard(key);
        if let Some(a) = shard.read().unwrap_or_else(|e| e.into_inner()).get(key) {
            return a.clone();
        }
        let mut w = shard.write().unwrap_or_else(|e| e.into_inner());
        let mut created = false;
        let account = w
            .entry(key.to_string())
            .or_insert_with(|| {
                created = true;
                Arc::new(Account::new())
            })
            .clone();
        drop(w);
        if created
            && let Some((app, hook)) = self.on_new_account.get()
            && let Some(app) = app.upgrade()
        {
            hook(app, &account);
        }
        account
    }

    /// Sets what runs for every account created from now on (once; later calls are ignored).
    pub(crate) fn on_new_account(self: &Arc<Self>, hook: NewAccountHook) {
        let _ = self.on_new_account.set((Arc::downgrade(self), hook));
    }

    /// Every account with its API key (for snapshots, health and draining).
    pub(crate) fn accounts(&self) -> Vec<(String, Arc<Account>)> {
        self.accounts.all()
    }

    /// Remembers which account owns a checkout session (the session id is the capability
    /// that lets the hosted page work without an API key).
    pub(crate) fn index_session(&self, session_id: &str, account: Arc<Account>) {
        self.sessions
            .shard(session_id)
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session_id.to_string(), account);
    }

    /// The account that owns a checkout session.
    pub(crate) fn session_account(&self, session_id: &str) -> Option<Arc<Account>> {
        self.sessions
            .shard(session_id)
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(session_id)
            .cloned()
    }
}

/// How many shards the key → account maps are split into: enough that 50 CI jobs' accounts
/// rarely share one, few enough to cost nothing.
const SHARDS: usize = 64;

/// A map from API keys (or session ids) to accounts, split into [`SHARDS`] independently
/// locked parts, so one simulator serving many jobs has no lock every request takes.
#[derive(Debug)]
struct Shards {
    parts: Vec<RwLock<HashMap<String, Arc<Account>>>>,
}

impl Shards {
    fn new() -> Shards {
        Shards {
            parts: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &str) -> &RwLock<HashMap<String, Arc<Account>>> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        &self.parts[(h.finish() as usize) % SHARDS]
    }

    fn all(&self) -> Vec<(String, Arc<Account>)> {
        self.parts
            .iter()
            .flat_map(|p| {
                p.read()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .map(|(k, a)| (k.clone(), a.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}
