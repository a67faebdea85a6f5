//! The Network section's boxes (a text box per list of servers, number boxes for the peer cap
//! and the direct connection timeout, a choice of direct connections),
//! each with its label, hint and (while it is at fault) the section's error, and the element ids
//! the boxes and the error have.

use dioxus::prelude::*;

use phemossa_core::settings::DirectConnections;

use crate::number_field::NumberField;

/// The element id of the section's error, which describes the box at fault.
pub const ERROR_ID: &str = "network-error";

/// The element id of a setting's text box (its label, as `NetworkSettings::parse` names it).
pub fn field_id(label: &str) -> &'static str {
    match label {
        "Bootstrap addresses" => "network-bootstrap",
        "STUN servers" => "network-stun",
        "Most peers" => "network-max-peers",
        "Direct connection timeout" => "network-direct-timeout",
        _ => "network-turn",
    }
}

/// A labelled text box for one setting, a line per entry; `on_edit` hears of every change.
/// `invalid` marks it at fault and ties the section's error (id [`ERROR_ID`]) to it.
#[component]
pub fn NetworkField(
    label: &'static str,
    hint: &'static str,
    value: Signal<String>,
    invalid: bool,
    on_edit: EventHandler<()>,
) -> Element {
    let id = field_id(label);
    let hint_id = format!("{id}-hint");
    rsx! {
        div { class: "field",
            label { r#for: id, class: "field-label", "{label}" }
            textarea {
                id,
                class: "mono",
                rows: 3,
                spellcheck: "false",
                autocomplete: "off",
                value: "{value}",
                aria_invalid: invalid,
                // While this box is the one at fault, the error says why.
                aria_describedby: if invalid { "{hint_id} {ERROR_ID}" } else { "{hint_id}" },
                oninput: move |event: FormEvent| {
                    value.set(event.value());
                    on_edit.call(());
                },
            }
            p { id: "{hint_id}", class: "hint", "{hint}" }
        }
    }
}

/// A whole-number setting of the section ("Most peers", "Direct connection timeout"): `label`
/// names it as `NetworkSettings`' errors do, so an error can mark it and move focus to it.
#[component]
pub fn NumberSetting(
    label: &'static str,
    hint: String,
    min: u16,
    max: u16,
    value: Signal<String>,
    invalid: bool,
    on_edit: EventHandler<()>,
) -> Element {
    rsx! {
        NumberField {
            id: field_id(label),
            label,
            hint,
            min: u32::from(min),
            max: u32::from(max),
            value,
            invalid,
            error_id: ERROR_ID,
            on_edit,
        }
    }
}

/// The "Direct connections" choice: allowed, only through TURN (hiding this browser's address),
/// or off. A radio group, so each choice is announced with its consequence.
#[component]
pub fn DirectConnectionsField(
    value: Signal<DirectConnections>,
    on_edit: EventHandler<()>,
) -> Element {
    const CHOICES: [(DirectConnections, &str, &str); 3] = [
        (
            DirectConnections::Allowed,
            "Allowed",
            "Faster, and keeps working when the relay is down; peers see your IP address.",
        ),
        (
            DirectConnections::TurnOnly,
            "Only through my TURN servers",
            "Peers see the TURN server's address, never yours. Needs a TURN server above.",
        ),
        (
            DirectConnections::Off,
            "Off",
            "Everything goes through the relay, which sees only encrypted traffic.",
        ),
    ];
    rsx! {
        fieldset { class: "field choices",
            legend { class: "field-label", "Direct connections to other browsers" }
            for (choice, label, hint) in CHOICES {
                div { class: "choice",
                    input {
                        r#type: "radio",
                        id: "network-direct-{choice:?}",
                        name: "network-direct",
                        checked: value() == choice,
                        aria_describedby: "network-direct-{choice:?}-hint",
                        onchange: move |_| {
                            value.set(choice);
                            on_edit.call(());
                        },
                    }
                    label { r#for: "network-direct-{choice:?}", "{label}" }
                    p { id: "network-direct-{choice:?}-hint", class: "hint", "{hint}" }
                }
            }
        }
    }
}
