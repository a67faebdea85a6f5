//! A whole-number box with its label and hint, marked at fault (and described by its form's
//! error) while it is the one refused: the Retention limits and the Network section's peer cap.

use dioxus::prelude::*;

/// A labelled number box from `min` (1 unless given) to `max`; `on_edit` hears of every change.
/// `invalid` marks it at fault and ties the error with element id `error_id` to it.
#[component]
pub fn NumberField(
    id: &'static str,
    label: &'static str,
    hint: String,
    #[props(default = 1)] min: u32,
    max: u32,
    value: Signal<String>,
    invalid: bool,
    error_id: &'static str,
    on_edit: EventHandler<()>,
) -> Element {
    let hint_id = format!("{id}-hint");
    rsx! {
        div { class: "field",
            label { r#for: id, class: "field-label", "{label}" }
            input {
                id,
                class: "narrow",
                r#type: "number",
                inputmode: "numeric",
                min,
                max,
                step: 1,
                value: "{value}",
                aria_invalid: invalid,
                aria_describedby: if invalid { "{hint_id} {error_id}" } else { "{hint_id}" },
                oninput: move |event: FormEvent| {
                    value.set(event.value());
                    on_edit.call(());
                },
            }
            p { id: "{hint_id}", class: "hint", "{hint}" }
        }
    }
}
