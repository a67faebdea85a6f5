//! A person as every page shows one: their picture, their name (the user's nickname for them, else
//! the name they chose), their key fingerprint, and a mark when someone else shown has the same
//! name. The rules are [`crate::people`]; this is only how they look.

use dioxus::prelude::*;
use phemossa_core::PublicKey;

use crate::people::{key_picture, Directory};

/// The people a page knows, shared by its parts (`use_context_provider` in each page's root).
pub type People = Signal<Directory>;

/// `public_key` as a person: picture, name, fingerprint. `you` shows "You" in place of the name.
#[component]
pub fn PersonName(
    public_key: PublicKey,
    people: People,
    #[props(default)] you: bool,
    #[props(default)] large: bool,
) -> Element {
    let label = people.read().label(&public_key);
    let name = if you {
        "You".to_owned()
    } else {
        label.display().to_owned()
    };
    // The picture is drawn from the key until avatar images are fetched (issue 13's blobs), so
    // a copied name never comes with the original's picture.
    let picture = key_picture(&public_key);
    let size = if large { 48 } else { 24 };
    rsx! {
        span { class: if large { "person large" } else { "person" },
            img {
                class: "avatar",
                src: "{picture}",
                alt: "{name}",
                width: "{size}",
                height: "{size}",
            }
            span { class: "person-name", title: "{public_key}", "{name}" }
            if label.nickname && !you {
                span { class: "nickname-mark", title: "Your nickname for them", "(nickname)" }
            }
            span { class: "fingerprint", title: "Key fingerprint: the start of {public_key}",
                "{label.fingerprint}"
            }
            if label.same_name && !you {
                span {
                    class: "same-name",
                    title: "Someone else you see has this name too: tell them apart by the fingerprint and picture",
                    "Same name as someone else"
                }
            }
        }
    }
}
