//! How people are shown: the name a page shows for a key (the user's nickname, else the name they
//! chose, always with the key's fingerprint), whether two people shown share a name, and the
//! picture shown: their avatar once loaded, else one drawn from the key. Pure, so tested natively.
//!
//! Names are chosen by their owners and anyone can choose any name, so a name is never shown
//! alone (docs/protocol.md §5.1): the fingerprint and the key's picture go with it, and two
//! people who look alike by name are marked as such.

use std::collections::HashMap;

use phemossa_api::{BlobPurpose, KeepOutStatus, Person};
use phemossa_core::keep_out::Standing;
use phemossa_core::keys::BlobHash;
use phemossa_core::PublicKey;

use crate::format::svg_data_url;

/// Everyone a page knows by key, from `GetPeople` and `People` pushes, and the avatars it has
/// loaded for them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    people: HashMap<PublicKey, Person>,
    /// Pictures loaded (avatars and post images), as `data:` URLs, by blob hash.
    pictures: HashMap<BlobHash, String>,
    /// Pictures asked of the background and not loaded yet (it is fetching them from peers),
    /// with what each is for.
    asked: HashMap<BlobHash, BlobPurpose>,
    /// Whom the user muted or blocked, from `GetKeepOut` and `KeepOut` pushes.
    standings: HashMap<PublicKey, Standing>,
}

/// What to show for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The nickname, else the chosen name; `None` while neither is known.
    pub name: Option<String>,
    /// The key's first 8 base64 characters.
    pub fingerprint: String,
    /// `name` is the user's nickname for them, not the name they chose.
    pub nickname: bool,
    /// Someone else the page knows is shown with the same name (compared ignoring case and
    /// spacing), so the two must be told apart by fingerprint and picture.
    pub same_name: bool,
}

impl Label {
    /// The name, or the fingerprint while there is none: what an avatar's alt text says.
    pub fn display(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.fingerprint)
    }

    /// The name with the fingerprint ("Ada (VdpBEH78)"), or the fingerprint alone: whom a
    /// control or line is about, in words, never by name alone.
    pub fn with_fingerprint(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} ({})", self.fingerprint),
            None => self.fingerprint.clone(),
        }
    }
}

impl Directory {
    /// Adds or replaces `people`, by key.
    pub fn merge(&mut self, people: impl IntoIterator<Item = Person>) {
        for person in people {
            self.people.insert(person.public_key, person);
        }
    }

    /// Takes what the user keeps out, and the names of those kept out.
    pub fn keep_out(&mut self, status: &KeepOutStatus) {
        self.standings = status
            .settings
            .people
            .iter()
            .map(|(key, kept)| (*key, kept.standing))
            .collect();
        self.merge(status.people.iter().cloned());
    }

    /// Whether the user muted or blocked `key`.
    pub fn standing(&self, key: &PublicKey) -> Option<Standing> {
        self.standings.get(key).copied()
    }

    pub fn get(&self, key: &PublicKey) -> Option<&Person> {
        self.people.get(key)
    }

    /// What to show for `key`.
    pub fn label(&self, key: &PublicKey) -> Label {
        let person = self.people.get(key);
        let name = person.and_then(shown_name);
        let same_name = name.as_deref().is_some_and(|name| {
            let folded = fold(name);
            self.people.values().any(|other| {
                other.public_key != *key
                    && shown_name(other).is_some_and(|other| fold(&other) == folded)
            })
        });
        Label {
            nickname: person.is_some_and(|p| p.nickname.is_some()),
            name,
            fingerprint: key.short(),
            same_name,
        }
    }

    /// The picture to show for `key`: their avatar once loaded, else the key's own picture.
    pub fn picture(&self, key: &PublicKey) -> String {
        self.avatar_of(key)
            .and_then(|hash| self.pictures.get(&hash))
            .cloned()
            .unwrap_or_else(|| key_picture(key))
    }

    /// The avatar `key`'s profile names, if any.
    pub fn avatar_of(&self, key: &PublicKey) -> Option<BlobHash> {
        self.people.get(key).and_then(|person| person.avatar)
    }

