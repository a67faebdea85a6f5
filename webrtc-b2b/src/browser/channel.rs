//! One `RTCDataChannel` as one libp2p stream: the browser's events feed the sans-IO
//! [`StreamState`], and its outputs become `send()` and `close()` calls.
//!
//! Handlers are attached the moment the channel exists (so nothing the peer sends early is
//! lost) and detached before they are dropped (so the browser never calls a dropped closure,
//! rust-libp2p 6551). Writes wait while more than [`HIGH_WATER`] bytes are queued in the
//! browser, which is all the flow control a page has over a data channel.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use futures::{AsyncRead, AsyncWrite, FutureExt};
use futures_timer::Delay;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent, RtcDataChannel, RtcDataChannelState, RtcDataChannelType};

use crate::frame::{Output, ReadOutcome, StreamConfig, StreamState, WriteState};
use crate::Error;

/// Bytes queued in the browser above which writes wait.
const HIGH_WATER: u32 = 1024 * 1024;
/// Queued bytes below which waiting writes go on (`bufferedamountlow`).
const LOW_WATER: u32 = 256 * 1024;
/// How often a channel to be closed checks whether its queue has drained, and for how long.
const DRAIN_POLL: Duration = Duration::from_millis(20);
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

struct Inner {
    channel: RtcDataChannel,
    state: StreamState,
    open: bool,
    read_waker: AtomicWaker,
    write_waker: AtomicWaker,
    /// `close()` is scheduled (once the queue drains).
    closing: bool,
}

impl Inner {
    fn wake_all(&self) {
        self.read_waker.wake();
        self.write_waker.wake();
    }

    /// Closes the channel once what was sent on it has left the browser (`close()` right away
    /// may drop queued messages in some browsers). Scheduled once, however often asked.
    fn close_when_drained(&mut self) {
        if std::mem::replace(&mut self.closing, true) {
            return;
        }
        let channel = self.channel.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut waited = Duration::ZERO;
            while channel.ready_state() == RtcDataChannelState::Open
                && channel.buffered_amount() > 0
                && waited < DRAIN_LIMIT
            {
                Delay::new(DRAIN_POLL).await;
                waited += DRAIN_POLL;
            }
            channel.close();
        });
    }

    /// Carries out what the stream state asks for.
    fn flush(&mut self) {
        while let Some(output) = self.state.poll_output() {
            match output {
                Output::Send(bytes) => {
                    if self.channel.send_with_u8_array(&bytes).is_err() {
                        // The channel is closing or closed: nothing more can leave.
                        self.state.handle_channel_closed();
                    }
                }
                Output::CloseChannel => self.close_when_drained(),
            }
        }
    }
}

type Handler<T> = Closure<dyn FnMut(T)>;

/// A data channel carrying one stream.
pub(crate) struct Channel {
    inner: Rc<RefCell<Inner>>,
    fin_ack_timer: Option<Delay>,
    _on_open: Handler<Event>,
    _on_message: Handler<MessageEvent>,
    _on_close: Handler<Event>,
    _on_low: Handler<Event>,
}

