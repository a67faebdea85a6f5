// options entry: loads the options wasm; its #[wasm_bindgen(start)] mounts the UI into <div id="app">.
import init from './pkg/phemossa_options.js';

init().catch((err) => console.error('Phemossa: options wasm failed to start:', err));
