// Sums vitest JSON reports and prints the closing line CI reads:
// "N passed, M failed" (", K skipped" when some were). A missing or
// unreadable report counts as one failure: a crashed run must not pass.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
    if (report.success === false && report.numFailedTests === 0) failed += 1;
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`);
  } catch (error) {
    console.log(`${file}: no readable report (${error.message})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
