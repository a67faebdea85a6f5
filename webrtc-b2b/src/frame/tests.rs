//! Every transition and every refusal of [`StreamState`].

use super::*;
use crate::{Codec, Error, Side};

const FIN: [u8; 3] = [0x02, 0x08, 0x00];
const STOP_SENDING: [u8; 3] = [0x02, 0x08, 0x01];
const RESET: [u8; 3] = [0x02, 0x08, 0x02];
const FIN_ACK: [u8; 3] = [0x02, 0x08, 0x03];

fn stream() -> StreamState {
    StreamState::new(StreamConfig::default())
}

fn drain(s: &mut StreamState) -> Vec<Output> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

fn send(bytes: &[u8]) -> Output {
    Output::Send(bytes.to_vec())
}

fn data_frame(data: &[u8]) -> Vec<u8> {
    encode_frame(&Frame::data(data), MAX_FRAME_LEN).unwrap()
}

fn read_all(s: &mut StreamState) -> (Vec<u8>, Result<ReadOutcome, Error>) {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        match s.read(&mut buf) {
            Ok(ReadOutcome::Data(n)) => out.extend_from_slice(&buf[..n]),
            other => return (out, other),
        }
    }
}

fn assert_failed(s: &mut StreamState, error: Error) {
    assert_eq!(s.read_state(), &ReadState::Failed(error.clone()));
    assert_eq!(s.write_state(), &WriteState::Failed(error.clone()));
    assert_eq!(s.read(&mut [0; 4]), Err(error.clone()));
    assert_eq!(s.write(b"x"), Err(error.clone()));
    assert_eq!(s.close_write(0), Err(error));
    s.close_read();
    assert_eq!(drain(s), []);
}

// --- Data --------------------------------------------------------------------------------

#[test]
fn written_data_is_framed_and_read_back() {
    let mut a = stream();
    let mut b = stream();
    let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(a.write(&data), Ok(data.len()));
    assert_eq!(a.write(&[]), Ok(0));
    let frames = drain(&mut a);
    assert_eq!(frames.len(), 4);
    for output in frames {
        let Output::Send(bytes) = output else {
            panic!()
        };
        assert!(bytes.len() <= MAX_FRAME_LEN);
        b.handle_channel_message(&bytes).unwrap();
    }
    assert_eq!(b.buffered(), data.len());
    assert_eq!(read_all(&mut b), (data, Ok(ReadOutcome::Pending)));
}

#[test]
fn frames_may_span_channel_messages_and_share_them() {
    let mut s = stream();
    let mut bytes = data_frame(b"hello");
    bytes.extend(data_frame(b" world"));
    bytes.extend(FIN);
    for chunk in bytes.chunks(3) {
        s.handle_channel_message(chunk).unwrap();
    }
    assert_eq!(drain(&mut s), [send(&FIN_ACK)]);
    assert_eq!(
        read_all(&mut s),
        (b"hello world".to_vec(), Ok(ReadOutcome::Eof))
    );
}

#[test]
fn an_empty_frame_or_empty_message_is_harmless() {
    let mut s = stream();
    s.handle_channel_message(&[]).unwrap();
    s.handle_channel_message(&[0x00]).unwrap();
    s.handle_channel_message(&[0x02, 0x12, 0x00]).unwrap();
    assert_eq!(drain(&mut s), []);
    assert_eq!(s.read(&mut [0; 4]), Ok(ReadOutcome::Pending));
}

#[test]
fn an_unknown_flag_is_ignored_but_its_data_kept() {
    let mut s = stream();
    s.handle_channel_message(&[0x02, 0x08, 0x04]).unwrap();
    let frame = encode_frame(
        &Frame {
            flag: Some(Flag::Unknown(9)),
            data: b"ok".to_vec(),
        },
        MAX_FRAME_LEN,
    )
    .unwrap();
    s.handle_channel_message(&frame).unwrap();
    assert_eq!(drain(&mut s), []);
    assert_eq!(s.read_state(), &ReadState::Open);
    assert_eq!(s.write_state(), &WriteState::Open);
    assert_eq!(read_all(&mut s), (b"ok".to_vec(), Ok(ReadOutcome::Pending)));
}

// --- FIN and FIN_ACK ---------------------------------------------------------------------

