//! What Phemossa's popup and options pages share: the public key with its Copy button, relative
//! times that stay current, alert and status messages, the "Starting Phemossa…" gate with Retry,
//! and helpers around the background's port client. Pure rules (formatting, post checks, feed
//! merging) live in [`format`] and [`feed`] and are tested natively.

pub mod feed;
pub mod format;

mod client;
mod components;
mod time;

pub use client::{request_when_ready, unexpected, use_client, use_client_provider, Pushes};
pub use components::{js_error_text, Alert, PublicKeyField, Starting, Status};
pub use gloo_timers::future::sleep;
pub use time::{focus_later, now_ms, use_clock_provider, TimeAgo};
