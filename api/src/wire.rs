//! How the port's enums travel: `{"method", "params"}` for a [`Request`], `{"type", "data"}`
//! for a [`Response`] or a [`Push`] (docs/api.md §2), `{"code", ...fields}` for an
//! [`ApiError`], and the `kind` of a [`ServerMessage`].
//!
//! Serde derives these adjacently and internally tagged forms itself, but reads them by
//! buffering every message through its private `Content` type, which compiles a second reader
//! of every type inside, for either order of the keys: 40 KB of the background's wasm for
//! requests, and more in each page for responses and pushes (docs/benchmarks.md, tests/wasm-budgets.sh).
//! Here the enums are externally tagged (`{name: content}`, or `"name"` alone), the tag and the
//! content are read as they come with the content kept raw, and the two are joined into that
//! form, so each type is read once, straight from the text.

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::{ApiError, Push, Response, ServerMessage};

/// The externally tagged JSON of one variant, `"name"` or `{"name":content}`, as the variant's
/// name and its content's JSON text (none for a unit variant); `None` if it is neither form.
/// Variant names are snake_case, never escaped.
fn variant_parts(text: &str) -> Option<(&str, Option<&str>)> {
    match text.strip_prefix("{\"") {
        Some(rest) => {
            let (name, content) = rest.strip_suffix('}')?.split_once("\":")?;
            Some((name, Some(content)))
        }
        None => Some((text.trim_matches('"'), None)),
    }
}

/// The externally tagged JSON of `value`, split into its variant's name and its content (none
/// for a unit variant).
fn split<T: Serialize>(value: &T) -> Result<(String, Option<Box<RawValue>>), serde_json::Error> {
    let text = serde_json::to_string(value)?;
    let (name, content) = variant_parts(&text).ok_or_else(|| {
        <serde_json::Error as serde::ser::Error>::custom("not one externally tagged variant")
    })?;
    let content = content
        .map(|content| RawValue::from_string(content.to_owned()))
        .transpose()?;
    Ok((name.to_owned(), content))
}

/// Reads the variant `name` with `content`: none for a unit variant; a JSON `null` reads as a
/// unit variant or as a newtype variant's `None`, as serde's own tagged reader would.
fn join<T: DeserializeOwned>(
    name: &str,
    content: Option<&RawValue>,
) -> Result<T, serde_json::Error> {
    join_with(name, content, |text| serde_json::from_str(text))
}

/// As [`join`], for the pages: structs as objects only (`crate::objects`).
fn join_objects<T: DeserializeOwned>(
    name: &str,
    content: Option<&RawValue>,
) -> Result<T, serde_json::Error> {
    join_with(name, content, |text| crate::objects::from_str(text))
}

/// The externally tagged JSON of variant `name` with `content`, read with `read`.
fn join_with<T>(
    name: &str,
    content: Option<&RawValue>,
    read: impl FnOnce(&str) -> Result<T, serde_json::Error>,
) -> Result<T, serde_json::Error> {
    // The name goes in as a JSON string, escaped: it cannot close the object early.
    let name = serde_json::to_string(name)?;
    let text = match content {
        None => name,
        Some(content) => format!("{{{name}:{}}}", content.get()),
    };
    read(&text)
}

/// Reads a present content as it is, `null` included (an `Option<Box<RawValue>>` would read
/// `null` as absent, losing a newtype variant's `None`); an absent one is left to `default`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(deserializer).map(Some)
}

/// `ClientMessage::request`, as `{"method", "params"}`.
pub mod request {
    use super::*;
    use crate::Request;

    /// Unknown keys beside `method` and `params` are ignored, as docs/api.md §2 says: an older
    /// background tolerates what a newer page adds.
    #[derive(Deserialize)]
    struct Incoming {
        method: String,
        #[serde(default, deserialize_with = "present")]
        params: Option<Box<RawValue>>,
    }

    #[derive(Serialize)]
    struct Outgoing {
        method: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        params: Option<Box<RawValue>>,
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Request, D::Error> {
        let incoming = Incoming::deserialize(deserializer)?;
        join(&incoming.method, incoming.params.as_deref()).map_err(D::Error::custom)
    }

