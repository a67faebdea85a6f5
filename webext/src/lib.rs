//! The extension plumbing every Phemossa page shares: bindings to `chrome.runtime`, the typed
//! port client the popup and options pages use, the port server the background uses, and the
//! proof-of-work search in a Web Worker (`work_search`) both use. Messages are the JSON of
//! `phemossa_api`.

pub mod chrome;
pub mod client;
mod ensure;
pub mod error;
pub mod server;
pub mod work_search;

pub use client::{PortClient, Reader};
pub use error::WebextError;
pub use server::{listen, PortConnection};
