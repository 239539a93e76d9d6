import { ECHO_ID } from '../../test/fixtures';
import type { AuditEntry } from '../auth/contract';

/** An audit record of alice creating echo-split on EchoService; `overrides` change what a test needs. */
export function auditEntry(id: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    time: '2026-01-02T10:00:00.000Z',
    user: 'alice',
    role: 'operator',
    action: 'routes.create',
    method: 'POST',
    path: `/api/v1/services/${encodeURIComponent(ECHO_ID)}/routes`,
    serviceId: ECHO_ID,
    namespace: 'dubbo-demo',
    resource: { kind: 'VirtualService', name: 'echo-split' },
    outcome: 'succeeded',
    status: 201,
    message: null,
    diff: null,
    ...overrides,
  };
}
