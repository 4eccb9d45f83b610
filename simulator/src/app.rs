//! The shared state of a running simulator: options, accounts by API key, the checkout
//! session index used by the hosted page, the HTTP client for webhooks, the shutdown signal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

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
    accounts: RwLock<HashMap<String, Arc<Account>>>,
    sessions: Mutex<HashMap<String, Arc<Account>>>,
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
            accounts: RwLock::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            on_new_account: OnceLock::new(),
        }
    }

    /// The account of an API key, created on first use.
    pub(crate) fn account(&self, key: &str) -> Arc<Account> {
        if let Some(a) = self
            .accounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return a.clone();
        }
        let mut w = self.accounts.write().unwrap_or_else(|e| e.into_inner());
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

    /// Every account with its API key (for snapshots).
    pub(crate) fn accounts(&self) -> Vec<(String, Arc<Account>)> {
        self.accounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, a)| (k.clone(), a.clone()))
            .collect()
    }

    /// Remembers which account owns a checkout session (the session id is the capability
    /// that lets the hosted page work without an API key).
    pub(crate) fn index_session(&self, session_id: &str, account: Arc<Account>) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session_id.to_string(), account);
    }

    /// The account that owns a checkout session.
    pub(crate) fn session_account(&self, session_id: &str) -> Option<Arc<Account>> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(session_id)
            .cloned()
    }
}
