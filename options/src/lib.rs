//! The options page: the identity and its encrypted backup and restore, what storage holds, and
//! the network settings.
//!
//! Identity, backups and statistics go through the background's port; network settings are
//! saved in `chrome.storage.local` (through `phemossa_webext::settings_store`), where the
//! background reads them.

use std::time::Duration;

use dioxus::prelude::*;
use phemossa_core::api::{ApiError, IdentityInfo, Push, Request, Response, StorageStats, Topic};
use phemossa_core::backup::{MAX_BACKUP_BYTES, MIN_PASSPHRASE_CHARS};
use phemossa_core::settings::NetworkSettings;
use phemossa_core::Error;
use phemossa_ui::format::{group_digits, human_bytes};
use phemossa_ui::{
    focus_later, js_error_text, request_when_ready, unexpected, use_client, use_client_provider,
    Alert, PublicKeyField, Pushes, Starting, Status,
};
use phemossa_webext::{settings_store, PortClient};
use wasm_bindgen::prelude::*;

/// How long a downloaded backup's object URL stays valid (the download has started by then).
const REVOKE_AFTER: Duration = Duration::from_secs(30);

#[wasm_bindgen(start)]
fn start() {
    dioxus::LaunchBuilder::new()
        .with_cfg(dioxus_web::Config::new().rootname("app"))
        .launch(App)
}

#[derive(Clone, PartialEq)]
enum Phase {
    Starting,
    Failed(String),
    Ready,
}

#[component]
fn App() -> Element {
    let client = use_client_provider();
    let mut phase = use_signal(|| Phase::Starting);
    let mut identity = use_signal(|| None::<IdentityInfo>);

    let push_client = client.clone();
    use_hook(move || {
        let mut pushes = Pushes::new(&push_client);
        spawn(async move {
            while let Some(push) = pushes.next().await {
                if let Push::Identity(info) = push {
                    identity.set(Some(info));
                }
            }
        });
    });

    let connect = use_callback(move |()| {
        let client = client.clone();
        phase.set(Phase::Starting);
        spawn(async move {
            match handshake(&client).await {
                Ok(info) => {
                    identity.set(Some(info));
                    phase.set(Phase::Ready);
                }
                Err(error) => phase.set(Phase::Failed(error.to_string())),
            }
        });
    });
    use_hook(move || connect.call(()));

    rsx! {
        div { class: "app options-app",
            header { class: "page-header",
                h1 { "Phemossa settings" }
                p { class: "lead", "Your identity, its backup, what this browser stores, and how Phemossa reaches other browsers." }
            }
            main { class: "options",
                {match (phase(), identity()) {
                    (Phase::Ready, Some(info)) => rsx! {
                        IdentitySection { info: info.clone() }
                        BackupSection {}
                        RestoreSection { identity }
                        StorageSection {}
                    },
                    (Phase::Failed(error), _) => rsx! {
                        Starting { error, on_retry: connect }
                    },
                    _ => rsx! {
                        Starting { on_retry: connect }
                    },
                }}
                NetworkSection {}
            }
        }
    }
}

async fn handshake(client: &PortClient) -> Result<IdentityInfo, ApiError> {
    let info = match request_when_ready(client, Request::GetIdentity).await? {
        Response::Identity(info) => info,
        other => return Err(unexpected(other)),
    };
    client.subscribe(vec![Topic::Identity]).await?;
    Ok(info)
}

