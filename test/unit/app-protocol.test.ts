import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAllowedWindowRequest, rendererFile, withAppHeaders } from '../../electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../electron/ipc/serve';

const root = resolve('/opt/regdesk/resources/app.asar/dist/renderer');

describe('rendererFile', () => {
  it.each([
    ['regdesk-app://ui/', 'index.html'],
    ['regdesk-app://ui/index.html', 'index.html'],
    ['regdesk-app://ui/assets/index-abc123.js', 'assets/index-abc123.js'],
    ['regdesk-app://ui/assets/a%20b.css', 'assets/a b.css'],
    ['regdesk-app://ui/assets/../index.html', 'index.html'],
    ['regdesk-app://ui/index.html?x=1#top', 'index.html'],
    // The URL parser resolves dot segments, escaped ones too, before the path is looked at.
    ['regdesk-app://ui/.', 'index.html'],
    ['regdesk-app://ui/%2e%2e/%2e%2e/main.cjs', 'main.cjs'],
  ])('%s → %s', (url, file) => {
    expect(rendererFile(url, root)).toBe(join(root, file));
  });

  it.each([
    ['another host', 'regdesk-app://evil/index.html'],
    ['credentials in the URL', 'regdesk-app://user:pw@ui/index.html'],
    ['another scheme', 'file:///opt/regdesk/resources/app.asar/dist/renderer/index.html'],
    ['escaped slashes climbing out of the folder', 'regdesk-app://ui/..%2f..%2fmain.cjs'],
    ['escaped slashes into a sibling folder sharing the prefix', 'regdesk-app://ui/..%2frenderer-old%2findex.html'],
    ['escaped slashes back to the folder itself', 'regdesk-app://ui/assets%2f..'],
    ['a NUL byte', 'regdesk-app://ui/index.html%00.png'],
    ['a malformed escape', 'regdesk-app://ui/%E0%A4%A'],
    ['not a URL', 'index.html'],
  ])('refuses %s', (_what, url) => {
    expect(rendererFile(url, root)).toBeUndefined();
  });

  it('never names a file outside the folder, whatever the escapes', () => {
    const climbs = ['..', '%2e%2e', '.%2e', '..%2f', '..%5c', '%2e%2e%2f', '%2e%2e%5c', '%252e%252e%252f'];
    for (const a of climbs) {
      for (const b of climbs) {
        const file = rendererFile(`regdesk-app://ui/${a}/${b}main.cjs`, root);
        if (file !== undefined) expect(file.startsWith(root + sep), file).toBe(true);
      }
    }
  });
});

/** The CSP's directives by name, so a test reads one without matching the whole string. */
function directives(policy: string | null): Map<string, string> {
  return new Map((policy ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name!, values.join(' ')];
  }));
}

describe('withAppHeaders', () => {
  it('adds the app CSP as a header to a fetched answer, whose own headers are immutable, and keeps its body and type', async () => {
    const fetched = await fetch('data:text/html;charset=utf-8,<p>hello</p>');
    expect(() => fetched.headers.set('x-probe', '1')).toThrow(TypeError);
    const answer = withAppHeaders(fetched);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(answer.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await answer.text()).toBe('<p>hello</p>');
  });

  it('replaces a policy the answer already had, and keeps a not-found status', async () => {
    const answer = withAppHeaders(new Response('not found', { status: 404, headers: { 'content-security-policy': "default-src *" } }));
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('sends a policy with no base, no form targets, no framing, no plugins, and scripts only from the app', () => {
    const policy = directives(withAppHeaders(new Response('')).headers.get('content-security-policy'));
    expect(policy.get('base-uri')).toBe("'none'");
    expect(policy.get('form-action')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('default-src')).toBe("'self'");
  });
});

describe('isAllowedWindowRequest', () => {
  it.each([
    ['regdesk-app://ui/assets/index.js', true, true],
    ['devtools://devtools/bundled/inspector.html', false, true],
    ['devtools://devtools/bundled/inspector.html', true, false],
    ['https://registry.example.com/v2/', false, false],
    ['http://127.0.0.1:5000/v2/', false, false],
    ['file:///etc/passwd', false, false],
    ['regdesk-appx://ui/', false, false],
  ])('%s (packaged: %s) → %s', (url, packaged, expected) => {
    expect(isAllowedWindowRequest(url, packaged)).toBe(expected);
  });
});