    /// A loaded picture (an avatar or a post image) as a `data:` URL.
    pub fn loaded(&self, hash: &BlobHash) -> Option<&str> {
        self.pictures.get(hash).map(String::as_str)
    }

    /// Whether the picture `hash` should be asked for now: neither loaded nor asked already.
    /// Marks it asked, for `purpose`.
    pub fn ask_picture(&mut self, hash: BlobHash, purpose: BlobPurpose) -> bool {
        if self.pictures.contains_key(&hash) || self.asked.contains_key(&hash) {
            return false;
        }
        self.asked.insert(hash, purpose);
        true
    }

    /// The picture `hash` loaded as `data_url`.
    pub fn picture_loaded(&mut self, hash: BlobHash, data_url: String) {
        self.asked.remove(&hash);
        self.pictures.insert(hash, data_url);
    }

    /// The background stored the picture `hash` it was fetching: it may be asked for again.
    /// Returns what it was asked for, if this page was waiting for it.
    pub fn picture_stored(&mut self, hash: &BlobHash) -> Option<BlobPurpose> {
        self.asked.remove(hash)
    }

    /// People whose shown name or fingerprint contains `query` (ignoring case), names first.
    pub fn search(&self, query: &str) -> Vec<&Person> {
        let query = fold(query);
        if query.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<_> = self
            .people
            .values()
            .filter(|person| {
                let name_hit = [person.nickname.as_deref(), person.name.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|name| fold(name).contains(&query));
                name_hit || person.short.to_lowercase().contains(&query)
            })
            .collect();
        // Each person has their own key, so no two keys are equal: unstable sorts the same.
        found.sort_unstable_by_key(|person| {
            (shown_name(person).map(|n| fold(&n)), person.public_key)
        });
        found
    }
}

fn shown_name(person: &Person) -> Option<String> {
    person.nickname.clone().or_else(|| person.name.clone())
}

