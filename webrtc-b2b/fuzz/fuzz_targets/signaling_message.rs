//! Fuzzes what reads `/webrtc-signaling/0.0.1` bytes from a peer: the body decoder must never
//! panic and what it accepts must survive a re-encode; the length-prefixed stream decoder must
//! split the same bytes the same however they arrive; and both roles' state machines, fed the
//! bytes before and after their own SDP, must act or refuse, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webrtc_b2b::signal::{decode, encode, Config, Decoder, Message, Role, Signaling};

const NOW: u64 = 1_767_225_600_000;

/// The messages `decoder` has whole, and whether it then refused what followed.
fn messages(decoder: &mut Decoder) -> (Vec<Message>, bool) {
    let mut out = Vec::new();
    loop {
        match decoder.next_message() {
            Ok(Some(message)) => out.push(message),
            Ok(None) => return (out, false),
            Err(_) => return (out, true),
        }
    }
}

fn drain(machine: &mut Signaling) {
    while machine.poll_action().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    let config = Config::default();
    if let Ok(message) = decode(data) {
        if let Ok(bytes) = encode(&message, usize::MAX) {
            // The encoding carries its length prefix; the body after it decodes to the same.
            let mut decoder = Decoder::new(usize::MAX);
            decoder.push(&bytes);
            assert_eq!(decoder.next_message().ok().flatten(), Some(message));
        }
    }

    // Whole, then in two pieces: the same messages, and the same refusal if any.
    let split = data.len() / 2;
    let mut whole = Decoder::new(config.max_message_len);
    whole.push(data);
    let (from_whole, whole_refused) = messages(&mut whole);
    let mut pieces = Decoder::new(config.max_message_len);
    pieces.push(&data[..split]);
    let (mut from_pieces, mut pieces_refused) = messages(&mut pieces);
    if !pieces_refused {
        pieces.push(&data[split..]);
        let (rest, refused) = messages(&mut pieces);
        from_pieces.extend(rest);
        pieces_refused = refused;
    }
    assert_eq!(from_whole, from_pieces);
    assert_eq!(whole_refused, pieces_refused);

    for role in [Role::Initiator, Role::Responder] {
        let mut fresh = Signaling::new(role, config.clone(), NOW);
        fresh.handle_remote_bytes(data);
        drain(&mut fresh);

        let mut started = Signaling::new(role, config.clone(), NOW);
        drain(&mut started);
        if role == Role::Initiator {
            started.handle_local_offer("v=0\r\n".into());
        }
        drain(&mut started);
        started.handle_remote_bytes(data);
        drain(&mut started);
        started.handle_timeout(NOW + config.attempt_timeout_ms);
        drain(&mut started);
    }
});
