//! The sans-IO state of one stream (one data channel).

use std::collections::VecDeque;

use super::{encode_data, encode_frame, Flag, Frame, FrameDecoder, StreamConfig, MIN_FRAME_LEN};
use crate::{Error, Side};

/// What the caller must do for the stream, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send these bytes as one data-channel message.
    Send(Vec<u8>),
    /// Close the data channel, once the messages sent before have left
    /// (`bufferedAmount == 0`): browsers do not promise to deliver what is still queued.
    /// Emitted once, when both halves are done or the stream was reset.
    CloseChannel,
}

/// What [`StreamState::read`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes were copied out.
    Data(usize),
    /// Nothing to read yet; more may come.
    Pending,
    /// The peer finished writing (`FIN`) and everything was read, or this side stopped
    /// reading.
    Eof,
}

/// The read half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadState {
    /// Data may arrive.
    Open,
    /// The peer sent `FIN` (and got `FIN_ACK`); what is buffered can still be read.
    Finished,
    /// This side sent `STOP_SENDING` (or stopped after `FIN`); incoming data is discarded but
    /// flags are still acted on.
    Stopped {
        /// Whether the peer's `FIN` has arrived.
        fin_received: bool,
    },
    /// The data channel closed without `FIN`; what is buffered can still be read, then the
    /// reader gets [`Error::ChannelClosed`].
    Interrupted,
    /// Reset by either side or ended by a protocol error; buffered data was discarded.
    Failed(Error),
}

/// The write half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteState {
    /// Data may be written.
    Open,
    /// The peer sent `STOP_SENDING`: writes are refused, closing still sends `FIN`.
    Stopped,
    /// `FIN` was sent; waiting for `FIN_ACK` until the deadline.
    Closing {
        /// When to stop waiting.
        deadline_ms: u64,
    },
    /// Closed: `FIN_ACK` arrived, or the wait timed out, or the channel closed while waiting.
    Closed {
        /// Whether `FIN_ACK` arrived, that is the peer is known to have everything.
        acknowledged: bool,
    },
    /// The data channel closed before this side closed its write half.
    Interrupted,
    /// Reset by either side or ended by a protocol error.
    Failed(Error),
}

/// The state of one stream: its frame decoder, its read and write halves and its read buffer.
///
/// Feed it the data channel's messages ([`Self::handle_channel_message`]), its closing
/// ([`Self::handle_channel_closed`]) and the time ([`Self::handle_timeout`] by
/// [`Self::next_deadline`]); call [`Self::write`], [`Self::read`], [`Self::close_write`],
/// [`Self::close_read`] and [`Self::reset`] for the stream's user; after each call drain
/// [`Self::poll_output`].
///
/// A remote `RESET_STREAM` fails both halves, as js-libp2p and libp2p-webrtc-utils do (the spec
/// words it for the sending part only, but a libp2p stream reset is whole).
#[derive(Debug)]
pub struct StreamState {
    config: StreamConfig,
    decoder: FrameDecoder,
    read: ReadState,
    write: WriteState,
    buffer: VecDeque<u8>,
    outputs: VecDeque<Output>,
    close_emitted: bool,
    channel_closed: bool,
}

impl StreamState {
    /// A new, open stream. `max_frame_len` below [`MIN_FRAME_LEN`] is raised to it.
    pub fn new(mut config: StreamConfig) -> Self {
        config.max_frame_len = config.max_frame_len.max(MIN_FRAME_LEN);
        Self {
            decoder: FrameDecoder::new(config.max_frame_len),
            config,
            read: ReadState::Open,
            write: WriteState::Open,
            buffer: VecDeque::new(),
            outputs: VecDeque::new(),
            close_emitted: false,
            channel_closed: false,
        }
    }

    /// The read half.
    pub fn read_state(&self) -> &ReadState {
        &self.read
    }

    /// The write half.
    pub fn write_state(&self) -> &WriteState {
        &self.write
    }

