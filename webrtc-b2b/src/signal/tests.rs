//! Every transition and every refusal of [`Signaling`].

use super::*;
use crate::{Codec, Error, Side};

const OFFER: &str =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 AA\r\n";
const ANSWER: &str =
    "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 BB\r\n";
const CAND_A: &str = r#"{"candidate":"candidate:1 1 udp 2122260223 10.77.0.2 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"a"}"#;
const CAND_B: &str = r#"{"candidate":"candidate:2 1 udp 2122260223 10.77.0.3 50001 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"b"}"#;

fn drain(s: &mut Signaling) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

fn wire(message: Message) -> Vec<u8> {
    encode(&message, DEFAULT_MAX_MESSAGE_LEN).unwrap()
}

fn send(message: Message) -> Action {
    Action::Send(wire(message))
}

fn initiator() -> Signaling {
    Signaling::new(Role::Initiator, Config::default(), 0)
}

fn responder() -> Signaling {
    Signaling::new(Role::Responder, Config::default(), 0)
}

/// An initiator whose offer is out and whose answer is applied.
fn initiator_exchanging() -> Signaling {
    let mut s = initiator();
    s.handle_local_offer(OFFER.into());
    s.handle_remote_bytes(&wire(Message::answer(ANSWER)));
    s.handle_remote_description_applied();
    drain(&mut s);
    assert_eq!(s.phase(), Phase::ExchangingCandidates);
    s
}

/// A responder whose offer is applied and whose answer is out.
fn responder_exchanging() -> Signaling {
    let mut s = responder();
    s.handle_remote_bytes(&wire(Message::offer(OFFER)));
    s.handle_remote_description_applied();
    s.handle_local_answer(ANSWER.into());
    drain(&mut s);
    assert_eq!(s.phase(), Phase::ExchangingCandidates);
    s
}

fn assert_gave_up(s: &mut Signaling, error: Error) {
    assert_eq!(drain(s), [Action::ResetStream, Action::GiveUp(error)]);
    assert_eq!(s.phase(), Phase::Failed);
    assert!(s.is_finished());
    assert_eq!(s.next_deadline(), None);
}

/// Once finished, nothing moves a machine.
fn assert_inert(s: &mut Signaling) {
    let phase = s.phase();
    s.handle_remote_bytes(&wire(Message::offer(OFFER)));
    s.handle_remote_bytes(&[0xff; 12]);
    s.handle_remote_message(Message::answer(ANSWER));
    s.handle_remote_closed();
    s.handle_local_offer(OFFER.into());
    s.handle_local_answer(ANSWER.into());
    s.handle_local_candidate(Some(CAND_A));
    s.handle_local_candidate(Some("not json"));
    s.handle_remote_description_applied();
    s.handle_connection_state(PeerConnectionState::Connected);
    s.handle_connection_state(PeerConnectionState::Failed);
    s.handle_init_channel_open();
    s.handle_init_channel_closed();
    s.handle_browser_error(BrowserStep::CreateOffer, "x".into());
    s.handle_timeout(u64::MAX);
    assert_eq!(drain(s), []);
    assert_eq!(s.phase(), phase);
}

// --- Happy paths -------------------------------------------------------------------------