#[test]
fn fin_is_answered_with_fin_ack_and_buffered_data_is_read_before_eof() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"last words"))
        .unwrap();
    s.handle_channel_message(&FIN).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN_ACK)]);
    assert_eq!(s.read_state(), &ReadState::Finished);
    assert_eq!(
        read_all(&mut s),
        (b"last words".to_vec(), Ok(ReadOutcome::Eof))
    );
    // Our write half is untouched.
    assert_eq!(s.write(b"reply"), Ok(5));
    assert_eq!(drain(&mut s), [send(&data_frame(b"reply"))]);
}

#[test]
fn data_and_fin_in_one_frame() {
    let mut s = stream();
    let frame = encode_frame(
        &Frame {
            flag: Some(Flag::Fin),
            data: b"bye".to_vec(),
        },
        MAX_FRAME_LEN,
    )
    .unwrap();
    s.handle_channel_message(&frame).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN_ACK)]);
    assert_eq!(read_all(&mut s), (b"bye".to_vec(), Ok(ReadOutcome::Eof)));
}

#[test]
fn data_after_fin_is_dropped_and_a_second_fin_not_acknowledged_again() {
    let mut s = stream();
    s.handle_channel_message(&FIN).unwrap();
    s.handle_channel_message(&data_frame(b"late")).unwrap();
    s.handle_channel_message(&FIN).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN_ACK)]);
    assert_eq!(s.read(&mut [0; 8]), Ok(ReadOutcome::Eof));
}

#[test]
fn close_write_sends_fin_and_fin_ack_closes_the_write_half() {
    let mut s = stream();
    s.write(b"req").unwrap();
    assert_eq!(s.close_write(1_000), Ok(()));
    assert_eq!(drain(&mut s), [send(&data_frame(b"req")), send(&FIN)]);
    assert_eq!(
        s.write_state(),
        &WriteState::Closing {
            deadline_ms: 11_000
        }
    );
    assert_eq!(s.next_deadline(), Some(11_000));
    assert_eq!(s.write(b"more"), Err(Error::WriteClosed));
    assert_eq!(s.close_write(2_000), Ok(())); // repeating changes nothing
    assert_eq!(
        s.write_state(),
        &WriteState::Closing {
            deadline_ms: 11_000
        }
    );
    assert_eq!(drain(&mut s), []);

    // The peer's FIN_ACK, and its reply, may share a message (the request-response pattern).
    let mut bytes = FIN_ACK.to_vec();
    bytes.extend(data_frame(b"resp"));
    s.handle_channel_message(&bytes).unwrap();
    assert_eq!(s.write_state(), &WriteState::Closed { acknowledged: true });
    assert_eq!(s.next_deadline(), None);
    assert_eq!(s.write(b"more"), Err(Error::WriteClosed));
    assert_eq!(s.close_write(3_000), Ok(()));
    assert_eq!(
        read_all(&mut s),
        (b"resp".to_vec(), Ok(ReadOutcome::Pending))
    );
    assert_eq!(drain(&mut s), []);
}

#[test]
fn without_fin_ack_the_write_half_closes_at_the_timeout() {
    let config = StreamConfig {
        fin_ack_timeout_ms: 500,
        ..StreamConfig::default()
    };
    let mut s = StreamState::new(config);
    s.close_write(100).unwrap();
    s.handle_timeout(599);
    assert_eq!(s.write_state(), &WriteState::Closing { deadline_ms: 600 });
    s.handle_timeout(600);
    assert_eq!(
        s.write_state(),
        &WriteState::Closed {
            acknowledged: false
        }
    );
    assert_eq!(s.next_deadline(), None);
    // A late FIN_ACK changes nothing.
    s.handle_channel_message(&FIN_ACK).unwrap();
    assert_eq!(
        s.write_state(),
        &WriteState::Closed {
            acknowledged: false
        }
    );
    assert_eq!(drain(&mut s), [send(&FIN)]);
}

#[test]
fn a_fin_ack_we_did_not_ask_for_is_ignored() {
    let mut s = stream();
    s.handle_channel_message(&FIN_ACK).unwrap();
    assert_eq!(s.write_state(), &WriteState::Open);
    assert_eq!(drain(&mut s), []);
}