    /// Unread bytes held.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The next thing to do for the data channel.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Self::handle_timeout`] must be called: while waiting for `FIN_ACK`.
    pub fn next_deadline(&self) -> Option<u64> {
        match self.write {
            WriteState::Closing { deadline_ms } => Some(deadline_ms),
            _ => None,
        }
    }

    /// Stops waiting for `FIN_ACK` once its deadline has passed.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        if let WriteState::Closing { deadline_ms } = self.write {
            if now_ms >= deadline_ms {
                self.write = WriteState::Closed {
                    acknowledged: false,
                };
                self.maybe_close_channel();
            }
        }
    }

    /// One message received on the data channel. A malformed or oversized frame, or more
    /// unread data than allowed, resets the stream (`RESET_STREAM` is sent) and is returned;
    /// both halves then fail with it. Input after a reset, or once the channel is to be
    /// closed, is ignored.
    pub fn handle_channel_message(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.close_emitted || self.is_reset() {
            return Ok(());
        }
        self.decoder.push(bytes);
        loop {
            let frame = match self.decoder.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(error) => return Err(self.fail_locally(error)),
            };
            if let Err(error) = self.handle_frame(frame) {
                return Err(self.fail_locally(error));
            }
            if self.is_reset() {
                break;
            }
        }
        self.maybe_close_channel();
        Ok(())
    }

    /// The data channel closed (its `close` event). Nothing more can be sent.
    pub fn handle_channel_closed(&mut self) {
        if self.channel_closed {
            return;
        }
        self.channel_closed = true;
        self.close_emitted = true;
        self.outputs.clear();
        if self.read == ReadState::Open {
            self.read = ReadState::Interrupted;
        }
        self.write = match std::mem::replace(&mut self.write, WriteState::Interrupted) {
            WriteState::Open | WriteState::Stopped => WriteState::Interrupted,
            WriteState::Closing { .. } => WriteState::Closed {
                acknowledged: false,
            },
            other => other,
        };
    }

    /// Copies buffered data into `out`. Buffered data is returned before the end of the
    /// stream is reported (except after a reset, which discards it).
    pub fn read(&mut self, out: &mut [u8]) -> Result<ReadOutcome, Error> {
        let readable = matches!(
            self.read,
            ReadState::Open | ReadState::Finished | ReadState::Interrupted
        );
        if readable && !self.buffer.is_empty() {
            let n = out.len().min(self.buffer.len());
            for (slot, byte) in out.iter_mut().zip(self.buffer.drain(..n)) {
                *slot = byte;
            }
            return Ok(ReadOutcome::Data(n));
        }
        match &self.read {
            ReadState::Open => Ok(ReadOutcome::Pending),
            ReadState::Finished | ReadState::Stopped { .. } => Ok(ReadOutcome::Eof),
            ReadState::Interrupted => Err(Error::ChannelClosed),
            ReadState::Failed(error) => Err(error.clone()),
        }
    }

    /// Queues `data` as data frames of at most the frame limit each; returns its length.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        match &self.write {
            WriteState::Open => {
                for frame in encode_data(data, self.config.max_frame_len) {
                    self.outputs.push_back(Output::Send(frame));
                }
                Ok(data.len())
            }
            WriteState::Stopped => Err(Error::StoppedByRemote),
            WriteState::Closing { .. } | WriteState::Closed { .. } => Err(Error::WriteClosed),
            WriteState::Interrupted => Err(Error::ChannelClosed),
            WriteState::Failed(error) => Err(error.clone()),
        }
    }

    /// Closes the write half: sends `FIN` and waits for `FIN_ACK` until `now_ms` plus the
    /// timeout; see [`Self::write_state`]. Repeating it is harmless.
    pub fn close_write(&mut self, now_ms: u64) -> Result<(), Error> {
        match &self.write {
            WriteState::Open | WriteState::Stopped => {
                self.send_flag(Flag::Fin);
                let deadline_ms = now_ms.saturating_add(self.config.fin_ack_timeout_ms);
                self.write = WriteState::Closing { deadline_ms };
                Ok(())
            }
            WriteState::Closing { .. } | WriteState::Closed { .. } => Ok(()),
            WriteState::Interrupted => Err(Error::ChannelClosed),
            WriteState::Failed(error) => Err(error.clone()),
        }
    }

    /// Stops reading: sends `STOP_SENDING` (unless the peer already sent `FIN`) and discards
    /// buffered and later data. Flags are still acted on.
    pub fn close_read(&mut self) {
        match self.read {
            ReadState::Open => {
                self.send_flag(Flag::StopSending);
                self.read = ReadState::Stopped {
                    fin_received: false,
                };
            }
            ReadState::Finished => self.read = ReadState::Stopped { fin_received: true },
            ReadState::Stopped { .. } | ReadState::Interrupted | ReadState::Failed(_) => return,
        }
        self.buffer.clear();
        self.maybe_close_channel();
    }

    /// Resets the stream: sends `RESET_STREAM`, fails both halves with
    /// [`Error::Reset`] by [`Side::Local`], and asks for the channel to be closed. Does
    /// nothing once the channel is closed or to be closed.
    pub fn reset(&mut self) {
        if self.close_emitted || self.is_reset() {
            return;
        }
        self.fail_locally(Error::Reset { by: Side::Local });
    }

    fn handle_frame(&mut self, frame: Frame) -> Result<(), Error> {
        if !frame.data.is_empty() && self.read == ReadState::Open {
            if self.buffer.len() + frame.data.len() > self.config.max_read_buffer {
                return Err(Error::ReadBufferFull {
                    max: self.config.max_read_buffer,
                });
            }
            self.buffer.extend(frame.data);
        }
        // Data after FIN, after STOP_SENDING or after the channel broke is dropped.
        match frame.flag {
            None | Some(Flag::Unknown(_)) => {}
            Some(Flag::Fin) => {
                let fin_is_new = match self.read {
                    ReadState::Open => {
                        self.read = ReadState::Finished;
                        true
                    }
                    ReadState::Stopped {
                        fin_received: false,
                    } => {
                        self.read = ReadState::Stopped { fin_received: true };
                        true
                    }
                    _ => false,
                };
                if fin_is_new {
                    self.send_flag(Flag::FinAck);
                }
            }
            Some(Flag::FinAck) => {
                if let WriteState::Closing { .. } = self.write {
                    self.write = WriteState::Closed { acknowledged: true };
                }
            }
            Some(Flag::StopSending) => {
                if self.write == WriteState::Open {
                    self.write = WriteState::Stopped;
                }
            }
            Some(Flag::ResetStream) => {
                let error = Error::Reset { by: Side::Remote };
                self.buffer.clear();
                self.read = ReadState::Failed(error.clone());
                if !matches!(self.write, WriteState::Closed { .. }) {
                    self.write = WriteState::Failed(error);
                }
            }
        }
        Ok(())
    }

    fn is_reset(&self) -> bool {
        matches!(self.read, ReadState::Failed(_))
    }

    /// Resets the stream because of `error` (a local reset or a protocol error).
    fn fail_locally(&mut self, error: Error) -> Error {
        self.buffer.clear();
        self.outputs.clear();
        self.send_flag(Flag::ResetStream);
        self.read = ReadState::Failed(error.clone());
        self.write = WriteState::Failed(error.clone());
        self.maybe_close_channel();
        error
    }

    fn send_flag(&mut self, flag: Flag) {
        // Nothing may follow the request to close the channel.
        if self.close_emitted {
            return;
        }
        // A flag-only frame is 3 bytes, always within MIN_FRAME_LEN.
        if let Ok(bytes) = encode_frame(&Frame::flag(flag), self.config.max_frame_len) {
            self.outputs.push_back(Output::Send(bytes));
        }
    }

    fn maybe_close_channel(&mut self) {
        if self.close_emitted || self.channel_closed {
            return;
        }
        let fin_received = matches!(
            self.read,
            ReadState::Finished | ReadState::Stopped { fin_received: true }
        );
        let write_done = matches!(self.write, WriteState::Closed { .. });
        if self.is_reset() || (fin_received && write_done) {
            self.close_emitted = true;
            self.outputs.push_back(Output::CloseChannel);
        }
    }
}
