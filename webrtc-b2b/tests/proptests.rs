//! Properties: encode → decode round-trips in any chunking, and no input, however arbitrary,
//! makes a decoder or a state machine panic or break its own rules.

use proptest::prelude::*;
use webrtc_b2b::frame::{
    self, Flag, Frame, FrameDecoder, Output, ReadOutcome, StreamConfig, StreamState, WriteState,
    MAX_FRAME_LEN, MIN_FRAME_LEN,
};
use webrtc_b2b::signal::{
    self, Action, BrowserStep, Config, Message, MessageType, PeerConnectionState, Role, Signaling,
};

/// Cuts `bytes` into pieces whose sizes cycle through `sizes`.
fn chunked<'a>(bytes: &'a [u8], sizes: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = bytes;
    let mut i = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..300, 1..8)
}

fn message_type() -> impl Strategy<Value = MessageType> {
    prop_oneof![
        Just(MessageType::SdpOffer),
        Just(MessageType::SdpAnswer),
        Just(MessageType::IceCandidate)
    ]
}

fn signal_message() -> impl Strategy<Value = Message> {
    (message_type(), prop::option::of(".{0,300}")).prop_map(|(kind, data)| Message { kind, data })
}

fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![
        Just(Flag::Fin),
        Just(Flag::StopSending),
        Just(Flag::ResetStream),
        Just(Flag::FinAck),
        any::<i32>().prop_map(Flag::from_wire),
    ]
}

// --- Signaling ---------------------------------------------------------------------------

proptest! {
    #[test]
    fn signal_messages_round_trip_in_any_chunking(
        messages in prop::collection::vec(signal_message(), 1..8),
        sizes in chunk_sizes(),
    ) {
        let mut wire = Vec::new();
        for m in &messages {
            wire.extend(signal::encode(m, signal::DEFAULT_MAX_MESSAGE_LEN).unwrap());
        }
        let mut decoder = signal::Decoder::new(signal::DEFAULT_MAX_MESSAGE_LEN);
        let mut back = Vec::new();
        for chunk in chunked(&wire, &sizes) {
            decoder.push(chunk);
            while let Some(m) = decoder.next_message().unwrap() {
                back.push(m);
            }
        }
        prop_assert_eq!(back, messages);
        prop_assert_eq!(decoder.check_end(), None);
    }

    #[test]
    fn an_encoded_message_always_carries_its_type(m in signal_message()) {
        let bytes = signal::encode(&m, signal::DEFAULT_MAX_MESSAGE_LEN).unwrap();
        let (_, body) = split_prefix(&bytes);
        prop_assert_eq!(body[0], 0x08);
        prop_assert_eq!(i32::from(body[1]), m.kind.to_wire());
    }

    #[test]
    fn the_signal_decoder_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        sizes in chunk_sizes(),
        max in 0usize..4096,
    ) {
        let mut decoder = signal::Decoder::new(max);
        for chunk in chunked(&bytes, &sizes) {
            decoder.push(chunk);
            for _ in 0..bytes.len() + 1 {
                match decoder.next_message() {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        }
        let _ = decoder.check_end();
    }
}

fn split_prefix(bytes: &[u8]) -> (usize, &[u8]) {
    let n = bytes.iter().position(|b| b & 0x80 == 0).unwrap() + 1;
    (n, &bytes[n..])
}

#[derive(Debug, Clone)]
enum SignalEvent {
    RemoteBytes(Vec<u8>),
    RemoteMessage(Message),
    RemoteClosed,
    LocalOffer,
    LocalAnswer,
    LocalCandidate(Option<String>),
    Applied,
    State(PeerConnectionState),
    InitOpen,
    InitClosed,
    BrowserError,
    Timeout(u64),
}

fn signal_event() -> impl Strategy<Value = SignalEvent> {
    let candidate = prop_oneof![
        Just(None),
        Just(Some(
            r#"{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","sdpMid":"0"}"#.to_owned()
        )),
        Just(Some(String::new())),
        ".{0,40}".prop_map(Some),
    ];
    let state = prop_oneof![
        Just(PeerConnectionState::New),
        Just(PeerConnectionState::Connecting),
        Just(PeerConnectionState::Connected),
        Just(PeerConnectionState::Disconnected),
        Just(PeerConnectionState::Failed),
        Just(PeerConnectionState::Closed),
    ];
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..64).prop_map(SignalEvent::RemoteBytes),
        3 => signal_message().prop_map(SignalEvent::RemoteMessage),
        1 => Just(SignalEvent::RemoteClosed),
        2 => Just(SignalEvent::LocalOffer),
        2 => Just(SignalEvent::LocalAnswer),
        2 => candidate.prop_map(SignalEvent::LocalCandidate),
        2 => Just(SignalEvent::Applied),
        2 => state.prop_map(SignalEvent::State),
        1 => Just(SignalEvent::InitOpen),
        1 => Just(SignalEvent::InitClosed),
        1 => Just(SignalEvent::BrowserError),
        1 => (0u64..30_000).prop_map(SignalEvent::Timeout),
    ]
}