#[test]
fn the_channel_closes_once_fin_and_fin_ack_are_both_seen() {
    // We close first.
    let mut s = stream();
    s.close_write(0).unwrap();
    s.handle_channel_message(&FIN_ACK).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN)]);
    s.handle_channel_message(&FIN).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN_ACK), Output::CloseChannel]);

    // The peer closes first.
    let mut s = stream();
    s.handle_channel_message(&FIN).unwrap();
    s.close_write(0).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN_ACK), send(&FIN)]);
    s.handle_channel_message(&FIN_ACK).unwrap();
    assert_eq!(drain(&mut s), [Output::CloseChannel]);

    // A timed-out FIN_ACK counts too.
    let mut s = stream();
    s.handle_channel_message(&FIN).unwrap();
    s.close_write(0).unwrap();
    drain(&mut s);
    s.handle_timeout(DEFAULT_FIN_ACK_TIMEOUT_MS);
    assert_eq!(drain(&mut s), [Output::CloseChannel]);
    // Only once, and nothing follows it: later input, even malformed, and a reset are moot.
    s.handle_channel_message(&FIN).unwrap();
    s.handle_timeout(u64::MAX);
    assert_eq!(s.handle_channel_message(&[0xff; 4]), Ok(()));
    s.reset();
    s.close_read();
    assert_eq!(drain(&mut s), []);
    assert_eq!(
        s.write_state(),
        &WriteState::Closed {
            acknowledged: false
        }
    );
    assert_eq!(s.read(&mut [0; 4]), Ok(ReadOutcome::Eof));
}

/// The spec's example: A writes and closes, B acknowledges, writes and closes, A acknowledges.
#[test]
fn two_streams_back_to_back_close_without_data_loss() {
    let mut a = stream();
    let mut b = stream();
    fn pump(from: &mut StreamState, to: &mut StreamState) -> bool {
        let mut closed = false;
        while let Some(output) = from.poll_output() {
            match output {
                Output::Send(bytes) => to.handle_channel_message(&bytes).unwrap(),
                Output::CloseChannel => closed = true,
            }
        }
        closed
    }
    a.write(b"DATA").unwrap();
    a.close_write(0).unwrap();
    assert!(!pump(&mut a, &mut b));
    assert!(!pump(&mut b, &mut a)); // FIN_ACK
    assert_eq!(a.write_state(), &WriteState::Closed { acknowledged: true });
    assert_eq!(read_all(&mut b), (b"DATA".to_vec(), Ok(ReadOutcome::Eof)));
    b.write(b"DATA").unwrap();
    b.close_write(0).unwrap();
    assert!(!pump(&mut b, &mut a));
    assert!(pump(&mut a, &mut b), "A has seen FIN_ACK and FIN"); // sends FIN_ACK, may close
    assert_eq!(read_all(&mut a), (b"DATA".to_vec(), Ok(ReadOutcome::Eof)));
    assert!(pump(&mut b, &mut a), "B has seen FIN and FIN_ACK");
    assert_eq!(b.write_state(), &WriteState::Closed { acknowledged: true });
}

// --- STOP_SENDING ------------------------------------------------------------------------

#[test]
fn stop_sending_from_the_peer_stops_writes_without_a_reset() {
    let mut s = stream();
    s.handle_channel_message(&STOP_SENDING).unwrap();
    assert_eq!(s.write_state(), &WriteState::Stopped);
    assert_eq!(
        drain(&mut s),
        [],
        "STOP_SENDING is never answered with RESET_STREAM"
    );
    assert_eq!(s.write(b"x"), Err(Error::StoppedByRemote));
    // Reading goes on.
    s.handle_channel_message(&data_frame(b"still here"))
        .unwrap();
    assert_eq!(read_all(&mut s).0, b"still here");
    // Closing still sends FIN and waits for FIN_ACK.
    s.close_write(0).unwrap();
    assert_eq!(drain(&mut s), [send(&FIN)]);
    s.handle_channel_message(&FIN_ACK).unwrap();
    assert_eq!(s.write_state(), &WriteState::Closed { acknowledged: true });
}

#[test]
fn stop_sending_while_closing_changes_nothing() {
    let mut s = stream();
    s.close_write(0).unwrap();
    s.handle_channel_message(&STOP_SENDING).unwrap();
    assert!(matches!(s.write_state(), WriteState::Closing { .. }));
}

#[test]
fn close_read_sends_stop_sending_discards_data_and_still_acts_on_flags() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"unread")).unwrap();
    s.close_read();
    assert_eq!(drain(&mut s), [send(&STOP_SENDING)]);
    assert_eq!(
        s.read_state(),
        &ReadState::Stopped {
            fin_received: false
        }
    );
    assert_eq!(s.buffered(), 0);
    assert_eq!(s.read(&mut [0; 8]), Ok(ReadOutcome::Eof));
    s.close_read();
    assert_eq!(drain(&mut s), []);

    s.handle_channel_message(&data_frame(b"discarded")).unwrap();
    assert_eq!(s.buffered(), 0);
    s.close_write(0).unwrap();
    s.handle_channel_message(&FIN_ACK).unwrap();
    assert_eq!(s.write_state(), &WriteState::Closed { acknowledged: true });
    s.handle_channel_message(&FIN).unwrap();
    assert_eq!(s.read_state(), &ReadState::Stopped { fin_received: true });
    assert_eq!(
        drain(&mut s),
        [send(&FIN), send(&FIN_ACK), Output::CloseChannel]
    );
}

