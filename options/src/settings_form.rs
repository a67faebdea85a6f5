//! One settings form's life, shared by the Network section and the Retention part: the saved
//! value loaded from the background (no form until it is known, with Retry and the reason in
//! words if it cannot be), the boxes checked in words when saved, "Saving…", "Saved" or why
//! not, and the box at fault marked and focused. Each form only says how to fill its boxes, how
//! to read them, and how to lay them out.

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_ui::{
    failure_text, focus_later, use_client, use_reconnects, Alert, RetryAlert, Status,
};

/// What tells one settings form from another: how its value is asked for and saved, and the
/// words it shows while it does.
pub struct Settings<T> {
    /// Asks the background for the saved value.
    pub get: Request,
    /// The value in the background's answer to `get` or `set`; `None` for an answer of another
    /// kind.
    pub read: fn(&Response) -> Option<T>,
    /// Asks the background to save `value`.
    pub set: fn(T) -> Request,
    /// The sentence that opens the error when the saved value cannot be loaded.
    pub load_failed: &'static str,
    /// The status while the saved value loads.
    pub loading: &'static str,
    /// The Save button's text.
    pub save: &'static str,
    /// The status while saving.
    pub saving: &'static str,
    /// The element id of the form's error, which the box at fault is described by.
    pub error_id: &'static str,
}

/// Why the boxes cannot be saved: the element id of the box at fault (if one is), and why, in
/// words.
pub struct Refusal {
    pub field: Option<&'static str>,
    pub message: String,
}

/// A settings form's state, from [`use_settings_form`].
pub struct SettingsForm<T: 'static> {
    settings: &'static Settings<T>,
    loaded: Signal<bool>,
    load_error: Signal<Option<String>>,
    error: Signal<Option<String>>,
    invalid: Signal<Option<&'static str>>,
    status: Signal<Option<String>>,
    saving: Signal<bool>,
    load: Callback<()>,
    save: Callback<FormEvent>,
}

impl<T> Clone for SettingsForm<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SettingsForm<T> {}

/// Loads the value `settings` names, puts it in the boxes with `show`, and saves what `parse`
/// reads from them; `saved` hears of the value the background saved.
///
/// A load that failed because the background went away is tried again once it is back; a form
/// already shown is left alone, since it may be half edited.
pub fn use_settings_form<T: 'static>(
    settings: &'static Settings<T>,
    show: impl FnMut(T) + 'static,
    mut parse: impl FnMut() -> Result<T, Refusal> + 'static,
    saved: impl FnMut(T) + 'static,
) -> SettingsForm<T> {
    let client = use_client();
    let show = use_callback(show);
    let saved = use_callback(saved);
    let mut loaded = use_signal(|| false);
    let mut load_error = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<String>);
    let mut invalid = use_signal(|| None::<&'static str>);
    let mut status = use_signal(|| None::<String>);
    let mut saving = use_signal(|| false);

    let load_client = client.clone();
    let load = use_callback(move |()| {
        load_error.set(None);
        let client = load_client.clone();
        spawn(async move {
            match value_in(client.request(settings.get.clone()).await, settings.read) {
                Ok(value) => {
                    show.call(value);
                    loaded.set(true);
                }
                // No form until the saved value is known, so saving cannot replace it blindly.
                Err(reason) => load_error.set(Some(format!("{} {reason}", settings.load_failed))),
            }
        });
    });
    use_hook(move || load.call(()));
    use_reconnects(&client, move || {
        if load_error.peek().is_some() {
            load.call(());
        }
        async {}
    });

    let save = use_callback(move |event: FormEvent| {
        event.prevent_default();
        if saving() {
            return;
        }
        status.set(None);
        let value = match parse() {
            Ok(value) => value,
            Err(refused) => {
                invalid.set(refused.field);
                error.set(Some(refused.message));
                if let Some(field) = refused.field {
                    focus_later(field);
                }
                return;
            }
        };
        invalid.set(None);
        error.set(None);
        saving.set(true);
        let client = client.clone();
        spawn(async move {
            match value_in(client.request((settings.set)(value)).await, settings.read) {
                Ok(value) => {
                    saved.call(value);
                    status.set(Some("Saved".into()));
                }
                Err(reason) => error.set(Some(reason)),
            }
            saving.set(false);
        });
    });

    SettingsForm {
        settings,
        loaded,
        load_error,
        error,
        invalid,
        status,
        saving,
        load,
        save,
    }
}

/// The value `read` finds in `answer`, or why there is none, in words.
fn value_in<T>(
    answer: Result<Response, phemossa_api::ApiError>,
    read: fn(&Response) -> Option<T>,
) -> Result<T, String> {
    match answer {
        Ok(response) => match read(&response) {
            Some(value) => Ok(value),
            None => Err(failure_text(Ok(response))),
        },
        Err(refused) => Err(failure_text(Err(refused))),
    }
}

impl<T> SettingsForm<T> {
    /// Whether the box with element id `field` is the one at fault.
    pub fn invalid(&self, field: &str) -> bool {
        *self.invalid.read() == Some(field)
    }

    /// Call on every edit: what the form said about the boxes before no longer holds.
    pub fn edited(mut self) {
        self.status.set(None);
        self.error.set(None);
        self.invalid.set(None);
    }

    /// The form around `fields` (its boxes and hints) with its Save button, error and status;
    /// or, until the saved value is known, the loading status or why it could not be loaded.
    pub fn view(self, fields: Element) -> Element {
        let Self {
            settings,
            loaded,
            load_error,
            error,
            status,
            saving,
            load,
            save,
            ..
        } = self;
        rsx! {
            if let Some(error) = load_error() {
                RetryAlert { error, on_retry: move |()| load.call(()) }
            } else if !loaded() {
                Status { message: settings.loading.to_owned(), busy: true }
            } else {
                // Checked by the settings' own rules, in words, not the browser's own bubbles.
                form { novalidate: true, onsubmit: move |event| save.call(event),
                    {fields}
                    div { class: "actions",
                        button {
                            r#type: "submit",
                            class: "button primary",
                            disabled: saving(),
                            aria_busy: saving(),
                            "{settings.save}"
                        }
                    }
                    Alert { message: error(), id: settings.error_id }
                    Status {
                        message: if saving() { Some(settings.saving.to_owned()) } else { status() },
                        busy: saving(),
                    }
                }
            }
        }
    }
}
