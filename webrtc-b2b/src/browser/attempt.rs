//! One connection attempt: drives the sans-IO [`Signaling`] machine with the signaling stream
//! on the relayed connection and a fresh `RTCPeerConnection`, and yields the direct
//! [`Connection`] once the peer connection is `connected`.
//!
//! The machine decides everything (order, limits, timeouts, errors); this only performs its
//! actions and reports the browser's answers. A failed attempt closes its peer connection and
//! leaves the relayed connection as it was.

use std::time::Duration;

use futures::future::{self, Either};
use futures::io::{ReadHalf, WriteHalf};
use futures::{AsyncReadExt, AsyncWriteExt, FutureExt};
use futures_timer::Delay;
use libp2p_identity::PeerId;
use libp2p_swarm::Stream as SignalingStream;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RtcIceCandidateInit, RtcSdpType, RtcSessionDescriptionInit};

use super::channel::now_ms;
use super::connection::Connection;
use super::peer::{describe, Peer, PeerEvent};
use super::registry::Registry;
use crate::signal::{Action, BrowserStep, Role, SdpKind, Signaling};
use crate::{Config, Error};

/// Bytes read from the signaling stream at a time.
const READ_CHUNK: usize = 8 * 1024;

/// Runs an attempt as `role` with `remote` over `stream`.
pub(crate) async fn run(
    role: Role,
    stream: SignalingStream,
    remote: PeerId,
    config: Config,
    registry: Registry,
) -> Result<Connection, Error> {
    let mut peer = Peer::new(
        &config.ice_servers,
        config.relay_only,
        config.stream.clone(),
    )
    .map_err(|reason| Error::BrowserRefused {
        step: BrowserStep::CreatePeerConnection,
        reason,
    })?;
    let mut signaling = Signaling::new(role, config.signaling.clone(), now_ms());
    let (mut reader, mut writer) = stream.split();
    let mut reading = true;
    let mut buffer = vec![0u8; READ_CHUNK];

    loop {
        while let Some(action) = signaling.poll_action() {
            match action {
                Action::Established => {
                    peer.end_attempt();
                    let registration = registry.register(remote, peer.pc().clone());
                    return Ok(Connection::new(peer, registration));
                }
                Action::GiveUp(error) => return Err(error),
                action => {
                    perform(action, &mut peer, &mut signaling, &mut writer, &mut reading).await
                }
            }
        }
        wait(
            &mut signaling,
            &peer,
            &mut reader,
            &mut buffer,
            &mut reading,
        )
        .await;
    }
}

/// Carries out one action that is not the end of the attempt.
async fn perform(
    action: Action,
    peer: &mut Peer,
    signaling: &mut Signaling,
    writer: &mut WriteHalf<SignalingStream>,
    reading: &mut bool,
) {
    match action {
        Action::CreateOffer => {
            peer.open_init_channel();
            match JsFuture::from(peer.pc().create_offer()).await {
                Ok(offer) => signaling.handle_local_offer(sdp_of(&offer)),
                Err(e) => signaling.handle_browser_error(BrowserStep::CreateOffer, describe(e)),
            }
        }
        Action::CreateAnswer => match JsFuture::from(peer.pc().create_answer()).await {
            Ok(answer) => signaling.handle_local_answer(sdp_of(&answer)),
            Err(e) => signaling.handle_browser_error(BrowserStep::CreateAnswer, describe(e)),
        },
        Action::SetLocalDescription { kind, sdp } => {
            let description = description(kind, &sdp);
            if let Err(e) = JsFuture::from(peer.pc().set_local_description(&description)).await {
                signaling.handle_browser_error(BrowserStep::SetLocalDescription, describe(e));
            }
        }
        Action::SetRemoteDescription { kind, sdp } => {
            let description = description(kind, &sdp);
            match JsFuture::from(peer.pc().set_remote_description(&description)).await {
                Ok(_) => signaling.handle_remote_description_applied(),
                Err(e) => {
                    signaling.handle_browser_error(BrowserStep::SetRemoteDescription, describe(e))
                }
            }
        }
        Action::AddRemoteCandidate(json) => {
            // The machine checked the JSON; a candidate the browser still refuses is skipped,
            // as js-libp2p does: others may work.
            if let Ok(init) = js_sys::JSON::parse(&json) {
                let init = RtcIceCandidateInit::from(init);
                let added = peer
                    .pc()
                    .add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init));
                let _ = JsFuture::from(added).await;
            }
        }
        Action::EndOfRemoteCandidates => {}
        Action::Send(bytes) => {
            if writer.write_all(&bytes).await.is_err() {
                *reading = false;
                signaling.handle_remote_closed();
            }
        }
        Action::CloseInitChannel => peer.close_init_channel(),
        // Closing or resetting is best effort: the peer may have gone already.
        Action::CloseStream => {
            let _ = writer.close().await;
        }
        // The stream is reset when the attempt ends and drops it unclosed.
        Action::ResetStream => *reading = false,
        Action::Established | Action::GiveUp(_) => {}
    }
}

/// Waits for the next input (bytes from the peer, a browser event or the deadline) and feeds
/// it to the machine.
async fn wait(
    signaling: &mut Signaling,
    peer: &Peer,
    reader: &mut ReadHalf<SignalingStream>,
    buffer: &mut [u8],
    reading: &mut bool,
) {
    let read = if *reading {
        Either::Left(reader.read(buffer))
    } else {
        Either::Right(future::pending())
    };
    let event = future::poll_fn(|cx| match peer.poll_event(cx.waker()) {
        Some(event) => std::task::Poll::Ready(event),
        None => std::task::Poll::Pending,
    });
    let deadline = match signaling.next_deadline() {
        Some(at) => Either::Left(Delay::new(Duration::from_millis(
            at.saturating_sub(now_ms()),
        ))),
        None => Either::Right(future::pending()),
    };
    futures::select! {
        read = read.fuse() => match read {
            Ok(0) | Err(_) => {
                *reading = false;
                signaling.handle_remote_closed();
            }
            Ok(n) => signaling.handle_remote_bytes(&buffer[..n]),
        },
        event = event.fuse() => match event {
            PeerEvent::Candidate(json) => signaling.handle_local_candidate(json.as_deref()),
            PeerEvent::State(state) => signaling.handle_connection_state(state),
            PeerEvent::InitOpen => signaling.handle_init_channel_open(),
            PeerEvent::InitClosed => signaling.handle_init_channel_closed(),
        },
        () = deadline.fuse() => signaling.handle_timeout(now_ms()),
    }
}

fn description(kind: SdpKind, sdp: &str) -> RtcSessionDescriptionInit {
    let description = RtcSessionDescriptionInit::new(match kind {
        SdpKind::Offer => RtcSdpType::Offer,
        SdpKind::Answer => RtcSdpType::Answer,
    });
    description.set_sdp(sdp);
    description
}

/// The `sdp` of what `createOffer()` or `createAnswer()` resolved to.
fn sdp_of(description: &JsValue) -> String {
    js_sys::Reflect::get(description, &JsValue::from_str("sdp"))
        .ok()
        .and_then(|sdp| sdp.as_string())
        .unwrap_or_default()
}
