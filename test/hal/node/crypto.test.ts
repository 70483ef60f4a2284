import { test } from 'uvu';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { cryptoSuite } from '../crypto-cases.ts';

cryptoSuite(test, nodeCrypto);

test.run();