/// Lower case with runs of white space as one space, trimmed: "Ada  Lovelace" and
/// "ada lovelace" read as the same name to a person.
fn fold(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A picture of `key` for people without an avatar: a 5×5 grid, mirrored left to right, of
/// cells on or off by the key's bits, in a colour from its first bytes, as an SVG data URL.
/// Drawn from the key rather than the name, so someone taking another's name cannot take
/// their picture too.
pub fn key_picture(key: &PublicKey) -> String {
    let bytes = key.as_bytes();
    let hue = u16::from_be_bytes([bytes[0], bytes[1]]) % 360;
    let mut cells = String::new();
    for row in 0..5 {
        for column in 0..3 {
            let bit = row * 3 + column;
            if bytes[2 + bit / 8] >> (bit % 8) & 1 == 1 {
                for x in [column, 4 - column] {
                    cells.push_str(&format!("<rect x='{x}' y='{row}' width='1' height='1'/>"));
                    if x == 2 {
                        break;
                    }
                }
            }
        }
    }
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='-0.5 -0.5 6 6'>\
         <rect x='-0.5' y='-0.5' width='6' height='6' fill='hsl({hue},45%,92%)'/>\
         <g fill='hsl({hue},55%,40%)'>{cells}</g></svg>"
    );
    svg_data_url(&svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Identity;

    fn person(seed: u8, name: Option<&str>, nickname: Option<&str>) -> Person {
        let mut person = Person::unknown(Identity::from_seed([seed; 32]).public_key());
        person.name = name.map(Into::into);
        person.nickname = nickname.map(Into::into);
        person
    }

    #[test]
    fn a_nickname_wins_over_the_chosen_name_and_the_fingerprint_always_shows() {
        let mut directory = Directory::default();
        let ada = person(1, Some("Ada"), None);
        let key = ada.public_key;
        directory.merge([ada]);
        let label = directory.label(&key);
        assert_eq!(label.name.as_deref(), Some("Ada"));
        assert_eq!(label.fingerprint, key.short());
        assert!(!label.nickname);
        directory.merge([person(1, Some("Ada"), Some("Auntie"))]);
        let label = directory.label(&key);
        assert_eq!(
            (label.name.as_deref(), label.nickname),
            (Some("Auntie"), true)
        );
        // Unknown keys show their fingerprint where the name goes.
        let stranger = Identity::from_seed([9; 32]).public_key();
        let label = directory.label(&stranger);
        assert_eq!(label.name, None);
        assert_eq!(label.display(), stranger.short());
    }

    #[test]
    fn two_people_with_one_name_are_marked_and_a_nickname_tells_them_apart() {
        let mut directory = Directory::default();
        let (a, c) = (
            person(1, Some("Alice"), None),
            person(3, Some(" alice "), None),
        );
        let (a_key, c_key) = (a.public_key, c.public_key);
        directory.merge([a, c, person(2, Some("Bob"), None)]);
        assert!(directory.label(&a_key).same_name);
        assert!(directory.label(&c_key).same_name);
        assert_ne!(
            directory.label(&a_key).fingerprint,
            directory.label(&c_key).fingerprint
        );
        let bob = Identity::from_seed([2; 32]).public_key();
        assert!(!directory.label(&bob).same_name);
        directory.merge([person(1, Some("Alice"), Some("Alice from work"))]);
        assert!(!directory.label(&a_key).same_name);
        assert!(!directory.label(&c_key).same_name);
    }

    #[test]
    fn search_finds_names_nicknames_and_fingerprints_ignoring_case() {
        let mut directory = Directory::default();
        directory.merge([
            person(1, Some("Ada Lovelace"), None),
            person(2, Some("Bob"), Some("Uncle Bob")),
            person(3, None, None),
        ]);
        let names = |query: &str| -> Vec<Option<String>> {
            directory
                .search(query)
                .into_iter()
                .map(|p| p.name.clone())
                .collect()
        };
        assert_eq!(names("ada"), [Some("Ada Lovelace".to_owned())]);
        assert_eq!(names("UNCLE"), [Some("Bob".to_owned())]);
        assert!(names("  ").is_empty());
        let third = Identity::from_seed([3; 32]).public_key().short();
        assert_eq!(names(&third[..6]), [None]);
    }

    #[test]
    fn an_avatar_is_shown_once_loaded_and_asked_for_once() {
        let mut ada = person(1, Some("Ada"), None);
        let hash = BlobHash::from_bytes([7; 32]);
        ada.avatar = Some(hash);
        let key = ada.public_key;
        let mut directory = Directory::default();
        directory.merge([ada]);
        assert_eq!(
            directory.picture(&key),
            key_picture(&key),
            "the key's until loaded"
        );
        assert!(directory.ask_picture(hash, BlobPurpose::Avatar));
        assert!(
            !directory.ask_picture(hash, BlobPurpose::Avatar),
            "asked once"
        );
        // The background fetched it from a peer: asked again, then shown.
        assert_eq!(directory.picture_stored(&hash), Some(BlobPurpose::Avatar));
        assert_eq!(
            directory.picture_stored(&hash),
            None,
            "not waiting any more"
        );
        assert!(directory.ask_picture(hash, BlobPurpose::Avatar));
        directory.picture_loaded(hash, "data:image/webp;base64,AAAA".into());
        assert_eq!(directory.picture(&key), "data:image/webp;base64,AAAA");
        assert_eq!(directory.loaded(&hash), Some("data:image/webp;base64,AAAA"));
        assert!(
            !directory.ask_picture(hash, BlobPurpose::Image),
            "loaded already"
        );
    }

    #[test]
    fn key_pictures_differ_by_key_and_are_svg_data() {
        let a = key_picture(&Identity::from_seed([1; 32]).public_key());
        let b = key_picture(&Identity::from_seed([2; 32]).public_key());
        assert!(a.starts_with("data:image/svg+xml,"));
        assert!(!a.contains('<') && !a.contains('#'));
        // Every % starts an escape (the colours' percentages are written %25).
        assert!(a
            .split('%')
            .skip(1)
            .all(|rest| rest.len() >= 2 && rest[..2].chars().all(|c| c.is_ascii_hexdigit())));
        assert_ne!(a, b);
        assert_eq!(a, key_picture(&Identity::from_seed([1; 32]).public_key()));
    }
}
