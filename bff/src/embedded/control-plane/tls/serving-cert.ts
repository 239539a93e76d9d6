import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der';

/**
 * A self-signed serving certificate for the loopback API. kubectl (client-go) sends credentials
 * only over TLS, so the kubeconfig points at https and carries this certificate as its CA.
 * Node has no API to create certificates, hence the few lines of DER.
 */

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

const COMMON_NAME = 'mesh-console-embedded';
const VALIDITY_DAYS = 3650;
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // Expand IPv6 (with at most one "::") into 16 bytes.
  const [head = '', tail] = ip.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const fill = Array<string>(8 - headParts.length - tailParts.length).fill('0');
  const groups = tail === undefined ? headParts : [...headParts, ...fill, ...tailParts];
  return Buffer.concat(
    groups.map((g) => {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(parseInt(g || '0', 16));
      return b;
    }),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function createCertificate(hosts: string[], publicKey: KeyObject, privateKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(COMMON_NAME))));
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const altNames = hosts.map((h) =>
    isIP(h) ? implicitPrimitive(7, ipBytes(h)) : implicitPrimitive(2, Buffer.from(h, 'ascii')),
  );
  const extensions = sequence(
    // CA so that the certificate can be its own trust anchor in the kubeconfig.
    extension('2.5.29.19', true, sequence(boolean(true))),
    // digitalSignature and keyCertSign.
    extension('2.5.29.15', true, bitString(Buffer.from([0x84]), 2)),
    extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
    extension('2.5.29.14', false, octetString(createHash('sha1').update(spki).digest())),
    extension('2.5.29.17', false, sequence(...altNames)),
  );
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(randomBytes(16)),
    ecdsaWithSha256,
    name,
    sequence(time(new Date(now - 3600_000)), time(new Date(now + VALIDITY_DAYS * 24 * 3600_000))),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, ecdsaWithSha256, bitString(signature));
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

function stillGood(certPem: string, hosts: string[]): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

/** The certificate and key in `<dataDir>/tls.crt` and `tls.key`, made (or remade) when missing, expiring or not covering the hosts. */
export function loadOrCreateServingCert(dataDir: string, hosts: string[]): ServingCert {
  const certFile = path.join(dataDir, 'tls.crt');
  const keyFile = path.join(dataDir, 'tls.key');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    const certPem = fs.readFileSync(certFile, 'utf8');
    const keyPem = fs.readFileSync(keyFile, 'utf8');
    if (stillGood(certPem, hosts)) return { certPem, keyPem };
  }
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certPem = createCertificate(hosts, publicKey, privateKey);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
  fs.writeFileSync(certFile, certPem, { mode: 0o600 });
  return { certPem, keyPem };
}
