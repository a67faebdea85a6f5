//! Profiles: the display name, about text and avatar a person publishes, the rules on them, and
//! which of an author's profiles is the current one (docs/protocol.md §5.1).
//!
//! A profile is an ordinary signed event (`type` `"profile"`), so it travels and is validated as
//! every event is. What is special is that only the newest of an author's profiles matters:
//! [`supersedes`] decides it by the same `(timestamp, id)` order as the follow graph, so every
//! node holding the same profiles picks the same one whatever order they arrived in.

use crate::keys::{BlobHash, EventId};
use crate::limits::{MAX_ABOUT_CHARS, MAX_NAME_CHARS};
use crate::Error;

/// What a person says about themself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// 1 to 50 characters, not only white space, with no control or direction-changing
    /// characters ([`check_name`]).
    pub name: String,
    /// At most 500 characters; may be empty.
    pub about: String,
    /// The SHA-256 of a square image blob, when the person chose one.
    pub avatar: Option<BlobHash>,
}

impl Profile {
    /// The rules both signing and validation enforce.
    pub fn check(&self) -> Result<(), Error> {
        check_name(&self.name)?;
        check_about(&self.about)
    }
}

/// Characters a name may not contain, beyond control characters, with what they are called in
/// the refusal. Each can make a name show as something it is not: the direction overrides and
/// isolates reorder the characters after them ("evil\u{202E}moc.elgoog" shows as
/// "evilgoogle.com"), and line separators break the one line a name is shown on.
const FORBIDDEN_IN_NAMES: &[(char, &str)] = &[
    ('\u{200E}', "a left-to-right mark"),
    ('\u{200F}', "a right-to-left mark"),
    ('\u{2028}', "a line separator"),
    ('\u{2029}', "a paragraph separator"),
    ('\u{202A}', "a direction embedding"),
    ('\u{202B}', "a direction embedding"),
    ('\u{202C}', "a direction pop"),
    ('\u{202D}', "a direction override"),
    ('\u{202E}', "a direction override"),
    ('\u{2066}', "a direction isolate"),
    ('\u{2067}', "a direction isolate"),
    ('\u{2068}', "a direction isolate"),
    ('\u{2069}', "a direction isolate"),
    ('\u{061C}', "an Arabic letter mark"),
];

/// A display name: 1 to [`MAX_NAME_CHARS`] Unicode scalar values, not only white space (as a
/// post's text), with no control characters (Unicode general category Cc: newlines, tabs, NUL,
/// escapes) and none of the direction and separator characters above.
pub fn check_name(name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::EmptyName);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::NameTooLong {
            chars,
            max: MAX_NAME_CHARS,
        });
    }
    for c in name.chars() {
        let what = if c.is_control() {
            Some("a control character")
        } else {
            FORBIDDEN_IN_NAMES
                .iter()
                .find(|(forbidden, _)| *forbidden == c)
                .map(|(_, what)| *what)
        };
        if let Some(what) = what {
            return Err(Error::InvalidName {
                what,
                codepoint: c as u32,
            });
        }
    }
    Ok(())
}

/// About text: at most [`MAX_ABOUT_CHARS`] Unicode scalar values. It is shown as a paragraph,
/// as post text is, so line breaks are allowed.
pub fn check_about(about: &str) -> Result<(), Error> {
    let chars = about.chars().count();
    if chars > MAX_ABOUT_CHARS {
        return Err(Error::AboutTooLong {
            chars,
            max: MAX_ABOUT_CHARS,
        });
    }
    Ok(())
}

/// Whether the profile event at `(timestamp, id)` replaces the one at `current`: the greater
/// `(timestamp, id)` wins, timestamps compared as integers, then ids as bytes. Total and
/// independent of arrival order, as the follow graph's rule (§5).
pub fn supersedes(candidate: (u64, EventId), current: (u64, EventId)) -> bool {
    candidate > current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_in_characters_not_bytes() {
        assert_eq!(check_name(""), Err(Error::EmptyName));
        assert_eq!(check_name(" \u{3000}\u{a0}"), Err(Error::EmptyName));
        assert!(check_name("Ada").is_ok());
        assert!(check_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert_eq!(
            check_name(&"é".repeat(MAX_NAME_CHARS + 1)),
            Err(Error::NameTooLong {
                chars: MAX_NAME_CHARS + 1,
                max: MAX_NAME_CHARS
            })
        );
        // Emoji, scripts written right to left and joiners are names people have.
        assert!(check_name("🦀 Ferris").is_ok());
        assert!(check_name("مريم").is_ok());
        assert!(check_name("👩\u{200D}💻 dev").is_ok());
    }

    #[test]
    fn names_refuse_what_would_show_them_as_something_else() {
        for (name, codepoint) in [
            ("evil\u{202E}moc.elgoog", 0x202E),
            ("a\nb", 0x0A),
            ("tab\there", 0x09),
            ("nul\0", 0),
            ("bell\u{7}", 7),
            ("c1\u{85}", 0x85),
            ("iso\u{2066}late", 0x2066),
            ("line\u{2028}sep", 0x2028),
        ] {
            match check_name(name) {
                Err(Error::InvalidName { codepoint: c, .. }) => {
                    assert_eq!(c, codepoint, "{name:?}")
                }
                other => panic!("{name:?} gave {other:?}"),
            }
        }
        let message = check_name("x\u{202E}y").unwrap_err().to_string();
        assert!(message.contains("direction override"), "{message}");
        assert!(message.contains("U+202E"), "{message}");
    }

    #[test]
    fn about_may_be_empty_or_multiline_but_not_long() {
        assert!(check_about("").is_ok());
        assert!(check_about("line one\nline two").is_ok());
        assert!(check_about(&"x".repeat(MAX_ABOUT_CHARS)).is_ok());
        assert_eq!(
            check_about(&"x".repeat(MAX_ABOUT_CHARS + 1)),
            Err(Error::AboutTooLong {
                chars: MAX_ABOUT_CHARS + 1,
                max: MAX_ABOUT_CHARS
            })
        );
    }

    #[test]
    fn the_greater_timestamp_then_id_wins() {
        let low = EventId::from_bytes([1; 32]);
        let high = EventId::from_bytes([2; 32]);
        assert!(supersedes((2, low), (1, high)));
        assert!(!supersedes((1, high), (2, low)));
        assert!(supersedes((5, high), (5, low)));
        assert!(!supersedes((5, low), (5, high)));
        assert!(
            !supersedes((5, low), (5, low)),
            "an event does not replace itself"
        );
    }
}
