// Offscreen document entry: loads and starts the background wasm (its #[wasm_bindgen(start)] runs in init()).
import init from './pkg/phemossa_background.js';

try {
  await init();
} catch (err) {
  console.error('Phemossa: background wasm failed to start:', err);
}