impl Channel {
    pub(crate) fn new(channel: RtcDataChannel, config: StreamConfig) -> Self {
        channel.set_binary_type(RtcDataChannelType::Arraybuffer);
        channel.set_buffered_amount_low_threshold(LOW_WATER);
        let open = channel.ready_state() == RtcDataChannelState::Open;
        let inner = Rc::new(RefCell::new(Inner {
            channel: channel.clone(),
            state: StreamState::new(config),
            open,
            read_waker: AtomicWaker::new(),
            write_waker: AtomicWaker::new(),
            closing: false,
        }));

        let on_open = {
            let inner = inner.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let mut inner = inner.borrow_mut();
                inner.open = true;
                inner.wake_all();
            })
        };
        let on_message = {
            let inner = inner.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(buffer) = event.data().dyn_ref::<js_sys::ArrayBuffer>().cloned() else {
                    // A string message: not part of the framing. Treat it as a malformed frame.
                    let mut inner = inner.borrow_mut();
                    inner.state.reset();
                    inner.flush();
                    inner.wake_all();
                    return;
                };
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                let mut inner = inner.borrow_mut();
                // A malformed or oversized frame resets the stream; the state keeps the error
                // for the reader.
                let _ = inner.state.handle_channel_message(&bytes);
                inner.flush();
                inner.wake_all();
            })
        };
        let on_close = {
            let inner = inner.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let mut inner = inner.borrow_mut();
                inner.state.handle_channel_closed();
                inner.wake_all();
            })
        };
        let on_low = {
            let inner = inner.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                inner.borrow().write_waker.wake();
            })
        };
        channel.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        channel.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        channel.set_onbufferedamountlow(Some(on_low.as_ref().unchecked_ref()));
        Self {
            inner,
            fin_ack_timer: None,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_low: on_low,
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut inner = self.inner.borrow_mut();
        match inner.state.read(buf) {
            Ok(ReadOutcome::Data(n)) => Poll::Ready(Ok(n)),
            Ok(ReadOutcome::Eof) => Poll::Ready(Ok(0)),
            Ok(ReadOutcome::Pending) => {
                inner.read_waker.register(cx.waker());
                Poll::Pending
            }
            Err(error) => Poll::Ready(Err(io_error(error))),
        }
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut inner = self.inner.borrow_mut();
        if let Some(error) = write_error(inner.state.write_state()) {
            return Poll::Ready(Err(error));
        }
        if !inner.open || inner.channel.buffered_amount() > HIGH_WATER {
            inner.write_waker.register(cx.waker());
            return Poll::Pending;
        }
        let written = inner.state.write(buf).map_err(io_error)?;
        inner.flush();
        Poll::Ready(Ok(written))
    }

    /// Closes the write half: `FIN`, then wait for `FIN_ACK` or its timeout.
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let mut inner = self.inner.borrow_mut();
            match inner.state.write_state().clone() {
                WriteState::Open | WriteState::Stopped => {
                    if !inner.open {
                        inner.write_waker.register(cx.waker());
                        return Poll::Pending;
                    }
                    inner.state.close_write(now_ms()).map_err(io_error)?;
                    inner.flush();
                }
                WriteState::Closing { deadline_ms } => {
                    let timer = self.fin_ack_timer.get_or_insert_with(|| {
                        Delay::new(Duration::from_millis(deadline_ms.saturating_sub(now_ms())))
                    });
                    if timer.poll_unpin(cx).is_pending() {
                        inner.write_waker.register(cx.waker());
                        return Poll::Pending;
                    }
                    self.fin_ack_timer = None;
                    inner.state.handle_timeout(now_ms().max(deadline_ms));
                    inner.flush();
                }
                WriteState::Closed { .. } | WriteState::Interrupted => return Poll::Ready(Ok(())),
                WriteState::Failed(error) => return Poll::Ready(Err(io_error(error))),
            }
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        let channel = inner.channel.clone();
        channel.set_onopen(None);
        channel.set_onmessage(None);
        channel.set_onclose(None);
        channel.set_onbufferedamountlow(None);
        if !inner.open {
            channel.close();
            return;
        }
        // Dropped before both halves finished: the peer must not wait for more.
        let write_done = matches!(inner.state.write_state(), WriteState::Closed { .. });
        let read_done = matches!(inner.state.read(&mut []), Ok(ReadOutcome::Eof));
        if write_done && read_done {
            inner.flush();
            inner.close_when_drained();
        } else {
            inner.state.reset();
            inner.flush();
        }
    }
}

fn write_error(state: &WriteState) -> Option<io::Error> {
    match state {
        WriteState::Open => None,
        WriteState::Stopped => Some(io_error(Error::StoppedByRemote)),
        WriteState::Closing { .. } | WriteState::Closed { .. } => {
            Some(io_error(Error::WriteClosed))
        }
        WriteState::Interrupted => Some(io_error(Error::ChannelClosed)),
        WriteState::Failed(error) => Some(io_error(error.clone())),
    }
}

fn io_error(error: Error) -> io::Error {
    let kind = match error {
        Error::Reset { .. } => io::ErrorKind::ConnectionReset,
        Error::ChannelClosed => io::ErrorKind::BrokenPipe,
        Error::WriteClosed | Error::StoppedByRemote => io::ErrorKind::BrokenPipe,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, error)
}

pub(crate) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A libp2p stream over one data channel.
pub struct Stream {
    channel: SendWrapper<Channel>,
}

impl Stream {
    pub(crate) fn new(channel: Channel) -> Self {
        Self {
            channel: SendWrapper::new(channel),
        }
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.channel.poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.channel.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Every write is handed to the browser at once; it has nothing to flush.
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.channel.poll_close(cx)
    }
}
