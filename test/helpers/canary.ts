/**
 * Canary secrets: collects every output a case produces (engine log lines,
 * errors and their wire form, progress and IPC payloads, CLI stdout and
 * stderr, HTTP answers of `regdesk serve`) and every secret that was in play
 * (passwords, their Basic form, each token and signed-URL query that crossed
 * the wire), then checks that no output holds any of them.
 */
import { expect } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import type { RecordedRequest } from '../rig/fault-proxy';

export interface Captured {
  where: string;
  text: string;
}

export class SecretWatch {
  private readonly secrets = new Set<string>();
  readonly outputs: Captured[] = [];

  /** A password, and the Basic credential built from it. */
  credential(username: string, password: string): this {
    this.secrets.add(password);
    this.secrets.add(Buffer.from(`${username}:${password}`).toString('base64'));
    return this;
  }

  secret(value: string): this {
    this.secrets.add(value);
    return this;
  }

  /** Every credential a proxy saw go by (Basic strings, bearer tokens): the tokens the engine got and used. */
  fromWire(requests: readonly RecordedRequest[]): this {
    for (const r of requests) {
      for (const header of [r.headers.authorization, r.headers['proxy-authorization']]) {
        const value = (Array.isArray(header) ? header.join(' ') : header)?.replace(/^\S+\s+/, '');
        if (value && value.length >= 8) this.secrets.add(value);
      }
    }
    return this;
  }

  /** Keeps an output: text as it is, an error with its message, wire form and stack, anything else as JSON. */
  capture(where: string, value: unknown): void {
    let text: string;
    if (typeof value === 'string') text = value;
    else if (value instanceof Error) text = [value.message, isRegistryError(value) ? JSON.stringify(value.toWire()) : '', value.stack ?? ''].join('\n');
    else text = JSON.stringify(value) ?? String(value);
    this.outputs.push({ where, text });
  }

  /** A RequestLogger for the engine (`--verbose` lines). */
  readonly log = (line: string): void => this.capture('log', line);

  /** How many secrets are watched (a case that watched none proves nothing). */
  get watched(): number {
    return this.secrets.size;
  }

  /** No output holds a secret; a failure names the output and shows it with the secret masked. */
  expectNoLeak(): void {
    expect(this.outputs.length, 'nothing was captured').toBeGreaterThan(0);
    const secrets = [...this.secrets];
    // A secret cut short (a message truncated before it was masked) leaks as its beginning.
    const leaks = (text: string, secret: string): boolean => text.includes(secret) || (secret.length >= 12 && text.includes(secret.slice(0, 8)));
    for (const { where, text } of this.outputs) {
      const leaked = secrets.findIndex((s) => leaks(text, s));
      const shown = leaked < 0 ? '' : text.split(secrets[leaked]!).join('<SECRET>').slice(0, 300);
      expect(leaked, `${where} holds secret #${leaked}: ${shown}`).toBe(-1);
    }
  }
}
