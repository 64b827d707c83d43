/**
 * The certificate for TLS listeners: the configured PEM files when given,
 * otherwise a self-signed certificate generated once into the data directory
 * and reused, so clients that pinned it keep working across restarts.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { LagoonError } from './errors.js';
import { writeFileAtomic } from './atomic-file.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint, for people to compare out of band. */
  readonly fingerprint256: string;
  readonly generated: boolean;
}

const CERT_FILE = 'tls-cert.pem';
const KEY_FILE = 'tls-key.pem';
const VALIDITY_DAYS = 825;

export async function loadTlsMaterial(opts: {
  certFile: string | null;
  keyFile: string | null;
  dataDir: string;
  commonName: string;
}): Promise<TlsMaterial> {
  if (opts.certFile && opts.keyFile) {
    const [cert, key] = await Promise.all([readPem(opts.certFile), readPem(opts.keyFile)]);
    return { ...check(cert, key, `${opts.certFile} / ${opts.keyFile}`), generated: false };
  }
  const certPath = join(opts.dataDir, CERT_FILE);
  const keyPath = join(opts.dataDir, KEY_FILE);
  const [cert, key] = await Promise.all([readOptional(certPath), readOptional(keyPath)]);
  if (cert !== null && key !== null) {
    const material = check(cert, key, `${certPath} / ${keyPath}`);
    return { ...material, generated: false };
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALIDITY_DAYS * 86_400_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: opts.commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: opts.commonName }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  await writeFileAtomic(keyPath, pems.private, 0o600);
  await writeFileAtomic(certPath, pems.cert, 0o644);
  return { ...check(pems.cert, pems.private, certPath), generated: true };
}

function check(cert: string, key: string, where: string): Omit<TlsMaterial, 'generated'> {
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the private key does not match the certificate');
    return { cert, key, fingerprint256: x509.fingerprint256 };
  } catch (err) {
    throw new LagoonError('ERR_CONFIG', `TLS certificate/key ${where} unusable: ${(err as Error).message}`, { cause: err });
  }
}

async function readPem(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new LagoonError('ERR_CONFIG', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LagoonError('ERR_CONFIG', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
