//! Fuzzes what reads data-channel messages from a peer: the frame decoder must never panic and
//! what it accepts must survive a re-encode; a stream fed the bytes (whole, and as two channel
//! messages) must deliver data, end, or reset, never panic, and never hold more than its read
//! buffer allows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webrtc_b2b::frame::{
    decode_frame, encode_frame, FrameDecoder, ReadOutcome, StreamConfig, StreamState, MAX_FRAME_LEN,
};

const NOW: u64 = 1_767_225_600_000;

fn feed(stream: &mut StreamState, messages: &[&[u8]], max_read_buffer: usize) {
    let mut out = [0u8; 4096];
    for message in messages {
        if stream.handle_channel_message(message).is_err() {
            break;
        }
        assert!(stream.buffered() <= max_read_buffer);
        while let Ok(ReadOutcome::Data(_)) = stream.read(&mut out) {}
        while stream.poll_output().is_some() {}
    }
    let _ = stream.write(b"reply");
    let _ = stream.close_write(NOW);
    stream.handle_timeout(NOW + 60_000);
    stream.handle_channel_closed();
    while stream.poll_output().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = decode_frame(data) {
        if let Ok(bytes) = encode_frame(&frame, usize::MAX) {
            let mut decoder = FrameDecoder::new(usize::MAX);
            decoder.push(&bytes);
            assert_eq!(decoder.next_frame().ok().flatten(), Some(frame));
        }
    }
    let mut decoder = FrameDecoder::new(MAX_FRAME_LEN);
    decoder.push(data);
    while let Ok(Some(_)) = decoder.next_frame() {}

    let config = StreamConfig {
        max_read_buffer: 64 * 1024,
        ..StreamConfig::default()
    };
    let split = data.len() / 2;
    feed(
        &mut StreamState::new(config.clone()),
        &[data],
        config.max_read_buffer,
    );
    feed(
        &mut StreamState::new(config.clone()),
        &[&data[..split], &data[split..]],
        config.max_read_buffer,
    );
});
