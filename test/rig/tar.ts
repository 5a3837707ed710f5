/** The rig writes tar layers with the demo's writer (one implementation for both). */
export * from '../../electron/demo/tar-writer';
