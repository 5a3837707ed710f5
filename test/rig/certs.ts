/**
 * Certificates made with openssl at test time: a CA and a server certificate
 * for TLS registries, and a self-signed signing certificate for the token server.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed (is the openssl package installed?): ${(err as Error).message}`);
  }
}

export interface TlsFiles {
  /** PEM of the CA that signed the server certificate: what a client must trust. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A fresh CA and a server certificate for 127.0.0.1, ::1, localhost and any further `names`, signed by it. */
export async function makeTlsFiles(dir: string, names: readonly string[] = []): Promise<TlsFiles> {
  const subj = (cn: string): string[] => ['-subj', `/CN=${cn}`];
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', ...subj('regdesk test CA'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', ...subj('localhost')], dir);
  const ext = join(dir, 'server.ext');
  const dns = ['localhost', ...names].map((name) => `DNS:${name}`).join(',');
  await writeFile(ext, `subjectAltName=IP:127.0.0.1,IP:::1,${dns}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', ext], dir);
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

export interface SigningFiles {
  certFile: string;
  keyPem: string;
  /** Base64 DER of the certificate, for the JWT `x5c` header. */
  certDerBase64: string;
}

/** A self-signed RSA certificate the registry trusts (rootcertbundle) to verify token signatures. */
export async function makeSigningFiles(dir: string): Promise<SigningFiles> {
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.pem', '-days', '2', '-subj', '/CN=regdesk test token issuer',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign'], dir);
  const certPem = await readFile(join(dir, 'token.pem'), 'utf8');
  const der = certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return { certFile: join(dir, 'token.pem'), keyPem: await readFile(join(dir, 'token.key'), 'utf8'), certDerBase64: der };
}
