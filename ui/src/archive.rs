//! Event archives (JSON Lines, one event per line) on the page's side, as pure rules tested
//! natively: cutting a file into `import_events` requests that fit the port, adding up what the
//! background made of them, and naming an export's file.

use phemossa_api::{ImportReport, MAX_IMPORT_EVENTS, MAX_PORT_MESSAGE_BYTES};
use phemossa_core::limits::MAX_EVENT_BYTES;
use phemossa_core::Error;

/// Bytes of one request's JSON kept for everything around its events: the envelope, the
/// method, the field names and two 20-digit numbers (`id`, `first_line`) take about 100.
const ENVELOPE_BYTES: usize = 1024;

/// One step of an import, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStep<'a> {
    /// Lines to send in one `import_events` request: consecutive lines of the file (so the
    /// background numbers them right from `first_line`), each trimmed.
    Send {
        first_line: u64,
        events: Vec<&'a str>,
    },
    /// A line refused here: too long to be an event, so never sent.
    Refuse { line: u64, reason: String },
}

impl ImportStep<'_> {
    /// How many lines of the file this step covers.
    pub fn lines(&self) -> u64 {
        match self {
            ImportStep::Send { events, .. } => events.len() as u64,
            ImportStep::Refuse { .. } => 1,
        }
    }
}

/// An archive's text cut into steps: blank lines are skipped (their numbers still count), a
/// line longer than any event is refused here, and the rest go in requests of at most
/// [`MAX_IMPORT_EVENTS`] lines whose JSON stays under [`MAX_PORT_MESSAGE_BYTES`]. A request
/// holds only consecutive lines, so one ends at every skipped or refused line.
pub fn plan_import(text: &str) -> Vec<ImportStep<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let budget = MAX_PORT_MESSAGE_BYTES - ENVELOPE_BYTES;
    let mut steps = Vec::new();
    let mut events: Vec<&str> = Vec::new();
    let mut first_line = 0;
    let mut bytes = 0;
    // `lines` also drops the "\r" of "\r\n" endings.
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.trim();
        if line.is_empty() {
            flush(&mut events, first_line, &mut steps);
            continue;
        }
        if line.len() > MAX_EVENT_BYTES {
            flush(&mut events, first_line, &mut steps);
            let reason = Error::EventTooLarge {
                bytes: line.len(),
                max: MAX_EVENT_BYTES,
            };
            steps.push(ImportStep::Refuse {
                line: number,
                reason: format!("line {number}: {reason}"),
            });
            continue;
        }
        // Its JSON string and a comma.
        let size = json_string_len(line) + 1;
        if events.len() == MAX_IMPORT_EVENTS || bytes + size > budget {
            flush(&mut events, first_line, &mut steps);
        }
        if events.is_empty() {
            first_line = number;
            bytes = 0;
        }
        events.push(line);
        bytes += size;
    }
    flush(&mut events, first_line, &mut steps);
    steps
}

/// Ends the request being filled, if it holds any line.
fn flush<'a>(events: &mut Vec<&'a str>, first_line: u64, steps: &mut Vec<ImportStep<'a>>) {
    if !events.is_empty() {
        steps.push(ImportStep::Send {
            first_line,
            events: std::mem::take(events),
        });
    }
}

/// Bytes of `text` written as a JSON string, quotes included, escaped as serde_json does.
fn json_string_len(text: &str) -> usize {
    2 + text
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

/// Most refusal reasons an import lists; the count covers them all.
pub const MAX_LISTED_REASONS: usize = 20;

/// What an import has done so far, over all its steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportTally {
    /// Lines handled (sent and answered, or refused here).
    pub lines_done: u64,
    /// Lines to handle in all (blank lines not counted).
    pub lines_total: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub refused: u64,
    /// Valid events kept out: their author is blocked or had reached the daily limit.
    pub kept_out: u64,
    /// Why lines were refused, "line N: reason", in file order: the first few of each request
    /// (the background lists at most five), up to [`MAX_LISTED_REASONS`].
    pub reasons: Vec<String>,
}

impl ImportTally {
    /// A tally for the import of `steps`, nothing done yet.
    pub fn new(steps: &[ImportStep<'_>]) -> Self {
        Self {
            lines_total: steps.iter().map(ImportStep::lines).sum(),
            ..Self::default()
        }
    }

    /// Adds a step refused here.
    pub fn refused_here(&mut self, reason: String) {
        self.lines_done += 1;
        self.refused += 1;
        self.list(reason);
    }

    /// Adds the background's answer to a request of `lines` lines.
    pub fn answered(&mut self, lines: u64, report: ImportReport) {
        self.lines_done += lines;
        self.stored += report.stored;
        self.duplicates += report.duplicates;
        self.refused += report.rejected;
        self.kept_out += report.kept_out;
        for reason in report.reasons {
            self.list(reason);
        }
    }

    fn list(&mut self, reason: String) {
        if self.reasons.len() < MAX_LISTED_REASONS {
            self.reasons.push(reason);
        }
    }

    /// Refused lines whose reason is not listed.
    pub fn unlisted(&self) -> u64 {
        self.refused.saturating_sub(self.reasons.len() as u64)
    }
}

/// The name of an export made on `year`-`month`-`day` (the person's local date).
pub fn export_file_name(year: u32, month: u32, day: u32) -> String {
    format!("phemossa-events-{year:04}-{month:02}-{day:02}.jsonl")
}

#[cfg(test)]
mod tests {
    use phemossa_api::{ClientMessage, Request};

