import type { VerifyResult } from '../verify/verify-published.js';

/** How many problems a person sees; `--json` and the report hold up to `MAX_PROBLEMS_LISTED`. */
const SHOWN = 50;

/** What `verify` found, for a person. */
export function formatVerify(result: VerifyResult): string[] {
  const checked = `${result.services} image services, ${result.files} files, ${result.documents} manifests and collections`;
  if (result.status === 'complete') return [`Verified: ${checked}: every file a viewer asks for is there`];
  const lines = [`Verify: ${result.problemCount} files missing or bad (checked ${checked}):`];
  for (const problem of result.problems.slice(0, SHOWN))
    lines.push(`  ${problem.kind} ${problem.key}: ${problem.reason}`);
  if (result.problemCount > SHOWN) lines.push(`  … and ${result.problemCount - SHOWN} more (see --json or the report)`);
  lines.push(
    `  Running the task again tiles these ${result.incompleteServices.length} image services again (their resume markers are withdrawn)`,
  );
  return lines;
}
