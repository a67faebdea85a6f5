//! What the node is handed of the rest of the background: the few services it uses, never the
//! whole `App`, so the node depends on them and nothing depends back on the node.

use std::rc::Rc;

use crate::ingest::Ingest;
use crate::storage::Storage;
use crate::subscribers::Subscribers;
use crate::user::User;

/// What the node uses of the background, and nothing more.
pub struct Services {
    /// Sync answers are read from here, peers remembered here, and the device key kept here.
    pub storage: Rc<Storage>,
    /// Whose events to sync and subscribe to: the user and whom they follow.
    pub user: Rc<User>,
    /// Where received events go in (it also holds the signatures already checked).
    pub ingest: Rc<Ingest>,
    /// Pages subscribed to the network status.
    pub subscribers: Rc<Subscribers>,
}
