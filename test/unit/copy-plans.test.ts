/** The kept copy plans: taken once, forgotten after their time, bounded in number, never holding a call's signal. */
import { describe, expect, it } from 'vitest';
import { createCopyPlans } from '../../electron/ipc/copy-plans';
import type { CopyPlan, CopyRequest } from '../../electron/registry/copy/plan';

const request = (tag: string): CopyRequest => ({
  source: { registry: 'a.example', repository: 'app', reference: '1.0' },
  destination: { registry: 'b.example', repository: 'app', tag },
});
const planFor = (r: CopyRequest, manifestBytes = 0): CopyPlan => ({
  request: r,
  manifests: manifestBytes ? [{ digest: 'sha256:x', mediaType: 'application/vnd.oci.image.manifest.v1+json', size: manifestBytes, role: 'image', exists: false, bytes: Buffer.alloc(manifestBytes) }] : [],
  blobs: [],
  summary: { source: 'a.example/app:1.0', destination: `b.example/app:${r.destination.tag}`, digest: `sha256:${'1'.repeat(64)}`, sourceDigest: `sha256:${'1'.repeat(64)}`, platforms: [], manifests: [], blobs: [], bytesToTransfer: 0, bytesToMount: 0, bytesPresent: 0 },
});

describe('kept copy plans', () => {
  it('answers the summary with an id and its expiry, and gives the plan back once', () => {
    let now = 1_000_000;
    const plans = createCopyPlans({ now: () => now, ttlMs: 60_000 });
    const kept = plans.keep({ plan: planFor({ ...request('x'), signal: new AbortController().signal }), copiesFinished: 3 });
    expect(kept).toMatchObject({ destination: 'b.example/app:x', expiresAt: new Date(1_060_000).toISOString() });
    now += 59_999;
    const taken = plans.take(kept.planId, request('x'));
    expect(taken.copiesFinished).toBe(3);
    expect(taken.plan.request.signal).toBeUndefined();
    expect(() => plans.take(kept.planId, request('x'))).toThrow(/no longer kept: it was started already, or it expired \(plans are kept 1 minutes\)/);
  });

  it('forgets a plan once its time has passed', () => {
    let now = 0;
    const plans = createCopyPlans({ now: () => now, ttlMs: 60_000 });
    const kept = plans.keep({ plan: planFor(request('x')), copiesFinished: 0 });
    now = 60_000;
    expect(() => plans.take(kept.planId, request('x'))).toThrow('this copy plan expired (plans are kept 1 minutes)');
  });

  it('refuses a plan for another copy and keeps it for its own', () => {
    const plans = createCopyPlans();
    const kept = plans.keep({ plan: planFor(request('x')), copiesFinished: 0 });
    expect(() => plans.take(kept.planId, request('y'))).toThrow('this copy plan was made for another copy');
    expect(() => plans.take(kept.planId, { ...request('x'), platforms: [{ os: 'linux', architecture: 'arm64' }] })).toThrow('made for another copy');
    expect(plans.take(kept.planId, { ...request('x'), platforms: 'all' }).plan.request.destination.tag).toBe('x');
  });

  it('keeps a bounded number, forgetting the oldest first', () => {
    const plans = createCopyPlans({ max: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((tag) => plans.keep({ plan: planFor(request(tag)), copiesFinished: 0 }));
    expect(() => plans.take(a!.planId, request('a'))).toThrow('no longer kept');
    expect(plans.take(b!.planId, request('b')).plan.request.destination.tag).toBe('b');
    expect(plans.take(c!.planId, request('c')).plan.request.destination.tag).toBe('c');
  });

  it('keeps the manifests of all plans under a byte budget, forgetting the oldest first', () => {
    const plans = createCopyPlans({ maxBytes: 1000 });
    const [a, b, c] = ['a', 'b', 'c'].map((tag) => plans.keep({ plan: planFor(request(tag), 400), copiesFinished: 0 }));
    expect(() => plans.take(a!.planId, request('a'))).toThrow('no longer kept');
    expect(plans.take(b!.planId, request('b')).plan.request.destination.tag).toBe('b');
    expect(plans.take(c!.planId, request('c')).plan.request.destination.tag).toBe('c');
  });
});
