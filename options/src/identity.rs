//! The Identity section: your public key, to share, with its Copy button.

use dioxus::prelude::*;
use phemossa_api::IdentityInfo;
use phemossa_ui::PublicKeyField;

#[component]
pub fn IdentitySection(info: IdentityInfo) -> Element {
    rsx! {
        section { class: "card", aria_labelledby: "identity-heading",
            h2 { id: "identity-heading", "Identity" }
            p { class: "hint",
                "Your public key is your name on Phemossa. Share it so people can follow you."
            }
            PublicKeyField { public_key: info.public_key.to_string() }
        }
    }
}