    use super::*;

    fn sent(steps: &[ImportStep<'_>]) -> Vec<(u64, usize)> {
        steps
            .iter()
            .filter_map(|step| match step {
                ImportStep::Send { first_line, events } => Some((*first_line, events.len())),
                ImportStep::Refuse { .. } => None,
            })
            .collect()
    }

    #[test]
    fn blank_lines_are_skipped_but_counted_and_cut_requests() {
        let text = "\u{feff}{\"a\":1}\r\n{\"b\":2}\n\n   \nnot json\n{\"c\":3}";
        let steps = plan_import(text);
        assert_eq!(
            steps,
            vec![
                ImportStep::Send {
                    first_line: 1,
                    events: vec!["{\"a\":1}", "{\"b\":2}"],
                },
                ImportStep::Send {
                    first_line: 5,
                    events: vec!["not json", "{\"c\":3}"],
                },
            ]
        );
        assert_eq!(ImportTally::new(&steps).lines_total, 4);
        assert!(plan_import("").is_empty());
        assert!(plan_import("\n\n \r\n").is_empty());
    }

    #[test]
    fn requests_hold_at_most_the_allowed_events() {
        let text = "{}\n".repeat(MAX_IMPORT_EVENTS * 2 + 3);
        assert_eq!(
            sent(&plan_import(&text)),
            vec![
                (1, MAX_IMPORT_EVENTS),
                (MAX_IMPORT_EVENTS as u64 + 1, MAX_IMPORT_EVENTS),
                (2 * MAX_IMPORT_EVENTS as u64 + 1, 3),
            ]
        );
    }

    #[test]
    fn every_request_fits_the_port_even_with_escapes() {
        // Lines just under the event limit, full of characters JSON escapes (6 bytes each).
        let line = "\u{1}".repeat(MAX_EVENT_BYTES);
        let text = format!("{line}\n").repeat(100);
        let steps = plan_import(&text);
        assert!(steps.len() > 1, "cut by size, not count");
        let mut lines = 0;
        for step in steps {
            let ImportStep::Send { first_line, events } = step else {
                panic!("no line is too long")
            };
            assert_eq!(first_line, lines + 1, "consecutive");
            lines += events.len() as u64;
            let request = ClientMessage {
                id: u64::MAX,
                request: Request::ImportEvents {
                    events: events.iter().map(|e| e.to_string()).collect(),
                    first_line: u64::MAX,
                },
            };
            assert!(request.to_json().len() <= MAX_PORT_MESSAGE_BYTES);
        }
        assert_eq!(lines, 100);
    }

    #[test]
    fn escaped_lengths_match_serde_json() {
        let request_len = |text: &str| {
            ClientMessage {
                id: 1,
                request: Request::ImportEvents {
                    events: vec![text.to_owned()],
                    first_line: 1,
                },
            }
            .to_json()
            .len()
        };
        for text in ["plain", "q\"uote\\", "tab\tcr\r\u{1}\u{1f}\u{7f}", "é€😀"] {
            assert_eq!(
                json_string_len(text) - json_string_len(""),
                request_len(text) - request_len(""),
                "{text:?}"
            );
        }
    }

    #[test]
    fn over_long_lines_are_refused_here_with_their_number() {
        let long = "x".repeat(MAX_EVENT_BYTES + 1);
        let text = format!("{{}}\n{long}\n{{}}\n");
        let steps = plan_import(&text);
        assert_eq!(sent(&steps), vec![(1, 1), (3, 1)]);
        let ImportStep::Refuse { line, reason } = &steps[1] else {
            panic!("refused: {steps:?}")
        };
        assert_eq!(*line, 2);
        assert!(reason.starts_with("line 2: "), "{reason}");
        assert!(reason.contains("8193"), "{reason}");
    }

    #[test]
    fn the_tally_adds_up_answers_and_lists_some_reasons() {
        let text = "a\n".repeat(30);
        let mut tally = ImportTally::new(&plan_import(&text));
        assert_eq!(tally.lines_total, 30);
        tally.refused_here("line 1: too long".into());
        for _ in 0..5 {
            tally.answered(
                5,
                ImportReport {
                    stored: 1,
                    duplicates: 1,
                    rejected: 3,
                    kept_out: 0,
                    reasons: vec!["r".into(); 3],
                    micros: 0,
                },
            );
        }
        assert_eq!(tally.lines_done, 26);
        assert_eq!((tally.stored, tally.duplicates, tally.refused), (5, 5, 16));
        assert_eq!(tally.reasons.len(), 16);
        assert_eq!(tally.unlisted(), 0);
        for _ in 0..3 {
            tally.answered(
                1,
                ImportReport {
                    rejected: 3,
                    kept_out: 0,
                    reasons: vec!["r".into(); 3],
                    ..ImportReport::default()
                },
            );
        }
        assert_eq!(tally.reasons.len(), MAX_LISTED_REASONS);
        assert_eq!(tally.unlisted(), 25 - MAX_LISTED_REASONS as u64);
    }

    #[test]
    fn export_files_are_named_by_date() {
        assert_eq!(
            export_file_name(2026, 3, 7),
            "phemossa-events-2026-03-07.jsonl"
        );
    }
}
