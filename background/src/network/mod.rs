//! The browser's libp2p node: reserves slots on the relays in the network settings, meets
//! peers through rendezvous, syncs with each (core's sync session, answered from IndexedDB),
//! gossips new events and fetches the pictures they name. It runs as one task that owns the swarm; the rest of the background talks
//! to it through a [`NetworkHandle`] and reads its state from the shared [`NetworkStatus`].

mod behaviour;
mod blobs;
mod driver;
mod gossip;
pub mod handle;
mod in_order;
mod peers;
mod relays;
pub mod services;
mod status;
mod store_work;
mod threads;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use libp2p::identity::Keypair;
use phemossa_api::{NetworkState, NetworkStatus};
use phemossa_node::limits::{keeps_record, ConnectionCaps};

use crate::error::BackgroundError;
use crate::storage::Storage;
use handle::NetworkHandle;
pub use services::Services;

/// Starts the node with the saved settings and device key.
pub async fn start(services: Services) -> Result<NetworkHandle, BackgroundError> {
    let storage = &services.storage;
    let settings = storage.network_settings().await?;
    let key = device_key(storage).await?;
    let status = Rc::new(RefCell::new(NetworkStatus {
        local_peer_id: key.public().to_peer_id().to_string(),
        ..NetworkStatus::default()
    }));
    // Records of peers unseen for a month (and not banned) are forgotten, so the table does
    // not keep every peer id a relay ever listed.
    let now = crate::clock::now_ms();
    let (known, aged): (Vec<_>, Vec<_>) = storage
        .peer_records()
        .await?
        .into_iter()
        .partition(|r| keeps_record(r.last_seen, r.banned_until, now));
    let aged: Vec<String> = aged.into_iter().map(|r| r.peer_id).collect();
    if let Err(error) = storage.forget_peers(&aged).await {
        // Kept another run: they are not loaded, only not yet deleted.
        web_sys::console::warn_1(&format!("phemossa: forgetting old peers: {error}").into());
    }
    let caps = ConnectionCaps::for_max_peers(settings.max_peers);
    let swarm = match behaviour::build_swarm(key, caps) {
        Ok(swarm) => swarm,
        Err(error) => {
            status.borrow_mut().state = NetworkState::Failed {
                reason: error.to_string(),
            };
            return Err(error);
        }
    };
    let (commands, receiver) = mpsc::unbounded();
    let handle = NetworkHandle::new(commands, Rc::clone(&status));
    let driver = driver::Driver::new(swarm, services, status, settings, known);
    wasm_bindgen_futures::spawn_local(driver.run(receiver));
    Ok(handle)
}

/// The device's libp2p key: made once and kept, so the peer id stays the same across restarts.
/// It is not the user's identity key: two devices of one person are two peers.
async fn device_key(storage: &Storage) -> Result<Keypair, BackgroundError> {
    if let Some(bytes) = storage.device_key().await? {
        if let Ok(key) = Keypair::from_protobuf_encoding(&bytes) {
            return Ok(key);
        }
    }
    let key = Keypair::generate_ed25519();
    let bytes = key
        .to_protobuf_encoding()
        .map_err(|e| BackgroundError::Network {
            reason: format!("encoding the device key: {e}"),
        })?;
    storage.save_device_key(&bytes).await?;
    Ok(key)
}
