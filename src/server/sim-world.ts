/**
 * The local world of a simulated run (src/boards/sim-run.ts): the update server on loopback (release API
 * and CDN, test PKI, fault injection) serving the run's release, and the root-CA candidates in the order
 * the field used.
 */
import type { CertCandidate } from '../fota/cert-select.ts';
import type { OpenSimWorld } from '../boards/sim-run.ts';
import { createDuplexPair } from '../hal/sim/duplex-pair.ts';
import type { ServerFaults } from './faults.ts';
import { startUpdateServer, type UpdateServer } from './update-server.ts';

/** The root-CA order Memfault's SDK used until 1.3.0: Amazon first, DigiCert Global Root G2 last. */
export function fieldOrderCandidates(server: UpdateServer): CertCandidate[] {
  const r = server.pki.roots;
  return [
    { secTag: 1002, name: r.amazonRootCa1.name, pem: r.amazonRootCa1.pem },
    { secTag: 1003, name: r.digicertGlobalRootCa.name, pem: r.digicertGlobalRootCa.pem },
    { secTag: 1004, name: r.baltimoreCyberTrust.name, pem: r.baltimoreCyberTrust.pem },
    { secTag: 1001, name: r.digicertGlobalRootG2.name, pem: r.digicertGlobalRootG2.pem },
  ];
}

/**
 * A run's world on loopback: a fresh update server per run, with `faults` injected when given. With a
 * clock (a run in virtual time) the server's fault timers run on it, and the world can also be reached
 * in memory (`dial`): the modem's raw stream is one end of a duplex pair, the server is handed the other.
 */
export function localUpdateServer(faults?: ServerFaults): OpenSimWorld {
  return async (release, env) => {
    const server = await startUpdateServer({
      image: release.image,
      version: release.version,
      ...(faults ? { faults } : {}),
      ...(env?.clock ? { clock: env.clock } : {}),
    });
    return {
      apiUrl: server.apiUrl,
      projectKey: server.projectKey,
      hosts: server.hosts,
      candidates: fieldOrderCandidates(server),
      dial: (address, port, onActivity) => {
        if (address !== server.address || port !== server.port) return undefined;
        const [device, served] = createDuplexPair(onActivity);
        server.accept(served);
        return device;
      },
      close: () => server.close(),
    };
  };
}
