/**
 * The `artana` entry point (`npx artana …`, `npm run artana -- …`, `node --import tsx lib/cli/main.ts …`).
 */
import { processIo } from './cli-output.js';
import { runCli } from './program.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
const code = await runCli(process.argv.slice(2), processIo, process.env, interrupt.signal);
process.exit(code);
