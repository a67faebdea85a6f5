//! Mentions as the composer makes them: the "@word" being typed at the end of the text, which
//! the composer offers known people for; completing it with a chosen person's name; and, when
//! the post goes, which chosen people are still named in the text (a mention the person
//! deleted from the text is dropped). The post's `mentions` carry keys, so a mention names the
//! person whatever they are called later.

use phemossa_core::limits::MAX_MENTIONS;
use phemossa_core::PublicKey;

/// The word after "@" being typed at the end of `text` (at least one character), if any.
pub fn query(text: &str) -> Option<&str> {
    let word = text.rsplit(char::is_whitespace).next()?;
    let name = word.strip_prefix('@')?;
    (!name.is_empty() && !name.contains('@')).then_some(name)
}

/// How a person is written in the text: their name without white space (a name of several
/// words is joined with "_"), so the mention stays one word.
pub fn handle(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join("_")
}

/// `text` with its trailing "@query" replaced by "@handle " (the person chosen).
pub fn complete(text: &str, name: &str) -> String {
    let Some(query) = query(text) else {
        return text.to_owned();
    };
    let kept = &text[..text.len() - query.len() - 1];
    format!("{kept}@{} ", handle(name))
}

/// The chosen people (key, name as completed) whose "@handle" is still in `text`, each once, at
/// most [`MAX_MENTIONS`].
pub fn still_named(text: &str, chosen: &[(PublicKey, String)]) -> Vec<PublicKey> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '?' | ';' | ':'))
        .collect();
    let mut named = Vec::new();
    for (key, name) in chosen {
        let written = format!("@{}", handle(name));
        if words.contains(&written.as_str()) && !named.contains(key) {
            named.push(*key);
        }
    }
    named.truncate(MAX_MENTIONS);
    named
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Identity;

    #[test]
    fn the_word_being_typed_is_completed_and_kept_while_written() {
        assert_eq!(query("hello @Ad"), Some("Ad"));
        assert_eq!(query("@A"), Some("A"));
        assert_eq!(query("hello @"), None, "a lone @ waits for a letter");
        assert_eq!(
            query("hello @Ada "),
            None,
            "a finished word is not completed"
        );
        assert_eq!(query("mail me at a@b"), None);
        assert_eq!(query(""), None);

        let text = complete("thanks @ad", "Ada Lovelace");
        assert_eq!(text, "thanks @Ada_Lovelace ");
        assert_eq!(complete("no mention", "Ada"), "no mention");

        let (ada, bob) = (
            Identity::from_seed([1; 32]).public_key(),
            Identity::from_seed([2; 32]).public_key(),
        );
        let chosen = vec![
            (ada, "Ada Lovelace".to_owned()),
            (bob, "Bob".to_owned()),
            (ada, "Ada Lovelace".to_owned()),
        ];
        assert_eq!(
            still_named("thanks @Ada_Lovelace, and @Bob!", &chosen),
            [ada, bob]
        );
        assert_eq!(
            still_named("thanks @Ada_Lovelace", &chosen),
            [ada],
            "Bob's mention was deleted from the text"
        );
        assert!(still_named("thanks @Bobby", &chosen).is_empty());
    }

    #[test]
    fn mentions_are_capped_at_the_protocols_limit() {
        let chosen: Vec<_> = (0..30u8)
            .map(|n| (Identity::from_seed([n; 32]).public_key(), format!("p{n}")))
            .collect();
        let text: String = chosen.iter().map(|(_, name)| format!("@{name} ")).collect();
        assert_eq!(still_named(&text, &chosen).len(), MAX_MENTIONS);
    }
}
