//! One interface over both sync state machines, so a driver holds a peer's machine as
//! `Box<dyn SyncMachine>` and picks v1 or v2 by the protocol the peer supports, nothing else.

use crate::message::{Cursor, Message, Scope};
use crate::output::{Output, QueryId};
use crate::v1::session::Session;
use crate::v2::message::ReconcileMessage;
use crate::v2::session::Reconciler;
use crate::v2::SYNC_V2_PROTOCOL;
use crate::SYNC_PROTOCOL;
use phemossa_core::keys::EventId;
use phemossa_core::Error;

/// What a driver does with a sync state machine; each method is the machine's own, documented
/// there ([`Session`] for v1, [`Reconciler`] for v2).
pub trait SyncMachine: std::fmt::Debug {
    /// The request-response protocol id its messages travel on.
    fn protocol(&self) -> &'static str;
    /// The `req` of an inbound request, to pair the driver's response channel with the
    /// machine's later `Output::Respond { to, .. }`; `None` for anything else.
    fn request_req(&self, bytes: &[u8]) -> Option<u64>;
    /// Starts pulling what the peer holds in `scope` (v1: from the start, no checkpoint).
    fn start(&mut self, scope: Scope, now_ms: u64) -> bool;
    fn is_pulling(&self) -> bool;
    /// Ends our pull in progress with `reason`, without blame (a slot taken back, §8.7).
    fn stop(&mut self, reason: Error);
    fn handle_message(&mut self, bytes: &[u8], now_ms: u64);
    fn handle_timeout(&mut self, now_ms: u64);
    fn next_deadline(&self) -> Option<u64>;
    fn poll_output(&mut self) -> Option<Output>;
    fn answer_ids(&mut self, query: QueryId, page: Vec<Cursor>, more: bool);
    fn answer_missing(&mut self, query: QueryId, missing: Vec<EventId>, now_ms: u64);
    fn answer_events(&mut self, query: QueryId, found: Vec<(EventId, Vec<u8>)>);
    /// The store could not answer `query`; `reason` says why (`local_store_failed`).
    fn store_failed(&mut self, query: QueryId, reason: Error);
    /// This node stored events: what it answers from must be listed afresh. v1 lists from
    /// the store on every request; v2 marks its held item set stale
    /// ([`Reconciler::store_changed`]). Events that retention dropped need no call: asked
    /// for, they are answered as unavailable.
    fn store_changed(&mut self) {}
}

macro_rules! forward {
    () => {
        fn is_pulling(&self) -> bool {
            Self::is_pulling(self)
        }
        fn stop(&mut self, reason: Error) {
            Self::stop(self, reason)
        }
        fn handle_message(&mut self, bytes: &[u8], now_ms: u64) {
            Self::handle_message(self, bytes, now_ms)
        }
        fn handle_timeout(&mut self, now_ms: u64) {
            Self::handle_timeout(self, now_ms)
        }
        fn next_deadline(&self) -> Option<u64> {
            Self::next_deadline(self)
        }
        fn poll_output(&mut self) -> Option<Output> {
            Self::poll_output(self)
        }
        fn answer_ids(&mut self, query: QueryId, page: Vec<Cursor>, more: bool) {
            Self::answer_ids(self, query, page, more)
        }
        fn answer_missing(&mut self, query: QueryId, missing: Vec<EventId>, now_ms: u64) {
            Self::answer_missing(self, query, missing, now_ms)
        }
        fn store_failed(&mut self, query: QueryId, reason: Error) {
            Self::store_failed(self, query, reason)
        }
        fn answer_events(&mut self, query: QueryId, found: Vec<(EventId, Vec<u8>)>) {
            Self::answer_events(self, query, found)
        }
    };
}

impl SyncMachine for Session {
    fn protocol(&self) -> &'static str {
        SYNC_PROTOCOL
    }

    fn request_req(&self, bytes: &[u8]) -> Option<u64> {
        match Message::decode(bytes).ok()? {
            Message::SyncRequest { req, .. } | Message::EventRequest { req, .. } => Some(req),
            _ => None,
        }
    }

    fn start(&mut self, scope: Scope, now_ms: u64) -> bool {
        Session::start(self, scope, None, now_ms)
    }

    forward!();
}

impl SyncMachine for Reconciler {
    fn protocol(&self) -> &'static str {
        SYNC_V2_PROTOCOL
    }

    fn request_req(&self, bytes: &[u8]) -> Option<u64> {
        ReconcileMessage::decode(bytes)
            .ok()
            .filter(ReconcileMessage::is_request)
            .map(|m| m.req())
    }

    fn start(&mut self, scope: Scope, now_ms: u64) -> bool {
        Reconciler::start(self, scope, now_ms)
    }

    fn store_changed(&mut self) {
        Reconciler::store_changed(self)
    }

    forward!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_holds_either_machine_the_same_way() {
        let machines: Vec<Box<dyn SyncMachine>> = vec![
            Box::new(Session::default()),
            Box::new(Reconciler::default()),
        ];
        for mut machine in machines {
            assert!(machine.start(Scope::default(), 0));
            assert!(machine.is_pulling());
            let first = machine.poll_output();
            assert!(
                matches!(
                    first,
                    Some(Output::Request(_)) | Some(Output::ListIds { .. })
                ),
                "{}: {first:?}",
                machine.protocol()
            );
        }
        let open = ReconcileMessage::Next {
            req: 7,
            negentropy: vec![0x61],
        };
        assert_eq!(Reconciler::default().request_req(&open.encode()), Some(7));
        let response = ReconcileMessage::Response {
            req: 7,
            negentropy: None,
        };
        assert_eq!(Reconciler::default().request_req(&response.encode()), None);
    }
}
