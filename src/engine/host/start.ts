/** Starts the named engine with the device bundle. */
import { UsageError } from '../../hal/errors.ts';
import type { EngineName, EngineStartOptions, GuestEngine } from './engine.ts';
import { startQuickJs } from './quickjs.ts';
import { startV8Vm } from './v8-vm.ts';
import { startXs } from './xs.ts';

export function startEngine(name: EngineName, o: EngineStartOptions): Promise<GuestEngine> {
  switch (name) {
    case 'xs':
      return startXs(o);
    case 'quickjs':
      return startQuickJs(o);
    case 'v8':
      return startV8Vm(o);
    default:
      throw new UsageError(`engine: '${String(name)}' is not one of xs, quickjs, v8`);
  }
}
