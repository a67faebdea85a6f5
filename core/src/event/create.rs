//! Making new events: check the content against the same rules peers will apply, then sign.

use super::canonical::compute_id;
use super::validate::check_content;
use super::{Content, Event};
use crate::limits::MAX_TIMESTAMP_MS;
use crate::{Error, Identity};

impl Event {
    /// Signs `content` as `identity` at `timestamp` (ms since the epoch). Content that peers
    /// would refuse is refused here, so nobody signs an event the network will drop.
    pub fn create(identity: &Identity, timestamp: u64, content: Content) -> Result<Event, Error> {
        if timestamp > MAX_TIMESTAMP_MS {
            return Err(Error::TimestampOutOfRange { timestamp });
        }
        let author = identity.public_key();
        check_content(&author, &content)?;
        let id = compute_id(&author, timestamp, &content);
        let signature = identity.sign_id(&id);
        Ok(Event {
            id,
            author,
            timestamp,
            signature,
            content,
        })
    }
}
