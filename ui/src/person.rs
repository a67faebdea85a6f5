//! A person as every page shows one: their picture, their name (the user's nickname for them, else
//! the name they chose), their key fingerprint, and a mark when someone else shown has the same
//! name. The rules are [`crate::people`]; this is only how they look.

use dioxus::prelude::*;
use phemossa_core::PublicKey;

use phemossa_api::{BlobPurpose, Request, Response};
use phemossa_core::keys::BlobHash;

use phemossa_webext::PortClient;

use crate::client::use_client;
use crate::people::Directory;

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
    // Their avatar once loaded, the key's picture until then (and for anyone without one).
    let picture = people.read().picture(&public_key);
    let avatar = people.read().avatar_of(&public_key);
    let client = use_client();
    use_effect(use_reactive!(|avatar| {
        if let Some(hash) = avatar {
            ask_picture(client.clone(), people, hash, BlobPurpose::Avatar);
        }
    }));
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

/// Loads the picture `hash` (an avatar or a post image, as `purpose` says) from the background
/// unless it is loaded or asked for already. One not held yet is fetched from peers;
/// `picture_stored` (on the `BlobStored` push) asks again.
pub fn ask_picture(client: PortClient, mut people: People, hash: BlobHash, purpose: BlobPurpose) {
    if !people.write().ask_picture(hash, purpose) {
        return;
    }
    spawn(async move {
        let request = Request::GetBlob { hash, purpose };
        if let Ok(Response::Blob(data)) = client.request(request).await {
            people.write().picture_loaded(hash, data.data_url());
        }
    });
}

/// The background stored the picture `hash` it was fetching for a page: load it if this page
/// was waiting for it.
pub fn picture_stored(client: PortClient, mut people: People, hash: BlobHash) {
    let waiting = people.write().picture_stored(&hash);
    if let Some(purpose) = waiting {
        ask_picture(client, people, hash, purpose);
    }
}
