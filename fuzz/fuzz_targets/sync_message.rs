//! Fuzzes everything that reads sync and gossip bytes from peers: the message decoder must never
//! panic and whatever it accepts must re-encode to exactly the bytes it came from (one encoding
//! per message); the session, gossip's verdict and its message id must take any bytes calmly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_gossip::{self as gossip, SeenCache};
use phemossa_sync::{Message, PeerScore, Scope, Session, SessionConfig};

const NOW: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::decode(data) {
        assert_eq!(message.encode(), data);
    }
    let mut session = Session::new(SessionConfig::default());
    session.start(Scope::default(), None, NOW);
    session.handle_message(data, NOW);
    while session.poll_output().is_some() {}
    let _ = gossip::message_id(data);
    let topic = "phemossa/v1/author/iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w";
    let _ = gossip::receive(
        data,
        topic,
        NOW,
        &mut SeenCache::default(),
        &mut PeerScore::default(),
    );
});