#[test]
fn close_read_after_fin_sends_nothing() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"x")).unwrap();
    s.handle_channel_message(&FIN).unwrap();
    drain(&mut s);
    s.close_read();
    assert_eq!(drain(&mut s), []);
    assert_eq!(s.read_state(), &ReadState::Stopped { fin_received: true });
    assert_eq!(s.read(&mut [0; 8]), Ok(ReadOutcome::Eof));
}

// --- RESET_STREAM ------------------------------------------------------------------------

#[test]
fn a_remote_reset_discards_buffered_data_and_fails_both_halves() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"unread")).unwrap();
    let mut bytes = RESET.to_vec();
    bytes.extend(data_frame(b"after"));
    bytes.extend(FIN);
    s.handle_channel_message(&bytes).unwrap();
    assert_eq!(drain(&mut s), [Output::CloseChannel]);
    assert_failed(&mut s, Error::Reset { by: Side::Remote });
    // Later input and a local reset are ignored.
    s.handle_channel_message(&[0xff; 4]).unwrap();
    s.reset();
    assert_eq!(drain(&mut s), []);
}

#[test]
fn a_reset_frame_with_data_discards_it() {
    let mut s = stream();
    let frame = encode_frame(
        &Frame {
            flag: Some(Flag::ResetStream),
            data: b"x".to_vec(),
        },
        MAX_FRAME_LEN,
    )
    .unwrap();
    s.handle_channel_message(&frame).unwrap();
    assert_eq!(s.read(&mut [0; 8]), Err(Error::Reset { by: Side::Remote }));
}

#[test]
fn a_remote_reset_after_our_write_half_closed_leaves_it_closed() {
    let mut s = stream();
    s.close_write(0).unwrap();
    s.handle_channel_message(&FIN_ACK).unwrap();
    s.handle_channel_message(&RESET).unwrap();
    assert_eq!(s.write_state(), &WriteState::Closed { acknowledged: true });
    assert_eq!(s.read(&mut [0; 8]), Err(Error::Reset { by: Side::Remote }));
    assert_eq!(drain(&mut s), [send(&FIN), Output::CloseChannel]);

    // While still waiting for FIN_ACK, the close fails instead.
    let mut s = stream();
    s.close_write(0).unwrap();
    s.handle_channel_message(&RESET).unwrap();
    assert_eq!(
        s.write_state(),
        &WriteState::Failed(Error::Reset { by: Side::Remote })
    );
    assert_eq!(s.next_deadline(), None);
}

#[test]
fn a_local_reset_sends_reset_stream_and_drops_what_was_not_sent() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"unread")).unwrap();
    s.write(b"unsent").unwrap();
    s.reset();
    assert_eq!(drain(&mut s), [send(&RESET), Output::CloseChannel]);
    assert_failed(&mut s, Error::Reset { by: Side::Local });
    s.reset();
    s.handle_channel_message(&data_frame(b"ignored")).unwrap();
    assert_eq!(drain(&mut s), []);
}

// --- Refusals ----------------------------------------------------------------------------

#[test]
fn a_frame_over_16_kib_resets_the_stream() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"unread")).unwrap();
    // Prefix 16 383 + 2 bytes = 16 385: refused before the body arrives.
    let error = Error::MessageTooLarge {
        codec: Codec::Frame,
        len: 16_385,
        max: MAX_FRAME_LEN,
    };
    assert_eq!(s.handle_channel_message(&[0xff, 0x7f]), Err(error.clone()));
    assert_eq!(drain(&mut s), [send(&RESET), Output::CloseChannel]);
    assert_failed(&mut s, error);
    assert_eq!(s.handle_channel_message(&FIN), Ok(()));
}

