/** Test helper (not a test file): the typed error a promise rejects with. */
import * as assert from 'uvu/assert';
import { FotaError } from '../../src/hal/errors.ts';

/** The FotaError `p` rejects with (asserting it is one); fails the test when `p` resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<FotaError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, FotaError);
    return e as FotaError;
  }
  throw new Error('rejectionOf: the promise resolved; a typed error was expected');
}
