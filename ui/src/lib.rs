//! What Phemossa's popup and options pages share: how a page starts and connects to the
//! background (with the "Starting Phemossa…" gate and Retry, and reloads after it restarts), the
//! public key with its Copy button, relative times that stay current, alert and status messages,
//! and helpers around the background's port client. Pure rules (formatting, post checks, feed
//! merging) live in [`format`] and [`feed`] and are tested natively.

pub mod feed;
pub mod format;

mod client;
mod components;
mod page;
mod reconnect;
mod time;

pub use client::{failure_text, use_client, use_client_provider, use_pushes};
pub use components::{js_error_text, Alert, PublicKeyField, RetryAlert, Status};
pub use gloo_timers::future::sleep;
pub use page::{launch, use_connection, Connection};
pub use reconnect::use_reconnects;
pub use time::{focus_later, now_ms, use_clock_provider, TimeAgo};
