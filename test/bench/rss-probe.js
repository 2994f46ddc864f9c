/**
 * Loaded into a CLI child with `node --import` by the bench: at exit it writes the process's
 * peak resident set size (KiB, from process.resourceUsage().maxRSS) to $BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
