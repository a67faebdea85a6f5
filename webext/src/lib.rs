//! The extension plumbing every Phemossa page shares: bindings to `chrome.runtime`, the typed
//! port client the popup and options pages use, and the port server the background uses.
//! Messages are the JSON of `phemossa_api`.

pub mod chrome;
pub mod client;
mod ensure;
pub mod error;
pub mod server;

pub use client::PortClient;
pub use error::WebextError;
pub use server::{listen, PortConnection};
