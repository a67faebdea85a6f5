//! Secret randomness: fills buffers from the browser's CSPRNG, `crypto.getRandomValues`.

use crate::error::BackgroundError;

/// Fills `bytes` (at most 65,536 of them, the browser's limit per call) with random bytes.
pub fn fill(bytes: &mut [u8]) -> Result<(), BackgroundError> {
    let window = web_sys::window().ok_or(BackgroundError::NoWindow {
        what: "crypto.getRandomValues",
    })?;
    let crypto = window.crypto().map_err(|e| BackgroundError::Random {
        reason: crate::error::js_reason(&e),
    })?;
    crypto
        .get_random_values_with_u8_array(bytes)
        .map_err(|e| BackgroundError::Random {
            reason: crate::error::js_reason(&e),
        })?;
    Ok(())
}

/// `N` fresh random bytes.
pub fn array<const N: usize>() -> Result<[u8; N], BackgroundError> {
    let mut bytes = [0u8; N];
    fill(&mut bytes)?;
    Ok(bytes)
}
