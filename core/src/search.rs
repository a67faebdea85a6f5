//! Finding posts by words: how a post's text becomes the index terms a store keeps, and how a
//! query matches. Local to each node (nothing here is on the wire), pure so it is tested natively.
//!
//! A term is a word and the post's timestamp, `word` U+0001 `timestamp as 16 hex digits`: a
//! store that keeps terms in one ordered index (IndexedDB's multi-entry index) finds the posts
//! holding a word as one key range, already newest first when read backwards, so the first 20
//! hits cost about 20 reads whether it holds a thousand posts or a hundred thousand.

use std::collections::BTreeSet;

/// Longest word kept, in characters; longer ones are cut (a URL or a pasted key is not a word
/// anyone types back whole).
pub const MAX_WORD_CHARS: usize = 32;

/// Most distinct words of one post that are indexed. Each is one more index entry written with
/// the post (IndexedDB writes dominate ingest), so a long post's first 64 words stand for it.
pub const MAX_POST_WORDS: usize = 64;

/// Separates a term's word from its timestamp: below every character a word may hold.
const SEPARATOR: char = '\u{1}';

/// The words of `text`, as searched: runs of letters and digits (any script), lower-cased, cut to
/// [`MAX_WORD_CHARS`], each once, in order of first appearance, at most [`MAX_POST_WORDS`]. A
/// lone ASCII letter or digit ("a", "I", "2") is not a word anyone searches for and is left out;
/// a lone ideograph ("猫") is a word and is kept.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() || (word.len() == 1 && word.is_ascii()) {
            continue;
        }
        let word: String = word.to_lowercase().chars().take(MAX_WORD_CHARS).collect();
        if seen.insert(word.clone()) {
            out.push(word);
            if out.len() == MAX_POST_WORDS {
                break;
            }
        }
    }
    out
}

/// The index terms of a post with `text` at `timestamp`.
pub fn terms(text: &str, timestamp: u64) -> Vec<String> {
    words(text)
        .into_iter()
        .map(|word| format!("{word}{SEPARATOR}{timestamp:016x}"))
        .collect()
}

/// The terms of `word` (one of [`words`]' output) lie in `[lower, upper)`.
pub fn term_range(word: &str) -> (String, String) {
    (format!("{word}{SEPARATOR}"), format!("{word}\u{2}"))
}

/// Whether `text` holds every one of `query_words`.
pub fn matches(text: &str, query_words: &[String]) -> bool {
    let held = words(text);
    query_words.iter().all(|word| held.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits_of_any_script_lower_cased_once() {
        assert_eq!(
            words("Moss, MOSS and moss-gardens! 2026 🌿 Ça va? 日本語 a I 猫"),
            ["moss", "and", "gardens", "2026", "ça", "va", "日本語", "猫"]
        );
        assert!(words("  ...!!! 🌿 ").is_empty());
        let long = "x".repeat(100);
        assert_eq!(words(&long)[0].chars().count(), MAX_WORD_CHARS);
        let many: String = (0..500).map(|n| format!("w{n} ")).collect();
        assert_eq!(words(&many).len(), MAX_POST_WORDS);
    }

    #[test]
    fn terms_of_a_word_sort_by_time_and_stay_inside_its_range() {
        let early = terms("moss", 5)[0].clone();
        let late = terms("moss", 0x1_0000_0000)[0].clone();
        assert!(early < late, "fixed-width hex keeps time order");
        let (lower, upper) = term_range("moss");
        for term in [&early, &late] {
            assert!(lower <= *term && *term < upper);
        }
        // A longer word with the same start is outside the range.
        let mosses = terms("mosses", 5)[0].clone();
        assert!(!(lower <= mosses && mosses < upper));
        let mos = terms("mos", 5)[0].clone();
        assert!(!(lower <= mos && mos < upper));
    }

    #[test]
    fn a_query_matches_posts_holding_all_its_words() {
        let query = words("Moss garden");
        assert!(matches("My garden is full of moss.", &query));
        assert!(!matches("My garden is full of ferns.", &query));
    }
}
