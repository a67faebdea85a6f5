// popup entry: loads the popup wasm; its #[wasm_bindgen(start)] mounts the UI into <div id="app">.
import init from './pkg/phemossa_popup.js';

init().catch((err) => console.error('Phemossa: popup wasm failed to start:', err));
