import { test } from 'uvu';
import { portableCrypto } from '../../../src/hal/portable/crypto.ts';
import { cryptoSuite } from '../crypto-cases.ts';

cryptoSuite(test, portableCrypto);

test.run();
