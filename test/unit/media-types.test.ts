import { describe, expect, it } from 'vitest';
import {
  baseMediaType,
  isIndexMediaType,
  MANIFEST_ACCEPT,
  MANIFEST_ACCEPT_TYPES,
  MEDIA_TYPES,
} from '../../electron/registry/media-types';

describe('MEDIA_TYPES', () => {
  it('spells the OCI and Docker types exactly', () => {
    expect(MEDIA_TYPES).toMatchObject({
      ociManifest: 'application/vnd.oci.image.manifest.v1+json',
      ociIndex: 'application/vnd.oci.image.index.v1+json',
      ociConfig: 'application/vnd.oci.image.config.v1+json',
      ociLayer: 'application/vnd.oci.image.layer.v1.tar',
      ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
      ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
      dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
      dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
      dockerConfig: 'application/vnd.docker.container.image.v1+json',
      dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
      dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
    });
  });
});

describe('MANIFEST_ACCEPT', () => {
  it('lists every manifest format, modern first, schema 1 last, without q-values (registries that compare whole entries)', () => {
    expect(MANIFEST_ACCEPT).toBe([
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'application/vnd.docker.distribution.manifest.v1+json',
    ].join(', '));
    expect(MANIFEST_ACCEPT_TYPES).toHaveLength(6);
    expect(MANIFEST_ACCEPT).not.toContain(';');
    expect(Object.isFrozen(MANIFEST_ACCEPT_TYPES)).toBe(true);
  });

  it('is a valid header value (no control characters)', () => {
    expect(MANIFEST_ACCEPT).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('baseMediaType', () => {
  it('drops parameters, trims and lower-cases', () => {
    expect(baseMediaType(' Application/VND.OCI.image.index.v1+json ; charset=utf-8')).toBe('application/vnd.oci.image.index.v1+json');
    expect(baseMediaType('application/json')).toBe('application/json');
    expect(baseMediaType('')).toBeUndefined();
    expect(baseMediaType(' ; x=y')).toBeUndefined();
    expect(baseMediaType(undefined)).toBeUndefined();
  });
});

describe('media type predicates', () => {
  it('isIndexMediaType', () => {
    expect(isIndexMediaType(MEDIA_TYPES.ociIndex)).toBe(true);
    expect(isIndexMediaType(MEDIA_TYPES.dockerManifestList)).toBe(true);
    expect(isIndexMediaType(`${MEDIA_TYPES.ociIndex}; charset=utf-8`)).toBe(true);
    expect(isIndexMediaType(MEDIA_TYPES.ociManifest)).toBe(false);
    expect(isIndexMediaType(MEDIA_TYPES.dockerManifest)).toBe(false);
    expect(isIndexMediaType(`${MEDIA_TYPES.ociIndex}x`)).toBe(false);
    expect(isIndexMediaType('')).toBe(false);
    expect(isIndexMediaType(undefined)).toBe(false);
  });
});
