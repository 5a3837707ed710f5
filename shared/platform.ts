/** A platform as the engine, the CLI and the UI carry it; the engine parses and matches them (electron/registry/platform.ts). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows images name the OS build they need. */
  osVersion?: string;
}

/** `os/architecture[/variant]`, as `--platform` takes it. */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
