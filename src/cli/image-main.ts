/**
 * `fotakit image …` as a CommonJS bundle of its own (dist/fotakit-image.cjs, chosen by bin/fotakit.cjs).
 * The image commands are the ones scripts and CI run over and over, and on a bare Node start the
 * ES module loader alone costs about a tenth of `node -e 0`; a CommonJS file starts without it. The
 * group's code is the same module src/cli/main.ts loads; only the packaging differs (scripts/build.ts).
 */
import { quietOnEpipe, runGroup } from './run-group.ts';

quietOnEpipe(process.stdout);
quietOnEpipe(process.stderr);
const argv = process.argv.slice(2);
if (argv[0] !== 'image') throw new Error(`fotakit-image: started for '${argv[0]}', not 'image' (bin/fotakit.cjs routes only image here)`);
void runGroup(() => import('./commands/image.ts'), argv.slice(1), argv.includes('--json')).then((status) => {
  process.exitCode = status;
});
