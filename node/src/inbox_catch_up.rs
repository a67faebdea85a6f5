//! Catching up on the user's inbox (docs/protocol.md §8.9, "Catch-up"): events addressed to the
//! user that arrived while the user was away, or that gossip lost. The inbox topic delivers only
//! live, and pulls name only the authors the user follows, so a stranger's reply sent while this
//! browser was closed, or handed to a connection that then closed, would otherwise never reach
//! it. Once per connection era, each peer that speaks `/phemossa/sync/2.1.0` is asked for the
//! events addressed to the user over the last week, page by page; with each catch-up pull after
//! one of its connections closed (§8.8) it is asked again, from where its catch-ups reached.
//! What comes is judged as on the inbox topic, past the same gate.
//!
//! Sans-IO: [`InboxCatchUps::ask`] gives the first request's bytes, each answer gives what to
//! store, what the gate held back, the peer's faults and the next request, if any.

use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_core::{Error, Event, PublicKey};
use phemossa_gossip::InboxGate;
use phemossa_sync::replies::{take_inbox_response, RepliesMessage};
use phemossa_sync::Cursor;

/// How far back a catch-up asks: a week. A person away longer still has what people they follow
/// sent (pulls bring it); the window bounds what each reconnection costs.
pub const CATCH_UP_WINDOW_MS: u64 = 7 * 24 * 60 * 60 * 1_000;

/// Requests one catch-up sends a peer at most: 16 pages of up to 256 events.
pub const MAX_CATCH_UP_REQUESTS: usize = 16;

/// Events one catch-up takes from a peer at most (about 1 MB of JSON).
pub const MAX_CATCH_UP_EVENTS: usize = 2_000;

/// One peer's catch-up: the request in flight, and what it has cost so far.
#[derive(Debug)]
struct Run<P> {
    peer: P,
    addressee: PublicKey,
    after: Cursor,
    /// The greatest (timestamp, id) of the events taken so far, or where the run started.
    reached: Cursor,
    requests: usize,
    taken: usize,
    /// Asked again while this run was under way ([`InboxCatchUps::ask`]): once it
    /// ends, another starts from where it reached.
    again: bool,
}

/// What one answer brought.
#[derive(Debug, Default)]
pub struct CatchUpAnswer {
    /// Events addressed to the user that passed the gate: store them.
    pub events: Vec<Event>,
    /// Strangers' events without the work the user asks: dropped, counted for the user.
    pub held_for_work: usize,
    /// What the peer did wrong, each counted with its invalid input; any ends its catch-up.
    pub faults: Vec<Error>,
    /// The next request, if the catch-up goes on (its next page, or the catch-up owed since a
    /// connection closed).
    pub next: Option<Vec<u8>>,
}

/// The catch-ups under way, one per peer at most, and how far each connected peer's reached.
#[derive(Debug)]
pub struct InboxCatchUps<P> {
    runs: Vec<Run<P>>,
    /// Per peer, in its current connection era: the greatest cursor its finished catch-ups
    /// took. A catch-up asked again starts there, so what the user already has (or had held
    /// back for work, and counted) is not sent and counted again.
    reached: Vec<(P, Cursor)>,
}

impl<P> Default for InboxCatchUps<P> {
    fn default() -> Self {
        Self {
            runs: Vec::new(),
            reached: Vec::new(),
        }
    }
}

impl<P: PartialEq + Clone> InboxCatchUps<P> {
    /// Starts catching up from `peer` on what addresses `addressee` (the user): the first
    /// request's bytes, or `None` if one is already under way with that peer. It asks from a
    /// week ago, or from where this era's catch-ups with the peer reached if that is later.
    fn start(&mut self, peer: P, addressee: PublicKey, now_ms: u64) -> Option<Vec<u8>> {
        if self.is_running(&peer) {
            return None;
        }
        let window = Cursor {
            timestamp: now_ms.saturating_sub(CATCH_UP_WINDOW_MS),
            id: EventId::from_bytes([0; 32]),
        };
        let after = self
            .reached
            .iter()
            .find(|(known, _)| *known == peer)
            .map_or(window, |(_, reached)| (*reached).max(window));
        self.runs.push(Run {
            peer,
            addressee,
            after,
            reached: after,
            requests: 1,
            taken: 0,
            again: false,
        });
        Some(RepliesMessage::InboxRequest { addressee, after }.encode())
    }