#[test]
fn initiator_happy_path() {
    let mut s = initiator();
    assert_eq!(s.role(), Role::Initiator);
    assert_eq!(s.phase(), Phase::AwaitingLocalOffer);
    assert_eq!(s.next_deadline(), Some(DEFAULT_ATTEMPT_TIMEOUT_MS));
    assert_eq!(drain(&mut s), [Action::CreateOffer]);

    // A candidate produced before the offer is out waits for it.
    s.handle_local_candidate(Some(CAND_A));
    assert_eq!(drain(&mut s), []);
    s.handle_local_offer(OFFER.into());
    assert_eq!(
        drain(&mut s),
        [
            send(Message::offer(OFFER)),
            Action::SetLocalDescription {
                kind: SdpKind::Offer,
                sdp: OFFER.into()
            },
            send(Message::candidate(CAND_A)),
        ]
    );
    assert_eq!(s.phase(), Phase::AwaitingAnswer);

    s.handle_remote_bytes(&wire(Message::answer(ANSWER)));
    assert_eq!(
        drain(&mut s),
        [Action::SetRemoteDescription {
            kind: SdpKind::Answer,
            sdp: ANSWER.into()
        }]
    );
    assert_eq!(s.phase(), Phase::ExchangingCandidates);

    // Remote candidates wait until the answer is applied.
    s.handle_remote_bytes(&wire(Message::candidate(CAND_B)));
    assert_eq!(drain(&mut s), []);
    s.handle_remote_description_applied();
    assert_eq!(drain(&mut s), [Action::AddRemoteCandidate(CAND_B.into())]);
    s.handle_remote_bytes(&wire(Message::candidate(CAND_B)));
    assert_eq!(drain(&mut s), [Action::AddRemoteCandidate(CAND_B.into())]);
    s.handle_local_candidate(Some(CAND_A));
    assert_eq!(drain(&mut s), [send(Message::candidate(CAND_A))]);

    s.handle_connection_state(PeerConnectionState::Connecting);
    assert_eq!(drain(&mut s), []);
    s.handle_init_channel_open();
    assert_eq!(drain(&mut s), []);
    s.handle_connection_state(PeerConnectionState::Connected);
    assert_eq!(drain(&mut s), [Action::CloseInitChannel]);
    assert_eq!(s.phase(), Phase::ClosingInitChannel);
    assert_eq!(s.next_deadline(), Some(DEFAULT_ATTEMPT_TIMEOUT_MS));

    // Once connected, remote input and local candidates no longer matter.
    s.handle_remote_bytes(&wire(Message::candidate(CAND_B)));
    s.handle_remote_bytes(&[0xff; 12]);
    s.handle_remote_closed();
    s.handle_local_candidate(Some(CAND_A));
    s.handle_connection_state(PeerConnectionState::Connected);
    s.handle_init_channel_open();
    assert_eq!(drain(&mut s), []);

    s.handle_init_channel_closed();
    assert_eq!(drain(&mut s), [Action::CloseStream, Action::Established]);
    assert_eq!(s.phase(), Phase::Established);
    assert_eq!(s.next_deadline(), None);
    assert_inert(&mut s);
}

#[test]
fn responder_happy_path() {
    let mut s = responder();
    assert_eq!(s.role(), Role::Responder);
    assert_eq!(s.phase(), Phase::AwaitingOffer);
    assert_eq!(drain(&mut s), []);

    // Offer and a first candidate in one read.
    let mut bytes = wire(Message::offer(OFFER));
    bytes.extend(wire(Message::candidate(CAND_A)));
    s.handle_remote_bytes(&bytes);
    assert_eq!(
        drain(&mut s),
        [Action::SetRemoteDescription {
            kind: SdpKind::Offer,
            sdp: OFFER.into()
        }]
    );
    assert_eq!(s.phase(), Phase::AwaitingLocalAnswer);

    s.handle_local_candidate(Some(CAND_B)); // before the answer is out: waits
    s.handle_remote_description_applied();
    assert_eq!(
        drain(&mut s),
        [
            Action::CreateAnswer,
            Action::AddRemoteCandidate(CAND_A.into())
        ]
    );
    s.handle_remote_bytes(&wire(Message::candidate(CAND_A)));
    assert_eq!(drain(&mut s), [Action::AddRemoteCandidate(CAND_A.into())]);

    s.handle_local_answer(ANSWER.into());
    assert_eq!(
        drain(&mut s),
        [
            send(Message::answer(ANSWER)),
            Action::SetLocalDescription {
                kind: SdpKind::Answer,
                sdp: ANSWER.into()
            },
            send(Message::candidate(CAND_B)),
        ]
    );
    assert_eq!(s.phase(), Phase::ExchangingCandidates);
    s.handle_local_candidate(Some(CAND_B));
    assert_eq!(drain(&mut s), [send(Message::candidate(CAND_B))]);

    s.handle_connection_state(PeerConnectionState::Connected);
    assert_eq!(drain(&mut s), [Action::CloseStream, Action::Established]);
    assert_eq!(s.phase(), Phase::Established);
    assert_inert(&mut s);
}