#[test]
fn a_malformed_frame_resets_the_stream() {
    for bytes in [
        &[0x01, 0x08][..],
        &[0x02, 0x10, 0x01],
        &[0x03, 0x12, 0x05, 0x00],
        &[0x81, 0x00],
    ] {
        let mut s = stream();
        let error = s.handle_channel_message(bytes).unwrap_err();
        assert!(
            matches!(
                error,
                Error::MalformedProtobuf {
                    codec: Codec::Frame,
                    ..
                } | Error::MalformedLength {
                    codec: Codec::Frame
                }
            ),
            "{bytes:02x?}: {error:?}"
        );
        assert_eq!(drain(&mut s), [send(&RESET), Output::CloseChannel]);
        assert_failed(&mut s, error);
    }
}

#[test]
fn too_much_unread_data_resets_the_stream() {
    let config = StreamConfig {
        max_read_buffer: 10,
        ..StreamConfig::default()
    };
    let mut s = StreamState::new(config);
    s.handle_channel_message(&data_frame(b"0123456789"))
        .unwrap();
    assert_eq!(s.buffered(), 10);
    let error = Error::ReadBufferFull { max: 10 };
    assert_eq!(
        s.handle_channel_message(&data_frame(b"x")),
        Err(error.clone())
    );
    assert_eq!(drain(&mut s), [send(&RESET), Output::CloseChannel]);
    assert_failed(&mut s, error);
}

#[test]
fn reading_makes_room_in_the_read_buffer() {
    let config = StreamConfig {
        max_read_buffer: 10,
        ..StreamConfig::default()
    };
    let mut s = StreamState::new(config);
    for _ in 0..100 {
        s.handle_channel_message(&data_frame(b"01234567")).unwrap();
        assert_eq!(read_all(&mut s).0, b"01234567");
    }
}

// --- The data channel closing underneath -------------------------------------------------

#[test]
fn a_channel_closed_without_fin_interrupts_both_halves_after_the_buffered_data() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"partial")).unwrap();
    s.write(b"queued").unwrap();
    s.handle_channel_closed();
    assert_eq!(drain(&mut s), [], "nothing can be sent any more");
    assert_eq!(s.read_state(), &ReadState::Interrupted);
    assert_eq!(s.write_state(), &WriteState::Interrupted);
    assert_eq!(
        read_all(&mut s),
        (b"partial".to_vec(), Err(Error::ChannelClosed))
    );
    assert_eq!(s.write(b"x"), Err(Error::ChannelClosed));
    assert_eq!(s.close_write(0), Err(Error::ChannelClosed));
    s.close_read();
    s.reset();
    s.handle_channel_message(&data_frame(b"ignored")).unwrap();
    s.handle_channel_closed();
    assert_eq!(drain(&mut s), []);
    assert_eq!(s.read(&mut [0; 4]), Err(Error::ChannelClosed));
}

#[test]
fn a_channel_closed_after_fin_or_while_closing_is_an_orderly_end() {
    let mut s = stream();
    s.handle_channel_message(&data_frame(b"all")).unwrap();
    s.handle_channel_message(&FIN).unwrap();
    s.close_write(0).unwrap();
    s.handle_channel_closed();
    assert_eq!(read_all(&mut s), (b"all".to_vec(), Ok(ReadOutcome::Eof)));
    assert_eq!(
        s.write_state(),
        &WriteState::Closed {
            acknowledged: false
        }
    );
    assert_eq!(s.next_deadline(), None);
}

// --- Configuration -----------------------------------------------------------------------

#[test]
fn a_smaller_frame_limit_is_used_for_sending_and_receiving() {
    let config = StreamConfig {
        max_frame_len: 8 * 1024,
        ..StreamConfig::default()
    };
    let mut s = StreamState::new(config.clone());
    s.write(&vec![1; 20_000]).unwrap();
    let sizes: Vec<usize> = drain(&mut s)
        .into_iter()
        .map(|o| match o {
            Output::Send(b) => b.len(),
            Output::CloseChannel => panic!(),
        })
        .collect();
    assert_eq!(sizes, [8192, 8192, 20_000 - 2 * 8187 + 5]);
    let mut r = StreamState::new(config);
    assert!(matches!(
        r.handle_channel_message(&data_frame(&[0; 9000])),
        Err(Error::MessageTooLarge { max: 8192, .. })
    ));

    // A tiny limit is raised to the minimum.
    let mut s = StreamState::new(StreamConfig {
        max_frame_len: 1,
        ..StreamConfig::default()
    });
    s.write(b"abcdefghijklmnopqrstuvwxyz").unwrap();
    assert!(drain(&mut s)
        .iter()
        .all(|o| matches!(o, Output::Send(b) if b.len() <= MIN_FRAME_LEN)));
}