    pub fn serialize<S: Serializer>(request: &Request, serializer: S) -> Result<S::Ok, S::Error> {
        let (method, params) = split(request).map_err(S::Error::custom)?;
        Outgoing { method, params }.serialize(serializer)
    }
}

/// A response or a push as it travels: `{"type", "data"}` (written by [`tagged_json`]).
#[derive(Deserialize)]
struct Tagged {
    #[serde(rename = "type")]
    name: String,
    #[serde(default, deserialize_with = "present")]
    data: Option<Box<RawValue>>,
}

impl Tagged {
    fn read<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        join_objects(&self.name, self.data.as_deref())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Response,
    Push,
}

/// A server message as it is read; `result` holds `{"Ok": tagged}` or `{"Err": error}`
/// (written by [`server_message_json`]).
#[derive(Deserialize)]
struct Message {
    kind: Kind,
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    result: Option<Result<Tagged, Coded>>,
    #[serde(default)]
    push: Option<Tagged>,
}

/// An error as it travels: `{"code": name, ...fields}`, the fields of a struct variant beside
/// its name (serde's internally tagged form, read here without its buffering; written by
/// [`coded_json`]).
#[derive(Deserialize)]
#[serde(transparent)]
struct Coded(Box<RawValue>);

impl Coded {
    fn read(&self) -> Result<ApiError, serde_json::Error> {
        #[derive(Deserialize)]
        struct Code {
            code: String,
        }
        let code = crate::objects::from_str::<Code>(self.0.get())?.code;
        // A struct variant reads its fields from the whole object (its own `code` ignored, as
        // any unknown field); a unit variant has none.
        join_objects(&code, Some(&self.0)).or_else(|_| join_objects(&code, None))
    }
}

/// The externally tagged JSON of `value` split into its variant's name and its content's JSON
/// text, as [`split`] without the content's second parse into a `RawValue`.
fn split_text<T: Serialize>(value: &T) -> (String, Option<String>) {
    let text = serde_json::to_string(value)
        .unwrap_or_else(|_| unreachable!("responses, pushes and errors always serialise"));
    let (name, content) =
        variant_parts(&text).unwrap_or_else(|| unreachable!("one externally tagged variant"));
    (name.to_owned(), content.map(str::to_owned))
}

/// `{"type": name, "data": content}`, as [`Tagged`] reads it.
fn tagged_json<T: Serialize>(value: &T) -> String {
    match split_text(value) {
        (name, None) => format!("{{\"type\":\"{name}\"}}"),
        (name, Some(data)) => format!("{{\"type\":\"{name}\",\"data\":{data}}}"),
    }
}

/// `{"code": name, ...fields}`, as [`Coded`] reads it: `{"a":1}` → `{"code":name,"a":1}`; a
/// unit variant has no fields.
fn coded_json(error: &ApiError) -> String {
    let (name, fields) = split_text(error);
    match fields {
        Some(fields) if fields.len() > 2 => format!("{{\"code\":\"{name}\",{}", &fields[1..]),
        _ => format!("{{\"code\":\"{name}\"}}"),
    }
}

/// A server message's JSON (docs/api.md §2), put together as text: the one writer of server
/// messages, which the background sends and `Serialize` writes. Serialisers of a `Message`,
/// `Tagged` and `RawValue`, and a second parse of each content into a `RawValue`, would cost
/// the background's wasm more (tests compare it with the documented form).
pub(crate) fn server_message_json(message: &ServerMessage) -> String {
    match message {
        ServerMessage::Response { id, result } => {
            let result = match result {
                Ok(response) => format!("{{\"Ok\":{}}}", tagged_json(response)),
                Err(error) => format!("{{\"Err\":{}}}", coded_json(error)),
            };
            format!("{{\"kind\":\"response\",\"id\":{id},\"result\":{result}}}")
        }
        ServerMessage::Push { push } => {
            format!("{{\"kind\":\"push\",\"push\":{}}}", tagged_json(push))
        }
    }
}

impl Serialize for ServerMessage {
    /// As [`ServerMessage::to_json`] writes it, spliced in whole.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(server_message_json(self))
            .map_err(S::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ServerMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Reading::<Response, Push>::deserialize(deserializer).map(|reading| reading.0)
    }
}

/// A server message whose response is read as `R` and push as `P`: [`Response`] and [`Push`]
/// themselves, or a page's subsets of them (`crate::pages`), so that a page's wasm holds the
/// readers of what it can be sent and no others. A variant the subset lacks is refused as
/// unreadable.
pub(crate) struct Reading<R, P>(pub(crate) ServerMessage, PhantomData<(R, P)>);

impl<'de, R, P> Deserialize<'de> for Reading<R, P>
where
    R: DeserializeOwned + Into<Response>,
    P: DeserializeOwned + Into<Push>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let message = Message::deserialize(deserializer)?;
        let message = match message.kind {
            Kind::Response => {
                let id = message.id.ok_or_else(|| D::Error::missing_field("id"))?;
                let result = match message.result {
                    Some(Ok(tagged)) => Ok(tagged.read::<R>().map_err(D::Error::custom)?.into()),
                    Some(Err(coded)) => Err(coded.read().map_err(D::Error::custom)?),
                    None => return Err(D::Error::missing_field("result")),
                };
                ServerMessage::Response { id, result }
            }
            Kind::Push => {
                let push = message
                    .push
                    .ok_or_else(|| D::Error::missing_field("push"))?;
                ServerMessage::Push {
                    push: push.read::<P>().map_err(D::Error::custom)?.into(),
                }
            }
        };
        Ok(Reading(message, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiError, FeedItem, Push, Response, ServerMessage};

    fn read(text: &str) -> ServerMessage {
        ServerMessage::from_json(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn server_messages_are_written_as_docs_api_says() {
        use crate::{ApiError, Response};
        let hash = phemossa_core::BlobHash::from_bytes([3; 32]);
        let messages = [
            ServerMessage::Response {
                id: 1,
                result: Ok(Response::Subscribed),
            },
            ServerMessage::Response {
                id: u64::MAX,
                result: Ok(Response::WorkNeeded {
                    prefix: "a\"b\\c\u{1}é".into(),
                    bits: 9,
                    timestamp: 7,
                    strangers: 2,
                }),
            },
            ServerMessage::Response {
                id: 2,
                result: Ok(Response::Deleted(vec![])),
            },
            ServerMessage::Response {
                id: 3,
                result: Err(ApiError::PostNotFound),
            },
            ServerMessage::Response {
                id: 4,
                result: Err(ApiError::PostTooLong {
                    chars: 1001,
                    max: 1000,
                }),
            },
            ServerMessage::Response {
                id: 5,
                result: Err(ApiError::Internal {
                    reason: "}\"{".into(),
                }),
            },
            ServerMessage::Push {
                push: Push::FeedReset,
            },
            ServerMessage::Push {
                push: Push::BlobStored(hash),
            },
            ServerMessage::Push {
                push: Push::Unread(0),
            },
        ];
        // The form docs/api.md §2 gives, escapes as serde_json writes them.
        let expected = [
            r#"{"kind":"response","id":1,"result":{"Ok":{"type":"subscribed"}}}"#,
            r#"{"kind":"response","id":18446744073709551615,"result":{"Ok":{"type":"work_needed","data":{"prefix":"a\"b\\c\u0001é","bits":9,"timestamp":7,"strangers":2}}}}"#,
            r#"{"kind":"response","id":2,"result":{"Ok":{"type":"deleted","data":[]}}}"#,
            r#"{"kind":"response","id":3,"result":{"Err":{"code":"post_not_found"}}}"#,
            r#"{"kind":"response","id":4,"result":{"Err":{"code":"post_too_long","chars":1001,"max":1000}}}"#,
            r#"{"kind":"response","id":5,"result":{"Err":{"code":"internal","reason":"}\"{"}}}"#,
            r#"{"kind":"push","push":{"type":"feed_reset"}}"#,
            r#"{"kind":"push","push":{"type":"blob_stored","data":"0303030303030303030303030303030303030303030303030303030303030303"}}"#,
            r#"{"kind":"push","push":{"type":"unread","data":0}}"#,
        ];
        for (message, expected) in messages.into_iter().zip(expected) {
            assert_eq!(message.to_json(), expected);
            assert_eq!(serde_json::to_string(&message).unwrap(), expected);
            assert_eq!(read(&message.to_json()), message);
        }
    }

    #[test]
    fn server_messages_travel_as_docs_api_says_in_any_key_order() {
        let reset = ServerMessage::Push {
            push: Push::FeedReset,
        };
        assert_eq!(
            reset.to_json(),
            r#"{"kind":"push","push":{"type":"feed_reset"}}"#
        );
        for text in [
            r#"{"kind":"push","push":{"type":"feed_reset"}}"#,
            r#"{"push":{"type":"feed_reset","data":null},"kind":"push"}"#,
        ] {
            assert_eq!(read(text), reset);
        }
        let added = ServerMessage::Push {
            push: Push::FeedAdded(Vec::<FeedItem>::new()),
        };
        assert_eq!(
            added.to_json(),
            r#"{"kind":"push","push":{"type":"feed_added","data":[]}}"#
        );
        assert_eq!(
            read(r#"{"push":{"data":[],"type":"feed_added"},"kind":"push"}"#),
            added
        );
        let subscribed = ServerMessage::Response {
            id: 9,
            result: Ok(Response::Subscribed),
        };
        assert_eq!(
            subscribed.to_json(),
            r#"{"kind":"response","id":9,"result":{"Ok":{"type":"subscribed"}}}"#
        );
        assert_eq!(
            read(r#"{"result":{"Ok":{"type":"subscribed"}},"id":9,"kind":"response"}"#),
            subscribed
        );
        let failed = ServerMessage::Response {
            id: 3,
            result: Err(ApiError::PostNotFound),
        };
        assert_eq!(
            failed.to_json(),
            r#"{"kind":"response","id":3,"result":{"Err":{"code":"post_not_found"}}}"#
        );
        assert_eq!(read(&failed.to_json()), failed);
        let too_long = ServerMessage::Response {
            id: 4,
            result: Err(ApiError::PostTooLong {
                chars: 1001,
                max: 1000,
            }),
        };
        assert_eq!(
            too_long.to_json(),
            r#"{"kind":"response","id":4,"result":{"Err":{"code":"post_too_long","chars":1001,"max":1000}}}"#
        );
        assert_eq!(
            read(
                r#"{"kind":"response","id":4,"result":{"Err":{"max":1000,"chars":1001,"code":"post_too_long"}}}"#
            ),
            too_long
        );
    }

    #[test]
    fn malformed_server_messages_are_refused() {
        for text in [
            r#"{"kind":"push"}"#,
            r#"{"kind":"response","result":{"Ok":{"type":"subscribed"}}}"#,
            r#"{"kind":"response","id":1}"#,
            r#"{"kind":"gossip","id":1}"#,
            r#"{"kind":"push","push":{"type":"from_the_future"}}"#,
            r#"{"kind":"push","push":{"type":"feed_added"}}"#,
            r#"{"kind":"push","push":{"type":"feed_added","data":{"not":"a list"}}}"#,
            r#"{"kind":"push","push":{"type":"x\":[],\"feed_reset","data":[]}}"#,
            r#"{"kind":"push","push":{"data":[]}}"#,
            r#"{"kind":"response","id":1,"result":{"Err":{"code":"post_too_long","chars":1}}}"#,
            r#"{"kind":"response","id":1,"result":{"Err":{"code":"launch_failed"}}}"#,
            r#"{"kind":"response","id":1,"result":{"Err":{"reason":"no code"}}}"#,
        ] {
            assert!(ServerMessage::from_json(text).is_err(), "{text}");
        }
    }
}