    /// Asks `peer` for what addresses `addressee` (the user), from a week ago or from where this
    /// era's catch-ups with the peer reached if that is later: the request's bytes now, or, with
    /// a catch-up under way, once that ends (its last answer's `next`, or
    /// [`InboxCatchUps::on_failure`]'s). Asked at a new era's start, whose peer's earlier
    /// catch-up may still wait on a connection found stale; and with each catch-up pull after
    /// one of `peer`'s connections closed while another stays (docs/protocol.md §8.8): what
    /// gossipsub had handed the closed connection is lost, and a stranger's event for the user
    /// among it is repaired only here.
    pub fn ask(&mut self, peer: P, addressee: PublicKey, now_ms: u64) -> Option<Vec<u8>> {
        if let Some(run) = self.runs.iter_mut().find(|run| run.peer == peer) {
            run.again = true;
            return None;
        }
        self.start(peer, addressee, now_ms)
    }

    /// Whether a catch-up with `peer` is under way.
    fn is_running(&self, peer: &P) -> bool {
        self.runs.iter().any(|run| run.peer == *peer)
    }

    /// `peer` answered the catch-up's request with `bytes`; `None` if no catch-up with it runs.
    pub fn on_response(
        &mut self,
        peer: &P,
        bytes: &[u8],
        now_ms: u64,
        verified: &VerifiedIds,
        gate: &InboxGate<'_>,
    ) -> Option<CatchUpAnswer> {
        let at = self.runs.iter().position(|run| run.peer == *peer)?;
        let run = &mut self.runs[at];
        let page = take_inbox_response(bytes, &run.addressee, run.after, now_ms, verified);
        let mut answer = CatchUpAnswer {
            faults: page.faults,
            ..CatchUpAnswer::default()
        };
        let room = MAX_CATCH_UP_EVENTS.saturating_sub(run.taken);
        let full = page.replies.len() >= room;
        for event in page.replies.into_iter().take(room) {
            run.taken += 1;
            // Ascending after the request's cursor (take_inbox_response checks), so the last
            // taken is the greatest.
            run.reached = Cursor {
                timestamp: event.timestamp,
                id: event.id,
            };
            if gate.admits(&event) {
                answer.events.push(event);
            } else {
                answer.held_for_work += 1;
            }
        }
        let go_on = answer.faults.is_empty() && !full && run.requests < MAX_CATCH_UP_REQUESTS;
        match page.next {
            Some(next) if go_on => {
                run.after = next;
                run.requests += 1;
                answer.next = Some(
                    RepliesMessage::InboxRequest {
                        addressee: run.addressee,
                        after: next,
                    }
                    .encode(),
                );
            }
            _ => answer.next = self.end(at, now_ms),
        }
        Some(answer)
    }

    /// The request to `peer` failed (timed out, the stream or a connection closed): nobody's
    /// fault, and the catch-up ends. The next request if one is owed since a connection closed
    /// ([`InboxCatchUps::ask`]); otherwise the next catch-up pull or era asks again.
    pub fn on_failure(&mut self, peer: &P, now_ms: u64) -> Option<Vec<u8>> {
        let at = self.runs.iter().position(|run| run.peer == *peer)?;
        self.end(at, now_ms)
    }

    /// `peer`'s last connection closed: its catch-up ends, and the next era asks from a week
    /// ago again.
    pub fn forget(&mut self, peer: &P) {
        self.runs.retain(|run| run.peer != *peer);
        self.reached.retain(|(known, _)| known != peer);
    }