#[component]
fn IdentitySection(info: IdentityInfo) -> Element {
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

#[component]
fn BackupSection() -> Element {
    let client = use_client();
    let mut passphrase = use_signal(String::new);
    let mut repeat = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut status = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);

    let export = use_callback(move |()| {
        if busy() {
            return;
        }
        status.set(None);
        let chosen = passphrase();
        if chosen.chars().count() < MIN_PASSPHRASE_CHARS {
            error.set(Some(
                ApiError::WeakPassphrase {
                    min: MIN_PASSPHRASE_CHARS,
                }
                .to_string(),
            ));
            focus_later("backup-passphrase");
            return;
        }
        if chosen != repeat() {
            error.set(Some("The passphrases do not match.".into()));
            focus_later("backup-repeat");
            return;
        }
        error.set(None);
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            let request = Request::ExportBackup { passphrase: chosen };
            match client.request(request).await {
                Ok(Response::Backup(file)) => match download(&file.file_name, &file.contents) {
                    Ok(()) => {
                        passphrase.set(String::new());
                        repeat.set(String::new());
                        status.set(Some(format!("Backup saved as {}", file.file_name)));
                    }
                    Err(reason) => {
                        error.set(Some(format!("Saving the backup file failed: {reason}.")))
                    }
                },
                Ok(other) => error.set(Some(unexpected(other).to_string())),
                Err(refused) => error.set(Some(refused.to_string())),
            }
            busy.set(false);
        });
    });

    let shown_status = if busy() {
        Some("Encrypting backup…".to_owned())
    } else {
        status()
    };
    rsx! {
        section { class: "card", aria_labelledby: "backup-heading",
            h2 { id: "backup-heading", "Back up identity" }
            p {
                "A backup is a file holding your identity's secret key, encrypted with a passphrase you choose. "
                strong { "Anyone with this file and the passphrase can act as you" }
                ", so keep the file somewhere safe and the passphrase to yourself. Without a backup, "
                "your identity is gone if this browser's data is lost."
            }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    export.call(());
                },
                div { class: "field",
                    label { r#for: "backup-passphrase", class: "field-label", "Backup passphrase" }
                    input {
                        id: "backup-passphrase",
                        r#type: "password",
                        autocomplete: "new-password",
                        value: "{passphrase}",
                        aria_describedby: "backup-passphrase-hint",
                        oninput: move |event: FormEvent| {
                            passphrase.set(event.value());
                            error.set(None);
                        },
                    }
                    p { id: "backup-passphrase-hint", class: "hint",
                        "At least {MIN_PASSPHRASE_CHARS} characters. A few unrelated words make a strong passphrase that is easy to remember."
                    }
                }
                div { class: "field",
                    label { r#for: "backup-repeat", class: "field-label", "Repeat passphrase" }
                    input {
                        id: "backup-repeat",
                        r#type: "password",
                        autocomplete: "new-password",
                        value: "{repeat}",
                        oninput: move |event: FormEvent| {
                            repeat.set(event.value());
                            error.set(None);
                        },
                    }
                }
                div { class: "actions",
                    button {
                        r#type: "submit",
                        class: "button primary",
                        disabled: busy(),
                        aria_busy: busy(),
                        "Export backup"
                    }
                }
                Alert { message: error() }
                Status { message: shown_status, busy: busy() }
            }
        }
    }
}

