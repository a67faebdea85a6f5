//! What Phemossa's popup and options pages share: how a page starts and connects to the
//! background (with the "Starting Phemossa…" gate and Retry, and reloads after it restarts), the
//! public key with its Copy button, relative times that stay current, alert and status messages,
//! the network status and sync progress, and helpers around the background's port client. Pure
//! rules (formatting, post checks, feed merging, the network in words, event archives, how people
//! are named, reaction counts) live in [`format`], [`feed`], [`network`], [`archive`],
//! [`people`] and [`reactions`] and are tested natively. [`work`] finds a post's proof of work
//! in the proof-of-work worker when the background asks for it.

pub mod archive;
pub mod feed;
pub mod format;
pub mod mentions;
pub mod network;
pub mod notifications;
pub mod people;
pub mod picture;
pub mod popup_snapshot;
pub mod reactions;
pub mod work;

mod client;
mod components;
mod keep_out_buttons;
mod network_watch;
mod page;
mod person;
mod reconnect;
mod restart_notice;
mod sync_bar;
mod time;

pub use client::{failure_text, use_client, use_client_provider, use_pushes};
pub use components::{
    js_error_text, use_copy_button, Alert, CopyButton, PublicKeyField, RetryAlert, Status,
};
pub use gloo_timers::future::sleep;
pub use keep_out_buttons::KeepOutButtons;
pub use network_watch::{use_network_watch, NetworkWatch};
pub use page::{launch, use_connection, Connection};
pub use person::{ask_picture, picture_stored, People, PersonName};
pub use reconnect::use_reconnects;
pub use restart_notice::RestartNotice;
pub use sync_bar::SyncBar;
pub use time::{focus_later, now_ms, use_clock_provider, TimeAgo};