proptest! {
    /// Any sequence of inputs: no panic, one ending at most, and it is the last action.
    #[test]
    fn the_signaling_machine_keeps_its_rules_under_any_input(
        initiator in any::<bool>(),
        events in prop::collection::vec(signal_event(), 0..40),
    ) {
        let role = if initiator { Role::Initiator } else { Role::Responder };
        let mut s = Signaling::new(role, Config::default(), 0);
        let mut actions = Vec::new();
        for event in events {
            match event {
                SignalEvent::RemoteBytes(b) => s.handle_remote_bytes(&b),
                SignalEvent::RemoteMessage(m) => s.handle_remote_message(m),
                SignalEvent::RemoteClosed => s.handle_remote_closed(),
                SignalEvent::LocalOffer => s.handle_local_offer("v=0".into()),
                SignalEvent::LocalAnswer => s.handle_local_answer("v=0".into()),
                SignalEvent::LocalCandidate(c) => s.handle_local_candidate(c.as_deref()),
                SignalEvent::Applied => s.handle_remote_description_applied(),
                SignalEvent::State(state) => s.handle_connection_state(state),
                SignalEvent::InitOpen => s.handle_init_channel_open(),
                SignalEvent::InitClosed => s.handle_init_channel_closed(),
                SignalEvent::BrowserError => {
                    s.handle_browser_error(BrowserStep::SetRemoteDescription, "x".into())
                }
                SignalEvent::Timeout(now) => s.handle_timeout(now),
            }
            actions.extend(std::iter::from_fn(|| s.poll_action()));
        }
        let ends: Vec<usize> = actions
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a, Action::Established | Action::GiveUp(_)))
            .map(|(i, _)| i)
            .collect();
        prop_assert!(ends.len() <= 1, "{:?}", actions);
        prop_assert_eq!(s.is_finished(), ends.len() == 1);
        if let Some(&end) = ends.first() {
            prop_assert_eq!(end, actions.len() - 1, "the ending is the last action");
            let before = &actions[end - 1];
            match &actions[end] {
                Action::Established => prop_assert_eq!(before, &Action::CloseStream),
                _ => prop_assert_eq!(before, &Action::ResetStream),
            }
        }
        for action in &actions {
            if let Action::Send(bytes) = action {
                prop_assert!(bytes.len() <= signal::DEFAULT_MAX_MESSAGE_LEN + 3);
            }
        }
    }
}

// --- Frames ------------------------------------------------------------------------------