/// Saves `contents` as a download named `file_name`, through a temporary object URL.
fn download(file_name: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_reason)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_reason)?;
    let result = click_download_link(&url, file_name);
    wasm_bindgen_futures::spawn_local(async move {
        phemossa_ui::sleep(REVOKE_AFTER).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    result
}

fn click_download_link(url: &str, file_name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no page body")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_reason)?
        .dyn_into()
        .map_err(|_| "no link element")?;
    link.set_href(url);
    link.set_download(file_name);
    link.set_hidden(true);
    body.append_child(&link).map_err(js_reason)?;
    link.click();
    link.remove();
    Ok(())
}

fn js_reason(error: JsValue) -> String {
    js_error_text(&error)
}

/// A backup that decrypted, waiting for the person to confirm the replacement.
#[derive(Clone, PartialEq)]
struct PendingRestore {
    backup: String,
    passphrase: String,
    current: IdentityInfo,
    incoming: IdentityInfo,
}

#[component]
fn RestoreSection(identity: Signal<Option<IdentityInfo>>) -> Element {
    let client = use_client();
    let mut passphrase = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut status = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut pending = use_signal(|| None::<PendingRestore>);

    let inspect_client = client.clone();
    let inspect = use_callback(move |()| {
        if busy() {
            return;
        }
        pending.set(None);
        status.set(None);
        let Some(file) = chosen_file() else {
            error.set(Some("Choose a backup file first.".into()));
            focus_later("backup-file");
            return;
        };
        if file.size() > MAX_BACKUP_BYTES as f64 {
            error.set(Some(
                ApiError::DamagedBackup {
                    reason: format!(
                        "{} is {} bytes, larger than any backup",
                        file.name(),
                        group_digits(file.size() as u64)
                    ),
                }
                .to_string(),
            ));
            return;
        }
        let secret = passphrase();
        if secret.is_empty() {
            error.set(Some("Enter the passphrase for this backup file.".into()));
            focus_later("restore-passphrase");
            return;
        }
        let Some(current) = identity() else { return };
        error.set(None);
        busy.set(true);
        let client = inspect_client.clone();
        spawn(async move {
            match read_text(&file).await {
                Err(reason) => error.set(Some(format!("The file could not be read: {reason}."))),
                Ok(backup) => {
                    let request = Request::InspectBackup {
                        backup: backup.clone(),
                        passphrase: secret.clone(),
                    };
                    match client.request(request).await {
                        Ok(Response::BackupInspected(incoming)) => {
                            pending.set(Some(PendingRestore {
                                backup,
                                passphrase: secret,
                                current,
                                incoming,
                            }));
                            focus_later("restore-cancel");
                        }
                        Ok(other) => error.set(Some(unexpected(other).to_string())),
                        Err(refused) => error.set(Some(refused.to_string())),
                    }
                }
            }
            busy.set(false);
        });
    });

    let replace = use_callback(move |()| {
        let Some(restore) = pending() else { return };
        if busy() {
            return;
        }
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            let request = Request::RestoreBackup {
                backup: restore.backup,
                passphrase: restore.passphrase,
            };
            let result = client.request(request).await;
            pending.set(None);
            busy.set(false);
            match result {
                Ok(Response::Restored(info)) => {
                    status.set(Some(format!(
                        "Identity restored. Your public key is now {}.",
                        info.public_key
                    )));
                    identity.set(Some(info));
                    passphrase.set(String::new());
                    clear_chosen_file();
                }
                Ok(other) => error.set(Some(unexpected(other).to_string())),
                Err(refused) => error.set(Some(refused.to_string())),
            }
        });
    });

    let mut cancel = move || {
        pending.set(None);
        status.set(Some("Nothing was changed.".into()));
        focus_later("restore-button");
    };

    let shown_status = if busy() {
        Some("Decrypting…".to_owned())
    } else {
        status()
    };
    rsx! {
        section { class: "card", aria_labelledby: "restore-heading",
            h2 { id: "restore-heading", "Restore identity" }
            p {
                "Restoring replaces the identity in this browser with the one in a backup file. "
                "You will see both public keys and confirm before anything changes."
            }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    inspect.call(());
                },
                div { class: "field",
                    label { r#for: "backup-file", class: "field-label", "Backup file" }
                    input {
                        id: "backup-file",
                        r#type: "file",
                        accept: ".json,application/json",
                        onchange: move |_| {
                            error.set(None);
                            pending.set(None);
                        },
                    }
                }
                div { class: "field",
                    label { r#for: "restore-passphrase", class: "field-label", "Passphrase for backup file" }
                    input {
                        id: "restore-passphrase",
                        r#type: "password",
                        autocomplete: "current-password",
                        value: "{passphrase}",
                        oninput: move |event: FormEvent| {
                            passphrase.set(event.value());
                            error.set(None);
                        },
                    }
                }
                div { class: "actions",
                    button {
                        id: "restore-button",
                        r#type: "submit",
                        class: "button primary",
                        disabled: busy(),
                        aria_busy: busy(),
                        "Restore backup"
                    }
                }
                Alert { message: error() }
                Status { message: shown_status, busy: busy() }
            }
            if let Some(restore) = pending() {
                div {
                    class: "confirm",
                    role: "alertdialog",
                    aria_labelledby: "confirm-title",
                    aria_describedby: "confirm-text",
                    onkeydown: move |event: KeyboardEvent| {
                        if event.key() == Key::Escape && !busy() {
                            cancel();
                        }
                    },
                    h3 { id: "confirm-title", "Replace identity?" }
                    div { id: "confirm-text",
                        if restore.current.public_key == restore.incoming.public_key {
                            p { "The backup holds the identity this browser already uses." }
                        } else {
                            p {
                                "The identity in this browser will be replaced by the one in the backup file. "
                                strong {
                                    "The current identity will be lost unless you have backed it up."
                                }
                            }
                        }
                        dl { class: "key-compare",
                            dt { "Current identity" }
                            dd { code { class: "key", "{restore.current.public_key}" } }
                            dt { "Identity in the backup" }
                            dd { code { class: "key", "{restore.incoming.public_key}" } }
                        }
                    }
                    div { class: "actions",
                        button {
                            id: "restore-confirm",
                            r#type: "button",
                            class: "button danger",
                            disabled: busy(),
                            onclick: move |_| replace.call(()),
                            "Replace identity"
                        }
                        button {
                            id: "restore-cancel",
                            r#type: "button",
                            class: "button secondary",
                            disabled: busy(),
                            onclick: move |_| cancel(),
                            "Cancel"
                        }
                    }
                }
            }
        }
    }
}