    /// Ends the run at `at`, keeping how far it reached; the request of the catch-up owed
    /// after it, if any.
    fn end(&mut self, at: usize, now_ms: u64) -> Option<Vec<u8>> {
        let run = self.runs.swap_remove(at);
        match self
            .reached
            .iter_mut()
            .find(|(known, _)| *known == run.peer)
        {
            Some((_, reached)) => *reached = (*reached).max(run.reached),
            None => self.reached.push((run.peer.clone(), run.reached)),
        }
        if run.again {
            self.start(run.peer, run.addressee, now_ms)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::{cursor, post, NOW};
    use phemossa_core::event::{canonical_prefix, Content, Post};
    use phemossa_core::work::WorkSearch;
    use phemossa_core::Identity;

    fn user() -> PublicKey {
        Identity::from_seed([1; 32]).public_key()
    }

    /// A post by the identity of `seed` at `at` mentioning the user.
    fn mention(seed: u8, at: u64) -> Event {
        post(seed, at, None, &[user()])
    }

    /// The gate of a user who follows nobody and asks `bits` of work (0: takes everyone's).
    fn gate(bits: u8) -> InboxGate<'static> {
        InboxGate {
            followed: &[],
            required_bits: bits,
        }
    }

    fn answer(events: &[&Event], next: Option<Cursor>) -> Vec<u8> {
        RepliesMessage::InboxResponse {
            events: events.iter().map(|e| e.to_json().into_bytes()).collect(),
            next,
        }
        .encode()
    }

    #[test]
    fn a_catch_up_asks_for_the_last_week_and_pages_on() {
        let friend = Identity::from_seed([2; 32]).public_key();
        let gate = InboxGate {
            followed: &[friend],
            required_bits: 0,
        };
        let verified = VerifiedIds::default();
        let mut catch_ups = InboxCatchUps::default();
        let first = catch_ups.start(7u8, user(), NOW).expect("a first request");
        assert_eq!(
            RepliesMessage::decode(&first).expect("decodes"),
            RepliesMessage::InboxRequest {
                addressee: user(),
                after: Cursor {
                    timestamp: NOW - CATCH_UP_WINDOW_MS,
                    id: EventId::from_bytes([0; 32]),
                }
            }
        );
        assert!(
            catch_ups.start(7, user(), NOW).is_none(),
            "one at a time per peer"
        );
        let early = mention(2, NOW - 5_000);
        let late = mention(3, NOW - 4_000);
        let got = catch_ups
            .on_response(
                &7,
                &answer(&[&early], Some(cursor(&early))),
                NOW,
                &verified,
                &gate,
            )
            .expect("a run");
        assert_eq!(got.events, vec![early.clone()]);
        assert_eq!(
            RepliesMessage::decode(&got.next.expect("a next page")).expect("decodes"),
            RepliesMessage::InboxRequest {
                addressee: user(),
                after: cursor(&early)
            }
        );
        let got = catch_ups
            .on_response(&7, &answer(&[&late], None), NOW, &verified, &gate)
            .expect("a run");
        assert_eq!(got.events, vec![late]);
        assert!(got.next.is_none());
        assert!(!catch_ups.is_running(&7), "over");
    }

    #[test]
    fn strangers_without_the_work_asked_are_held_back_and_nobody_is_blamed() {
        let friend = Identity::from_seed([2; 32]).public_key();
        let gate = InboxGate {
            followed: &[friend],
            required_bits: 8,
        };
        let verified = VerifiedIds::default();
        let mut catch_ups = InboxCatchUps::default();
        catch_ups.start(7u8, user(), NOW);
        let from_friend = mention(2, NOW - 5_000);
        let from_stranger = mention(3, NOW - 4_000);
        let content = Content::Post(Post {
            text: "worked for it".into(),
            mentions: vec![user()],
            reply_to: None,
        });
        let author = Identity::from_seed([4; 32]);
        let at = NOW - 3_000;
        let prefix = canonical_prefix(&author.public_key(), at, &content);
        let work = WorkSearch::new(&prefix, 8)
            .expect("8 bits is in range")
            .try_nonces(0, 1 << 20);
        let worked = Event::create_with_work(&author, at, content, work).expect("worked post");
        let events = [from_friend.clone(), from_stranger, worked.clone()];
        let refs: Vec<&Event> = events.iter().collect();
        let got = catch_ups
            .on_response(&7, &answer(&refs, None), NOW, &verified, &gate)
            .expect("a run");
        assert!(got.faults.is_empty(), "valid events blame nobody");
        assert_eq!(got.held_for_work, 1, "the stranger without work");
        assert_eq!(
            got.events,
            vec![from_friend, worked],
            "friends, and strangers who did the work"
        );
    }

    #[test]
    fn an_event_for_someone_else_is_a_fault_and_ends_the_catch_up() {
        let gate = gate(0);
        let verified = VerifiedIds::default();
        let mut catch_ups = InboxCatchUps::default();
        catch_ups.start(7u8, user(), NOW);
        let unrelated = Event::create(
            &Identity::from_seed([3; 32]),
            NOW - 4_000,
            Content::Post(Post {
                text: "nothing to do with you".into(),
                mentions: vec![],
                reply_to: None,
            }),
        )
        .expect("a valid post");
        let got = catch_ups
            .on_response(
                &7,
                &answer(&[&unrelated], Some(cursor(&unrelated))),
                NOW,
                &verified,
                &gate,
            )
            .expect("a run");
        assert_eq!(got.faults.len(), 1);
        assert!(got.events.is_empty() && got.next.is_none());
        assert!(!catch_ups.is_running(&7));
    }

    #[test]
    fn a_peer_paging_forever_is_stopped_at_the_request_limit() {
        let gate = gate(0);
        let verified = VerifiedIds::default();
        let mut catch_ups = InboxCatchUps::default();
        catch_ups.start(7u8, user(), NOW);
        let mut requests = 1;
        for n in 0..100u64 {
            let event = mention(2, NOW - 90_000 + n);
            let got = catch_ups.on_response(
                &7,
                &answer(&[&event], Some(cursor(&event))),
                NOW,
                &verified,
                &gate,
            );
            match got {
                Some(got) if got.next.is_some() => requests += 1,
                _ => break,
            }
        }
        assert_eq!(requests, MAX_CATCH_UP_REQUESTS);
        assert!(!catch_ups.is_running(&7));
    }

    #[test]
    fn a_failure_ends_the_catch_up_without_blame() {
        let mut catch_ups = InboxCatchUps::default();
        catch_ups.start(7u8, user(), NOW);
        assert!(catch_ups.on_failure(&7, NOW).is_none(), "nothing owed");
        assert!(!catch_ups.is_running(&7));
        catch_ups.forget(&7);
        assert!(
            catch_ups.start(7, user(), NOW).is_some(),
            "a new era asks again"
        );
    }

    /// The cursor an inbox request asks after.
    fn asked_after(request: &[u8]) -> Cursor {
        match RepliesMessage::decode(request).expect("decodes") {
            RepliesMessage::InboxRequest { after, .. } => after,
            other => panic!("not an inbox request: {other:?}"),
        }
    }

    #[test]
    fn asked_again_after_a_lost_connection_it_starts_where_it_reached() {
        // Work asked of strangers: what was held back must not come, and count, again.
        let gate = gate(8);
        let verified = VerifiedIds::default();
        let mut catch_ups = InboxCatchUps::default();
        let window = asked_after(&catch_ups.start(7u8, user(), NOW).expect("asked"));
        let held = mention(3, NOW - 4_000);
        let got = catch_ups
            .on_response(&7, &answer(&[&held], None), NOW, &verified, &gate)
            .expect("a run");
        assert_eq!((got.held_for_work, got.next.is_none()), (1, true));
        // A connection closed: asked again at once, after the event it already took.
        let again = catch_ups.ask(7, user(), NOW + 2_000).expect("asked again");
        assert_eq!(asked_after(&again), cursor(&held));
        let got = catch_ups
            .on_response(&7, &answer(&[], None), NOW + 2_000, &verified, &gate)
            .expect("a run");
        assert_eq!(got.held_for_work, 0, "not counted twice");
        // An empty catch-up leaves the cursor where it was; a new era starts from the window.
        let again = catch_ups.ask(7, user(), NOW + 4_000).expect("asked again");
        assert_eq!(asked_after(&again), cursor(&held));
        catch_ups.on_failure(&7, NOW + 4_000);
        catch_ups.forget(&7);
        let fresh = catch_ups.start(7, user(), NOW).expect("a new era");
        assert_eq!(asked_after(&fresh), window);
    }

    #[test]
    fn asked_again_while_a_catch_up_runs_it_follows_once_that_ends() {
        let gate = gate(0);
        let verified = VerifiedIds::default();
        let mut catch_ups = InboxCatchUps::default();
        catch_ups.start(7u8, user(), NOW);
        assert!(
            catch_ups.ask(7, user(), NOW).is_none(),
            "one request in flight per peer"
        );
        let first = mention(2, NOW - 5_000);
        let got = catch_ups
            .on_response(&7, &answer(&[&first], None), NOW, &verified, &gate)
            .expect("a run");
        assert_eq!(got.events, vec![first.clone()]);
        let next = got.next.expect("the catch-up owed follows at once");
        assert_eq!(asked_after(&next), cursor(&first));
        // The lost event, stored by the peer before it gossiped it, comes now.
        let lost = mention(3, NOW - 1_000);
        let got = catch_ups
            .on_response(&7, &answer(&[&lost], None), NOW, &verified, &gate)
            .expect("a run");
        assert_eq!(got.events, vec![lost]);
        assert!(got.next.is_none(), "owed once only");
        // Owed while a request failed: the failure gives the next request.
        catch_ups.ask(7, user(), NOW);
        assert!(catch_ups.ask(7, user(), NOW).is_none());
        assert!(catch_ups.on_failure(&7, NOW).is_some());
        assert!(catch_ups.is_running(&7));
    }
}
