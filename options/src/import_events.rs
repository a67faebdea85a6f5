//! The Storage section's "Import events" part: a JSON Lines file read, cut into requests that
//! fit the port (`phemossa_ui::archive::plan_import`), sent two at a time with progress shown,
//! and what came of them summed up in the file's order.

use dioxus::prelude::*;
use futures_util::stream::{self, StreamExt as _};
use phemossa_api::{Request, Response};
use phemossa_ui::archive::{plan_import, ImportStep, ImportTally};
use phemossa_ui::format::group_digits;
use phemossa_ui::{failure_text, focus_later, use_client, Alert, Status};
use phemossa_webext::PortClient;

use crate::file_input::{chosen_file, read_text};
use crate::import_summary::{outcome, ImportSummary};

/// Import requests sent before the first is answered.
const IN_FLIGHT: usize = 2;

/// What became of one step of the plan.
enum Step {
    Refused(String),
    /// First line, lines, and the answer (boxed: it is large, and only two are ever held).
    Answered(u64, u64, Box<Result<Response, phemossa_api::ApiError>>),
}

/// The element id of the file input.
const INPUT_ID: &str = "import-events-file";

#[component]
pub fn ImportEvents(on_imported: EventHandler<()>) -> Element {
    let client = use_client();
    let mut busy = use_signal(|| false);
    let mut tally = use_signal(|| None::<ImportTally>);
    let mut error = use_signal(|| None::<String>);

    let import = move |event: FormEvent| {
        event.prevent_default();
        if busy() {
            return;
        }
        let Some(file) = chosen_file(INPUT_ID) else {
            error.set(Some("Choose an events file first.".into()));
            focus_later(INPUT_ID);
            return;
        };
        error.set(None);
        tally.set(None);
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            if let Err(message) = import_file(&client, &file, tally).await {
                error.set(Some(message));
            }
            busy.set(false);
            on_imported.call(());
        });
    };

    let progress = tally().filter(|_| busy());
    let shown_status = match (&progress, busy()) {
        (Some(t), _) => Some(format!(
            "Imported {} of {} lines",
            group_digits(t.lines_done),
            group_digits(t.lines_total)
        )),
        (None, true) => Some("Reading the file…".to_owned()),
        (None, false) => tally().as_ref().map(outcome),
    };
    rsx! {
        section { aria_labelledby: "import-heading",
            h3 { id: "import-heading", class: "subheading", "Import events" }
            form { onsubmit: import,
                p { class: "hint",
                    "Adds the events of a JSON Lines file, such as an export, one event per line. "
                    "Each is checked like an event from a peer: only validly signed events are stored, and events already here are skipped."
                }
                div { class: "field",
                    label { r#for: INPUT_ID, class: "field-label", "Events file (.jsonl)" }
                    input {
                        id: INPUT_ID,
                        r#type: "file",
                        accept: ".jsonl,.ndjson,.txt,application/jsonl,application/x-ndjson,text/plain",
                        disabled: busy(),
                        onchange: move |_| error.set(None),
                    }
                }
                div { class: "actions",
                    button {
                        r#type: "submit",
                        class: "button secondary",
                        disabled: busy(),
                        aria_busy: busy(),
                        "Import events"
                    }
                }
            }
            if let Some(t) = progress {
                div { class: "sync",
                    progress {
                        aria_label: "Import progress",
                        max: "{t.lines_total.max(1)}",
                        value: "{t.lines_done}",
                    }
                }
            }
            Status { message: shown_status, busy: busy() }
            Alert { message: error() }
            if !busy() {
                if let Some(tally) = tally() {
                    ImportSummary { tally }
                }
            }
        }
    }
}

/// Reads `file` and imports its lines, keeping `tally` current; says why it stopped early.
async fn import_file(
    client: &PortClient,
    file: &web_sys::File,
    mut tally: Signal<Option<ImportTally>>,
) -> Result<(), String> {
    let text = read_text(file)
        .await
        .map_err(|reason| format!("The file could not be read: {reason}."))?;
    let steps = plan_import(&text);
    if steps.is_empty() {
        return Err(format!(
            "{} holds no lines to import: it is empty or blank.",
            file.name()
        ));
    }
    let mut sum = ImportTally::new(&steps);
    tally.set(Some(sum.clone()));
    // Two requests in flight, answered in order: the background's workers check the
    // signatures of one while it writes the other (background/src/ingest.rs), and the port's
    // round trip is hidden. More would only queue behind the one write at a time.
    let mut answers = stream::iter(steps)
        .map(|step| async move {
            match step {
                ImportStep::Refuse { reason, .. } => Step::Refused(reason),
                ImportStep::Send { first_line, events } => {
                    let lines = events.len() as u64;
                    let request = Request::ImportEvents {
                        events: events.into_iter().map(str::to_owned).collect(),
                        first_line,
                    };
                    Step::Answered(first_line, lines, Box::new(client.request(request).await))
                }
            }
        })
        .buffered(IN_FLIGHT);
    while let Some(step) = answers.next().await {
        match step {
            Step::Refused(reason) => sum.refused_here(reason),
            Step::Answered(first_line, lines, answer) => match *answer {
                Ok(Response::Imported(report)) => sum.answered(lines, report),
                other => {
                    return Err(format!(
                        "The import stopped at line {}: {} The lines before it were imported; import the file again to add the rest (events already stored are skipped).",
                        group_digits(first_line),
                        failure_text(other)
                    ))
                }
            },
        }
        tally.set(Some(sum.clone()));
    }
    Ok(())
}
