/**
 * `fotakit emulate --board nrf52833` as a separate process: the SMP client over a real pty (opened with
 * `serialport`) uploads an image to the emulated MCUboot board, marks it for test, resets the board
 * (MCUboot swaps) and confirms the new image.
 */
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openNodePort } from '../../src/hal/serial/node-port.ts';
import { realClock } from '../../src/hal/node/real-clock.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage } from '../../src/boards/smp-device.ts';
import { SmpClient } from '../../src/transport/smp/client.ts';
import { SerialSmpTransport } from '../../src/transport/smp/transport.ts';
import { uploadImage } from '../../src/transport/smp/upload.ts';

/** Every test here runs boards behind socat's pseudo-terminals. */
const socatTest = testNeeding('socat');

const NEW_IMAGE_PAYLOAD_BYTES = 24 * 1024;
const RESET_POLL_MS = 100;
const RESET_TRIES = 50;

socatTest('an image uploaded over the pty to emulate --board nrf52833 boots after a test reset and is confirmed', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'emulate', '--board', 'nrf52833', '--image-version', '1.0.7', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const ready = JSON.parse((await lines.next()).value as string) as { device: string; serves: string };
    assert.is(ready.serves, 'smp');
    const port = await openNodePort({ path: ready.device });
    const client = new SmpClient(new SerialSmpTransport(port), { clock: realClock });
    const before = await client.imageState();
    assert.is(before[0]!.version, '1.0.7');
    assert.is(before[0]!.active, true);

    const image = await buildTestImage(nodeCrypto, NEW_IMAGE_PAYLOAD_BYTES, '2.0.0', 5);
    const up = await uploadImage(client, image);
    assert.is(up.bytes, image.length);
    const staged = await client.imageState();
    const secondary = staged.find((s) => s.slot === 1)!;
    assert.is(secondary.version, '2.0.0');
    await client.imageTest(secondary.hash!);
    await client.reset();
    let after = undefined;
    for (let k = 0; k < RESET_TRIES && !after; k++) {
      await new Promise((r) => setTimeout(r, RESET_POLL_MS));
      after = await client.imageState().catch(() => undefined);
    }
    assert.is(after![0]!.version, '2.0.0');
    assert.is(after![0]!.confirmed, false);
    const confirmed = await client.imageConfirm();
    assert.is(confirmed[0]!.version, '2.0.0');
    assert.is(confirmed[0]!.confirmed, true);
    await client.close();
    child.kill('SIGTERM');
    const closed = JSON.parse((await lines.next()).value as string) as { event: string; requests: number };
    assert.is(closed.event, 'closed');
    assert.ok(closed.requests > 10);
    assert.is(await exit, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

socatTest.run();
