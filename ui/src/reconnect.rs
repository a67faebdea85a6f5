//! Reloading after the background comes back: the port client reconnects by itself when the
//! background restarts, but the pushes sent while it was away are lost, so what a page shows
//! must be asked for again.

use std::future::Future;

use dioxus::prelude::*;
use futures_channel::mpsc::unbounded;
use futures_util::StreamExt;
use phemossa_webext::PortClient;

/// Runs `reload` inside the calling component's task after every reconnect of `client` that
/// follows a lost connection (the subscriptions are renewed by then), one at a time. Stops when
/// the component is dropped.
pub fn use_reconnects<F>(client: &PortClient, mut reload: impl FnMut() -> F + 'static)
where
    F: Future<Output = ()> + 'static,
{
    let client = client.clone();
    use_hook(move || {
        let (sender, mut reconnects) = unbounded::<()>();
        client.on_reconnect(move || {
            // Fails only once the component is gone, when nothing needs reloading.
            let _ = sender.unbounded_send(());
        });
        spawn(async move {
            while reconnects.next().await.is_some() {
                reload().await;
            }
        });
    });
}
