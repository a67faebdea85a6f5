//! Property tests for the port codecs: no text a page or a stale background might send makes
//! either decoder panic.

use phemossa_api::{ClientMessage, ServerMessage};
use proptest::prelude::*;

proptest! {
    #[test]
    fn arbitrary_text_never_panics_the_port_decoders(text in "\\PC{0,256}") {
        let _ = ClientMessage::from_json(&text);
        let _ = ServerMessage::from_json(&text);
    }
}