fn file_input() -> Option<web_sys::HtmlInputElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id("backup-file")?
        .dyn_into()
        .ok()
}

fn chosen_file() -> Option<web_sys::File> {
    file_input()?.files()?.get(0)
}

fn clear_chosen_file() {
    if let Some(input) = file_input() {
        input.set_value("");
    }
}

async fn read_text(file: &web_sys::File) -> Result<String, String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(js_reason)?
        .as_string()
        .ok_or_else(|| "it is not text".to_owned())
}

#[component]
fn StorageSection() -> Element {
    let client = use_client();
    let mut stats = use_signal(|| None::<StorageStats>);
    let mut error = use_signal(|| None::<String>);
    let mut loading = use_signal(|| false);

    let refresh = use_callback(move |()| {
        if loading() {
            return;
        }
        loading.set(true);
        error.set(None);
        let client = client.clone();
        spawn(async move {
            match client.request(Request::GetStats).await {
                Ok(Response::Stats(latest)) => stats.set(Some(latest)),
                Ok(other) => error.set(Some(unexpected(other).to_string())),
                Err(refused) => error.set(Some(refused.to_string())),
            }
            loading.set(false);
        });
    });
    use_hook(move || refresh.call(()));

    rsx! {
        section { class: "card", aria_labelledby: "storage-heading",
            h2 { id: "storage-heading", "Storage" }
            p { class: "hint", "What this browser keeps for Phemossa: your events and those of people you follow." }
            if let Some(s) = stats() {
                dl { class: "stats",
                    div {
                        dt { "Events" }
                        dd { "{group_digits(s.events)}" }
                    }
                    div {
                        dt { "Posts" }
                        dd { "{group_digits(s.posts)}" }
                    }
                    div {
                        dt { "Authors" }
                        dd { "{group_digits(s.authors)}" }
                    }
                    div {
                        dt { "Size" }
                        dd {
                            "{human_bytes(s.bytes)}"
                            if s.bytes >= 1024 {
                                span { class: "exact", "{group_digits(s.bytes)} bytes" }
                            }
                        }
                    }
                }
            }
            Status {
                message: if loading() { Some("Loading…".to_owned()) } else { None },
                busy: loading(),
            }
            Alert { message: error() }
            div { class: "actions",
                button {
                    r#type: "button",
                    class: "button secondary",
                    disabled: loading(),
                    onclick: move |_| refresh.call(()),
                    "Refresh"
                }
            }
        }
    }
}