#[test]
fn initiator_init_channel_events_in_any_order() {
    // Closed (e.g. it failed) before connected: established at once.
    let mut s = initiator_exchanging();
    s.handle_init_channel_closed();
    assert_eq!(drain(&mut s), []);
    s.handle_connection_state(PeerConnectionState::Connected);
    assert_eq!(drain(&mut s), [Action::CloseStream, Action::Established]);

    // Opened after connected: closed then.
    let mut s = initiator_exchanging();
    s.handle_connection_state(PeerConnectionState::Connected);
    assert_eq!(drain(&mut s), []);
    s.handle_init_channel_open();
    assert_eq!(drain(&mut s), [Action::CloseInitChannel]);
    s.handle_init_channel_open(); // a second report asks nothing more
    assert_eq!(drain(&mut s), []);
    s.handle_init_channel_closed();
    assert_eq!(drain(&mut s), [Action::CloseStream, Action::Established]);
}

#[test]
fn end_of_candidates_markers_are_passed_on_and_not_counted() {
    let config = Config {
        max_remote_candidates: 1,
        ..Config::default()
    };
    let mut s = Signaling::new(Role::Responder, config, 0);
    s.handle_remote_bytes(&wire(Message::offer(OFFER)));
    s.handle_remote_bytes(&wire(Message {
        kind: MessageType::IceCandidate,
        data: None,
    }));
    s.handle_remote_description_applied();
    assert_eq!(
        drain(&mut s),
        [
            Action::SetRemoteDescription {
                kind: SdpKind::Offer,
                sdp: OFFER.into()
            },
            Action::CreateAnswer,
            Action::EndOfRemoteCandidates,
        ]
    );
    for data in ["", "null", r#""""#, r#"{"candidate":"","sdpMid":"0"}"#] {
        s.handle_remote_bytes(&wire(Message::candidate(data)));
        assert_eq!(drain(&mut s), [Action::EndOfRemoteCandidates], "{data}");
    }
    s.handle_remote_bytes(&wire(Message::candidate(CAND_A)));
    assert_eq!(drain(&mut s), [Action::AddRemoteCandidate(CAND_A.into())]);
    // More candidates after an end marker are allowed (a new generation).
    s.handle_remote_bytes(&wire(Message::candidate(CAND_B)));
    assert_gave_up(&mut s, Error::TooManyCandidates { max: 1 });
}

