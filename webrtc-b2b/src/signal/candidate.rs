//! The `data` of an ICE_CANDIDATE: the JSON of `RTCIceCandidate.toJSON()`, that is an
//! `RTCIceCandidateInit` object such as
//! `{"candidate":"candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}`.

use serde_json::Value;

use crate::{Error, Side};

/// What an ICE_CANDIDATE carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A candidate; the JSON text exactly as received, for `addIceCandidate`.
    Candidate(String),
    /// An end-of-candidates marker. js-libp2p reads absent data, the JSON `null` and the JSON
    /// string `""` this way; W3C webrtc uses a candidate whose `candidate` is `""`. A raw empty
    /// `data` is taken the same way. None of them is an error, and none is counted as a
    /// candidate. js-libp2p never sends any of them (it skips such local candidates).
    EndOfCandidates,
}

/// Checks an ICE_CANDIDATE's `data`. Refuses anything that is not JSON, not an object, or has
/// no `candidate` string; the optional members `sdpMid`, `sdpMLineIndex` and
/// `usernameFragment` must have their `RTCIceCandidateInit` types (or be `null`). Other members
/// are allowed, for future browsers. `origin` only labels the error.
pub fn parse_candidate(data: Option<&str>, origin: Side) -> Result<Candidate, Error> {
    let bad = |reason: &str| Error::BadCandidate {
        origin,
        reason: reason.to_owned(),
    };
    let text = match data {
        None => return Ok(Candidate::EndOfCandidates),
        Some(text) if text.trim().is_empty() => return Ok(Candidate::EndOfCandidates),
        Some(text) => text,
    };
    let value: Value = serde_json::from_str(text).map_err(|e| Error::BadCandidate {
        origin,
        reason: format!("not JSON: {e}"),
    })?;
    let object = match value {
        Value::Null => return Ok(Candidate::EndOfCandidates),
        Value::String(s) if s.is_empty() => return Ok(Candidate::EndOfCandidates),
        Value::Object(object) => object,
        _ => return Err(bad("not a JSON object")),
    };
    match object.get("candidate") {
        Some(Value::String(c)) if c.is_empty() => return Ok(Candidate::EndOfCandidates),
        Some(Value::String(_)) => {}
        Some(_) => return Err(bad("`candidate` is not a string")),
        None => return Err(bad("no `candidate` member")),
    }
    match object.get("sdpMid") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => return Err(bad("`sdpMid` is not a string")),
    }
    match object.get("sdpMLineIndex") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= u64::from(u16::MAX)) => {}
        Some(_) => return Err(bad("`sdpMLineIndex` is not an integer from 0 to 65535")),
    }
    match object.get("usernameFragment") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => return Err(bad("`usernameFragment` is not a string")),
    }
    Ok(Candidate::Candidate(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = r#"{"candidate":"candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}"#;

    #[test]
    fn a_browser_candidate_is_kept_verbatim() {
        assert_eq!(
            parse_candidate(Some(HOST), Side::Remote),
            Ok(Candidate::Candidate(HOST.to_owned()))
        );
        let minimal =
            r#"{"candidate":"candidate:x","sdpMid":null,"sdpMLineIndex":null,"extra":[1]}"#;
        assert_eq!(
            parse_candidate(Some(minimal), Side::Remote),
            Ok(Candidate::Candidate(minimal.to_owned()))
        );
    }

    #[test]
    fn end_of_candidates_markers() {
        for data in [
            None,
            Some(""),
            Some(" "),
            Some("null"),
            Some(r#""""#),
            Some(r#"{"candidate":""}"#),
            Some(r#"{"candidate":"","sdpMid":"0","sdpMLineIndex":0}"#),
        ] {
            assert_eq!(
                parse_candidate(data, Side::Remote),
                Ok(Candidate::EndOfCandidates),
                "{data:?}"
            );
        }
    }

    #[test]
    fn refusals_name_the_origin_and_the_reason() {
        for (data, reason) in [
            ("candidate:1 1 udp", "not JSON"),
            ("{", "not JSON"),
            ("[]", "not a JSON object"),
            ("42", "not a JSON object"),
            (r#""candidate:1""#, "not a JSON object"),
            ("true", "not a JSON object"),
            ("{}", "no `candidate` member"),
            (r#"{"candidate":null}"#, "`candidate` is not a string"),
            (r#"{"candidate":5}"#, "`candidate` is not a string"),
            (
                r#"{"candidate":"c","sdpMid":0}"#,
                "`sdpMid` is not a string",
            ),
            (
                r#"{"candidate":"c","sdpMLineIndex":-1}"#,
                "`sdpMLineIndex` is not an integer",
            ),
            (
                r#"{"candidate":"c","sdpMLineIndex":1.5}"#,
                "`sdpMLineIndex` is not an integer",
            ),
            (
                r#"{"candidate":"c","sdpMLineIndex":65536}"#,
                "`sdpMLineIndex` is not an integer",
            ),
            (
                r#"{"candidate":"c","sdpMLineIndex":"0"}"#,
                "`sdpMLineIndex` is not an integer",
            ),
            (
                r#"{"candidate":"c","usernameFragment":{}}"#,
                "`usernameFragment` is not a string",
            ),
        ] {
            match parse_candidate(Some(data), Side::Local) {
                Err(Error::BadCandidate {
                    origin: Side::Local,
                    reason: got,
                }) => {
                    assert!(got.starts_with(reason), "{data}: {got}")
                }
                other => panic!("{data}: {other:?}"),
            }
        }
    }

    #[test]
    fn deeply_nested_json_is_refused_not_a_stack_overflow() {
        let deep = format!(
            r#"{{"candidate":"c","x":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(
            parse_candidate(Some(&deep), Side::Remote),
            Err(Error::BadCandidate { .. })
        ));
    }
}
