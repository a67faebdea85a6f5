//! Events from elsewhere (peers, in the networking work): validate, store the new ones, update
//! the follow graph, and push to subscribers what changed in the user's feed.

use std::cmp::Reverse;

use phemossa_core::api::Push;
use phemossa_core::feed::FeedOrdered;
use phemossa_core::{Event, FollowRecord};

use crate::feed::item_of_event;
use crate::system::Background;
use crate::{clock, BackgroundError};

/// What became of a batch of events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    /// Stored now, for the first time.
    pub stored: usize,
    /// Already stored before.
    pub duplicates: usize,
    /// Refused by validation, with why; never stored.
    pub rejected: Vec<phemossa_core::Error>,
}

impl Background {
    /// Validates each event's JSON bytes against the clock, counts the refusals (see
    /// [`Background::rejected`]) and ingests the valid ones.
    pub async fn ingest_json(&self, messages: &[Vec<u8>]) -> Result<IngestReport, BackgroundError> {
        let now = clock::now_ms();
        let (mut valid, mut rejected) = (Vec::new(), Vec::new());
        for bytes in messages {
            match Event::from_json(bytes, now) {
                Ok(event) => valid.push(event),
                Err(error) => rejected.push(error),
            }
        }
        self.rejected
            .set(self.rejected.get() + rejected.len() as u64);
        let mut report = self.ingest(&valid).await?;
        report.rejected = rejected;
        Ok(report)
    }

    /// Stores the validated `events` that are new; pushes `FeedAdded` for new posts in the
    /// user's feed, and `Following` + `FeedReset` when the user's own follow events (made on
    /// another device) change whom they follow. A storage failure stops the batch; what was
    /// stored before it stays stored and is announced.
    pub async fn ingest(&self, events: &[Event]) -> Result<IngestReport, BackgroundError> {
        let mut report = IngestReport::default();
        let mut added = Vec::new();
        let mut following_changed = false;
        let mut failure = None;
        for event in events {
            match self.storage.insert(event).await {
                Ok(false) => report.duplicates += 1,
                Ok(true) => {
                    report.stored += 1;
                    let me = self.public_key();
                    if let Some(record) = FollowRecord::from_event(event) {
                        if record.follower == me {
                            following_changed |= self.follows.borrow_mut().apply(record);
                        }
                    } else if event.author == me
                        || self.follows.borrow().is_following(&me, &event.author)
                    {
                        added.extend(item_of_event(event, &me));
                    }
                }
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        if !added.is_empty() {
            added.sort_by_key(|item| Reverse(item.feed_key()));
            self.subscribers.push(Push::FeedAdded(added));
        }
        if following_changed {
            self.push_following_changed();
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(report),
        }
    }
}