proptest! {
    #[test]
    fn frames_round_trip_in_any_chunking(
        frames in prop::collection::vec(
            (prop::option::of(flag()), prop::collection::vec(any::<u8>(), 0..3000)),
            1..8,
        ),
        sizes in chunk_sizes(),
    ) {
        let frames: Vec<Frame> = frames.into_iter().map(|(flag, data)| Frame { flag, data }).collect();
        let mut wire = Vec::new();
        for f in &frames {
            let bytes = frame::encode_frame(f, MAX_FRAME_LEN).unwrap();
            prop_assert_eq!(bytes.len(), frame::encoded_len(f.flag, f.data.len()));
            wire.extend(bytes);
        }
        let mut decoder = FrameDecoder::new(MAX_FRAME_LEN);
        let mut back = Vec::new();
        for chunk in chunked(&wire, &sizes) {
            decoder.push(chunk);
            while let Some(f) = decoder.next_frame().unwrap() {
                back.push(f);
            }
        }
        prop_assert_eq!(back, frames);
        prop_assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn encode_data_splits_into_the_fewest_frames_that_fit(
        data in prop::collection::vec(any::<u8>(), 0..40_000),
        max in MIN_FRAME_LEN..=MAX_FRAME_LEN,
    ) {
        let frames = frame::encode_data(&data, max);
        let per_frame = frame::max_payload(max);
        prop_assert_eq!(frames.len(), data.len().div_ceil(per_frame));
        let mut decoder = FrameDecoder::new(max);
        let mut back = Vec::new();
        for f in &frames {
            prop_assert!(f.len() <= max);
            decoder.push(f);
            let decoded = decoder.next_frame().unwrap().unwrap();
            prop_assert_eq!(decoded.flag, None);
            prop_assert!(!decoded.data.is_empty());
            back.extend(decoded.data);
        }
        prop_assert_eq!(back, data);
    }

    #[test]
    fn the_frame_decoder_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        sizes in chunk_sizes(),
        max in 0usize..20_000,
    ) {
        let mut decoder = FrameDecoder::new(max);
        for chunk in chunked(&bytes, &sizes) {
            decoder.push(chunk);
            for _ in 0..bytes.len() + 1 {
                match decoder.next_frame() {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum StreamEvent {
    Bytes(Vec<u8>),
    Frame(Option<Flag>, Vec<u8>),
    Write(Vec<u8>),
    Read(usize),
    CloseWrite(u64),
    CloseRead,
    Reset,
    Timeout(u64),
    ChannelClosed,
}

fn stream_event() -> impl Strategy<Value = StreamEvent> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..40).prop_map(StreamEvent::Bytes),
        6 => (prop::option::of(flag()), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(f, d)| StreamEvent::Frame(f, d)),
        3 => prop::collection::vec(any::<u8>(), 0..100).prop_map(StreamEvent::Write),
        3 => (0usize..64).prop_map(StreamEvent::Read),
        1 => (0u64..20_000).prop_map(StreamEvent::CloseWrite),
        1 => Just(StreamEvent::CloseRead),
        1 => Just(StreamEvent::Reset),
        1 => (0u64..40_000).prop_map(StreamEvent::Timeout),
        1 => Just(StreamEvent::ChannelClosed),
    ]
}

proptest! {
    /// Any sequence of inputs: no panic, frames within the limit, one channel close at most,
    /// nothing sent after the channel closed or after the close request, reads bounded.
    #[test]
    fn the_stream_machine_keeps_its_rules_under_any_input(
        events in prop::collection::vec(stream_event(), 0..60),
        max_frame_len in prop_oneof![Just(MAX_FRAME_LEN), Just(64usize), Just(0usize)],
    ) {
        let config = StreamConfig { max_frame_len, max_read_buffer: 200, ..StreamConfig::default() };
        let limit = max_frame_len.max(MIN_FRAME_LEN);
        let mut s = StreamState::new(config);
        let mut close_requested = false;
        let mut channel_closed = false;
        for event in events {
            match event {
                StreamEvent::Bytes(b) => {
                    let _ = s.handle_channel_message(&b);
                }
                StreamEvent::Frame(flag, data) => {
                    if let Ok(bytes) = frame::encode_frame(&Frame { flag, data }, MAX_FRAME_LEN) {
                        let _ = s.handle_channel_message(&bytes);
                    }
                }
                StreamEvent::Write(d) => {
                    if let Ok(n) = s.write(&d) {
                        prop_assert_eq!(n, d.len());
                    }
                }
                StreamEvent::Read(n) => {
                    let mut buf = vec![0; n];
                    let before = s.buffered();
                    if let Ok(ReadOutcome::Data(got)) = s.read(&mut buf) {
                        prop_assert!(got <= n && got <= before);
                    }
                }
                StreamEvent::CloseWrite(now) => {
                    let _ = s.close_write(now);
                }
                StreamEvent::CloseRead => s.close_read(),
                StreamEvent::Reset => s.reset(),
                StreamEvent::Timeout(now) => s.handle_timeout(now),
                StreamEvent::ChannelClosed => {
                    s.handle_channel_closed();
                    channel_closed = true;
                }
            }
            prop_assert!(s.buffered() <= 200);
            while let Some(output) = s.poll_output() {
                prop_assert!(!channel_closed, "output after the channel closed: {:?}", output);
                match output {
                    Output::Send(bytes) => {
                        prop_assert!(bytes.len() <= limit);
                        prop_assert!(!close_requested, "sent after asking to close");
                    }
                    Output::CloseChannel => {
                        prop_assert!(!close_requested, "two close requests");
                        close_requested = true;
                    }
                }
            }
        }
    }

    /// Whatever is written before FIN arrives intact, in any chunking, and FIN is acknowledged.
    #[test]
    fn two_streams_carry_data_intact_and_close_cleanly(
        writes in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..5000), 0..8),
        sizes in chunk_sizes(),
        read_size in 1usize..5000,
    ) {
        let mut a = StreamState::new(StreamConfig::default());
        let mut b = StreamState::new(StreamConfig::default());
        for w in &writes {
            a.write(w).unwrap();
        }
        a.close_write(0).unwrap();
        let mut wire = Vec::new();
        while let Some(output) = a.poll_output() {
            let Output::Send(bytes) = output else { panic!("{output:?}") };
            wire.extend(bytes);
        }
        let mut received = Vec::new();
        let mut buf = vec![0; read_size];
        for chunk in chunked(&wire, &sizes) {
            b.handle_channel_message(chunk).unwrap();
            while let Ok(ReadOutcome::Data(n)) = b.read(&mut buf) {
                received.extend_from_slice(&buf[..n]);
            }
        }
        prop_assert_eq!(b.read(&mut buf), Ok(ReadOutcome::Eof));
        prop_assert_eq!(received, writes.concat());
        let replies: Vec<Output> = std::iter::from_fn(|| b.poll_output()).collect();
        prop_assert_eq!(&replies, &[Output::Send(vec![0x02, 0x08, 0x03])]);
        for output in replies {
            if let Output::Send(bytes) = output {
                a.handle_channel_message(&bytes).unwrap();
            }
        }
        prop_assert_eq!(a.write_state(), &WriteState::Closed { acknowledged: true });
    }
}
