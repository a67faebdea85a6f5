//! One of the Network section's text boxes, with its label and hint, and the element ids the
//! boxes have.

use dioxus::prelude::*;

/// The element id of a setting's text box (its label, as `NetworkSettings::parse` names it).
pub fn field_id(label: &str) -> &'static str {
    match label {
        "Bootstrap addresses" => "network-bootstrap",
        "STUN servers" => "network-stun",
        _ => "network-turn",
    }
}

/// A labelled text box for one setting, a line per entry; `on_edit` hears of every change.
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
                aria_describedby: "{hint_id}",
                oninput: move |event: FormEvent| {
                    value.set(event.value());
                    on_edit.call(());
                },
            }
            p { id: "{hint_id}", class: "hint", "{hint}" }
        }
    }
}
