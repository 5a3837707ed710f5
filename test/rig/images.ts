/** The rig builds its images with the demo's builder (one implementation for both). */
export * from '../../electron/demo/images';
