//! What an event import did, once it ends: events stored, already had and refused, and why
//! the refused lines were refused.

use dioxus::prelude::*;
use phemossa_ui::archive::ImportTally;
use phemossa_ui::format::{group_digits, plural};

/// In one sentence, how the import ended, for the status line.
pub fn outcome(tally: &ImportTally) -> String {
    let mut counts = format!(
        "{} stored, {} already had, {} refused",
        group_digits(tally.stored),
        group_digits(tally.duplicates),
        group_digits(tally.refused)
    );
    if tally.kept_out > 0 {
        counts.push_str(&format!(
            ", {} kept out (blocked, or past a limit per author)",
            group_digits(tally.kept_out)
        ));
    }
    if tally.lines_done == tally.lines_total {
        format!(
            "Import finished: {} read; {counts}.",
            plural(tally.lines_total, "line", "lines")
        )
    } else {
        format!(
            "Import stopped after {} of {} lines; {counts}.",
            group_digits(tally.lines_done),
            group_digits(tally.lines_total)
        )
    }
}

#[component]
pub fn ImportSummary(tally: ImportTally) -> Element {
    let unlisted = match tally.unlisted() {
        0 => None,
        n => Some(format!(
            "…and {}, not listed.",
            plural(n, "more refused line", "more refused lines")
        )),
    };
    rsx! {
        div { class: "import-summary",
            dl { class: "stats",
                div {
                    dt { "Stored" }
                    dd { "{group_digits(tally.stored)}" }
                }
                div {
                    dt { "Already had" }
                    dd { "{group_digits(tally.duplicates)}" }
                }
                div {
                    dt { "Refused" }
                    dd { "{group_digits(tally.refused)}" }
                }
                if tally.kept_out > 0 {
                    div {
                        dt { "Kept out" }
                        dd { "{group_digits(tally.kept_out)}" }
                    }
                }
            }
            if !tally.reasons.is_empty() {
                p { id: "import-reasons-heading", class: "subheading", "Why lines were refused" }
                ul { aria_labelledby: "import-reasons-heading",
                    for reason in tally.reasons.iter() {
                        li { class: "hint mono", "{reason}" }
                    }
                }
                if let Some(unlisted) = unlisted {
                    p { class: "hint", "{unlisted}" }
                }
            }
        }
    }
}
