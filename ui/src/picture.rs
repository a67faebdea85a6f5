//! Pictures a person picks, made fit to publish, in the browser: decoded, cropped or scaled, and
//! encoded afresh as WebP. Only the pixels survive, so EXIF, GPS and every other tag of the
//! original file are gone before anything is hashed, stored or sent (docs/protocol.md §12.3).
//! The geometry is pure ([`fit_into`]) and tested natively; the drawing needs a browser.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    HtmlInputElement, ImageBitmap, ImageEncodeOptions, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d,
};

/// How a picture is fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The middle square, scaled down to at most this many pixels a side (avatars: 256).
    Square(u32),
    /// The whole picture, scaled down so its long side is at most this many pixels (post
    /// images: 1,600).
    LongSide(u32),
}

/// Where to read from the source and how large to draw: `(sx, sy, sw, sh, width, height)`.
/// Pictures are only ever scaled down, never up.
pub fn fit_into(width: u32, height: u32, fit: Fit) -> (u32, u32, u32, u32, u32, u32) {
    let (width, height) = (width.max(1), height.max(1));
    match fit {
        Fit::Square(most) => {
            let side = width.min(height);
            let out = side.min(most);
            (
                (width - side) / 2,
                (height - side) / 2,
                side,
                side,
                out,
                out,
            )
        }
        Fit::LongSide(most) => {
            let long = width.max(height);
            if long <= most {
                return (0, 0, width, height, width, height);
            }
            let scale = |n: u32| ((u64::from(n) * u64::from(most)) / u64::from(long)).max(1) as u32;
            (0, 0, width, height, scale(width), scale(height))
        }
    }
}

/// Qualities tried in turn until the picture fits its byte limit.
const QUALITIES: [f64; 5] = [0.85, 0.7, 0.55, 0.4, 0.25];

/// The first file chosen in the file input `input_id`, if any.
pub fn chosen_file(input_id: &str) -> Option<web_sys::File> {
    chosen_files(input_id).into_iter().next()
}

/// Every file chosen in the file input `input_id`, and empties it, so choosing the same file
/// again is a change too.
pub fn chosen_files(input_id: &str) -> Vec<web_sys::File> {
    let Some(input) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(input_id))
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = input.files().map(files_of).unwrap_or_default();
    input.set_value("");
    files
}

/// The picture files a paste carries (an image copied from a page or a screenshot).
pub fn pasted_files(event: &web_sys::Event) -> Vec<web_sys::File> {
    event
        .dyn_ref::<web_sys::ClipboardEvent>()
        .and_then(|paste| paste.clipboard_data())
        .and_then(|data| data.files())
        .map(files_of)
        .unwrap_or_default()
        .into_iter()
        .filter(|file| file.type_().starts_with("image/"))
        .collect()
}

fn files_of(list: web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Decodes `file`, fits it as `fit` says and encodes it as WebP in at most `max_bytes`. The
/// error says in words why it could not (not a picture the browser can read, too detailed).
pub async fn reencode(file: &web_sys::Blob, fit: Fit, max_bytes: u64) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("this page has no window")?;
    let bitmap: ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob(file)
            .map_err(crate::js_error_text)?,
    )
    .await
    .map_err(|_| "the browser cannot read that file as a picture".to_owned())?
    .unchecked_into();
    let (sx, sy, sw, sh, width, height) = fit_into(bitmap.width(), bitmap.height(), fit);
    let canvas = OffscreenCanvas::new(width, height).map_err(crate::js_error_text)?;
    let context: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(crate::js_error_text)?
        .ok_or("the browser gave no canvas to draw on")?
        .unchecked_into();
    context.set_image_smoothing_enabled(true);
    context
        .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            &bitmap,
            f64::from(sx),
            f64::from(sy),
            f64::from(sw),
            f64::from(sh),
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .map_err(crate::js_error_text)?;
    bitmap.close();
    let mut smallest = u64::MAX;
    for quality in QUALITIES {
        let options = ImageEncodeOptions::new();
        options.set_type("image/webp");
        options.set_quality(quality);
        let blob: web_sys::Blob = JsFuture::from(
            canvas
                .convert_to_blob_with_options(&options)
                .map_err(crate::js_error_text)?,
        )
        .await
        .map_err(crate::js_error_text)?
        .unchecked_into();
        let buffer: JsValue = JsFuture::from(blob.array_buffer())
            .await
            .map_err(crate::js_error_text)?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        if bytes.len() as u64 <= max_bytes {
            return Ok(bytes);
        }
        smallest = smallest.min(bytes.len() as u64);
    }
    Err(format!(
        "even at low quality it takes {} KiB, more than the {} KiB allowed",
        smallest.div_ceil(1024),
        max_bytes / 1024
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_avatar_is_the_middle_square_scaled_down() {
        assert_eq!(
            fit_into(1000, 600, Fit::Square(256)),
            (200, 0, 600, 600, 256, 256)
        );
        assert_eq!(
            fit_into(300, 900, Fit::Square(256)),
            (0, 300, 300, 300, 256, 256)
        );
        // Small pictures are not scaled up.
        assert_eq!(fit_into(100, 80, Fit::Square(256)), (10, 0, 80, 80, 80, 80));
    }

    #[test]
    fn a_post_image_keeps_its_shape_under_the_long_side() {
        assert_eq!(
            fit_into(4000, 3000, Fit::LongSide(1600)),
            (0, 0, 4000, 3000, 1600, 1200)
        );
        assert_eq!(
            fit_into(1000, 5000, Fit::LongSide(1600)),
            (0, 0, 1000, 5000, 320, 1600)
        );
        assert_eq!(
            fit_into(800, 600, Fit::LongSide(1600)),
            (0, 0, 800, 600, 800, 600)
        );
        assert_eq!(fit_into(0, 0, Fit::LongSide(1600)), (0, 0, 1, 1, 1, 1));
    }
}
