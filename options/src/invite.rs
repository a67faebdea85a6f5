//! The user's invite (docs/protocol.md §11): one line holding their key, display name and
//! relays, shown read-only with a Copy button and as a QR code, for someone to paste in their
//! follow box or scan.

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_core::{Invite, PublicKey};
use phemossa_ui::format::svg_data_url;
use phemossa_ui::{failure_text, use_client, use_copy_button, Alert};
use qrcode::render::svg;
use qrcode::QrCode;

/// The invite of `me` with `name` and the relays of the user's network settings.
#[component]
pub fn InviteField(me: PublicKey, name: Option<String>) -> Element {
    let client = use_client();
    let mut relays = use_signal(Vec::<String>::new);
    let mut error = use_signal(|| None::<String>);
    use_effect(move || {
        let client = client.clone();
        spawn(async move {
            match client.request(Request::GetNetworkSettings).await {
                Ok(Response::NetworkSettings(settings)) => relays.set(settings.bootstrap),
                other => error.set(Some(format!(
                    "The invite holds no relays: your network settings could not be read ({}).",
                    failure_text(other)
                ))),
            }
        });
    });
    let invite = Invite::for_sharing(me, name.as_deref(), relays());
    // `for_sharing` keeps only what fits and is valid, so writing it cannot fail.
    let text = invite.to_text().unwrap_or_default();
    let qr = qr_svg(&text);
    let button = use_copy_button("the invite");
    let copied = button.copied();
    let copy_text = text.clone();
    rsx! {
        div { class: "invite",
            label { r#for: "invite-link", class: "field-label", "Invite link" }
            p { class: "hint", id: "invite-hint",
                "Send it to someone you want to follow you: they paste it in Phemossa's follow box. "
                {describe(&invite)}
            }
            div { class: "key-row",
                input {
                    id: "invite-link",
                    class: "mono",
                    r#type: "text",
                    readonly: true,
                    value: "{text}",
                    aria_describedby: "invite-hint",
                    onfocus: move |_| select_invite(),
                }
                button {
                    r#type: "button",
                    class: "button secondary small",
                    onclick: move |_| button.copy(copy_text.clone()),
                    if copied { "Copied" } else { "Copy invite link" }
                }
            }
            span { class: "sr-only", role: "status",
                if copied { "Invite copied to the clipboard" }
            }
            Alert { message: button.error() }
            Alert { message: error() }
            if let Some(qr) = qr {
                img { class: "invite-qr", src: "{qr}", alt: "Invite QR code", width: "192", height: "192" }
            }
        }
    }
}

/// What the invite holds, in words.
fn describe(invite: &Invite) -> String {
    let name = match &invite.name {
        Some(name) => format!("It holds your key, your name “{name}”"),
        None => "It holds your key".to_owned(),
    };
    match invite.relays.len() {
        0 => format!("{name}, and no relays (add some in Network to include them)."),
        1 => format!("{name} and your relay."),
        n => format!("{name} and your {n} relays."),
    }
}

/// The invite as a QR code, an SVG `data:` URL; in upper case, which readers accept and which
/// QR codes store in their compact alphanumeric mode (about a third smaller).
fn qr_svg(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let code = QrCode::new(text.to_uppercase().as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(192, 192)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Some(svg_data_url(&image))
}

/// Selects the whole invite when the field gets focus, so it copies whole by hand too.
fn select_invite() {
    use wasm_bindgen::JsCast;
    if let Some(input) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("invite-link"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}