#[test]
fn local_end_of_candidates_is_not_sent() {
    let mut s = initiator_exchanging();
    for json in [
        None,
        Some(""),
        Some("null"),
        Some(r#"{"candidate":"","sdpMid":"0"}"#),
    ] {
        s.handle_local_candidate(json);
    }
    assert_eq!(drain(&mut s), []);
    assert_eq!(s.phase(), Phase::ExchangingCandidates);
}

#[test]
fn the_peer_closing_after_its_sdp_is_not_an_error() {
    let mut s = initiator_exchanging();
    s.handle_remote_closed();
    s.handle_remote_closed();
    assert_eq!(drain(&mut s), []);
    s.handle_local_candidate(Some(CAND_A)); // we may still send
    assert_eq!(drain(&mut s), [send(Message::candidate(CAND_A))]);
    s.handle_init_channel_open();
    s.handle_connection_state(PeerConnectionState::Connected);
    s.handle_init_channel_closed();
    assert_eq!(
        drain(&mut s),
        [
            Action::CloseInitChannel,
            Action::CloseStream,
            Action::Established
        ]
    );

    let mut s = responder();
    s.handle_remote_bytes(&wire(Message::offer(OFFER)));
    s.handle_remote_closed();
    s.handle_remote_description_applied();
    s.handle_local_answer(ANSWER.into());
    s.handle_connection_state(PeerConnectionState::Connected);
    let actions = drain(&mut s);
    assert_eq!(actions.last(), Some(&Action::Established));
}

#[test]
fn disconnected_and_other_states_do_not_end_the_attempt() {
    let mut s = responder_exchanging();
    for state in [
        PeerConnectionState::New,
        PeerConnectionState::Connecting,
        PeerConnectionState::Disconnected,
    ] {
        s.handle_connection_state(state);
    }
    assert_eq!(drain(&mut s), []);
    assert_eq!(s.phase(), Phase::ExchangingCandidates);
}

/// Two machines joined back to back by a fake browser on each side reach `Established`.
#[test]
fn two_machines_back_to_back() {
    let mut machines = [
        Signaling::new(Role::Initiator, Config::default(), 0),
        Signaling::new(Role::Responder, Config::default(), 0),
    ];
    let mut done = [false, false];
    let mut applied = [Vec::new(), Vec::new()];
    let mut remote_set = [false, false];
    let mut connected = false;
    for _round in 0..20 {
        // ICE and DTLS connect once both browsers hold both SDPs and one has a candidate of
        // the other; both then report it.
        if !connected && remote_set == [true, true] && !applied[1].is_empty() {
            connected = true;
            for m in &mut machines {
                m.handle_connection_state(PeerConnectionState::Connected);
            }
        }
        for side in 0..2 {
            let (left, right) = machines.split_at_mut(1);
            let (me, other) = if side == 0 {
                (&mut left[0], &mut right[0])
            } else {
                (&mut right[0], &mut left[0])
            };
            while let Some(action) = me.poll_action() {
                match action {
                    Action::CreateOffer => {
                        me.handle_local_offer(OFFER.into());
                        me.handle_init_channel_open();
                    }
                    Action::CreateAnswer => me.handle_local_answer(ANSWER.into()),
                    Action::SetLocalDescription { .. } => {
                        // The browser starts gathering.
                        let cand = if side == 0 { CAND_A } else { CAND_B };
                        me.handle_local_candidate(Some(cand));
                        me.handle_local_candidate(None);
                    }
                    Action::SetRemoteDescription { .. } => {
                        remote_set[side] = true;
                        me.handle_remote_description_applied();
                    }
                    Action::AddRemoteCandidate(json) => applied[side].push(json),
                    Action::EndOfRemoteCandidates => panic!("end markers are not sent"),
                    Action::Send(bytes) => other.handle_remote_bytes(&bytes),
                    Action::CloseInitChannel => me.handle_init_channel_closed(),
                    Action::CloseStream => other.handle_remote_closed(),
                    Action::Established => done[side] = true,
                    Action::ResetStream | Action::GiveUp(_) => panic!("{action:?}"),
                }
            }
        }
    }
    assert_eq!(done, [true, true]);
    assert_eq!(applied[1], [CAND_A]);
    assert_eq!(machines[0].phase(), Phase::Established);
    assert_eq!(machines[1].phase(), Phase::Established);
}

// --- Out of order ------------------------------------------------------------------------

#[test]
fn initiator_refuses_anything_before_its_offer_is_out() {
    for message in [
        Message::answer(ANSWER),
        Message::offer(OFFER),
        Message::candidate(CAND_B),
    ] {
        let mut s = initiator();
        drain(&mut s);
        let got = message.kind;
        s.handle_remote_bytes(&wire(message));
        assert_gave_up(
            &mut s,
            Error::UnexpectedMessage {
                got,
                phase: Phase::AwaitingLocalOffer,
            },
        );
        assert_inert(&mut s);
    }
}

#[test]
fn initiator_refuses_offer_or_candidate_instead_of_the_answer() {
    for message in [Message::offer(OFFER), Message::candidate(CAND_B)] {
        let mut s = initiator();
        s.handle_local_offer(OFFER.into());
        drain(&mut s);
        let got = message.kind;
        s.handle_remote_bytes(&wire(message));
        assert_gave_up(
            &mut s,
            Error::UnexpectedMessage {
                got,
                phase: Phase::AwaitingAnswer,
            },
        );
    }
}

#[test]
fn initiator_refuses_a_second_answer_or_an_offer_later() {
    for message in [Message::answer(ANSWER), Message::offer(OFFER)] {
        let mut s = initiator_exchanging();
        let got = message.kind;
        s.handle_remote_message(message);
        assert_gave_up(
            &mut s,
            Error::UnexpectedMessage {
                got,
                phase: Phase::ExchangingCandidates,
            },
        );
    }
}

#[test]
fn responder_refuses_anything_but_the_offer_first() {
    for message in [Message::answer(ANSWER), Message::candidate(CAND_A)] {
        let mut s = responder();
        let got = message.kind;
        s.handle_remote_bytes(&wire(message));
        assert_gave_up(
            &mut s,
            Error::UnexpectedMessage {
                got,
                phase: Phase::AwaitingOffer,
            },
        );
    }
}

#[test]
fn responder_refuses_a_second_offer_and_any_answer() {
    for message in [Message::offer(OFFER), Message::answer(ANSWER)] {
        // While the browser makes our answer…
        let mut s = responder();
        s.handle_remote_bytes(&wire(Message::offer(OFFER)));
        drain(&mut s);
        let got = message.kind;
        s.handle_remote_message(message.clone());
        assert_gave_up(
            &mut s,
            Error::UnexpectedMessage {
                got,
                phase: Phase::AwaitingLocalAnswer,
            },
        );
        // …and after it is out.
        let mut s = responder_exchanging();
        s.handle_remote_message(message);
        assert_gave_up(
            &mut s,
            Error::UnexpectedMessage {
                got,
                phase: Phase::ExchangingCandidates,
            },
        );
    }
}

#[test]
fn a_bad_message_drops_the_actions_not_yet_taken() {
    let mut s = responder();
    let mut bytes = wire(Message::offer(OFFER));
    bytes.extend(wire(Message::offer(OFFER)));
    s.handle_remote_bytes(&bytes);
    assert_gave_up(
        &mut s,
        Error::UnexpectedMessage {
            got: MessageType::SdpOffer,
            phase: Phase::AwaitingLocalAnswer,
        },
    );
}

// --- Malformed, oversized, unknown type --------------------------------------------------

#[test]
fn malformed_bytes_end_the_attempt_for_either_role() {
    let cases: Vec<(Vec<u8>, Error)> = vec![
        (vec![0x00], Error::MissingType),
        (vec![0x03, 0x12, 0x01, b'x'], Error::MissingType),
        (vec![0x02, 0x08, 0x03], Error::UnknownType(3)),
        (vec![0x02, 0x08, 0x7f], Error::UnknownType(127)),
        (
            vec![0x05, 0x08, 0x00, 0x12, 0x01, 0xc3],
            Error::InvalidUtf8 {
                kind: MessageType::SdpOffer,
            },
        ),
        (
            vec![0x81, 0x00],
            Error::MalformedLength {
                codec: Codec::Signaling,
            },
        ),
        (
            vec![0xff; 10],
            Error::MalformedLength {
                codec: Codec::Signaling,
            },
        ),
        (
            vec![0x81, 0x80, 0x04], // 65 537
            Error::MessageTooLarge {
                codec: Codec::Signaling,
                len: 65_537,
                max: DEFAULT_MAX_MESSAGE_LEN,
            },
        ),
    ];
    for (bytes, error) in cases {
        for mut s in [
            initiator(),
            responder(),
            initiator_exchanging(),
            responder_exchanging(),
        ] {
            drain(&mut s);
            s.handle_remote_bytes(&bytes);
            assert_gave_up(&mut s, error.clone());
        }
    }
    for bytes in [
        &[0x01, 0x08][..],
        &[0x02, 0x0a, 0x00],
        &[0x04, 0x08, 0x00, 0x12, 0x05],
    ] {
        let mut s = responder();
        s.handle_remote_bytes(bytes);
        match drain(&mut s).as_slice() {
            [Action::ResetStream, Action::GiveUp(Error::MalformedProtobuf {
                codec: Codec::Signaling,
                ..
            })] => {}
            other => panic!("{bytes:02x?}: {other:?}"),
        }
    }
}

#[test]
fn an_oversized_message_is_refused_from_its_prefix() {
    let config = Config {
        max_message_len: 100,
        ..Config::default()
    };
    let mut s = Signaling::new(Role::Responder, config.clone(), 0);
    s.handle_remote_bytes(&[101]);
    assert_gave_up(
        &mut s,
        Error::MessageTooLarge {
            codec: Codec::Signaling,
            len: 101,
            max: 100,
        },
    );

    // Exactly the maximum passes.
    let mut s = Signaling::new(Role::Responder, config, 0);
    let sdp = "x".repeat(100 - 4);
    s.handle_remote_bytes(&encode(&Message::offer(sdp.clone()), 100).unwrap());
    assert_eq!(
        drain(&mut s),
        [Action::SetRemoteDescription {
            kind: SdpKind::Offer,
            sdp
        }]
    );
}

#[test]
fn sdp_messages_need_data() {
    for data in [None, Some(String::new())] {
        let mut s = responder();
        s.handle_remote_message(Message {
            kind: MessageType::SdpOffer,
            data: data.clone(),
        });
        assert_gave_up(
            &mut s,
            Error::MissingData {
                kind: MessageType::SdpOffer,
            },
        );
        let mut s = initiator();
        s.handle_local_offer(OFFER.into());
        drain(&mut s);
        s.handle_remote_message(Message {
            kind: MessageType::SdpAnswer,
            data,
        });
        assert_gave_up(
            &mut s,
            Error::MissingData {
                kind: MessageType::SdpAnswer,
            },
        );
    }
}

#[test]
fn a_bad_remote_candidate_ends_the_attempt() {
    for data in ["not json", "[]", "{}", r#"{"candidate":7}"#] {
        let mut s = initiator_exchanging();
        s.handle_remote_bytes(&wire(Message::candidate(data)));
        match drain(&mut s).as_slice() {
            [Action::ResetStream, Action::GiveUp(Error::BadCandidate {
                origin: Side::Remote,
                ..
            })] => {}
            other => panic!("{data}: {other:?}"),
        }
    }
}

#[test]
fn too_many_remote_candidates_end_the_attempt() {
    let config = Config {
        max_remote_candidates: 2,
        ..Config::default()
    };
    let mut s = Signaling::new(Role::Responder, config, 0);
    s.handle_remote_bytes(&wire(Message::offer(OFFER)));
    s.handle_remote_bytes(&wire(Message::candidate(CAND_A)));
    s.handle_remote_bytes(&wire(Message::candidate(CAND_A)));
    assert_eq!(drain(&mut s).len(), 1);
    s.handle_remote_bytes(&wire(Message::candidate(CAND_A)));
    assert_gave_up(&mut s, Error::TooManyCandidates { max: 2 });
}

#[test]
fn the_peer_closing_before_its_sdp_ends_the_attempt() {
    let mut s = initiator();
    s.handle_local_offer(OFFER.into());
    drain(&mut s);
    s.handle_remote_closed();
    assert_gave_up(
        &mut s,
        Error::ClosedBeforeDescription {
            waiting_for: MessageType::SdpAnswer,
        },
    );

    let mut s = responder();
    s.handle_remote_closed();
    assert_gave_up(
        &mut s,
        Error::ClosedBeforeDescription {
            waiting_for: MessageType::SdpOffer,
        },
    );
}

#[test]
fn the_peer_closing_inside_a_message_ends_the_attempt() {
    let mut s = responder_exchanging();
    let bytes = wire(Message::candidate(CAND_A));
    s.handle_remote_bytes(&bytes[..10]);
    assert_eq!(drain(&mut s), []);
    s.handle_remote_closed();
    assert_gave_up(
        &mut s,
        Error::Truncated {
            codec: Codec::Signaling,
            buffered: 10,
        },
    );
}

// --- Local events, browser failures, time ------------------------------------------------

#[test]
fn local_events_in_the_wrong_role_or_phase_end_the_attempt() {
    type Setup = fn() -> Signaling;
    type Event = fn(&mut Signaling);
    let cases: Vec<(Setup, Event, &str, Phase)> = vec![
        (
            responder,
            |s| s.handle_local_offer(OFFER.into()),
            "local offer",
            Phase::AwaitingOffer,
        ),
        (
            initiator_exchanging,
            |s| s.handle_local_offer(OFFER.into()),
            "local offer",
            Phase::ExchangingCandidates,
        ),
        (
            initiator,
            |s| s.handle_local_answer(ANSWER.into()),
            "local answer",
            Phase::AwaitingLocalOffer,
        ),
        (
            responder,
            |s| s.handle_local_answer(ANSWER.into()),
            "local answer",
            Phase::AwaitingOffer,
        ),
        (
            || {
                let mut s = responder();
                s.handle_remote_bytes(&wire(Message::offer(OFFER)));
                s
            },
            |s| s.handle_local_answer(ANSWER.into()), // before the offer is applied
            "local answer",
            Phase::AwaitingLocalAnswer,
        ),
        (
            responder_exchanging,
            |s| s.handle_local_answer(ANSWER.into()),
            "local answer",
            Phase::ExchangingCandidates,
        ),
        (
            responder,
            |s| s.handle_remote_description_applied(),
            "remote description applied",
            Phase::AwaitingOffer,
        ),
        (
            responder_exchanging,
            |s| s.handle_remote_description_applied(),
            "remote description applied",
            Phase::ExchangingCandidates,
        ),
        (
            initiator,
            |s| s.handle_connection_state(PeerConnectionState::Connected),
            "connected",
            Phase::AwaitingLocalOffer,
        ),
        (
            || {
                let mut s = initiator();
                s.handle_local_offer(OFFER.into());
                s
            },
            |s| s.handle_connection_state(PeerConnectionState::Connected),
            "connected",
            Phase::AwaitingAnswer,
        ),
        (
            responder,
            |s| s.handle_connection_state(PeerConnectionState::Connected),
            "connected",
            Phase::AwaitingOffer,
        ),
        (
            responder_exchanging,
            |s| s.handle_init_channel_open(),
            "init channel open",
            Phase::ExchangingCandidates,
        ),
        (
            responder_exchanging,
            |s| s.handle_init_channel_closed(),
            "init channel closed",
            Phase::ExchangingCandidates,
        ),
    ];
    for (setup, event, name, phase) in cases {
        let mut s = setup();
        drain(&mut s);
        event(&mut s);
        assert_gave_up(&mut s, Error::UnexpectedLocalEvent { event: name, phase });
    }
}

#[test]
fn a_bad_local_candidate_ends_the_attempt() {
    let mut s = responder_exchanging();
    s.handle_local_candidate(Some("{"));
    match drain(&mut s).as_slice() {
        [Action::ResetStream, Action::GiveUp(Error::BadCandidate {
            origin: Side::Local,
            ..
        })] => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_sdp_or_candidate_too_large_to_send_ends_the_attempt() {
    let config = Config {
        max_message_len: 50,
        ..Config::default()
    };
    let mut s = Signaling::new(Role::Initiator, config.clone(), 0);
    s.handle_local_offer("x".repeat(47));
    assert_gave_up(
        &mut s,
        Error::OutboundTooLarge {
            codec: Codec::Signaling,
            len: 51,
            max: 50,
        },
    );

    let mut s = Signaling::new(Role::Initiator, config, 0);
    s.handle_local_offer("x".repeat(46));
    assert_eq!(drain(&mut s).len(), 3);
    let big = format!(r#"{{"candidate":"{}"}}"#, "c".repeat(40));
    s.handle_local_candidate(Some(&big));
    assert_gave_up(
        &mut s,
        Error::OutboundTooLarge {
            codec: Codec::Signaling,
            len: 4 + big.len(),
            max: 50,
        },
    );
}

#[test]
fn browser_failures_end_the_attempt() {
    for step in [
        BrowserStep::CreateOffer,
        BrowserStep::CreateAnswer,
        BrowserStep::SetLocalDescription,
        BrowserStep::SetRemoteDescription,
    ] {
        let mut s = responder_exchanging();
        s.handle_browser_error(step, "OperationError".into());
        assert_gave_up(
            &mut s,
            Error::BrowserRefused {
                step,
                reason: "OperationError".into(),
            },
        );
    }
}

#[test]
fn ice_failure_or_a_closed_peer_connection_end_the_attempt() {
    for (setup, phase) in [
        (initiator as fn() -> Signaling, Phase::AwaitingLocalOffer),
        (responder_exchanging, Phase::ExchangingCandidates),
    ] {
        let mut s = setup();
        drain(&mut s);
        s.handle_connection_state(PeerConnectionState::Failed);
        assert_gave_up(&mut s, Error::IceFailed);
        let mut s = setup();
        drain(&mut s);
        s.handle_connection_state(PeerConnectionState::Closed);
        assert_gave_up(&mut s, Error::PeerConnectionClosed);
        assert_ne!(phase, Phase::Failed);
    }
    // Also while closing the init channel.
    let mut s = initiator_exchanging();
    s.handle_connection_state(PeerConnectionState::Connected);
    s.handle_connection_state(PeerConnectionState::Failed);
    assert_gave_up(&mut s, Error::IceFailed);
}

#[test]
fn the_deadline_ends_the_attempt_wherever_it_is() {
    let config = Config {
        attempt_timeout_ms: 1_000,
        ..Config::default()
    };
    let mut s = Signaling::new(Role::Responder, config.clone(), 5_000);
    assert_eq!(s.next_deadline(), Some(6_000));
    s.handle_timeout(5_999);
    assert_eq!(drain(&mut s), []);
    s.handle_timeout(6_000);
    assert_gave_up(
        &mut s,
        Error::Timeout {
            phase: Phase::AwaitingOffer,
            after_ms: 1_000,
        },
    );

    let mut s = Signaling::new(Role::Initiator, config.clone(), 0);
    s.handle_local_offer(OFFER.into());
    s.handle_remote_message(Message::answer(ANSWER));
    s.handle_remote_description_applied();
    s.handle_connection_state(PeerConnectionState::Connected);
    drain(&mut s);
    s.handle_timeout(1_000); // the init channel never opened
    assert_gave_up(
        &mut s,
        Error::Timeout {
            phase: Phase::ClosingInitChannel,
            after_ms: 1_000,
        },
    );

    // A start near the end of time does not overflow.
    let mut s = Signaling::new(Role::Responder, config, u64::MAX - 10);
    assert_eq!(s.next_deadline(), Some(u64::MAX));
    s.handle_timeout(u64::MAX);
    assert_gave_up(
        &mut s,
        Error::Timeout {
            phase: Phase::AwaitingOffer,
            after_ms: 1_000,
        },
    );
}

#[test]
fn errors_say_what_and_where() {
    let error = Error::UnexpectedMessage {
        got: MessageType::SdpAnswer,
        phase: Phase::AwaitingOffer,
    };
    assert_eq!(
        error.to_string(),
        "signaling: unexpected SDP_ANSWER while waiting for the SDP offer"
    );
    let error = Error::MessageTooLarge {
        codec: Codec::Signaling,
        len: 70_000,
        max: 65_536,
    };
    assert_eq!(
        error.to_string(),
        "signaling message: received a message of 70000 bytes, more than the maximum of 65536"
    );
    let error = Error::Timeout {
        phase: Phase::ExchangingCandidates,
        after_ms: 15_000,
    };
    assert_eq!(
        error.to_string(),
        "signaling: gave up after 15000 ms while exchanging ICE candidates"
    );
}

/// The error a finished attempt gave up with.
fn given_up(s: &mut Signaling) -> Error {
    match drain(s).pop() {
        Some(Action::GiveUp(error)) => error,
        other => panic!("expected GiveUp last, got {other:?}"),
    }
}

#[test]
fn protocol_breaches_are_the_peers_fault_and_failures_of_the_path_are_not() {
    // An answer sent to a responder: out of order.
    let mut s = responder();
    s.handle_remote_bytes(&wire(Message::answer(ANSWER)));
    assert!(given_up(&mut s).is_peer_fault());

    // Bytes that are not a protobuf message.
    let mut s = responder();
    s.handle_remote_bytes(&[0x03, 0xff, 0xff, 0xff]);
    assert!(given_up(&mut s).is_peer_fault());

    // A candidate that is not JSON, from the peer.
    let mut s = responder_exchanging();
    s.handle_remote_bytes(&wire(Message::candidate("not json")));
    assert!(given_up(&mut s).is_peer_fault());

    // ICE failing and the deadline passing are nobody's fault.
    let mut s = responder_exchanging();
    s.handle_connection_state(PeerConnectionState::Failed);
    assert!(!given_up(&mut s).is_peer_fault());
    let mut s = responder();
    let deadline = s.next_deadline().expect("an attempt has a deadline");
    s.handle_timeout(deadline);
    assert!(!given_up(&mut s).is_peer_fault());

    // Nor is a candidate our own browser produced badly.
    let local = Error::BadCandidate {
        origin: Side::Local,
        reason: "x".into(),
    };
    assert!(!local.is_peer_fault());
}
