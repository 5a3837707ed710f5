/** The rig writes tar layers with the demo's writer (one implementation for both). */
export { tar, type TarEntry } from '../../electron/demo/images';
