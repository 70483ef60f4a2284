/** The board emulator in one process: what it serves behind its pty, and that close cleans up. */
import { testNeeding } from '../support/needs-tool.ts';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { startBoardEmulator } from '../../src/boards/board-emulator.ts';
import { openNodePort } from '../../src/hal/serial/node-port.ts';
import { realClock } from '../../src/hal/node/real-clock.ts';
import { AtChannel } from '../../src/transport/at/channel.ts';
import type { BytePort } from '../../src/hal/port.ts';

/** Every test here runs boards behind socat's pseudo-terminals. */
const socatTest = testNeeding('socat');

socatTest('nrf9160: the SLM answers on the device path, requests are counted, close removes the pty', async () => {
  const emu = await startBoardEmulator({ board: 'nrf9160', dialect: 'serial-modem' });
  assert.is(emu.serves, 'slm-serial-modem');
  const channel = new AtChannel(await openNodePort({ path: emu.devicePath }), realClock);
  assert.equal((await channel.command('AT+CFUN?')).lines, ['+CFUN: 0']);
  assert.equal((await channel.command('AT#XCLOSE=?')).lines, ['#XCLOSE: (0-7)']);
  assert.is(emu.requests(), 2);
  await channel.close();
  await emu.close();
  assert.is(existsSync(emu.devicePath), false);
});

socatTest('an MCUboot board with an injected SMP server factory gets the board end of the pty', async () => {
  let served: BytePort | undefined;
  const emu = await startBoardEmulator({ board: 'nrf52833', initialVersion: '3.2.1' }, async (port, board, options) => {
    served = port;
    assert.is(board, 'nrf52833');
    assert.equal(options, { initialVersion: '3.2.1' });
    return { requests: () => 42, close: async () => undefined };
  });
  assert.is(emu.serves, 'smp');
  assert.ok(served);
  assert.is(emu.requests(), 42);
  await emu.close();
});

socatTest.run();