#[component]
fn NetworkSection() -> Element {
    let mut loaded = use_signal(|| false);
    let mut bootstrap = use_signal(String::new);
    let mut stun = use_signal(String::new);
    let mut turn = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut invalid = use_signal(|| None::<&'static str>);
    let mut status = use_signal(|| None::<String>);
    let mut saving = use_signal(|| false);

    use_hook(move || {
        spawn(async move {
            match settings_store::load().await {
                Ok(settings) => {
                    let (b, s, t) = settings.to_lines();
                    bootstrap.set(b);
                    stun.set(s);
                    turn.set(t);
                }
                Err(reason) => error.set(Some(format!(
                    "Your saved network settings could not be read ({reason}). Saving replaces them."
                ))),
            }
            loaded.set(true);
        });
    });

    let save = move |event: FormEvent| {
        event.prevent_default();
        if saving() {
            return;
        }
        status.set(None);
        let settings = match NetworkSettings::parse(&bootstrap(), &stun(), &turn()) {
            Ok(settings) => settings,
            Err(refused) => {
                let field = match &refused {
                    Error::InvalidSetting { setting, .. } => Some(*setting),
                    _ => None,
                };
                invalid.set(field);
                error.set(Some(sentence(&refused.to_string())));
                if let Some(field) = field {
                    focus_later(field_id(field));
                }
                return;
            }
        };
        invalid.set(None);
        error.set(None);
        saving.set(true);
        spawn(async move {
            match settings_store::save(&settings).await {
                Ok(()) => status.set(Some("Saved".into())),
                Err(reason) => error.set(Some(format!("Saving failed: {reason}."))),
            }
            saving.set(false);
        });
    };
    let mut edited = move || {
        status.set(None);
        error.set(None);
        invalid.set(None);
    };

    rsx! {
        section { class: "card", aria_labelledby: "network-heading",
            h2 { id: "network-heading", "Network" }
            p {
                "Phemossa uses these to reach other browsers: relays to meet peers through, and STUN and TURN servers to connect through firewalls. "
                "Networking between browsers is still arriving; what you save here is kept and used as soon as it does."
            }
            if !loaded() {
                Status { message: "Loading network settings…".to_owned(), busy: true }
            } else {
                form { onsubmit: save,
                    NetworkField {
                        label: "Bootstrap addresses",
                        hint: "One relay multiaddr per line, ending in /p2p/ and the relay's peer id, e.g. /dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…",
                        value: bootstrap,
                        invalid: invalid() == Some("Bootstrap addresses"),
                        on_edit: move |_| edited(),
                    }
                    NetworkField {
                        label: "STUN servers",
                        hint: "One per line, e.g. stun:stun.example.org:3478",
                        value: stun,
                        invalid: invalid() == Some("STUN servers"),
                        on_edit: move |_| edited(),
                    }
                    NetworkField {
                        label: "TURN servers",
                        hint: "One per line: turn:host:port username credential",
                        value: turn,
                        invalid: invalid() == Some("TURN servers"),
                        on_edit: move |_| edited(),
                    }
                    p { class: "hint", "Blank lines and lines starting with # are ignored." }
                    div { class: "actions",
                        button {
                            r#type: "submit",
                            class: "button primary",
                            disabled: saving(),
                            "Save network settings"
                        }
                    }
                    Alert { message: error() }
                    Status { message: status() }
                }
            }
        }
    }
}

/// `text` with its first letter capitalised, to stand as a sentence on its own.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The element id of a setting's text box (its label, as `NetworkSettings::parse` names it).
fn field_id(label: &str) -> &'static str {
    match label {
        "Bootstrap addresses" => "network-bootstrap",
        "STUN servers" => "network-stun",
        _ => "network-turn",
    }
}

#[component]
fn NetworkField(
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
