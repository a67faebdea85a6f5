//! The path a direct connection took, read from `RTCPeerConnection.getStats()`: the selected
//! candidate pair and the two candidates it joins.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::RtcPeerConnection;

pub use crate::PathInfo;

/// The selected candidate pair of `pc`, or `None` while there is none.
pub(crate) async fn path_of(pc: &RtcPeerConnection) -> Option<PathInfo> {
    let report = JsFuture::from(pc.get_stats()).await.ok()?;
    let stats = entries(&report);
    let pair_id = stats
        .iter()
        .find(|s| text(s, "type").as_deref() == Some("transport"))
        .and_then(|t| text(t, "selectedCandidatePairId"));
    let pair = match pair_id {
        Some(id) => stats
            .iter()
            .find(|s| text(s, "id").as_deref() == Some(id.as_str())),
        // Some browsers leave the transport's field out: take the nominated, succeeded pair.
        None => stats.iter().find(|s| {
            text(s, "type").as_deref() == Some("candidate-pair")
                && text(s, "state").as_deref() == Some("succeeded")
                && flag(s, "nominated")
        }),
    }?;
    let candidate = |key: &str| {
        let id = text(pair, key)?;
        stats
            .iter()
            .find(|s| text(s, "id").as_deref() == Some(id.as_str()))
    };
    let local = candidate("localCandidateId")?;
    let remote = candidate("remoteCandidateId")?;
    Some(PathInfo {
        local_type: text(local, "candidateType")?,
        remote_type: text(remote, "candidateType")?,
        remote_address: text(remote, "address").or_else(|| text(remote, "ip")),
        protocol: text(remote, "protocol").or_else(|| text(local, "protocol")),
        rtt_ms: number(pair, "currentRoundTripTime")
            .map(|seconds| (seconds * 1000.0).round() as u32),
    })
}

/// The values of an `RTCStatsReport` (a map-like of id to stats object).
fn entries(report: &JsValue) -> Vec<JsValue> {
    let Ok(Some(iter)) = js_sys::try_iter(report) else {
        return Vec::new();
    };
    iter.filter_map(Result::ok)
        .filter_map(|entry| js_sys::Reflect::get(&entry, &JsValue::from(1)).ok())
        .collect()
}

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).ok()
}

/// A string field; an empty one (Chrome hides a peer-reflexive address that way) is `None`.
fn text(object: &JsValue, key: &str) -> Option<String> {
    get(object, key)?.as_string().filter(|s| !s.is_empty())
}

fn number(object: &JsValue, key: &str) -> Option<f64> {
    get(object, key)?.as_f64()
}

fn flag(object: &JsValue, key: &str) -> bool {
    get(object, key).and_then(|v| v.as_bool()).unwrap_or(false)
}
