//! Making new events: check the content against the same rules peers will apply, then sign.

use super::canonical::compute_id;
use super::validate::{check_content, check_repost_time};
use super::{Content, Event};
use crate::limits::{MAX_EVENT_BYTES, MAX_TIMESTAMP_MS};
use crate::work::Work;
use crate::{Error, Identity};

impl Event {
    /// Signs `content` as `identity` at `timestamp` (ms since the epoch). Content that peers
    /// would refuse is refused here, so nobody signs an event the network will drop.
    pub fn create(identity: &Identity, timestamp: u64, content: Content) -> Result<Event, Error> {
        Self::create_with_work(identity, timestamp, content, None)
    }

    /// As [`Event::create`], with the `work` a [`crate::work::WorkSearch`] over this content
    /// found; a claim its id does not hold is refused, as peers would refuse it.
    pub fn create_with_work(
        identity: &Identity,
        timestamp: u64,
        content: Content,
        work: Option<Work>,
    ) -> Result<Event, Error> {
        if timestamp > MAX_TIMESTAMP_MS {
            return Err(Error::TimestampOutOfRange { timestamp });
        }
        let author = identity.public_key();
        check_content(&author, &content)?;
        check_repost_time(timestamp, &content)?;
        let id = compute_id(&author, timestamp, &content, work);
        if let Some(work) = work {
            work.check(&id)?;
        }
        let signature = identity.sign_id(&id);
        let event = Event {
            id,
            author,
            timestamp,
            signature,
            content,
            work,
        };
        // Within every other limit, an event can still be too large to send: a repost of a
        // long post, a post with four long image descriptions in a wide script.
        let bytes = event.to_json().len();
        if bytes > MAX_EVENT_BYTES {
            return Err(Error::EventTooLarge {
                bytes,
                max: MAX_EVENT_BYTES,
            });
        }
        Ok(event)
    }
}
